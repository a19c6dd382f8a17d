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
from kubectl_stack.model.stack.index import _Index, _objects
from kubectl_stack.model.stack.links import _config_refs, _hpa_findings, _links
from kubectl_stack.model.stack.views import (
    ConfigRef,
    IngressRoute,
    ServiceLink,
    Stack,
    WorkloadStack,
)
from kubectl_stack.model.storage import ClaimInfo, pod_claims, storage_findings
from kubectl_stack.model.workloads import (
    WorkloadRow,
    for_kind,
    revision_history,
)
from kubectl_stack.model.workloads.base import COMPLETE, RolloutStatus
from kubectl_stack.model.workloads.base import PROGRESSING as ROLLOUT_PROGRESSING
from kubectl_stack.model.workloads.deployment import Rollout, rollout


@dataclass
class _Built:
    """Per-deployment pieces shared by the summary and the detail view."""

    dep: Mapping[str, Any]
    ns: str
    name: str
    rss: list[Mapping[str, Any]]
    pod_objs: list[Mapping[str, Any]]
    rows: list[PodRow]
    rollout: Rollout
    services: list[ServiceLink]
    routes: list[IngressRoute]
    hpas: list[Hpa]
    config: tuple[ConfigRef, ...]
    findings: list[Finding]
    counts: dict[str, int]
    crash: int
    failing_probes: int
    has_probes: bool
    horizon: float  # the summary stays valid until this time (inputs unchanged)


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
    index: _Index, dep: Mapping[str, Any]
) -> tuple[list[Mapping[str, Any]], list[Mapping[str, Any]]]:
    """The Deployment's ReplicaSets (snapshot order) and their pods."""
    ns = u.namespace(dep)
    dep_uid = u.uid(dep)
    if not dep_uid:
        return [], []
    rss = [rs for rs in index.rs_by_owner.get(dep_uid, ()) if u.namespace(rs) == ns]
    pod_objs: list[Mapping[str, Any]] = []
    for rs in rss:
        pod_objs.extend(index.pods_by_owner.get(u.uid(rs), ()))
    return rss, pod_objs


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


def _build(index: _Index, dep: Mapping[str, Any], *, detail: bool) -> _Built:
    ns = u.namespace(dep)
    name = u.name(dep)
    owned_rss, pod_objs = _owned(index, dep)
    rss = sorted(
        owned_rss,
        key=lambda rs: (u.ts(u.meta(rs).get("creationTimestamp")) or 0.0, u.name(rs)),
    )
    health = _pod_health(index, pod_objs, detail)
    template = u.d(u.path(dep, "spec", "template"))
    rollout_ = rollout(dep, rss, health.rows, index.now)
    services, routes, findings, horizon = _links(
        index, ns, name, template, pod_objs, rollout_.desired, detail
    )
    hpas = [hpa_view(h, index.now) for h in index.hpa_by_target.get((ns, name), ())]
    for view in hpas:
        findings.extend(_hpa_findings(view))
    refs, ref_findings = _config_refs(index, ns, template)
    findings.extend(ref_findings)
    return _Built(
        dep=dep,
        ns=ns,
        name=name,
        rss=rss,
        pod_objs=pod_objs,
        rows=health.rows,
        rollout=rollout_,
        services=services,
        routes=routes,
        hpas=hpas,
        config=refs,
        # Identical findings (one per port, say) are shown once.
        findings=list(dict.fromkeys(findings)),
        counts=health.counts,
        crash=health.crash,
        failing_probes=health.failing_probes,
        has_probes=_has_probes(template),
        horizon=min(health.horizon, horizon),
    )


@dataclass
class _BuiltWorkload:
    health: _Health
    status: RolloutStatus
    row: WorkloadRow
    services: list[ServiceLink]
    routes: list[IngressRoute]
    config: tuple[ConfigRef, ...]
    claims: tuple[ClaimInfo, ...]
    findings: list[Finding]
    pod_objs: list[Mapping[str, Any]]
    horizon: float


def _build_workload(
    index: _Index, kind: str, obj: Mapping[str, Any], *, detail: bool
) -> _BuiltWorkload:
    ns = u.namespace(obj)
    name = u.name(obj)
    owner = u.uid(obj)
    pod_objs = (
        [p for p in index.pods_by_owner.get(owner, ()) if u.namespace(p) == ns] if owner else []
    )
    health = _pod_health(index, pod_objs, detail)
    row = for_kind(kind).row(obj, index.now)
    template = u.d(u.path(obj, "spec", "template"))
    services, routes, findings, horizon = _links(
        index, ns, name, template, pod_objs, row.desired, detail
    )
    refs, ref_findings = _config_refs(index, ns, template)
    findings.extend(ref_findings)
    # Claims of the pods themselves: a StatefulSet's come from its volumeClaimTemplates, which
    # the template does not name. Claims the template names are reported by _config_refs.
    pvcs = index.names.get("persistentvolumeclaims")
    named = {r.name for r in refs if r.kind == "PersistentVolumeClaim"}
    claims: tuple[ClaimInfo, ...] = ()
    if pvcs is not None:
        claims = pod_claims(pod_objs, list(pvcs.get(ns, {}).values()), index.in_ns_events(ns))
        findings.extend(storage_findings([c for c in claims if c.name not in named]))
    return _BuiltWorkload(
        health,
        for_kind(kind).status(obj),
        row,
        services,
        routes,
        refs,
        claims,
        list(dict.fromkeys(findings)),
        pod_objs,
        min(horizon, health.horizon),
    )


def _workload_state(status: RolloutStatus, row: WorkloadRow) -> tuple[str, str, float]:
    """(state, label, progress) of a StatefulSet / DaemonSet rollout: Complete when kubectl's
    status viewer says done, else what it is waiting for, in short, as for a Deployment
    ("Waiting 2/3 ready")."""
    if status.done:
        return COMPLETE, "Complete", 1.0
    progress = min(row.updated, row.available) / row.desired if row.desired else 0.0
    label = status.waiting or f"Waiting {row.updated}/{row.desired} updated"
    return ROLLOUT_PROGRESSING, label, progress


def workload_stack(
    snapshot: Any, kind: str, namespace: str, name: str, now: float
) -> WorkloadStack | None:
    """The full graph of one StatefulSet or DaemonSet (None when it is not in the snapshot).
    Revisions come from the snapshot's "controllerrevisions"."""
    return _workload_stack(_Index(snapshot, now), snapshot, kind, namespace, name)


def _workload_stack(
    index: _Index, snapshot: Any, kind: str, namespace: str, name: str
) -> WorkloadStack | None:
    now = index.now
    obj = next(
        (
            o
            for k, o in index.workloads
            if k == kind and u.namespace(o) == namespace and u.name(o) == name
        ),
        None,
    )
    if obj is None:
        return None
    b = _build_workload(index, kind, obj, detail=True)
    revisions = _objects(snapshot, for_kind(kind).revisions.name) or []
    uids = {u.uid(obj)} | {u.uid(p) for p in b.pod_objs} | {u.uid(r) for r in revisions}
    uids.discard("")
    events = events_for(index.in_ns_events(namespace), now, uids=uids, objects={(kind, name)})
    state, label, progress = _workload_state(b.status, b.row)
    return WorkloadStack(
        kind=kind,
        namespace=namespace,
        name=name,
        uid=u.uid(obj),
        workload=obj,
        status=b.status,
        row=b.row,
        rollout_state=state,
        rollout_label=label,
        progress=progress,
        revisions=revision_history(obj, revisions, now),
        pods=tuple(b.health.rows),
        services=tuple(b.services),
        ingresses=tuple(b.routes),
        config=b.config,
        claims=b.claims,
        findings=tuple(b.findings),
        events=events,
    )


def stack(snapshot: Any, namespace: str, name: str, now: float) -> Stack | None:
    """The full graph of one Deployment (None when it is not in the snapshot)."""
    return _stack(_Index(snapshot, now), namespace, name)


def _stack(index: _Index, namespace: str, name: str) -> Stack | None:
    now = index.now
    dep = index.deployment(namespace, name)
    if dep is None:
        return None
    b = _build(index, dep, detail=True)
    uids = {u.uid(dep)} | {u.uid(rs) for rs in b.rss} | {u.uid(p) for p in b.pod_objs}
    uids.discard("")
    hpa_uids = {u.uid(h) for h in index.hpa_by_target.get((b.ns, b.name), ())} - {""}
    objects = {("Deployment", b.name)} | {("ReplicaSet", u.name(rs)) for rs in b.rss}
    events = events_for(index.in_ns_events(b.ns), now, uids=uids | hpa_uids, objects=objects)
    return Stack(
        namespace=b.ns,
        name=b.name,
        uid=u.uid(dep),
        deployment=dep,
        replicasets=tuple(b.rss),
        pods=tuple(b.rows),
        rollout=b.rollout,
        services=tuple(b.services),
        ingresses=tuple(b.routes),
        hpas=tuple(b.hpas),
        config=b.config,
        findings=tuple(b.findings),
        events=events,
    )


def namespace_findings(snapshot: Any, now: float) -> tuple[Finding, ...]:
    """Broken links that belong to no stack: HPAs whose target Deployment is missing, Ingress
    routes to Services that do not exist and match no Deployment's name."""
    index = _Index(snapshot, now)
    dep_names = {(u.namespace(d), u.name(d)) for d in index.deployments}
    out: list[Finding] = []
    for (ns, target), hpas in index.hpa_by_target.items():
        if (ns, target) not in dep_names:
            for h in hpas:
                out.append(
                    Finding(
                        ERROR,
                        "HorizontalPodAutoscaler",
                        u.name(h),
                        f"HPA {u.name(h)} targets missing Deployment {target}",
                    )
                )
    if index.services is not None:
        for ns, routes in index.routes_to_missing.items():
            for r in routes:
                if (ns, r.service) not in dep_names:
                    out.append(
                        Finding(
                            ERROR,
                            "Ingress",
                            r.ingress,
                            f"Ingress {r.ingress} routes to missing Service {r.service}",
                        )
                    )
    return tuple(dict.fromkeys(out))
