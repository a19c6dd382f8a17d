"""Signals and job control in a real terminal (tmux, an interactive bash): SIGTERM and SIGHUP
end the app and give the terminal back; Ctrl+Z suspends it as vim and less do, and keys typed
for the shell never reach the app."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from .conftest import Tmux

pytestmark = pytest.mark.e2e

SHELL = "bash --norc --noprofile -i"


def _app_pid(tmux: Tmux) -> int:
    """The app's process: the shell's child (kubectl execs the plugin in its own place)."""
    shell = int(tmux.flag("pane_pid"))
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        children = Path(f"/proc/{shell}/task/{shell}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.1)
    raise AssertionError("the app's process was not found under the shell")


def _start_app(tmux: Tmux, line: str = "kubectl stack --demo; echo EXIT-CODE=$?") -> None:
    tmux.start(SHELL)
    tmux.wait_for(lambda s: s.rstrip().endswith(("$", "#")), "the shell prompt")
    tmux.keys(line, "Enter")
    tmux.wait_for(lambda s: "my-app" in s and "Complete" in s, "the stacks list")
    # What the app turned on, so that the checks below can fail.
    assert tmux.flag("alternate_on") == "1"
    assert tmux.flag("cursor_flag") == "0"
    assert tmux.flag("mouse_any_flag") == "1"


def _assert_terminal_given_back(tmux: Tmux) -> None:
    assert tmux.flag("alternate_on") == "0", "still in the alternate screen"
    assert tmux.flag("cursor_flag") == "1", "the cursor is still hidden"
    for mode in ("mouse_any_flag", "mouse_all_flag", "mouse_button_flag", "mouse_standard_flag"):
        assert tmux.flag(mode) == "0", f"{mode}: the mouse is still reported"


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_sigterm_and_sighup_end_the_app_and_give_the_terminal_back(
    tmux: Tmux, signum: signal.Signals, code: int
) -> None:
    _start_app(tmux)
    os.kill(_app_pid(tmux), signum)
    # The typed line holds "EXIT-CODE=$?": wait for the echo's line, not for the alternate
    # screen to go (which showed the typed line before the process had ended).
    screen = tmux.wait_for(
        lambda s: "EXIT-CODE=" in s.replace("EXIT-CODE=$", ""),
        f"the app to end on {signum.name}",
    )
    assert f"EXIT-CODE={code}" in screen
    assert "Traceback" not in screen
    assert "^[[" not in screen, "an answer to the app's query reached the shell"
    _assert_terminal_given_back(tmux)


def test_ctrl_z_suspends_like_vim_and_fg_redraws(tmux: Tmux) -> None:
    # Alone on its line: after `fg`, bash runs only the stopped job, not the rest of a list.
    _start_app(tmux, "kubectl stack --demo")
    # Ctrl+Z and then, in the same burst, keys meant for the shell: `s` Enter would open the
    # scale dialog and confirm it if they reached the app.
    tmux.keys("-l", "\x1as\r")
    tmux.wait_for(lambda s: "Stopped" in s, "the shell to report the job stopped")
    _assert_terminal_given_back(tmux)
    # Typed while the app is stopped: the shell's.
    tmux.keys("s", "Enter")
    tmux.wait_for(lambda s: s.count("s: command not found") >= 1, "the shell to run `s`")
    tmux.keys("fg", "Enter")
    screen = tmux.wait_for(
        lambda s: "my-app" in s and "Complete" in s and "ROLLOUT" in s, "the app to redraw"
    )
    assert tmux.flag("alternate_on") == "1"
    assert tmux.flag("mouse_any_flag") == "1"
    time.sleep(1.5)  # a key that got through would have opened its dialog by now
    screen = tmux.screen()
    assert "Scale my-app" not in screen and "Replicas" not in screen, screen
    assert "scaled" not in screen
    tmux.keys("q")
    tmux.wait_for(lambda s: s.count("KUBECONFIG=") >= 2, "the app to exit")
    tmux.keys("echo EXIT-CODE=$?", "Enter")
    screen = tmux.wait_for(lambda s: "EXIT-CODE=" in s.replace("EXIT-CODE=$", ""), "the code")
    assert "EXIT-CODE=0" in screen
    _assert_terminal_given_back(tmux)
