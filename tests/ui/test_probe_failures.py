"""The Pods table's readiness column counts probe failures as the kubelet's Unhealthy events
are bumped (the failures the stack was built with, kept as the events change)."""

from __future__ import annotations

import re
from collections.abc import Callable

from kubectl_stack.ui.screens.stack import StackScreen
from kubectl_stack_sim.runner import RunningSim

from .conftest import advance, build_app, until, until_text
from .screen import screen_text


def _counts(text: str) -> list[int]:
    """The failure counts in the Pods table's rows (not the detail line under it, which
    repeats the count of the row under the cursor once the cursor is on one)."""
    return [int(n) for n in re.findall(r"my-app-\S+ .*✗ 503 ×(\d+)", text)]


async def test_failing_readiness_counts_grow_as_the_events_are_bumped(
    scenario_sim: Callable[..., RunningSim],
) -> None:
    sim = scenario_sim("bad-rollout")
    app = build_app(sim, stack="my-app")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, StackScreen), "the stack screen")
        await advance(pilot, sim, 120)
        await pilot.press("right")
        before = _counts(await until_text(pilot, "Pods (4)", "✗ 503 ×"))
        assert len(before) == 2, screen_text(app)
        await advance(pilot, sim, 30)
        await until(
            pilot,
            lambda: len(now := _counts(screen_text(app))) == 2 and min(now) > max(before),
            "the failure counts to grow",
        )
