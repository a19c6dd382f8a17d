"""The app's symbols in ASCII, and whether the terminal needs them. Textual-free: the app
(:mod:`kubectl_stack.ui.glyphs`) and ``--once`` (:mod:`kubectl_stack.once`) share it.

A terminal without UTF-8 (``LANG=C``, a Latin-1 PuTTY, the Linux console: ``TERM=linux`` or
``vt100``) shows ``▰ ✓ ◐ ╭─╮`` as garbage. There everything is drawn in ASCII, and every state
keeps a word or symbol: ``ok`` / ``x`` / ``~`` (starting) / ``R`` (restarting) / ``||``
(paused) / ``!`` (warning); progress ``[####----]``; sparklines from `` .:-=+*#``; borders
``+ - |``.

Two steps. Text (before any layout, so that ``✓`` may become the wider ``ok``) gets its
symbols' word forms (:func:`words`). Whatever non-ASCII is left after layout (box drawing,
scrollbars, text from the cluster) becomes ASCII of the same width (:func:`ascii_cells`).
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

# The app's symbols in ASCII (words for text; widths may change, layout comes after).
WORDS: Mapping[str, str] = {
    "✓": "ok",
    "✗": "x",
    "◐": "~",
    "⟳": "R",
    "⏸": "||",
    "⚠": "!",
    "◌": "T",  # terminating
    "■": "-",  # stopped (a port-forward)
    "●": "*",
    "○": "o",
    "⇄": "<->",
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


def word_parts(text: str) -> list[str]:
    """What each character of ``text`` becomes: its word form (a progress bar's run of cells
    in brackets, ``[###-]``), or itself."""
    parts: list[str] = []
    for i, char in enumerate(text):
        part = WORDS.get(char, char)
        if char in _BAR:
            if i == 0 or text[i - 1] not in _BAR:
                part = "[" + part
            if i + 1 == len(text) or text[i + 1] not in _BAR:
                part += "]"
        parts.append(part)
    return parts


def words(text: str) -> str:
    """``text`` with its symbols as words (``✓3 ⟳1`` is ``ok3 R1``)."""
    if text.isascii():
        return text
    # Cells and labels come back on every refresh; log lines and documents once.
    return _short_words(text) if len(text) <= 200 else "".join(word_parts(text))


@lru_cache(maxsize=4096)
def _short_words(text: str) -> str:
    return "".join(word_parts(text))


@lru_cache(maxsize=256)
def _cell(char: str) -> str:
    """One ASCII character for one cell (box drawing by its shape; blocks, as used by
    scrollbars and tall borders, blank except the full one)."""
    word = WORDS.get(char)
    if word is not None and len(word) == 1:
        return word
    name = unicodedata.name(char, "")
    if name.startswith("BOX DRAWINGS"):
        names = set(name.split())
        horizontal = bool(names & {"HORIZONTAL", "LEFT", "RIGHT"})
        vertical = bool(names & {"VERTICAL", "UP", "DOWN"})
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
def ascii_cells(text: str) -> str:
    """``text`` in ASCII, each character as many cells as it took (a wide one ``??``, a
    combining one nothing): for text already laid out."""
    if text.isascii():
        return text
    out: list[str] = []
    for char in text:
        if char.isascii():
            out.append(char)
            continue
        if unicodedata.combining(char):
            continue  # drawn on the previous cell
        wide = unicodedata.east_asian_width(char) in "WF"
        out.append("??" if wide else _cell(char))
    return "".join(out)


def ascii_text(text: str) -> str:
    """``text`` in ASCII only, for a terminal that takes nothing else: symbols as words, then
    any other character as :func:`ascii_cells` draws it."""
    return ascii_cells(words(text))
