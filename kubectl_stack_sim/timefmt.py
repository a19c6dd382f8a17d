"""Times and durations as Kubernetes writes them: Go's ``time.Duration.String`` (kubelet and
controller messages), RFC 3339 timestamps, and the printers' ages (apimachinery
``pkg/util/duration.HumanDuration`` through ``translateTimestampSince``)."""

from __future__ import annotations

import math
from datetime import datetime


def go_duration(seconds: float) -> str:
    """Go's time.Duration.String() for whole and fractional seconds: ``10s``, ``1m20s``,
    ``5m0s``, ``1.5s``."""
    if seconds < 60:
        text = f"{seconds:.9f}".rstrip("0").rstrip(".")
        return f"{text}s"
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(int(minutes), 60)
    sec_text = f"{secs:.9f}".rstrip("0").rstrip(".")
    if hours:
        return f"{hours}h{minutes}m{sec_text}s"
    return f"{minutes}m{sec_text}s"


def parse_timestamp(text: object) -> float | None:
    """Epoch seconds of an RFC 3339 timestamp as the API writes them, or None."""
    if not isinstance(text, str):
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def human_duration(seconds: float) -> str:
    """duration.HumanDuration of a time.Duration of ``seconds``.

    Go first takes ``int(d.Seconds())`` (truncating toward zero) to tolerate clock skew: below
    -1 it is ``<invalid>``, at -1 ``0s``; every later unit is an integer division of the
    nanosecond count, so it truncates as well.
    """
    if not math.isfinite(seconds):
        return "<invalid>"
    nanos = round(seconds * 1e9)
    whole = int(seconds)  # truncates toward zero, like Go's int(float64)
    if whole < -1:
        return "<invalid>"
    if whole < 0:
        return "0s"
    if whole < 120:
        return f"{whole}s"
    secs = nanos // 10**9
    minutes = secs // 60
    if minutes < 10:
        return f"{minutes}m" if secs % 60 == 0 else f"{minutes}m{secs % 60}s"
    if minutes < 180:
        return f"{minutes}m"
    hours = minutes // 60
    if hours < 8:
        return f"{hours}h" if minutes % 60 == 0 else f"{hours}h{minutes % 60}m"
    if hours < 48:
        return f"{hours}h"
    days = hours // 24
    if hours < 24 * 8:
        return f"{days}d" if hours % 24 == 0 else f"{days}d{hours % 24}h"
    if hours < 24 * 365 * 2:
        return f"{days}d"
    if hours < 24 * 365 * 8:
        years, rest = divmod(days, 365)
        return f"{years}y" if rest == 0 else f"{years}y{rest}d"
    return f"{days // 365}y"


def since(timestamp: object, now: float) -> str:
    """translateTimestampSince: ``<unknown>`` for a zero (absent or unreadable) time, else the
    human duration from it to ``now``."""
    when = parse_timestamp(timestamp)
    if when is None:
        return "<unknown>"
    return human_duration(now - when)
