"""Terminals without UTF-8: the same screens in ASCII only, every state still a word or symbol
(``ok`` / ``x`` / ``~`` / ``R`` / ``||`` / ``!``, ``[####----]``, borders ``+ - |``)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from rich.text import Text

from kubectl_stack.ui.app import StackApp
from kubectl_stack.ui.glyphs import GLYPHS, wants_ascii

from .conftest import TEST_SETTINGS, Captured, memory_app, until_text
from .screen import screen_text
from .test_snapshots import SCREENS


@pytest.fixture(autouse=True)
def _unicode_after() -> Iterator[None]:
    """The glyph set is chosen per app, and global: later tests start from Unicode."""
    yield
    GLYPHS.select(False)


def _ascii_app(seed: Captured, stack: str | None) -> StackApp:
    app, _ = memory_app(seed, stack=stack, settings=replace(TEST_SETTINGS, ascii=True))
    return app


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"LANG": "C"}, True),
        ({}, True),  # no locale at all is the C locale
        ({"LC_ALL": "POSIX", "LANG": "en_US.UTF-8"}, True),  # LC_ALL wins
        ({"LANG": "en_GB.ISO-8859-1"}, True),
        ({"LC_CTYPE": "de_DE.utf8"}, False),
        ({"LANG": "en_US.UTF-8"}, False),
        ({"LANG": "C.UTF-8", "TERM": "linux"}, True),
        ({"LANG": "C.UTF-8", "TERM": "vt100"}, True),
        ({"LANG": "C.UTF-8", "TERM": "xterm-256color"}, False),
        ({"LANG": "sr_RS.UTF-8@latin"}, False),
    ],
)
def test_ascii_is_chosen_for_terminals_without_utf8(env: dict[str, str], expected: bool) -> None:
    assert wants_ascii(env) is expected


def test_symbols_become_words_and_styles_stay_on_them() -> None:
    GLYPHS.select(True)
    text = Text("▰▰▰▱ ✓ Complete ✓5 ◐1 ✗1 ⟳2 ⏸ ⚠ ▁▄█")
    text.stylize("green", 5, 6)  # the ✓
    out = GLYPHS.rich(text)
    assert out.plain == "[###-] ok Complete ok5 ~1 x1 R2 || !  -#"
    assert [out.plain[s.start : s.end] for s in out.spans] == ["ok"]


@pytest.mark.parametrize("name", ["stacks", "stack", "pods"])
async def test_every_screen_is_ascii_only(name: str, frozen_seed: Captured) -> None:
    stack, steps = SCREENS[name]
    app = _ascii_app(frozen_seed, stack)
    async with app.run_test(size=(80, 24)) as pilot:
        await steps(pilot)
        text = screen_text(app)
    assert text.isascii(), [line for line in text.splitlines() if not line.isascii()]
    assert re.search(r"\[#+\] ok Complete|ok ready", text), text  # the state, in words
    if name != "stacks":
        assert "+- Rollout" in text or "+- Pods" in text  # a panel's border


@pytest.mark.parametrize("name", ["stacks", "stack", "pods"])
def test_ascii_snapshot(name: str, frozen_seed: Captured, snap_compare: Any) -> None:
    stack, steps = SCREENS[name]
    assert snap_compare(_ascii_app(frozen_seed, stack), terminal_size=(80, 24), run_before=steps)


async def test_keys_in_help_and_footer_are_named_in_ascii(frozen_seed: Captured) -> None:
    app = _ascii_app(frozen_seed, None)
    async with app.run_test(size=(80, 24)) as pilot:
        await SCREENS["stacks"][1](pilot)
        await pilot.press("question_mark")
        text = await until_text(pilot, "Keys")
    assert text.isascii()
    assert "enter    Open" in text and "down, j" in text
