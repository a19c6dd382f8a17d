"""The refresh pacing's arithmetic (kubectl_stack/ui/pacing.py)."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from kubectl_stack.cli import parse
from kubectl_stack.settings import load_settings
from kubectl_stack.ui.driver import TerminalOutput
from kubectl_stack.ui.pacing import MAX_GAP, MIN_SHARE, byte_budget, link_share, refresh_gap


@pytest.mark.parametrize(("cols", "rows", "limit"), [(80, 24, 10_000), (200, 60, 30_000)])
def test_the_byte_budget_keeps_under_issue_16s_limits(cols: int, rows: int, limit: int) -> None:
    assert byte_budget(cols, rows) <= 0.85 * limit


def test_a_quiet_terminal_refreshes_at_the_frame_rate() -> None:
    assert refresh_gap(0.001, 200, 80, 24, 30) == pytest.approx(1 / 30)
    assert refresh_gap(0.001, 200, 80, 24, 5) == pytest.approx(0.2)


def test_an_expensive_refresh_leaves_two_thirds_of_the_time_to_keys() -> None:
    assert refresh_gap(0.05, 0, 80, 24, 30) == pytest.approx(0.1)


def test_a_full_frame_waits_until_the_link_could_carry_it() -> None:
    # 4 KB to an 80x24 terminal: at 8 KB/s the next refresh waits half a second, so that
    # whatever the churn the terminal gets at most the budget.
    assert refresh_gap(0.001, 4_000, 80, 24, 30) == pytest.approx(0.5)
    frames = 0.0
    for _ in range(100):
        frames += refresh_gap(0.001, 4_000, 80, 24, 30)
    assert 100 * 4_000 / frames <= byte_budget(80, 24)


def test_a_huge_frame_does_not_freeze_the_screen() -> None:
    assert refresh_gap(0.001, 10_000_000, 200, 60, 30) == MAX_GAP


def test_max_fps_comes_from_the_config_the_environment_and_the_command_line(
    tmp_path: Path,
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("max_fps: 12\n")
    assert load_settings({}, config).max_fps == 12
    assert load_settings({"KUBECTL_STACK_MAX_FPS": "4"}, config).max_fps == 4
    assert load_settings({}, tmp_path / "none.yaml").max_fps == 30
    assert parse(["--max-fps", "5"]).max_fps == 5
    bad = load_settings({"KUBECTL_STACK_MAX_FPS": "0"}, config)
    assert bad.max_fps == 12 and any("max_fps" in w for w in bad.warnings)


def test_a_max_fps_that_is_not_a_positive_number_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exit_:
        parse(["--max-fps", "0"])
    assert exit_.value.code == 2
    assert "positive whole number" in capsys.readouterr().err


def test_the_terminal_output_knows_when_the_terminal_stops_draining() -> None:
    read_end, write_end = os.pipe()
    pipe = os.fdopen(write_end, "w", buffering=1)
    output = TerminalOutput(pipe)
    writer = threading.Thread(target=output.write, args=("x" * 1_000_000,))
    writer.start()
    try:
        deadline = time.monotonic() + 5
        while output.blocked_for() < 0.1:
            assert time.monotonic() < deadline, "the write never blocked"
            time.sleep(0.02)
    finally:
        with os.fdopen(read_end, "rb") as reader:
            drained = 0
            while drained < 1_000_000:
                drained += len(reader.read1(65536))
            writer.join()
        pipe.close()
    assert output.blocked_for() == 0.0
    assert output.written == 1_000_000


def test_a_link_that_blocks_gets_less_of_the_budget_and_recovers_slowly() -> None:
    share = 1.0
    for _ in range(3):
        share = link_share(share, blocked=True)
    assert share == pytest.approx(1 / 8)
    assert refresh_gap(0.001, 1_000, 80, 24, 30, share) == pytest.approx(1.0)
    for _ in range(4):
        share = link_share(share, blocked=False)
    assert share == pytest.approx(0.525)
    for _ in range(20):
        share = link_share(share, blocked=True)
    assert share == MIN_SHARE
