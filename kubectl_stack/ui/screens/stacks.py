"""Stacks: one row per workload (Deployment, StatefulSet, DaemonSet), most urgent first,
grouped by application when the standard labels say so, updated live."""

from __future__ import annotations

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.reactive import reactive
from textual.widgets import DataTable, Static

from ...model.ref import WorkloadRef
from ..presenters import stacks as present_stacks
from ..presenters.style import TableView
from ..widgets.bars import Banner, KeysFooter, TopBar
from ..widgets.table import DetailLine, KeyedTable
from ..widgets.text_input import TextInput
from . import kubectl_actions, stack_actions
from .dialogs import PickerDialog
from .stack_actions import WorkloadActions, on_workload

WIDE = 120  # columns at which every column fits


class StacksScreen(kubectl_actions.KubectlActions):
    """The start screen. Row keys are :func:`present_stacks.stack_key`'s (group rows: their own)."""

    TITLE = "Stacks"
    # The list has the keys from its first frame: Textual's default focused the first
    # focusable widget, the hidden filter, and the focus moved to the table a frame later,
    # repainting every visible cell in the focused background (22 KB at 200x60).
    AUTO_FOCUS = ".stacks-table"

    view: reactive[TableView | None] = reactive(None, always_update=True, repaint=False, init=False)
    """The list as the presenter last saw it (:meth:`StacksPresenter.view`); each assignment
    is rendered by :meth:`watch_view`."""
    BINDINGS = [
        Binding("down,j", "cursor_down", "Down", show=False, id="stacks.down"),
        Binding("up,k", "cursor_up", "Up", show=False, id="stacks.up"),
        Binding("enter", "open", "Open", id="open"),
        Binding("slash", "filter", "Filter", id="filter"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="stacks.clear-filter"),
        Binding("o", "sort_next", "Sort", show=False, id="sort"),
        Binding("O", "sort_reverse", "Reverse sort", show=False, id="sort-reverse"),
        Binding("n", "pick_namespace", "Namespace", show=False, id="namespace"),
        Binding("c", "app.pick_context", "Context", show=False, id="context"),
        Binding("a", "all_namespaces", "All namespaces", show=False, id="all-namespaces"),
        Binding("g", "toggle_groups", "Group/flat", show=False, id="group"),
        *stack_actions.BINDINGS,
        *kubectl_actions.BINDINGS,
    ]

    def __init__(self) -> None:
        super().__init__()
        self._filter = ""
        self._typing_filter = False  # the keys go to the filter (from / until Enter or Esc)
        self.grouped = True
        self._wide: bool | None = None
        self._pending_select: str | None = None
        self._table: KeyedTable | None = None
        self._presenter = present_stacks.StacksPresenter()
        self._summary = ""
        self._empty_message = Text()
        self._synced: TableView | None = None  # what the table holds
        self._keys_scope: tuple[str, str] | None = None  # what the footer's keys were for
        self._detail_for: tuple[object, ...] = ()
        self.kind_filter: str | None = None
        """Only workloads of this kind (``:deploy``, ``:sts``, ``:ds``); None: every kind."""

    def compose(self) -> ComposeResult:
        yield TopBar()
        yield Banner()
        yield TextInput(placeholder="filter: name, or label=value", id="filter", classes="hidden")
        yield Static("", id="stacks-empty", classes="hidden")
        yield DetailLine(id="stacks-detail")
        yield KeysFooter()

    def on_mount(self) -> None:
        self._ensure_table()

    def on_resize(self) -> None:
        if self._ensure_table():
            self.refresh_data()

    @property
    def table(self) -> KeyedTable:
        # A reference, not a query: right after a width change the old table is still in
        # the DOM while it is being removed.
        assert self._table is not None, "created on mount"
        return self._table

    def _ensure_table(self) -> bool:
        """(Re)create the table when the column set must change with the width; the cursor
        row is kept. Returns True when a new table was mounted."""
        wide = self.app.size.width >= WIDE
        if wide == self._wide:
            return False
        self._wide = wide
        old = self._table
        columns = present_stacks.stack_columns(wide=wide, all_namespaces=self.source.all_namespaces)
        table = KeyedTable(columns, classes="stacks-table")
        if old is not None:
            self._pending_select = old.selected_key
            if old.sort_column in dict(columns):
                table.sort_column, table.sort_reverse = old.sort_column, old.sort_reverse
            old.remove()
        self._table = table
        self._synced = None  # the new table is empty: the next view is synced whole
        self.mount(table, before=self.query_one("#stacks-empty"))
        # A resize across the wide layout while a filter is typed leaves the keys there: on the
        # table, the rest of the name would be the list's keys (the y of my-app: the YAML).
        if not self._typing_filter:
            table.focus()
        return True

    def refresh_data(self) -> None:
        """The app's notification that the cluster or the clock moved: the presenter's view
        of the list now (the very same object when nothing shown changed), assigned in one
        batch; :meth:`watch_view` renders it."""
        if self._table is None:
            # The app's tick or a store notification can arrive between the screen starting
            # and its mount handler creating the table; resuming it draws the first view.
            return
        with self.app.batch_update():
            self.view = self._presenter.view(
                self.source,
                self.stack_app.now(),
                columns=self._table.column_keys,
                name_filter=self._filter,
                grouped=self.grouped,
                kind=self.kind_filter,
            )

    def watch_view(self, view: TableView | None) -> None:
        if view is None or self._table is None:
            return
        table = self._table
        if view is not self._synced:
            self._synced = view
            table.sync(view.rows, order=view.order)
        if self._pending_select is not None:
            table.select_key(self._pending_select)
            self._pending_select = None
        message = view.empty_message or Text()
        if message != self._empty_message:
            # Static.update lays the screen out again, which repaints every scrollbar: only
            # when the text changes (bench/README.md, "Figures behind the comments").
            self._empty_message = message
            empty = self.query_one("#stacks-empty", Static)
            empty.update(message)
            empty.set_class(not message, "hidden")
        self._summary = view.summary
        if self.kind_filter is not None:
            self._summary += f" · {self.kind_filter}s only (:stacks for all)"
        self._show_detail()
        self.update_top_bar()

    @on(DataTable.RowHighlighted, ".stacks-table")
    def _row_highlighted(self) -> None:
        # After the frame that moves the cursor: a key is answered first.
        self.call_after_refresh(self._show_detail)
        # The keys act on this row: in another namespace or kind, RBAC may allow other keys.
        scope = self.action_scope()
        if scope != self._keys_scope:
            self._keys_scope = scope
            self.refresh_bindings()

    def _show_detail(self) -> None:
        """The row under the cursor in the columns the terminal's width leaves out (UX: at
        80 columns UP-TO-DATE, SVC, AGE … drop out of the table)."""
        table = self._table
        if table is None:
            return
        key = table.selected_key
        # The same row of the same view at the same width shows the same cells.
        state = (key, id(self._synced), table.size, table.scroll_x)
        if state == self._detail_for:
            return
        self._detail_for = state
        shown = set(table.column_keys) - set(table.cut_columns())
        left_out = [
            column
            for column in present_stacks.stack_columns(
                wide=True, all_namespaces=self.source.all_namespaces
            )
            if column[0] not in shown
        ]
        cells = self._presenter.detail(key, left_out) if key is not None else []
        self.query_one("#stacks-detail", DetailLine).show(cells)

    def update_top_bar(self, extra: str = "") -> None:
        super().update_top_bar(extra or self._summary)

    def tick(self) -> None:
        if self._table is None:
            return
        now = self.stack_app.now()
        if self.source.summary_due(now):
            super().tick()
            return
        # Only the clock, a retry countdown and ages moved: ages are redrawn for the rows in
        # view and only where the printed text changes (a big idle cluster is not refreshed
        # whole every second).
        self.show_connection()
        table = self._table
        if "age" in table.column_keys:
            table.set_cells(
                "age", present_stacks.stack_ages(self.source, table.visible_keys(), now)
            )

    # -- navigation -------------------------------------------------------------------------

    def action_cursor_down(self) -> None:
        self.table.action_cursor_down()

    def action_cursor_up(self) -> None:
        self.table.action_cursor_up()

    def selected(self) -> WorkloadRef | None:
        """The workload under the cursor; None on a group row."""
        key = self.table.selected_key
        return None if key is None else WorkloadRef.parse(key)

    @on(DataTable.RowSelected, ".stacks-table")
    def _row_selected(self) -> None:
        self.action_open()

    def action_open(self) -> None:
        ref = self.selected()
        if ref is not None:
            self.stack_app.open_stack(ref.namespace, ref.name, kind=ref.kind)

    # -- filter and sort --------------------------------------------------------------------

    def action_filter(self) -> None:
        field = self.query_one("#filter", TextInput)
        field.remove_class("hidden")
        self._typing_filter = True
        field.focus()

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        # The focus moved by other means (a click on the table): the keys are the list's again.
        self._typing_filter = event.widget is self.query_one("#filter", TextInput)

    @on(TextInput.Changed, "#filter")
    def _filter_changed(self, event: TextInput.Changed) -> None:
        self._filter = event.value.strip()
        self.refresh_data()

    @on(TextInput.Submitted, "#filter")
    def _filter_done(self) -> None:
        if not self._filter:
            self.query_one("#filter", TextInput).add_class("hidden")
        self._typing_filter = False
        self.table.focus()

    def action_clear_filter(self) -> None:
        field = self.query_one("#filter", TextInput)
        field.value = ""
        field.add_class("hidden")
        self._typing_filter = False
        self.table.focus()
        if self.kind_filter is not None:
            self.show_kind(None)

    def show_kind(self, kind: str | None) -> None:
        """List only workloads of ``kind`` (None: every kind)."""
        self.kind_filter = kind
        self.refresh_data()
        self.stack_app.tell(f"showing {kind}s only" if kind else "showing every kind")

    def action_sort_next(self) -> None:
        table = self.table
        keys: list[str | None] = [None, *table.column_keys]
        index = keys.index(table.sort_column) if table.sort_column in keys else 0
        table.sort_by(keys[(index + 1) % len(keys)])
        self._tell_sort()

    def action_sort_reverse(self) -> None:
        table = self.table
        table.sort_by(table.sort_column, reverse=not table.sort_reverse)
        self._tell_sort()

    @on(DataTable.HeaderSelected, ".stacks-table")
    def _header_selected(self, event: DataTable.HeaderSelected) -> None:
        table = self.table
        column = str(event.column_key.value)
        reverse = table.sort_column == column and not table.sort_reverse
        table.sort_by(column, reverse=reverse)
        self._tell_sort()

    def _tell_sort(self) -> None:
        table = self.table
        if table.sort_column is None:
            self.stack_app.tell("sorted by urgency")
        else:
            order = "descending" if table.sort_reverse else "ascending"
            self.stack_app.tell(f"sorted by {table.sort_column} ({order})")

    # -- namespaces -------------------------------------------------------------------------

    @work(exclusive=True, group="namespaces")
    async def action_pick_namespace(self) -> None:
        source = self.source
        names = await source.namespaces()

        def chosen(namespace: object) -> None:
            if isinstance(namespace, str):
                self.stack_app.switch_namespace(namespace, all_namespaces=False)

        self.app.push_screen(PickerDialog("Namespace", names, source.namespace), chosen)

    def action_toggle_groups(self) -> None:
        """Grouped by application, or the flat list."""
        self.grouped = not self.grouped
        self.refresh_data()
        self.stack_app.tell("grouped by application" if self.grouped else "flat list")

    def action_all_namespaces(self) -> None:
        source = self.source
        self.stack_app.switch_namespace(source.namespace, not source.all_namespaces)

    # -- actions on the selected stack ------------------------------------------------------

    def workload(self) -> WorkloadRef | None:
        return self.selected()

    action_scale = on_workload(WorkloadActions.scale)
    action_undo = on_workload(WorkloadActions.undo)
    action_restart = on_workload(WorkloadActions.restart)
    action_pause = on_workload(WorkloadActions.pause)
    action_logs = on_workload(WorkloadActions.logs)
    action_history = on_workload(WorkloadActions.history)
    action_events = on_workload(WorkloadActions.events)
    action_describe = on_workload(WorkloadActions.describe)
    action_yaml = on_workload(WorkloadActions.yaml)
