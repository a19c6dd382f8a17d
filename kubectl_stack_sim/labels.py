"""Label selectors as k8s.io/apimachinery builds, matches and prints them.

The embedded cluster's own port (it shares no code with the app it checks) of
``pkg/labels`` (``Requirement``, ``Selector``, ``FormatLabels``) and of metav1's
``LabelSelectorAsSelector`` / ``FormatLabelSelector``:

- a nil selector selects nothing, an empty one everything;
- ``matchLabels`` and ``matchExpressions`` become requirements sorted by key (stably), each
  validated as a label key and label values, so a malformed selector is an error
  (``FormatLabelSelector`` prints ``<error>``, controllers select nothing);
- ``in``/``notin`` values print sorted, duplicates kept, as ``Requirement.String`` does;
- ``Gt``/``Lt`` (node selectors only) compare base-10 int64 values and fail closed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# The operators of k8s.io/apimachinery/pkg/selection, spelled as selectors print them.
EQUALS = "="
DOUBLE_EQUALS = "=="
NOT_EQUALS = "!="
IN = "in"
NOT_IN = "notin"
EXISTS = "exists"
DOES_NOT_EXIST = "!"
GREATER_THAN = "gt"
LESS_THAN = "lt"

_INT64 = re.compile(r"^[+-]?[0-9]+$")
_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


class SelectorError(ValueError):
    """A selector that ``labels.NewRequirement`` or ``LabelSelectorAsSelector`` refuses."""


def _parse_int64(text: str) -> int | None:
    """strconv.ParseInt(text, 10, 64): no spaces, no underscores, within int64."""
    if not _INT64.match(text):
        return None
    value = int(text)
    return value if -(2**63) <= value < 2**63 else None


def valid_label_key(key: str) -> bool:
    """validation.IsQualifiedName: ``[prefix/]name``, name ≤ 63, prefix a DNS-1123 subdomain."""
    prefix, slash, name = key.rpartition("/")
    if slash and (not prefix or len(prefix) > 253 or not _DNS_SUBDOMAIN.match(prefix)):
        return False
    return 0 < len(name) <= 63 and bool(_NAME.match(name))


def valid_label_value(value: str) -> bool:
    """validation.IsValidLabelValue: empty, or ≤ 63 alphanumerics with ``-_.`` inside."""
    return len(value) <= 63 and bool(_VALUE.match(value))


@dataclass(frozen=True)
class Requirement:
    """One ``labels.Requirement``: a key, an operator and its values."""

    key: str
    op: str
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Requirement.Matches."""
        has = self.key in labels
        if self.op in (IN, EQUALS, DOUBLE_EQUALS):
            return has and labels[self.key] in self.values
        if self.op in (NOT_IN, NOT_EQUALS):
            return not has or labels[self.key] not in self.values
        if self.op == EXISTS:
            return has
        if self.op == DOES_NOT_EXIST:
            return not has
        if self.op in (GREATER_THAN, LESS_THAN) and has and len(self.values) == 1:
            have = _parse_int64(labels[self.key])
            want = _parse_int64(self.values[0])
            if have is None or want is None:
                return False
            return have > want if self.op == GREATER_THAN else have < want
        return False

    def __str__(self) -> str:
        """Requirement.String: ``k=v``, ``k!=v``, ``k in (a,b)``, ``k``, ``!k``, ``k>1``."""
        if self.op == EXISTS:
            return self.key
        if self.op == DOES_NOT_EXIST:
            return "!" + self.key
        values = self.values[0] if len(self.values) == 1 else ",".join(sorted(self.values))
        if self.op in (IN, NOT_IN):
            return f"{self.key} {self.op} ({values})"
        symbol = {GREATER_THAN: ">", LESS_THAN: "<"}.get(self.op, self.op)
        return f"{self.key}{symbol}{values}"


def new_requirement(key: str, op: str, values: Sequence[str]) -> Requirement:
    """labels.NewRequirement: validates the key, the operator's arity and each value."""
    if not valid_label_key(key):
        raise SelectorError(f"invalid label key {key!r}")
    if op in (IN, NOT_IN):
        if not values:
            raise SelectorError("for 'in', 'notin' operators, values set can't be empty")
    elif op in (EQUALS, DOUBLE_EQUALS, NOT_EQUALS):
        if len(values) != 1:
            raise SelectorError("exact-match compatibility requires one single value")
    elif op in (EXISTS, DOES_NOT_EXIST):
        if values:
            raise SelectorError("values set must be empty for exists and does not exist")
    elif op in (GREATER_THAN, LESS_THAN):
        if len(values) != 1 or _parse_int64(values[0]) is None:
            raise SelectorError("for 'Gt', 'Lt' operators, exactly one integer value is required")
    else:
        raise SelectorError(f"operator {op!r} is not supported")
    for value in values:
        if not valid_label_value(value):
            raise SelectorError(f"invalid label value {value!r}")
    return Requirement(key, op, tuple(values))


@dataclass(frozen=True)
class Selector:
    """``labels.Selector``: requirements sorted by key; ``nothing`` is ``labels.Nothing()``."""

    requirements: tuple[Requirement, ...] = ()
    nothing: bool = False

    def matches(self, labels: Mapping[str, str]) -> bool:
        if self.nothing:
            return False
        return all(r.matches(labels) for r in self.requirements)

    def __str__(self) -> str:
        return ",".join(str(r) for r in self.requirements)


EVERYTHING = Selector()
NOTHING = Selector(nothing=True)


def new_selector(requirements: Sequence[Requirement]) -> Selector:
    """labels.NewSelector().Add(...): the requirements sorted by key."""
    return Selector(tuple(sorted(requirements, key=lambda r: r.key)))


_OPERATORS = {"In": IN, "NotIn": NOT_IN, "Exists": EXISTS, "DoesNotExist": DOES_NOT_EXIST}
_NODE_OPERATORS = {**_OPERATORS, "Gt": GREATER_THAN, "Lt": LESS_THAN}


def _expression(expr: Any, operators: Mapping[str, str]) -> Requirement:
    if not isinstance(expr, Mapping):
        raise SelectorError("a match expression must be an object")
    op = operators.get(str(expr.get("operator")))
    if op is None:
        raise SelectorError(f"{expr.get('operator')!r} is not a valid label selector operator")
    values = expr.get("values") or []
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise SelectorError("values must be strings")
    return new_requirement(str(expr.get("key", "")), op, values)


def label_selector_as_selector(selector: Any) -> Selector:
    """metav1.LabelSelectorAsSelector; raises :class:`SelectorError` where it errs."""
    if selector is None:
        return NOTHING
    if not isinstance(selector, Mapping):
        raise SelectorError("a label selector must be an object")
    match_labels = selector.get("matchLabels") or {}
    expressions = selector.get("matchExpressions") or []
    if not isinstance(match_labels, Mapping) or not isinstance(expressions, list):
        raise SelectorError("malformed label selector")
    if not match_labels and not expressions:
        return EVERYTHING
    reqs = [new_requirement(str(k), EQUALS, [str(v)]) for k, v in match_labels.items()]
    reqs.extend(_expression(e, _OPERATORS) for e in expressions)
    return new_selector(reqs)


def selector_matches(selector: Any, labels: Mapping[str, str]) -> bool:
    """Whether a metav1.LabelSelector selects ``labels``; a nil or invalid one selects none."""
    try:
        return label_selector_as_selector(selector).matches(labels)
    except SelectorError:
        return False


def node_requirement_matches(expr: Any, labels: Mapping[str, str]) -> bool:
    """One NodeSelectorRequirement (which also knows ``Gt``/``Lt``); invalid ones fail."""
    try:
        return _expression(expr, _NODE_OPERATORS).matches(labels)
    except SelectorError:
        return False


def selector_from_set(labels: Mapping[str, str]) -> Selector:
    """labels.SelectorFromSet: one equality requirement per entry (empty: everything)."""
    return new_selector([Requirement(str(k), EQUALS, (str(v),)) for k, v in labels.items()])


def format_label_selector(selector: Any) -> str:
    """metav1.FormatLabelSelector: the selector's string, ``<none>`` when it is empty (also
    for nil), ``<error>`` when it does not convert."""
    try:
        text = str(label_selector_as_selector(selector))
    except SelectorError:
        return "<error>"
    return text or "<none>"


def label_selector_string(selector: Any) -> str:
    """LabelSelectorAsSelector(...).String(), as printDeployment and the scale subresource
    write it: ``""`` for an empty or nil selector."""
    try:
        return str(label_selector_as_selector(selector))
    except SelectorError:
        return ""


def format_labels(labels: Mapping[str, str] | None) -> str:
    """labels.FormatLabels: ``a=1,b=2`` sorted by key, ``<none>`` when empty."""
    if not labels:
        return "<none>"
    return ",".join(f"{k}={labels[k]}" for k in sorted(labels))
