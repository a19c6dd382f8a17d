"""bench.link and bench.ab, run on their own, end to end on tiny inputs, so they cannot rot
(their figures are only meaningful from ``make bench`` on a quiet machine). bench.startup,
bench.watchlist and bench.apiload are run by ``make bench``'s smoke test (test_bench_smoke)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytest.importorskip("pyte")


def _bench(*argv: str, timeout: float = 120) -> str:
    done = subprocess.run(
        [sys.executable, "-m", *argv], cwd=REPO, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_link_measures_terminal_and_api_traffic_on_a_tiny_cluster() -> None:
    out = _bench(
        "bench.link",
        "--sizes=100",
        "--screens=80x24",
        "--no-slow",
        "--window=0.5",
        "--probes=2",
        timeout=180,
    )
    assert "terminal B/s 80x24, churn 50/s" in out and "<= 10 KB/s" in out
    assert "API KB/min, app at rest" in out


def test_ab_compares_two_trees_of_the_app_on_the_same_cluster() -> None:
    out = _bench("bench.ab", "--sizes=100", "--probes=1", "--rounds=1", "--apps=one=,two=")
    assert "one" in out and "two" in out and "churn 500/s" in out and "p99" in out
