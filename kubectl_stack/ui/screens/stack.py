"""Stack: one workload — rollout cockpit, pods, autoscaler, traffic and config, events. A
Deployment by default; a StatefulSet or DaemonSet shows kubectl's rollout status for it and its
ControllerRevisions instead of ReplicaSets.

Wide terminals show every panel at once; smaller ones show the panels as tabs under the
always-visible one-line rollout summary. Both layouts are the same widgets, rearranged by CSS.
"""

from __future__ import annotations

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, VerticalScroll
from textual.geometry import Size
from textual.widgets import Static, Tab, Tabs

from .. import present
from ..widgets.bars import Banner, KeysFooter, TopBar
from ..widgets.table import KeyedTable
from . import kubectl_actions, stack_actions
from .base import ClusterScreen
from .dialogs import ConfirmDialog

TABS = (
    ("rollout", "Rollout"),
    ("pods", "Pods"),
    ("autoscaler", "Autoscaler"),
    ("traffic", "Traffic"),
    ("events", "Events"),
)


class StackScreen(kubectl_actions.KubectlActions, stack_actions.StackActions, ClusterScreen):
    """One workload's stack."""

    TITLE = "Stack"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (140, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (40, "-tall")]
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
        *stack_actions.BINDINGS,
        *kubectl_actions.BINDINGS,
        *kubectl_actions.STACK_BINDINGS,
    ]

    def __init__(
        self, namespace: str, name: str, *, tab: str = "rollout", kind: str = "Deployment"
    ) -> None:
        super().__init__()
        self.namespace = namespace
        self.name_ = name
        self.kind = kind
        self._initial_tab = tab
        self.title = f"Stack {name}"
        self.sized_for: Size | None = None
        """The terminal size its layout classes are for."""

    def compose(self) -> ComposeResult:
        yield TopBar()
        yield Banner()
        yield Static(id="stack-title")
        yield Static(id="rollout-summary")
        yield Tabs(*[Tab(label, id=f"tab-{key}") for key, label in TABS], id="stack-tabs")
        with Container(id="panels"):
            with VerticalScroll(id="panel-rollout", classes="panel") as box:
                box.border_title = "Rollout"
                yield Static(id="rollout")
            with VerticalScroll(id="panel-autoscaler", classes="panel") as box:
                box.border_title = "Autoscaler"
                yield Static(id="autoscaler")
            with Container(id="panel-pods", classes="panel") as box:
                box.border_title = "Pods"
                yield KeyedTable(present.POD_COLUMNS, id="pods")
            with VerticalScroll(id="panel-traffic", classes="panel") as box:
                box.border_title = "Traffic & config"
                yield Static(id="traffic")
            with Container(id="panel-events", classes="panel") as box:
                box.border_title = "Events"
                yield KeyedTable(present.EVENT_COLUMNS, id="events")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one(Tabs).active = f"tab-{self._initial_tab}"
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

    @on(events.Resize)
    def _resized(self, event: events.Resize) -> None:
        self.sized_for = event.size

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

    def _show_tab(self, key: str) -> None:
        for panel_key, _ in TABS:
            self.query_one(f"#panel-{panel_key}").set_class(panel_key == key, "-active")
        if key in ("pods", "events"):
            self.query_one(f"#{key}", KeyedTable).focus()

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
        app = self.stack_app
        view = present.stack_view(
            self.source, self.namespace, self.name_, app.now(), app.hpa_history, self.kind
        )
        self.query_one("#stack-title", Static).update(view.title)
        self.query_one("#rollout-summary", Static).update(view.summary)
        self.query_one("#rollout", Static).update(view.rollout)
        self.query_one("#autoscaler", Static).update(view.autoscaler)
        self.query_one("#traffic", Static).update(view.traffic)
        self.query_one("#pods", KeyedTable).sync(view.pods, order=view.pod_order)
        self.query_one("#events", KeyedTable).sync(view.events, order=view.event_order)
        self.query_one("#panel-pods").border_title = f"Pods ({len(view.pods)})"
        self.query_one("#panel-autoscaler").border_title = view.autoscaler_title
        self.update_top_bar()

    # -- actions ------------------------------------------------------------------------------

    def target_workload(self) -> tuple[str, str, str] | None:
        return self.kind, self.namespace, self.name_

    def selected_pod(self) -> str | None:
        """The pod under the cursor when the Pods panel is in use."""
        if self.active_tab != "pods" and self.focused is not self.query_one("#pods"):
            return None
        return self.query_one("#pods", KeyedTable).selected_key

    def selected_object(self) -> tuple[str, str, str] | None:
        pod = self.selected_pod()
        if pod is not None:
            return "Pod", self.namespace, pod
        if self.picked is not None:
            return self.picked.kind, self.namespace, self.picked.name
        return self.kind, self.namespace, self.name_

    def _choose_pod(self, key: str) -> None:
        self.show_tab("pods")
        self.stack_app.tell(f"choose a pod in the Pods tab, then press {key}")

    def action_logs(self) -> None:
        from .logs import LogsScreen

        pod = self.selected_pod()
        if pod is not None:
            self.app.push_screen(LogsScreen(self.namespace, pod=pod))
        elif self.kind != "Deployment":
            self.show_tab("pods")
            self.stack_app.tell("choose a pod in the Pods tab, then press l")
        else:
            self.app.push_screen(LogsScreen(self.namespace, deployment=self.name_))

    def action_delete_pod(self) -> None:
        if self.refuse_read_only("delete_pod"):
            return
        pod = self.selected_pod()
        if pod is None:
            self.show_tab("pods")
            self.stack_app.tell("choose a pod in the Pods tab, then press x again")
            return
        owner = "ReplicaSet" if self.kind == "Deployment" else self.kind

        def chosen(yes: object) -> None:
            if yes is True:
                self._delete(pod)

        self.app.push_screen(
            ConfirmDialog(
                f"Delete pod {pod}",
                f"Delete pod {pod}? Its {owner} will create a replacement.",
                "Delete",
            ),
            chosen,
        )

    def _delete(self, pod: str) -> None:
        async def run() -> None:
            self._report(await self.source.delete_pod(self.namespace, pod))

        self.run_worker(run(), group="action")
