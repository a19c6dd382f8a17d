"""``timeout``: ``asyncio.timeout`` (3.11+) or ``async_timeout.timeout`` (3.10), never
``asyncio.wait_for``, which before 3.12 loses a cancellation that arrives with the result and
leaves a server loop (a watch's pump, the clock) running after shutdown cancelled it."""

import sys

if sys.version_info >= (3, 11):
    from asyncio import timeout
else:  # pragma: no cover - exercised by the 3.10 CI job
    from async_timeout import timeout

__all__ = ["timeout"]
