"""ASCII mode on every screen, not only the main ones: the dialogs (scale, undo, restart,
pause, delete), logs, describe, YAML, history, port-forwards, help, the pickers and the command
bar say ``ok`` / ``->`` / ``...`` as the Stacks table does, never a symbol cut down to one
character (``✓`` drawn as ``o``, ``→`` as ``>``).

The app's text gets its symbols' word forms before layout (:data:`GLYPHS`); the line filter
after layout is only for what Textual draws itself (borders, scrollbars). So the test watches
the line filter: every character it is handed that has a word form is a text that skipped the
words."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rich.segment import Segment
from textual.color import Color
from textual.pilot import Pilot

from kubectl_stack.glyphs import WORDS
from kubectl_stack.ui.glyphs import GLYPHS, AsciiFilter
from kubectl_stack.ui.screens.command import CommandBar
from kubectl_stack.ui.screens.dialogs import ConfirmDialog, PickerDialog, ScaleDialog, UndoDialog
from kubectl_stack.ui.screens.forwards import ForwardsScreen
from kubectl_stack.ui.screens.help import HelpScreen
from kubectl_stack.ui.screens.history import HistoryScreen
from kubectl_stack.ui.screens.kubectl_actions import DeleteDialog
from kubectl_stack.ui.screens.logs import LogsScreen
from kubectl_stack.ui.screens.stack import StackScreen
from kubectl_stack.ui.screens.yaml import ObjectScreen
from kubectl_stack_sim.runner import RunningSim

from .conftest import until, until_text
from .screen import screen_text
from .test_ascii import ascii_app


def _chrome(char: str) -> bool:
    """Drawn by Textual itself: box drawing (borders, ``│``) and blocks (scrollbars)."""
    return 0x2500 <= ord(char) <= 0x259F


WORDED = frozenset(char for char in WORDS if not _chrome(char))


@pytest.fixture
def cut_symbols(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """Every symbol with a word form that reached the line filter (one character for one),
    with the line it was in."""
    seen: dict[str, str] = {}
    apply = AsciiFilter.apply

    def recording(self: AsciiFilter, segments: list[Segment], background: Color) -> list[Segment]:
        line = "".join(seg.text for seg in segments if not seg.control)
        for char in WORDED.intersection(line):
            seen.setdefault(char, line.strip())
        return apply(self, segments, background)

    monkeypatch.setattr(AsciiFilter, "apply", recording)
    yield seen
    GLYPHS.select(False)  # the glyph set is global: later tests start from Unicode


async def _visit(pilot: Pilot[Any], keys: tuple[str, ...], screen: type, text: str) -> str:
    await pilot.press(*keys)
    await until(pilot, lambda: isinstance(pilot.app.screen, screen), screen.__name__)
    shown = await until_text(pilot, text)
    await pilot.pause(0.3)  # a second frame: live texts (ages, states) drawn again
    shown = screen_text(pilot.app)
    await pilot.press("escape")
    await until(pilot, lambda: isinstance(pilot.app.screen, StackScreen), "back on the stack")
    return shown


# (keys from the Stack screen, the screen they open, a text it shows once drawn)
VISITS: dict[str, tuple[tuple[str, ...], type, str]] = {
    "scale": (("s",), ScaleDialog, "Replicas"),
    "undo": (("u",), UndoDialog, "to revision 1"),
    "restart": (("r",), ConfirmDialog, "Restart my-app"),
    "pause": (("z",), ConfirmDialog, "Pause"),
    "logs": (("l",), LogsScreen, "GET"),
    "describe": (("d",), ObjectScreen, "StrategyType"),
    "yaml": (("y",), ObjectScreen, "apiVersion"),
    "history": (("h",), HistoryScreen, "REVISION"),
    "help": (("question_mark",), HelpScreen, "Keys"),
    "command bar": (("colon",), CommandBar, "stack NAME"),
    "port-forwards": (("colon", *"pf", "enter"), ForwardsScreen, "port-forwards"),
    "object picker": (("o",), PickerDialog, "* deployment/my-app"),
    # Picks the object ctrl+d (and d, y) act on: after the visits that describe the stack.
    "delete": (("o", *"configmap/", "enter", "ctrl+d"), DeleteDialog, "Delete configmap/"),
    "delete pod": (("right", "x"), ConfirmDialog, "Delete pod"),
}


@pytest.fixture
def rolled_sim(frozen_sim: RunningSim, kubectl_path: Path, tmp_path: Path) -> RunningSim:
    """The seed scenario after one rollout (my-app at revision 2): something to undo."""
    env = {**os.environ, "KUBECONFIG": str(frozen_sim.kubeconfig), "KUBECACHEDIR": str(tmp_path)}
    args = [str(kubectl_path), "set", "image", "deployment/my-app", "app=my-app:1.5.0"]
    assert subprocess.run(args, env=env, capture_output=True, check=False).returncode == 0
    frozen_sim.advance(120)
    return frozen_sim


async def test_every_secondary_screen_uses_the_words_of_the_main_screens(
    rolled_sim: RunningSim, cut_symbols: dict[str, str]
) -> None:
    app = ascii_app(rolled_sim, "my-app")
    texts: dict[str, str] = {}
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await until(pilot, lambda: isinstance(app.screen, StackScreen), "the stack screen")
        await until_text(pilot, "successfully rolled out")
        for name, (keys, screen, text) in VISITS.items():
            texts[name] = await _visit(pilot, keys, screen, text)
        # A notification: the command bar's answer to a command it does not know.
        await pilot.press("colon", *"nope", "enter")
        texts["notification"] = await until_text(pilot, "unknown command 'nope' -")
    assert not cut_symbols, "\n".join(f"{c!r} in {line!r}" for c, line in cut_symbols.items())
    for name, text in texts.items():
        assert text.isascii(), (name, text)
