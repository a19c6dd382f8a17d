"""Logs of one pod, or of every pod of a workload (of any kind), followed live.

The buffer is bounded (``Settings.log_buffer_lines``); toggles (timestamps, wrap, filter)
re-render from the buffer, search highlights matches and n/N jump between them.
"""

from __future__ import annotations

import re
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import RichLog, Static

from ... import kinds as K
from ...kube.logs import LogLine as KubeLogLine
from ...kube.logs import LogOptions, choose_container
from ...model.ref import WorkloadRef
from ..presenters import objects as present_objects
from ..presenters.text import log_line, shown
from ..widgets.bars import Banner, KeysFooter, TopBar
from ..widgets.text_input import TextInput
from .base import ClusterScreen
from .dialogs import PickerDialog

WINDOWS: dict[str, tuple[int | None, int | None]] = {
    "since 1m": (60, None),
    "since 5m": (300, None),
    "since 15m": (900, None),
    "since 1h": (3600, None),
    "last 50 lines": (None, 50),
    "last 500 lines": (None, 500),
    "last 5000 lines": (None, 5000),
    "everything": (None, None),
}
"""How far back a stream starts (label -> (since seconds, tail lines)), as ``kubectl logs
--since`` / ``--tail``; the settings' ``log_tail_lines`` is the default."""


@dataclass(frozen=True)
class LogLine:
    pod: str
    timestamp: str  # the server's RFC 3339 timestamp ('' when it sent none)
    text: str


class LogsScreen(ClusterScreen):
    """Follows logs. ``pod`` for one pod (its ``container``, by default kubectl's choice),
    ``workload`` for all of its pods, named as the stacks list names it (``my-app``,
    ``sts/db``)."""

    TITLE = "Logs"
    BINDINGS = [
        Binding("escape", "back", "Back", id="logs.back"),
        Binding("f", "follow", "Follow/pause", id="logs.follow"),
        Binding("c", "container", "Container", id="logs.container"),
        Binding("s", "window", "Since/tail", show=False, id="logs.window"),
        Binding("p", "previous", "Previous", id="logs.previous"),
        Binding("t", "timestamps", "Timestamps", id="logs.timestamps"),
        Binding("w", "wrap", "Wrap", id="logs.wrap"),
        Binding("slash", "search", "Search", id="logs.search"),
        Binding("n", "next_match", "Next", id="logs.next"),
        Binding("N", "previous_match", "Prev", id="logs.prev"),
        Binding("ampersand", "filter", "Filter", id="logs.filter"),
        Binding("ctrl+s", "save", "Save", id="logs.save"),
        Binding("down,j", "scroll_down", "Down", show=False, id="logs.down"),
        Binding("up,k", "scroll_up", "Up", show=False, id="logs.up"),
    ]

    def __init__(
        self,
        namespace: str,
        *,
        pod: str | None = None,
        workload: WorkloadRef | None = None,
        container: str | None = None,
    ) -> None:
        super().__init__()
        self.namespace = namespace
        self.pod = pod
        self.followed = workload
        self.workload_name = K.display_name(workload.kind, workload.name) if workload else ""
        self.title = f"Logs {pod or self.workload_name}"
        self.following = True
        self.previous = False
        self.timestamps = False
        self.wrap = True
        self.container = container
        self.since: int | None = None
        self.tail: int | None = self.stack_app.settings.log_tail_lines
        self.search = ""
        self.filter = ""
        self._lines: deque[LogLine] = deque()
        self._match = -1
        self._pods: tuple[str, ...] = ()

    def compose(self) -> ComposeResult:
        yield TopBar()
        yield Banner()
        yield Static(id="logs-status")
        yield TextInput(placeholder="search", id="logs-search", classes="hidden")
        yield TextInput(
            placeholder="show only lines containing…", id="logs-filter", classes="hidden"
        )
        yield RichLog(
            id="log",
            max_lines=self.stack_app.settings.log_buffer_lines,
            wrap=True,
            markup=False,
            highlight=False,
        )
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#log").focus()
        self._restart_streams()

    # -- streams ------------------------------------------------------------------------------

    def _restart_streams(self) -> None:
        if self.container is None and self.pod is not None:
            pod = self.source.get("pods", self.namespace, self.pod)
            # kubectl's default: the default-container annotation, else the first.
            self.container = choose_container(pod, None)[0] if pod else None
        self.workers.cancel_group(self, "logs")
        self._lines.clear()
        self._render_all()
        self.run_worker(self._stream(), group="logs", exclusive=True)
        self._show_status()

    async def _stream(self) -> None:
        options = LogOptions(
            container=self.container,
            follow=not self.previous,
            tail=self.tail,
            since=self.since,
            previous=self.previous,
            # Stamps arrive separately in LogLine.timestamp; the t key shows them.
            timestamps=False,
        )
        stream = self.source.log_stream(
            self.namespace, pod=self.pod, workload=self.followed, options=options
        )
        await stream.start()
        try:
            async for item in stream:
                if isinstance(item, KubeLogLine):
                    self._append(LogLine(item.pod, item.timestamp, item.text))
                    if item.pod not in self._pods:
                        self._pods = (*self._pods, item.pod)
                        self._show_status()
                elif item.kind in ("error", "dropped", "reconnecting", "ended"):
                    self._append(LogLine(item.pod, "", f"[{item.kind}] {item.message}"))
        finally:
            await stream.stop()

    def _append(self, line: LogLine) -> None:
        self._lines.append(line)
        if len(self._lines) > self.stack_app.settings.log_buffer_lines:
            self._lines.popleft()
        if self._visible(line):
            log = self.query_one("#log", RichLog)
            log.write(self._render_line(line), scroll_end=self.following)

    # -- rendering ----------------------------------------------------------------------------

    def _visible(self, line: LogLine) -> bool:
        return not self.filter or self.filter.lower() in line.text.lower()

    def _render_line(self, line: LogLine) -> Text:
        text = Text()
        if len(self._pods) > 1:
            text.append(shown(f"{_short(line.pod)} │ ", style="dim"))
        if self.timestamps and line.timestamp:
            text.append(shown(line.timestamp + " ", style="dim"))
        body = log_line(line.text)
        if self.search:
            body.highlight_regex(re.compile(re.escape(self.search), re.IGNORECASE), "reverse")
        text.append_text(body)
        return text

    def _render_all(self) -> None:
        log = self.query_one("#log", RichLog)
        log.wrap = self.wrap
        log.clear()
        for line in self._lines:
            if self._visible(line):
                log.write(self._render_line(line), scroll_end=False)
        if self.following:
            log.scroll_end(animate=False)

    def _show_status(self) -> None:
        what = self.pod or f"{self.workload_name} ({len(self._pods)} pods)"
        state = "following ●" if self.following else "paused ⏸"
        parts = [
            f"logs · {what}",
            "previous container" if self.previous else state,
            f"container {self.container or 'default'}",
            self.window_label(),
            f"timestamps {'on' if self.timestamps else 'off'}",
            f"wrap {'on' if self.wrap else 'off'}",
        ]
        if self.filter:
            parts.append(f"filter: {self.filter}")
        if self.search:
            parts.append(f"search: {self.search}")
        self.query_one("#logs-status", Static).update(shown(" · ".join(parts)))

    def refresh_data(self) -> None:
        self.update_top_bar()

    # -- keys ---------------------------------------------------------------------------------

    def action_back(self) -> None:
        """Esc closes the innermost mode only: the search or filter being typed, then the
        search, then the filter; the screen only when none is open."""
        for field in self.query(TextInput):
            if not field.has_class("hidden"):
                field.add_class("hidden")
                self.query_one("#log").focus()
                return
        if self.search:
            self.search = ""
            self._match = -1
        elif self.filter:
            self.filter = ""
        else:
            self.app.pop_screen()
            return
        self._render_all()
        self._show_status()

    def action_follow(self) -> None:
        self.following = not self.following
        log = self.query_one("#log", RichLog)
        log.auto_scroll = self.following
        if self.following:
            log.scroll_end(animate=False)
        self._show_status()

    def window_label(self) -> str:
        """``since 5m``, ``last 200 lines`` or ``everything``."""
        if self.since is not None:
            return next(k for k, (since, _) in WINDOWS.items() if since == self.since)
        return f"last {self.tail} lines" if self.tail is not None else "everything"

    def action_window(self) -> None:
        default = f"last {self.stack_app.settings.log_tail_lines} lines"
        windows = {default: (None, self.stack_app.settings.log_tail_lines), **WINDOWS}

        def chosen(label: object) -> None:
            if isinstance(label, str) and label in windows:
                self.since, self.tail = windows[label]
                self._restart_streams()

        self.app.push_screen(PickerDialog("Since/tail", list(windows), self.window_label()), chosen)

    def action_container(self) -> None:
        pod = self.pod or (self._pods[0] if self._pods else None)
        containers = present_objects.containers_of(self.source, self.namespace, pod) if pod else []
        if not containers:
            self.stack_app.tell("no pod to pick a container from yet", severity="warning")
            return
        # Of a workload: one container of every pod, or one pod's container followed on
        # its own screen while this one goes on following the rest.
        singles = [
            f"{p}/{c}"
            for p in self._pods
            for c in present_objects.containers_of(self.source, self.namespace, p)
        ]
        items = containers + (singles if self.followed is not None else [])

        def chosen(item: object) -> None:
            if isinstance(item, str) and item in singles and item not in containers:
                pod_name, _, container = item.rpartition("/")
                screen = LogsScreen(self.namespace, pod=pod_name, container=container)
                screen.since, screen.tail = self.since, self.tail
                self.app.push_screen(screen)
            elif isinstance(item, str) and item != self.container:
                self.container = item
                self._restart_streams()

        self.app.push_screen(PickerDialog("Container", items, self.container), chosen)

    def action_previous(self) -> None:
        self.previous = not self.previous
        self._restart_streams()

    def action_timestamps(self) -> None:
        self.timestamps = not self.timestamps
        self._render_all()
        self._show_status()

    def action_wrap(self) -> None:
        self.wrap = not self.wrap
        self._render_all()
        self._show_status()

    def action_search(self) -> None:
        field = self.query_one("#logs-search", TextInput)
        field.remove_class("hidden")
        field.focus()

    def action_filter(self) -> None:
        field = self.query_one("#logs-filter", TextInput)
        field.remove_class("hidden")
        field.focus()

    @on(TextInput.Submitted, "#logs-search")
    def _search(self, event: TextInput.Submitted) -> None:
        event.input.add_class("hidden")  # the status line shows it; Esc clears it
        self.search = event.value
        self._match = -1
        self._render_all()
        self._show_status()
        self.query_one("#log").focus()
        if self.search:
            self.action_next_match()

    @on(TextInput.Submitted, "#logs-filter")
    def _filter(self, event: TextInput.Submitted) -> None:
        event.input.add_class("hidden")
        self.filter = event.value
        self._render_all()
        self._show_status()
        self.query_one("#log").focus()

    def _matches(self) -> list[int]:
        needle = self.search.lower()
        visible = [line for line in self._lines if self._visible(line)]
        return [i for i, line in enumerate(visible) if needle and needle in line.text.lower()]

    def _jump(self, step: int) -> None:
        matches = self._matches()
        if not matches:
            if self.search:
                self.stack_app.tell(f"no line contains {self.search!r}", severity="warning")
            return
        self._match = (self._match + step) % len(matches)
        if self.following:
            self.action_follow()
        log = self.query_one("#log", RichLog)
        log.scroll_to(y=matches[self._match], animate=False)

    def action_next_match(self) -> None:
        self._jump(1)

    def action_previous_match(self) -> None:
        self._jump(-1)

    def action_scroll_down(self) -> None:
        self.query_one("#log", RichLog).scroll_down()

    def action_scroll_up(self) -> None:
        self.query_one("#log", RichLog).scroll_up()

    def action_save(self) -> None:
        name = (self.pod or self.workload_name or "logs").replace("/", "_")
        stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(self.stack_app.now()))
        path = Path.cwd() / f"{name}-{stamp}.log"
        try:
            with path.open("w", encoding="utf-8") as out:
                for line in self._lines:
                    if self._visible(line):
                        prefix = f"{line.pod} " if len(self._pods) > 1 else ""
                        stamp_text = f"{line.timestamp} " if line.timestamp else ""
                        out.write(f"{prefix}{stamp_text}{line.text}\n")
        except OSError as exc:
            self.stack_app.tell(f"could not save: {exc.strerror or exc}", severity="error")
            return
        self.stack_app.tell(f"saved {len(self._lines)} lines to {path}")


def _short(pod: str) -> str:
    # The suffix (random, or a StatefulSet's ordinal) tells a workload's pods apart; the
    # common prefix is noise.
    return pod.rsplit("-", 1)[-1]
