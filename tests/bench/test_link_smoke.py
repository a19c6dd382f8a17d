"""bench.startup, bench.link, bench.watchlist and bench.apiload run end to end on tiny inputs,
so they cannot rot (their figures are only meaningful from ``make bench`` on a quiet machine)."""

from __future__ import annotations

import re
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


def test_startup_prints_each_start_path_next_to_its_target() -> None:
    out = _bench("bench.startup", "--runs=1", "--sizes=100")
    assert "import CPU, --once path (ms)" in out
    assert "first complete screen -A, 100 pods: wall (s)" in out and "<= 0.35 s" in out
    assert "--once, seed scenario: wall (s)" in out and "<= 0.25 s" in out
    assert "load average" in out


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


def test_watchlist_syncs_the_same_pods_as_a_paginated_list() -> None:
    out = _bench("bench.watchlist", "--pods=100", "--runs=1")
    assert "list: 100 pods" in out and "watchlist: 100 pods" in out


def test_ab_compares_two_trees_of_the_app_on_the_same_cluster() -> None:
    out = _bench("bench.ab", "--sizes=100", "--probes=1", "--rounds=1", "--apps=one=,two=")
    assert "one" in out and "two" in out and "churn 500/s" in out and "p99" in out


def test_apiload_counts_no_requests_from_the_app_at_rest_on_the_stacks_list() -> None:
    out = _bench("bench.apiload", "--pods=100", "--window=1", "--settle=1", timeout=180)
    cells = [re.split(r"\s{2,}", line.strip()) for line in out.splitlines()[2:9]]
    rows = {row[0]: row[1:] for row in cells}
    assert rows["app, Stacks list, at rest"][0] == "0.0"  # requests a minute
    assert rows["app, back on the Stacks list, at rest"][0] == "0.0"
    assert "kubectl get pods -A --watch, churn 50/s" in rows
