"""The Stack screen: one workload's rollout cockpit, pods, autoscaler, traffic and config,
and events, as one view value (:class:`StackView`) the screen renders."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rich.text import Text

from ... import kinds as K
from ...model import events as model_events
from ...model import fields as u
from ...model import findings as model_findings
from ...model import hpa as model_hpa
from ...model import pods as model_pods
from ...model import probes as model_probes
from ...model import stack as model_stack
from ...model import storage as model_storage
from ...model.ref import WorkloadRef
from ...model.workloads import deployment as model_deployment
from ...model.workloads import replicasets as model_replicasets
from ...model.workloads import templates as model_templates
from ...model.workloads.base import progress_bar
from ..glyphs import GLYPHS
from ..source import Source
from .objects import Obj, managed_by
from .style import (
    ERROR,
    HEALTH_SYMBOL,
    MUTED,
    STRONG,
    SUCCESS,
    TREND,
    WARNING,
    Cells,
    rollout_cell,
    rollout_text,
)
from .text import fmt, shown

EVENT_COLUMNS = [
    ("last", "LAST SEEN"),
    ("type", "TYPE"),
    ("reason", "REASON"),
    ("object", "OBJECT"),
    ("message", "MESSAGE"),
]


def event_cells(row: model_events.EventRow) -> Cells:
    kind = Text("⚠ Warning", style=WARNING) if row.warning else Text("  Normal")
    count = f" (x{row.count})" if row.count > 1 else ""
    return (
        shown(row.last_seen_text),
        kind,
        shown(row.reason),
        shown(row.target),
        fmt("{}{}", row.message, count),
    )


POD_COLUMNS = [
    ("name", "NAME"),
    ("ready", "READY"),
    ("status", "STATUS"),
    ("restarts", "RESTARTS"),
    ("age", "AGE"),
    ("rev", "REV"),
    ("readiness", "READINESS"),
    ("cpu", "CPU"),
    ("mem", "MEM"),
    ("node", "NODE"),
    ("ip", "IP"),
]


@dataclass(frozen=True)
class StackView:
    exists: bool
    title: Text
    summary: Text
    rollout: Text
    autoscaler: Text
    autoscaler_title: Text
    traffic: Text
    pods: dict[str, Cells]
    pod_order: dict[str, Any]
    events: dict[str, Cells]
    event_order: dict[str, Any]


def _missing(name: str, message: str) -> StackView:
    return StackView(
        False,
        shown(name),
        shown(message),
        shown(message),
        Text(""),
        Text("Autoscaler"),
        Text(""),
        {},
        {},
        {},
        {},
    )


def _managed_line(source: Source, kind: str, namespace: str, name: str) -> Text:
    summary = managed_by(source, kind, namespace, name).summary
    return fmt("\nmanaged by {}", summary) if summary else Text()


def stack_view(
    source: Source,
    namespace: str,
    name: str,
    now: float,
    hpa_history: Mapping[tuple[str, str], model_hpa.HpaHistory] | None = None,
    kind: str = K.DEFAULT_WORKLOAD.kind,
) -> StackView:
    """Everything the Stack screen shows for one workload (a Deployment by default)."""
    return GLYPHS.deep(_stack_view(source, namespace, name, now, hpa_history, kind))


def _stack_view(
    source: Source,
    namespace: str,
    name: str,
    now: float,
    hpa_history: Mapping[tuple[str, str], model_hpa.HpaHistory] | None,
    kind: str,
) -> StackView:
    graph = source.stack(WorkloadRef(kind, namespace, name), now)
    if graph is None:
        if not source.synced():
            return _missing(name, "loading…")
        return _missing(name, f'{kind.lower()} "{name}" not found in namespace "{namespace}"')
    state = graph.rollout
    if not isinstance(state, model_deployment.Rollout):
        # The whole rollout panel (budget, deadline, ReplicaSets) is a Rollout's.
        return _workload_view(source, graph, now)
    budget = state.budget
    images = ", ".join(model_templates.images_of(u.path(graph.workload, "spec", "template")))
    strategy = budget.strategy
    if strategy == "RollingUpdate":
        strategy += f" (maxSurge {budget.max_surge}, maxUnavailable {budget.max_unavailable})"
    title = fmt(
        "{} · {} · ns {} · rev {} · {} · {}",
        name,
        kind,
        namespace,
        state.revision,
        images,
        strategy,
    )
    title.append_text(_managed_line(source, kind, namespace, name))
    summary = rollout_cell(state, 10)
    for extra in (state.elapsed_text, state.deadline_text):
        if extra:
            summary.append(f" · {extra}")
    if state.failing_pod:
        summary.append(fmt(" · ✗ {}", state.failing_pod, style=ERROR))
    revision_by_hash = {
        u.labels(rs).get(model_templates.POD_TEMPLATE_HASH, ""): model_replicasets.revision_of(rs)
        for rs in graph.owned
    }
    pods, pod_order = _pod_rows(
        source,
        graph.namespace,
        graph.pods,
        now,
        lambda pod: revision_by_hash.get(u.labels(pod).get(model_templates.POD_TEMPLATE_HASH, "")),
    )
    events, event_order = _event_rows(graph.events)
    autoscaler, autoscaler_title = _autoscaler(graph, hpa_history or {})
    return StackView(
        True,
        title,
        summary,
        _rollout_panel(graph, state),
        autoscaler,
        autoscaler_title,
        _traffic(source, graph.services, graph.ingresses, graph.config, graph.findings),
        pods,
        pod_order,
        events,
        event_order,
    )


def _event_rows(
    rows: Sequence[model_events.EventRow],
) -> tuple[dict[str, Cells], dict[str, Any]]:
    events = {row.name: event_cells(row) for row in rows[:200]}
    return events, {row.name: i for i, row in enumerate(rows[:200])}


def _workload_view(source: Source, graph: model_stack.Stack, now: float) -> StackView:
    """The Stack screen for a StatefulSet or DaemonSet: kubectl's rollout status, its
    ControllerRevisions, pods, links, claims and events."""
    kind, namespace, name = graph.kind, graph.namespace, graph.name
    obj = graph.workload
    current = next((r for r in reversed(graph.revisions) if r.current), None)
    images = ", ".join(model_templates.images_of(u.path(obj, "spec", "template")))
    strategy = u.s(u.path(obj, "spec", "updateStrategy", "type")) or "RollingUpdate"
    partition = u.opt_i(u.path(obj, "spec", "updateStrategy", "rollingUpdate", "partition"))
    if partition:
        strategy += f" (partition {partition})"
    rev = f" · rev {current.revision}" if current is not None else ""
    title = fmt("{} · {} · ns {}{} · {} · {}", name, kind, namespace, rev, images, strategy)
    title.append_text(_managed_line(source, kind, namespace, name))
    summary = rollout_text(graph.rollout.state, graph.rollout.label, graph.rollout.progress, 10)
    summary.append(fmt(" · {} ready", graph.row.ready))

    rollout = Text()
    verdict = graph.status
    rollout.append(shown(f"error: {verdict.error}" if verdict.error else verdict.message, STRONG))
    row = graph.row
    rollout.append(
        fmt(
            "\ndesired {} · current {} · updated {} · ready {} · available {}",
            row.desired,
            row.current,
            row.updated,
            row.ready.partition("/")[0],
            row.available,
        )
    )
    for info in reversed(graph.revisions):
        marker = "current" if info.current else "old"
        rollout.append(f"\nrev {info.revision}  ", style=STRONG if info.current else "")
        rollout.append(fmt("{}  {}  {}", info.name, ", ".join(info.images), marker))
    by_revision = {r.name: r.revision for r in graph.revisions}
    # A DaemonSet's pods carry the hash alone; a StatefulSet's the revision's whole name.
    by_revision |= {r.name.removeprefix(f"{name}-"): r.revision for r in graph.revisions}
    pods, pod_order = _pod_rows(
        source,
        namespace,
        graph.pods,
        now,
        lambda pod: by_revision.get(u.labels(pod).get("controller-revision-hash", "")),
    )
    events, event_order = _event_rows(graph.events)
    return StackView(
        True,
        title,
        summary,
        rollout,
        Text(f"No HorizontalPodAutoscaler targets this {kind}.", style=MUTED),
        Text("Autoscaler"),
        _traffic(
            source, graph.services, graph.ingresses, graph.config, graph.findings, graph.claims
        ),
        pods,
        pod_order,
        events,
        event_order,
    )


def _rollout_panel(graph: model_stack.Stack, state: model_deployment.Rollout) -> Text:
    text = Text()
    verdict = state.status
    text.append(shown(f"error: {verdict.error}" if verdict.error else verdict.message, STRONG))
    for rs in sorted(graph.owned, key=lambda r: -(model_replicasets.revision_of(r) or 0)):
        desired = u.i(u.path(rs, "spec", "replicas"))
        current = u.i(u.path(rs, "status", "replicas"))
        new = u.name(rs) == state.new_replicaset
        if not desired and not current and not new:
            continue
        ready = u.i(u.path(rs, "status", "readyReplicas"))
        available = u.i(u.path(rs, "status", "availableReplicas"))
        fraction = available / desired if desired else (0.0 if current else 1.0)
        text.append(f"\nrev {model_replicasets.revision_of(rs)}  ", style=STRONG if new else "")
        text.append(fmt("{}  ", u.name(rs)))
        text.append(progress_bar(fraction, 9), style=SUCCESS if new else MUTED)
        text.append(f"  {'new' if new else 'old'} desired {desired}")
        if current != desired:  # pods still starting or terminating
            text.append(f" current {current}")
        text.append(f" ready {ready} available {available}")
    if state.budget.text:
        text.append(fmt("\nbudget  {}", state.budget.text))
    timing = " · ".join(t for t in (state.elapsed_text, state.deadline_text) if t)
    if timing:
        text.append(fmt("\n{}", timing))
    if state.failing_pod:
        failing = fmt("\n✗ {}  ", state.failing_pod, style=ERROR)
        failing.stylize(STRONG)  # a meaning is a style name of its own: no "error bold"
        text.append(failing)
        text.append(shown(state.failing_reason, style=ERROR))
    return text


def _pod_rows(
    source: Source,
    namespace: str,
    pod_rows: Sequence[model_pods.PodRow],
    now: float,
    revision_of: Callable[[Obj], int | None],
) -> tuple[dict[str, Cells], dict[str, Any]]:
    # Kept by the stack just read (source.stack), not aggregated again.
    failures = source.probe_failures()
    claims = source.objects("persistentvolumeclaims", namespace)
    rows: dict[str, Cells] = {}
    order: dict[str, Any] = {}
    for row in pod_rows:
        pod = source.get("pods", namespace, row.name) or {}
        readiness = model_probes.pod_readiness(
            pod, now, model_events.failures_for(pod, failures), claims
        )
        symbol, style = HEALTH_SYMBOL.get(row.health, ("?", ""))
        if row.status == "CrashLoopBackOff":
            symbol = "⟳"
        # One lookup per pod: listing the namespace's metrics cost O(every pod's metrics).
        cpu, mem = _usage(source.get("podmetrics", namespace, row.name))
        revision = revision_of(pod)
        rows[row.name] = (
            fmt("{} {}", symbol, row.name, style=style),
            shown(row.ready),
            shown(row.status, style=style),
            shown(row.restarts),
            shown(row.age),
            Text(str(revision) if revision else "—"),
            shown(readiness.text, style=ERROR if readiness.failing else ""),
            Text(cpu),
            Text(mem),
            shown(row.node),
            shown(row.ip),
        )
        order[row.name] = (-(revision or 0), row.name)
    return rows, order


def _usage(metrics: Mapping[str, Any] | None) -> tuple[str, str]:
    if metrics is None:
        return "—", "—"
    containers = u.dicts(metrics.get("containers"))
    cpu = sum((u.quantity(u.path(c, "usage", "cpu")) or 0) for c in containers)
    mem = sum((u.quantity(u.path(c, "usage", "memory")) or 0) for c in containers)
    return f"{int(cpu * 1000)}m", f"{int(mem / (1024 * 1024))}Mi"


SPARK = 12
"""Samples in the Autoscaler panel's sparklines: its lines fit the condensed cockpit."""


def _autoscaler(
    graph: model_stack.Stack, history: Mapping[tuple[str, str], model_hpa.HpaHistory]
) -> tuple[Text, Text]:
    if not graph.hpas:
        text = Text("No HorizontalPodAutoscaler targets this Deployment.", style=MUTED)
        return text, Text("Autoscaler")
    view = graph.hpas[0]
    samples = history.get((view.namespace, view.name), model_hpa.HpaHistory())
    text = Text()
    for i, metric in enumerate(view.metrics):
        name = shown(metric.name)
        name.pad_right(9 - name.cell_len)
        text.append(name)
        text.append(fmt("{} / {}", metric.current, metric.target))
        if i == 0:
            text.append("  " + model_hpa.sparkline(samples.metric_values(), SPARK), style=TREND)
        text.append("\n")
    text.append(
        fmt(
            "replicas {} → {}  (min {}, max {})",
            view.current,
            view.desired,
            view.min_replicas,
            view.max_pods,
        )
    )
    text.append("  " + model_hpa.sparkline(samples.replica_values(), SPARK), style=TREND)
    text.append(fmt("\n{}", view.explanation))
    for cond in view.conditions:
        # kubectl describe's Type, Status and Reason, marked by health: ScalingLimited
        # False (DesiredWithinRange) is the healthy state. A healthy condition's message
        # only restates it ("recommended size matches current size").
        mark, style = HEALTH_SYMBOL.get(cond.health, ("?", ""))
        kind = shown(cond.type)
        kind.pad_right(15 - kind.cell_len)
        status = shown(cond.status, style)
        status.pad_right(6 - status.cell_len)
        text.append("\n")
        text.append(kind)
        text.append(f"{mark} ", style=style)
        text.append(status)
        text.append(shown(cond.reason, style))
        if cond.message and not cond.ok:
            text.append(fmt("  {}", cond.message, style=MUTED))
    return text, fmt("Autoscaler {}", view.name)


def _traffic(
    source: Source,
    services: Sequence[model_stack.ServiceLink],
    ingresses: Sequence[model_stack.IngressRoute],
    config: Sequence[model_stack.ConfigRef],
    findings: Sequence[model_findings.Finding],
    claims: Sequence[model_storage.ClaimInfo] = (),
) -> Text:
    """Services, Ingress routes, referenced config, claims and findings; kinds the user may
    not list are named, since nothing can be said about them."""
    forbidden = {kind: source.kind_problem(kind) or "" for kind in source.forbidden()}
    text = Text()

    def line(*parts: tuple[str, str]) -> None:
        # One line: each part (ours, with cluster values in it) is shown whole.
        if text:
            text.append("\n")
        for part, style in parts:
            text.append(shown(part, style=style))

    for svc in services:
        ok = SUCCESS if svc.ready else ERROR
        line(
            (f"svc/{svc.name}  {svc.type} {svc.ports}  endpoints ", ""),
            (f"✓{svc.ready}", ok),
            (f" ✗{svc.not_ready}" if svc.not_ready else "", ERROR),
        )
    for route in ingresses:
        tls = ""
        if route.tls_secret:
            tls = "  tls ✓" if route.tls_ok else f"  tls ✗ ({route.tls_secret})"
        backend = f"{route.service}:{route.port}" + ("" if route.service_ok else " ✗ missing")
        line(
            (f"ing/{route.ingress}  {route.host} {route.path or '(default)'}  → {backend}", ""),
            (tls, ""),
        )
    for ref in config:
        kind = {"ConfigMap": "cm", "Secret": "secret", "PersistentVolumeClaim": "pvc"}.get(
            ref.kind, ref.kind
        )
        state = "" if ref.exists is not False else "  ✗ missing"
        extra = f"  {ref.phase}" if ref.phase else ""
        line((f"{kind}/{ref.name}  {', '.join(ref.uses)}{extra}", ""), (state, ERROR))
    named = {r.name for r in config if r.kind == "PersistentVolumeClaim"}
    for claim in claims:
        if claim.name in named:
            continue
        state = claim.phase or "missing"
        size = claim.capacity or claim.requested
        line(
            (f"pvc/{claim.name}  {state}", "" if state == "Bound" else WARNING),
            (f"  {size}  {claim.storage_class or '(no class)'}", ""),
        )
    if not services:
        line(("no Service selects these pods", MUTED))
    for finding in findings:
        error = finding.severity == model_findings.ERROR
        symbol, style = ("✗", ERROR) if error else ("⚠", WARNING)
        line((f"{symbol} {finding.message}", style))
    for kind in sorted(forbidden):
        line((f"⚠ {kind} not shown: {forbidden[kind] or 'forbidden'}", WARNING))
    return text


def containers_of(source: Source, namespace: str, pod: str) -> list[str]:
    """The pod's container names, in spec order."""
    obj = source.get("pods", namespace, pod)
    return [u.s(c.get("name")) for c in u.dicts(u.path(obj, "spec", "containers"))]
