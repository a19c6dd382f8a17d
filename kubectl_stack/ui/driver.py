"""Textual's Linux/macOS driver, except that a terminal that goes away ends the app.

When an SSH link drops, sshd closes the pty and the kernel sends SIGHUP to the session that
has it as its controlling terminal: the app dies at once. Without a controlling terminal (a
process started with ``setsid`` on a pty, a multiplexer that closes the pty without a signal)
nothing arrives; the terminal is only *hung up*: reads return end of file (or EIO), writes
fail with EIO. Textual's input thread then sees "readable" at once, reads nothing and loops,
a core spinning for as long as the process lives, and its output thread dies on the first
failed write. This driver reads input with the same parser but ends the app on end of input
or EIO, and drops output once the terminal has failed instead of raising.
"""

from __future__ import annotations

import os
import selectors
from codecs import getincrementaldecoder
from collections.abc import Iterable
from typing import IO, Any

from textual import events
from textual.app import App
from textual.drivers.linux_driver import LinuxDriver
from textual.message import Message

from .run import TERMINAL_GONE
from .textual_internals import (
    XTermParser,
    app_of,
    debug_of,
    driver_output,
    set_driver_output,
)


class _Output:
    """The driver's output file: stops writing (and raising) once a write has failed."""

    def __init__(self, file: IO[str]) -> None:
        self._file = file
        self.failed = False

    def write(self, text: str) -> None:
        if not self.failed:
            try:
                self._file.write(text)
            except OSError:
                self.failed = True

    def flush(self) -> None:
        if not self.failed:
            try:
                self._file.flush()
            except OSError:
                self.failed = True

    def fileno(self) -> int:
        return self._file.fileno()


class TerminalDriver(LinuxDriver):
    """:class:`LinuxDriver` that exits the app (code :data:`TERMINAL_GONE`) when its input
    ends or fails, and never blocks or raises on output to a terminal that is gone."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        output = driver_output(self)
        assert output is not None  # sys.__stderr__, where Textual draws
        set_driver_output(self, _Output(output))

    def run_input_thread(self) -> None:
        """Textual's input loop (read, parse, dispatch; the parser's tick times out a lone
        Escape), ending the app when the terminal reports end of input or an error."""
        parser = XTermParser(debug_of(self))
        decode = getincrementaldecoder("utf-8")().decode
        with selectors.SelectSelector() as selector:
            selector.register(self.fileno, selectors.EVENT_READ)
            while not self.exit_event.is_set():
                if selector.select(0.1):
                    try:
                        data = os.read(self.fileno, 4096)
                    except BlockingIOError:
                        continue
                    except OSError:  # EIO: the terminal hung up
                        data = b""
                    if not data:
                        # Through the app's message queue: after its start-up, if still
                        # under way (an exit in the middle of it makes Textual panic).
                        app = app_of(self)
                        app.call_later(app.exit, return_code=TERMINAL_GONE)
                        return
                    self._dispatch(parser.feed(decode(data)))
                self._dispatch(parser.tick())

    def _dispatch(self, messages: Iterable[Message]) -> None:
        for message in messages:
            if isinstance(message, events.Key):
                # Before the key is queued: the app then holds back work queued after it.
                arriving = getattr(app_of(self), "input_arriving", None)
                if arriving is not None:
                    arriving()
            self.process_message(message)


def watch_terminal(app: App[Any]) -> None:
    """Run ``app`` with :class:`TerminalDriver` where it would use Textual's own Linux/macOS
    driver (not one chosen with ``TEXTUAL_DRIVER``, e.g. by textual-serve)."""
    if app.driver_class is LinuxDriver:
        app.driver_class = TerminalDriver
