"""The Stacks list: one row per workload, most urgent first, grouped by application; kept
incrementally (:class:`StacksPresenter`) so that a refresh of a big cluster costs what
changed."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from rich.text import Text

from ... import kinds as K
from ...model import duration as model_duration
from ...model import fields as u
from ...model import grouping as model_grouping
from ...model import stack as model_stack
from ...model.ref import GROUP_PREFIX, WorkloadRef
from ..glyphs import GLYPHS
from ..source import Source
from .objects import workload
from .style import (
    ERROR,
    MUTED,
    STRONG,
    WARNING,
    Cells,
    TableView,
    reuse_cells,
    rollout_text,
    symbols,
)
from .text import fmt, shown

__all__ = [
    "GROUP_PREFIX",
    "StacksPresenter",
    "parse_stack_key",
    "stack_ages",
    "stack_columns",
    "stack_key",
]

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


def stack_columns(*, wide: bool, all_namespaces: bool) -> list[tuple[str, str]]:
    """The Stacks table's columns for the terminal width."""
    columns = list(_STACK_COLUMNS_WIDE)
    if all_namespaces:
        columns.insert(0, ("namespace", "NAMESPACE"))
    if not wide:
        columns = [c for c in columns if c[0] in _NARROW]
    return columns


def _stack_cells(row: model_stack.StackRow) -> dict[str, Text]:
    rollout = rollout_text(row.rollout_state, row.rollout_label, row.progress)
    hpa = row.hpa_targets + (f"  {row.hpa_replicas}" if row.hpa_replicas else "")
    return {
        "namespace": shown(row.namespace),
        "name": shown(row.display_name),
        "rollout": rollout,
        "ready": shown(row.ready),
        "uptodate": Text(str(row.up_to_date)),
        "available": Text(str(row.available)),
        "pods": symbols(row.pods_text),
        "probes": shown(row.probes_text, style=ERROR if row.failing_probes else ""),
        "hpa": shown(hpa),
        "svc": shown(row.svc_text),
        "hosts": shown(", ".join(row.hosts) or "—"),
        "findings": Text(f"⚠{row.findings}", style=WARNING) if row.findings else Text("—"),
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
        # The cells last made for each row key: a row rebuilt reuses those still equal,
        # so the table (which keeps the cells it shows) and this hold one copy of them.
        self._cells: dict[str, Cells] = {}
        self._columns: tuple[str, ...] = ()
        self._summary: tuple[model_stack.StackRow, ...] = ()
        self._last: tuple[Any, ...] | None = None
        self._view: TableView | None = None

    def _groups(self, source: Source, shown: Sequence[_Memo]) -> tuple[model_grouping.Group, ...]:
        """The applications among ``shown``, recomputed only when what grouping reads (the
        workloads shown, their labels and annotations) changed: under churn only statuses
        change, and regrouping every workload on each refresh was most of its cost
        (bench/README.md, "Figures behind the comments")."""
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
            key = stack_key(row.kind, row.namespace, row.name)
            made = tuple(cells[c] for c in self._columns)
            before = self._cells.get(key)
            if before is not None:
                made = reuse_cells(before, made)
            self._cells[key] = made
            memo = _Memo(row, key, made, signature)
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
            self._cells = {}
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
        if len(self._cells) > len(memos):  # rows gone (or filtered out): not kept
            self._cells = {m.key: m.cells for m in memos.values()}
        if grouped and listed:
            _group(self._groups(source, listed), columns, rows, order)
        empty = None
        if not rows:
            if summary and name_filter:
                empty = fmt("no {} matches {}", kind or K.DEFAULT_WORKLOAD.kind, repr(name_filter))
            elif summary and kind:
                empty = fmt("no {} in this scope (:stacks shows every kind)", kind)
            else:
                where = "any namespace" if namespace is None else f'namespace "{namespace}"'
                chosen = f" with labels {source.selector}" if source.selector else ""
                problems = (source.kind_problem(k.name) for k in K.WORKLOADS.values())
                problem = next((p for p in problems if p), None)
                message = problem or f"No {_workload_words()} found in {where}{chosen}."
                if not problem and namespace is not None and source.workloads_elsewhere:
                    message += " Other namespaces have some: a shows all namespaces, n picks one."
                empty = shown(message)
        self._summary = summary  # kept alive: its id is compared next time
        self._last = last
        chosen = f" -l {source.selector}" if source.selector else ""
        self._view = TableView(
            rows, order, empty, summary=f"{_counted(len(listed), 'stack')}{chosen}"
        )
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
        cells: dict[str, Text] = {
            "namespace": shown(ns),
            "name": fmt("▾ {}", group.key.title, style=STRONG),
            "rollout": Text(_counted(len(members), "workload"), style=MUTED),
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


def _counted(count: int, noun: str) -> str:
    """``1 stack``, ``3 stacks``."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _workload_words() -> str:
    """``Deployments, StatefulSets or DaemonSets``: every workload kind the list shows."""
    *others, last = [f"{kind}s" for kind in K.WORKLOADS]
    return f"{', '.join(others)} or {last}" if others else last
