"""The app and its terminal: a terminal that goes away ends the app, no terminal at all is one
line and exit 1 (``--once`` still prints), all through real processes."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kubectl_stack_sim.runner import RunningSim

REPO = Path(__file__).resolve().parents[2]


def _env(home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home),
        "TERM": "xterm-256color",
    }


def _read_until(master: int, text: bytes, timeout: float) -> bytes:
    """What the program wrote on the pty until ``text`` appeared (or the timeout passed)."""
    seen = b""
    deadline = time.monotonic() + timeout
    while text not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.5)
        if ready:
            try:
                seen += os.read(master, 65536)
            except OSError:  # EIO: the program closed the pty
                break
    return seen


def test_terminal_closed_without_hangup_signal_ends_the_app(tmp_path: Path) -> None:
    # A pty that is not the app's controlling terminal (a new session, no TIOCSCTTY): closing
    # its master hangs it up but sends no SIGHUP; reads then return end of file.
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "kubectl_stack", "--demo"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=_env(tmp_path),
        start_new_session=True,
    )
    os.close(slave)
    try:
        screen = _read_until(master, b"my-app", 60)
        assert b"my-app" in screen, screen.decode(errors="replace")[-2000:]
        os.close(master)
        master = -1
        # Exit code 129 (128 + SIGHUP): the app ended itself; a traceback would be 1.
        assert proc.wait(timeout=30) == 129
    finally:
        if master >= 0:
            os.close(master)
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_without_a_terminal_the_app_is_one_line_and_exit_1(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "kubectl_stack", "--demo"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=_env(tmp_path),
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stderr == "error: kubectl stack needs a terminal; use --once for plain text\n"
    assert done.stdout == ""  # the demo cluster was not even started


def test_once_needs_no_terminal(sim: RunningSim, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "kubectl_stack", "--once", "--kubeconfig", str(sim.kubeconfig)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=_env(tmp_path),
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "my-app" in done.stdout


def _run_in_pty(args: list[str], env: dict[str, str], timeout: float = 60) -> tuple[int, bytes]:
    """Run the app on a pty until it exits: its exit code and all it wrote."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "kubectl_stack", *args],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
    )
    os.close(slave)
    try:
        seen = b""
        deadline = time.monotonic() + timeout
        while proc.poll() is None and time.monotonic() < deadline:
            seen += _read_until(master, b"\0", 0.5)
        seen += _read_until(master, b"\0", 0.5)
        return proc.wait(timeout=5), seen
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_bad_selector_is_one_line_before_the_app_starts(sim: RunningSim, tmp_path: Path) -> None:
    args = ["--kubeconfig", str(sim.kubeconfig), "-l", "app in (a"]
    code, out = _run_in_pty(args, _env(tmp_path))
    assert code == 1
    assert out == (
        b"error: Error from server (BadRequest): unable to parse requirement: "
        b"found 'app in (a', invalid selector\r\n"
    )


def test_kubeconfig_of_invalid_utf8_is_kubectls_line(tmp_path: Path, kubectl_path: Path) -> None:
    config = tmp_path / "config"
    config.write_bytes(b"apiVersion: v1\nkind: Config\nclusters: [{name: \xff\xfe}]\n")
    code, out = _run_in_pty(["--kubeconfig", str(config)], _env(tmp_path))
    assert code == 1
    assert out.count(b"\n") == 1 and b"Traceback" not in out
    done = subprocess.run(
        [str(kubectl_path), "--kubeconfig", str(config), "get", "pods"],
        capture_output=True,
        text=True,
        env={**os.environ, "KUBECACHEDIR": str(tmp_path / "cache")},
        timeout=60,
    )
    # kubectl: error: error loading config file "<path>": yaml: invalid leading UTF-8 octet
    words = done.stderr.strip().rpartition(": ")[2]
    assert words == "invalid leading UTF-8 octet"
    assert out.decode().strip().endswith(f": yaml: {words}")
    assert out.startswith(b"error: error loading config file ")


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_sigterm_and_sighup_write_the_terminal_modes_back(
    tmp_path: Path, signum: signal.Signals, code: int
) -> None:
    # The bytes on the pty itself (tests/e2e checks the same through tmux's own state).
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "kubectl_stack", "--demo"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=_env(tmp_path),
        start_new_session=True,
    )
    os.close(slave)
    try:
        screen = _read_until(master, b"my-app", 60)
        assert b"\x1b[?1049h" in screen and b"\x1b[?1000h" in screen and b"\x1b[?25l" in screen
        proc.send_signal(signum)
        assert proc.wait(timeout=30) == code
        after = _read_until(master, b"\0", 1)
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    for mode in (b"\x1b[?1049l", b"\x1b[?25h", b"\x1b[?1000l", b"\x1b[?1003l"):
        assert mode in after, (mode, after[-300:])
    assert b"Traceback" not in after
