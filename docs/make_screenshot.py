"""Regenerate docs/stack-screen.svg: the Stack screen of the bad-rollout scenario, two minutes
after the faulty release, exported with App.save_screenshot.

    .venv/bin/python docs/make_screenshot.py
"""

from __future__ import annotations

import asyncio
import math
from pathlib import Path

from kubectl_stack.options import ConnectionOptions, Options
from kubectl_stack.settings import Settings
from kubectl_stack.ui.app import make_app
from kubectl_stack_sim.runner import start_sim

OUT = Path(__file__).with_name("stack-screen.svg")


async def main() -> None:
    sim = start_sim("bad-rollout")
    try:
        options = Options(
            connection=ConnectionOptions(kubeconfig=str(sim.kubeconfig)), stack="my-app"
        )
        app = make_app(
            options,
            settings=Settings(show_clock=False, sample_seconds=5),
            now=lambda: float(math.floor(sim.call(sim.cluster.clock.now))),
        )
        async with app.run_test(size=(160, 48)) as pilot:
            await pilot.pause(1.0)
            for _ in range(24):  # two minutes in 5 s steps, so the sparklines fill in
                sim.advance(5)
                await pilot.pause(0.1)
            await pilot.pause(0.5)
            app.save_screenshot(filename=OUT.name, path=str(OUT.parent))
    finally:
        sim.stop()
    print(OUT)


if __name__ == "__main__":
    asyncio.run(main())
