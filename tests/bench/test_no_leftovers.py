"""The benchmark harness leaves no process behind, however it ends: the app on its pty gets
SIGHUP when the harness dies (the pty is its controlling terminal), and an interrupted
``python -m bench`` ends the embedded cluster and the app before it exits."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

pytest.importorskip("pyte", reason="the benchmark's terminal emulator (pyte) is not installed")

REPO = Path(__file__).resolve().parents[2]
MARK = "BENCH_LEFTOVER_TEST"


def _marked(mark: str) -> dict[int, str]:
    """Live processes (not zombies) whose environment carries ``MARK=mark``: pid -> command."""
    found = {}
    needle = f"{MARK}={mark}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:  # gone, or not ours to read
            continue
        if needle in environ.split(b"\0"):
            found[int(entry.name)] = cmdline.replace(b"\0", b" ").decode(errors="replace")
    return found


def _wait_for(check: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def _harness(argv: list[str], mark: str, stderr: Path) -> subprocess.Popen[bytes]:
    """``argv`` in its own session (so a Ctrl+C can be sent to its whole process group)."""
    with stderr.open("wb") as err:
        return subprocess.Popen(
            argv,
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO), MARK: mark},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
            start_new_session=True,
            # A Ctrl+C reaches a harness run from a terminal. Started from a background job
            # of a non-interactive shell (as under nohup), it would inherit SIGINT ignored.
            preexec_fn=_default_sigint,
        )


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _kill_leftovers(mark: str) -> None:
    for pid in _marked(mark):
        os.kill(pid, signal.SIGKILL)


PTY_HARNESS = """
import os, sys
from bench.terminal import Terminal

sleeper = "import time; print('ready', flush=True); time.sleep(600)"
term = Terminal([sys.executable, "-c", sleeper], os.environ)
term.wait_for(lambda screen: "ready" in screen[0], 30)
os._exit(0)  # no clean-up at all: the kernel closes the pty's master
"""


def test_a_program_on_the_harness_pty_ends_when_the_harness_dies(tmp_path: Path) -> None:
    mark = uuid.uuid4().hex
    log = tmp_path / "stderr"
    harness = _harness([sys.executable, "-c", PTY_HARNESS], mark, log)
    try:
        assert harness.wait(timeout=60) == 0, log.read_text()
        # The sleeper never reads its terminal: only SIGHUP ends it.
        assert _wait_for(lambda: not _marked(mark), 30), _marked(mark)
    finally:
        _kill_leftovers(mark)


@pytest.mark.parametrize(
    ("how", "sig", "code"),
    [
        ("Ctrl+C", signal.SIGINT, 130),
        ("kill", signal.SIGTERM, 130),
        ("kill -9", signal.SIGKILL, -signal.SIGKILL),
    ],
)
def test_interrupted_bench_leaves_no_process_behind(
    tmp_path: Path, how: str, sig: signal.Signals, code: int
) -> None:
    mark = uuid.uuid4().hex
    argv = [sys.executable, "-m", "bench", "--sizes=100", "--main-size=100", "--quick"]
    argv += ["--no-sync", "--idle=60", f"--out={tmp_path / 'figures.json'}"]
    log = tmp_path / "stderr"
    harness = _harness(argv, mark, log)
    try:
        # Interrupted while the embedded cluster runs and the app shows it.
        assert _wait_for(lambda: "first complete screen" in log.read_text(), 60), log.read_text()
        if how == "Ctrl+C":  # the terminal sends it to the foreground process group
            os.killpg(harness.pid, sig)
        else:
            harness.send_signal(sig)
        assert harness.wait(timeout=60) == code, log.read_text()
        assert _wait_for(lambda: not _marked(mark), 30), _marked(mark)
        assert "Traceback" not in log.read_text()
    finally:
        if harness.poll() is None:
            harness.kill()
            harness.wait()
        _kill_leftovers(mark)
