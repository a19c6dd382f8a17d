"""From the cache to what the screens show: calls the model for every meaning, and only
arranges its strings into cells, lines and symbols.

Every function takes the :class:`~.source.Source` and ``now`` (epoch seconds) and returns
plain values, so screens stay thin and snapshots are deterministic under a frozen ``now``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from rich.text import Text

from .. import kinds as K
from ..model import duration as model_duration
from ..model import events as model_events
from ..model import fields as u
from ..model import findings as model_findings
from ..model import grouping as model_grouping
from ..model import hpa as model_hpa
from ..model import managedby as model_managedby
from ..model import pods as model_pods
from ..model import probes as model_probes
from ..model import stack as model_stack
from ..model import storage as model_storage
from ..model import workloads as model_workloads
from ..model import yamlview as model_yamlview
from ..model.ref import GROUP_PREFIX, WorkloadRef
from ..model.workloads import base as model_workload
from ..model.workloads import deployment as model_deployment
from ..model.workloads import replicasets as model_replicasets
from ..model.workloads import templates as model_templates
from ..model.workloads.base import Revision, UndoPlan
from .glyphs import GLYPHS
from .presenters.text import cut_strings, document, fmt, shown
from .screens.dialogs import RevisionChoice
from .source import Source

if TYPE_CHECKING:
    from rich.syntax import Syntax

# Text, never str: a str cell is read as markup by the table (see presenters.text).
Cells = tuple[Text, ...]
Obj = Mapping[str, Any]

# Health classes of the model, each with a symbol so the state reads without colour.
HEALTH_SYMBOL = {
    model_pods.HEALTHY: ("✓", "green"),
    model_pods.PROGRESSING: ("◐", "yellow"),
    model_pods.WARNING: ("⚠", "yellow"),
    model_pods.FAILING: ("✗", "red"),
    model_pods.TERMINATING: ("◌", "dim"),
}


DEPLOYMENT = "Deployment"


def store_kind(kind: str) -> str:
    """The cache's kind name for a workload ``kind`` (Deployment, StatefulSet, DaemonSet)."""
    return K.store_key(kind)


def workload(source: Source, kind: str, namespace: str, name: str) -> Obj | None:
    return source.get(store_kind(kind), namespace, name)


# -- managed by ---------------------------------------------------------------------------------


def managed_by(source: Source, kind: str, namespace: str, name: str) -> model_managedby.ManagedBy:
    """Helm / Argo CD / Flux managing this workload (Applications and Helm's release Secrets
    read when the cluster serves and the user may list them)."""
    obj = workload(source, kind, namespace, name)
    if obj is None:
        return model_managedby.ManagedBy()
    return model_managedby.managed_by(
        # List items carry no kind; the Argo CD tracking id is checked against it.
        {**obj, "kind": kind},
        applications=source.objects("applications"),
        helm_secrets=source.objects("secrets", namespace),
    )


def action_notes(
    source: Source, kind: str, namespace: str, name: str, action: str
) -> tuple[str, ...]:
    """What a confirm dialog says before ``action`` (scale / undo / restart / delete) on a
    managed workload; () when nothing will fight the change."""
    return model_managedby.action_warnings(managed_by(source, kind, namespace, name), action, kind)


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
    empty_message: Text | None = None
    summary: str = ""


def history_columns(kind: str = DEPLOYMENT) -> list[tuple[str, str]]:
    """The History table's columns: the fourth names the objects keeping the revisions (a
    Deployment's ReplicaSets, the others' ControllerRevisions)."""
    keeper = model_workloads.for_kind(kind).revisions.kind.upper()
    return [(k, keeper if k == "replicaset" else t) for k, t in HISTORY_COLUMNS]


def _revisions(source: Source, kind: str, namespace: str) -> list[Obj]:
    """The objects that may keep revisions of a workload of ``kind`` in ``namespace``."""
    return source.objects(model_workloads.for_kind(kind).revisions.name, namespace)


def history_view(
    source: Source, namespace: str, name: str, now: float, kind: str = DEPLOYMENT
) -> TableView:
    """Revisions newest first, the current one marked ``*``."""
    obj = workload(source, kind, namespace, name)
    if obj is None:
        return TableView({}, {}, fmt('{} "{}" not found', kind.lower(), name))
    revisions = model_workloads.for_kind(kind).history(
        obj, _revisions(source, kind, namespace), now
    )
    return _history_table(revisions)


def _history_table(entries: Iterable[Revision]) -> TableView:
    """The History table, newest first, the current one marked ``*``."""
    rows: dict[str, Cells] = {}
    order: dict[str, Any] = {}
    for info in entries:
        marker = " *" if info.current else ""
        key = str(info.revision)
        rows[key] = (
            Text(f"{info.revision}{marker}"),
            shown(info.change_cause),
            shown(", ".join(info.images)),
            shown(info.name),
            Text(info.ready_text),
            Text(info.age),
        )
        order[key] = -info.revision
    empty = None if rows else Text("No rollout history found.")
    return TableView(rows, order, empty)


def _diff_text(lines: Sequence[model_templates.DiffLine]) -> Text:
    text = Text()
    paths = [shown(line.path, style="bold") for line in lines]
    width = max((path.cell_len for path in paths), default=0)
    for i, (path, line) in enumerate(zip(paths, lines, strict=True)):
        if i:
            text.append("\n")
        path.pad_right(width + 2 - path.cell_len)
        text.append(path)
        text.append(fmt("- {}", line.old, style="red"))
        text.append(fmt("  →  "))
        text.append(fmt("+ {}", line.new, style="green"))
    return text


def history_diff(
    source: Source, namespace: str, name: str, revision: int, kind: str = DEPLOYMENT
) -> Text:
    """What would change if the workload went back to ``revision``."""
    dep = workload(source, kind, namespace, name)
    if dep is None:
        return Text("")
    revisions = _revisions(source, kind, namespace)
    target = model_workloads.for_kind(kind).template(dep, revisions, revision)
    if target is None:
        return Text(f"revision {revision} is no longer in the history")
    lines = model_templates.template_diff(_template(dep), target)
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
    diff_for: Callable[[int], Sequence[Text]] = field(default=lambda _r: ())


def undo_info(
    source: Source,
    namespace: str,
    name: str,
    preferred: int | None = None,
    kind: str = DEPLOYMENT,
) -> UndoInfo:
    obj = workload(source, kind, namespace, name)
    if obj is None:
        return UndoInfo(f'{kind.lower()} "{name}" not found')
    workload_kind = model_workloads.for_kind(kind)
    revisions = _revisions(source, kind, namespace)
    plan_for = partial(workload_kind.undo_plan, obj, revisions)
    plan = plan_for(preferred or 0)
    history = workload_kind.history(obj, revisions, 0.0)
    return _undo_dialog(plan, plan_for, history, plan.from_revision)


def _undo_dialog(
    plan: UndoPlan, plan_for: Callable[[int], UndoPlan], history: Sequence[Revision], current: int
) -> UndoInfo:
    """The undo dialog's content from a kind's undo plan (Deployment: ReplicaSets;
    StatefulSet/DaemonSet: ControllerRevisions) and its revision history."""
    if plan.error:
        return UndoInfo(plan.error)
    choices = tuple(
        RevisionChoice(
            r.revision, fmt("rev {}  {}  {}", r.revision, ", ".join(r.images), r.change_cause)
        )
        for r in reversed(history)
        if not r.current
    )

    def diff_for(revision: int) -> Sequence[Text]:
        planned = plan_for(revision)
        if planned.error:
            return [shown(planned.error)]
        if planned.skipped:
            return [shown(planned.message)]
        return [_diff_text([line]) for line in planned.diff]

    return UndoInfo(None, current, plan.to_revision, choices, diff_for)


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
    return (
        shown(row.last_seen_text),
        kind,
        shown(row.reason),
        shown(row.target),
        fmt("{}{}", row.message, count),
    )


# -- scale and pause ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ScaleInfo:
    spec: int
    ready: str
    hpa_warning: str | None


def _int(value: Any, default: int = 0) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def scale_info(
    source: Source, namespace: str, name: str, kind: str = DEPLOYMENT
) -> ScaleInfo | None:
    """The counts the scale dialog shows, and who else owns the count."""
    dep = workload(source, kind, namespace, name)
    if dep is None:
        return None
    spec = dep.get("spec") or {}
    status = dep.get("status") or {}
    replicas = _int(spec.get("replicas"), 1)
    warning = None
    for hpa in source.hpa_owners(WorkloadRef(kind, namespace, name)):
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
    model_workload.COMPLETE: ("✓", "green"),
    model_workload.PROGRESSING: ("◐", "yellow"),
    model_workload.PAUSED: ("⏸", "blue"),
    model_workload.DEADLINE_EXCEEDED: ("✗", "red"),
}


def stack_columns(*, wide: bool, all_namespaces: bool) -> list[tuple[str, str]]:
    """The Stacks table's columns for the terminal width."""
    columns = list(_STACK_COLUMNS_WIDE)
    if all_namespaces:
        columns.insert(0, ("namespace", "NAMESPACE"))
    if not wide:
        columns = [c for c in columns if c[0] in _NARROW]
    return columns


def rollout_cell(state: model_deployment.Rollout, width: int = 8) -> Text:
    symbol, style = STATE_STYLE.get(state.state, ("?", ""))
    text = Text()
    if state.state == model_workload.PAUSED:
        text.append(fmt("{} {}", symbol, state.label, style=style))
        return text
    text.append(model_workload.progress_bar(state.progress, width), style=style)
    text.append(fmt(" {} {}", symbol, state.label, style=style))
    return text


def _symbols(text: str) -> Text:
    """Colour the model's symbol strings (``✓5 ◐1 ✗1``); the symbols carry the meaning."""
    styles = {"✓": "green", "◐": "yellow", "⚠": "yellow", "✗": "red", "⟳": "red", "◌": "dim"}
    out = Text()
    for i, part in enumerate(text.split(" ")):
        if i:
            out.append(" ")
        out.append(shown(part, style=styles.get(part[:1], "")))
    return out


def _stack_cells(row: model_stack.StackRow) -> dict[str, Text]:
    symbol, style = STATE_STYLE.get(row.rollout_state, ("?", ""))
    rollout = Text()
    if row.rollout_state == model_workload.PAUSED:
        rollout.append(fmt("{} {}", symbol, row.rollout_label, style=style))
    else:
        rollout.append(model_workload.progress_bar(row.progress), style=style)
        rollout.append(fmt(" {} {}", symbol, row.rollout_label, style=style))
    hpa = row.hpa_targets + (f"  {row.hpa_replicas}" if row.hpa_replicas else "")
    return {
        "namespace": shown(row.namespace),
        "name": shown(row.display_name),
        "rollout": rollout,
        "ready": shown(row.ready),
        "uptodate": Text(str(row.up_to_date)),
        "available": Text(str(row.available)),
        "pods": _symbols(row.pods_text),
        "probes": shown(row.probes_text, style="red" if row.failing_probes else ""),
        "hpa": shown(hpa),
        "svc": shown(row.svc_text),
        "hosts": shown(", ".join(row.hosts) or "—"),
        "findings": Text(f"⚠{row.findings}", style="yellow") if row.findings else Text("—"),
        "age": shown(row.age),
    }


def stack_key(kind: str, namespace: str, name: str) -> str:
    """The Stacks table's row key (:attr:`WorkloadRef.key`)."""
    return WorkloadRef(kind, namespace, name).key


def parse_stack_key(key: str) -> tuple[str, str, str] | None:
    """(kind, namespace, name) of a row key from :func:`stack_key`; None for a group row."""
    ref = WorkloadRef.parse(key)
    return None if ref is None else (ref.kind, ref.namespace, ref.name)


def stack_ages(source: Source, keys: Iterable[str], now: float) -> dict[str, Text]:
    """The AGE cells at ``now`` of the Stacks rows ``keys`` (group rows and stacks no longer
    cached left out): what a screen redraws when only time moved."""
    out: dict[str, Text] = {}
    for key in keys:
        parsed = parse_stack_key(key)
        if parsed is None:
            continue
        obj = workload(source, *parsed)
        if obj is not None:
            out[key] = Text(model_duration.age(u.meta(obj).get("creationTimestamp"), now))
    return out


class StacksPresenter:
    """The Stacks list for one screen: reads the source's incremental summary and reuses
    the cells of every stack whose row did not change, so a refresh of a big cluster costs
    what changed, plus one cheap pass over the rows, not a rebuild of what exists."""

    def __init__(self) -> None:
        self._group_signature: list[tuple[str, str, str, Any, Any]] = []
        self._groups_cache: tuple[model_grouping.Group, ...] = ()
        # Per summary row (by identity, the rows kept alive by ``_memo`` itself): its key,
        # its cells in the columns shown, and what grouping reads of its workload.
        self._memo: dict[int, _Memo] = {}
        self._columns: tuple[str, ...] = ()
        self._summary: tuple[model_stack.StackRow, ...] = ()
        self._last: tuple[Any, ...] | None = None
        self._view: TableView | None = None

    def _groups(self, source: Source, shown: Sequence[_Memo]) -> tuple[model_grouping.Group, ...]:
        """The applications among ``shown``, recomputed only when what grouping reads (the
        workloads shown, their labels and annotations) changed: under churn only statuses
        change, and regrouping 1,000 workloads on every refresh was most of its cost."""
        signature = [m.signature for m in shown if m.signature is not None]
        if signature != self._group_signature:
            items = []
            for m in shown:
                obj = workload(source, m.row.kind, m.row.namespace, m.row.name)
                if obj is not None:
                    items.append({**obj, "kind": m.row.kind})
            self._groups_cache, _loose = model_grouping.group_workloads(items)
            self._group_signature = signature
        return self._groups_cache

    def _memo_of(self, source: Source, row: model_stack.StackRow) -> _Memo:
        memo = self._memo.get(id(row))
        if memo is None or memo.row is not row:
            cells = GLYPHS.deep(_stack_cells(row))
            obj = workload(source, row.kind, row.namespace, row.name)
            signature = None
            if obj is not None:
                meta = u.meta(obj)
                signature = (
                    row.kind,
                    row.namespace,
                    row.name,
                    meta.get("labels"),
                    meta.get("annotations"),
                )
            memo = _Memo(
                row,
                stack_key(row.kind, row.namespace, row.name),
                tuple(cells[c] for c in self._columns),
                signature,
            )
        return memo

    def view(
        self,
        source: Source,
        now: float,
        *,
        columns: Sequence[str],
        name_filter: str = "",
        grouped: bool = False,
        kind: str | None = None,
    ) -> TableView:
        """Rows keyed as :func:`stack_key`, ordered most urgent first. ``grouped``: each
        application (standard labels, see model.grouping) as a group row followed by its
        workloads; the ungrouped ones after them. ``kind``: only workloads of that kind. The
        same view again (the very object) when nothing it shows changed."""
        if not source.synced():
            # Until every kind is listed a stack's counts would be wrong (pods not in yet:
            # 0/10 ready), and summarising a half-loaded cache is wasted work.
            self._view = None
            return TableView({}, {}, Text(GLYPHS.text("loading…")), summary="loading")
        namespace = None if source.all_namespaces else source.namespace
        summary = source.summary(now)
        # The summary by identity: an equal one may come from changed objects (labels).
        last = (id(summary), tuple(columns), name_filter, grouped, namespace, kind)
        view = self._view
        if view is not None and view.empty_message is None and last == self._last:
            return view
        if last[1] != self._columns:
            self._columns = last[1]
            self._memo = {}
        rows: dict[str, Cells] = {}
        order: dict[str, Any] = {}
        memos: dict[int, _Memo] = {}
        listed: list[_Memo] = []
        for rank, row in enumerate(summary):
            if namespace is not None and row.namespace != namespace:
                continue
            if source.selector and not source.selects(
                u.labels(workload(source, row.kind, row.namespace, row.name))
            ):
                continue
            if name_filter and not _matches(source, row, name_filter):
                continue
            if kind is not None and row.kind != kind:
                continue
            memo = memos[id(row)] = self._memo_of(source, row)
            rows[memo.key] = memo.cells
            order[memo.key] = rank
            listed.append(memo)
        self._memo = memos
        if grouped and listed:
            _group(self._groups(source, listed), columns, rows, order)
        empty = None
        if not rows:
            if summary and name_filter:
                empty = fmt("no {} matches {}", kind or "Deployment", repr(name_filter))
            elif summary and kind:
                empty = fmt("no {} in this scope (:stacks shows every kind)", kind)
            else:
                where = "any namespace" if namespace is None else f'namespace "{namespace}"'
                chosen = f" with labels {source.selector}" if source.selector else ""
                problem = source.kind_problem("deployments")
                message = problem or f"No Deployments found in {where}{chosen}."
                if not problem and namespace is not None and source.deployments_elsewhere:
                    message += " Other namespaces have some: a shows all namespaces, n picks one."
                empty = shown(message)
        self._summary = summary  # kept alive: its id is compared next time
        self._last = last
        chosen = f" -l {source.selector}" if source.selector else ""
        self._view = TableView(rows, order, empty, summary=f"{len(listed)} stacks{chosen}")
        return self._view

    def detail(self, key: str, columns: Sequence[tuple[str, str]]) -> list[tuple[str, Text]]:
        """(label, cell) of the row ``key`` as last viewed, in ``columns`` ((key, label)
        pairs): what the Stacks screen's detail line shows of the columns it leaves out.
        Empty for a group row or a row not shown."""
        memo = next((m for m in self._memo.values() if m.key == key), None)
        if memo is None:
            return []
        cells = _stack_cells(memo.row)
        return [(label, cells[column]) for column, label in columns if column in cells]


@dataclass(frozen=True)
class _Memo:
    row: model_stack.StackRow
    key: str
    cells: Cells
    signature: tuple[str, str, str, Any, Any] | None


def _group(
    groups: Sequence[model_grouping.Group],
    columns: Sequence[str],
    rows: dict[str, Cells],
    order: dict[str, Any],
) -> None:
    """Add a row per application and order its workloads (indented) under it; rows of
    workloads without an application label keep their order after the groups."""
    if not groups:
        return
    for index, group in enumerate(groups):
        ns = group.key.namespace
        members = [stack_key(kind, ns, name) for kind, name in group.members]
        members = [m for m in members if m in rows]
        key = f"{GROUP_PREFIX}{ns}/{group.key.name}"
        count = f"{len(members)} workload" + ("" if len(members) == 1 else "s")
        cells: dict[str, Text] = {
            "namespace": shown(ns),
            "name": fmt("▾ {}", group.key.title, style="bold"),
            "rollout": Text(count, style="dim"),
        }
        rows[key] = GLYPHS.deep(tuple(cells.get(c, Text()) for c in columns))
        order[key] = (index, -1)
        for member in members:
            name_cell = rows[member][columns.index("name")] if "name" in columns else Text()
            indented = Text("  ").append_text(name_cell)
            rows[member] = tuple(
                indented if c == "name" else cell
                for c, cell in zip(columns, rows[member], strict=True)
            )
            order[member] = (index, order[member])
    for key, rank in list(order.items()):
        if not isinstance(rank, tuple):
            order[key] = (len(groups), rank)


def _matches(source: Source, row: model_stack.StackRow, needle: str) -> bool:
    """Name substring, or ``key=value`` / ``key`` against the workload's labels."""
    labels = u.labels(workload(source, row.kind, row.namespace, row.name))
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
    kind: str = DEPLOYMENT,
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
        summary.append(fmt(" · ✗ {}", state.failing_pod, style="red"))
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
    symbol, style = STATE_STYLE.get(graph.rollout.state, ("?", ""))
    summary = Text()
    summary.append(model_workload.progress_bar(graph.rollout.progress, 10), style=style)
    summary.append(fmt(" {} {}", symbol, graph.rollout.label, style=style))
    summary.append(fmt(" · {} ready", graph.row.ready))

    rollout = Text()
    verdict = graph.status
    rollout.append(shown(f"error: {verdict.error}" if verdict.error else verdict.message, "bold"))
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
        rollout.append(f"\nrev {info.revision}  ", style="bold" if info.current else "")
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
        Text(f"No HorizontalPodAutoscaler targets this {kind}.", style="dim"),
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
    text.append(shown(f"error: {verdict.error}" if verdict.error else verdict.message, "bold"))
    for rs in sorted(graph.owned, key=lambda r: -(model_replicasets.revision_of(r) or 0)):
        desired = u.i(u.path(rs, "spec", "replicas"))
        current = u.i(u.path(rs, "status", "replicas"))
        new = u.name(rs) == state.new_replicaset
        if not desired and not current and not new:
            continue
        ready = u.i(u.path(rs, "status", "readyReplicas"))
        available = u.i(u.path(rs, "status", "availableReplicas"))
        fraction = available / desired if desired else (0.0 if current else 1.0)
        text.append(f"\nrev {model_replicasets.revision_of(rs)}  ", style="bold" if new else "")
        text.append(fmt("{}  ", u.name(rs)))
        text.append(model_workload.progress_bar(fraction, 9), style="green" if new else "dim")
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
        text.append(fmt("\n✗ {}  ", state.failing_pod, style="red bold"))
        text.append(shown(state.failing_reason, style="red"))
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
            shown(readiness.text, style="red" if readiness.failing else ""),
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
        text = Text("No HorizontalPodAutoscaler targets this Deployment.", style="dim")
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
            text.append("  " + model_hpa.sparkline(samples.metric_values(), SPARK), style="cyan")
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
    text.append("  " + model_hpa.sparkline(samples.replica_values(), SPARK), style="cyan")
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
            text.append(fmt("  {}", cond.message, style="dim"))
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
        ok = "green" if svc.ready else "red"
        line(
            (f"svc/{svc.name}  {svc.type} {svc.ports}  endpoints ", ""),
            (f"✓{svc.ready}", ok),
            (f" ✗{svc.not_ready}" if svc.not_ready else "", "red"),
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
        line((f"{kind}/{ref.name}  {', '.join(ref.uses)}{extra}", ""), (state, "red"))
    named = {r.name for r in config if r.kind == "PersistentVolumeClaim"}
    for claim in claims:
        if claim.name in named:
            continue
        state = claim.phase or "missing"
        size = claim.capacity or claim.requested
        line(
            (f"pvc/{claim.name}  {state}", "" if state == "Bound" else "yellow"),
            (f"  {size}  {claim.storage_class or '(no class)'}", ""),
        )
    if not services:
        line(("no Service selects these pods", "dim"))
    for finding in findings:
        error = finding.severity == model_findings.ERROR
        symbol, style = ("✗", "red") if error else ("⚠", "yellow")
        line((f"{symbol} {finding.message}", style))
    for kind in sorted(forbidden):
        line((f"⚠ {kind} not shown: {forbidden[kind] or 'forbidden'}", "yellow"))
    return text


def containers_of(source: Source, namespace: str, pod: str) -> list[str]:
    """The pod's container names, in spec order."""
    obj = source.get("pods", namespace, pod)
    return [u.s(c.get("name")) for c in u.dicts(u.path(obj, "spec", "containers"))]


# -- YAML --------------------------------------------------------------------------------


def cached_object(source: Source, kind: str, namespace: str, name: str) -> Obj | None:
    """The cached object the YAML view shows (the same object until it changes: the cache
    replaces, never mutates)."""
    return source.get(K.store_key(kind), namespace, name)


def object_yaml(source: Source, kind: str, namespace: str, name: str) -> Text | Syntax:
    """The object as ``kubectl get -o yaml`` (Secret values redacted by the model)."""
    obj = cached_object(source, kind, namespace, name)
    if obj is None:
        return fmt('{} "{}" not found (it may have been deleted)', kind.lower(), name)
    # PyYAML escapes control characters itself, but not bidi overrides or U+0085.
    yaml_text = document(model_yamlview.to_yaml(cut_strings(obj)))
    from rich.syntax import Syntax  # pygments: not before the first screen

    return Syntax(yaml_text, "yaml", theme="ansi_dark", word_wrap=True)
