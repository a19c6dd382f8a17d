"""One stacks-list row per workload and the urgency sort. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kubectl_stack.model import fields as u
from kubectl_stack.model.pods import (
    FAILING,
    HEALTHY,
    PROGRESSING,
    TERMINATING,
    WARNING,
)
from kubectl_stack.model.stack.graph import (
    _build,
    _Built,
)
from kubectl_stack.model.stack.index import _Index
from kubectl_stack.model.stack.views import IngressRoute, ServiceLink, StackRow
from kubectl_stack.model.workloads import REGISTRY
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


def _row(b: _Built) -> StackRow:
    """The stacks-list row of one built workload."""
    hpa = b.hpas[0] if b.hpas else None
    h = b.health
    return StackRow(
        namespace=b.ns,
        name=b.name,
        uid=u.uid(b.obj),
        rollout_state=b.rollout.state,
        rollout_label=b.rollout.label,
        progress=b.rollout.progress,
        ready=b.row.ready,
        up_to_date=b.row.updated,
        available=b.row.available,
        pod_counts=dict(h.counts),
        crash_looping=h.crash,
        pods_text=_pods_text(h.counts, h.crash),
        failing_probes=h.failing_probes,
        probes_text=_probes_text(b.has_probes, h.failing_probes),
        hpa_targets=hpa.targets if hpa is not None else "—",
        hpa_replicas=f"{hpa.current}→{hpa.desired}" if hpa is not None else "",
        **_link_cells(b.services, b.routes),
        findings=len(b.findings),
        age=b.row.age,
        urgency=_urgency(b.rollout.state, h.counts),
        kind=b.kind.kind.kind,
    )


def urgency_key(row: StackRow) -> tuple[int, str, str, int]:
    """Sort key: stalled, failing, progressing, the rest; then by name and namespace, then
    kind in the registry's order."""
    kinds = list(REGISTRY)
    rank = kinds.index(row.kind) if row.kind in REGISTRY else len(kinds)
    return (row.urgency, row.name, row.namespace, rank)


def summarize(snapshot: Any, now: float) -> tuple[StackRow, ...]:
    """One StackRow per workload in the snapshot, sorted by urgency then name."""
    index = _Index(snapshot, now)
    rows = [_row(_build(index, kind, obj, detail=False)) for kind, obj in index.workloads]
    rows.sort(key=urgency_key)
    return tuple(rows)


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
