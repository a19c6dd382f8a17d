"""From the cache to what the screens show: calls the model for every meaning, and only
arranges its strings into cells, lines and symbols.

Every function takes the :class:`~.source.Source` and ``now`` (epoch seconds) and returns
plain values, so screens stay thin and snapshots are deterministic under a frozen ``now``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rich.text import Text

from ..model import events as model_events
from ..model import history as model_history
from ..model import pods as model_pods
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


def _deployments(source: Source, namespace: str | None) -> list[Mapping[str, Any]]:
    return source.objects("deployments", namespace)


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
