"""When the app refreshes its screens and when the terminal is sent what changed: every
timing rule of the UI, as arithmetic on times and byte counts, unit-tested
(tests/ui/test_pacing.py). The figures behind the constants are in bench/README.md.

Two clocks, each with its own job:

- **Refreshes** (:func:`delay`, :func:`refresh_gap`, used by the app): a state change is drawn
  at once unless a key was just read (its answer first, :data:`KEY_FIRST`; a change never
  waits more than :data:`KEY_STARVE` for keys held down), refreshing takes at most
  :data:`REFRESH_SHARE` of the time, and there are at most ``max_fps`` a second (the
  ``max_fps`` setting, ``--max-fps``). Nothing here looks at bytes: a fast terminal sees a
  change within a frame.
- **The link** (:class:`Link`, used by the terminal driver): what the refreshes changed is
  kept in :mod:`.framebuffer` and sent when the link can take it. Over a sustained
  :func:`byte_budget` a second (a bucket with :data:`BURST` seconds in hand, so ordinary
  churn never waits), rows wait and are sent in their latest state. Each send ends with a
  cursor position query; the time its answer takes tells how fast the link drains. A fast
  terminal answers at once and nothing waits for answers. On a slow link (a pty whose
  reader lags, SSH through a jump host) a send holds at most :data:`SEND_TIME` of the link
  and the next waits for its answer, so the link never queues more than one: a key's
  answer waits behind at most that much. A terminal that does not answer is paced by the
  budget alone, its sends cut the same way once a write blocked (the rate it drained at).
  A key's answer is sent whatever the budget (it is counted all the same).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Seconds after a key before the next coalesced refresh: one started meanwhile would run
# between the key and its answer, which draws the screen from the current state anyway.
KEY_FIRST = 0.05
KEY_STARVE = 0.25  # ... unless a change has waited this long (keys held down)
REFRESH_SHARE = 1 / 3  # of the time, at most, spent refreshing screens under churn
STACK_SCREEN_AHEAD = 0.5  # seconds after the first complete sync: build the Stack screen

# Bytes a second the app means to stay under, per terminal cell, and the bounds: issue 16's
# limits are 10 KB/s at 80x24 and 30 KB/s at 200x60, with a fifth in hand for the clock.
BYTES_PER_CELL = 2.0
MIN_BUDGET = 8_000.0
MAX_BUDGET = 24_000.0
# Seconds of budget a quiet link saves up: a whole new screen (a resize, a stack opened: 5 to
# 8 KB at 80x24) never makes the next change wait; over the bench's 8 s windows the rate
# stays under the limit all the same ((8 + 1.5) x 8 KB / 8 s = 9.5 KB/s).
BURST = 1.5
KEY_ANSWER = 0.25  # seconds after a key during which sends skip the budget
SEND_TIME = 0.08  # seconds of a slow link one send, and what is unanswered, takes at most
MIN_SEND = 256  # ... but never fewer bytes than this
RATE_SAMPLE = 512  # bytes unanswered from which an answer's delay tells the link's rate
QUERY_EVERY = 0.25  # seconds between queries while the link is fast (every send once slow)
# Seconds without an answer after which the query is taken as lost (the next send asks
# again) and the terminal as not answering, until it does.
STALL = 2.0


def byte_budget(cols: int, rows: int) -> float:
    """Bytes a second the screen's changes may send to a ``cols`` x ``rows`` terminal."""
    return min(MAX_BUDGET, max(MIN_BUDGET, BYTES_PER_CELL * cols * rows))


def delay(now: float, changed_at: float, key_at: float, next_refresh: float) -> float:
    """Seconds until the refresh for a change first seen at ``changed_at`` may run (<= 0:
    now), the last key read at ``key_at`` and the pace allowing one from ``next_refresh``."""
    after_key = min(key_at + KEY_FIRST, changed_at + KEY_STARVE)
    return max(next_refresh, after_key) - now


def refresh_gap(cost: float, max_fps: int) -> float:
    """Seconds from the end of a refresh that took ``cost`` seconds of CPU until the next
    may start."""
    return max(cost * (1 / REFRESH_SHARE - 1), 1.0 / max(1, max_fps))


@dataclass
class Link:
    """The terminal's link as the sends see it; every method takes the time."""

    budget: float = MIN_BUDGET
    tokens: float = MIN_BUDGET * BURST
    stamp: float = -math.inf
    sent: int = 0  # bytes sent so far
    answered: int = 0  # ... of which the terminal has answered a query sent after them
    query: tuple[float, int] | None = None  # the query unanswered: sent at, bytes before it
    answers: bool = False  # the terminal has answered a query
    rate: float = math.inf  # bytes a second the link was seen to drain (inf: not slow)
    delay: float = math.inf  # seconds a small send's answer takes (inf: none seen yet)
    asked_at: float = -math.inf  # when the last query was sent

    def resize(self, cols: int, rows: int) -> None:
        self.budget = byte_budget(cols, rows)

    def _refill(self, now: float) -> None:
        gained = self.budget * max(0.0, now - self.stamp)
        self.tokens = min(self.budget * BURST, self.tokens + gained)
        self.stamp = now

    def wait(self, now: float, key_at: float) -> float:
        """Seconds until something may be sent (0: now)."""
        self._refill(now)
        limit = self.limit()
        unanswered = self.sent - self.answered
        if self.query is not None and self.answers and limit and unanswered >= limit:
            if now - self.query[0] < STALL:
                return STALL - (now - self.query[0])  # an answer ends the wait sooner
            self.answers, self.query = False, None  # the budget alone until it answers
        if now - key_at <= KEY_ANSWER or self.tokens > 0:
            return 0.0
        return -self.tokens / self.budget

    def limit(self) -> int | None:
        """Bytes one send may hold (None: all that is pending): a key's answer then waits
        behind at most :data:`SEND_TIME` of a send."""
        if math.isinf(self.rate):
            return None
        return max(MIN_SEND, int(self.rate * SEND_TIME))

    def asks(self, now: float) -> bool:
        """Whether the send about to go should end with a query: each one on a slow link,
        a few a second on a fast one (enough to see it slow down; every send's answer would
        wake two threads a frame for nothing)."""
        if self.query is not None:
            return False
        return not math.isinf(self.rate) or now - self.asked_at >= QUERY_EVERY

    def wrote(self, now: float, size: int, query: bool) -> None:
        """``size`` bytes are being sent, ending with a query if ``query`` (told before the
        write: the answer may come before the write returns)."""
        self._refill(now)
        # Keys' answers and modes are sent whatever the budget: a debt of a burst at most.
        self.tokens = max(-self.budget * BURST, self.tokens - size)
        self.sent += size
        if query:
            self.query, self.asked_at = (now, self.sent), now

    def blocked(self, size: int, took: float) -> None:
        """A write of ``size`` bytes took ``took`` seconds."""
        if took > 0.05 and size >= MIN_SEND:  # the write blocked: the link drains this fast
            self._drained(size / took)

    def answered_query(self, now: float) -> None:
        """The terminal answered the query unanswered (if one is). The answer to a small
        send measures the delay that is not the link's bandwidth (the round trip, a busy
        terminal or machine); one to a big send, less that delay, the rate it drains at."""
        if self.query is None:
            return
        at, sent = self.query
        unanswered, delay = sent - self.answered, now - at
        self.answered, self.query, self.answers = sent, None, True
        if unanswered < RATE_SAMPLE:
            self.delay = delay if math.isinf(self.delay) else (3 * self.delay + delay) / 4
        if delay < 0.01:
            self.rate = math.inf  # answered at once: not a slow link (any more)
        elif unanswered >= RATE_SAMPLE:
            base = 0.0 if math.isinf(self.delay) else self.delay
            self._drained(unanswered / max(0.001, delay - base))

    def _drained(self, rate: float) -> None:
        self.rate = rate if math.isinf(self.rate) else (self.rate + rate) / 2
        if rate > 4 * self.budget:
            self.rate = math.inf


@dataclass
class Refreshes:
    """The app's coalesced refreshes: when the next may run, and when to freeze the heap."""

    next_refresh: float = 0.0  # monotonic: the pace allows a refresh from then
    changed_at: float | None = None  # the oldest change not drawn yet
    key_at: float = -math.inf  # the last key read from the terminal
    gc_frozen: bool = False

    def wait(self, now: float) -> float:
        """A change came at ``now``: seconds until the refresh may run (<= 0: now)."""
        if self.changed_at is None:
            self.changed_at = now
        return delay(now, self.changed_at, self.key_at, self.next_refresh)

    def done(
        self, ended: float, took: float, collected: float, max_fps: int, *, first_sync: bool = False
    ) -> None:
        """A refresh ended at ``ended`` after ``took`` seconds (wall time: on a loaded
        machine a preempted refresh leaves the main thread's time to events and keys all
        the more), of which ``collected`` were a garbage collection, which is not the
        refresh's cost (bench/README.md, "Pacing"). ``first_sync``: it drew the cluster's
        first complete sync, every stack built from nothing, a cost paid once (0.5-1.6 s at
        30,000 pods) that says nothing of what the next refreshes cost: the next is paced
        by the frame rate alone (by the share, a change made meanwhile waited twice that)."""
        self.changed_at = None
        cost = 0.0 if first_sync else max(0.0, took - collected)
        self.next_refresh = ended + refresh_gap(cost, max_fps)

    def freeze(self, synced: bool) -> bool:
        """True once, at the first refresh after the cluster's first complete sync: the
        first full list lives as long as the cache, so it goes out of the collector's
        generations (``gc.freeze``) and full collections stop rescanning it (the pauses
        this ends: bench/README.md, "Pacing"). Replaced objects are still freed by
        reference counting (API objects hold no cycles)."""
        if self.gc_frozen or not synced:
            return False
        self.gc_frozen = True
        return True
