"""kubectl's duration strings (k8s.io/apimachinery/pkg/util/duration).

`human_duration` is what `kubectl get` prints in AGE, RESTARTS "(2m ago)" and LAST SEEN;
`short_human_duration` is the one-unit form. Both take seconds (float) and never raise.
"""

from __future__ import annotations

import math

from kubectl_stack.model.fields import ts

_NS = 1_000_000_000
_MAX_NS = 2**63 - 1
_MIN_NS = -(2**63)


def _nanos(seconds: float) -> int | None:
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        return None
    if isinstance(seconds, int):
        ns = seconds * _NS
    elif not math.isfinite(seconds):
        return None
    elif math.isfinite(seconds * _NS):
        ns = int(round(seconds * _NS))
    else:
        ns = _MAX_NS if seconds > 0 else _MIN_NS
    # Go's time.Sub saturates at the int64 range of a Duration rather than overflowing.
    return max(_MIN_NS, min(_MAX_NS, ns))


def _trunc_div(a: int, b: int) -> int:
    """Go integer division (truncates toward zero)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def _whole_seconds(seconds: float) -> int | str:
    """Whole seconds as both of Go's duration printers see them, or the text they print
    instead: "<invalid>" beyond the clock-skew tolerance (or unreadable), "0s" just below 0."""
    ns = _nanos(seconds)
    if ns is None:
        return "<invalid>"
    secs = _trunc_div(ns, _NS)
    if secs < -1:
        return "<invalid>"
    if secs < 0 or ns < 0:
        return "0s"
    return secs


def human_duration(seconds: float) -> str:
    """duration.HumanDuration: "45s", "3m10s", "70m", "3h1m", "2d1h", "367d", "2y1d".

    Durations more than ~2 s in the future (clock skew beyond tolerance) are "<invalid>".
    """
    secs = _whole_seconds(seconds)
    if isinstance(secs, str):
        return secs
    if secs < 120:
        return f"{secs}s"
    minutes = secs // 60
    if minutes < 10:
        rem = secs % 60
        return f"{minutes}m" if rem == 0 else f"{minutes}m{rem}s"
    if minutes < 180:
        return f"{minutes}m"
    hours = minutes // 60
    if hours < 8:
        rem = minutes % 60
        return f"{hours}h" if rem == 0 else f"{hours}h{rem}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        rem = hours % 24
        return f"{hours // 24}d" if rem == 0 else f"{hours // 24}d{rem}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        rem = (hours // 24) % 365
        years = hours // 24 // 365
        return f"{years}y" if rem == 0 else f"{years}y{rem}d"
    return f"{hours // 24 // 365}y"


def short_human_duration(seconds: float) -> str:
    """duration.ShortHumanDuration: one unit ("59s", "1m", "23h", "364d", "2y")."""
    secs = _whole_seconds(seconds)
    if isinstance(secs, str):
        return secs
    if secs < 60:
        return f"{secs}s"
    if secs < 3600:
        return f"{secs // 60}m"
    hours = secs // 3600
    if hours < 24:
        return f"{hours}h"
    if hours < 24 * 365:
        return f"{hours // 24}d"
    return f"{hours // 24 // 365}y"


def age(timestamp: object, now: float) -> str:
    """translateTimestampSince: HumanDuration(now - timestamp), "<unknown>" when unset."""
    t = ts(timestamp)
    if t is None:
        return "<unknown>"
    return human_duration(now - t)


def clock(seconds: float) -> str:
    """A countdown or elapsed time for people: "45s", "4m 12s", "1h 05m", "3d 4h"."""
    ns = _nanos(seconds)
    if ns is None or ns < 0:
        return "0s"
    secs = ns // _NS
    if secs < 60:
        return f"{secs}s"
    if secs < 3600:
        return f"{secs // 60}m {secs % 60}s"
    if secs < 86400:
        return f"{secs // 3600}h {secs % 3600 // 60:02d}m"
    return f"{secs // 86400}d {secs % 86400 // 3600}h"
