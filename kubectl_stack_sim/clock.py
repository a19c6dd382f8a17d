"""The embedded cluster's virtual clock.

Every controller reads time from a :class:`Clock` and schedules its future work with
:meth:`Clock.call_at`. In a live process the clock follows wall time multiplied by a speed
factor; in tests it stands still until :meth:`Clock.advance` moves it, which runs every timer
that falls due, in time order, so controller behaviour is deterministic and needs no sleeps.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone

from .deadline import timeout as within


@dataclass(order=True)
class _Timer:
    when: float
    seq: int
    callback: Callable[[], None] = field(compare=False)
    cancelled: bool = field(default=False, compare=False)


class TimerHandle:
    """Returned by :meth:`Clock.call_at`; ``cancel()`` stops a timer that has not fired."""

    __slots__ = ("_timer",)

    def __init__(self, timer: _Timer) -> None:
        self._timer = timer

    def cancel(self) -> None:
        self._timer.cancelled = True

    @property
    def when(self) -> float:
        return self._timer.when


class Clock:
    """Virtual time in epoch seconds.

    ``manual=True`` (tests): time moves only through :meth:`advance`.
    ``manual=False`` (live): :meth:`run` follows wall time at ``speed`` and fires timers.
    """

    def __init__(self, start: float | None = None, *, speed: float = 1.0, manual: bool = True):
        self._now = time.time() if start is None else float(start)
        self.speed = speed
        self.manual = manual
        self._timers: list[_Timer] = []
        self._seq = itertools.count()
        self._wake: asyncio.Event | None = None
        self._wall_anchor = time.monotonic()
        self._virtual_anchor = self._now

    def now(self) -> float:
        """Current virtual time, epoch seconds."""
        if not self.manual:
            self._now = max(
                self._now,
                self._virtual_anchor + (time.monotonic() - self._wall_anchor) * self.speed,
            )
        return self._now

    def now_datetime(self) -> datetime:
        return datetime.fromtimestamp(self.now(), tz=timezone.utc)

    def timestamp(self, when: float | None = None) -> str:
        """RFC 3339 timestamp with second precision, as the API server writes them."""
        t = self.now() if when is None else when
        return datetime.fromtimestamp(int(t), tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

    def micro_timestamp(self, when: float | None = None) -> str:
        """RFC 3339 timestamp with microseconds (MicroTime, used by events and leases)."""
        t = self.now() if when is None else when
        return datetime.fromtimestamp(t, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def call_at(self, when: float, callback: Callable[[], None]) -> TimerHandle:
        """Run ``callback`` once virtual time reaches ``when`` (never earlier)."""
        timer = _Timer(when, next(self._seq), callback)
        heapq.heappush(self._timers, timer)
        if self._wake is not None:
            self._wake.set()
        return TimerHandle(timer)

    def call_later(self, delay: float, callback: Callable[[], None]) -> TimerHandle:
        return self.call_at(self.now() + max(0.0, delay), callback)

    def next_deadline(self) -> float | None:
        while self._timers and self._timers[0].cancelled:
            heapq.heappop(self._timers)
        return self._timers[0].when if self._timers else None

    def _fire_due(self, until: float) -> int:
        fired = 0
        while True:
            deadline = self.next_deadline()
            if deadline is None or deadline > until:
                return fired
            timer = heapq.heappop(self._timers)
            # Time jumps to each timer in turn, so callbacks see the time they asked for.
            self._now = max(self._now, timer.when)
            timer.callback()
            fired += 1

    def advance(self, seconds: float) -> int:
        """Move manual time forward, firing due timers in order. Returns how many fired."""
        if not self.manual:
            raise RuntimeError("advance() is for a manual clock")
        target = self._now + seconds
        fired = self._fire_due(target)
        self._now = target
        fired += self._fire_due(target)  # timers scheduled "now" by the last callbacks
        return fired

    def set_speed(self, speed: float) -> None:
        self._virtual_anchor = self.now()
        self._wall_anchor = time.monotonic()
        self.speed = speed

    async def run(self) -> None:
        """Live mode: fire timers as wall time (times speed) reaches them. Runs until cancelled."""
        self.manual = False
        self._wall_anchor = time.monotonic()
        self._virtual_anchor = self._now
        self._wake = asyncio.Event()
        while True:
            self._fire_due(self.now())
            deadline = self.next_deadline()
            self._wake.clear()
            timeout = None if deadline is None else max(0.0, (deadline - self.now()) / self.speed)
            with contextlib.suppress(asyncio.TimeoutError):
                async with within(min(timeout or 1.0, 1.0)):
                    await self._wake.wait()
