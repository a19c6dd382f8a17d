"""How the presenters' cells look: the meanings they colour by, the symbols that carry the
same meaning without colour, and the table view value the list screens render.

Presenters never name a colour: they name a meaning (:data:`SUCCESS`, :data:`WARNING`,
:data:`ERROR` ...), and every one is paired with a symbol or a word, so a state reads without
colour too (STYLE.md).

How colours reach the terminal: a meaning is a Rich *style name* (``stack.success``), not a
colour. Rich looks a style name up in its console's theme when the text is drawn (a table
cell) or handed to a widget (``Static.update``), and :mod:`kubectl_stack.ui.theme` keeps the
app console's theme filled from the Textual theme in use: each meaning is the theme variable
:data:`THEME_VARIABLES` names (``$text-success``, the success colour made legible as text).
Changing the app's theme re-colours what is shown; ``NO_COLOR`` still wins (Textual's
monochrome filter runs after); a 16-colour terminal gets the ANSI theme's colours, which stay
distinct where the theme's own would fall on one (see the theme module). ``MUTED`` and
``STRONG`` are text attributes, the same in every theme. No colour is spelled here or in any
presenter; ``tests/ui/test_theme_colours.py`` fails if one comes back to ``kubectl_stack/ui``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text

from ...model import pods as model_pods
from ...model.workloads import base as model_workload
from ...model.workloads import deployment as model_deployment
from .text import fmt, shown

SUCCESS = "stack.success"
"""Healthy, complete, ready."""
WARNING = "stack.warning"
"""Progressing, a finding, a Warning event: look soon."""
ERROR = "stack.error"
"""Failing, missing, a removed line of a diff: look now."""
PAUSED = "stack.paused"
"""A rollout paused on purpose."""
TREND = "stack.trend"
"""Sparklines: history, not state."""
MUTED = "dim"
"""Terminating, old, explanations."""
STRONG = "bold"
"""Names and the current revision."""

THEME_VARIABLES = {
    SUCCESS: "text-success",
    WARNING: "text-warning",
    ERROR: "text-error",
    PAUSED: "text-primary",
    TREND: "text-secondary",
}
"""The Textual theme variable each coloured meaning is drawn in (the ``text-`` variants are
the theme's colours adjusted to read as text on its background)."""

# Text, never str: a str cell is read as markup by the table (see presenters.text).
Cells = tuple[Text, ...]


def draws_same(a: Text, b: Text) -> bool:
    """Whether two cells draw the same: text, spans and every setting (``Text.__eq__``
    leaves the base style out: a cell that changes colour alone would not be redrawn)."""
    return a is b or (
        a.plain == b.plain
        and a.spans == b.spans
        and (a.style, a.justify, a.overflow, a.no_wrap, a.end, a.tab_size)
        == (b.style, b.justify, b.overflow, b.no_wrap, b.end, b.tab_size)
    )


def reuse_cells(before: Cells, made: Cells) -> Cells:
    """``made`` with each cell that draws the same as the one at its place in ``before``
    taken from ``before`` (``before`` itself when all do): a table keeps the cells it shows,
    so a row rebuilt under churn holds one copy of its unchanged cells, not two."""
    if len(before) != len(made):
        return made
    kept = tuple(b if draws_same(b, m) else m for b, m in zip(before, made, strict=True))
    return before if all(k is b for k, b in zip(kept, before, strict=True)) else kept


HEALTH_SYMBOL = {
    model_pods.HEALTHY: ("✓", SUCCESS),
    model_pods.PROGRESSING: ("◐", WARNING),
    model_pods.WARNING: ("⚠", WARNING),
    model_pods.FAILING: ("✗", ERROR),
    model_pods.TERMINATING: ("◌", MUTED),
}
"""The model's health classes, each with a symbol so the state reads without colour."""

STATE_STYLE = {
    model_workload.COMPLETE: ("✓", SUCCESS),
    model_workload.PROGRESSING: ("◐", WARNING),
    model_workload.PAUSED: ("⏸", PAUSED),
    model_workload.DEADLINE_EXCEEDED: ("✗", ERROR),
}
"""Rollout states, each with its symbol."""

_SYMBOL_STYLE = {
    "✓": SUCCESS,
    "◐": WARNING,
    "⚠": WARNING,
    "✗": ERROR,
    "⟳": ERROR,
    "◌": MUTED,
}


def rollout_text(state: str, label: str, progress: float, width: int = 8) -> Text:
    """A rollout as a progress bar, its symbol and the model's label (a paused rollout: no
    bar, it is not moving)."""
    symbol, style = STATE_STYLE.get(state, ("?", ""))
    text = Text()
    if state == model_workload.PAUSED:
        text.append(fmt("{} {}", symbol, label, style=style))
        return text
    text.append(model_workload.progress_bar(progress, width), style=style)
    text.append(fmt(" {} {}", symbol, label, style=style))
    return text


def rollout_cell(state: model_deployment.Rollout, width: int = 8) -> Text:
    """:func:`rollout_text` of a Deployment's rollout."""
    return rollout_text(state.state, state.label, state.progress, width)


def symbols(text: str) -> Text:
    """Colour the model's symbol strings (``✓5 ◐1 ✗1``); the symbols carry the meaning."""
    out = Text()
    for i, part in enumerate(text.split(" ")):
        if i:
            out.append(" ")
        out.append(shown(part, style=_SYMBOL_STYLE.get(part[:1], "")))
    return out


@dataclass(frozen=True)
class TableView:
    """What a table screen shows: cells by row key, each row's sort rank, the message shown
    instead of an empty table, and a summary for the title bar."""

    rows: dict[str, Cells]
    order: dict[str, Any]
    empty_message: Text | None = None
    summary: str = ""
