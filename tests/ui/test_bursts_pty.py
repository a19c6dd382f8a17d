"""Keys typed in one burst, written to a real pty in one ``write()`` as an SSH session delivers
them, against the app in its own process: each burst is applied in the order typed, and keys
typed ahead of a dialog never answer it."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kubectl_stack_sim.runner import RunningSim

from .test_run_terminal import _env

pyte = pytest.importorskip("pyte", reason="the terminal emulator (pyte) is not installed")


class Terminal:
    """The app on a pty of 100x30; ``output`` is everything it wrote so far, ``screen`` what
    a terminal shows of it (the app sends only the cells that change: text already on screen
    is not written again)."""

    def __init__(self, master: int, proc: subprocess.Popen[bytes]) -> None:
        self.master = master
        self.proc = proc
        self.output = b""
        self.screen = pyte.Screen(100, 30)
        self._stream = pyte.ByteStream(self.screen)

    def write(self, keys: str) -> None:
        """One write(): the keys arrive at the app in one read."""
        assert os.write(self.master, keys.encode()) == len(keys.encode())

    def shows(self, text: str) -> bool:
        return any(text in line for line in self.screen.display)

    def wait_for(self, text: str, timeout: float = 60) -> None:
        """Read until the screen shows ``text``."""
        deadline = time.monotonic() + timeout
        while not self.shows(text) and time.monotonic() < deadline:
            if not self._read():
                break
        screen = "\n".join(self.screen.display)
        assert self.shows(text), f"{text!r} never appeared:\n{screen}"

    def settle(self, seconds: float = 1.0) -> None:
        """Read (and so let the app draw) for a while."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and self._read():
            pass

    def _read(self) -> bool:
        """Read what the app wrote within 0.1 s; False once the pty is closed."""
        ready, _, _ = select.select([self.master], [], [], 0.1)
        if ready:
            try:
                data = os.read(self.master, 65536)
            except OSError:  # EIO: the app closed the pty
                return False
            self.output += data
            self._stream.feed(data)
        return True


@pytest.fixture
def terminal(sim: RunningSim, tmp_path: Path) -> Iterator[Terminal]:
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    proc = subprocess.Popen(
        [sys.executable, "-m", "kubectl_stack", "--kubeconfig", str(sim.kubeconfig)],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env={**_env(tmp_path), "KUBECTL_STACK_SHOW_CLOCK": "false"},
        start_new_session=True,
    )
    os.close(slave)
    term = Terminal(master, proc)
    try:
        term.wait_for("Complete")
        yield term
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        os.close(master)


def replicas(sim: RunningSim) -> int:
    dep = sim.call(lambda: sim.cluster.store.get("deployments.apps", "default", "my-app"))
    return int(dep["spec"]["replicas"])


def eventually(predicate: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.parametrize(("burst", "count"), [("\x7f6\r", 6), ("\x15" + "12\r", 12)])
def test_a_burst_in_the_scale_field_is_applied_in_order(
    terminal: Terminal, sim: RunningSim, burst: str, count: int
) -> None:
    terminal.write("s")
    terminal.wait_for("Replicas")
    terminal.write(burst)
    terminal.wait_for(f"3 → {count} replicas: press y to scale")
    assert replicas(sim) == 3  # Enter never confirms
    terminal.write("y")
    eventually(lambda: replicas(sim) == count, f"spec.replicas {count}")


def test_enter_in_the_scale_dialog_never_scales(terminal: Terminal, sim: RunningSim) -> None:
    """The scale dialog opens on its field, not on Cancel: nothing typed there but ``y`` can
    scale. Enters in a burst (a stray one, or one typed ahead of a slow draw) only check the
    count and say what ``y`` would do; Esc then leaves the Deployment as it was."""
    terminal.write("s")
    terminal.wait_for("Replicas")
    terminal.write("\x7f6\r\r\r")
    terminal.wait_for("3 → 6 replicas: press y to scale")
    terminal.settle(1.5)
    assert replicas(sim) == 3
    terminal.write("\x1b")
    terminal.wait_for("Complete")
    terminal.settle(1.0)
    assert replicas(sim) == 3
    # The key that opens the dialog and a count with Enter, all in one read: the count and
    # the Enter were typed before the dialog was there, so they are not its answer.
    terminal.write("s\x7f6\r")
    terminal.wait_for("Replicas")
    terminal.settle(1.5)
    drawn = terminal.output.rsplit(b"Replicas", 1)[1]
    assert "3 → 6".encode() not in drawn and b"press y to scale" not in drawn
    terminal.write("\x1b")
    terminal.settle(1.0)
    assert replicas(sim) == 3


def test_a_burst_in_the_filter_is_applied_in_order(terminal: Terminal) -> None:
    terminal.write("/")
    terminal.wait_for("filter: name")
    terminal.write("abc\x7f\x7fd")
    terminal.wait_for("no Deployment matches 'ad'")
    terminal.write("\x15myx\x7f-\r\r")  # my- matches my-app; the second Enter opens it
    terminal.wait_for("RollingUpdate")


def test_keys_typed_ahead_of_a_dialog_never_answer_it(terminal: Terminal, sim: RunningSim) -> None:
    generation = sim.call(
        lambda: sim.cluster.store.get("deployments.apps", "default", "my-app")["metadata"][
            "generation"
        ]
    )
    for burst, title in (
        ("r\r", "Restart my-app"),
        ("ry", "Restart my-app"),
        ("s9y", "Scale my-app"),
    ):
        terminal.write(burst)
        terminal.wait_for(title)
        terminal.settle(1.0)
        terminal.write("\x1b")
        terminal.settle(1.0)
    after = sim.call(lambda: sim.cluster.store.get("deployments.apps", "default", "my-app"))
    assert after["metadata"]["generation"] == generation
    assert replicas(sim) == 3
