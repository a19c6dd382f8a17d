"""Timeouts and cancellation that never lose a ``Task.cancel()``.

Before Python 3.12, ``asyncio.wait_for`` returns the awaited result when the task waiting in
it is cancelled in the same loop step as that result arrives: the cancellation is gone, a loop
around it goes on, and whoever awaits the cancelled task waits for ever. ``timeout`` here is
``asyncio.timeout`` (3.11+) or, on 3.10, ``async_timeout.timeout`` (aiohttp's own dependency
there); both keep the task's cancel request. :func:`cancel_and_wait` also survives a task
that swallows one cancellation.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterable
from typing import Any

if sys.version_info >= (3, 11):
    from asyncio import timeout
else:  # pragma: no cover - exercised by the 3.10 CI job
    from async_timeout import timeout

__all__ = ["cancel_and_wait", "timeout"]

RECANCEL_EVERY = 1.0


async def cancel_and_wait(tasks: Iterable[asyncio.Future[Any]]) -> None:
    """Cancel ``tasks`` and wait until every one has ended, cancelling again any task that
    is still running a second later."""
    pending = {task for task in tasks if not task.done()}
    while pending:
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=RECANCEL_EVERY)
