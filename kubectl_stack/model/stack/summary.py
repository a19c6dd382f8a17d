"""One stacks-list row per workload and the urgency sort. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kubectl_stack.model import fields as u
from kubectl_stack.model.duration import age
from kubectl_stack.model.pods import (
    FAILING,
    HEALTHY,
    PROGRESSING,
    TERMINATING,
    WARNING,
)
from kubectl_stack.model.stack.graph import (
    _build,
    _build_workload,
    _Built,
    _has_probes,
    _workload_state,
)
from kubectl_stack.model.stack.index import _Index
from kubectl_stack.model.stack.views import IngressRoute, ServiceLink, StackRow
from kubectl_stack.model.workloads.base import DEADLINE_EXCEEDED
from kubectl_stack.model.workloads.base import PROGRESSING as ROLLOUT_PROGRESSING

_SYMBOLS = ((HEALTHY, "✓"), (PROGRESSING, "◐"), (WARNING, "⚠"), (FAILING, "✗"), (TERMINATING, "◌"))


def _pods_text(counts: Mapping[str, int], crash: int) -> str:
    parts = []
    for cls, sym in _SYMBOLS:
        n = counts.get(cls, 0) - (crash if cls == FAILING else 0)
        if n > 0:
            parts.append(f"{sym}{n}")
    if crash:
        parts.append(f"⟳{crash}")
    return " ".join(parts) if parts else "—"


def _urgency(state: str, counts: Mapping[str, int]) -> int:
    if state == DEADLINE_EXCEEDED:
        return 0
    if counts.get(FAILING, 0) > 0:
        return 1
    if state == ROLLOUT_PROGRESSING:
        return 2
    return 3


def _probes_text(has_probes: bool, failing: int) -> str:
    """The PROBES cell: failing readiness probes, else whether the template declares any."""
    if failing:
        return f"✗{failing}"
    return "ok" if has_probes else "—"


def _link_cells(services: Sequence[ServiceLink], routes: Sequence[IngressRoute]) -> dict[str, Any]:
    """The SVC and HOSTS cells of a row: ready endpoints over the stack's Services, and the
    hosts its Ingress routes name."""
    ready_eps = sum(s.ready for s in services)
    total_eps = sum(s.ready + s.not_ready for s in services)
    return {
        "svc_ready": ready_eps,
        "svc_total": total_eps,
        "svc_text": f"{ready_eps}/{total_eps}" if services else "—",
        "hosts": tuple(dict.fromkeys(r.host for r in routes if r.path or r.host != "*")),
    }


def _row(index: _Index, b: _Built) -> StackRow:
    hpa = b.hpas[0] if b.hpas else None
    return StackRow(
        namespace=b.ns,
        name=b.name,
        uid=u.uid(b.dep),
        rollout_state=b.rollout.state,
        rollout_label=b.rollout.label,
        progress=b.rollout.progress,
        ready=f"{b.rollout.ready}/{b.rollout.desired}",
        up_to_date=b.rollout.updated,
        available=b.rollout.available,
        pod_counts=dict(b.counts),
        crash_looping=b.crash,
        pods_text=_pods_text(b.counts, b.crash),
        failing_probes=b.failing_probes,
        probes_text=_probes_text(b.has_probes, b.failing_probes),
        hpa_targets=hpa.targets if hpa is not None else "—",
        hpa_replicas=f"{hpa.current}→{hpa.desired}" if hpa is not None else "",
        **_link_cells(b.services, b.routes),
        findings=len(b.findings),
        age=age(u.meta(b.dep).get("creationTimestamp"), index.now),
        urgency=_urgency(b.rollout.state, b.counts),
    )


def urgency_key(row: StackRow) -> tuple[int, str, str]:
    """Sort key: stalled, failing, progressing, the rest; then by name and namespace."""
    return (row.urgency, row.name, row.namespace)


def summarize(snapshot: Any, now: float) -> tuple[StackRow, ...]:
    """One StackRow per Deployment in the snapshot, sorted by urgency then name."""
    index = _Index(snapshot, now)
    rows = [_row(index, _build(index, dep, detail=False)) for dep in index.deployments]
    rows += [_workload_summary(index, kind, obj)[0] for kind, obj in index.workloads]
    rows.sort(key=urgency_key)
    return tuple(rows)


def _workload_summary(index: _Index, kind: str, obj: Mapping[str, Any]) -> tuple[StackRow, float]:
    """The stacks-list row of a StatefulSet or DaemonSet, and until when it holds."""
    b = _build_workload(index, kind, obj, detail=False)
    row = b.row
    state, label, progress = _workload_state(b.status, row)
    h = b.health
    has_probes = _has_probes(u.d(u.path(obj, "spec", "template")))
    summary = StackRow(
        namespace=u.namespace(obj),
        name=u.name(obj),
        uid=u.uid(obj),
        rollout_state=state,
        rollout_label=label,
        progress=progress,
        ready=row.ready,
        up_to_date=row.updated,
        available=row.available,
        pod_counts=dict(h.counts),
        crash_looping=h.crash,
        pods_text=_pods_text(h.counts, h.crash),
        failing_probes=h.failing_probes,
        probes_text=_probes_text(has_probes, h.failing_probes),
        hpa_targets="—",
        hpa_replicas="",
        **_link_cells(b.services, b.routes),
        findings=len(b.findings),
        age=row.age,
        urgency=_urgency(state, h.counts),
        kind=kind,
    )
    created = u.meta(obj).get("creationTimestamp")
    return summary, min(b.horizon, _age_until(created, index.now, row.age))


def _age_until(created: Any, now: float, shown: str) -> float:
    """When the AGE text ``shown`` at ``now`` may next change: its last unit (1s, 1m, 1h, 1d)
    from the creation time; "<unknown>" never changes, anything else odd is rechecked in 1s."""
    t = u.ts(created)
    if t is None:
        return float("inf")
    unit = {"s": 1, "m": 60, "h": 3600, "d": 86400}.get(shown[-1:], 0)
    if not unit or now < t:
        return now + 1.0
    return t + ((now - t) // unit + 1) * unit
