"""The workload keys act on the workload they were pressed on: the Stacks list passes the row
under the cursor, the Stack screen the workload it shows, as a value the dialog keeps."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import pytest
from textual.pilot import Pilot

from kubectl_stack.model.ref import WorkloadRef
from kubectl_stack.ui.app import StackApp
from kubectl_stack.ui.screens.dialogs import ScaleDialog
from kubectl_stack.ui.screens.stack import StackScreen
from kubectl_stack.ui.screens.stacks import StacksScreen

from .conftest import Captured, memory_app, until, until_text
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
    """Put the Stacks list's cursor on ``ref``'s row, once my-app and twin are listed."""
    await until_text(pilot, "my-app", "twin")
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
