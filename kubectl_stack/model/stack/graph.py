"""The stack graph: a workload with its ReplicaSets or revisions and Pods, the Services that
select them, the Ingresses routing to those, its HPAs and the config it references, and the
broken links among them as findings. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kubectl_stack.model import fields as u
from kubectl_stack.model.events import (
    ProbeFailures,
    events_for,
    failures_for,
)
from kubectl_stack.model.findings import ERROR, Finding
from kubectl_stack.model.hpa import Hpa, hpa_view
from kubectl_stack.model.pods import (
    HEALTH_CLASSES,
    HEALTHY,
    RECENT_PROBE_FAILURE_SECONDS,
    RECENT_RESTART_SECONDS,
    PodRow,
    pod_row,
)
from kubectl_stack.model.ref import WorkloadRef
from kubectl_stack.model.stack.index import _Index
from kubectl_stack.model.stack.links import _config_refs, _hpa_findings, _links
from kubectl_stack.model.stack.views import (
    ConfigRef,
    IngressRoute,
    ServiceLink,
    Stack,
)
from kubectl_stack.model.storage import ClaimInfo, pod_claims, storage_findings
from kubectl_stack.model.workloads import REGISTRY, WorkloadKind
from kubectl_stack.model.workloads.base import Progress, WorkloadRow


def _is_plainly_healthy(pod: Mapping[str, Any], failures: tuple[ProbeFailures, ...]) -> bool:
    """The common case decided cheaply: running, Ready, every container ready and never
    restarted, not being deleted, no probe failures on record. Anything unusual (including
    any malformed field) answers False and gets the full pod_row treatment."""
    if failures or type(pod) is not dict:
        return False
    md = pod.get("metadata")
    status = pod.get("status")
    if type(md) is not dict or type(status) is not dict or "deletionTimestamp" in md:
        return False
    if status.get("phase") != "Running":
        return False
    conditions = status.get("conditions")
    statuses = status.get("containerStatuses")
    if type(conditions) is not list or type(statuses) is not list or not statuses:
        return False
    ready = False
    for cond in conditions:
        if type(cond) is not dict:
            return False
        if cond.get("type") == "Ready":
            ready = cond.get("status") == "True"
    if not ready:
        return False
    for cs in statuses:
        if type(cs) is not dict or cs.get("ready") is not True or cs.get("restartCount") != 0:
            return False
    init = status.get("initContainerStatuses")
    if init is None:
        return True
    if type(init) is not list:
        return False
    return all(type(cs) is dict and cs.get("restartCount") == 0 for cs in init)


def _owned(
    index: _Index, kind: WorkloadKind, obj: Mapping[str, Any]
) -> tuple[list[Mapping[str, Any]], list[Mapping[str, Any]]]:
    """The workload's revision objects (snapshot order) and its pods: those of its revision
    objects when they own its pods (a Deployment's ReplicaSets), else its own."""
    ns = u.namespace(obj)
    uid = u.uid(obj)
    if not uid:
        return [], []
    owned = [r for r in index.owned(kind, uid) if u.namespace(r) == ns]
    if kind.pod_owner == kind.revisions:
        pod_objs = [p for r in owned for p in index.pods_by_owner.get(u.uid(r), ())]
    else:
        pod_objs = [p for p in index.pods_by_owner.get(uid, ()) if u.namespace(p) == ns]
    return owned, pod_objs


def _health_horizon(row: PodRow, failures: tuple[ProbeFailures, ...], now: float) -> float:
    """Until when the pod's health class stays as computed at ``now``: health depends on time
    only through the recent-restart and recent-probe-failure windows."""
    horizon = float("inf")
    if row.restart_count and row.last_restart is not None:
        end = row.last_restart + RECENT_RESTART_SECONDS
        if end >= now:
            horizon = end
    for f in failures:
        if f.last_seen is not None:
            end = f.last_seen + RECENT_PROBE_FAILURE_SECONDS
            if now <= end < horizon:
                horizon = end
    return horizon


@dataclass
class _Health:
    rows: list[PodRow]
    counts: dict[str, int]
    crash: int
    failing_probes: int
    horizon: float


@dataclass
class _Built:
    """Per-workload pieces shared by the summary and the detail view."""

    kind: WorkloadKind
    obj: Mapping[str, Any]
    ns: str
    name: str
    owned: list[Mapping[str, Any]]  # its revision objects, oldest first
    pod_objs: list[Mapping[str, Any]]
    health: _Health
    row: WorkloadRow
    rollout: Progress
    services: list[ServiceLink]
    routes: list[IngressRoute]
    hpas: list[Hpa]
    config: tuple[ConfigRef, ...]
    claims: tuple[ClaimInfo, ...]
    findings: list[Finding]
    has_probes: bool
    horizon: float  # the summary stays valid until this time (inputs unchanged)


def _pod_health(index: _Index, pod_objs: Iterable[Mapping[str, Any]], detail: bool) -> _Health:
    """Pod rows (all of them with ``detail``, else only the unusual ones), health counts,
    crash loops, failing readiness probes, and until when that stays true."""
    counts = dict.fromkeys(HEALTH_CLASSES, 0)
    rows: list[PodRow] = []
    crash = 0
    failing_probes = 0
    horizon = float("inf")
    unhealthy = index.unhealthy
    for pod in pod_objs:
        failures = failures_for(pod, unhealthy) if unhealthy else ()
        if not detail and not failures and _is_plainly_healthy(pod, failures):
            counts[HEALTHY] += 1
            continue
        row = pod_row(pod, index.now, failures)
        rows.append(row)
        horizon = min(horizon, _health_horizon(row, failures, index.now))
        counts[row.health] += 1
        if row.status == "CrashLoopBackOff":
            crash += 1
        if not row.pod_ready and row.reason.startswith("Readiness probe"):
            failing_probes += 1
    # By name, so the failing pod a rollout names does not depend on the snapshot's order.
    rows.sort(key=lambda r: r.name)
    return _Health(rows, counts, crash, failing_probes, horizon)


def _has_probes(template: Mapping[str, Any]) -> bool:
    return any(
        isinstance(c.get("readinessProbe"), Mapping) or isinstance(c.get("livenessProbe"), Mapping)
        for c in u.dicts(u.path(template, "spec", "containers"))
    )


def _claims(
    index: _Index, obj: Mapping[str, Any], refs: tuple[ConfigRef, ...], pod_objs: list[Any]
) -> tuple[tuple[ClaimInfo, ...], list[Finding]]:
    """The claims its pods use and the findings about those its template does not name (a
    StatefulSet's volumeClaimTemplates: claims the template names are reported by
    _config_refs). Nothing to look at when neither names a claim."""
    pvcs = index.names.get("persistentvolumeclaims")
    named = {r.name for r in refs if r.kind == "PersistentVolumeClaim"}
    if pvcs is None or not (named or u.lst(u.path(obj, "spec", "volumeClaimTemplates"))):
        return (), []
    ns = u.namespace(obj)
    claims = pod_claims(pod_objs, list(pvcs.get(ns, {}).values()), index.in_ns_events(ns))
    return claims, list(storage_findings([c for c in claims if c.name not in named]))


def _build(index: _Index, kind: WorkloadKind, obj: Mapping[str, Any], *, detail: bool) -> _Built:
    ns = u.namespace(obj)
    name = u.name(obj)
    owned, pod_objs = _owned(index, kind, obj)
    owned.sort(key=lambda r: (u.ts(u.meta(r).get("creationTimestamp")) or 0.0, u.name(r)))
    health = _pod_health(index, pod_objs, detail)
    row = kind.row(obj, index.now)
    rollout = kind.rollout(obj, owned, health.rows, index.now)
    template = u.d(u.path(obj, "spec", "template"))
    services, routes, findings, horizon = _links(
        index, ns, name, template, pod_objs, row.desired, detail
    )
    hpas = [hpa_view(h, index.now) for h in index.hpa_by_target.get((ns, kind.kind.kind, name), ())]
    for view in hpas:
        findings.extend(_hpa_findings(view))
    refs, ref_findings = _config_refs(index, ns, template)
    findings.extend(ref_findings)
    claims, claim_findings = _claims(index, obj, refs, pod_objs)
    findings.extend(claim_findings)
    return _Built(
        kind=kind,
        obj=obj,
        ns=ns,
        name=name,
        owned=owned,
        pod_objs=pod_objs,
        health=health,
        row=row,
        rollout=rollout,
        services=services,
        routes=routes,
        hpas=hpas,
        config=refs,
        claims=claims,
        # Identical findings (one per port, say) are shown once.
        findings=list(dict.fromkeys(findings)),
        has_probes=_has_probes(template),
        horizon=min(health.horizon, horizon),
    )


def stack(snapshot: Any, ref: WorkloadRef, now: float) -> Stack | None:
    """The full graph of one workload (None when it is not in the snapshot, or its kind is
    not a registered workload kind)."""
    return _stack(_Index(snapshot, now), ref)


def _stack(index: _Index, ref: WorkloadRef) -> Stack | None:
    kind = REGISTRY.get(ref.kind)
    obj = index.workload(kind, ref.namespace, ref.name) if kind is not None else None
    if kind is None or obj is None:
        return None
    now = index.now
    b = _build(index, kind, obj, detail=True)
    hpas = index.hpa_by_target.get((b.ns, ref.kind, b.name), ())
    uids = {u.uid(o) for o in (obj, *b.owned, *b.pod_objs, *hpas)}
    uids.discard("")
    objects = {(ref.kind, b.name)} | {(kind.revisions.kind, u.name(r)) for r in b.owned}
    events = events_for(index.in_ns_events(b.ns), now, uids=uids, objects=objects)
    return Stack(
        kind=ref.kind,
        namespace=b.ns,
        name=b.name,
        uid=u.uid(obj),
        workload=obj,
        status=b.rollout.status,
        row=b.row,
        rollout=b.rollout,
        owned=tuple(b.owned),
        revisions=tuple(kind.history(obj, b.owned, now)),
        pods=tuple(b.health.rows),
        services=tuple(b.services),
        ingresses=tuple(b.routes),
        hpas=tuple(b.hpas),
        config=b.config,
        claims=b.claims,
        findings=tuple(b.findings),
        events=events,
    )


def namespace_findings(snapshot: Any, now: float) -> tuple[Finding, ...]:
    """Broken links that belong to no stack: HPAs whose target workload is missing, Ingress
    routes to Services that do not exist and match no workload's name."""
    index = _Index(snapshot, now)
    found = {(u.namespace(o), k.kind.kind, u.name(o)) for k, o in index.workloads}
    names = {(ns, name) for ns, _kind, name in found}
    out: list[Finding] = []
    for (ns, kind, target), hpas in index.hpa_by_target.items():
        if (ns, kind, target) not in found:
            for h in hpas:
                out.append(
                    Finding(
                        ERROR,
                        "HorizontalPodAutoscaler",
                        u.name(h),
                        f"HPA {u.name(h)} targets missing {kind} {target}",
                    )
                )
    if index.services is not None:
        for ns, routes in index.routes_to_missing.items():
            for r in routes:
                if (ns, r.service) not in names:
                    out.append(
                        Finding(
                            ERROR,
                            "Ingress",
                            r.ingress,
                            f"Ingress {r.ingress} routes to missing Service {r.service}",
                        )
                    )
    return tuple(dict.fromkeys(out))
