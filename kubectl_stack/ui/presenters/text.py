"""The untrusted-text boundary: every string that came from the cluster (names, images,
labels, annotations, event messages, log lines, server messages) becomes a Rich ``Text`` here,
through the one sanitiser (:func:`kubectl_stack.model.visible.visible`), and is never read as
markup.

Screens and widgets take ``Text``, not ``str``, wherever such strings flow: a ``str`` handed
to ``Static.update``, a ``DataTable`` cell, an ``Option``, a ``Button`` label or a border title
is parsed as Textual markup (``[@click=app.quit]`` becomes a live action, ``[link=`` an
exception), and a ``Text`` built straight from a cluster string keeps its control bytes.
Presenters build their text from our own literals plus these functions; ``Text(cluster)`` and
f-strings of cluster values into markup are the mistakes this module exists to prevent.

It is also where text meets the glyph set: in ASCII mode every function here returns its text
with the symbols' word forms (``✓`` ``ok``, ``→`` ``->``, :data:`~kubectl_stack.ui.glyphs.GLYPHS`),
so a dialog, the logs or describe say what the main screens say.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.style import StyleType
from rich.text import Text

from ...model.visible import visible
from ..glyphs import GLYPHS

MAX_CHARS = 4096
"""A cluster string longer than this is cut (and says how much was left out): a cell or a
panel line shows a few hundred characters at most, and laying out and drawing 100 KB on every
refresh froze the app for seconds. Log lines are shown whole."""


def _cut(text: str) -> str:
    if len(text) <= MAX_CHARS:
        return text
    return f"{text[:MAX_CHARS]}… ({len(text) - MAX_CHARS:,} more characters)"


def _clipped(value: object) -> str:
    return visible(_cut(value if isinstance(value, str) else str(value)))


def shown(value: object, style: StyleType = "") -> Text:
    """``value`` (from the cluster, or anything formatted with ``str``) as one line of text to
    draw: control characters and bidi overrides made visible escapes, brackets just brackets,
    cut after :data:`MAX_CHARS` characters."""
    return Text(GLYPHS.text(_clipped(value)), style=style, end="")


def fmt(template: str, *values: object, style: StyleType = "") -> Text:
    """Our own ``template`` with its ``{}`` fields filled by ``values`` (``str.format``), each
    value as :func:`shown` makes it; the template is ours, so only it may hold line breaks."""
    return Text(GLYPHS.text(template.format(*map(_clipped, values))), style=style, end="")


def log_line(value: str, style: StyleType = "") -> Text:
    """A log line, whole (long lines are the point of reading logs), through the sanitiser."""
    return Text(GLYPHS.text(visible(value)), style=style, end="")


def document(value: str) -> str:
    """Multi-line cluster text for a viewer that highlights it itself (the YAML view): each
    line as :func:`shown` makes a string, line breaks kept."""
    return "\n".join(GLYPHS.text(_clipped(line)) for line in value.split("\n"))


def cut_strings(obj: Any) -> Any:
    """A copy of a cluster object whose strings are cut as :func:`shown` cuts them, to be laid
    out as a document (dumping 3 MB of YAML in pure Python took 6 s)."""
    if isinstance(obj, Mapping):
        return {_cut(str(k)): cut_strings(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [cut_strings(v) for v in obj]
    return _cut(obj) if isinstance(obj, str) else obj
