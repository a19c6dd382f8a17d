"""Informer back-off: exponential, jittered, capped, and the server's Retry-After wins."""

from __future__ import annotations

import random

from kubectl_stack.kube.informer import BACKOFF_CAP, Backoff


def test_backoff_grows_with_jitter_up_to_the_cap() -> None:
    backoff = Backoff(random.Random(7), initial=0.8)
    delays = [backoff.next() for _ in range(12)]
    for attempt, delay in enumerate(delays[:5]):
        base = 0.8 * 2**attempt
        assert base <= delay <= 2 * base
    assert max(delays) <= BACKOFF_CAP
    assert delays[-1] == BACKOFF_CAP


def test_jitter_spreads_clients_apart() -> None:
    firsts = {round(Backoff(random.Random(seed)).next(), 3) for seed in range(20)}
    assert len(firsts) > 10


def test_retry_after_is_honoured_and_reset_starts_over() -> None:
    backoff = Backoff(random.Random(1), initial=0.8)
    for _ in range(6):
        backoff.next()
    assert backoff.next(retry_after=3) == 3
    backoff.reset()
    assert backoff.next() <= 1.6
