"""The one sanitiser for text that came from the cluster (names, images, labels, event
messages, log lines): what it returns can be written to a terminal and acts on nothing.

C0 controls (all but tab), DEL and C1 controls become visible escapes in the notation the YAML
view has always used (PyYAML's double-quoted escapes: ``\\e``, ``\\n``, ``\\x9B``, ``\\N``);
bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) and the Unicode line
and paragraph separators become ``\\u202E``-style escapes, so they are seen and reorder
nothing; lone surrogates (a JSON ``\\ud800`` escape decodes to one) become U+FFFD, since they
cannot be encoded for the terminal at all. kubectl escapes the same bytes since
CVE-2021-25743. Backslashes are left alone: the output is for reading, not for parsing back.

Pure and Textual-free: ``--once`` prints through it as well as the UI's text boundary
(:mod:`kubectl_stack.ui.presenters.text`).
"""

from __future__ import annotations

import re

from yaml.emitter import Emitter

# C0 but tab, DEL and C1; the line and paragraph separators with the bidi embeddings and
# overrides (U+2028-U+202E); the bidi isolates. Lone surrogates are replaced, not escaped.
_ESCAPED = ((0x00, 0x08), (0x0A, 0x1F), (0x7F, 0x9F), (0x2028, 0x202E), (0x2066, 0x2069))
_SURROGATES = (0xD800, 0xDFFF)


def _escape(code: int) -> str:
    """PyYAML's escape of one character (its emitter's table, then its hex forms)."""
    named = Emitter.ESCAPE_REPLACEMENTS.get(chr(code))
    if named is not None:
        return "\\" + named
    return f"\\x{code:02X}" if code <= 0xFF else f"\\u{code:04X}"


def _class(ranges: tuple[tuple[int, int], ...]) -> re.Pattern[str]:
    return re.compile("[" + "".join(f"{chr(low)}-{chr(high)}" for low, high in ranges) + "]")


_TABLE = {chr(c): _escape(c) for low, high in _ESCAPED for c in range(low, high + 1)}
_TABLE.update(dict.fromkeys(map(chr, range(_SURROGATES[0], _SURROGATES[1] + 1)), "\ufffd"))
# A scan that calls back only for what it replaces: str.translate with a table looks up every
# character in Python (11 ms for a 100 KB event message, on every refresh; this: under 1 ms).
_ANY = _class((*_ESCAPED, _SURROGATES))


def _replace(match: re.Match[str]) -> str:
    return _TABLE[match.group()]


def visible(value: object) -> str:
    """``value`` as one line of harmless text: every control character, bidi override and
    line break made a visible escape. Non-strings are formatted with ``str`` first."""
    text = value if isinstance(value, str) else str(value)
    if text.isprintable():  # no Cc, Cf, Cs, Zl, Zp: nothing to escape (and a scan in C)
        return text
    return _ANY.sub(_replace, text)
