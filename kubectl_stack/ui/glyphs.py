"""The symbols the app draws, Unicode or ASCII, chosen once at start.

The table of word forms and the terminal detection are :mod:`kubectl_stack.glyphs` (``--once``
prints with them too). Here they meet Textual, in two steps. Text goes through :data:`GLYPHS`
before any layout, so that ``✓`` may become the wider ``ok``: the presenters' views
(:meth:`Glyphs.deep`) and every text a screen or dialog draws
(:mod:`kubectl_stack.ui.presenters.text`, widgets' labels and titles). Then
:class:`AsciiFilter`, a Textual line filter, turns whatever non-ASCII is left in a drawn line
(Textual's borders, scrollbars and ellipses, text from the cluster) into ASCII of the same width.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, TypeVar

from rich.segment import Segment
from rich.text import Span, Text
from textual.color import Color
from textual.filter import LineFilter

from ..glyphs import ascii_cells, word_parts, words

# Textual's symbols for keys, by their names.
KEY_WORDS: Mapping[str, str] = {
    "↑": "up",
    "↓": "down",
    "←": "left",
    "→": "right",
    "⌫": "backspace",
    "⏎": "enter",
}

T = TypeVar("T")


class Glyphs:
    """The glyph set in use: Unicode (values pass unchanged) or ASCII."""

    def __init__(self) -> None:
        self.ascii = False

    def select(self, ascii: bool) -> None:
        """Chosen once per app, when it is made."""
        self.ascii = ascii

    def text(self, text: str) -> str:
        return words(text) if self.ascii else text

    def key(self, display: str) -> str:
        """A key as the footer and help show it (``⏎`` is ``enter`` in ASCII)."""
        if not self.ascii or display.isascii():
            return display
        return self.text("".join(KEY_WORDS.get(char, char) for char in display))

    def rich(self, text: Text) -> Text:
        """``text`` with its symbols in ASCII, styles kept on the same characters."""
        plain = text.plain
        if not self.ascii or plain.isascii():
            return text
        parts = word_parts(plain)
        starts: list[int] = []
        length = 0
        for part in parts:
            starts.append(length)
            length += len(part)
        starts.append(length)
        spans = [Span(starts[s.start], starts[s.end], s.style) for s in text.spans]
        return Text(
            "".join(parts),
            style=text.style,
            justify=text.justify,
            overflow=text.overflow,
            no_wrap=text.no_wrap,
            end=text.end,
            tab_size=text.tab_size,
            spans=spans,
        )

    def deep(self, value: T) -> T:
        """``value`` (a string, a Text, or a view made of them: dataclasses, dicts, tuples,
        lists) with every string's symbols in ASCII; unchanged in Unicode mode."""
        if not self.ascii:
            return value
        return self._deep(value)  # type: ignore[no-any-return]

    def _deep(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Text):
            return self.rich(value)
        if isinstance(value, dict):
            return {k: self._deep(v) for k, v in value.items()}
        if isinstance(value, tuple | list):
            return type(value)(self._deep(v) for v in value)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            changes = {
                f.name: self._deep(getattr(value, f.name)) for f in dataclasses.fields(value)
            }
            return dataclasses.replace(value, **changes)
        return value


GLYPHS = Glyphs()
"""The glyph set of the running app (:func:`~kubectl_stack.ui.app.make_app` selects it)."""


class AsciiFilter(LineFilter):
    """Every drawn line in ASCII, each character replaced by as many cells as it took."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        return [
            seg if seg.control or seg.text.isascii() else Segment(ascii_cells(seg.text), seg.style)
            for seg in segments
        ]
