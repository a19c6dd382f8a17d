"""Cron schedules as a CronJob reads them (the standard parser of robfig/cron v3, which the
CronJob controller and its validation use): five fields, minute hour day-of-month month
day-of-week, each ``*``, ``?``, a value, a range ``a-b``, a step ``*/n`` or ``a-b/n``, or a
comma list of those; month and weekday names (``JAN``, ``sun``); the descriptors ``@yearly``
(``@annually``), ``@monthly``, ``@weekly``, ``@daily`` (``@midnight``), ``@hourly`` and
``@every <duration>``. When
both day fields are restricted a day matching either one matches, as in Vixie cron. Times are
epoch seconds in a time zone (UTC unless the CronJob names one)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_MONTHS = {
    n: i + 1
    for i, n in enumerate(
        ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    )
}
_DAYS = {n: i for i, n in enumerate(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"])}
_DESCRIPTORS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
# (low, high, names) of each field.
_NO_NAMES: dict[str, int] = {}
_FIELDS: tuple[tuple[int, int, dict[str, int]], ...] = (
    (0, 59, _NO_NAMES),
    (0, 23, _NO_NAMES),
    (1, 31, _NO_NAMES),
    (1, 12, _MONTHS),
    (0, 6, _DAYS),
)


class CronError(ValueError):
    """An unparseable schedule; ``str()`` follows the parser's wording."""


@dataclass(frozen=True)
class Schedule:
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]
    any_day: bool  # the day-of-month field was * or ?
    any_weekday: bool
    zone: tzinfo
    every: float | None = None  # "@every <duration>": a constant delay, in seconds

    def _day_matches(self, day: datetime) -> bool:
        dom = day.day in self.days
        dow = (day.isoweekday() % 7) in self.weekdays
        if self.any_day or self.any_weekday:
            return dom and dow
        return dom or dow

    def next_after(self, when: float) -> float | None:
        """The first scheduled time strictly after ``when`` (None within five years)."""
        if self.every is not None:
            # ConstantDelaySchedule: the delay from the whole second.
            return float(int(when)) + self.every
        start = datetime.fromtimestamp(when, self.zone).replace(second=0, microsecond=0)
        start += timedelta(minutes=1)
        day = start.replace(hour=0, minute=0)
        for _ in range(5 * 366):
            if day.month in self.months and self._day_matches(day):
                for hour in sorted(self.hours):
                    for minute in sorted(self.minutes):
                        candidate = day.replace(hour=hour, minute=minute)
                        if candidate >= start:
                            return candidate.timestamp()
            day = (day + timedelta(days=1)).replace(hour=0, minute=0)
        return None

    def last_between(self, after: float, until: float) -> float | None:
        """The latest scheduled time in (``after``, ``until``], if any."""
        found = None
        t = self.next_after(after)
        while t is not None and t <= until:
            found = t
            t = self.next_after(t)
        return found


def _value(text: str, names: dict[str, int], field: str) -> int:
    if text.upper() in names:
        return names[text.upper()]
    if not text.isdigit():
        raise CronError(
            f"failed to parse int from {text}: strconv.Atoi: parsing {text!r}: invalid syntax"
        )
    return int(text)


def _field(text: str, index: int) -> tuple[frozenset[int], bool]:
    low, high, names = _FIELDS[index]
    values: set[int] = set()
    star = False
    for part in text.split(","):
        rng, _, step_text = part.partition("/")
        step = 1
        if step_text:
            if not step_text.isdigit() or int(step_text) == 0:
                raise CronError(f"step of range should be a positive number: {part}")
            step = int(step_text)
        if rng in ("*", "?"):
            start, end = low, high
            star = star or not step_text
        else:
            first, dash, last = rng.partition("-")
            start = _value(first, names, rng)
            end = _value(last, names, rng) if dash else (high if step_text else start)
        if start < low:
            raise CronError(f"beginning of range ({start}) below minimum ({low}): {part}")
        if end > high:
            raise CronError(f"end of range ({end}) above maximum ({high}): {part}")
        if start > end:
            raise CronError(f"beginning of range ({start}) beyond end of range ({end}): {part}")
        values.update(range(start, end + 1, step))
    return frozenset(values), star


_DURATION = re.compile(r"(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)")
_UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}


def _every(text: str) -> Schedule:
    """``@every 1h30m``: Go's time.ParseDuration, at least one second (rounded down to whole
    seconds, as robfig/cron's Every does)."""
    if not text or _DURATION.sub("", text) != "":
        raise CronError(f"failed to parse duration @every {text}: time: invalid duration {text!r}")
    seconds = sum(float(n) * _UNITS[u] for n, u in _DURATION.findall(text))
    delay = max(1.0, float(int(seconds)))
    none: frozenset[int] = frozenset()
    return Schedule(none, none, none, none, none, True, True, timezone.utc, every=delay)


def parse(schedule: str, time_zone: str | None = None) -> Schedule:
    """A Schedule, or CronError for what the standard parser refuses."""
    text = schedule.strip()
    text = _DESCRIPTORS.get(text, text)
    if text.startswith("@every "):
        return _every(text[len("@every ") :].strip())
    if text.startswith("@"):
        raise CronError(f"unrecognized descriptor: {text}")
    fields = text.split()
    if len(fields) != 5:
        raise CronError(f"expected exactly 5 fields, found {len(fields)}: [{' '.join(fields)}]")
    parsed = [_field(f, i) for i, f in enumerate(fields)]
    zone: tzinfo = timezone.utc
    if time_zone:
        try:
            zone = ZoneInfo(time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise CronError(f"unknown time zone {time_zone}") from None
    return Schedule(
        minutes=parsed[0][0],
        hours=parsed[1][0],
        days=parsed[2][0],
        months=parsed[3][0],
        weekdays=parsed[4][0],
        any_day=parsed[2][1],
        any_weekday=parsed[4][1],
        zone=zone,
    )
