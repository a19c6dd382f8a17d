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

from ...model.ref import WorkloadRef
from ..presenters import history as present_history
from ..presenters.style import TableView
from ..presenters.text import fmt
from ..widgets.bars import Banner, KeysFooter, TopBar
from ..widgets.table import KeyedTable
from .base import ClusterScreen
from .stack_actions import WorkloadActions, on_workload


class HistoryScreen(ClusterScreen):
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

    def __init__(self, ref: WorkloadRef) -> None:
        super().__init__()
        self.ref = ref
        self.title = f"History {ref.name}"

    def compose(self) -> ComposeResult:
        yield TopBar()
        yield Banner()
        ref = self.ref
        yield Static(fmt("history · {}/{}", ref.kind.lower(), ref.name), id="history-title")
        yield KeyedTable(present_history.history_columns(ref.kind), id="revisions")
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
            ref = self.ref
            self.view = present_history.history_view(
                self.source, ref.namespace, ref.name, self.stack_app.now(), ref.kind
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
        ref = self.ref
        diff.update(
            present_history.history_diff(self.source, ref.namespace, ref.name, revision, ref.kind)
        )

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_cursor_down(self) -> None:
        self.table.action_cursor_down()

    def action_cursor_up(self) -> None:
        self.table.action_cursor_up()

    def workload(self) -> WorkloadRef:
        """The workload whose history is shown."""
        return self.ref

    def action_undo(self) -> None:
        """Undo to the revision under the cursor."""
        WorkloadActions(self).undo(self.ref, self.selected_revision())

    action_describe = on_workload(WorkloadActions.describe)
    action_yaml = on_workload(WorkloadActions.yaml)
