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

from yaml.emitter import Emitter

_BIDI = (*range(0x202A, 0x202F), *range(0x2066, 0x206A))
_SEPARATORS = (0x2028, 0x2029)


def _escape(code: int) -> str:
    """PyYAML's escape of one character (its emitter's table, then its hex forms)."""
    named = Emitter.ESCAPE_REPLACEMENTS.get(chr(code))
    if named is not None:
        return "\\" + named
    return f"\\x{code:02X}" if code <= 0xFF else f"\\u{code:04X}"


_TABLE: dict[int, str] = {
    code: _escape(code)
    for code in (*range(0x20), 0x7F, *range(0x80, 0xA0), *_BIDI, *_SEPARATORS)
    if code != 0x09  # tab stays a tab
}
_TABLE.update(dict.fromkeys(range(0xD800, 0xE000), "\ufffd"))
_KEEP_NEWLINES = {**_TABLE, 0x0A: "\n"}


def visible(value: object) -> str:
    """``value`` as one line of harmless text: every control character, bidi override and
    line break made a visible escape. Non-strings are formatted with ``str`` first."""
    return (value if isinstance(value, str) else str(value)).translate(_TABLE)


def visible_lines(value: str) -> str:
    """Like :func:`visible`, but line feeds stay line breaks (a document: YAML, a multi-line
    message shown in a panel); a carriage return is still escaped."""
    return value.translate(_KEEP_NEWLINES)
