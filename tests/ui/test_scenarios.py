"""The scenarios people meet in production, seen through the app at 80x24."""

from __future__ import annotations

import re
from collections.abc import Callable

from kubectl_stack.ui.screens.dialogs import UndoDialog
from kubectl_stack.ui.screens.stack import StackScreen
from kubectl_stack_sim.runner import RunningSim

from .conftest import advance, build_app, until, until_text
from .screen import screen_text

StartSim = Callable[..., RunningSim]


def image(sim: RunningSim) -> str:
    dep = sim.call(lambda: sim.cluster.store.get("deployments.apps", "default", "my-app"))
    return str(dep["spec"]["template"]["spec"]["containers"][0]["image"])


async def test_bad_rollout_waits_then_misses_its_deadline_and_one_undo_completes(
    scenario_sim: StartSim,
) -> None:
    sim = scenario_sim("bad-rollout")
    app = build_app(sim, stack="my-app")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, StackScreen), "the stack screen")
        await until_text(pilot, "Complete")
        await advance(pilot, sim, 120)
        # kubectl rollout status is still waiting: so is the app, naming the failing pod.
        text = await until_text(pilot, "◐ Waiting", "progress deadline in")
        assert "Readiness probe failed" in text and "Stalled" not in text
        assert re.search(r"progress deadline in \d+m \d+s", text)

        await advance(pilot, sim, 600, step=20)
        await until_text(pilot, "Deadline exceeded", "exceeded its progress deadline")

        await pilot.press("u")
        await until(pilot, lambda: isinstance(app.screen, UndoDialog), "the undo dialog")
        await until_text(pilot, "my-app:1.5.0", "my-app:1.4.2")
        await pilot.press("y")
        await until(pilot, lambda: image(sim) == "my-app:1.4.2", "the previous image")
        await advance(pilot, sim, 60)
        await until_text(pilot, "✓ Complete", "successfully rolled out")


def _autoscaler(text: str) -> tuple[int, int, str]:
    found = re.search(r"replicas (\d+) → (\d+)[^▁▂▃▄▅▆▇█\n]*([▁▂▃▄▅▆▇█]+)", text)
    assert found, text
    return int(found[1]), int(found[2]), found[3]


async def test_load_spike_raises_the_desired_count_and_moves_the_sparkline(
    scenario_sim: StartSim,
) -> None:
    sim = scenario_sim("load-spike")
    app = build_app(sim, stack="my-app")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, StackScreen), "the stack screen")
        await pilot.press("right", "right")
        await until_text(pilot, "replicas 3 → 3")
        await advance(pilot, sim, 60)
        _, before, line_before = _autoscaler(screen_text(app))
        await advance(pilot, sim, 120)
        await until(
            pilot, lambda: _autoscaler(screen_text(app))[1] > before, "the desired count to rise"
        )
        _, after, line_after = _autoscaler(screen_text(app))
        assert after > 3
        assert line_after != line_before


async def test_crashloop_shows_crashloopbackoff_with_the_back_off_message(
    scenario_sim: StartSim,
) -> None:
    sim = scenario_sim("crashloop")
    app = build_app(sim)
    async with app.run_test(size=(80, 24)) as pilot:
        await until_text(pilot, "worker", "my-app")
        await advance(pilot, sim, 60)
        text = await until_text(pilot, "⟳1")
        assert "◐ Waiting" in text and "Stalled" not in text
        await pilot.press("enter")  # the most urgent stack comes first
        await until(pilot, lambda: isinstance(app.screen, StackScreen), "the stack screen")
        text = await until_text(pilot, "CrashLoopBackOff: back-off")
        assert "restarting failed" in text
        await pilot.press("right")
        await until_text(pilot, "CrashLoopBackOff", "⟳ worker-")
