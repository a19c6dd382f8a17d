"""Port-forwards: every ``kubectl port-forward`` the app started (``:pf``), its local
address, and whether it still runs. A forward whose kubectl exited on its own (its pod died,
the local port was taken, the connection dropped) stays listed as broken with kubectl's last
line, until it is removed. The forwards belong to the app: they survive screen changes and
end when the app ends."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from ..presenters.text import fmt, shown
from ..widgets.bars import Banner, KeysFooter, TopBar
from ..widgets.table import KeyedTable
from .base import ClusterScreen

COLUMNS = [
    ("target", "TARGET"),
    ("namespace", "NAMESPACE"),
    ("address", "LOCAL → REMOTE"),
    ("state", "STATE"),
    ("reason", "LAST MESSAGE"),
]
STATE_MARK = {"starting": "◐", "forwarding": "✓", "broken": "✗", "stopped": "■"}


class ForwardsScreen(ClusterScreen):
    """The list of port-forwards; ``x`` ends the one under the cursor (or removes it from the
    list once it has ended)."""

    TITLE = "Port-forwards"
    BINDINGS = [
        Binding("escape", "back", "Back", id="forwards.back"),
        Binding("x", "stop", "Stop/remove", id="forwards.stop"),
        Binding("down,j", "cursor_down", "Down", show=False, id="forwards.down"),
        Binding("up,k", "cursor_up", "Up", show=False, id="forwards.up"),
    ]

    def compose(self) -> ComposeResult:
        yield TopBar()
        yield Banner()
        yield Static(id="forwards-empty")
        yield KeyedTable(COLUMNS, id="forwards")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#forwards", KeyedTable).focus()

    def refresh_data(self) -> None:
        rows: dict[str, tuple[Text, ...]] = {}
        for index, forward in enumerate(self.stack_app.forwards):
            local = f"127.0.0.1:{forward.local_port}" if forward.local_port else "…"
            state = forward.state
            rows[str(index)] = (
                shown(forward.target),
                shown(forward.namespace),
                fmt("{} → {}", local, forward.remote),
                fmt("{} {}", STATE_MARK[state], state),
                # kubectl's own words, which may quote cluster names.
                shown(forward.reason),
            )
        self.query_one("#forwards", KeyedTable).sync(rows, order={k: int(k) for k in rows})
        empty = self.query_one("#forwards-empty", Static)
        empty.set_class(bool(rows), "hidden")
        if not rows:
            empty.update("No port-forwards: F (shift+f) on a pod or a stack starts one.")
        self.update_top_bar()

    def action_stop(self) -> None:
        key = self.query_one("#forwards", KeyedTable).selected_key
        if key is None:
            return
        forward = self.stack_app.forwards[int(key)]
        if forward.state in ("starting", "forwarding"):
            self.run_worker(forward.stop(), group="forwards-stop")
            self.stack_app.tell(f"port-forward {forward.target} stopped")
        else:
            del self.stack_app.forwards[int(key)]
        self.refresh_data()

    def action_cursor_down(self) -> None:
        self.query_one("#forwards", KeyedTable).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one("#forwards", KeyedTable).action_cursor_up()

    def action_back(self) -> None:
        self.app.pop_screen()
