"""``-l`` selectors read as apimachinery's labels.Parse reads them (checked against real
kubectl over the embedded cluster in tests/ui/test_selector.py)."""

from __future__ import annotations

import pytest

from kubectl_stack.model.labelselector import parse

LABELS = {"app": "web", "tier": "front", "version": "3", "empty": ""}


@pytest.mark.parametrize(
    ("selector", "selected"),
    [
        ("", True),
        ("app=web", True),
        ("app==web", True),
        ("app = web", True),
        ("app=db", False),
        ("app!=db", True),
        ("missing!=x", True),  # != also selects objects without the key
        ("app=web,tier=front", True),
        ("app=web,tier=back", False),
        ("tier", True),
        ("!tier", False),
        ("!missing", True),
        ("tier in (front,back)", True),
        ("tier in (back)", False),
        ("tier notin (back)", True),
        ("missing notin (back)", True),
        ("missing in (back)", False),
        ("version>2", True),
        ("version<3", False),
        ("app>2", False),  # not a number: no match
        ("empty=", True),
        ("app=web,", True),
        ("app.kubernetes.io/name", False),
    ],
)
def test_selector_selects_as_the_api_server(selector: str, selected: bool) -> None:
    assert parse(selector)(LABELS) is selected


@pytest.mark.parametrize("selector", ["a b", "=x", "app in (a", "app!!=x", "!a=b", "x==y==z"])
def test_text_that_is_no_selector_is_refused(selector: str) -> None:
    with pytest.raises(ValueError, match="unable to parse requirement"):
        parse(selector)
