"""Full garbage collections wait for a pause in the typing (kubectl_stack.ui.collector)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from kubectl_stack.ui import collector
from kubectl_stack.ui.collector import IdleCollector

DUE = gc.get_threshold()[2]  # younger collections after which CPython starts a full one


def _full_collections() -> int:
    return int(gc.get_stats()[2]["collections"])


def _younger_collections(n: int) -> None:
    for _ in range(n):
        gc.collect(1)


@pytest.fixture
def idle() -> Iterator[IdleCollector]:
    before = gc.get_threshold()
    idle = IdleCollector()
    idle.start()
    try:
        yield idle
    finally:
        idle.stop()
        assert gc.get_threshold() == before


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
    idle.tick()
    assert _full_collections() == full + 1
    assert gc.get_count()[2] == 0


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
