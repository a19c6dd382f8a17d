"""The stack graph (DESIGN.md): a workload of any registered kind (a Deployment with its
ReplicaSets, a StatefulSet or DaemonSet with its ControllerRevisions, each through its
WorkloadKind) and its Pods, the Services that select them (with endpoint readiness from
EndpointSlices), the Ingresses routing to those Services, the HPAs scaling it, the ConfigMaps /
Secrets / PVCs its pod template references, and the broken links between them as findings.
Plus one summary row per stack and the urgency sort.

Input is a snapshot: a mapping from kind ("deployments", "replicasets", "pods", "services",
"endpointslices", "ingresses", "horizontalpodautoscalers", "configmaps", "secrets",
"persistentvolumeclaims", "events", "statefulsets", "daemonsets", "controllerrevisions";
group-qualified names such as "deployments.apps" work too)
to the objects, as a list or as a mapping whose values are the objects. A kind missing from the
snapshot (forbidden or not yet synced) is unknown: nothing is reported missing because of it.
Secrets are read for their names only.

The package, along its seams: :mod:`.views` (the values), :mod:`.index` (the snapshot
index), :mod:`.graph` (a stack's graph and findings), :mod:`.links` (its Services, Ingress
routes, config references and their broken links), :mod:`.summary` (the stacks-list
rows) and :mod:`.cache` (the incremental :class:`Summarizer`, stateful: a cache, not pure).
"""

from __future__ import annotations

from kubectl_stack.model.stack.cache import Change, Summarizer
from kubectl_stack.model.stack.graph import namespace_findings, stack
from kubectl_stack.model.stack.index import KINDS
from kubectl_stack.model.stack.summary import summarize, urgency_key
from kubectl_stack.model.stack.views import (
    ConfigRef,
    IngressRoute,
    ServiceLink,
    Stack,
    StackRow,
)

__all__ = [
    "Change",
    "ConfigRef",
    "IngressRoute",
    "KINDS",
    "ServiceLink",
    "Stack",
    "StackRow",
    "Summarizer",
    "namespace_findings",
    "stack",
    "summarize",
    "urgency_key",
]
