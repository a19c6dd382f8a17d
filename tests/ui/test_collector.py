"""Full garbage collections wait for a pause in the typing (kubectl_stack.ui.collector)."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from kubectl_stack.ui import collector
from kubectl_stack.ui.collector import IdleCollector
from kubectl_stack_sim.runner import RunningSim

from .conftest import build_app, until, until_text

DUE = gc.get_threshold()[2]  # younger collections after which CPython starts a full one


def _full_collections() -> int:
    return int(gc.get_stats()[2]["collections"])


def _younger_collections(n: int) -> None:
    for _ in range(n):
        gc.collect(1)


class Timers:
    """The app's timers, run by hand: (delay, callback) in the order they were set."""

    def __init__(self) -> None:
        self.pending: list[tuple[float, Callable[[], None]]] = []
        self._set_at: list[float] = []

    def __call__(self, delay: float, callback: Callable[[], None]) -> None:
        self.pending.append((delay, callback))
        self._set_at.append(time.monotonic())

    def due(self) -> bool:
        return time.monotonic() >= self._set_at[0] + self.pending[0][0]

    def fire(self) -> None:
        """Run the next timer once its delay has passed."""
        delay, callback = self.pending.pop(0)
        time.sleep(max(0.0, self._set_at.pop(0) + delay - time.monotonic()))
        callback()


@pytest.fixture
def timers() -> Timers:
    return Timers()


@pytest.fixture
def idle(timers: Timers) -> Iterator[IdleCollector]:
    before = gc.get_threshold()
    idle = IdleCollector(timers)
    idle.start()
    try:
        yield idle
    finally:
        idle.stop()
        assert gc.get_threshold() == before
        assert gc.isenabled()


def test_a_due_collection_waits_for_a_moment_without_keys(
    idle: IdleCollector, monkeypatch: pytest.MonkeyPatch
) -> None:
    gc.collect()
    _younger_collections(DUE - 1)
    full = _full_collections()
    idle.tick()
    assert _full_collections() == full, "not due yet"
    _younger_collections(1)
    idle.input_seen()
    idle.tick()
    assert _full_collections() == full, "a key just came: the collection waits"
    monkeypatch.setattr(collector, "QUIET", 0.0)
    released: list[bool] = []
    monkeypatch.setattr(collector, "release_heap", lambda: released.append(True))
    idle.tick()
    assert _full_collections() == full + 1
    assert gc.get_count()[2] == 0
    assert released == [True], "what the collection freed goes back to the system"


def test_someone_typing_without_pause_still_gets_a_collection(idle: IdleCollector) -> None:
    gc.collect()
    _younger_collections(collector.FORCED * DUE - 1)
    idle.input_seen()
    full = _full_collections()
    idle.tick()
    assert _full_collections() == full
    _younger_collections(1)
    idle.input_seen()
    idle.tick()
    assert _full_collections() == full + 1


def test_allocation_no_longer_starts_a_full_collection(idle: IdleCollector) -> None:
    gc.collect()
    full = _full_collections()
    _younger_collections(10 * DUE)
    # Containers that live on: CPython would start a full collection among these.
    kept = [[[]] for _ in range(20_000)]
    assert _full_collections() == full
    assert len(kept) == 20_000


def test_no_collection_starts_while_a_key_is_answered(idle: IdleCollector, timers: Timers) -> None:
    idle.input_seen()
    assert not gc.isenabled(), "a key holds automatic collections off"
    assert [delay for delay, _ in timers.pending] == [collector.HOLD]
    timers.fire()
    assert gc.isenabled(), "no key since: collections run again"
    assert not timers.pending


def test_keys_keep_the_hold_until_none_came_for_a_moment(
    idle: IdleCollector, timers: Timers, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(collector, "HOLD", 0.05)
    idle.input_seen()
    time.sleep(0.03)
    idle.input_seen()  # a second key during the hold: no second timer, the hold goes on
    assert len(timers.pending) == 1
    timers.fire()
    assert not gc.isenabled(), "the last key is younger than HOLD"
    assert 0 < timers.pending[0][0] <= 0.05
    timers.fire()
    assert gc.isenabled()


def test_keys_held_down_still_let_collections_run(
    idle: IdleCollector, timers: Timers, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(collector, "HOLD", 0.02)
    monkeypatch.setattr(collector, "MAX_HOLD", 0.1)
    started = time.monotonic()
    idle.input_seen()
    while not gc.isenabled() and time.monotonic() - started < 1.0:
        time.sleep(0.005)
        idle.input_seen()  # a key every 5 ms
        if timers.due():
            timers.fire()
    assert 0.1 <= time.monotonic() - started < 0.5


def test_a_hold_ends_with_the_collector(idle: IdleCollector, timers: Timers) -> None:
    idle.input_seen()
    idle.stop()
    assert gc.isenabled()
    timers.fire()  # the pending end of the hold finds nothing to do
    assert gc.isenabled()


def test_collection_turned_off_elsewhere_stays_off(idle: IdleCollector, timers: Timers) -> None:
    gc.disable()
    try:
        idle.input_seen()
        assert not timers.pending
        assert not gc.isenabled()
    finally:
        gc.enable()


async def test_the_app_collects_after_it_has_answered_a_key(
    sim: RunningSim, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = build_app(sim)
    answered_with: list[bool] = []  # automatic collection on, when the key was answered
    open_stack = app.open_stack

    def opening(*args: Any, **kwargs: Any) -> None:
        answered_with.append(gc.isenabled())
        open_stack(*args, **kwargs)

    monkeypatch.setattr(app, "open_stack", opening)
    async with app.run_test(size=(80, 24)) as pilot:
        await until_text(pilot, "my-app")
        assert gc.isenabled()
        await pilot.press("enter")
        await until_text(pilot, "my-app · Deployment")
        await until(pilot, gc.isenabled, "collections to run again")
    assert answered_with == [False]


def _rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


@pytest.mark.skipif(collector._malloc_trim() is None, reason="glibc's malloc_trim only")
def test_freed_heap_goes_back_to_the_system() -> None:
    # 100 MB in blocks the C heap serves (not Python's arenas, nor mmap), then one more
    # block above them, so that freeing them leaves free space below a live block.
    blocks = [bytes(1000) + bytes([i % 251]) for i in range(100_000)]
    above = bytes(1000) + b"!"
    del blocks
    freed = _rss_mib()
    collector.release_heap()
    assert _rss_mib() < freed - 50
    assert len(above) == 1001


def test_a_full_collection_waits_until_the_oldest_generation_grew_by_a_quarter(
    idle: IdleCollector, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(collector, "QUIET", 0.0)
    _younger_collections(DUE)
    idle.tick()
    full = _full_collections()
    _younger_collections(DUE)
    idle.tick()
    assert _full_collections() == full, "due by count, but the oldest generation did not grow"
    kept = [[] for _ in range(len(gc.get_objects(2)) // 4 + 1000)]
    gc.collect(1)  # the survivors of the younger generations join the oldest
    _younger_collections(DUE)
    idle.tick()
    assert _full_collections() == full + 1
    assert len(kept) > 1000


def test_time_spent_collecting_is_counted_while_started(timers: Timers) -> None:
    idle = IdleCollector(timers)
    gc.collect()
    assert idle.collecting == 0.0, "not started"
    idle.start()
    try:
        gc.collect()
        counted = idle.collecting
        assert counted > 0.0
    finally:
        idle.stop()
    gc.collect()
    assert idle.collecting == counted
