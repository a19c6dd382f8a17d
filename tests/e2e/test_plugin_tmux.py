"""End to end: real kubectl finds the installed plugin on PATH and runs ``kubectl stack --demo``
in a real terminal (tmux); keys are sent and the screen is read back with capture-pane."""

from __future__ import annotations

import pytest
from tmux_terminal import (
    Tmux,
    tmux_fixture,  # noqa: F401 (registers the fixture `tmux`)
)

pytestmark = pytest.mark.e2e


def test_kubectl_finds_plugin_and_app_quits_cleanly(tmux: Tmux) -> None:
    tmux.start("kubectl stack --demo")
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
