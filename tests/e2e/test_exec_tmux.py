"""End to end against the embedded cluster's exec and port-forward: ``kubectl stack --demo``
in a real terminal (tmux) hands it to the real kubectl, whose ``exec -it`` reaches the
simulated container's shell, and whose ``port-forward`` reaches the HTTP responder behind the
Service's pods."""

from __future__ import annotations

import re
import urllib.request

import pytest

from .conftest import Tmux
from .test_kubectl_tmux import assert_app_has_the_terminal, flag, open_pods, quit_app, start

pytestmark = pytest.mark.e2e

POD = re.compile(r"my-app-[a-z0-9]+-[a-z0-9]{5}")


def test_shell_runs_in_the_simulated_container_and_the_app_comes_back(tmux: Tmux) -> None:
    start(tmux, "kubectl stack --demo")
    open_pods(tmux)
    tmux.wait_for(lambda s: "Delete pod" in s, "the Pods tab's keys")
    tmux.keys("S")
    screen = tmux.wait_for(lambda s: s.rstrip().endswith("/ #"), "the container's prompt")
    assert flag(tmux, "alternate_on") == "0"  # kubectl exec -it has the terminal
    tmux.keys("hostname", "Enter")
    screen = tmux.wait_for(lambda s: s.count("/ #") == 2, "hostname's answer")
    answer = screen.split("hostname", 1)[1].split("/ #", 1)[0].strip()
    assert POD.fullmatch(answer), screen
    tmux.keys("exit", "Enter")
    screen = tmux.wait_for(lambda s: "ended" in s and "READY" in s, "the app back")
    assert f"shell in {answer}/app ended" in screen
    assert_app_has_the_terminal(tmux)
    quit_app(tmux)


def test_port_forward_from_the_app_answers_and_is_listed(tmux: Tmux) -> None:
    start(tmux, "kubectl stack --demo")
    tmux.wait_for(lambda s: "my-app" in s and "Complete" in s, "the stacks list")
    tmux.keys("F")
    tmux.wait_for(lambda s: "service/my-app 80" in s, "the port picker")
    tmux.keys("Enter")
    tmux.wait_for(lambda s: "1 forward" in s, "the forward to start")
    tmux.keys(":", "pf", "Enter")
    screen = tmux.wait_for(
        lambda s: re.search(r"127\.0\.0\.1:\d+ → 80", s) is not None and "forwarding" in s,
        "the forwards list",
    )
    match = re.search(r"127\.0\.0\.1:(\d+) → 80", screen)
    assert match is not None and "service/my-app" in screen
    with urllib.request.urlopen(f"http://127.0.0.1:{match.group(1)}/", timeout=20) as resp:
        status, body = resp.status, resp.read().decode()
    assert status == 200
    assert POD.search(body) and "image: my-app:1.4.2\n" in body and "ready: true\n" in body
    tmux.keys("Escape")
    tmux.wait_for(lambda s: "LOCAL → REMOTE" not in s, "the forwards list to close")
    quit_app(tmux)
