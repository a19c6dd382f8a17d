"""From the cache to what the screens show: calls the model for every meaning, and only
arranges its strings into cells, lines and symbols.

Every function takes the :class:`~.source.Source` and ``now`` (epoch seconds) and returns
plain values, so screens stay thin and snapshots are deterministic under a frozen ``now``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rich.syntax import Syntax
from rich.text import Text

from ..model import _util as u
from ..model import events as model_events
from ..model import history as model_history
from ..model import hpa as model_hpa
from ..model import pods as model_pods
from ..model import probes as model_probes
from ..model import rollout as model_rollout
from ..model import stack as model_stack
from ..model import yamlview as model_yamlview
from .screens.dialogs import RevisionChoice
from .source import Source

Cells = tuple[str | Text, ...]

# Health classes of the model, each with a symbol so the state reads without colour.
HEALTH_SYMBOL = {
    model_pods.HEALTHY: ("✓", "green"),
    model_pods.PROGRESSING: ("◐", "yellow"),
    model_pods.WARNING: ("⚠", "yellow"),
    model_pods.FAILING: ("✗", "red"),
    model_pods.TERMINATING: ("◌", "dim"),
}


# -- history ------------------------------------------------------------------------------------

HISTORY_COLUMNS = [
    ("revision", "REVISION"),
    ("cause", "CHANGE-CAUSE"),
    ("images", "IMAGES"),
    ("replicaset", "REPLICASET"),
    ("ready", "READY"),
    ("age", "AGE"),
]


@dataclass(frozen=True)
class TableView:
    rows: dict[str, Cells]
    order: dict[str, Any]
    empty_message: str | None = None
    summary: str = ""


def history_view(source: Source, namespace: str, name: str, now: float) -> TableView:
    """Revisions newest first, the current one marked ``*``."""
    dep = source.get("deployments", namespace, name)
    if dep is None:
        return TableView({}, {}, f'deployment "{name}" not found')
    revisions = model_history.history(dep, source.objects("replicasets", namespace), now)
    rows: dict[str, Cells] = {}
    order: dict[str, Any] = {}
    for info in revisions:
        marker = " *" if info.current else ""
        rows[str(info.revision)] = (
            f"{info.revision}{marker}",
            info.change_cause,
            ", ".join(info.images),
            info.replicaset,
            f"{info.ready}/{info.replicas}",
            info.age,
        )
        order[str(info.revision)] = -info.revision
    empty = None if rows else "No rollout history found."
    return TableView(rows, order, empty)


def _diff_text(lines: Sequence[model_history.DiffLine]) -> Text:
    text = Text()
    width = max((len(line.path) for line in lines), default=0)
    for i, line in enumerate(lines):
        if i:
            text.append("\n")
        text.append(line.path.ljust(width + 2), style="bold")
        text.append(f"- {line.old}", style="red")
        text.append("  →  ")
        text.append(f"+ {line.new}", style="green")
    return text


def history_diff(source: Source, namespace: str, name: str, revision: int) -> Text:
    """What would change if the Deployment went back to ``revision``."""
    dep = source.get("deployments", namespace, name)
    if dep is None:
        return Text("")
    rss = source.objects("replicasets", namespace)
    target = model_history.revision_template(dep, rss, revision)
    if target is None:
        return Text(f"revision {revision} is no longer in the history")
    lines = model_history.template_diff(_template(dep), target)
    if not lines:
        return Text(f"revision {revision} has the current pod template")
    return _diff_text(lines)


def _template(dep: Mapping[str, Any]) -> Mapping[str, Any]:
    spec = dep.get("spec")
    template = spec.get("template") if isinstance(spec, Mapping) else None
    return template if isinstance(template, Mapping) else {}


@dataclass(frozen=True)
class UndoInfo:
    """What the undo dialog needs. ``problem`` set = nothing to offer (kubectl's words)."""

    problem: str | None
    current: int = 0
    target: int = 0
    choices: tuple[RevisionChoice, ...] = ()
    diff_for: Callable[[int], Sequence[str | Text]] = field(default=lambda _r: ())


def undo_info(source: Source, namespace: str, name: str, preferred: int | None = None) -> UndoInfo:
    dep = source.get("deployments", namespace, name)
    if dep is None:
        return UndoInfo(f'deployment "{name}" not found')
    rss = source.objects("replicasets", namespace)
    plan = model_history.undo_plan(dep, rss, preferred or 0)
    if plan.error:
        return UndoInfo(plan.error)
    revisions = model_history.history(dep, rss, 0.0)
    choices = tuple(
        RevisionChoice(r.revision, f"rev {r.revision}  {', '.join(r.images)}  {r.change_cause}")
        for r in reversed(revisions)
        if not r.current
    )

    def diff_for(revision: int) -> Sequence[str | Text]:
        planned = model_history.undo_plan(dep, rss, revision)
        if planned.error:
            return [planned.error]
        if planned.skipped:
            return [planned.message]
        return [_diff_text([line]) for line in planned.diff]

    return UndoInfo(None, plan.from_revision, plan.to_revision, choices, diff_for)


# -- events -------------------------------------------------------------------------------------

EVENT_COLUMNS = [
    ("last", "LAST SEEN"),
    ("type", "TYPE"),
    ("reason", "REASON"),
    ("object", "OBJECT"),
    ("message", "MESSAGE"),
]


def event_cells(row: model_events.EventRow) -> Cells:
    kind = Text("⚠ Warning", style="yellow") if row.warning else Text("  Normal")
    count = f" (x{row.count})" if row.count > 1 else ""
    return (row.last_seen_text, kind, row.reason, row.target, row.message + count)


# -- scale and pause ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ScaleInfo:
    spec: int
    ready: str
    hpa_warning: str | None


def _int(value: Any, default: int = 0) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def scale_info(source: Source, namespace: str, name: str) -> ScaleInfo | None:
    """The counts the scale dialog shows, and who else owns the count."""
    dep = source.get("deployments", namespace, name)
    if dep is None:
        return None
    spec = dep.get("spec") or {}
    status = dep.get("status") or {}
    replicas = _int(spec.get("replicas"), 1)
    warning = None
    for hpa in source.hpa_owners(namespace, name):
        hpa_spec = hpa.get("spec") or {}
        hpa_name = (hpa.get("metadata") or {}).get("name", "")
        low = _int(hpa_spec.get("minReplicas"), 1)
        high = _int(hpa_spec.get("maxReplicas"))
        warning = (
            f"HPA {hpa_name} owns this count ({low}–{high}) and will set it back "
            "at its next sync (about 15 s)."
        )
    return ScaleInfo(replicas, f"{_int(status.get('readyReplicas'))}/{replicas}", warning)


def is_paused(source: Source, namespace: str, name: str) -> bool:
    dep = source.get("deployments", namespace, name)
    return bool(((dep or {}).get("spec") or {}).get("paused"))


# -- the Stacks list ----------------------------------------------------------------------------

_STACK_COLUMNS_WIDE = [
    ("name", "NAME"),
    ("rollout", "ROLLOUT"),
    ("ready", "READY"),
    ("uptodate", "UP-TO-DATE"),
    ("available", "AVAILABLE"),
    ("pods", "PODS"),
    ("probes", "PROBES"),
    ("hpa", "HPA"),
    ("svc", "SVC"),
    ("hosts", "INGRESS"),
    ("findings", "FINDINGS"),
    ("age", "AGE"),
]
_NARROW = ("namespace", "name", "rollout", "ready", "pods", "hpa")

STATE_STYLE = {
    model_rollout.COMPLETE: ("✓", "green"),
    model_rollout.PROGRESSING: ("◐", "yellow"),
    model_rollout.STALLED: ("✗", "red"),
    model_rollout.PAUSED: ("⏸", "blue"),
    model_rollout.DEADLINE_EXCEEDED: ("✗", "red"),
}


def stack_columns(*, wide: bool, all_namespaces: bool) -> list[tuple[str, str]]:
    """The Stacks table's columns for the terminal width."""
    columns = list(_STACK_COLUMNS_WIDE)
    if all_namespaces:
        columns.insert(0, ("namespace", "NAMESPACE"))
    if not wide:
        columns = [c for c in columns if c[0] in _NARROW]
    return columns


def rollout_cell(state: model_rollout.Rollout, width: int = 8) -> Text:
    symbol, style = STATE_STYLE.get(state.state, ("?", ""))
    text = Text()
    if state.state == model_rollout.PAUSED:
        text.append(f"{symbol} {state.label}", style=style)
        return text
    text.append(model_rollout.progress_bar(state.progress, width), style=style)
    text.append(f" {symbol} {state.label}", style=style)
    return text


def _symbols(text: str) -> Text:
    """Colour the model's symbol strings (``✓5 ◐1 ✗1``); the symbols carry the meaning."""
    styles = {"✓": "green", "◐": "yellow", "⚠": "yellow", "✗": "red", "⟳": "red", "◌": "dim"}
    out = Text()
    for i, part in enumerate(text.split(" ")):
        if i:
            out.append(" ")
        out.append(part, style=styles.get(part[:1], ""))
    return out


def snapshot(source: Source) -> dict[str, Any]:
    """What the model reads: every kind that is listed and watched (a kind still loading or
    forbidden is left out, so the model reports nothing missing because of it)."""
    return source.snapshot()


def _stack_cells(row: model_stack.StackRow) -> dict[str, str | Text]:
    symbol, style = STATE_STYLE.get(row.rollout_state, ("?", ""))
    rollout = Text()
    if row.rollout_state == model_rollout.PAUSED:
        rollout.append(f"{symbol} {row.rollout_label}", style=style)
    else:
        rollout.append(model_rollout.progress_bar(row.progress), style=style)
        rollout.append(f" {symbol} {row.rollout_label}", style=style)
    hpa = row.hpa_targets + (f"  {row.hpa_replicas}" if row.hpa_replicas else "")
    return {
        "namespace": row.namespace,
        "name": row.name,
        "rollout": rollout,
        "ready": row.ready,
        "uptodate": str(row.up_to_date),
        "available": str(row.available),
        "pods": _symbols(row.pods_text),
        "probes": Text(row.probes_text, style="red" if row.failing_probes else ""),
        "hpa": hpa,
        "svc": row.svc_text,
        "hosts": ", ".join(row.hosts) or "—",
        "findings": Text(f"⚠{row.findings}", style="yellow") if row.findings else "—",
        "age": row.age,
    }


class StacksPresenter:
    """The Stacks list for one screen: keeps the model's incremental summarizer and reuses
    the cells of every stack whose row did not change, so a refresh of a big cluster costs
    what changed, not what exists."""

    def __init__(self) -> None:
        self._summarize = model_stack.Summarizer()
        self._cells: dict[str, tuple[model_stack.StackRow, dict[str, str | Text]]] = {}

    def view(
        self, source: Source, now: float, *, columns: Sequence[str], name_filter: str = ""
    ) -> TableView:
        """Rows keyed ``namespace/name``, ordered most urgent first."""
        namespace = None if source.all_namespaces else source.namespace
        rows: dict[str, Cells] = {}
        order: dict[str, Any] = {}
        summary = self._summarize(snapshot(source), now)
        cache: dict[str, tuple[model_stack.StackRow, dict[str, str | Text]]] = {}
        for rank, row in enumerate(summary):
            if namespace is not None and row.namespace != namespace:
                continue
            if name_filter and not _matches(source, row, name_filter):
                continue
            key = f"{row.namespace}/{row.name}"
            cached = self._cells.get(key)
            cells = cached[1] if cached is not None and cached[0] is row else _stack_cells(row)
            cache[key] = (row, cells)
            rows[key] = tuple(cells[c] for c in columns)
            order[key] = rank
        self._cells = cache
        empty = None
        if not rows:
            if not source.synced():
                empty = "loading…"
            elif summary:
                empty = f"no Deployment matches {name_filter!r}"
            else:
                where = "any namespace" if namespace is None else f'namespace "{namespace}"'
                problem = source.kind_problem("deployments")
                empty = problem or f"No Deployments found in {where}."
        return TableView(rows, order, empty, summary=f"{len(rows)} stacks")


def _matches(source: Source, row: model_stack.StackRow, needle: str) -> bool:
    """Name substring, or ``key=value`` / ``key`` against the Deployment's labels."""
    labels = u.labels(source.get("deployments", row.namespace, row.name))
    if "=" in needle:
        key, _, value = needle.partition("=")
        return labels.get(key.strip()) == value.strip()
    return needle.lower() in row.name.lower() or needle in labels


# -- one Stack ----------------------------------------------------------------------------------

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
    title: str
    summary: Text
    rollout: Text
    autoscaler: Text
    autoscaler_title: str
    traffic: Text
    pods: dict[str, Cells]
    pod_order: dict[str, Any]
    events: dict[str, Cells]
    event_order: dict[str, Any]


def _missing(name: str, message: str) -> StackView:
    return StackView(
        False, name, Text(message), Text(message), Text(""), "Autoscaler", Text(""), {}, {}, {}, {}
    )


def stack_view(
    source: Source,
    namespace: str,
    name: str,
    now: float,
    hpa_history: Mapping[tuple[str, str], model_hpa.HpaHistory] | None = None,
) -> StackView:
    """Everything the Stack screen shows for one Deployment."""
    graph = model_stack.stack(snapshot(source), namespace, name, now)
    if graph is None:
        if not source.synced():
            return _missing(name, "loading…")
        return _missing(name, f'deployment "{name}" not found in namespace "{namespace}"')
    state = graph.rollout
    budget = state.budget
    images = ", ".join(model_history.images_of(u.path(graph.deployment, "spec", "template")))
    strategy = budget.strategy
    if strategy == "RollingUpdate":
        strategy += f" (maxSurge {budget.max_surge}, maxUnavailable {budget.max_unavailable})"
    title = f"{name} · Deployment · ns {namespace} · rev {state.revision} · {images} · {strategy}"
    summary = rollout_cell(state, 10)
    for extra in (state.elapsed_text, state.deadline_text):
        if extra:
            summary.append(f" · {extra}")
    if state.failing_pod:
        summary.append(f" · ✗ {state.failing_pod}", style="red")
    pods, pod_order = _pod_rows(source, graph, now)
    events = {row.name: event_cells(row) for row in graph.events[:200]}
    event_order = {row.name: i for i, row in enumerate(graph.events[:200])}
    autoscaler, autoscaler_title = _autoscaler(graph, hpa_history or {})
    return StackView(
        True,
        title,
        summary,
        _rollout_panel(graph),
        autoscaler,
        autoscaler_title,
        _traffic(graph, {kind: source.kind_problem(kind) or "" for kind in source.forbidden()}),
        pods,
        pod_order,
        events,
        event_order,
    )


def _rollout_panel(graph: model_stack.Stack) -> Text:
    state = graph.rollout
    text = Text()
    verdict = state.status
    text.append(f"error: {verdict.error}" if verdict.error else verdict.message, style="bold")
    text.append("\n")
    for rs in sorted(graph.replicasets, key=lambda r: -(model_history.revision_of(r) or 0)):
        desired = u.i(u.path(rs, "spec", "replicas"))
        current = u.i(u.path(rs, "status", "replicas"))
        new = u.name(rs) == state.new_replicaset
        if not desired and not current and not new:
            continue
        ready = u.i(u.path(rs, "status", "readyReplicas"))
        available = u.i(u.path(rs, "status", "availableReplicas"))
        fraction = available / desired if desired else (0.0 if current else 1.0)
        text.append(f"\nrev {model_history.revision_of(rs)}  ", style="bold" if new else "")
        text.append(f"{u.name(rs)}  ")
        text.append(model_rollout.progress_bar(fraction, 9), style="green" if new else "dim")
        text.append(f"  {'new' if new else 'old'} desired {desired}")
        if current != desired:  # pods still starting or terminating
            text.append(f" current {current}")
        text.append(f" ready {ready} available {available}")
    if state.budget.text:
        text.append(f"\nbudget  {state.budget.text}")
    timing = " · ".join(t for t in (state.elapsed_text, state.deadline_text) if t)
    if timing:
        text.append(f"\n{timing}")
    if state.failing_pod:
        text.append(f"\n✗ {state.failing_pod}  ", style="red bold")
        text.append(state.failing_reason, style="red")
    return text


def _pod_rows(
    source: Source, graph: model_stack.Stack, now: float
) -> tuple[dict[str, Cells], dict[str, Any]]:
    revision_by_hash = {
        u.labels(rs).get(model_history.POD_TEMPLATE_HASH, ""): model_history.revision_of(rs)
        for rs in graph.replicasets
    }
    metrics = {u.name(m): m for m in source.objects("podmetrics", graph.namespace)}
    failures = model_events.unhealthy_by_pod(source.objects("events", graph.namespace))
    rows: dict[str, Cells] = {}
    order: dict[str, Any] = {}
    for row in graph.pods:
        pod = source.get("pods", graph.namespace, row.name)
        probes = model_probes.container_probes(pod, now, model_events.failures_for(pod, failures))
        readiness = "; ".join(c.summary for c in probes if c.summary) or "—"
        symbol, style = HEALTH_SYMBOL.get(row.health, ("?", ""))
        if row.status == "CrashLoopBackOff":
            symbol = "⟳"
        cpu, mem = _usage(metrics.get(row.name))
        revision = revision_by_hash.get(row.template_hash)
        rows[row.name] = (
            Text(f"{symbol} {row.name}", style=style),
            row.ready,
            Text(row.status, style=style),
            row.restarts,
            row.age,
            str(revision) if revision else "—",
            Text(readiness, style="red" if readiness.startswith("✗") else ""),
            cpu,
            mem,
            row.node,
            row.ip,
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


def _autoscaler(
    graph: model_stack.Stack, history: Mapping[tuple[str, str], model_hpa.HpaHistory]
) -> tuple[Text, str]:
    if not graph.hpas:
        text = Text("No HorizontalPodAutoscaler targets this Deployment.", style="dim")
        return text, "Autoscaler"
    view = graph.hpas[0]
    samples = history.get((view.namespace, view.name), model_hpa.HpaHistory())
    text = Text()
    for i, metric in enumerate(view.metrics):
        text.append(f"{metric.name:<9}{metric.current} / {metric.target}")
        if i == 0:
            text.append("   " + model_hpa.sparkline(samples.metric_values(), 20), style="cyan")
        text.append("\n")
    text.append(
        f"replicas {view.current} → {view.desired}  (min {view.min_replicas}, max {view.max_pods})"
    )
    text.append("   " + model_hpa.sparkline(samples.replica_values(), 20), style="cyan")
    text.append(f"\n{view.explanation}\n")
    for cond in view.conditions:
        mark, style = ("✓", "green") if cond.ok else ("✗", "red")
        text.append(f"\n{cond.type:<15}")
        text.append(f"{mark} {cond.reason}", style=style)
        if cond.message:
            text.append(f"  {cond.message}", style="dim")
    return text, f"Autoscaler {view.name}"


def _traffic(graph: model_stack.Stack, forbidden: Mapping[str, str]) -> Text:
    """Services, Ingress routes, referenced config and findings; kinds the user may not list
    are named, since nothing can be said about them."""
    text = Text()

    def line(*parts: tuple[str, str]) -> None:
        if text:
            text.append("\n")
        for part, style in parts:
            text.append(part, style=style)

    for svc in graph.services:
        ok = "green" if svc.ready else "red"
        line(
            (f"svc/{svc.name}  {svc.type} {svc.ports}  endpoints ", ""),
            (f"✓{svc.ready}", ok),
            (f" ✗{svc.not_ready}" if svc.not_ready else "", "red"),
        )
    for route in graph.ingresses:
        tls = ""
        if route.tls_secret:
            tls = "  tls ✓" if route.tls_ok else f"  tls ✗ ({route.tls_secret})"
        backend = f"{route.service}:{route.port}" + ("" if route.service_ok else " ✗ missing")
        line(
            (f"ing/{route.ingress}  {route.host} {route.path or '(default)'}  → {backend}", ""),
            (tls, ""),
        )
    for ref in graph.config:
        kind = {"ConfigMap": "cm", "Secret": "secret", "PersistentVolumeClaim": "pvc"}.get(
            ref.kind, ref.kind
        )
        state = "" if ref.exists is not False else "  ✗ missing"
        extra = f"  {ref.phase}" if ref.phase else ""
        line((f"{kind}/{ref.name}  {', '.join(ref.uses)}{extra}", ""), (state, "red"))
    if not graph.services:
        line(("no Service selects these pods", "dim"))
    for finding in graph.findings:
        symbol, style = ("✗", "red") if finding.severity == model_stack.ERROR else ("⚠", "yellow")
        line((f"{symbol} {finding.message}", style))
    for kind in sorted(forbidden):
        line((f"⚠ {kind} not shown: {forbidden[kind] or 'forbidden'}", "yellow"))
    return text


def containers_of(source: Source, namespace: str, pod: str) -> list[str]:
    """The pod's container names, in spec order."""
    obj = source.get("pods", namespace, pod)
    return [u.s(c.get("name")) for c in u.dicts(u.path(obj, "spec", "containers"))]


# -- YAML and describe --------------------------------------------------------------------------

_KINDS = {"Deployment": "deployments", "Pod": "pods", "ReplicaSet": "replicasets"}


def object_text(
    source: Source, kind: str, namespace: str, name: str, mode: str, now: float
) -> Text | Syntax:
    """``mode`` yaml: the object as ``kubectl get -o yaml`` (Secret values redacted by the
    model); describe: the fields ``kubectl describe`` leads with, and the object's events."""
    obj = source.get(_KINDS.get(kind, kind), namespace, name)
    if obj is None:
        return Text(f'{kind.lower()} "{name}" not found (it may have been deleted)')
    if mode == "yaml":
        return Syntax(model_yamlview.to_yaml(obj), "yaml", theme="ansi_dark", word_wrap=True)
    return _describe(source, kind, obj, now)


def _describe(source: Source, kind: str, obj: Mapping[str, Any], now: float) -> Text:
    text = Text()

    def field(label: str, value: object, indent: int = 0) -> None:
        text.append(" " * indent + f"{label + ':':<24}", style="bold")
        text.append(f"{value}\n")

    namespace = u.namespace(obj)
    field("Name", u.name(obj))
    field("Namespace", namespace)
    field("CreationTimestamp", u.s(u.meta(obj).get("creationTimestamp")) or "<unknown>")
    field("Labels", u.format_selector({"matchLabels": u.labels(obj)}) or "<none>")
    if kind == "Pod":
        row = model_pods.pod_row(obj, now)
        field("Node", row.node)
        field("Status", row.status)
        field("IP", row.ip)
        field("Ready", row.ready)
        field("Restarts", row.restarts)
        template_spec = u.d(obj.get("spec"))
    else:
        state = model_rollout.rollout_status(obj)
        budget = model_rollout.budget(obj)
        row_d = model_rollout.deployment_row(obj, now)
        field("Selector", row_d.selector)
        field(
            "Replicas",
            f"{row_d.ready} ready · {row_d.up_to_date} up-to-date · {row_d.available} available",
        )
        field("StrategyType", budget.strategy)
        if budget.text:
            field("RollingUpdateStrategy", budget.text)
        field("Rollout", state.error or state.message)
        template_spec = u.d(u.path(obj, "spec", "template", "spec"))
    text.append("Containers:\n", style="bold")
    for container in u.dicts(template_spec.get("containers")):
        text.append(f"  {u.s(container.get('name'))}:\n", style="bold")
        field("Image", u.s(container.get("image")), 4)
        for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
            described = model_probes.describe_probe(container.get(probe))
            if described:
                field(probe.removesuffix("Probe").capitalize(), described, 4)
    conditions = u.dicts(u.path(obj, "status", "conditions"))
    if conditions:
        text.append("Conditions:\n", style="bold")
        for cond in conditions:
            reason = u.s(cond.get("reason"))
            text.append(f"  {u.s(cond.get('type')):<16}{u.s(cond.get('status')):<8}{reason}\n")
    events = model_events.events_for(
        source.objects("events", namespace), now, uids=[u.uid(obj)], namespace=namespace
    )
    text.append("Events:", style="bold")
    if not events:
        text.append("  <none>\n")
    for event in events[:50]:
        mark = "⚠ " if event.warning else "  "
        text.append(f"\n  {mark}{event.type:<8}{event.reason:<20}{event.interval:<18}")
        text.append(event.message, style="yellow" if event.warning else "")
    return text
