"""SVG snapshots of the ecosystem views on the helm-argo scenario (frozen virtual clock): the
Stacks list grouped by application, a StatefulSet's stack, and a scale dialog warning about
the workload's managers, shown from memory (the scenario read once by the app's data layer,
:func:`conftest.capture`). Update with ``--snapshot-update`` and review the SVGs."""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot

from kubectl_stack.ui.presenters import stacks as present
from kubectl_stack.ui.screens.dialogs import ScaleDialog
from kubectl_stack.ui.screens.stack import StackScreen
from kubectl_stack.ui.screens.stacks import StacksScreen

from .conftest import Captured, capture, memory_app, settle, until, until_text
from .test_snapshots import SIZES


@pytest.fixture(scope="module")
def helm_argo() -> Captured:
    return capture("helm-argo")


async def _grouped(pilot: Pilot[Any]) -> None:
    await until_text(pilot, "▾ shop (part-of)", "sts/shop-db", "ds/log-agent")
    # The cursor stays on the row it first landed on, which depends on which kind's first
    # list arrived first: put it on the top row.
    screen = pilot.app.screen
    assert isinstance(screen, StacksScreen)
    screen.table.select_key(f"{present.GROUP_PREFIX}default/logging")
    await settle(pilot)


async def _statefulset(pilot: Pilot[Any]) -> None:
    await _grouped(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, StacksScreen)
    screen.table.select_key(present.stack_key("StatefulSet", "default", "shop-db"))
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(pilot.app.screen, StackScreen), "the stack screen")
    await until_text(pilot, "partitioned roll out complete")
    await settle(pilot)


async def _scale_dialog(pilot: Pilot[Any]) -> None:
    await _statefulset(pilot)
    await pilot.press("s")
    await until(pilot, lambda: isinstance(pilot.app.screen, ScaleDialog), "the scale dialog")
    await until_text(pilot, "self-heal will revert")
    for field in pilot.app.screen.query("Input"):
        field.cursor_blink = False  # type: ignore[attr-defined]
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES)
def test_stacks_grouped_by_application_snapshot(
    size: tuple[int, int], helm_argo: Captured, snap_compare: Any
) -> None:
    app, _ = memory_app(helm_argo)
    assert snap_compare(app, terminal_size=size, run_before=_grouped)


@pytest.mark.parametrize("size", SIZES)
def test_statefulset_stack_snapshot(
    size: tuple[int, int], helm_argo: Captured, snap_compare: Any
) -> None:
    app, _ = memory_app(helm_argo)
    assert snap_compare(app, terminal_size=size, run_before=_statefulset)


def test_scale_dialog_with_managers_warnings_snapshot(
    helm_argo: Captured, snap_compare: Any
) -> None:
    app, _ = memory_app(helm_argo)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_scale_dialog)
