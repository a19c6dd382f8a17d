"""Pickers and first run: the namespace and context pickers move with the arrows (and j/k in
their list) as well as by typing; the demo's KUBECONFIG line stays reachable; screens behind a
dialog keep moving with the clock and the cluster."""

from __future__ import annotations

import pytest
from conftest import Kubectl
from textual.widgets import OptionList

from kubectl_stack.ui.screens.dialogs import PickerDialog, ScaleDialog
from kubectl_stack_sim.runner import RunningSim

from .conftest import advance, build_app, until, until_text
from .screen import screen_text


def _picker_items(dialog: PickerDialog) -> tuple[list[str], int]:
    options = dialog.query_one("#picker-options", OptionList)
    ids = [str(options.get_option_at_index(i).id) for i in range(options.option_count)]
    assert options.highlighted is not None
    return ids, options.highlighted


@pytest.mark.parametrize(("keys", "step"), [(["down"], 1), (["down", "down", "up"], 1)])
async def test_namespace_picker_moves_with_the_arrows(
    sim: RunningSim, keys: list[str], step: int
) -> None:
    app = build_app(sim)
    async with app.run_test(size=(80, 24)) as pilot:
        await until_text(pilot, "my-app", "ns default")
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, PickerDialog), "the namespace picker")
        items, start = _picker_items(app.screen)
        assert items[start] == "default"
        await pilot.press(*keys)
        target = items[start + step]
        assert _picker_items(app.screen)[1] == start + step
        await pilot.press("enter")
        await until_text(pilot, f"ns {target}")


async def test_picker_list_moves_with_j_and_k_while_the_filter_takes_them_as_letters(
    sim: RunningSim,
) -> None:
    app = build_app(sim)
    async with app.run_test(size=(80, 24)) as pilot:
        await until_text(pilot, "my-app")
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, PickerDialog), "the context picker")
        items, start = _picker_items(app.screen)
        await pilot.press("tab", "j")  # the list has the focus: j moves
        assert _picker_items(app.screen)[1] == start + 1
        await pilot.press("k")
        assert _picker_items(app.screen)[1] == start
        await pilot.press("j", "enter")
        await until_text(pilot, f"ctx {items[start + 1]}")


async def test_screen_behind_a_dialog_keeps_moving(sim: RunningSim, kubectl: Kubectl) -> None:
    app = build_app(sim, synced=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await until_text(pilot, "my-app", "3/3")
        await pilot.press("s")
        await until(pilot, lambda: isinstance(app.screen, ScaleDialog), "the scale dialog")
        before = _row(screen_text(app), "my-app")
        # A change made outside the app shows behind the dialog...
        assert kubectl("scale", "deployment/my-app", "--replicas=5").returncode == 0
        await until(pilot, lambda: " 3/5 " in _row(screen_text(app), "my-app"), "the count behind")
        # ...and the ages move with the clock.
        await advance(pilot, sim, 120)
        await until(
            pilot,
            lambda: _row(screen_text(app), "my-app").split()[-1] != before.split()[-1],
            "the AGE column to move behind the dialog",
        )
        assert isinstance(app.screen, ScaleDialog)


def _row(text: str, name: str) -> str:
    return next((line for line in text.splitlines() if f" {name} " in line), "")
