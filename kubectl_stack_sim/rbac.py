"""RBAC from the objects stored in the cluster: what Roles, ClusterRoles and their bindings
grant, decided as kubernetes' RBAC authorizer does (plugin/pkg/auth/authorizer/rbac).

A request is allowed when a ClusterRoleBinding, or a RoleBinding in the request's namespace,
binds the user (a ``User`` subject of that name, or a ``Group`` subject of one of the user's
groups: every authenticated user is in ``system:authenticated``) to a role holding a rule that
covers it: the verb, the API group, the resource (``pods/log`` for a subresource; ``*``,
``*/log`` and ``pods/*`` as wildcards) and, when the rule lists them, the object's name. A
RoleBinding's role is its namespace's Role or a ClusterRole, applied in that namespace only.

The default ClusterRoles are served as the API server's bootstrap policy makes them, for the
resources this cluster serves: ``cluster-admin`` (everything, bound to ``system:masters``),
``admin``, ``edit`` and ``view`` (reading all but Secrets)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .resources import CONNECT_SUBRESOURCES, RESOURCES
from .store import Obj, Store

GROUP = "rbac.authorization.k8s.io"
ROLES = f"roles.{GROUP}"
CLUSTER_ROLES = f"clusterroles.{GROUP}"
BINDINGS = f"rolebindings.{GROUP}"
CLUSTER_BINDINGS = f"clusterrolebindings.{GROUP}"
AUTHENTICATED = "system:authenticated"

READ = ["get", "list", "watch"]
WRITE = ["create", "delete", "deletecollection", "patch", "update"]
# What the bootstrap edit role may change (and admin too), among the kinds served here.
_EDITABLE = {
    "": [
        "pods",
        "pods/log",
        "pods/attach",
        "pods/exec",
        "pods/portforward",
        "services",
        "configmaps",
        "secrets",
        "serviceaccounts",
    ]
    + ["persistentvolumeclaims", "endpoints", "replicationcontrollers"]
    + ["replicationcontrollers/scale"],
    "apps": ["deployments", "deployments/scale", "replicasets", "replicasets/scale"]
    + ["statefulsets", "statefulsets/scale", "daemonsets"],
    "autoscaling": ["horizontalpodautoscalers"],
    "networking.k8s.io": ["ingresses"],
}
_SKIPPED_BY_VIEW = {"secrets"}
_REVIEWS = {"selfsubjectaccessreviews", "selfsubjectrulesreviews"}


@dataclass(frozen=True)
class Grant:
    """Why a request is allowed: the binding and the role, for an access review's reason."""

    binding_kind: str
    binding: str  # "name" or "namespace/name" of a RoleBinding
    role_kind: str
    role: str

    def reason(self, user: str) -> str:
        return (
            f'RBAC: allowed by {self.binding_kind} "{self.binding}" of {self.role_kind} '
            f'"{self.role}" to User "{user}"'
        )


def _covers(values: Iterable[Any], wanted: str) -> bool:
    return any(v == "*" or v == wanted for v in values)


def _resource_covered(resources: list[Any], resource: str, subresource: str | None) -> bool:
    combined = f"{resource}/{subresource}" if subresource else resource
    for r in resources:
        if r in ("*", combined):
            return True
        if subresource and r in (f"*/{subresource}", f"{resource}/*"):
            return True
    return False


def rule_allows(
    rule: Any, verb: str, group: str, resource: str, subresource: str | None, name: str | None
) -> bool:
    """RuleAllows: verb, API group, resource (with subresource) and resource name."""
    if not isinstance(rule, dict):
        return False
    if not _covers(rule.get("verbs") or [], verb):
        return False
    if not _covers(rule.get("apiGroups") or [], group):
        return False
    if not _resource_covered(list(rule.get("resources") or []), resource, subresource):
        return False
    names = rule.get("resourceNames") or []
    return not names or (name is not None and name in names)


def _bound(binding: Obj, user: str, groups: tuple[str, ...]) -> bool:
    for subject in binding.get("subjects") or []:
        if not isinstance(subject, dict):
            continue
        kind, name = subject.get("kind"), subject.get("name")
        if (kind == "User" and name == user) or (kind == "Group" and name in groups):
            return True
    return False


def _role_rules(store: Store, binding: Obj, namespace: str) -> tuple[str, str, list[Any]]:
    ref = binding.get("roleRef") or {}
    kind, name = str(ref.get("kind", "")), str(ref.get("name", ""))
    role = (
        store.get(ROLES, namespace, name) if kind == "Role" else store.get(CLUSTER_ROLES, "", name)
    )
    return kind, name, list((role or {}).get("rules") or [])


def grants(store: Store, user: str, namespace: str | None) -> list[tuple[Grant, list[Any]]]:
    """Every (grant, rules) that applies to ``user`` in ``namespace`` (None: cluster scope)."""
    groups = (AUTHENTICATED,)
    out: list[tuple[Grant, list[Any]]] = []
    for binding in store.list(CLUSTER_BINDINGS):
        if _bound(binding, user, groups):
            kind, name, rules = _role_rules(store, binding, "")
            out.append(
                (Grant("ClusterRoleBinding", binding["metadata"]["name"], kind, name), rules)
            )
    if namespace:
        for binding in store.list(BINDINGS, namespace):
            if _bound(binding, user, groups):
                kind, name, rules = _role_rules(store, binding, namespace)
                where = f"{binding['metadata']['name']}/{namespace}"
                out.append((Grant("RoleBinding", where, kind, name), rules))
    return out


def authorize(
    store: Store,
    user: str,
    verb: str,
    gr: str,
    subresource: str | None,
    namespace: str | None,
    name: str | None,
) -> Grant | None:
    """The grant that allows the request, or None."""
    resource, _, group = gr.partition(".")
    for grant, rules in grants(store, user, namespace):
        if any(rule_allows(r, verb, group, resource, subresource, name) for r in rules):
            return grant
    return None


def _by_group(names: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for group, resource in names:
        out.setdefault(group, []).append(resource)
    return out


def _view_rules() -> list[Obj]:
    readable = _by_group(
        (r.group, f"{r.plural}/{sub}" if sub else r.plural)
        for r in RESOURCES
        if r.plural not in _SKIPPED_BY_VIEW and r.plural not in _REVIEWS and r.group != GROUP
        for sub in ("", *r.subresources)
        if sub not in ("scale", *CONNECT_SUBRESOURCES)
    )
    return [{"verbs": READ, "apiGroups": [g], "resources": rs} for g, rs in readable.items()]


def bootstrap_cluster_roles() -> list[Obj]:
    """cluster-admin, admin, edit and view, and cluster-admin's binding to system:masters."""
    edit = [
        {"verbs": READ + WRITE, "apiGroups": [g], "resources": rs} for g, rs in _EDITABLE.items()
    ]
    rbac_rules = [
        {"verbs": READ + WRITE, "apiGroups": [GROUP], "resources": ["roles", "rolebindings"]}
    ]

    def role(name: str, rules: list[Obj]) -> Obj:
        labels = {"kubernetes.io/bootstrapping": "rbac-defaults"}
        return {
            "apiVersion": f"{GROUP}/v1",
            "kind": "ClusterRole",
            "metadata": {"name": name, "labels": labels},
            "rules": rules,
        }

    everything = [
        {"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]},
        {"verbs": ["*"], "nonResourceURLs": ["*"]},
    ]
    binding = {
        "apiVersion": f"{GROUP}/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {
            "name": "cluster-admin",
            "labels": {"kubernetes.io/bootstrapping": "rbac-defaults"},
        },
        "roleRef": {"apiGroup": GROUP, "kind": "ClusterRole", "name": "cluster-admin"},
        "subjects": [{"apiGroup": GROUP, "kind": "Group", "name": "system:masters"}],
    }
    return [
        role("cluster-admin", everything),
        role("admin", edit + rbac_rules + _view_rules()),
        role("edit", edit + _view_rules()),
        role("view", _view_rules()),
        binding,
    ]
