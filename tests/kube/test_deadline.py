"""A cancelled task always ends: the timeouts the app and the sim wait with keep a
cancellation that arrives in the same loop step as the awaited result (``asyncio.wait_for``
before Python 3.12 loses it, which once hung a CI run in a log stream's teardown)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

from kubectl_stack.kube.deadline import cancel_and_wait, timeout
from kubectl_stack_sim.deadline import timeout as sim_timeout

ROOT = Path(__file__).resolve().parents[2]


async def test_a_cancel_that_arrives_with_the_result_ends_the_loop() -> None:
    async def reader(within: Any, queue: asyncio.Queue[int]) -> None:
        while True:  # an informer's or a watch pump's loop
            async with within(10):
                await queue.get()

    for within in (timeout, sim_timeout):
        queue: asyncio.Queue[int] = asyncio.Queue()
        task = asyncio.create_task(reader(within, queue))
        await asyncio.sleep(0.01)
        queue.put_nowait(1)  # the result and the cancel land in the same step
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=2)
        assert done == {task} and task.cancelled()


async def test_cancel_and_wait_ends_a_task_that_swallows_one_cancel() -> None:
    swallowed = 0

    async def stubborn() -> None:
        nonlocal swallowed
        while True:
            try:
                await asyncio.sleep(60)
            except asyncio.CancelledError:
                swallowed += 1
                if swallowed > 1:
                    raise

    task = asyncio.create_task(stubborn())
    await asyncio.sleep(0.01)
    await asyncio.wait_for(cancel_and_wait([task]), 5)
    assert task.cancelled() and swallowed == 2


def test_no_module_waits_with_asyncio_wait_for() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{n}"
        for package in ("kubectl_stack", "kubectl_stack_sim")
        for path in sorted((ROOT / package).rglob("*.py"))
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"\bwait_for\(", line) and "``" not in line
    ]
    assert offenders == []
