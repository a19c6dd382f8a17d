"""Durations and timestamps formatted as Go prints them (kubelet and controller messages)."""

from __future__ import annotations

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
