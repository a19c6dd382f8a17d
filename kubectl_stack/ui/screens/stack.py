"""Stack: one workload — rollout cockpit, pods, autoscaler, traffic and config, events. A
Deployment by default; a StatefulSet or DaemonSet shows kubectl's rollout status for it and its
ControllerRevisions instead of ReplicaSets.

From 100x30 up every panel shows at once (the cockpit; condensed below 140x40); smaller
terminals show the panels as tabs under the always-visible one-line rollout summary. Both
layouts are the same widgets, rearranged by CSS. Table columns that do not fit are shown for
the row under the cursor on a detail line under the table; ``f`` zooms the panel in use to
the whole screen (event messages in full), Esc zooms out.
"""

from __future__ import annotations

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, VerticalScroll
from textual.geometry import Size
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import DataTable, Static, Tab, Tabs

from ... import kinds as K
from ...model.ref import WorkloadRef
from ...model.workloads import for_kind
from ..presenters import stack as present_stack
from ..presenters.stack import StackView
from ..stack_objects import StackObject
from ..widgets.bars import Banner, KeysFooter, TopBar
from ..widgets.table import DetailLine, KeyedTable
from ..widgets.tabs import StackTabs
from . import kubectl_actions, stack_actions
from .stack_actions import WorkloadActions, on_workload

TABS = (
    ("rollout", "Rollout"),
    ("pods", "Pods"),
    ("autoscaler", "Autoscaler"),
    ("traffic", "Traffic"),
    ("events", "Events"),
)
# What showing a tab or focusing a panel uses: each panel and the Pods and Events tables.
_PARTS = (*(f"panel-{key}" for key, _ in TABS), "pods", "events")


COCKPIT = Size(100, 30)
"""The smallest terminal that shows every panel at once; below it the panels are tabs."""
WIDE = 140
"""From this width the cockpit's text panels are no longer condensed (columns 3:2)."""
TALL = 40
"""From this height the cockpit's top and bottom panels are no longer condensed."""


class Panel(VerticalScroll):
    """A panel of text; it can be zoomed to the whole screen."""

    ALLOW_MAXIMIZE = True


class TablePanel(Container):
    """A panel holding a table and its detail line; it can be zoomed to the whole screen."""

    ALLOW_MAXIMIZE = True


class StackScreen(kubectl_actions.KubectlActions):
    """One workload's stack."""

    TITLE = "Stack"

    view: reactive[StackView | None] = reactive(None, always_update=True, repaint=False, init=False)
    """What the screen shows of its workload (:func:`present_stack.stack_view`); each
    assignment is rendered by :meth:`watch_view`, whether equal to the last or not (comparing
    two views would cost what rendering their differences costs)."""
    BINDINGS = [
        Binding("escape", "back", "Back", id="back"),
        Binding("down,j", "cursor_down", "Down", show=False, id="stack.down"),
        Binding("up,k", "cursor_up", "Up", show=False, id="stack.up"),
        # Priority: the pods and events tables would take left/right for themselves.
        Binding(
            "right_square_bracket,right",
            "next_tab",
            "Next tab",
            show=False,
            priority=True,
            id="next-tab",
        ),
        Binding(
            "left_square_bracket,left",
            "previous_tab",
            "Previous tab",
            show=False,
            priority=True,
            id="prev-tab",
        ),
        Binding("x", "delete_pod", "Delete pod", id="delete-pod"),
        Binding("f", "zoom", "Zoom panel", show=False, id="zoom"),
        *stack_actions.BINDINGS,
        *kubectl_actions.BINDINGS,
        *kubectl_actions.STACK_BINDINGS,
    ]

    def __init__(
        self,
        namespace: str,
        name: str,
        *,
        tab: str = "rollout",
        kind: str = K.DEFAULT_WORKLOAD.kind,
        size: Size | None = None,
    ) -> None:
        super().__init__()
        self.namespace = namespace
        self.name_ = name
        self.kind = kind
        self._initial_tab = tab
        self.title = f"Stack {name}"
        self.sized_for: Size | None = None
        """The terminal size its layout classes are for."""
        if size is not None:
            # The terminal's size (``size``): its widgets are styled for it as they mount,
            # not restyled once the screen handles its first resize.
            self._fit_classes(size)
        self._details: dict[KeyedTable, DetailLine] = {}
        self._focusing: Widget | None = None
        """The widget :meth:`_focus_panel` asked to take the focus, until it has it."""

    def compose(self) -> ComposeResult:
        yield TopBar()
        yield Banner()
        yield Static(id="stack-title")
        yield Static(id="rollout-summary")
        yield StackTabs(
            *[Tab(label, id=f"tab-{key}") for key, label in TABS],
            active=f"tab-{self._initial_tab}",
            id="stack-tabs",
        )
        with Container(id="panels"):
            with Panel(id="panel-rollout", classes="panel") as box:
                box.border_title = "Rollout"
                yield Static(id="rollout")
            with Panel(id="panel-autoscaler", classes="panel") as box:
                box.border_title = "Autoscaler"
                yield Static(id="autoscaler")
            with TablePanel(id="panel-pods", classes="panel") as box:
                box.border_title = "Pods"
                yield KeyedTable(present_stack.POD_COLUMNS, id="pods")
                yield DetailLine(id="pods-detail", classes="-empty")
            with Panel(id="panel-traffic", classes="panel") as box:
                box.border_title = "Traffic & config"
                yield Static(id="traffic")
            with TablePanel(id="panel-events", classes="panel") as box:
                box.border_title = "Events"
                yield KeyedTable(present_stack.EVENT_COLUMNS, id="events")
                yield DetailLine(id="events-detail", classes="-empty")
        yield KeysFooter()

    def on_mount(self) -> None:
        self._show_tab(self._initial_tab)

    def retarget(self, namespace: str, name: str, *, kind: str, tab: str) -> None:
        """Show another workload, as a Stack screen built for it would: tab ``tab``, empty
        tables with the cursor on top, panels scrolled home, focus on the tab bar (or the
        tab's table). The app keeps one Stack screen and retargets it while it is hidden."""
        self.namespace = namespace
        self.name_ = name
        self.kind = kind
        self.picked = None
        self.title = f"Stack {name}"
        self.fit_to(self.app.size)  # the terminal may have been resized while it was hidden
        for table in self.query(KeyedTable):
            table.reset()
        for panel in self.query(".panel"):
            panel.scroll_home(animate=False, immediate=True)
        tabs = self.query_one(Tabs)
        if tabs.active != f"tab-{tab}":
            # Through no tab: the underline then jumps to the tab, as on a new screen,
            # instead of sliding there from the last workload's tab.
            tabs.active = ""
        if tab not in ("pods", "events"):
            # What a new screen focuses first; unchanged focus restyles nothing.
            self.set_focus(next((w for w in self.query("*") if w.focusable), None))
        self.show_tab(tab)
        self.styles_current = True

    def fit_to(self, size: Size) -> None:
        """Take the layout classes (wide, tall) of a terminal of ``size`` if they are for
        another size: they follow the size, and are set when the screen handles a resize,
        which a hidden screen is not sent."""
        if self.sized_for != size:
            self.post_message(events.Resize(size, size))

    def _fit_classes(self, size: Size) -> bool:
        """Set the layout classes for a terminal of ``size``, without restyling; whether any
        changed."""
        self.sized_for = size
        cockpit = size.width >= COCKPIT.width and size.height >= COCKPIT.height
        wanted = {"-cockpit": cockpit, "-wide": size.width >= WIDE, "-tall": size.height >= TALL}
        changed = [name for name, on in wanted.items() if self.has_class(name) != on]
        for name in changed:
            self.set_class(wanted[name], name, update=False)
        return bool(changed)

    @on(events.Resize)
    def _resized(self, event: events.Resize) -> None:
        if self._fit_classes(event.size):
            self.update_node_styles()  # once: each class set alone restyled the whole screen
        if self.cockpit and not isinstance(self.focused, (KeyedTable, Panel)):
            # The tab bar is hidden in the cockpit: the panel in use takes the focus.
            self._focus_panel(self.active_tab)

    @property
    def cockpit(self) -> bool:
        """Every panel is shown at once (no tabs)."""
        return self.has_class("-cockpit")

    # Pod metrics are polled while the screen is in the stack (under a dialog or the logs
    # too), for its namespace.

    @on(events.ScreenResume)
    def _poll_metrics(self) -> None:
        self.source.want_metrics(True, self.namespace)

    @on(events.ScreenSuspend)
    def _suspended(self) -> None:
        if self not in self.app.screen_stack:
            self._stop_metrics()

    def on_unmount(self) -> None:
        self._stop_metrics()

    def _stop_metrics(self) -> None:
        source = self.stack_app.source
        if source is not None:
            source.want_metrics(False)

    # -- tabs ---------------------------------------------------------------------------------

    @property
    def active_tab(self) -> str:
        active = self.query_one(Tabs).active or "tab-rollout"
        return active.removeprefix("tab-")

    @on(Tabs.TabActivated, "#stack-tabs")
    def _tab_activated(self, event: Tabs.TabActivated) -> None:
        self._show_tab(event.tab.id.removeprefix("tab-") if event.tab.id else "rollout")

    def _built(self) -> bool:
        """Whether every panel and table is mounted: not so when the app quit while the
        screen was being built ahead, and its mount and resize handlers still run."""
        return all(self.query(f"#{part}") for part in _PARTS)

    def _show_tab(self, key: str) -> None:
        if not self._built():
            return
        for panel_key, _ in TABS:
            self.query_one(f"#panel-{panel_key}").set_class(panel_key == key, "-active")
        if key in ("pods", "events") or self.cockpit:
            self._focus_panel(key)

    def _focus_panel(self, key: str) -> None:
        """Focus panel ``key``'s table, or the panel itself (it scrolls)."""
        if not self._built():
            return
        target: Widget = self.query_one(f"#panel-{key}")
        if key in ("pods", "events"):
            target = self.query_one(f"#{key}", KeyedTable)
        if self.focused is not target:
            self._focusing = target
            target.focus()

    @on(events.DescendantFocus)
    def _focus_moved(self, event: events.DescendantFocus) -> None:
        """The panel that took the focus (tab, click, left/right) is the one in use, so the
        tabs show it when the terminal shrinks, and keys act on its row. Not a focus the tabs
        asked for (:meth:`_focus_panel`), nor one landing while they ask for another: the
        tabs may have moved on meanwhile (``right`` typed as the screen opened), and the two
        pulled each other back and forth for ever."""
        pending = self._focusing
        if pending is event.widget:
            self._focusing = None
            return
        if pending is not None and pending.focusable:
            return
        self._focusing = None
        panel = next((w for w in event.widget.ancestors_with_self if w.has_class("panel")), None)
        if panel is not None and panel.id:
            key = panel.id.removeprefix("panel-")
            if key != self.active_tab:
                self.query_one(Tabs).active = f"tab-{key}"

    def action_zoom(self) -> None:
        """Show the panel in use on the whole screen, or back in its place."""
        if self.maximized is not None:
            self.minimize()
        else:
            self.maximize(self.query_one(f"#panel-{self.active_tab}"), container=False)

    def show_tab(self, key: str) -> None:
        """Switch to tab ``key`` (rollout, pods, autoscaler, traffic, events)."""
        self.query_one(Tabs).active = f"tab-{key}"
        self._show_tab(key)

    def action_next_tab(self) -> None:
        self.query_one(Tabs).action_next_tab()

    def action_previous_tab(self) -> None:
        self.query_one(Tabs).action_previous_tab()

    def action_events(self) -> None:
        self.show_tab("events")

    def action_back(self) -> None:
        self.app.pop_screen()

    def _table(self) -> KeyedTable | None:
        tab = self.active_tab
        if tab in ("pods", "events"):
            return self.query_one(f"#{tab}", KeyedTable)
        focused = self.focused
        return focused if isinstance(focused, KeyedTable) else None

    def action_cursor_down(self) -> None:
        table = self._table()
        if table is not None:
            table.action_cursor_down()
        else:
            self.query_one(f"#panel-{self.active_tab}").scroll_down()

    def action_cursor_up(self) -> None:
        table = self._table()
        if table is not None:
            table.action_cursor_up()
        else:
            self.query_one(f"#panel-{self.active_tab}").scroll_up()

    # -- data ---------------------------------------------------------------------------------

    def refresh_data(self) -> None:
        """The app's notification that the cluster or the clock moved: the presenter's view
        of the workload now, assigned in one batch (:meth:`watch_view` renders it)."""
        app = self.stack_app
        with app.batch_update():
            self.view = present_stack.stack_view(
                self.source, self.namespace, self.name_, app.now(), app.hpa_history, self.kind
            )

    def watch_view(self, view: StackView | None) -> None:
        if view is None:
            return
        self.query_one("#stack-title", Static).update(view.title)
        self.query_one("#rollout-summary", Static).update(view.summary)
        self.query_one("#rollout", Static).update(view.rollout)
        self.query_one("#autoscaler", Static).update(view.autoscaler)
        self.query_one("#traffic", Static).update(view.traffic)
        self.query_one("#pods", KeyedTable).sync(view.pods, order=view.pod_order)
        self.query_one("#events", KeyedTable).sync(view.events, order=view.event_order)
        self._update_details()
        self.query_one("#panel-pods").border_title = f"Pods ({len(view.pods)})"
        self.query_one("#panel-autoscaler").border_title = view.autoscaler_title
        self.update_top_bar()

    # -- detail lines: the columns of the row under the cursor that do not fit ------------

    @on(KeyedTable.Resized)
    def _table_resized(self, event: KeyedTable.Resized) -> None:
        # A table shown for the first time (its tab chosen) or laid out anew cuts other
        # columns: its detail line follows (it waited for the next refresh, up to a second).
        self._update_details()

    @on(DataTable.RowHighlighted)
    def _row_highlighted(self) -> None:
        # After the frame that moves the cursor: a key is answered first.
        self.call_after_refresh(self._update_details)

    def _update_details(self) -> None:
        if not self._details:  # looked up once: a query per refresh cost more than the lines
            self._details = {
                table: self.query_one(f"#{table.id}-detail", DetailLine)
                for table in self.query(KeyedTable)
            }
        for table in self._details:
            self._update_detail(table)

    def _update_detail(self, table: KeyedTable) -> None:
        detail = self._details.get(table)
        if detail is None or not table.size.width:
            # A table in a hidden tab has no width to cut columns by; its line is drawn when
            # the tab is shown. Drawing it meanwhile laid the screen out on every refresh.
            return
        key = table.selected_key
        detail.show(table.cells_of(key, table.cut_columns()) if key is not None else [])

    # -- actions ------------------------------------------------------------------------------

    def workload(self) -> WorkloadRef:
        """The workload shown."""
        return WorkloadRef(self.kind, self.namespace, self.name_)

    action_scale = on_workload(WorkloadActions.scale)
    action_undo = on_workload(WorkloadActions.undo)
    action_restart = on_workload(WorkloadActions.restart)
    action_pause = on_workload(WorkloadActions.pause)
    action_history = on_workload(WorkloadActions.history)

    def action_describe(self) -> None:
        WorkloadActions(self).describe(self.workload(), self.selected_object())

    def action_yaml(self) -> None:
        WorkloadActions(self).yaml(self.workload(), self.selected_object())

    def selected_pod(self) -> str | None:
        """The pod under the cursor when the Pods panel is in use."""
        if self.active_tab != "pods" and self.focused is not self.query_one("#pods"):
            return None
        return self.query_one("#pods", KeyedTable).selected_key

    def selected_object(self) -> StackObject | None:
        """What d and y show: the pod under the cursor, else the object picked with o;
        None: the workload."""
        pod = self.selected_pod()
        return StackObject("Pod", pod) if pod is not None else self.picked

    def _choose_pod(self, key: str) -> None:
        self.show_tab("pods")
        self.stack_app.tell(f"choose a pod in the Pods tab, then press {key}")

    def action_logs(self) -> None:
        from .logs import LogsScreen

        pod = self.selected_pod()
        if pod is not None:
            self.app.push_screen(LogsScreen(self.namespace, pod=pod))
        else:
            self.app.push_screen(LogsScreen(self.namespace, workload=self.workload()))

    def action_delete_pod(self) -> None:
        if self.refuse_read_only("delete_pod"):
            return
        pod = self.selected_pod()
        if pod is None:
            self.show_tab("pods")
            self.stack_app.tell("choose a pod in the Pods tab, then press x again")
            return
        owner = for_kind(self.kind).pod_owner.kind
        WorkloadActions(self).delete_pod(self.namespace, pod, owner)
