"""The embedded cluster's port of the cron parser a CronJob uses (robfig/cron v3 standard)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from kubectl_stack_sim.cron import CronError, parse


def _t(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc).timestamp()


def _iso(when: float | None) -> str:
    assert when is not None
    return datetime.fromtimestamp(when, timezone.utc).strftime("%Y-%m-%d %H:%M %a")


@pytest.mark.parametrize(
    ("schedule", "after", "expected"),
    [
        ("*/15 * * * *", "2026-01-01 10:07", "2026-01-01 10:15 Thu"),
        ("0 9 * * MON-FRI", "2026-01-02 09:00", "2026-01-05 09:00 Mon"),
        ("30 2 1 * *", "2026-01-31 00:00", "2026-02-01 02:30 Sun"),
        ("@hourly", "2026-01-01 10:59", "2026-01-01 11:00 Thu"),
        ("@weekly", "2026-01-01 00:00", "2026-01-04 00:00 Sun"),
        ("0 0 29 FEB *", "2026-03-01 00:00", "2028-02-29 00:00 Tue"),
        # both day fields restricted: either one matches
        ("0 12 13 * FRI", "2026-01-01 00:00", "2026-01-02 12:00 Fri"),
        ("5-10/5 1,3 * * *", "2026-01-01 01:06", "2026-01-01 01:10 Thu"),
    ],
)
def test_next_scheduled_time(schedule: str, after: str, expected: str) -> None:
    assert _iso(parse(schedule).next_after(_t(after))) == expected


def test_time_zone_moves_the_schedule() -> None:
    berlin = parse("0 9 * * *", "Europe/Berlin")
    assert _iso(berlin.next_after(_t("2026-01-01 00:00"))) == "2026-01-01 08:00 Thu"


@pytest.mark.parametrize(
    ("schedule", "message"),
    [
        ("61 * * * *", "end of range (61) above maximum (59): 61"),
        ("* * * *", "expected exactly 5 fields, found 4: [* * * *]"),
        ("*/0 * * * *", "step of range should be a positive number: */0"),
        ("@reboot", "unrecognized descriptor: @reboot"),
        ("5-1 * * * *", "beginning of range (5) beyond end of range (1): 5-1"),
    ],
)
def test_refused_schedules(schedule: str, message: str) -> None:
    with pytest.raises(CronError) as err:
        parse(schedule)
    assert str(err.value) == message


def test_every_is_a_constant_delay_from_the_whole_second() -> None:
    assert parse("@every 1m30s").next_after(100.7) == 190.0


def test_last_missed_time_runs_once() -> None:
    every_minute = parse("* * * * *")
    assert _iso(every_minute.last_between(_t("2026-01-01 10:00"), _t("2026-01-01 10:07"))) == (
        "2026-01-01 10:07 Thu"
    )
