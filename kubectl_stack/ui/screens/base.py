"""What every cluster screen shares: title bar, connection banner, read-only refusal."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual import events
from textual.screen import Screen

from ...kube.actions import ActionResult
from ..textual_internals import skip_restyle
from ..widgets.bars import Banner, TopBar

if TYPE_CHECKING:
    from ...model.ref import WorkloadRef
    from ..app import StackApp
    from ..source import Source

# Actions that change the cluster: absent (and refused) with --read-only or on a context the
# config file makes read-only. Shells and port-forwards change nothing through the API but
# reach into the workload: a read-only context means hands off, as k9s' readOnly does.
MUTATING = frozenset(
    {"scale", "undo", "restart", "pause", "delete_pod", "edit", "delete", "shell", "port_forward"}
)


class ClusterScreen(Screen[None]):
    """A screen drawn from the cluster state. Subclasses implement :meth:`refresh_data`,
    which the app calls on every coalesced store notification; it must update widgets in place
    (keyed diffs), never rebuild them."""

    styles_current = True
    """Every widget's styles are up to date (as after the mount, or a retarget that restyled
    what it changed): the next resume need not restyle the whole screen."""

    @property
    def stack_app(self) -> StackApp:
        return cast("StackApp", self.app)

    @property
    def source(self) -> Source:
        source = self.stack_app.source
        assert source is not None, "screens are pushed only once connected"
        return source

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (action in MUTATING and self.stack_app.read_only)

    def workload(self) -> WorkloadRef | None:
        """The workload the screen's keys act on now (the row under the cursor, the workload
        shown); None, the default: no workload."""
        return None

    def action_scope(self) -> tuple[str, str] | None:
        """(workload kind, namespace) the mutating keys act on now; None: nothing."""
        ref = self.workload()
        return (ref.kind, ref.namespace) if ref is not None else None

    def scope_for(self, action: str) -> tuple[str, str] | None:
        """(kind, namespace) of what ``action`` would act on now; the workload's by default."""
        return self.action_scope()

    def unavailable(self, action: str) -> str | None:
        """Why ``action`` may not be used on what the keys act on now, by the cluster's RBAC
        (``forbidden: deployments/scale update``); None when it may, or is not known yet.
        The footer shows such a key dimmed and help gives the reason."""
        return self._denied(action, self.scope_for(action))

    def _denied(self, action: str, scope: tuple[str, str] | None) -> str | None:
        source = self.stack_app.source
        if action not in MUTATING or scope is None or source is None:
            return None
        kind, namespace = scope
        return source.denied(action, kind, namespace)

    def refuse_read_only(self, action: str, ref: WorkloadRef | None = None) -> bool:
        """True (and a notice) when ``action`` must not run: --read-only, or the cluster's
        RBAC forbids it on workload ``ref`` (by default on what the keys act on now:
        :meth:`unavailable`)."""
        reason = self.stack_app.read_only_reason if action in MUTATING else None
        if reason is not None:
            self.stack_app.tell(
                f"read-only: {action.replace('_', ' ')} is disabled ({reason})", severity="warning"
            )
            return True
        if ref is None:
            reason = self.unavailable(action)
        else:
            reason = self._denied(action, (ref.kind, ref.namespace))
        if reason is not None:
            self.stack_app.tell(f"{action.replace('_', ' ')}: {reason}", severity="warning")
            return True
        return False

    def report(self, result: object) -> None:
        """Tell what a dialog's change came to (an :class:`ActionResult`; None: cancelled)."""
        if not isinstance(result, ActionResult):
            return
        self.stack_app.tell(result.message, severity="information" if result.ok else "error")
        for warning in result.warnings:
            self.stack_app.tell(warning, severity="warning")
        self.refresh_data()

    # Textual calls the handler of every class in the MRO, so subclasses do not call super()
    # for these. A screen is drawn when it is resumed, which also follows its mount: drawing
    # on mount too was a second (and with super() a third) full refresh before its first
    # frame.

    def on_resize(self) -> None:
        self.stack_app.check_size()

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        if self.styles_current:
            # Textual would style the whole screen again when it is pushed, for nothing (a
            # theme change restyles a screen kept off the stack at once, see
            # StackApp._theme_changed; the cost: bench/README.md, "Figures behind the comments").
            self.styles_current = False
            skip_restyle(event)
        self.show_connection()
        self.refresh_data()

    def refresh_data(self) -> None:
        raise NotImplementedError

    def tick(self) -> None:
        """Time moved and the cache did not (the app's 1 s tick): redraw what depends on
        time. By default everything; a big screen redraws only what the clock changes."""
        self.show_connection()
        self.refresh_data()

    def show_connection(self) -> None:
        source = self.stack_app.source
        if source is None:
            return
        status = source.status(self.stack_app.key_for("reconnect"))
        for banner in self.query(Banner):
            banner.show(status.banner)
        self.set_class(status.banner is not None, "-stale")
        self.update_top_bar()

    def update_top_bar(self, extra: str = "") -> None:
        source = self.stack_app.source
        if source is None:
            return
        app = self.stack_app
        status = source.status()
        marks = [m for m in (app.read_only and "read-only", app.forwards_summary()) if m]
        for bar in self.query(TopBar):
            bar.show(
                source.context,
                source.scope(),
                status.label,
                app.now() if app.settings.show_clock else None,
                "   ".join([*marks, extra] if extra else marks),
            )
