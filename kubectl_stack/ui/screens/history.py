"""History: a workload's revisions as ``kubectl rollout history`` lists them (ReplicaSets of a
Deployment, ControllerRevisions of a StatefulSet or DaemonSet), with the pod-template diff
between the revision under the cursor and the current one."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.reactive import reactive
from textual.widgets import DataTable, Static

from ... import kinds as K
from ..presenters import history as present_history
from ..presenters.style import TableView
from ..presenters.text import fmt
from ..widgets.bars import Banner, KeysFooter, TopBar
from ..widgets.table import KeyedTable
from . import stack_actions


class HistoryScreen(stack_actions.StackActions):
    """Row keys are revision numbers; ``u`` on a row undoes to that revision (after the
    confirm dialog)."""

    TITLE = "History"

    view: reactive[TableView | None] = reactive(None, always_update=True, repaint=False, init=False)
    """The revisions as the presenter last listed them; rendered by :meth:`watch_view`."""
    BINDINGS = [
        Binding("escape", "back", "Back", id="history.back"),
        Binding("down,j", "cursor_down", "Down", show=False, id="history.down"),
        Binding("up,k", "cursor_up", "Up", show=False, id="history.up"),
        Binding("u", "undo", "Undo to this", id="undo"),
        Binding("d", "describe", "Describe", id="describe"),
        Binding("y", "yaml", "YAML", id="yaml"),
    ]

    def __init__(self, namespace: str, name: str, *, kind: str = K.DEFAULT_WORKLOAD.kind) -> None:
        super().__init__()
        self.namespace = namespace
        self.name_ = name
        self.kind = kind
        self.title = f"History {name}"

    def compose(self) -> ComposeResult:
        yield TopBar()
        yield Banner()
        yield Static(fmt("history · {}/{}", self.kind.lower(), self.name_), id="history-title")
        yield KeyedTable(present_history.history_columns(self.kind), id="revisions")
        with VerticalScroll(id="history-diff-box", classes="panel") as box:
            box.border_title = "Template diff"
            yield Static(id="history-diff")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#revisions").focus()

    @property
    def table(self) -> KeyedTable:
        return self.query_one("#revisions", KeyedTable)

    def refresh_data(self) -> None:
        """The presenter's revisions now, assigned in one batch (:meth:`watch_view`)."""
        with self.app.batch_update():
            self.view = present_history.history_view(
                self.source, self.namespace, self.name_, self.stack_app.now(), self.kind
            )

    def watch_view(self, view: TableView | None) -> None:
        if view is None:
            return
        self.table.sync(view.rows, order=view.order)
        self._show_diff()
        self.update_top_bar()

    def selected_revision(self) -> int | None:
        key = self.table.selected_key
        return None if key is None else int(key)

    @on(DataTable.RowHighlighted, "#revisions")
    def _highlighted(self) -> None:
        self._show_diff()

    def _show_diff(self) -> None:
        revision = self.selected_revision()
        box = self.query_one("#history-diff-box")
        diff = self.query_one("#history-diff", Static)
        if revision is None:
            diff.update("")
            return
        box.border_title = fmt("Template diff: current → revision {}", revision)
        diff.update(
            present_history.history_diff(
                self.source, self.namespace, self.name_, revision, self.kind
            )
        )

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_cursor_down(self) -> None:
        self.table.action_cursor_down()

    def action_cursor_up(self) -> None:
        self.table.action_cursor_up()

    def target_workload(self) -> tuple[str, str, str] | None:
        return self.kind, self.namespace, self.name_

    def preferred_undo_revision(self) -> int | None:
        return self.selected_revision()
