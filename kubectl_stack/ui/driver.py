"""Textual's Linux/macOS driver, except that a terminal that goes away ends the app.

When an SSH link drops, sshd closes the pty and the kernel sends SIGHUP to the session that
has it as its controlling terminal: the app dies at once. Without a controlling terminal (a
process started with ``setsid`` on a pty, a multiplexer that closes the pty without a signal)
nothing arrives; the terminal is only *hung up*: reads return end of file (or EIO), writes
fail with EIO. Textual's input thread then sees "readable" at once, reads nothing and loops,
a core spinning for as long as the process lives, and its output thread dies on the first
failed write. This driver reads input with the same parser but ends the app on end of input
or EIO, and drops output once the terminal has failed instead of raising.

It also tells the app how fast the terminal drains (:class:`TerminalOutput`): the characters
written so far, and whether a write is blocked right now. On a slow link (SSH through a jump
host, a 64 kbit/s line) writes to the pty block once the kernel's buffer is full; the app
then waits for the terminal before it draws again, instead of queueing frames that would
arrive seconds late and hold the keys' answers behind them.
"""

from __future__ import annotations

import os
import selectors
import time
from codecs import getincrementaldecoder
from collections.abc import Iterable
from typing import IO, Any

from textual import events
from textual._xterm_parser import XTermParser
from textual.app import App
from textual.drivers.linux_driver import LinuxDriver
from textual.message import Message

from .run import TERMINAL_GONE


class TerminalOutput:
    """The driver's output file: counts what it wrote, knows when a write is blocked, and
    stops writing (and raising) once a write has failed. Written to by Textual's output
    thread; read by the app (plain attributes: a torn read costs one frame's pacing)."""

    def __init__(self, file: IO[str]) -> None:
        self._file = file
        self.failed = False
        self.written = 0
        """Bytes written so far (as UTF-8)."""
        self._blocked_since: float | None = None

    def blocked_for(self) -> float:
        """Seconds the write under way has been waiting for the terminal (0: none is)."""
        since = self._blocked_since
        return 0.0 if since is None else max(0.0, time.monotonic() - since)

    def write(self, text: str) -> None:
        if not self.failed:
            self._blocked_since = time.monotonic()
            try:
                self._file.write(text)
                # In bytes: the table's glyphs (▰ ✓ ◐) are three each in UTF-8.
                self.written += len(text.encode("utf-8", "replace"))
            except OSError:
                self.failed = True
            finally:
                self._blocked_since = None

    def flush(self) -> None:
        if not self.failed:
            self._blocked_since = time.monotonic()
            try:
                self._file.flush()
            except OSError:
                self.failed = True
            finally:
                self._blocked_since = None

    def fileno(self) -> int:
        return self._file.fileno()


def terminal_output(app: App[Any]) -> TerminalOutput | None:
    """The output of ``app``'s :class:`TerminalDriver`, if it runs on one."""
    driver = getattr(app, "_driver", None)  # Textual has no public accessor
    output = getattr(driver, "_file", None)
    return output if isinstance(output, TerminalOutput) else None


class TerminalDriver(LinuxDriver):
    """:class:`LinuxDriver` that exits the app (code :data:`TERMINAL_GONE`) when its input
    ends or fails, and never blocks or raises on output to a terminal that is gone."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        assert self._file is not None  # sys.__stderr__, where Textual draws
        self._file = TerminalOutput(self._file)  # type: ignore[assignment]

    def run_input_thread(self) -> None:
        """Textual's input loop (read, parse, dispatch; the parser's tick times out a lone
        Escape), ending the app when the terminal reports end of input or an error."""
        parser = XTermParser(self._debug)
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
                        self._app.call_later(self._app.exit, return_code=TERMINAL_GONE)
                        return
                    self._dispatch(parser.feed(decode(data)))
                self._dispatch(parser.tick())

    def _dispatch(self, messages: Iterable[Message]) -> None:
        for message in messages:
            if isinstance(message, events.Key):
                # Before the key is queued: the app then holds back work queued after it.
                arriving = getattr(self._app, "input_arriving", None)
                if arriving is not None:
                    arriving()
            self.process_message(message)


def watch_terminal(app: App[Any]) -> None:
    """Run ``app`` with :class:`TerminalDriver` where it would use Textual's own Linux/macOS
    driver (not one chosen with ``TEXTUAL_DRIVER``, e.g. by textual-serve)."""
    if app.driver_class is LinuxDriver:
        app.driver_class = TerminalDriver
