"""The UI's timing rules (kubectl_stack/ui/pacing.py) and the terminal output that applies
the link's (kubectl_stack/ui/driver.py)."""

from __future__ import annotations

import io
import math
import os
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from kubectl_stack.cli import parse
from kubectl_stack.settings import load_settings
from kubectl_stack.ui.driver import TerminalOutput
from kubectl_stack.ui.pacing import (
    BURST,
    KEY_FIRST,
    KEY_STARVE,
    QUERY_EVERY,
    STALL,
    Link,
    Refreshes,
    byte_budget,
    delay,
    refresh_gap,
)


@pytest.mark.parametrize(("cols", "rows", "limit"), [(80, 24, 10_000), (200, 60, 30_000)])
def test_the_byte_budget_keeps_under_issue_16s_limits(cols: int, rows: int, limit: int) -> None:
    assert byte_budget(cols, rows) <= 0.85 * limit


def test_a_quiet_terminal_refreshes_at_the_frame_rate() -> None:
    assert refresh_gap(0.001, 30) == pytest.approx(1 / 30)
    assert refresh_gap(0.001, 5) == pytest.approx(0.2)


def test_an_expensive_refresh_leaves_two_thirds_of_the_time_to_keys() -> None:
    assert refresh_gap(0.05, 30) == pytest.approx(0.1)


def test_a_change_is_drawn_at_once_unless_a_key_was_just_read() -> None:
    assert delay(10.0, changed_at=10.0, key_at=-math.inf, next_refresh=9.0) <= 0
    # The pace: not before the next refresh is allowed.
    assert delay(10.0, changed_at=10.0, key_at=-math.inf, next_refresh=10.02) == pytest.approx(0.02)
    # A key just read: its answer first.
    assert delay(10.0, changed_at=10.0, key_at=10.0, next_refresh=0) == pytest.approx(KEY_FIRST)
    # Keys held down: a change still waits no more than KEY_STARVE in all.
    assert delay(10.2, changed_at=10.0, key_at=10.2, next_refresh=0) == pytest.approx(
        KEY_STARVE - 0.2
    )


def test_a_refresh_paces_the_next_by_its_cost_but_not_by_a_collection() -> None:
    refreshes = Refreshes()
    assert refreshes.wait(1.0) <= 0
    refreshes.done(ended=1.06, took=0.06, collected=0.05, max_fps=30)
    assert refreshes.changed_at is None
    assert refreshes.next_refresh == pytest.approx(1.06 + 1 / 30)
    refreshes.done(ended=2.06, took=0.06, collected=0.0, max_fps=30)
    assert refreshes.next_refresh == pytest.approx(2.06 + 0.12)


def test_the_refresh_that_first_draws_the_synced_cluster_does_not_hold_back_the_next() -> None:
    # Every stack built from nothing: 1.6 s at 30,000 pods on a loaded machine. Paced by its
    # cost, a change made a second later was drawn 2.2 s after it (bench/README.md).
    refreshes = Refreshes()
    refreshes.done(ended=10.0, took=1.6, collected=0.0, max_fps=30, first_sync=True)
    assert refreshes.next_refresh == pytest.approx(10.0 + 1 / 30)
    assert refreshes.wait(11.0) <= 0
    # The refreshes after it are paced by their cost again.
    refreshes.done(ended=11.3, took=0.3, collected=0.0, max_fps=30)
    assert refreshes.next_refresh == pytest.approx(11.3 + 0.6)


def test_the_heap_is_frozen_once_after_the_first_complete_sync() -> None:
    refreshes = Refreshes()
    assert not refreshes.freeze(synced=False)
    assert refreshes.freeze(synced=True)
    assert not refreshes.freeze(synced=True)


def _fast_terminal(link: Link, seconds: float, every: float, size: int) -> tuple[int, int]:
    """Sends of ``size`` bytes every ``every`` s, each answered at once: (sent, waited)."""
    sent = waited = 0
    now = 0.0
    while now < seconds:
        if link.wait(now, key_at=-math.inf) > 0:
            waited += 1
        else:
            link.wrote(now, size, query=True)
            link.answered_query(now + 0.001)
            sent += size
        now += every
    return sent, waited


def test_a_fast_terminal_under_ordinary_churn_never_waits() -> None:
    link = Link()
    link.resize(80, 24)
    # 30 frames a second of 200 bytes: 6 KB/s, under the 8 KB/s budget.
    sent, waited = _fast_terminal(link, 10.0, 1 / 30, 200)
    assert waited == 0 and sent >= 10 * 30 * 200 - 200


def test_whatever_the_churn_a_terminal_gets_at_most_the_budget() -> None:
    link = Link()
    link.resize(80, 24)
    sent, waited = _fast_terminal(link, 10.0, 1 / 30, 2_000)
    assert waited > 0
    assert sent <= 10 * byte_budget(80, 24) + BURST * byte_budget(80, 24) + 2_000


def test_a_keys_answer_goes_whatever_the_budget_but_the_debt_is_bounded() -> None:
    link = Link()
    link.resize(80, 24)
    for _ in range(10):
        link.wrote(0.0, 20_000, query=False)
    assert link.wait(0.1, key_at=0.05) == 0
    assert 0 < link.wait(0.1, key_at=-math.inf) <= 2 * BURST


def test_a_whole_new_screen_does_not_hold_back_the_next_change() -> None:
    link = Link()
    link.resize(80, 24)
    link.wrote(0.0, 8_000, query=False)  # the first screen, a stack opened
    assert link.wait(0.05, key_at=-math.inf) == 0


def test_on_a_slow_link_a_send_waits_for_the_answer_to_the_one_before() -> None:
    link = Link()
    link.resize(80, 24)
    # The first screen, 2 KB: a fast terminal would answer at once; at 64 kbit/s the answer
    # comes once the 2 KB went, a quarter of a second later.
    link.wrote(0.0, 2_000, query=True)
    assert link.wait(0.01, key_at=-math.inf) == 0, "nothing waits before the link is known"
    link.answered_query(0.25)
    assert link.rate == pytest.approx(8_000)
    # A send then holds at most 80 ms of the link, so that a key's answer waits no longer,
    # and the next waits for its answer: the link never queues more than one.
    assert link.limit() == 640
    link.wrote(0.25, 640, query=True)
    assert link.wait(0.3, key_at=0.29) > 0, "the send before is still on its way"
    link.answered_query(0.33)
    assert link.wait(0.33, key_at=0.29) == 0
    # A small change does not wait for the answer before it.
    link.wrote(0.33, 100, query=True)
    assert link.wait(0.34, key_at=-math.inf) == 0


def test_a_fast_terminal_never_waits_for_an_answer() -> None:
    link = Link()
    link.wrote(0.0, 100, query=True)
    link.answered_query(0.001)
    link.wrote(1.0, 20_000, query=True)
    assert link.wait(1.0, key_at=1.0) == 0


def test_a_terminal_that_answers_at_once_is_not_a_slow_link() -> None:
    link = Link()
    link.wrote(0.0, 2_000, query=True)
    link.answered_query(0.25)
    assert link.limit() == 640
    link.wrote(1.0, 2_000, query=True)
    link.answered_query(1.001)
    assert link.limit() is None and math.isinf(link.rate)


def test_a_fast_link_is_asked_a_few_times_a_second_a_slow_one_at_every_send() -> None:
    link = Link()
    assert link.asks(0.0)
    link.wrote(0.0, 100, query=True)
    assert not link.asks(0.01), "one query at a time"
    link.answered_query(0.001)
    assert not link.asks(0.1) and link.asks(0.3)
    link.wrote(1.0, 2_000, query=True)
    link.answered_query(1.25)  # slow
    assert link.asks(1.26)


def test_a_terminal_slow_to_answer_but_not_to_drain_is_not_a_slow_link() -> None:
    link = Link()
    for i in range(4):  # small sends answered 0.1 s later: a round trip, a busy terminal
        link.wrote(float(i), 100, query=True)
        link.answered_query(i + 0.1)
    link.wrote(10.0, 2_000, query=True)
    link.answered_query(10.11)  # 2 KB took 10 ms more than 100 bytes: 200 KB/s
    assert link.limit() is None
    link.wrote(11.0, 2_000, query=True)
    link.answered_query(11.35)  # took 250 ms more: 8 KB/s
    assert link.limit() == 640


def test_a_terminal_that_stops_answering_is_paced_by_the_budget_alone() -> None:
    link = Link()
    link.wrote(0.0, 2_000, query=True)
    link.answered_query(0.25)  # a slow link
    link.wrote(1.0, 1_000, query=True)
    assert link.wait(1.5, key_at=-math.inf) > 0
    assert link.wait(1.0 + STALL + 0.1, key_at=-math.inf) == 0
    assert not link.answers and link.query is None, "the next send asks again"


def test_an_answer_that_comes_before_the_write_returns_is_not_lost() -> None:
    link = Link()
    link.wrote(0.0, 100, query=True)  # told before the write
    link.answered_query(0.0001)  # the terminal answered at once
    assert link.answers and link.query is None and link.answered == 100


def test_a_write_that_blocks_tells_how_fast_the_link_drains() -> None:
    link = Link()
    link.wrote(0.0, 4_000, query=False)
    link.blocked(4_000, 0.5)  # no answers: the blocked write says it
    assert link.rate == pytest.approx(8_000)
    assert link.limit() == 640


class _Terminal(io.StringIO):
    """What the output writes to: a file that is not a terminal (it has no size)."""

    def fileno(self) -> int:
        return _DEV_NULL


_DEV_NULL = os.open(os.devnull, os.O_RDONLY)


def test_the_terminal_output_sends_only_what_changed_and_asks_for_an_answer() -> None:
    file = _Terminal()
    output = TerminalOutput(file)
    output.write("\x1b[1;1H\x1b[1mkubectl stack\x1b[0m")
    output.flush()
    first = file.getvalue()
    assert "kubectl stack" in first and first.endswith(TerminalOutput.QUERY)
    output.write("\x1b[1;1H\x1b[1mkubectl stack\x1b[0m")  # the same again
    output.flush()
    assert file.getvalue() == first
    output.write("\x1b[1;1H\x1b[1mkubectl stock\x1b[0m")
    output.answered()
    output.flush()
    change = file.getvalue()[len(first) :]
    assert "o" in change and "stack" not in change and "stock" not in change


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


def test_the_alternate_screen_and_modes_go_at_once_whatever_the_link() -> None:
    file = _Terminal()
    output = TerminalOutput(file)
    output.write("\x1b[1;1H" + "x" * 80)
    output.flush()  # the query unanswered from now on
    output.write("\x1b[2;1H" + "y" * 80)
    output.write("\x1b[?1049l")  # the app leaves: nothing may be held back
    output.flush()
    assert file.getvalue().endswith("\x1b[?1049l")


def test_the_answer_to_a_query_paces_the_output_and_is_never_a_key() -> None:
    from textual import events

    from kubectl_stack.ui.driver import TerminalDriver

    driver = TerminalDriver.__new__(TerminalDriver)  # no terminal: only its dispatch
    driver.terminal_output = output = TerminalOutput(_Terminal())
    woken: list[str] = []
    driver._writer_thread = SimpleNamespace(write=woken.append)  # type: ignore[assignment]
    processed: list[object] = []
    driver.process_message = processed.append  # type: ignore[method-assign,assignment]
    driver._app = SimpleNamespace()  # type: ignore[assignment]
    output.write("\x1b[1;1H" + "x" * 2_000)
    output.flush()  # sent with a query
    time.sleep(0.3)  # the 2 KB take 0.3 s to go: a slow link
    driver._dispatch([events.CursorPosition(0, 0)])
    assert processed == [], "an answer is no event of the app's"
    output.write("\x1b[1;1H" + "y" * 2_000)
    output.flush()  # sent, with a query: the terminal answers them
    output.write("\x1b[1;1H" + "z" * 2_000)
    output.flush()
    assert "z" not in output._file.getvalue()  # type: ignore[attr-defined]
    woken.clear()
    driver._dispatch([events.CursorPosition(0, 0)])
    assert processed == [] and woken == [""], "the answer wakes the output thread"
    output.flush()
    assert "z" in output._file.getvalue()  # type: ignore[attr-defined]


def test_the_app_stops_once_the_terminal_answered_its_last_query() -> None:
    output = TerminalOutput(_Terminal())
    output.write("\x1b[1;1Hfirst")
    output.flush()
    output.answered()  # the terminal answers queries
    time.sleep(QUERY_EVERY + 0.05)  # a fast terminal is asked a few times a second
    output.write("\x1b[1;1Hsecond")
    output.flush()  # a query under way
    answer = threading.Timer(0.2, output.answered)
    answer.start()
    started = time.monotonic()
    output.close(timeout=10)
    assert 0.1 < time.monotonic() - started < 5, "it waited for the answer, not the timeout"
    output.write("\x1b[?1049l")  # the app gives the terminal back: nothing more to answer
    output.flush()
    assert output._file.getvalue().count(TerminalOutput.QUERY) == 2  # type: ignore[attr-defined]


def test_the_app_back_from_a_shell_asks_the_terminal_again() -> None:
    """Queries stop when the app gives the terminal away (their answers would reach the
    shell) and start again when it has it back: else the link is never measured again."""
    output = TerminalOutput(_Terminal())
    output.write("\x1b[1;1Hfirst")
    output.flush()
    output.answered()
    output.close(timeout=10)
    output.reopen()
    time.sleep(QUERY_EVERY + 0.05)
    output.write("\x1b[1;1Hagain")
    output.flush()
    sent = output._file.getvalue()  # type: ignore[attr-defined]
    assert (
        "again" in sent
        and sent.endswith(TerminalOutput.QUERY)
        and sent.count(TerminalOutput.QUERY) == 2
    )
