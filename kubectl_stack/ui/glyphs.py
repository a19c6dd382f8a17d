"""The symbols the app draws, Unicode or ASCII, chosen once at start.

A terminal without UTF-8 (``LANG=C``, a Latin-1 PuTTY, the Linux console: ``TERM=linux`` or
``vt100``) shows ``▰ ✓ ◐ ╭─╮`` as garbage. There the app draws ASCII only, the same layout, and
every state keeps a word or symbol: ``ok`` / ``x`` / ``~`` (starting) / ``R`` (restarting) /
``||`` (paused) / ``!`` (warning); progress ``[####----]``; sparklines from `` .:-=+*#``;
borders ``+ - |``.

Two steps. The presenters' values (the model's symbol strings and ours, before any layout, so
that ``✓`` may become the wider ``ok``) go through :data:`GLYPHS` (:meth:`Glyphs.deep`). Then
:class:`AsciiFilter`, a Textual line filter, turns whatever non-ASCII is left in a drawn line
(Textual's borders, scrollbars and ellipses, text from the cluster) into ASCII of the same width.
"""

from __future__ import annotations

import dataclasses
import os
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from rich.segment import Segment
from rich.text import Span, Text
from textual.color import Color
from textual.filter import LineFilter

# The app's symbols in ASCII (presenters' text; widths may change, layout comes after).
WORDS: Mapping[str, str] = {
    "✓": "ok",
    "✗": "x",
    "◐": "~",
    "⟳": "R",
    "⏸": "||",
    "⚠": "!",
    "◌": "T",  # terminating
    "●": "*",
    "○": "o",
    "→": "->",
    "←": "<-",
    "—": "-",
    "–": "-",
    "−": "-",
    "·": "-",
    "…": "...",
    "×": "x",
    "≤": "<=",
    "≥": ">=",
    "▾": "v",
    "▸": ">",
    "│": "|",
    "µ": "u",
    "▰": "#",
    "▱": "-",
    # Sparkline levels, lowest to highest.
    **dict(zip("▁▂▃▄▅▆▇█", " .:-=+*#", strict=True)),
}
_BAR = frozenset("▰▱")
# Textual's symbols for keys, by their names.
KEY_WORDS: Mapping[str, str] = {
    "↑": "up",
    "↓": "down",
    "←": "left",
    "→": "right",
    "⌫": "backspace",
    "⏎": "enter",
}

# Terminals that cannot draw more than ASCII whatever the locale says.
ASCII_TERMS = frozenset({"linux", "vt100", "vt102", "vt220", "ansi", "dumb"})


def _initial_environ() -> Mapping[str, str]:
    """The environment the process started with. Python coerces a C locale to C.UTF-8 by
    setting ``LC_CTYPE`` in its own environment (PEP 538), which hides ``LANG=C``; Linux keeps
    the original in /proc."""
    try:
        raw = Path("/proc/self/environ").read_bytes()
    except OSError:
        return os.environ
    pairs = (entry.partition(b"=") for entry in raw.split(b"\0") if b"=" in entry)
    return {k.decode(errors="replace"): v.decode(errors="replace") for k, _, v in pairs}


def wants_ascii(env: Mapping[str, str] | None = None) -> bool:
    """Whether the terminal can only take ASCII: a TERM of :data:`ASCII_TERMS`, or a locale
    (the first of ``LC_ALL``, ``LC_CTYPE``, ``LANG`` that is set, as setlocale reads them)
    whose character set is not UTF-8 (``C`` and ``POSIX`` included)."""
    env = _initial_environ() if env is None else env
    if env.get("TERM", "").lower() in ASCII_TERMS:
        return True
    locale = next((env[k] for k in ("LC_ALL", "LC_CTYPE", "LANG") if env.get(k)), "C")
    charset = locale.partition(".")[2].partition("@")[0].lower().replace("-", "")
    return charset != "utf8"


T = TypeVar("T")


class Glyphs:
    """The glyph set in use: Unicode (values pass unchanged) or ASCII."""

    def __init__(self) -> None:
        self.ascii = False

    def select(self, ascii: bool) -> None:
        """Chosen once per app, when it is made."""
        self.ascii = ascii
        _word_text.cache_clear()

    def text(self, text: str) -> str:
        return _word_text(text) if self.ascii and not text.isascii() else text

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
        parts: list[str] = []
        starts: list[int] = []
        length = 0
        for i, char in enumerate(plain):
            starts.append(length)
            part = WORDS.get(char, char)
            if char in _BAR:  # a progress bar's run of cells, in brackets
                if i == 0 or plain[i - 1] not in _BAR:
                    part = "[" + part
                if i + 1 == len(plain) or plain[i + 1] not in _BAR:
                    part += "]"
            parts.append(part)
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


@lru_cache(maxsize=4096)
def _word_text(text: str) -> str:
    return GLYPHS.rich(Text(text)).plain


GLYPHS = Glyphs()
"""The glyph set of the running app (:func:`~kubectl_stack.ui.app.make_app` selects it)."""


@lru_cache(maxsize=256)
def _cell(char: str) -> str:
    """One ASCII character for one cell (box drawing by its shape; blocks, as used by
    scrollbars and tall borders, blank except the full one)."""
    word = WORDS.get(char)
    if word is not None and len(word) == 1:
        return word
    name = unicodedata.name(char, "")
    if name.startswith("BOX DRAWINGS"):
        words = set(name.split())
        horizontal = bool(words & {"HORIZONTAL", "LEFT", "RIGHT"})
        vertical = bool(words & {"VERTICAL", "UP", "DOWN"})
        if horizontal != vertical:
            return "-" if horizontal else "|"
        return "+"
    if name == "FULL BLOCK":
        return "#"
    if 0x2580 <= ord(char) <= 0x259F:
        return " "
    if word is not None:  # "->", "...", "ok": their first character carries them
        return word[-1] if word.startswith("-") else word[0]
    return "?"


@lru_cache(maxsize=8192)
def _ascii_line(text: str) -> str:
    out: list[str] = []
    for char in text:
        if char.isascii():
            out.append(char)
            continue
        width = 2 if unicodedata.east_asian_width(char) in "WF" else 1
        if unicodedata.combining(char):
            continue  # drawn on the previous cell
        out.append(_cell(char) * width if width == 1 else "?" * width)
    return "".join(out)


class AsciiFilter(LineFilter):
    """Every drawn line in ASCII, each character replaced by as many cells as it took."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        return [
            seg if seg.control or seg.text.isascii() else Segment(_ascii_line(seg.text), seg.style)
            for seg in segments
        ]
