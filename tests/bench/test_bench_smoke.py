"""The benchmark harness still runs end to end (on a tiny cluster, so it stays fast)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pyte", reason="the benchmark's terminal emulator (pyte) is not installed")

REPO = Path(__file__).resolve().parents[2]


def test_bench_measures_the_app_and_kubectl_on_a_tiny_cluster(tmp_path: Path) -> None:
    out = tmp_path / "figures.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--sizes=100",
            "--main-size=100",
            "--quick",
            "--no-sync",
            "--idle=0.5",
            "--window=2",  # > pacing.MAX_GAP: a refresh comes within any window
            "--probes=3",
            "--kubectl-runs=1",
            f"--out={out}",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "app: first complete screen -A (s)" in done.stdout
    (figures,) = json.loads(out.read_text())["figures"]
    values = figures["values"]
    assert values["first_screen_s"] > 0 and values["kubectl_get_s"] > 0
    assert values["rss_synced_mb"] > 10
    # Every scale made through the API reached the screen.
    assert values["e2s_missed_50"] == 0 and values["e2s_p99_ms_50"] > 0
    assert values["tty_bps_80x24_50"] > 0
