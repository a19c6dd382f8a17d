"""Kubernetes resource quantities (``250m``, ``128Mi``) as numbers, and back."""

from __future__ import annotations

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {"n": 1e-9, "u": 1e-6, "m": 1e-3, "": 1.0, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12}


def parse(value: object) -> float:
    """The quantity as a plain number (``"250m"`` -> 0.25, ``"1Ki"`` -> 1024).

    Malformed input reads as 0: callers use quantities for arithmetic, never to reject."""
    if isinstance(value, bool):
        return 0.0
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip()
    for suffix, mult in _BINARY.items():
        if text.endswith(suffix):
            return _number(text[: -len(suffix)]) * mult
    if text and text[-1] in _DECIMAL:
        return _number(text[:-1]) * _DECIMAL[text[-1]]
    return _number(text)


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return 0.0


def millicores(value: object) -> int:
    """CPU quantity in millicores, rounded up as kube does for requests."""
    return int(-(-parse(value) * 1000 // 1))


def format_nanocores(cores: float) -> str:
    """CPU usage as metrics-server reports it (``"12345678n"``)."""
    return f"{max(0, round(cores * 1e9))}n"


def format_kib(num_bytes: float) -> str:
    """Memory usage as metrics-server reports it (``"131072Ki"``)."""
    return f"{max(0, round(num_bytes / 1024))}Ki"


def format_millicores(m: int) -> str:
    """A CPU quantity in canonical form: ``"250m"``, or whole cores as ``"2"``."""
    return str(m // 1000) if m % 1000 == 0 else f"{m}m"
