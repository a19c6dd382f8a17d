"""Colours come from the theme: a healthy pod's ✓, a Warning event's ⚠ and a finding's ✗ are
drawn in the theme's success, warning and error colours, follow a theme switch, turn grey
with NO_COLOR, and stay green, yellow and red on a 16-colour terminal. No colour is spelled in
``kubectl_stack/ui`` (the meanings name theme variables, see ``ui/presenters/style.py``)."""

from __future__ import annotations

import ast
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from rich.color import ANSI_COLOR_NAMES, ColorSystem
from rich.style import Style
from textual.color import Color
from textual.pilot import Pilot

import kubectl_stack.ui
from kubectl_stack.ui.app import StackApp

from .conftest import TEST_SETTINGS, Captured, memory_app, until_text

UI = Path(kubectl_stack.ui.__file__).parent
SIZE = (120, 40)

# What the seed's Stack screen shows on its Pods tab at 120x40, each the line to look on and
# the symbol: the last pod (the table's cursor is on the first one, in the cursor's colours),
# the second Warning event (the first is under the Events table's cursor), the finding.
HEALTHY = ("1/1    Running", "✓")
WARNING = ("FailedComputeMetricsReplicas", "⚠")
ERROR = ("Ingress my-app TLS secret", "✗")


def drawn(app: StackApp) -> list[list[tuple[str, Style | None]]]:
    """The terminal as the app draws it (after Textual's filters: NO_COLOR's among them), one
    list of (character, style) per line."""
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    lines = []
    for strips in update.strips:
        cells = []
        for strip in strips:
            for segment in strip:
                if not segment.control:
                    cells.extend((char, segment.style) for char in segment.text)
        lines.append(cells)
    return lines


def style_of(app: StackApp, where: tuple[str, str]) -> Style:
    """The style ``where``'s symbol is drawn in, on the last line that shows its text."""
    needle, symbol = where
    for cells in reversed(drawn(app)):
        text = "".join(char for char, _ in cells)
        if needle in text:
            style = cells[text.index(symbol)][1]
            assert style is not None, f"{symbol} on {text.strip()!r} has no style"
            return style
    raise AssertionError(f"no line shows {needle!r}")


def colour_of(app: StackApp, where: tuple[str, str]) -> Color:
    color = style_of(app, where).color
    assert color is not None, f"{where[1]} is drawn without a colour of its own"
    return Color.from_rich_color(color)


async def settled(pilot: Pilot[Any]) -> list[list[tuple[str, Style | None]]]:
    """What the app draws once two looks 0.2 s apart see the same (tables at their widths)."""
    previous = drawn(pilot.app)
    for _ in range(50):
        await pilot.pause(0.2)
        current = drawn(pilot.app)
        if current == previous:
            return current
        previous = current
    raise AssertionError("the screen kept changing")


def theme_colour(app: StackApp, variable: str) -> Color:
    return Color.parse(app.get_css_variables()[variable])


async def on_pods_tab(pilot: Pilot[Any]) -> None:
    await until_text(pilot, "successfully rolled out")
    await pilot.press("right")
    await until_text(pilot, "READINESS", "FailedComputeMetricsReplicas", "TLS secret")


def seed_app(captured: Captured, theme: str = "textual-dark") -> StackApp:
    app, _ = memory_app(captured, stack="my-app", settings=replace(TEST_SETTINGS, theme=theme))
    return app


async def test_a_healthy_pod_is_drawn_in_the_themes_success_colour_and_then_in_the_next_ones(
    frozen_seed: Captured, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No 1 s tick: it would draw everything again anyway; the theme switch alone must.
    monkeypatch.setattr(StackApp, "_tick", lambda self: None)
    app = seed_app(frozen_seed)
    async with app.run_test(size=SIZE) as pilot:
        await on_pods_tab(pilot)
        assert colour_of(app, HEALTHY) == theme_colour(app, "text-success")
        assert colour_of(app, WARNING) == theme_colour(app, "text-warning")
        assert colour_of(app, ERROR) == theme_colour(app, "text-error")
        before = colour_of(app, HEALTHY)

        app.theme = "dracula"
        await pilot.pause()  # Textual restyles, then tells who follows the theme
        await pilot.pause()  # (not the app's 1 s tick: the next frame is in the new colours)
        assert colour_of(app, HEALTHY) == theme_colour(app, "text-success") != before
        assert colour_of(app, WARNING) == theme_colour(app, "text-warning")
        assert colour_of(app, ERROR) == theme_colour(app, "text-error")  # a Static's line


async def test_a_theme_that_changes_only_the_success_colour_changes_the_tables_ticks(
    frozen_seed: Captured, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Textual draws a table again when the theme changes its styles; a theme that changes
    only what the meanings use must be followed too."""
    monkeypatch.setattr(StackApp, "_tick", lambda self: None)
    app = seed_app(frozen_seed)
    async with app.run_test(size=SIZE) as pilot:
        await on_pods_tab(pilot)
        dark = app.current_theme
        greener = Color.parse(dark.success or "").lighten(0.2).hex
        app.register_theme(replace(dark, name="greener", success=greener))
        app.theme = "greener"
        await pilot.pause()
        await pilot.pause()
        assert theme_colour(app, "text-success") != Color.parse("#8AD4A1")  # textual-dark's
        assert colour_of(app, HEALTHY) == theme_colour(app, "text-success")


async def test_a_theme_switch_reaches_the_stack_screen_kept_for_the_next_stack(
    frozen_seed: Captured,
) -> None:
    """The Stack screen is kept, off the screen stack, while the Stacks screen shows: opened
    after a theme switch it is drawn as an app started in that theme draws it."""
    switched = seed_app(frozen_seed)
    async with switched.run_test(size=SIZE) as pilot:
        await on_pods_tab(pilot)
        await pilot.press("escape")
        await until_text(pilot, "NAME", "ROLLOUT")
        switched.theme = "dracula"
        await pilot.pause()
        await pilot.press("enter")
        await on_pods_tab(pilot)
        after_switch = await settled(pilot)

    fresh = seed_app(frozen_seed, theme="dracula")
    async with fresh.run_test(size=SIZE) as pilot:
        await on_pods_tab(pilot)
        started_so = await settled(pilot)
        assert colour_of(fresh, ERROR) == theme_colour(fresh, "text-error")

    for y, (line, expected) in enumerate(zip(after_switch, started_so, strict=True)):
        assert line == expected, f"line {y} differs: {''.join(c for c, _ in line)!r}"


async def test_no_color_draws_the_meanings_in_grey(
    frozen_seed: Captured, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = seed_app(frozen_seed)
    async with app.run_test(size=SIZE) as pilot:
        await on_pods_tab(pilot)
        for where in (HEALTHY, WARNING, ERROR):
            colour = colour_of(app, where)
            assert colour.r == colour.g == colour.b, f"{where[1]} in {colour.hex} with NO_COLOR"


def foreground_sgr(app: StackApp, where: tuple[str, str]) -> str:
    """The SGR parameter the app's console sends for the colour of ``where``'s symbol."""
    color = style_of(app, where).color
    assert color is not None
    system = ColorSystem[str(app.console.color_system).upper()]
    return ";".join(color.downgrade(system).get_ansi_codes(foreground=True))


@pytest.mark.parametrize(
    ("colour_system", "theme"),
    [
        ("standard", "textual-dark"),
        ("standard", "textual-light"),
        ("standard", "nord"),
        ("truecolor", "ansi-dark"),
    ],
)
async def test_a_16_colour_terminal_shows_success_warning_and_error_in_green_yellow_and_red(
    colour_system: str, theme: str, frozen_seed: Captured, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On 16 colours the theme's own colours would fall on the same few (textual-dark's
    warning and error both on bright red); the terminal's green, yellow and red stay apart.
    An ANSI theme sends its ANSI colours on any terminal."""
    monkeypatch.setattr("textual.constants.COLOR_SYSTEM", colour_system)
    app = seed_app(frozen_seed, theme=theme)
    async with app.run_test(size=SIZE) as pilot:
        await on_pods_tab(pilot)
        sent = [foreground_sgr(app, where) for where in (HEALTHY, WARNING, ERROR)]
        assert sent == ["32", "33", "31"]


# -- no colour spelled in the UI's code ----------------------------------------------------------

_NAMES = "|".join(sorted(map(re.escape, ANSI_COLOR_NAMES), key=len, reverse=True))
_COLOUR = re.compile(
    rf"\b(?:{_NAMES})\b"  # a colour name Rich knows: green, bright_red, dark_orange, grey50 ...
    r"|\bansi_(?:bright_)?(?:black|red|green|yellow|blue|magenta|cyan|white|default)\b"
    r"|#[0-9a-f]{3,8}\b|\b(?:rgba?|hsla?|color)\(",
    re.IGNORECASE,
)
"""A colour as Rich, Textual or CSS would read it: a name, an ANSI colour (Textual's spelling),
#rrggbb, rgb(), hsl(), color(n). (Rich's syntax theme ``ansi_dark`` is not one.)"""


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            value = body[0].value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                ids.add(id(value))
    return ids


def _colours_in(path: Path) -> list[str]:
    text = path.read_text()
    if path.suffix == ".tcss":
        code = re.sub(r"/\*.*?\*/", "", text, flags=re.DOTALL)
        return [f"{path.name}: {m.group()}" for m in _COLOUR.finditer(code)]
    tree = ast.parse(text)
    skip = _docstrings(tree)
    return [
        f"{path.relative_to(UI)}:{node.lineno}: {match.group()!r} in {node.value!r}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip
        for match in _COLOUR.finditer(node.value)
    ]


def test_no_colour_is_spelled_in_the_ui() -> None:
    """Every colour comes from the theme: CSS names theme variables ($warning ...), and the
    presenters' meanings are drawn in the colours of the variables ui/presenters/style.py
    names. A literal colour would ignore the theme (and a 16-colour terminal's palette)."""
    found = [hit for path in sorted(UI.rglob("*.py")) for hit in _colours_in(path)]
    found += [hit for path in sorted(UI.rglob("*.tcss")) for hit in _colours_in(path)]
    assert not found, "colours spelled in kubectl_stack/ui:\n" + "\n".join(found)


def test_the_check_finds_a_colour() -> None:
    """The check above reads what it must: a name, a hex colour, an ANSI colour."""
    spelled_colours = ("green", "bold red", "#4ebf71", "ansi_bright_red", "rgb(1,2,3)", "grey50")
    for spelled in spelled_colours:
        assert _COLOUR.search(spelled), spelled
    for clean in ("$text-success", "stack.error", "bold", "dim", "Ready", "desired", "rendered"):
        assert not _COLOUR.search(clean), clean
