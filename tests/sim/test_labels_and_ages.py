"""The embedded cluster's own ports of apimachinery's label selectors and HumanDuration."""

from __future__ import annotations

import pytest

from kubectl_stack_sim.labels import (
    format_label_selector,
    label_selector_string,
    node_requirement_matches,
    selector_matches,
)
from kubectl_stack_sim.objects import labels_match
from kubectl_stack_sim.timefmt import human_duration, since


def test_nil_selector_selects_nothing_and_empty_selects_everything() -> None:
    assert not selector_matches(None, {"app": "x"})
    assert selector_matches({}, {"app": "x"})
    assert format_label_selector(None) == "<none>"
    assert label_selector_string({}) == ""


def test_match_expressions_follow_requirement_matches() -> None:
    selector = {
        "matchLabels": {"app": "web"},
        "matchExpressions": [
            {"key": "env", "operator": "In", "values": ["prod", "stage"]},
            {"key": "track", "operator": "NotIn", "values": ["canary"]},
            {"key": "owner", "operator": "Exists"},
            {"key": "legacy", "operator": "DoesNotExist"},
        ],
    }
    base = {"app": "web", "env": "prod", "owner": "me"}
    assert selector_matches(selector, base)
    assert selector_matches(selector, {**base, "track": "stable"})
    assert not selector_matches(selector, {**base, "track": "canary"})
    assert not selector_matches(selector, {**base, "legacy": ""})
    assert not selector_matches(selector, {k: v for k, v in base.items() if k != "owner"})
    assert not selector_matches(selector, {**base, "env": "dev"})


def test_invalid_selectors_select_nothing_and_print_error() -> None:
    bad_operator = {"matchExpressions": [{"key": "a", "operator": "Gt", "values": ["1"]}]}
    empty_in = {"matchExpressions": [{"key": "a", "operator": "In", "values": []}]}
    bad_key = {"matchLabels": {"not a key": "x"}}
    for selector in (bad_operator, empty_in, bad_key):
        assert not selector_matches(selector, {"a": "1"})
        assert format_label_selector(selector) == "<error>"


def test_requirements_print_sorted_by_key_with_sorted_values_duplicates_kept() -> None:
    selector = {
        "matchLabels": {"z": "1"},
        "matchExpressions": [
            {"key": "m", "operator": "In", "values": ["b", "a", "b"]},
            {"key": "a", "operator": "DoesNotExist"},
        ],
    }
    assert format_label_selector(selector) == "!a,m in (a,b,b),z=1"


@pytest.mark.parametrize(
    ("op", "value", "label", "expected"),
    [
        ("Gt", "5", "6", True),
        ("Gt", "5", "5", False),
        ("Lt", "5", "-1", True),
        ("Lt", "5", "x", False),
        ("Gt", "5", " 6", False),  # strconv.ParseInt takes no spaces
        ("Gt", "5", "1_0", False),  # nor underscores
        ("Gt", "5", "9223372036854775808", False),  # beyond int64
    ],
)
def test_node_selector_gt_lt_compare_int64(op: str, value: str, label: str, expected: bool) -> None:
    expr = {"key": "cores", "operator": op, "values": [value]}
    assert node_requirement_matches(expr, {"cores": label}) is expected


def test_service_selector_without_entries_selects_nothing() -> None:
    assert not labels_match({}, {"app": "x"})
    assert not labels_match(None, {"app": "x"})
    assert labels_match({"app": "x"}, {"app": "x", "more": "y"})


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (-3, "<invalid>"),
        (-1.5, "0s"),
        (-0.5, "0s"),
        (0, "0s"),
        (119.9, "119s"),
        (120, "2m"),
        (150, "2m30s"),
        (599, "9m59s"),
        (600, "10m"),
        (179 * 60 + 59, "179m"),
        (3 * 3600, "3h"),
        (3 * 3600 + 60, "3h1m"),
        (8 * 3600, "8h"),
        (47 * 3600 + 3599, "47h"),
        (48 * 3600, "2d"),
        (49 * 3600, "2d1h"),
        (8 * 86400, "8d"),
        (729 * 86400, "729d"),
        (730 * 86400, "2y"),
        (731 * 86400, "2y1d"),
        (8 * 365 * 86400, "8y"),
    ],
)
def test_human_duration_follows_apimachinery(seconds: float, text: str) -> None:
    assert human_duration(seconds) == text


def test_since_of_an_unset_time_is_unknown() -> None:
    assert since(None, 100.0) == "<unknown>"
    assert since("2026-01-01T00:00:00Z", 1767225600.0 + 61) == "61s"
