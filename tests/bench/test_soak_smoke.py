"""The memory soak (python -m bench.soak) still runs end to end, on a tiny cluster."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pyte", reason="the benchmark's terminal emulator (pyte) is not installed")

REPO = Path(__file__).resolve().parents[2]


def test_soak_samples_the_app_and_the_cluster_over_virtual_time(tmp_path: Path) -> None:
    out = tmp_path / "soak.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.soak",
            "--pods=100",
            "--namespaces=2",
            "--hours=0.05",
            "--every=1.5",
            "--speed=20",
            f"--out={out}",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "app RSS MiB" in done.stdout
    samples = json.loads(out.read_text())["samples"]
    assert [round(s["virtual_h"] * 60) for s in samples] == [0, 2, 3]
    first, last = samples[0], samples[-1]
    assert first["app"]["store"]["pods"] == 100 and first["cluster"]["events"] == 0
    assert last["cluster"]["events"] > 0, "the scenario's churn made no Events"
    assert last["app_rss_mb"] > 10 and last["app"]["blocks"] > 0
    # Once the clock stopped, the app's store held what the cluster held.
    settled = json.loads(out.read_text())["settled"]
    assert settled["met"], settled
