"""A terminal without UTF-8 (``LANG=C``) gets ASCII only: every byte the app writes, read raw
from the pane with tmux's pipe-pane, is below 0x80, on every screen visited."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from .conftest import Tmux

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(
    "env",
    # Set on the command line: tmux gives a pane's program its own TERM.
    ["LANG=C LC_ALL=C", "LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=linux"],
    ids=["LANG=C", "TERM=linux"],
)
def test_no_byte_outside_ascii_reaches_a_terminal_without_utf8(
    tmux: Tmux, tmp_path: Path, env: str
) -> None:
    raw = tmp_path / "pane.raw"
    tmux.start(f"sleep 1; env {env} kubectl stack --demo; echo EXIT-CODE=$?; sleep 60")
    tmux("pipe-pane", "-t", "e2e", "-o", f"cat > {raw}")
    tmux.wait_for(lambda s: "my-app" in s and "Complete" in s, "the stacks list")
    screen = tmux.screen()
    assert "] ok Complete" in screen and "* live" in screen
    tmux.keys("Enter")
    screen = tmux.wait_for(lambda s: "+- Rollout" in s, "the stack screen, ASCII borders")
    tmux.keys("right")
    tmux.wait_for(lambda s: "READINESS" in s, "the pods tab")
    tmux.keys("?")
    screen = tmux.wait_for(lambda s: "Keys" in s, "the help screen")
    assert "down, j" in screen
    tmux.keys("Escape")
    tmux.wait_for(lambda s: "Keys" not in s, "the help screen to close")
    tmux.keys("q")
    tmux.wait_for(lambda s: "EXIT-CODE=" in s, "the app to exit")
    time.sleep(0.5)  # pipe-pane's cat flushes
    data = raw.read_bytes()
    assert len(data) > 5000, "pipe-pane saw too little"
    outside = sorted({b for b in data if b > 0x7F})
    first = next((i for i, b in enumerate(data) if b > 0x7F), 0)
    assert not outside, (outside, data[max(0, first - 60) : first + 20])
