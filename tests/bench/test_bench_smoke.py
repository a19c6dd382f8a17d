"""``python -m bench`` (``make bench``) still runs every step end to end, on a tiny cluster
(``--quick``: the fewest samples), each printing its figures next to their targets, and ends
with issue 16's summary: every target listed, and every one that applies at 100 pods measured
(a verdict, not "not measured")."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bench import targets

pytest.importorskip("pyte", reason="the benchmark's terminal emulator (pyte) is not installed")

REPO = Path(__file__).resolve().parents[2]


def test_make_bench_lists_every_issue_16_target_with_a_verdict(tmp_path: Path) -> None:
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
            "--apiload-at=100",
            "--watchlist-at=100",
            f"--out={out}",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    printed = done.stdout
    # bench.startup: each start path next to its target.
    assert "import CPU, --once path (ms)" in printed
    assert "first complete screen -A, 100 pods: wall (s)" in printed and "<= 0.35 s" in printed
    assert "--once, seed scenario: wall (s)" in printed and "<= 0.25 s" in printed
    # bench.watchlist: the same pods either way.
    assert "list: 100 pods" in printed and "watchlist: 100 pods" in printed
    # bench.apiload: the app asks nothing of the server at rest on the Stacks list.
    rows = {
        cells[0]: cells[1:]
        for cells in (re.split(r"\s{2,}", line.strip()) for line in printed.splitlines())
    }
    assert rows["app, Stacks list, at rest"][0] == "0.0"  # requests a minute
    assert rows["app, back on the Stacks list, at rest"][0] == "0.0"
    assert "kubectl get pods -A --watch, churn 50/s" in rows
    summary = printed.split("issue 16 targets (commit ", 1)[1]
    assert "load average" in summary.splitlines()[0]
    lines = summary.splitlines()[1:]
    record = json.loads(out.read_text())
    sections = targets.targets([100], [100])
    for title, items in sections:
        assert any(line.startswith(title) for line in lines), title
        for target in items:
            (line,) = [line for line in lines if line.startswith(f"  {target.label} ")]
            assert target.limit in line, line
    verdicts = {row["target"]: row["verdicts"] for row in record["issue16"]}
    assert len(verdicts) == sum(len(items) for _title, items in sections)
    for _title, items in sections:
        for target in items:
            got = verdicts[target.label]
            if target.once:
                assert got["any"] != "not measured", (target.label, got)
            elif target.sizes is None or 100 in target.sizes:
                assert got["100"] in ("ok", "MISSED", "measured"), (target.label, got)
            else:
                assert got == {}, (target.label, got)  # 100,000 pods and more only
    assert record["commit"] and record["load_start"] and record["load_end"]
    (figures,) = record["figures"]
    values = figures["values"]
    assert values["first_screen_s"] > 0 and values["kubectl_get_s"] > 0
    assert values["rss_synced_mb"] > 10
    # Every scale made through the API reached the screen.
    assert values["e2s_missed_50"] == 0 and values["e2s_p99_ms_50"] > 0
    assert values["tty_bps_80x24_50"] > 0
