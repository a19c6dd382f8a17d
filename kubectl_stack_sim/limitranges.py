"""LimitRanges: their API defaulting and the LimitRanger admission plugin.

Ports SetDefaults_LimitRangeItem (a Container item's default limit from its max, its default
request from its default limit, else its min) and k8s.io/kubernetes
plugin/pkg/admission/limitranger: a new pod's containers (and init containers) get the
namespace's default requests and limits they do not set, noted in the
``kubernetes.io/limit-ranger`` annotation; then a pod or claim outside a LimitRange's min, max
or maxLimitRequestRatio (per Container, per Pod, per PersistentVolumeClaim) is refused with the
plugin's messages, aggregated per LimitRange as utilerrors.NewAggregate writes them.
Quantities are compared in milli-units, as requestLimitEnforcedValues does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .quantity import Amount, amount
from .quota import pod_totals
from .store import Store

Obj = dict[str, Any]

LIMIT_RANGES = "limitranges"
ANNOTATION = "kubernetes.io/limit-ranger"


def default_item(item: Obj) -> None:
    """SetDefaults_LimitRangeItem, for a Container item."""
    if item.get("type") != "Container":
        return
    defaults = item.setdefault("default", {})
    requests = item.setdefault("defaultRequest", {})
    if not isinstance(defaults, dict) or not isinstance(requests, dict):
        return
    for name, value in (item.get("max") or {}).items():
        defaults.setdefault(name, value)
    for name, value in defaults.items():
        requests.setdefault(name, value)
    for name, value in (item.get("min") or {}).items():
        requests.setdefault(name, value)


def _items(limit_range: Obj) -> list[Obj]:
    limits = (limit_range.get("spec") or {}).get("limits") or []
    return [item for item in limits if isinstance(item, dict)]


def _merge(
    container: Obj, limits: Mapping[str, Any], requests: Mapping[str, Any], prefix: str
) -> list[str]:
    """mergeContainerResources: the defaults a container lacks, and what was set."""
    resources = container.setdefault("resources", {})
    have_limits = resources.setdefault("limits", {})
    have_requests = resources.setdefault("requests", {})
    set_limits = [k for k in limits if k not in have_limits]
    set_requests = [k for k in requests if k not in have_requests]
    for name in set_limits:
        have_limits[name] = limits[name]
    for name in set_requests:
        have_requests[name] = requests[name]
    for key in ("limits", "requests"):
        if not resources[key]:
            del resources[key]
    name = container.get("name", "")
    notes = []
    if set_requests:
        notes.append(f"{', '.join(sorted(set_requests))} request for {prefix} {name}")
    if set_limits:
        notes.append(f"{', '.join(sorted(set_limits))} limit for {prefix} {name}")
    return notes


def mutate_pod(store: Store, pod: Obj) -> None:
    """PodMutateLimitFunc for each LimitRange of the pod's namespace."""
    namespace = str(pod["metadata"].get("namespace") or "")
    spec = pod.get("spec")
    if not isinstance(spec, dict):
        return
    for limit_range in store.list(LIMIT_RANGES, namespace):
        limits: Obj = {}
        requests: Obj = {}
        for item in _items(limit_range):
            if item.get("type") == "Container":
                requests.update(item.get("defaultRequest") or {})
                limits.update(item.get("default") or {})
        notes: list[str] = []
        for key, prefix in (("containers", "container"), ("initContainers", "init container")):
            for container in spec.get(key) or []:
                if isinstance(container, dict):
                    notes += _merge(container, limits, requests, prefix)
        if notes:
            annotations = pod["metadata"].setdefault("annotations", {})
            annotations[ANNOTATION] = "LimitRanger plugin set: " + "; ".join(notes)


def _milli(quantity: Amount) -> int:
    return -(-quantity.nanos // 10**6)


def _min(
    kind: str, name: str, enforced: Amount, req: Mapping[str, Any], lim: Mapping[str, Any]
) -> str | None:
    if name not in req:
        return f"minimum {name} usage per {kind} is {enforced}.  No request is specified"
    if _milli(amount(req[name])) < _milli(enforced):
        return f"minimum {name} usage per {kind} is {enforced}, but request is {amount(req[name])}"
    if name in lim and _milli(amount(lim[name])) < _milli(enforced):
        return f"minimum {name} usage per {kind} is {enforced}, but limit is {amount(lim[name])}"
    return None


def _max(
    kind: str, name: str, enforced: Amount, req: Mapping[str, Any], lim: Mapping[str, Any]
) -> str | None:
    if name not in lim:
        return f"maximum {name} usage per {kind} is {enforced}.  No limit is specified"
    if _milli(amount(lim[name])) > _milli(enforced):
        return f"maximum {name} usage per {kind} is {enforced}, but limit is {amount(lim[name])}"
    if name in req and _milli(amount(req[name])) > _milli(enforced):
        return f"maximum {name} usage per {kind} is {enforced}, but request is {amount(req[name])}"
    return None


def _max_request(kind: str, name: str, enforced: Amount, req: Mapping[str, Any]) -> str | None:
    """maxRequestConstraint, for claims (whose limits are not user input)."""
    if name not in req:
        return f"maximum {name} usage per {kind} is {enforced}.  No request is specified"
    if _milli(amount(req[name])) > _milli(enforced):
        return f"maximum {name} usage per {kind} is {enforced}, but request is {amount(req[name])}"
    return None


def _ratio(
    kind: str, name: str, enforced: Amount, req: Mapping[str, Any], lim: Mapping[str, Any]
) -> str | None:
    head = f"{name} max limit to request ratio per {kind} is {enforced}"
    request = _milli(amount(req[name])) if name in req else 0
    limit = _milli(amount(lim[name])) if name in lim else 0
    if not request:
        return f"{head}, but no request is specified or request is 0"
    if not limit:
        return f"{head}, but no limit is specified or limit is 0"
    observed = limit / request
    if observed * 1000 > _milli(enforced):
        return f"{head}, but provided ratio is {observed:f}"
    return None


def _check(item: Obj, kind: str, req: Mapping[str, Any], lim: Mapping[str, Any]) -> list[str]:
    found: list[str | None] = []
    for name, value in sorted((item.get("min") or {}).items()):
        found.append(_min(kind, name, amount(value), req, lim))
    for name, value in sorted((item.get("max") or {}).items()):
        found.append(_max(kind, name, amount(value), req, lim))
    for name, value in sorted((item.get("maxLimitRequestRatio") or {}).items()):
        found.append(_ratio(kind, name, amount(value), req, lim))
    return [f for f in found if f]


def _pod_errors(limit_range: Obj, pod: Obj) -> list[str]:
    """PodValidateLimitFunc."""
    spec = pod.get("spec") or {}
    errors: list[str] = []
    for item in _items(limit_range):
        if item.get("type") == "Container":
            for key in ("containers", "initContainers"):
                for c in spec.get(key) or []:
                    resources = (c or {}).get("resources") or {}
                    req, lim = resources.get("requests") or {}, resources.get("limits") or {}
                    errors += _check(item, "Container", req, lim)
        elif item.get("type") == "Pod":
            req = {k: str(v) for k, v in pod_totals(spec, "requests").items()}
            lim = {k: str(v) for k, v in pod_totals(spec, "limits").items()}
            errors += _check(item, "Pod", req, lim)
    return errors


def _claim_errors(limit_range: Obj, claim: Obj) -> list[str]:
    """PersistentVolumeClaimValidateLimitFunc: min and max of the requested storage."""
    req = ((claim.get("spec") or {}).get("resources") or {}).get("requests") or {}
    errors: list[str | None] = []
    for item in _items(limit_range):
        if item.get("type") != "PersistentVolumeClaim":
            continue
        for name, value in sorted((item.get("min") or {}).items()):
            errors.append(_min("PersistentVolumeClaim", name, amount(value), req, {}))
        for name, value in sorted((item.get("max") or {}).items()):
            errors.append(_max_request("PersistentVolumeClaim", name, amount(value), req))
    return [e for e in errors if e]


def _aggregate(errors: list[str]) -> str:
    """utilerrors.NewAggregate(errs).Error(): one message, or the distinct ones in brackets."""
    distinct = list(dict.fromkeys(errors))
    return distinct[0] if len(distinct) == 1 else "[" + ", ".join(distinct) + "]"


def refusal(store: Store, gr: str, obj: Obj, old: Obj | None) -> str | None:
    """Why the LimitRanger refuses a write (pods on create, claims always), or None."""
    check: Callable[[Obj, Obj], list[str]]
    if gr == "pods" and old is None:
        check = _pod_errors
    elif gr == "persistentvolumeclaims":
        check = _claim_errors
    else:
        return None
    namespace = str(obj["metadata"].get("namespace") or "")
    for limit_range in store.list(LIMIT_RANGES, namespace):
        errors = check(limit_range, obj)
        if errors:
            return _aggregate(errors)
    return None
