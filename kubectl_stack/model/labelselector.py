"""kubectl's ``-l`` label selectors as text (``app=web,tier!=db``, ``env in (a,b)``, ``!canary``,
``version>2``), read as apimachinery's ``labels.Parse`` reads them and matched against labels.

The app asks the API server to read a selector once, at start, so that a bad one gets the
server's own words (what kubectl prints); this module then applies it to every workload the
watches bring, as the server would have.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

Labels = Mapping[str, str]

# A label key: optional DNS-subdomain prefix and '/', then a name; a value may be empty.
_KEY = r"[A-Za-z0-9](?:[-A-Za-z0-9_./]*[A-Za-z0-9])?"
_VALUE = r"(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?)?"
_EXISTS = re.compile(rf"(!?)\s*({_KEY})")
_COMPARE = re.compile(rf"({_KEY})\s*(==|!=|=|>|<)\s*({_VALUE})")
_SET = re.compile(rf"({_KEY})\s+(in|notin)\s*\(\s*((?:{_VALUE}\s*,\s*)*{_VALUE})\s*\)")


@dataclass(frozen=True)
class Requirement:
    key: str
    operator: str  # exists, !, =, !=, in, notin, >, <
    values: frozenset[str] = frozenset()

    def matches(self, labels: Labels) -> bool:
        """apimachinery's ``Requirement.Matches``."""
        present = self.key in labels
        value = labels.get(self.key, "")
        op = self.operator
        if op == "exists":
            return present
        if op == "!":
            return not present
        if op in ("=", "in"):
            return present and value in self.values
        if op in ("!=", "notin"):
            return not present or value not in self.values
        # > and <: both sides whole numbers, else no match.
        if not present or not _integer(value):
            return False
        (bound,) = self.values
        return int(value) > int(bound) if op == ">" else int(value) < int(bound)


def _integer(text: str) -> bool:
    return re.fullmatch(r"-?\d+", text) is not None


def _split(text: str) -> list[str]:
    """Requirements are separated by commas outside parentheses."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def _requirement(text: str) -> Requirement:
    part = text.strip()
    if m := _SET.fullmatch(part):
        values = frozenset(v.strip() for v in m.group(3).split(","))
        return Requirement(m.group(1), m.group(2), values)
    if m := _COMPARE.fullmatch(part):
        op = "=" if m.group(2) == "==" else m.group(2)
        if op in "<>" and not _integer(m.group(3)):
            raise ValueError(
                f"unable to parse requirement: for '{op}', '{m.group(3)}' is not a number"
            )
        return Requirement(m.group(1), op, frozenset({m.group(3)}))
    if m := _EXISTS.fullmatch(part):
        return Requirement(m.group(2), "!" if m.group(1) else "exists")
    raise ValueError(f"unable to parse requirement: found '{part}', invalid selector")


def parse(text: str) -> Callable[[Labels], bool]:
    """A predicate on labels for the selector ``text``; every requirement must hold. An empty
    selector (or one of only commas and blanks, as a trailing comma leaves) selects
    everything. Raises ValueError for text that is not a selector."""
    requirements = tuple(_requirement(p) for p in _split(text) if p.strip())
    return lambda labels: all(r.matches(labels) for r in requirements)
