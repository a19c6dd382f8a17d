"""Readable, defensive field accessors over API objects: ``d`` (a mapping), ``s`` (a string),
``i`` / ``opt_i`` (an integer), ``path``, ``meta``, ``name``, ``labels``, ``ts`` (a timestamp),
``quantity``, selectors. Shared by the model modules (imported as ``u``) and public.

Everything the model reads comes from a server (or a hostile test) as plain JSON. These helpers
turn "whatever is there" into the type a caller expects, never raising, so that every public
model function stays total.
"""

from __future__ import annotations

import calendar
import math
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

EMPTY: Mapping[str, Any] = {}


def d(value: Any) -> Mapping[str, Any]:
    """`value` if it is a mapping with string keys semantics, else an empty mapping."""
    # type() first: the ABC check is slow and nearly every value is a plain dict.
    return value if type(value) is dict or isinstance(value, Mapping) else EMPTY


def lst(value: Any) -> list[Any]:
    """`value` if it is a list, else an empty list."""
    return value if isinstance(value, list) else []


def dicts(value: Any) -> list[Mapping[str, Any]]:
    """The mapping items of a list (anything else in it is skipped)."""
    if type(value) is not list:
        return []
    return [v for v in value if type(v) is dict or isinstance(v, Mapping)]


def s(value: Any) -> str:
    """`value` if it is a string, else ''."""
    return value if type(value) is str or isinstance(value, str) else ""


def i(value: Any, default: int = 0) -> int:
    """`value` if it is an integer (not a bool), else `default`."""
    if isinstance(value, bool) or not isinstance(value, int):
        return default
    return value


def opt_i(value: Any) -> int | None:
    """`value` if it is an integer (not a bool), else None."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def b(value: Any) -> bool:
    """True only for the JSON literal true."""
    return value is True


def path(obj: Any, *keys: str) -> Any:
    """obj[k1][k2]... or None as soon as a step is not a mapping or lacks the key."""
    cur = obj
    for key in keys:
        if type(cur) is not dict and not isinstance(cur, Mapping):
            return None
        cur = cur.get(key)
    return cur


def meta(obj: Any) -> Mapping[str, Any]:
    if type(obj) is dict:
        m = obj.get("metadata")
        if type(m) is dict:
            return m
    return d(d(obj).get("metadata"))


def name(obj: Any) -> str:
    return s(meta(obj).get("name"))


def namespace(obj: Any) -> str:
    return s(meta(obj).get("namespace"))


def uid(obj: Any) -> str:
    return s(meta(obj).get("uid"))


def str_map(value: Any) -> dict[str, str]:
    """The string-to-string entries of a mapping (labels, annotations, selectors)."""
    if not isinstance(value, Mapping):
        return {}
    return {k: v for k, v in value.items() if isinstance(k, str) and isinstance(v, str)}


def labels(obj: Any) -> dict[str, str]:
    return str_map(meta(obj).get("labels"))


def annots(obj: Any) -> dict[str, str]:
    return str_map(meta(obj).get("annotations"))


def controller_uid(obj: Any) -> str:
    """The uid of the owner reference marked controller=true ('' when none)."""
    refs = meta(obj).get("ownerReferences")
    if type(refs) is not list:
        return ""
    for ref in refs:
        if type(ref) is dict and ref.get("controller") is True:
            ref_uid = ref.get("uid")
            return ref_uid if type(ref_uid) is str else ""
    return ""


_TS = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|z|[+-]\d{2}:?\d{2})?$"
)


@lru_cache(maxsize=65536)
def _parse_ts(text: str) -> float | None:
    m = _TS.match(text)
    if m is None:
        return None
    year, month, day, hour, minute, sec = (int(g) for g in m.groups()[:6])
    if not (1 <= month <= 12 and 1 <= day <= 31 and hour < 24 and minute < 60 and sec < 61):
        return None
    try:
        base = float(calendar.timegm((year, month, day, hour, minute, sec, 0, 0, 0)))
    except (OverflowError, ValueError):
        return None
    frac = m.group(7)
    if frac:
        base += float("0" + frac)
    zone = m.group(8)
    if zone and zone not in ("Z", "z"):
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        base -= sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60)
    return base


def ts(value: Any) -> float | None:
    """An RFC 3339 timestamp (metav1.Time or MicroTime) as epoch seconds; None if absent/bad."""
    if not isinstance(value, str) or not value:
        return None
    return _parse_ts(value)


_QTY = re.compile(
    r"^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]))?$"
)
_SUFFIX = {
    "": Decimal(1),
    "n": Decimal("1e-9"),
    "u": Decimal("1e-6"),
    "m": Decimal("1e-3"),
    "k": Decimal("1e3"),
    "M": Decimal("1e6"),
    "G": Decimal("1e9"),
    "T": Decimal("1e12"),
    "P": Decimal("1e15"),
    "E": Decimal("1e18"),
    "Ki": Decimal(2**10),
    "Mi": Decimal(2**20),
    "Gi": Decimal(2**30),
    "Ti": Decimal(2**40),
    "Pi": Decimal(2**50),
    "Ei": Decimal(2**60),
}


@lru_cache(maxsize=4096)
def _parse_quantity(text: str) -> Decimal | None:
    m = _QTY.match(text.strip())
    if m is None:
        return None
    number, exponent, suffix = m.groups()
    try:
        value = Decimal(number)
        if exponent:
            exp = int(exponent[1:])
            if abs(exp) > 100:
                return None
            value = value.scaleb(exp)
        return value * _SUFFIX[suffix or ""]
    except (InvalidOperation, ValueError):
        return None


def quantity(value: Any) -> Decimal | None:
    """A resource.Quantity ("250m", "128Mi", "1e3", or a JSON number) as an exact Decimal."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) else None
    if isinstance(value, str) and len(value) < 64:
        return _parse_quantity(value)
    return None


def qty_text(value: Any) -> str:
    """A quantity as the server serialised it (already canonical); '' when absent."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return ""
    if isinstance(value, int):
        return str(value)
    return ""


def int_or_percent(value: Any, total: int, round_up: bool) -> int | None:
    """intstr.GetScaledValueFromIntOrPercent: an int, or "N%" of total rounded up or down.

    None when the value is neither (kube reports an error there).
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        if not value.endswith("%"):
            return None
        digits = value[:-1]
        if not re.fullmatch(r"[+-]?\d{1,9}", digits):
            return None
        scaled = int(digits) * total
        # Exact integer ceil/floor of pct * total / 100 (Go computes it in float64 and rounds).
        return -(-scaled // 100) if round_up else scaled // 100
    return None


def selector_matches(selector: Any, lbls: Mapping[str, str]) -> bool:
    """Whether a metav1.LabelSelector (matchLabels + matchExpressions) selects `lbls`.

    A missing or malformed selector selects nothing; an empty one selects everything, as
    metav1.LabelSelectorAsSelector does.
    """
    if not isinstance(selector, Mapping):
        return False
    ml = selector.get("matchLabels")
    if ml is not None and not isinstance(ml, Mapping):
        return False
    for k, v in d(ml).items():
        if lbls.get(k) != v:
            return False
    exprs = selector.get("matchExpressions")
    if exprs is not None and not isinstance(exprs, list):
        return False
    for expr in lst(exprs):
        if not isinstance(expr, Mapping):
            return False
        key = s(expr.get("key"))
        op = s(expr.get("operator"))
        values = [v for v in lst(expr.get("values")) if isinstance(v, str)]
        present = key in lbls
        if op == "In":
            if not present or lbls[key] not in values:
                return False
        elif op == "NotIn":
            if present and lbls[key] in values:
                return False
        elif op == "Exists":
            if not present:
                return False
        elif op == "DoesNotExist":
            if present:
                return False
        else:
            return False
    return True


def map_selector_matches(selector: Mapping[str, str], lbls: Mapping[str, str]) -> bool:
    """A Service-style equality selector; an empty one selects nothing (as for Services)."""
    if not selector:
        return False
    return all(lbls.get(k) == v for k, v in selector.items())


def format_selector(selector: Any) -> str:
    """metav1.LabelSelectorAsSelector(sel).String(): requirements sorted by key."""
    if not isinstance(selector, Mapping):
        # labels.Nothing() prints as "" just like labels.Everything().
        return ""
    reqs: list[tuple[str, str]] = []
    for k, v in str_map(selector.get("matchLabels")).items():
        reqs.append((k, f"{k}={v}"))
    for expr in dicts(selector.get("matchExpressions")):
        key = s(expr.get("key"))
        op = s(expr.get("operator"))
        values = sorted({v for v in lst(expr.get("values")) if isinstance(v, str)})
        if op == "In":
            reqs.append((key, f"{key} in ({','.join(values)})"))
        elif op == "NotIn":
            reqs.append((key, f"{key} notin ({','.join(values)})"))
        elif op == "Exists":
            reqs.append((key, key))
        elif op == "DoesNotExist":
            reqs.append((key, f"!{key}"))
        else:
            return "<invalid>"
    reqs.sort(key=lambda r: r[0])
    return ",".join(text for _, text in reqs)
