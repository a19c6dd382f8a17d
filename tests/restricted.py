"""A user with narrow rights, for tests of what the app and ``--once`` do with kinds they may not
list: ``agent-ops`` may read the DaemonSets (and their pods, logs, events, revisions) of
namespace ``default`` and nothing else. Create with ``kubectl create -f -``; act as the user
with ``--as agent-ops``."""

AGENT_OPS = """
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: agent-ops, namespace: default}
rules:
  - apiGroups: ["apps"]
    resources: [daemonsets, controllerrevisions]
    verbs: [get, list, watch]
  - apiGroups: [""]
    resources: [pods, pods/log, events]
    verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: agent-ops, namespace: default}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: agent-ops}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: agent-ops}]
"""
