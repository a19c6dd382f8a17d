"""A terminal without UTF-8 (``LANG=C``) gets ASCII only: every byte the app writes, read raw
from the pane with tmux's pipe-pane, is below 0x80, on every screen visited."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from .conftest import Tmux

pytestmark = pytest.mark.e2e


def quit_with_ascii_only(tmux: Tmux, raw: Path) -> None:
    """Quit the app, then check every byte it wrote to the pane (``raw``) is below 0x80."""
    tmux.keys("q")
    tmux.wait_for(lambda s: "EXIT-CODE=0" in s, "the app to exit")
    time.sleep(0.5)  # pipe-pane's cat flushes
    data = raw.read_bytes()
    assert len(data) > 5000, "pipe-pane saw too little"
    outside = sorted({b for b in data if b > 0x7F})
    first = next((i for i, b in enumerate(data) if b > 0x7F), 0)
    assert not outside, (outside, data[max(0, first - 60) : first + 20])


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
    quit_with_ascii_only(tmux, raw)


def test_dialogs_and_logs_say_the_main_screens_words_at_80x24_under_lang_c(
    tmux: Tmux, tmp_path: Path
) -> None:
    """The scale dialog, a confirmation and the Logs screen in a C locale at 80x24: their
    symbols as the Stacks table words them (``->``, ``!``, ``*``), not one character for one
    (``>``), and not one byte above 0x7F."""
    raw = tmp_path / "pane.raw"
    app = "env LANG=C LC_ALL=C kubectl stack --demo seed my-app"
    tmux.start(f"sleep 1; {app}; echo EXIT-CODE=$?; sleep 60", size=(80, 24))
    tmux("pipe-pane", "-t", "e2e", "-o", f"cat > {raw}")
    tmux.wait_for(lambda s: "+- Rollout" in s and "rolled out" in s, "the stack screen")
    tmux.keys("s")
    screen = tmux.wait_for(lambda s: "Replicas" in s, "the scale dialog")
    assert "y Scale 3 -> 3" in screen, screen
    assert "! HPA my-app owns this count (2-20)" in screen, screen
    assert "spec 3 - ready 3/3" in screen, screen
    tmux.keys("Escape")
    tmux.wait_for(lambda s: "Replicas" not in s, "the scale dialog to close")
    tmux.keys("r")
    screen = tmux.wait_for(lambda s: "Restart my-app" in s, "the restart dialog")
    assert "y Restart" in screen
    tmux.keys("Escape")
    tmux.wait_for(lambda s: "Restart my-app" not in s, "the restart dialog to close")
    tmux.keys("l")
    screen = tmux.wait_for(lambda s: "GET" in s and "following *" in s, "the logs")
    assert "logs - my-app (" in screen, screen
    tmux.keys("Escape")
    tmux.wait_for(lambda s: "+- Rollout" in s, "back on the stack screen")
    quit_with_ascii_only(tmux, raw)
