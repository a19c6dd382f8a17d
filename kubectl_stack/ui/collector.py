"""Full garbage collections when nobody is typing.

CPython starts a full (oldest generation) collection once enough younger collections have
run, that is after enough allocations, and opening or redrawing a screen allocates the most.
So the pause came right in the middle of answering a key, and made the slowest "open a stack"
several times slower than the others (figures: bench/README.md, "Figures behind the
comments", collector).

:class:`IdleCollector` takes full collections off the allocation counter (the younger
generations are left as they are: cheap) and runs them from the app's clock tick
instead, once as many younger collections have run as would have started one, and once no
key came for a moment. Someone typing without pause for ten times that long gets one anyway:
garbage with reference cycles (closed screens, Textual's widgets) is only freed by these
collections, and memory must stay bounded.

The younger collections (not free once the cluster is in) are held off while a key is
being answered: a key turns automatic collection off until no key came for :data:`HOLD`, long
enough for the answer to be drawn, and never for longer than :data:`MAX_HOLD` in a row. What
was allocated meanwhile is collected right after, in one go.

After a full collection, :func:`release_heap` gives the C heap's free pages back to the
system. glibc returns only the top of its heap by itself, and parsing the first lists
leaves free space below live objects (how much, and how fast it is released: bench/README.md,
"Figures behind the comments", collector).
"""

from __future__ import annotations

import functools
import gc
import sys
import time
from collections.abc import Callable

FORCED = 10  # times the due count of younger collections: one runs even while keys come
QUIET = 1.0  # seconds without a key before a due collection runs
NEVER = 1 << 30  # a threshold the counter does not reach
HOLD = 0.1  # seconds after a key without automatic collections (longer than an answer takes)
MAX_HOLD = 1.0  # seconds: keys held down still let collections run this often

Schedule = Callable[[float, Callable[[], None]], object]
"""Call a function after a delay in seconds (the app's timer)."""


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``; None on other C libraries (macOS, musl). Looked up on first
    use: ctypes is not worth importing before the first screen."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        # The symbols of the running interpreter, its C library's among them (no search of
        # the system's libraries: ctypes.util.find_library is slow, see bench/README.md).
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def release_heap() -> None:
    """Give the C heap's free pages back to the system (glibc; elsewhere nothing)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


class IdleCollector:
    """Install with :meth:`start`, undo with :meth:`stop`; call :meth:`input_seen` on every
    key and :meth:`tick` every second or so. ``schedule`` runs the end of a hold later."""

    def __init__(self, schedule: Schedule) -> None:
        self._schedule = schedule
        self._last_input = float("-inf")
        self._thresholds: tuple[int, int, int] | None = None
        self._held_since: float | None = None
        self._survivors = 0  # objects in the oldest generation after the last full collection
        self._collecting_since = 0.0
        self.collecting = 0.0
        """Seconds spent collecting since :meth:`start`: the app leaves them out of what a
        refresh cost (a collection in the middle of one is not its cost)."""

    def _timed(self, phase: str, _info: dict[str, int]) -> None:
        if phase == "start":
            self._collecting_since = time.perf_counter()
        else:
            self.collecting += time.perf_counter() - self._collecting_since

    def start(self) -> None:
        if self._timed not in gc.callbacks:
            gc.callbacks.append(self._timed)
        # Python 3.14's collector is incremental: no long full collections to move.
        if self._thresholds is None and sys.version_info < (3, 14):
            self._thresholds = gc.get_threshold()
            young, middle, _ = self._thresholds
            gc.set_threshold(young, middle, NEVER)

    def stop(self) -> None:
        if self._timed in gc.callbacks:
            gc.callbacks.remove(self._timed)
        if self._thresholds is not None:
            gc.set_threshold(*self._thresholds)
            self._thresholds = None
        if self._held_since is not None:
            self._held_since = None
            gc.enable()

    def input_seen(self) -> None:
        self._last_input = now = time.monotonic()
        # Not when collection is off already: whoever turned it off turns it on.
        if self._thresholds is not None and self._held_since is None and gc.isenabled():
            gc.disable()
            self._held_since = now
            self._schedule(HOLD, self._release)

    def _release(self) -> None:
        if self._held_since is None:  # stopped meanwhile
            return
        now = time.monotonic()
        wait = self._last_input + HOLD - now
        if wait > 0 and now - self._held_since < MAX_HOLD:
            self._schedule(wait, self._release)
            return
        self._held_since = None
        gc.enable()

    def freeze(self) -> None:
        """Move every object alive now out of the collector's reach (``gc.freeze``): for
        the first full lists, which live as long as the cache."""
        gc.freeze()
        self._survivors = 0
        release_heap()  # what parsing the lists left free

    def tick(self) -> None:
        if self._thresholds is None:
            return
        # Younger collections since the last full one, against the count CPython starts one at.
        done, due = gc.get_count()[2], self._thresholds[2]
        if done < due or (done < FORCED * due and time.monotonic() - self._last_input < QUIET):
            return
        # CPython's other condition: the oldest generation grew by a quarter since the last
        # full collection, so that their cost (a scan of all of it) stays proportional.
        # Under churn it only grows; skipped, full collections came often and long
        # (bench/README.md, "Figures behind the comments", collector).
        if len(gc.get_objects(2)) - self._survivors < self._survivors // 4:
            return
        gc.collect()
        self._survivors = len(gc.get_objects(2))
        release_heap()
