"""End to end: the app hands the real terminal (tmux) to kubectl and takes it back.

Edit runs the real kubectl (``kubectl stack --demo``, so kubectl itself sets
KUBECTL_PLUGINS_CALLER) with an editor script. The shell tests here run the recording stand-in
(``kubectl-stack --demo`` run directly with KUBECTL_PLUGINS_CALLER pointing at it) to check the
command line and a failing kubectl; ``test_exec_tmux`` runs the real one against the embedded
cluster's exec and port-forward. After each hand-over the alternate screen and mouse reporting
are back and keys work, also when kubectl fails or is absent."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
import standin_kubectl

from .conftest import REPO, Tmux

pytestmark = pytest.mark.e2e

DIRECT = f"{sys.executable} {REPO / 'plugin' / 'kubectl-stack'} --demo"


def start(tmux: Tmux, command: str) -> None:
    """Run ``command``; its exit code is printed after it (``EXIT-CODE=N``)."""
    tmux.start(f"{command}; echo EXIT-CODE=$?; /bin/sleep 60")


def flag(tmux: Tmux, name: str) -> str:
    return tmux("display-message", "-p", "-t", "e2e", f"#{{{name}}}").strip()


def assert_app_has_the_terminal(tmux: Tmux) -> None:
    """Alternate screen on, mouse reporting on, and keys reach the app (help opens)."""
    assert flag(tmux, "alternate_on") == "1"
    assert flag(tmux, "mouse_any_flag") == "1"
    tmux("send-keys", "-t", "e2e", "?")
    tmux.wait_for(lambda s: "Keys ·" in s, "the help screen")
    tmux("send-keys", "-t", "e2e", "Escape")
    tmux.wait_for(lambda s: "Keys ·" not in s, "help to close")


def quit_app(tmux: Tmux) -> None:
    tmux("send-keys", "-t", "e2e", "q")
    tmux.wait_for(lambda s: "EXIT-CODE=0" in s, "the app to exit cleanly")


def test_edit_through_real_kubectl_and_an_editor_script(tmux: Tmux, tmp_path: Path) -> None:
    editor = tmp_path / "editor.sh"
    editor.write_text("#!/bin/sh\nsed -i 's/^  replicas: 3$/  replicas: 5/' \"$1\"\n")
    editor.chmod(0o755)
    tmux.env["KUBE_EDITOR"] = str(editor)
    start(tmux, "kubectl stack --demo")
    tmux.wait_for(lambda s: "my-app" in s and "Complete" in s, "the stacks list")
    assert flag(tmux, "mouse_any_flag") == "1"
    tmux("send-keys", "-t", "e2e", "E")
    tmux.wait_for(lambda s: "deployment/my-app edited" in s, "kubectl's edit to finish")
    tmux.wait_for(lambda s: "/5" in s, "the stack at 5 replicas")
    assert_app_has_the_terminal(tmux)
    quit_app(tmux)


def test_per_context_read_only_refuses(tmux: Tmux, tmp_path: Path) -> None:
    config = tmp_path / ".config" / "kubectl-stack" / "config.yaml"
    config.parent.mkdir(parents=True)
    config.write_text("contexts:\n  sim:\n    read_only: true\n")
    start(tmux, "kubectl stack --demo")
    screen = tmux.wait_for(lambda s: "my-app" in s and "Complete" in s, "the stacks list")
    assert "read-only" in screen.splitlines()[0]
    # As with --read-only, the mutating keys are gone from the footer and do nothing.
    assert " s Scale" not in screen and " E Edit" not in screen
    tmux("send-keys", "-t", "e2e", "s", "E", "Enter")
    tmux.wait_for(lambda s: "Deployment" in s and "Rollout" in s, "the stack screen")
    tmux("send-keys", "-t", "e2e", "Right", "x", "S")
    screen = tmux.wait_for(lambda s: "Running" in s and "READY" in s, "the pods tab")
    assert "Replicas" not in screen and "Delete pod" not in screen
    quit_app(tmux)


DETAIL = re.compile(r"NODE \S+\s+IP \S+")
"""The Pods panel's detail line: the pod under the cursor's node and IP."""


def open_pods(tmux: Tmux) -> str:
    """Open the stack's Pods tab; the screen once a pod is under the cursor."""
    tmux.wait_for(lambda s: "my-app" in s and "Complete" in s, "the stacks list")
    tmux("send-keys", "-t", "e2e", "Enter")
    tmux.wait_for(lambda s: "Deployment" in s and "Rollout" in s, "the stack screen")
    tmux("send-keys", "-t", "e2e", "Right")
    tmux.wait_for(lambda s: "Running" in s and "READY" in s, "the pods tab")
    # A pod key pressed before a pod is under the cursor asks to choose a pod first.
    return tmux.wait_for(lambda s: DETAIL.search(s) is not None, "a pod under the cursor")


def test_shell_hands_the_terminal_to_kubectl_exec_and_takes_it_back(
    tmux: Tmux, tmp_path: Path
) -> None:
    kubectl = standin_kubectl.install(tmp_path / "standin")
    record = tmp_path / "argv"
    tmux.env.update(
        KUBECTL_PLUGINS_CALLER=str(kubectl), STANDIN_RECORD=str(record), STANDIN_WAIT="1"
    )
    start(tmux, DIRECT)
    open_pods(tmux)
    tmux("send-keys", "-t", "e2e", "S")
    screen = tmux.wait_for(lambda s: "STANDIN-SHELL tty=True" in s, "the shell")
    assert flag(tmux, "alternate_on") == "0"  # the app gave the terminal away
    assert "READY" not in screen
    tmux("send-keys", "-t", "e2e", "hello", "Enter")
    screen = tmux.wait_for(lambda s: "ended" in s and "READY" in s, "the app back")
    assert "shell in my-app-" in screen
    argv = json.loads(record.read_text().splitlines()[0])
    assert argv[0] == "exec" and "-it" in argv and argv[-3:-1] == ["sh", "-c"]
    assert_app_has_the_terminal(tmux)
    quit_app(tmux)


def test_a_failing_shell_is_one_line_and_the_terminal_comes_back(
    tmux: Tmux, tmp_path: Path
) -> None:
    kubectl = standin_kubectl.install(tmp_path / "standin")
    tmux.env.update(
        KUBECTL_PLUGINS_CALLER=str(kubectl),
        STANDIN_EXIT="1",
        STANDIN_STDERR="error: EXEC-REFUSED",
    )
    start(tmux, DIRECT)
    open_pods(tmux)
    tmux("send-keys", "-t", "e2e", "S")
    tmux.wait_for(lambda s: "EXEC-REFUSED" in s and "READY" in s, "the one line")
    assert_app_has_the_terminal(tmux)
    quit_app(tmux)


def test_without_kubectl_edit_is_one_line(tmux: Tmux, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    start(tmux, f"/usr/bin/env -u KUBECTL_PLUGINS_CALLER PATH={tmp_path / 'empty'} {DIRECT}")
    tmux.wait_for(lambda s: "my-app" in s and "Complete" in s, "the stacks list")
    tmux("send-keys", "-t", "e2e", "E")
    tmux.wait_for(lambda s: "kubectl was not found on PATH" in s, "the one line")
    assert_app_has_the_terminal(tmux)
    quit_app(tmux)
