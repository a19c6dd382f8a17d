"""Textual's Linux/macOS driver, except that a terminal that goes away ends the app.

When an SSH link drops, sshd closes the pty and the kernel sends SIGHUP to the session that
has it as its controlling terminal: the app dies at once. Without a controlling terminal (a
process started with ``setsid`` on a pty, a multiplexer that closes the pty without a signal)
nothing arrives; the terminal is only *hung up*: reads return end of file (or EIO), writes
fail with EIO. Textual's input thread then sees "readable" at once, reads nothing and loops,
a core spinning for as long as the process lives, and its output thread dies on the first
failed write. This driver reads input with the same parser but ends the app on end of input
or EIO, and drops output once the terminal has failed instead of raising.

Its output goes through :class:`TerminalOutput`: a cell-diff writer (:mod:`.framebuffer`)
that sends only the cells that changed, paced by the link (:class:`.pacing.Link`): each send
ends with a cursor position query (``CSI 6 n``) whose answer, read by the input thread, says
the terminal has taken everything before it. On a slow link (SSH through a jump host, a
64 kbit/s line) what the app draws meanwhile waits in the framebuffer, each row in its
latest state, instead of queueing frames that would arrive seconds late with the keys'
answers behind them.
"""

from __future__ import annotations

import math
import os
import selectors
import threading
import time
from codecs import getincrementaldecoder
from collections.abc import Iterable
from typing import IO, Any

from textual import events
from textual.app import App
from textual.drivers.linux_driver import LinuxDriver
from textual.message import Message

from . import pacing
from .framebuffer import Framebuffer, terminal_size
from .pacing import Link
from .run import TERMINAL_GONE
from .textual_internals import (
    XTermParser,
    app_of,
    debug_of,
    driver_output,
    set_driver_output,
    writer_thread_of,
)

CLOSE_WAIT = 0.5  # seconds the app waits, when it stops, for the answer to its last query


class TerminalOutput:
    """The driver's output file. Textual's output thread writes frames into a
    :class:`.framebuffer.Framebuffer` and flushes; a flush sends what changed when the link
    (:class:`.pacing.Link`) allows, else leaves it for :meth:`due` to say. Writing stops
    (and never raises) once a write has failed."""

    QUERY = "\x1b[6n"  # the terminal answers with its cursor position, after all before it

    def __init__(self, file: IO[str]) -> None:
        self._file = file
        self.failed = False
        self._screen = Framebuffer(terminal_size(file.fileno()))
        self._link = Link()
        self._lock = threading.Lock()  # the link: the input thread tells of answers
        self.key_at = -math.inf
        """When the input thread last read a key (monotonic)."""
        self._wake = False  # the output thread was asked to flush
        self._closing = False  # no more queries: their answers would go to the shell
        self._answered = threading.Event()

    def write(self, text: str) -> None:
        self._screen.feed(text, time.monotonic())

    def flush(self) -> None:
        """Send what changed if the link allows (Textual's output thread, once its queue is
        empty). What Textual wrote that is not cells (modes, the alternate screen: at start,
        exit and resume) goes at once, and what was pending with it."""
        self._wake = False
        if self.failed:
            return
        size = terminal_size(self._file.fileno())
        if size is not None:
            self._screen.resized(size)
            self._link.resize(*size)
        now = time.monotonic()
        with self._lock:
            if not self._screen.pending:
                return
            if not self._screen.urgent and self._link.wait(now, self.key_at) > 0:
                return
            limit = self._link.limit()
            query = not self._closing and self._link.asks(now)
        key = self.key_at if now - self.key_at <= pacing.KEY_ANSWER else None
        text = self._screen.take(limit, first=key)
        if query:
            text += self.QUERY
        sent = len(text.encode("utf-8", "replace"))  # the table's glyphs: 3 bytes each
        with self._lock:
            self._link.wrote(now, sent, query)
        try:
            self._file.write(text)
            self._file.flush()
        except OSError:
            self.failed = True
            return
        took = time.monotonic() - now
        with self._lock:
            self._link.blocked(sent, took)

    def wake(self) -> bool:
        """Whether the output thread should be woken to send what waits (the input thread
        asks; True once until the next flush, so its queue never fills with wake-ups)."""
        if self._wake or self.failed or not self._screen.pending:
            return False
        with self._lock:
            due = self._link.wait(time.monotonic(), self.key_at)
        self._wake = due <= 0
        return self._wake

    def answered(self) -> None:
        """The terminal answered a query (the input thread)."""
        with self._lock:
            self._link.answered_query(time.monotonic())
        self._answered.set()

    def close(self, timeout: float) -> None:
        """Ask no more, and wait up to ``timeout`` seconds for the answer to the query under
        way from a terminal that answers: once the app has given the terminal back, the
        answer would reach the shell as typed text (``^[[3;1R``)."""
        with self._lock:
            self._closing = True
            waiting = self._link.query is not None and self._link.answers
            self._answered.clear()
        if waiting:
            self._answered.wait(timeout)

    def reopen(self) -> None:
        """The app has the terminal again (back from a shell or Ctrl+Z): ask again."""
        with self._lock:
            self._closing = False

    def due(self) -> float | None:
        """Seconds until what waits may be sent (None: nothing waits)."""
        if self.failed or not self._screen.pending:
            return None
        with self._lock:
            return self._link.wait(time.monotonic(), self.key_at)

    def fileno(self) -> int:
        return self._file.fileno()


class TerminalDriver(LinuxDriver):
    """:class:`LinuxDriver` that exits the app (code :data:`TERMINAL_GONE`) when its input
    ends or fails, and never blocks or raises on output to a terminal that is gone."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        output = driver_output(self)
        assert output is not None  # sys.__stderr__, where Textual draws
        self.terminal_output = TerminalOutput(output)
        set_driver_output(self, self.terminal_output)

    def start_application_mode(self) -> None:
        """Textual's (at start and on every resume), asking the terminal again (the pacing's
        queries stopped when it was given away), once the app has been told that the keys
        read from now on are its own. Textual's resume signal is no such mark: it reaches the
        app after the new input thread has started (after the action that suspended it), and
        a key read in between (``S`` right after a shell's ``exit``) was taken for one read
        before the suspension and dropped."""
        resumes = getattr(app_of(self), "input_resumes", None)
        if resumes is not None:
            resumes()
        self.terminal_output.reopen()
        super().start_application_mode()  # type: ignore[no-untyped-call]

    def stop_application_mode(self) -> None:
        """Textual's, once the answer to our last query is in (while input is still read)."""
        self.terminal_output.close(CLOSE_WAIT)
        super().stop_application_mode()

    def run_input_thread(self) -> None:
        """Textual's input loop (read, parse, dispatch; the parser's tick times out a lone
        Escape), ending the app when the terminal reports end of input or an error."""
        parser = XTermParser(debug_of(self))
        decode = getincrementaldecoder("utf-8")().decode
        with selectors.SelectSelector() as selector:
            selector.register(self.fileno, selectors.EVENT_READ)
            while not self.exit_event.is_set():
                due = self.terminal_output.due()
                if selector.select(0.1 if due is None else min(0.1, max(0.005, due))):
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
                self._send_due()

    def _send_due(self) -> None:
        """Wake the output thread when what waits in the framebuffer may go now."""
        writer = writer_thread_of(self)
        if writer is not None and self.terminal_output.wake():
            writer.write("")  # it flushes once its queue is empty

    def _dispatch(self, messages: Iterable[Message]) -> None:
        for message in messages:
            if isinstance(message, events.CursorPosition):  # the answer to our query
                self.terminal_output.answered()
                self._send_due()
                continue
            if isinstance(message, events.Key):
                self.terminal_output.key_at = time.monotonic()
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
