"""ResourceQuota usage and the ResourceQuota admission plugin.

Ports the quota evaluators (pkg/quota/v1/evaluator/core: pods, services, persistentvolumeclaims,
and the object-count evaluator for every other kind, ``count/<resource>.<group>``) and the
admission plugin's check (k8s.io/apiserver pkg/admission/plugin/resourcequota): a create whose
usage would take a quota of its namespace over ``hard`` is refused with the plugin's
``exceeded quota`` message, a pod missing a request or limit a quota tracks with ``failed
quota: ... must specify``, and an admitted create is charged to the quotas' ``status.used`` at
once (the quota controller recomputes usage from what is stored afterwards). A scoped quota
(Terminating, NotTerminating, BestEffort, NotBestEffort, PriorityClass) covers only the pods
of its scopes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .quantity import ZERO, Amount, amount
from .resources import BY_GR
from .store import Store

Obj = dict[str, Any]
Usage = dict[str, Amount]

QUOTAS = "resourcequotas"
_ONE = Amount(10**9)
# Pod resources that each container must request or limit once a quota tracks them.
_CONTAINER_REQUIRED = frozenset(
    {"cpu", "memory", "requests.cpu", "requests.memory", "limits.cpu", "limits.memory"}
)
# The resource names a kind's evaluator reports (its count/<resource> name besides).
_COUNT_NAMES = {
    "pods": "pods",
    "services": "services",
    "configmaps": "configmaps",
    "secrets": "secrets",
    "persistentvolumeclaims": "persistentvolumeclaims",
    "replicationcontrollers": "replicationcontrollers",
    "resourcequotas": "resourcequotas",
}
# Resources counted in whole objects (IsIntegerResourceName).
COUNTED = frozenset({*_COUNT_NAMES.values(), "services.nodeports", "services.loadbalancers"})
# IsStandardQuotaResourceName, without the hugepages prefixes.
STANDARD = frozenset(
    {
        *COUNTED,
        "cpu",
        "memory",
        "ephemeral-storage",
        "requests.cpu",
        "requests.memory",
        "requests.storage",
        "requests.ephemeral-storage",
        "limits.cpu",
        "limits.memory",
        "limits.ephemeral-storage",
    }
)


def _count_name(gr: str) -> str:
    """``count/<resource>.<group>``, or ``count/<resource>`` for the core group."""
    return f"count/{gr}"


def pod_counts(pod: Obj) -> bool:
    """QuotaV1Pod: a pod is charged until it has finished."""
    return (pod.get("status") or {}).get("phase") not in ("Succeeded", "Failed")


def _container_usage(resources: Any) -> Usage:
    """podComputeUsageHelper's compute resources of one container (or of a pod's sums)."""
    resources = resources if isinstance(resources, Mapping) else {}
    requests = resources.get("requests") or {}
    limits = resources.get("limits") or {}
    out: Usage = {}
    for name in ("cpu", "memory", "ephemeral-storage"):
        if name in requests:
            out[name] = out[f"requests.{name}"] = amount(requests[name])
        if name in limits:
            out[f"limits.{name}"] = amount(limits[name])
    return out


def add(a: Usage, b: Mapping[str, Amount]) -> Usage:
    out = dict(a)
    for key, value in b.items():
        out[key] = out[key] + value if key in out else value
    return out


def pod_totals(spec: Obj, key: str) -> Usage:
    """resourcehelper.PodRequests / PodLimits (``key`` "requests" or "limits"): the sum over
    the containers, at least each init container's own."""
    total: Usage = {}
    for c in spec.get("containers") or []:
        own = ((c or {}).get("resources") or {}).get(key) or {}
        total = add(total, {str(k): amount(v) for k, v in own.items()})
    for c in spec.get("initContainers") or []:
        for name, value in (((c or {}).get("resources") or {}).get(key) or {}).items():
            if name not in total or amount(value).nanos > total[name].nanos:
                total[name] = amount(value)
    return total


def _pod_usage(pod: Obj) -> Usage:
    """The pod evaluator's usage: one pod, and its compute requests and limits."""
    if not pod_counts(pod):
        return {}
    spec = pod.get("spec") or {}
    out: Usage = {"pods": _ONE, _count_name("pods"): _ONE}
    requests, limits = pod_totals(spec, "requests"), pod_totals(spec, "limits")
    for name in ("cpu", "memory", "ephemeral-storage"):
        if name in requests:
            out[name] = out[f"requests.{name}"] = requests[name]
        if name in limits:
            out[f"limits.{name}"] = limits[name]
    return out


def usage(gr: str, obj: Obj) -> Usage:
    """The evaluator's Usage of one object."""
    if gr == "pods":
        return _pod_usage(obj)
    out: Usage = {_count_name(gr): _ONE}
    if gr in _COUNT_NAMES:
        out[_COUNT_NAMES[gr]] = _ONE
    if gr == "services":
        spec = obj.get("spec") or {}
        kind = spec.get("type")
        if kind == "LoadBalancer":
            out["services.loadbalancers"] = _ONE
        if kind in ("NodePort", "LoadBalancer"):
            ports = len(spec.get("ports") or [])
            out["services.nodeports"] = Amount(ports * 10**9)
    elif gr == "persistentvolumeclaims":
        spec = obj.get("spec") or {}
        storage = amount(((spec.get("resources") or {}).get("requests") or {}).get("storage", 0))
        out["requests.storage"] = storage
        class_name = spec.get("storageClassName")
        if class_name:
            prefix = f"{class_name}.storageclass.storage.k8s.io"
            out[f"{prefix}/requests.storage"] = storage
            out[f"{prefix}/persistentvolumeclaims"] = _ONE
    return out


def _scope_matches(scope: str, operator: str, values: list[str], pod: Obj) -> bool:
    """The pod evaluator's podMatchesScopeFunc for one scope requirement."""
    spec = pod.get("spec") or {}
    if scope in ("Terminating", "NotTerminating"):
        terminating = spec.get("activeDeadlineSeconds") is not None
        return terminating == (scope == "Terminating")
    if scope in ("BestEffort", "NotBestEffort"):
        best_effort = (pod.get("status") or {}).get("qosClass") == "BestEffort"
        return best_effort == (scope == "BestEffort")
    if scope == "PriorityClass":
        name = spec.get("priorityClassName")
        if operator == "Exists":
            return bool(name)
        if operator == "DoesNotExist":
            return not name
        return (name in values) == (operator == "In")
    return False


def covers(quota: Obj, gr: str, obj: Obj) -> bool:
    """Whether a quota's scopes (``spec.scopes``, ``spec.scopeSelector``) take in the object:
    an unscoped quota takes every object, a scoped one only the pods of all its scopes."""
    spec = quota.get("spec") or {}
    selector = spec.get("scopeSelector") or {}
    requirements = [(str(s), "Exists", []) for s in spec.get("scopes") or []] + [
        (str(r.get("scopeName")), str(r.get("operator")), list(r.get("values") or []))
        for r in selector.get("matchExpressions") or []
        if isinstance(r, dict)
    ]
    if not requirements:
        return True
    return gr == "pods" and all(_scope_matches(s, op, v, obj) for s, op, v in requirements)


def namespace_usage(store: Store, quota: Obj) -> Usage:
    """What the objects a quota covers use of its hard resources (the controller's recompute)."""
    namespace = str(quota["metadata"].get("namespace") or "")
    wanted = set((quota.get("spec") or {}).get("hard") or {})
    used: Usage = {name: ZERO for name in wanted}
    for gr in list(BY_GR):
        rtype = BY_GR[gr]
        if not rtype.namespaced or rtype.volatile or "create" not in rtype.verbs:
            continue
        if gr not in _COUNT_NAMES and _count_name(gr) not in wanted:
            continue
        for obj in store.list(gr, namespace):
            if not covers(quota, gr, obj):
                continue
            for key, value in usage(gr, obj).items():
                if key in wanted:
                    used[key] = used[key] + value
    return used


def pretty(items: Mapping[str, Amount]) -> str:
    """prettyPrint: ``name=quantity`` sorted by name, comma-joined."""
    return ",".join(f"{k}={items[k]}" for k in sorted(items))


def hard_of(quota: Obj) -> dict[str, Amount]:
    hard = (quota.get("status") or {}).get("hard") or (quota.get("spec") or {}).get("hard") or {}
    return {str(k): amount(v) for k, v in hard.items()}


def _missing_requests(pod: Obj, hard: set[str]) -> str | None:
    """The pod evaluator's Constraints: each container must give the requests and limits of
    cpu and memory a quota tracks."""
    required = hard & _CONTAINER_REQUIRED
    missing: dict[str, set[str]] = {}
    spec = pod.get("spec") or {}
    for c in [*(spec.get("containers") or []), *(spec.get("initContainers") or [])]:
        have = set(_container_usage((c or {}).get("resources")))
        for name in required - have:
            missing.setdefault(name, set()).add(str((c or {}).get("name", "")))
    if not missing:
        return None
    parts = [f"{name} for: {','.join(sorted(missing[name]))}" for name in sorted(missing)]
    return "must specify " + "; ".join(parts)


class Refused(Exception):
    """The plugin's refusal; ``str(e)`` is the reason after ``<kind> "<name>" is forbidden: ``."""


def admit(store: Store, gr: str, obj: Obj, *, dry_run: bool = False) -> None:
    """checkRequest for a create of ``obj``: raise :class:`Refused`, or charge the quotas of its
    namespace with its usage (not for a dry run)."""
    namespace = str(obj["metadata"].get("namespace") or "")
    quotas = store.list(QUOTAS, namespace)
    if not quotas or not BY_GR[gr].namespaced:
        return
    delta = usage(gr, obj)
    if not delta:
        return
    charged: list[tuple[Obj, Usage]] = []
    for quota in quotas:
        if not covers(quota, gr, obj):
            continue
        hard = hard_of(quota)
        if gr == "pods":
            problem = _missing_requests(obj, set(hard))
            if problem:
                raise Refused(f"failed quota: {quota['metadata']['name']}: {problem}")
        requested = {k: v for k, v in delta.items() if k in hard and v.nanos}
        if not requested:
            continue
        status_used = (quota.get("status") or {}).get("used")
        if not isinstance(status_used, dict) or not set(requested) <= set(status_used):
            names = ",".join(sorted(set(requested) - set(status_used or {})))
            raise Refused(
                f"status unknown for quota: {quota['metadata']['name']}, resources: {names}"
            )
        used = {str(k): amount(v) for k, v in status_used.items()}
        new = add(used, requested)
        exceeded = sorted(k for k in requested if new[k].nanos > hard[k].nanos)
        if exceeded:
            raise Refused(
                f"exceeded quota: {quota['metadata']['name']}, "
                f"requested: {pretty({k: requested[k] for k in exceeded})}, "
                f"used: {pretty({k: used[k] for k in exceeded})}, "
                f"limited: {pretty({k: hard[k] for k in exceeded})}"
            )
        charged.append((quota, {k: new[k] for k in hard if k in new}))
    if dry_run:
        return
    for quota, new_used in charged:

        def charge(q: Obj, new_used: Usage = new_used) -> None:
            status = q.setdefault("status", {})
            status["used"] = {
                **(status.get("used") or {}),
                **{k: str(v) for k, v in new_used.items()},
            }

        store.mutate(QUOTAS, namespace, quota["metadata"]["name"], charge)
