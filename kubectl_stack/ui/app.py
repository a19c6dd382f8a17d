"""The Textual application: wiring only. Screens live in :mod:`.screens`, widgets in
:mod:`.widgets`, the cluster behind :class:`.source.Source`.

Over 500 lines: the app is where the source, the refreshes (their rules are in
:mod:`.pacing`), the kept Stack screen and the app-wide keys meet; each is a few short methods
on the app's own state, which split into modules would pass it between them."""

from __future__ import annotations

import importlib
import os
import pkgutil
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeGuard

from textual import events, work
from textual.app import App, InvalidThemeError
from textual.binding import Binding
from textual.dom import DOMNode
from textual.filter import LineFilter
from textual.screen import ModalScreen
from textual.theme import Theme
from textual.timer import Timer

from .. import kinds as K
from ..model.hpa import HpaHistory
from ..model.visible import visible
from ..options import ConnectionOptions, Options
from ..settings import Settings, config_path, load_settings
from . import pacing
from . import textual_internals as internals
from .cluster import open_source
from .collector import IdleCollector
from .content_actions import NoContentActions
from .glyphs import GLYPHS, AsciiFilter
from .handover import KubectlTools
from .keyorder import KeyRouter
from .messages import StateChanged
from .screens.base import ClusterScreen
from .screens.dialogs import Dialog, MutationDialog, PickerDialog
from .screens.help import HelpScreen
from .screens.too_small import MIN_HEIGHT, MIN_WIDTH, TooSmallScreen
from .source import ConnectError, Source
from .theme import MeaningColours

if TYPE_CHECKING:
    from .screens.stack import StackScreen

Connector = Callable[[ConnectionOptions, Options], Awaitable[Source]]
Clock = Callable[[], float]


class StackApp(NoContentActions[int], KubectlTools):
    """``kubectl stack``. Create it with :func:`make_app`."""

    TITLE = "kubectl stack"
    CSS_PATH = Path(__file__).with_name("app.tcss")
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [
        Binding("q", "quit", "Quit", id="quit"),
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True, id="quit-now"),
        Binding("question_mark", "help", "Help", id="help"),
        Binding("ctrl+r", "reconnect", "Reconnect now", show=False, id="reconnect"),
        # Textual's own suspend: the terminal given back, SIGSTOP, application mode again on
        # SIGCONT (``fg``).
        Binding("ctrl+z", "suspend_process", "Suspend", show=False, priority=True, id="suspend"),
        Binding("colon", "command", "Command", show=False, id="command"),
    ]

    def __init__(
        self,
        options: Options,
        settings: Settings,
        *,
        now: Clock,
        connector: Connector,
        source: Source | None = None,
        notices: Sequence[str] = (),
        demo_kubeconfig: str | None = None,
    ) -> None:
        super().__init__()
        if "TEXTUAL_ANIMATIONS" not in os.environ:
            # Nothing slides: over a slow link every frame of a slide is sent (a tab's
            # underline: a sixth more bytes a tab switch, bench/README.md). The variable,
            # set, still rules.
            self.animation_level = "none"
        self._startup_notices = tuple(notices)
        self.demo_kubeconfig = demo_kubeconfig
        """The demo cluster's kubeconfig, shown in help: the line printed before the app
        started is behind its screen."""
        self.options = options
        self.settings = settings
        self.now = now
        self._connector = connector
        self.source: Source | None = source
        self.fatal_error: str | None = None
        self.hpa_history: dict[tuple[str, str], HpaHistory] = {}
        """Autoscaler samples for the sparklines, kept across screens."""
        self.notices: list[tuple[str, str]] = []
        """Every notification shown, (severity, text): what a person saw, for tests too."""
        try:
            self.theme = settings.theme
        except InvalidThemeError:
            known = ", ".join(sorted(self.available_themes))
            warning = f"theme {settings.theme!r} is unknown, {self.theme} used instead ({known})"
            self.settings = settings = replace(settings, warnings=(*settings.warnings, warning))
        self._colours = MeaningColours(self)
        GLYPHS.select(settings.ascii)
        self._ascii_filter = [AsciiFilter()] if settings.ascii else []
        self._refresh_timer: Timer | None = None
        self._refreshes = pacing.Refreshes()
        self._keys_from = float("-inf")  # keys read before this (monotonic) are dropped
        self._refreshed_version = -1
        self._sampled_at = float("-inf")
        self._collector = IdleCollector(self.set_timer)
        self._stack_screen: StackScreen | None = None
        self._keys = KeyRouter()
        self.forwards = []

    def get_key_display(self, binding: Binding) -> str:
        return GLYPHS.key(super().get_key_display(binding))

    def get_line_filters(self) -> Sequence[LineFilter]:
        return [*super().get_line_filters(), *self._ascii_filter]

    @property
    def read_only(self) -> bool:
        """No mutating key: ``--read-only``, or the config file says so for this context."""
        return self.read_only_reason is not None

    @property
    def read_only_reason(self) -> str | None:
        """Why the app is read-only (``--read-only``, ``context prod is read-only``), or
        None."""
        if self.options.read_only:
            return "--read-only"
        context = self.source.context if self.source is not None else None
        if self.settings.context_read_only(context):
            return f"context {context} is read-only in {config_path()}"
        return None

    def on_mount(self) -> None:
        self._collector.start()
        self.app_resume_signal.subscribe(self, self._resumed)
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        if self.settings.keymap:
            self.set_keymap(dict(self.settings.keymap))
            # Only then: knowing every id imports every screen (40-60 ms of the first frame).
            for binding_id in sorted(set(self.settings.keymap) - _binding_ids()):
                self.tell(f"keymap: no key has the id {binding_id!r}; ignored", severity="warning")
        for warning in self.settings.warnings:
            self.tell(warning, severity="warning")
        for notice in self._startup_notices:
            self.tell(notice)
        if self.source is None:
            self._connect(self.options.connection)
        else:
            self._start()
        # Ages, countdowns and the retry delay move with time even when nothing changes.
        self.set_interval(1.0, self._tick)

    def input_resumes(self) -> None:
        """The terminal driver is about to read keys (at start, and when the app comes back
        from Ctrl+Z or a shell): keys read before, still queued, were meant for the shell
        (typed after Ctrl+Z in the same burst: ``s`` Enter there must not scale here); the
        terminal's unread input was dropped when the app stopped. Keys read from now on are
        the app's, also those read before Textual's resume signal."""
        self._keys_from = time.monotonic()

    def _resumed(self, _: App[int]) -> None:
        # A full redraw: the shell has written over the screen.
        self.refresh(layout=True)
        self.screen.refresh()

    def _theme_changed(self, _: Theme) -> None:
        # Textual restyled the screens on the stack; the kept Stack screen may be off it.
        screens = list(self.screen_stack)
        kept = self._stack_screen
        if kept is not None and kept not in screens and kept.is_mounted:
            self.stylesheet.update(kept, animate=False)
            screens.append(kept)
        self._colours.follow_theme(screens)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key):
            if event.time < self._keys_from:
                return
            self._collector.input_seen()
            self.input_arriving()
            screen = self.screen
            if isinstance(screen, Dialog) and not screen.accepts(event):
                return  # typed ahead of the dialog (or for the screen behind): not its answer
            if not event.is_forwarded:
                self._keys.sent(event, self.focused)
            elif self._keys.back(self, event):
                return  # it follows where the keys typed before it went
            else:
                await super().on_event(event)
                self._keys.acted(self)
                return
        await super().on_event(event)

    def input_arriving(self) -> None:
        """A key was read (the terminal driver calls this from its input thread, before the
        key reaches the app's queue, where a refresh may be about to start): the next
        coalesced refresh waits for its answer (see .pacing). It only stores a float."""
        self._refreshes.key_at = time.monotonic()

    def _tick(self) -> None:
        self._collector.tick()
        if self.source is None or not self.is_running:
            return
        if self.source.state.version != self._refreshed_version:
            self.on_state_changed(StateChanged())
            return
        # Nothing changed: only what depends on time moves (clock, ages, countdowns, windows
        # of recent restarts). The screen redraws just that.
        if self.now() - self._sampled_at >= self.settings.sample_seconds:
            self._sample_autoscalers()
        screen = self._shown_cluster_screen()
        if screen is not None:
            screen.tick()

    def _shown_cluster_screen(self) -> ClusterScreen | None:
        """The cluster screen in view: the top one, or the one a dialog or help is open over
        (it stays in sight around the dialog, and keeps moving with the cluster and the
        clock)."""
        for screen in reversed(self.screen_stack):
            if _drawable(screen):
                return screen
            if not isinstance(screen, ModalScreen):
                return None  # a full screen hides what is under it
        return None

    def _start(self) -> None:
        assert self.source is not None
        self.source.subscribe(self._on_state)
        # A source that is already filled (an in-memory one, a reconnect) would otherwise
        # first refresh at the next tick, up to a second later (autoscaler samples included).
        self._on_state()
        self.source.on_permissions(lambda: self.screen.refresh_bindings())
        from .screens.stacks import StacksScreen

        self.push_screen(StacksScreen())
        if self.options.stack:
            self._open_first(self.options.stack)
        self.check_size()

    def _open_first(self, stack: str) -> None:
        """``kubectl stack STACK``: NAME (a Deployment) or kubectl's TYPE/NAME (``sts/db``)."""
        assert self.source is not None
        try:
            kind, name = K.parse_workload(stack)
        except ValueError as exc:
            self.tell(str(exc), severity="error")
            return
        self.open_stack(self.source.namespace, name, kind=(kind or K.DEFAULT_WORKLOAD).kind)

    def open_stack(
        self,
        namespace: str,
        name: str,
        *,
        kind: str = K.DEFAULT_WORKLOAD.kind,
        tab: str = "rollout",
    ) -> None:
        """Show the Stack screen of one workload, on tab ``tab``.

        One Stack screen is kept (installed) and pointed at the next workload: building it
        anew, ~25 widgets composed, styled and mounted, was half the time from Enter to a
        drawn stack. The first one is built ahead, once the cluster is in.
        """
        from .screens.stack import StackScreen

        kept = self._stack_screen
        if kept is not None and (kept in self.screen_stack or not _drawable(kept)):
            # Already showing, under this one, or still being built: a Stack screen of its
            # own, dropped when closed.
            self.push_screen(StackScreen(namespace, name, kind=kind, tab=tab, size=self.size))
            return
        if kept is None:
            kept = self._keep(StackScreen(namespace, name, kind=kind, tab=tab, size=self.size))
        else:
            kept.retarget(namespace, name, kind=kind, tab=tab)
        self.push_screen(kept)

    def _keep(self, screen: StackScreen) -> StackScreen:
        self._stack_screen = screen
        self.install_screen(screen, name="stack")
        return screen

    def _build_stack_screen(self) -> None:
        """Build the kept Stack screen ahead, hidden, so that the first stack opened is as
        quick as the next ones (bench/README.md, "Pacing")."""
        from .screens.stack import StackScreen

        if self._stack_screen is None and self.is_running:
            # Pointed at a workload when opened; built with the layout classes of the
            # terminal's size.
            screen = self._keep(StackScreen("", "", size=self.size))
            # Textual mounts a screen when it is first pushed; this mounts it now (Textual 8's
            # own step for that).
            internals.mount_screen_now(self, screen)

    @work(exclusive=True, group="connect")
    async def _connect(self, connection: ConnectionOptions) -> None:
        first = self.source is None
        try:
            source = await self._connector(connection, self.options)
        except ConnectError as exc:
            if first:
                self.fatal_error = str(exc)
                self.exit(return_code=1)
            else:
                self.tell(str(exc), severity="error")
            return
        old, self.source = self.source, source
        self._refreshes.gc_frozen = False
        if old is not None:
            await old.close()
            while len(self.screen_stack) > 1:
                self.pop_screen()
        self._start()

    def _on_state(self) -> None:
        self.post_message(StateChanged())

    def on_state_changed(self, message: StateChanged) -> None:
        if not self.is_running:  # shutting down: screens are being taken apart
            return
        wait = self._refreshes.wait(time.monotonic())
        if wait > 0:
            if self._refresh_timer is None:
                self._refresh_timer = self.set_timer(wait, self._deferred_refresh)
            return
        self._refresh_screens()

    def _deferred_refresh(self) -> None:
        self._refresh_timer = None
        self.on_state_changed(StateChanged())  # not yet, if a key moved the next refresh

    def _refresh_screens(self) -> None:
        started, collecting = time.monotonic(), self._collector.collecting
        self._sample_autoscalers()
        # Connection status changes arrive through the same coalesced notification.
        for screen in self.screen_stack:
            if _drawable(screen):
                screen.show_connection()
        shown = self._shown_cluster_screen()
        if shown is not None:
            shown.refresh_data()
        if isinstance(self.screen, MutationDialog) and self.screen.is_mounted:
            self.screen.refresh_data()  # a decision is made on the object as it is now
        # Paced by CPU and frame rate (see .pacing); what reaches the terminal, by the link
        # (.driver).
        self._refreshed_version = self.source.state.version if self.source else -1
        collected = self._collector.collecting - collecting
        ended = time.monotonic()
        first = self.source is not None and self._refreshes.freeze(self.source.synced())
        self._refreshes.done(
            ended, ended - started, collected, self.settings.max_fps, first_sync=first
        )
        if first:
            self._collector.freeze()
            self.set_timer(pacing.STACK_SCREEN_AHEAD, self._build_stack_screen)

    def _sample_autoscalers(self) -> None:
        if self.source is None:
            return
        now = self._sampled_at = self.now()
        every = self.settings.sample_seconds
        seen = set()
        for hpa in self.source.objects("horizontalpodautoscalers"):
            meta = hpa.get("metadata") or {}
            key = (str(meta.get("namespace", "")), str(meta.get("name", "")))
            seen.add(key)
            history = self.hpa_history.get(key) or HpaHistory(self.settings.sparkline_points)
            last = history.last_time
            if last is None or now - last >= every:
                self.hpa_history[key] = history.add_hpa(hpa, now)
        # A deleted autoscaler's samples go with it: HPAs that come and go over hours would
        # otherwise each leave theirs behind.
        for key in self.hpa_history.keys() - seen:
            del self.hpa_history[key]

    def check_size(self) -> None:
        """Show the "terminal too small" notice while the terminal is below 80x24, and take it
        away when it is big enough again (screens call this when they are resized)."""
        if self.source is None or not self.screen_stack:
            return  # a screen built ahead can be resized before any is shown, or after the last
        small = self.size.width < MIN_WIDTH or self.size.height < MIN_HEIGHT
        showing = isinstance(self.screen, TooSmallScreen)
        if small and not showing:
            self.push_screen(TooSmallScreen(self.check_size))
        elif showing and not small:
            self.pop_screen()

    def tell(self, message: str, *, severity: str = "information") -> None:
        """Notify verbatim (no markup: server messages may contain brackets; control
        characters in them shown as escapes)."""
        self.notices.append((severity, message))
        timeout = 10.0 if severity == "error" else 5.0
        shown = GLYPHS.text(visible(message))
        self.notify(shown, severity=severity, markup=False, timeout=timeout)  # type: ignore[arg-type]

    def action_help(self) -> None:
        screen = self.screen
        groups: dict[str, tuple[list[str], str]] = {}
        # The screen's keys, then the app's; only ours (they all have ids), with their current
        # keys after any keymap, and without those --read-only removed.
        for node in (screen, self):
            for bindings in internals.keys_of(node).values():
                for binding in bindings:
                    if binding.id is None or not binding.description:
                        continue
                    if node.check_action(binding.action, ()) is False:
                        continue
                    reason = screen.unavailable(binding.action) if _drawable(screen) else None
                    description = f"{binding.description} — {reason}" if reason else None
                    keys, _ = groups.setdefault(
                        binding.action, ([], description or binding.description)
                    )
                    keys.append(self.get_key_display(binding))
        rows = [(", ".join(keys), description) for keys, description in groups.values()]
        note = ""
        if self.demo_kubeconfig:
            path = self.demo_kubeconfig
            note = f"demo cluster; to drive it with kubectl:\nexport KUBECONFIG={path}\n"
        self.push_screen(HelpScreen(screen.title or self.title, rows, note))

    def action_reconnect(self) -> None:
        """Retry the watches now rather than when the banner says (a server's Retry-After
        may ask for up to a minute)."""
        if self.source is not None:
            self.source.reconnect()

    def key_for(self, action: str) -> str | None:
        """How the key of one of the app's own actions is shown (after any keymap)."""
        for bindings in internals.keys_of(self).values():
            for binding in bindings:
                if binding.action == action:
                    return self.get_key_display(binding)
        return None

    def switch_namespace(self, namespace: str | None, all_namespaces: bool) -> None:
        """Reconnect the watches to another namespace (None = the context's)."""
        self.options = replace(self.options, all_namespaces=all_namespaces)
        self._connect(replace(self.options.connection, namespace=namespace))

    def action_pick_context(self) -> None:
        if self.source is None:
            return
        source = self.source

        def chosen(context: object) -> None:
            if isinstance(context, str):
                self.switch_context(context)

        self.push_screen(PickerDialog("Context", source.contexts(), source.context), chosen)

    def switch_context(self, context: str) -> None:
        """Reconnect to another kubeconfig context (in its own namespace)."""
        if self.source is not None and context == self.source.context:
            return
        self.options = replace(
            self.options, connection=replace(self.options.connection, context=context)
        )
        self._connect(replace(self.options.connection, namespace=None))

    def action_command(self) -> None:
        if self.source is None:
            return
        from .screens.command import CommandBar, run_command

        def chosen(text: object) -> None:
            if isinstance(text, str):
                run_command(self, text)

        self.push_screen(CommandBar(self.source), chosen)

    async def on_unmount(self) -> None:
        await self.stop_forwards()
        self._collector.stop()
        if self.source is not None:
            await self.source.close()


def _binding_ids() -> set[str]:
    """The ids a keymap may name: those of every key binding of the app, its screens and
    widgets (and Textual's own)."""
    from . import screens, widgets

    for package in (screens, widgets):
        for module in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{package.__name__}.{module.name}")
    ids: set[str] = set()
    pending: list[type] = [DOMNode]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        ids.update(b.id for b in vars(cls).get("BINDINGS", ()) if isinstance(b, Binding) and b.id)
    return ids


def _drawable(screen: object) -> TypeGuard[ClusterScreen]:
    """A cluster screen whose widgets are all there: pushed screens run (and the 1 s tick can
    reach them) while their widgets are still being mounted, and drawing then fails."""
    return isinstance(screen, ClusterScreen) and screen.is_running and screen.is_mounted


def make_app(
    options: Options,
    *,
    settings: Settings | None = None,
    now: Clock | None = None,
    connector: Connector | None = None,
    source: Source | None = None,
    notices: Sequence[str] = (),
    demo_kubeconfig: str | None = None,
) -> StackApp:
    """Build the app. ``now`` (epoch seconds) drives every age and countdown shown, so tests
    can freeze it; ``source`` is an already open connection, otherwise the app connects with
    ``options.connection`` when it starts (failure: exit code 1, ``app.fatal_error``)."""
    if settings is None:
        overrides: dict[str, Any] = {"mouse": not options.no_mouse}
        if options.max_fps is not None:
            overrides["max_fps"] = options.max_fps
        if options.ascii:  # adds to the config file's ``ascii``, never takes it away
            overrides["ascii"] = True
        settings = load_settings(**overrides)
    return StackApp(
        options,
        settings,
        now=now or time.time,
        connector=connector or open_source,
        source=source,
        notices=notices,
        demo_kubeconfig=demo_kubeconfig,
    )
