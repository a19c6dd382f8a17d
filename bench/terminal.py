"""Run a program on a real pseudo-terminal and read its screen as a person would see it.

Everything the program writes is counted (what would cross an SSH link), optionally read
no faster than a slow link would carry it, and fed to a pyte terminal emulator so waits can
look at the screen's text; while ``emulate`` is off, the output is held and fed once it is
on again, never dropped: the app sends only what changed since its last frame, styles as
changes from the one before (:mod:`kubectl_stack.ui.framebuffer`), so an emulator that
skipped some output drew the rest in the wrong colours (at 30,000 pods, after the churn
windows, two rows in the cursor's colour: bench/README.md, "The churn windows corrupted the
harness's screen").

A wait answers with the time the output that made the screen show what it waited for came
out of the pty, not the time pyte was done with it: pyte is pure Python and parses a 4 KB
chunk of a full redraw in 3 to 10 ms, where a terminal takes well under one; a key's
latency measured after it was off by 10 to 20 ms.

Reading and emulating are two threads, and the screen's text is kept line by line (only the
lines pyte marks dirty are read again). The app paces what it sends by how soon the terminal
answers a cursor position query (:class:`kubectl_stack.ui.pacing.Link`: an answer 10 ms or
more late for 512 bytes or more measures the link, and each send then waits for the
previous one's answer). When one thread read, fed pyte and rebuilt the whole screen's text
for a wait (``Screen.display``: 11 ms at 200x60, 2 ms at 80x24, on a quiet machine; several
times that under load) before reading on, a 200x60 pty answered late and the app took it
for a slow link (bench/README.md, "The 200x60 event-to-screen: harness or app?").
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import queue
import signal
import struct
import subprocess
import termios
import threading
import time
from collections.abc import Callable, Mapping

import pyte
from wcwidth import wcwidth

from bench.sync import stop

Screen = list[str]
QUERY = b"\x1b[6n"  # cursor position query


def _controlling_terminal() -> None:
    """In the child, after ``setsid``: its stdin (the pty's slave) becomes its controlling
    terminal, and a hang-up ends it as it would a login session's programs, even when the
    harness was started with SIGHUP ignored (``nohup``, some CI runners). Only an ioctl and
    a signal disposition are set here, between fork and exec."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)


class Terminal:
    """``argv`` on a pty of ``cols`` x ``rows``; close() ends it."""

    def __init__(
        self,
        argv: list[str],
        env: Mapping[str, str],
        cols: int = 80,
        rows: int = 24,
        *,
        drain: float | None = None,
    ) -> None:
        """``drain``: read at most that many bytes a second, as a slow link would (8,000 for
        64 kbit/s): once the pty's buffer is full, the program's writes block."""
        self._drain = drain
        self.answers = True
        """Answer cursor position queries, as terminals do."""
        self._tail = b""
        self._master, slave = pty.openpty()
        try:
            self._size(slave, cols, rows)
            self.started = time.perf_counter()
            # The pty becomes the child's controlling terminal, as a login's does: when the
            # master closes (this process ends, however it ends), the kernel hangs it up and
            # sends the child SIGHUP, as sshd's closing does when a link drops.
            self.proc = subprocess.Popen(
                argv,
                stdin=slave,
                stdout=slave,
                stderr=slave,
                env={**env, "TERM": "xterm-256color", "COLORTERM": "truecolor"},
                start_new_session=True,
                preexec_fn=_controlling_terminal,
                close_fds=True,
            )
        except BaseException:
            os.close(self._master)
            raise
        finally:
            os.close(slave)
        self.screen = pyte.Screen(cols, rows)
        self._stream = pyte.ByteStream(self.screen)
        self._display = [" " * cols] * rows  # the screen's text, line by line
        self._changed = threading.Condition()
        self._feeding = threading.Event()
        self._feeding.set()
        self.bytes = 0
        # What a wait_for is waiting to see, and when the output that showed it came in.
        self._wanted: Callable[[Screen], bool] | None = None
        self._seen_at: float | None = None
        # Chunks read and not yet emulated, with the time each came out of the pty; an Event
        # set once the chunks before it are emulated; None once the pty is closed.
        self._chunks: queue.SimpleQueue[tuple[bytes, float] | threading.Event | None]
        self._chunks = queue.SimpleQueue()
        self._reader = threading.Thread(target=self._read, name="pty-reader", daemon=True)
        self._emulator = threading.Thread(target=self._emulate, name="pty-emulator", daemon=True)
        self._reader.start()
        self._emulator.start()

    @staticmethod
    def _size(fd: int, cols: int, rows: int) -> None:
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    def _read(self) -> None:
        """Read the pty as fast as it gives (or as the link drains), answer queries and count
        bytes; the emulation happens in :meth:`_emulate`, so a slow parse never delays an
        answer."""
        while True:
            try:
                data = os.read(self._master, 65536 if self._drain is None else 512)
            except OSError:
                data = b""
            if self._drain is not None and data:
                time.sleep(len(data) / self._drain)  # the link carrying it
            arrived = time.perf_counter()
            # A terminal answers a cursor position query once it has read all before it;
            # the app paces what it sends by these answers (kubectl_stack/ui/pacing.py).
            queries = (self._tail + data).count(QUERY)
            self._tail = data[-(len(QUERY) - 1) :]
            for _ in range(queries if self.answers else 0):
                with contextlib.suppress(OSError):
                    os.write(self._master, b"\x1b[1;1R")
            if not data:
                self._chunks.put(None)
                return
            self.bytes += len(data)
            self._chunks.put((data, arrived))

    @property
    def emulate(self) -> bool:
        """Whether the output is fed to the emulator as it comes (pyte costs CPU that a
        measurement of the app's own may not share). Turned off, the output is held; turned
        on, what was held is fed, in order, before this returns, so a wait that follows
        sees the screen as it is."""
        return self._feeding.is_set()

    @emulate.setter
    def emulate(self, on: bool) -> None:
        if not on:
            self._feeding.clear()
        elif not self._feeding.is_set():
            caught_up = threading.Event()
            self._chunks.put(caught_up)
            self._feeding.set()
            caught_up.wait(timeout=120.0)

    def _emulate(self) -> None:
        while (chunk := self._chunks.get()) is not None:
            if isinstance(chunk, threading.Event):
                chunk.set()
                continue
            self._feeding.wait()
            data, arrived = chunk
            with self._changed:
                self._stream.feed(data)
                self._redisplay()
                wanted = self._wanted
                if wanted is not None and self._seen_at is None and wanted(self._display):
                    self._seen_at = arrived
                self._changed.notify_all()
        with self._changed:
            self.proc.poll()
            self._changed.notify_all()

    def _redisplay(self) -> None:
        """The text of the lines pyte marked changed, as ``pyte.Screen.display`` renders
        them (a wide character's second cell skipped)."""
        screen = self.screen
        for y in screen.dirty:
            if y >= screen.lines:
                continue
            line = screen.buffer[y]
            cells: list[str] = []
            wide = False
            for x in range(screen.columns):
                if wide:
                    wide = False
                    continue
                char = line[x].data
                wide = bool(char) and wcwidth(char[0]) == 2
                cells.append(char)
            self._display[y] = "".join(cells)
        screen.dirty.clear()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def lines(self) -> Screen:
        with self._changed:
            return list(self._display)

    def wait_for(self, seen: Callable[[Screen], bool], timeout: float) -> float | None:
        """Block until ``seen(screen lines)`` holds; None after ``timeout`` seconds. Answers
        the perf_counter time the chunk of output after which it first held was read from
        the pty (checked after every chunk), or now if it held already."""
        deadline = time.perf_counter() + timeout
        with self._changed:
            if seen(self._display):
                return time.perf_counter()
            self._wanted, self._seen_at = seen, None
            try:
                while self._seen_at is None:
                    left = deadline - time.perf_counter()
                    if left <= 0 or self.proc.returncode is not None:
                        return None
                    self._changed.wait(left)
                return self._seen_at
            finally:
                self._wanted = None

    def cursor_row(self, row_text: str) -> int | None:
        """The row drawn with a background no other row has (a table's cursor), among the
        rows below the first two whose text holds ``row_text`` (what every table row
        shows). The Stacks screen's detail line (at 80 columns, the row under the cursor's
        columns left out), on the screen's own background, is just as alone in its colour
        when it fits on one line: with the rows at the top of the list after churn at
        30,000 pods it did for every move, and one run recorded no cursor move at all."""
        with self._changed:
            buffer = self.screen.buffer
            bgs = [buffer[y][1].bg for y in range(self.screen.lines)]
            lines = list(self._display)
        counts: dict[str, int] = {}
        for bg in bgs:
            counts[bg] = counts.get(bg, 0) + 1
        unique = [
            y for y, bg in enumerate(bgs) if counts[bg] == 1 and y > 1 and row_text in lines[y]
        ]
        return unique[0] if len(unique) == 1 else None

    def send(self, keys: bytes) -> None:
        os.write(self._master, keys)

    def close(self) -> None:
        if self._master < 0:
            return
        stop(self.proc)
        os.close(self._master)
        self._master = -1
        self._feeding.set()  # what was held is fed, and the emulator sees the end
        self._reader.join(timeout=5)
        self._emulator.join(timeout=5)
