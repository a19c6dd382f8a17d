"""The History screen and the undo dialog: a workload's revisions as ``kubectl rollout
history`` lists them, the pod-template diff to one of them, and what ``kubectl rollout undo``
would do. Each kind's revisions come from its :class:`~kubectl_stack.model.workloads.base.
WorkloadKind` (ReplicaSets of a Deployment, ControllerRevisions of the others)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from rich.text import Text

from ...model import workloads as model_workloads
from ...model.workloads import templates as model_templates
from ...model.workloads.base import Revision, UndoPlan, WorkloadKind
from ..source import Source
from .style import ERROR, STRONG, SUCCESS, Cells, TableView
from .text import fmt, shown

HISTORY_COLUMNS = [
    ("revision", "REVISION"),
    ("cause", "CHANGE-CAUSE"),
    ("images", "IMAGES"),
    ("replicaset", "REPLICASET"),
    ("ready", "READY"),
    ("age", "AGE"),
]


def history_columns(kind: str) -> list[tuple[str, str]]:
    """The History table's columns: the fourth names the objects keeping the revisions (a
    Deployment's ReplicaSets, the others' ControllerRevisions)."""
    keeper = model_workloads.for_kind(kind).revisions.kind.upper()
    return [(k, keeper if k == "replicaset" else t) for k, t in HISTORY_COLUMNS]


def _lookup(
    source: Source, kind: str, namespace: str, name: str
) -> tuple[WorkloadKind, Mapping[str, Any] | None, list[Mapping[str, Any]]]:
    """The kind's interface, the cached workload (None: not cached) and the namespace's
    objects of the kind that keeps its revisions."""
    interface = model_workloads.for_kind(kind)
    obj = source.get(interface.kind.name, namespace, name)
    candidates = source.objects(interface.revisions.name, namespace) if obj is not None else []
    return interface, obj, candidates


def history_view(source: Source, namespace: str, name: str, now: float, kind: str) -> TableView:
    """Revisions newest first, the current one marked ``*``."""
    interface, obj, candidates = _lookup(source, kind, namespace, name)
    if obj is None:
        return TableView({}, {}, fmt('{} "{}" not found', kind.lower(), name))
    return _history_table(interface.history(obj, candidates, now))


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


def diff_text(lines: Sequence[model_templates.DiffLine]) -> Text:
    """Template diff lines, the old value struck in the error colour, the new in success's."""
    text = Text()
    paths = [shown(line.path, style=STRONG) for line in lines]
    width = max((path.cell_len for path in paths), default=0)
    for i, (path, line) in enumerate(zip(paths, lines, strict=True)):
        if i:
            text.append("\n")
        path.pad_right(width + 2 - path.cell_len)
        text.append(path)
        text.append(fmt("- {}", line.old, style=ERROR))
        text.append(fmt("  →  "))
        text.append(fmt("+ {}", line.new, style=SUCCESS))
    return text


def history_diff(source: Source, namespace: str, name: str, revision: int, kind: str) -> Text:
    """What would change if the workload went back to ``revision``."""
    interface, obj, candidates = _lookup(source, kind, namespace, name)
    if obj is None:
        return Text("")
    target = interface.template(obj, candidates, revision)
    if target is None:
        return Text(f"revision {revision} is no longer in the history")
    lines = model_templates.template_diff(_template(obj), target)
    if not lines:
        return Text(f"revision {revision} has the current pod template")
    return diff_text(lines)


def _template(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    spec = obj.get("spec")
    template = spec.get("template") if isinstance(spec, Mapping) else None
    return template if isinstance(template, Mapping) else {}


# -- undo ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RevisionChoice:
    """One revision the undo dialog offers."""

    revision: int
    label: Text


@dataclass(frozen=True)
class UndoInfo:
    """What the undo dialog needs. ``problem`` set = nothing to offer (kubectl's words)."""

    problem: str | None
    current: int = 0
    target: int = 0
    choices: tuple[RevisionChoice, ...] = ()
    diff_for: Callable[[int], Sequence[Text]] = field(default=lambda _r: ())


def undo_info(
    source: Source, namespace: str, name: str, preferred: int | None, kind: str
) -> UndoInfo:
    """The undo dialog's content from the kind's undo plan and revision history;
    ``preferred``: the revision proposed (None: kubectl's default, the previous one)."""
    interface, obj, candidates = _lookup(source, kind, namespace, name)
    if obj is None:
        return UndoInfo(f'{kind.lower()} "{name}" not found')
    plan_for = partial(interface.undo_plan, obj, candidates)
    plan = plan_for(preferred or 0)
    if plan.error:
        return UndoInfo(plan.error)
    history = interface.history(obj, candidates, 0.0)
    choices = tuple(
        RevisionChoice(
            r.revision, fmt("rev {}  {}  {}", r.revision, ", ".join(r.images), r.change_cause)
        )
        for r in reversed(history)
        if not r.current
    )

    def diff_for(revision: int) -> Sequence[Text]:
        planned: UndoPlan = plan_for(revision)
        if planned.error:
            return [shown(planned.error)]
        if planned.skipped:
            return [shown(planned.message)]
        return [diff_text([line]) for line in planned.diff]

    return UndoInfo(None, plan.from_revision, plan.to_revision, choices, diff_for)
