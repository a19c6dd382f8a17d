"""Help: every key of the screen it was opened from (and, on the demo cluster, how to reach it
with kubectl)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ..presenters.text import fmt, shown


class HelpScreen(ModalScreen[None]):
    """Lists (keys, description) pairs; any of esc, q, ? closes it."""

    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close", id="help.close")]

    def __init__(self, title: str, keys: Sequence[tuple[str, str]], note: str = "") -> None:
        super().__init__()
        self._title = title
        self.keys = list(keys)
        """The (keys, description) rows shown, in order."""
        self._note = note

    def compose(self) -> ComposeResult:
        # Two pairs of columns: every key of a screen fits on an 80x24 terminal.
        table = Table.grid(padding=(0, 2))
        for _ in range(2):
            table.add_column(style="bold", no_wrap=True)
            table.add_column()
        half = (len(self.keys) + 1) // 2
        left, right = self.keys[:half], self.keys[half:]
        for i, (keys, description) in enumerate(left):
            more = right[i] if i < len(right) else ("", "")
            # Our words, but Rich would read a str cell as markup: Text, as all text is.
            table.add_row(*map(shown, (keys, description, *more)))
        with VerticalScroll(id="help-body") as body:
            body.border_title = fmt("Keys · {}", self._title)
            body.border_subtitle = "esc close"
            if self._note:
                yield Static(Text(self._note), id="help-note")
            yield Static(table)

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
