"""Kubernetes resource quantities (``250m``, ``128Mi``) as numbers, and back."""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

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


_DECIMAL_EXPONENTS = ((18, "E"), (15, "P"), (12, "T"), (9, "G"), (6, "M"), (3, "k"), (0, ""))
_SMALL_EXPONENTS = ((-3, "m"), (-6, "u"), (-9, "n"))


@dataclass(frozen=True)
class Amount:
    """A resource.Quantity for arithmetic and printing: an exact count of nano-units and
    whether it prints with binary suffixes (BinarySI: ``Mi``) or decimal ones (``m``, ``k``).
    A sum keeps the format of its left operand unless that is zero, as Quantity.Add does."""

    nanos: int
    binary: bool = False

    def __add__(self, other: Amount) -> Amount:
        return Amount(self.nanos + other.nanos, self.binary if self.nanos else other.binary)

    def __sub__(self, other: Amount) -> Amount:
        return Amount(self.nanos - other.nanos, self.binary)

    def __str__(self) -> str:
        """Quantity.String(): the canonical form, e.g. ``1500m``, ``2``, ``1k``, ``384Mi``."""
        if self.nanos == 0:
            return "0"
        sign = "-" if self.nanos < 0 else ""
        nanos = abs(self.nanos)
        if self.binary and nanos % 10**9 == 0:
            value = nanos // 10**9
            for power, suffix in ((6, "Ei"), (5, "Pi"), (4, "Ti"), (3, "Gi"), (2, "Mi"), (1, "Ki")):
                if value % 1024**power == 0:
                    return f"{sign}{value // 1024**power}{suffix}"
            return f"{sign}{value}"
        for exponent, suffix in _DECIMAL_EXPONENTS + _SMALL_EXPONENTS:
            unit = 10 ** (exponent + 9)
            if nanos % unit == 0:
                return f"{sign}{nanos // unit}{suffix}"
        return f"{sign}{nanos}n"  # unreachable: every nano count divides by 1


ZERO = Amount(0)


_DECIMAL_POWERS = {
    "n": -9,
    "u": -6,
    "m": -3,
    "": 0,
    "k": 3,
    "M": 6,
    "G": 9,
    "T": 12,
    "P": 15,
    "E": 18,
}


def amount(value: object) -> Amount:
    """The quantity as an exact :class:`Amount`, rounded up to a nano-unit as kube rounds
    (malformed input reads as 0, as :func:`parse`)."""
    text = str(value).strip()
    number, scale, binary = text, Fraction(1), False
    for suffix, mult in _BINARY.items():
        if text.endswith(suffix):
            number, scale, binary = text[: -len(suffix)], Fraction(mult), True
            break
    else:
        if text and text[-1] in _DECIMAL_POWERS and not text[-1].isdigit():
            number, scale = text[:-1], Fraction(10) ** _DECIMAL_POWERS[text[-1]]
    try:
        exact = Fraction(number) * scale * 10**9
    except (ValueError, ZeroDivisionError):
        return Amount(0, binary)
    return Amount(math.ceil(exact), binary)
