"""The autoscaler sparklines' samples are kept per HPA while it exists, and go with it."""

from __future__ import annotations

from typing import Any

from kubectl_stack_sim.runner import RunningSim

from .conftest import build_app, until


async def test_a_deleted_autoscalers_samples_are_dropped(sim: RunningSim, kubectl: Any) -> None:
    app = build_app(sim)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: ("default", "my-app") in app.hpa_history, "HPA samples")
        done = kubectl("delete", "hpa", "my-app")
        assert done.returncode == 0, done.stderr
        await until(pilot, lambda: not app.hpa_history, "the samples to go with the HPA")
