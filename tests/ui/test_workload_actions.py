"""The workload keys act on the workload they were pressed on: the Stacks list passes the row
under the cursor, the Stack screen the workload it shows, as a value the dialog keeps."""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path
from typing import Any

import pytest
from conftest import kubectl_runner, ok
from textual.pilot import Pilot

from kubectl_stack.model.ref import WorkloadRef
from kubectl_stack.ui.app import StackApp
from kubectl_stack.ui.screens.dialogs import ScaleDialog, UndoDialog
from kubectl_stack.ui.screens.history import HistoryScreen
from kubectl_stack.ui.screens.stack import StackScreen
from kubectl_stack.ui.screens.stacks import StacksScreen
from kubectl_stack_sim.runner import RunningSim

from .conftest import Captured, capture, memory_app, until, until_text
from .memory import MemorySource
from .screen import screen_text

MY_APP = WorkloadRef("Deployment", "default", "my-app")
TWIN = WorkloadRef("Deployment", "default", "twin")


def with_twin(captured: Captured) -> Captured:
    """The seed cluster with a second Deployment, ``twin``, a copy of my-app."""
    objects = dict(captured.objects)
    (deployment,) = objects["deployments"]
    twin = copy.deepcopy(dict(deployment))
    twin["metadata"] = {**twin["metadata"], "name": "twin", "uid": "twin-uid"}
    objects["deployments"] = [deployment, twin]
    return dataclasses.replace(captured, objects=objects)


async def cursor_on(pilot: Pilot[Any], app: StackApp, ref: WorkloadRef) -> StacksScreen:
    """Put the Stacks list's cursor on ``ref``'s row, once it is listed."""
    await until_text(pilot, ref.name)
    stacks = app.screen
    assert isinstance(stacks, StacksScreen)
    stacks.table.select_key(ref.key)
    await pilot.pause()
    return stacks


async def scale_to_5(pilot: Pilot[Any], app: StackApp, source: MemorySource) -> None:
    """Type 5 in the scale dialog open now and confirm: the source has been asked."""
    await pilot.press("5", "enter")
    await until_text(pilot, "press y to scale")
    await pilot.press("y")
    await until(pilot, lambda: bool(source.calls), "the scale to be sent")


async def test_a_scale_confirmed_after_the_list_cursor_moved_scales_the_row_it_was_asked_on(
    frozen_seed: Captured,
) -> None:
    app, source = memory_app(with_twin(frozen_seed))
    async with app.run_test(size=(100, 30)) as pilot:
        stacks = await cursor_on(pilot, app, MY_APP)
        await pilot.press("s")
        await until(pilot, lambda: isinstance(app.screen, ScaleDialog), "the scale dialog")
        assert "Scale my-app" in screen_text(app)
        # Under the dialog the list moves on (a re-sort, a row that came or went).
        stacks.table.select_key(TWIN.key)
        await pilot.pause()
        assert stacks.selected() == TWIN
        await scale_to_5(pilot, app, source)
    assert source.calls == [("scale", (MY_APP, 5, 3))]


@pytest.mark.parametrize("where", ["stacks", "stack"])
async def test_scale_from_the_list_and_from_the_stack_screen_scales_the_same_workload(
    frozen_seed: Captured, where: str
) -> None:
    """``twin`` is the second row: from the list (cursor on it) and from its Stack screen, s
    opens the same dialog for it and scales it, never my-app."""
    app, source = memory_app(with_twin(frozen_seed), stack="twin" if where == "stack" else None)
    async with app.run_test(size=(100, 30)) as pilot:
        if where == "stack":
            await until(pilot, lambda: isinstance(app.screen, StackScreen), "the stack screen")
            await until_text(pilot, "twin")
        else:
            await cursor_on(pilot, app, TWIN)
        await pilot.press("s")
        await until(pilot, lambda: isinstance(app.screen, ScaleDialog), "the scale dialog")
        text = screen_text(app)
        assert "Scale twin" in text and "spec 3" in text
        await scale_to_5(pilot, app, source)
    assert source.calls == [("scale", (TWIN, 5, 3))]


@pytest.fixture
def three_revisions(kubectl_path: Path, tmp_path: Path) -> Captured:
    """The seed after two ``kubectl set image`` rollouts of my-app: revisions 1, 2 and 3."""

    def roll_out(sim: RunningSim) -> None:
        kubectl = kubectl_runner(kubectl_path, sim.kubeconfig, tmp_path / "kube-cache")
        for version in ("1.5.0", "1.6.0"):
            ok(kubectl, "set", "image", "deployment/my-app", f"app=my-app:{version}")
            sim.advance(120)

    return capture("seed", roll_out)


async def test_u_in_history_undoes_the_workload_shown_to_the_revision_under_the_cursor(
    three_revisions: Captured,
) -> None:
    app, source = memory_app(three_revisions)
    async with app.run_test(size=(100, 30)) as pilot:
        await cursor_on(pilot, app, MY_APP)
        await pilot.press("h")
        await until(pilot, lambda: isinstance(app.screen, HistoryScreen), "history")
        history = app.screen
        assert isinstance(history, HistoryScreen)
        await until_text(pilot, "REVISION", "my-app:1.4.2")
        history.table.select_key("1")  # not the previous revision, kubectl's default
        await pilot.pause()
        await pilot.press("u")
        await until(pilot, lambda: isinstance(app.screen, UndoDialog), "the undo dialog")
        await until_text(pilot, "revision 3 to revision 1")
        await pilot.press("y")
        await until(pilot, lambda: bool(source.calls), "the undo to be sent")
    ((action, (ref, revision, _shown)),) = source.calls
    assert (action, ref, revision) == ("undo", MY_APP, 1)
