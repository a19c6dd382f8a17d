"""What the terminal shows, cell by cell, so that only the cells that changed are sent.

Textual repaints a changed line whole, and Rich writes every segment with its full SGR
(truecolor: ~40 bytes) and a reset after it: a table row whose READY cell went 9/10 -> 10/10
costs 300 to 500 bytes, a scrollbar 79 separate styled blanks. Measured under churn (see
bench/README.md), four fifths of what reached the terminal were SGR codes. Like mosh, the
driver keeps two screens: what the app wants (everything Textual wrote) and what the terminal
was sent; :meth:`Framebuffer.take` answers the difference, each changed run preceded by a
cursor move, each style written as a change from the one before (``\\x1b[1m`` to add bold,
not a reset and the whole style again).

Only what Textual writes for a frame is understood: cursor moves (``CSI y;x H``), SGR, text
and newlines. Anything else (alternate screen, clearing, mouse modes, a title) is passed
through in order after what was pending, and both screens are forgotten, so the next frame is
sent as Textual wrote it; a new terminal size forgets them too. A line never changed since
is never sent again. Written to by Textual's output thread only.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

from rich.cells import get_character_cell_size

_TOKEN = re.compile(
    r"\x1b\[(\d+);(\d+)H"  # 1, 2: cursor position (1-based row, column)
    r"|\x1b\[([0-9;]*)m"  # 3: SGR
    r"|([^\x00-\x1f\x7f-\x9f]+)"  # 4: printable text
    r"|(\r?\n)"  # 5: Textual's line separator (always followed by a cursor move)
)
# The start of an escape sequence at the end of a write: kept for the next one.
_PARTIAL = re.compile(r"\x1b(?:\[[0-9;?]*)?\Z")
# Sequences that change neither cells nor the cursor: sent with the next cells, nothing
# forgotten (the cursor shown or hidden, focus reporting, the mouse pointer's shape: Textual
# sets it whenever a screen is mounted, and forgetting both screens for it resent a whole
# 200x60 screen, 22 KB, that the link's byte budget then made the next changes wait for:
# bench/README.md, "The 200x60 event-to-screen at 1,000 pods"). Textual's
# synchronized-update brackets are its frames': the framebuffer sends its own frames, each
# bracketed once Textual is seen to use them (the terminal takes them).
_HARMLESS = re.compile(r"\x1b\[\?(?:25|1004)[hl]|\x1b\]22;[\w-]*(?:\x07|\x1b\\)")
_SYNC = re.compile(r"\x1b\[\?2026[hl]")
SYNC_START, SYNC_END = "\x1b[?2026h", "\x1b[?2026l"
_GAP = 6  # unchanged cells sent rather than a cursor move (``\x1b[y;xH`` is 6 to 8 bytes)
Cells = list[str | None]  # per column: the cell's text ("" right of a wide one), None: unknown
Styles = list[str]


class Framebuffer:
    """The app's screen and the terminal's, as Textual's output describes them."""

    def __init__(self, size: tuple[int, int] | None = None) -> None:
        self._size = size
        self._want: dict[int, tuple[Cells, Styles]] = {}
        self._shown: dict[int, tuple[Cells, Styles]] = {}
        self._dirty: dict[int, float] = {}  # row -> when it was last written
        self._y: int | None = None  # the app's cursor (None: unknown)
        self._x = 0
        self._sgr = ""  # the style the app's text is written in
        self._term_sgr: str | None = ""  # the terminal's current style (None: unknown)
        self._term_at: tuple[int, int] | None = None  # the terminal's cursor
        self._out: list[str] = []  # what must go before the pending cells (passed through)
        self._partial = ""  # an escape sequence cut at the end of the last write
        self._modes: list[str] = []  # harmless sequences, sent before the next cells
        self._sync = False  # Textual brackets its frames: so do we
        self._deltas: dict[tuple[str | None, str], str] = {}

    @property
    def pending(self) -> bool:
        """Something waits to be sent."""
        return bool(self._out or self._modes or self._dirty or self._cursor_moved())

    @property
    def urgent(self) -> bool:
        """What waits holds what Textual wrote that is not cells: it goes at once."""
        return bool(self._out)

    def resized(self, size: tuple[int, int]) -> None:
        """The terminal is ``size`` (columns, rows) now: a new size forgets both screens
        (the terminal may have reflowed or cleared what it showed)."""
        if size != self._size:
            self._size = size
            self._forget()

    def feed(self, text: str, now: float = 0.0) -> None:
        """Apply what Textual wrote; ``now`` orders the rows to send (see :meth:`take`). A
        write holding anything not understood goes through whole, in order."""
        text, self._partial = self._partial + text, ""
        cut = _PARTIAL.search(text)
        if cut is not None:
            text, self._partial = text[: cut.start()], text[cut.start() :]
        tokens = []
        position = 0
        for match in _TOKEN.finditer(text):
            printable = match.group(4)
            if match.start() != position or (
                printable is not None and not printable.isascii() and not _leads(printable)
            ):
                self._pass(text)
                return
            position = match.end()
            tokens.append(match.groups())
        if position != len(text):
            self._pass(text)
            return
        for row, column, sgr, printable, newline in tokens:
            if row is not None:
                self._y, self._x = int(row) - 1, int(column) - 1
            elif sgr is not None:
                self._sgr = "" if sgr in ("", "0") else f"{self._sgr};{sgr}".lstrip(";")
            elif printable is not None:
                if self._y is None:  # text where Textual did not say: never seen
                    self._pass(text)
                    return
                self._put(printable, now)
            elif newline is not None:
                self._y = None

    def _pass(self, raw: str) -> None:
        """``raw`` goes to the terminal as it is, after what is pending, from the app's
        cursor and style."""
        if _SYNC.fullmatch(raw) is not None:
            self._sync = True
            return
        if _HARMLESS.fullmatch(raw) is not None:
            self._modes.append(raw)
            return
        pending = self.take()  # (before self._out is read: take() replaces it)
        self._out.append(pending)
        if self._term_sgr != self._sgr:
            self._out.append(sgr_delta(self._term_sgr, self._sgr) or "")
        self._out.append(raw)
        self._forget()

    def _forget(self) -> None:
        self._want.clear()
        self._shown.clear()
        self._dirty.clear()
        self._y = None
        self._sgr = ""
        self._term_sgr = None
        self._term_at = None

    def _row(
        self, screen: dict[int, tuple[Cells, Styles]], y: int, end: int
    ) -> tuple[Cells, Styles]:
        cells, styles = screen.setdefault(y, ([], []))
        if len(cells) < end:
            more = end - len(cells)
            cells.extend([None] * more)
            styles.extend([""] * more)
        return cells, styles

    def _put(self, text: str, now: float) -> None:
        y, x = self._y, self._x
        assert y is not None
        if text.isascii():
            glyphs: list[str | None] = list(text)
        else:
            glyphs = []
            for char in text:
                width = get_character_cell_size(char)
                if width == 0:
                    glyphs[-1] = f"{glyphs[-1]}{char}"
                else:
                    glyphs.append(char)
                    if width == 2:
                        glyphs.append("")
        end = x + len(glyphs)
        cells, styles = self._row(self._want, y, end)
        cells[x:end] = glyphs
        styles[x:end] = [self._sgr] * len(glyphs)
        self._x = end
        self._dirty[y] = now

    def _cursor_moved(self) -> bool:
        return self._y is not None and self._term_at != (self._y, self._x)

    def take(self, limit: int | None = None, first: float | None = None) -> str:
        """What to send to make the terminal show the app's screen: what was passed through,
        then the changed cells, then the app's cursor position. With ``limit``, rows stop
        once that many characters are out (the others stay pending); rows last written at
        or after ``first`` go first (a key's answer), then the others in the order they
        were first written."""
        out, self._out = self._out, []
        out += self._modes
        self._modes = []
        rows = list(self._dirty)
        if first is not None:
            rows.sort(key=lambda y: self._dirty[y] < first)
        size = sum(map(len, out))
        for y in rows:
            if limit is not None and size >= limit and y != rows[0]:
                break
            del self._dirty[y]
            for chunk in self._row_changes(y):
                out.append(chunk)
                size += len(chunk)
        if self._cursor_moved() and self._y is not None:
            out.append(f"\x1b[{self._y + 1};{self._x + 1}H")
            self._term_at = (self._y, self._x)
        if self._sync and any(out):
            return f"{SYNC_START}{''.join(out)}{SYNC_END}"
        return "".join(out)

    def _row_changes(self, y: int) -> Iterator[str]:
        want_cells, want_styles = self._want[y]
        shown_cells, shown_styles = self._row(self._shown, y, len(want_cells))
        if (
            want_cells == shown_cells[: len(want_cells)]
            and want_styles == shown_styles[: len(want_styles)]
        ):
            return
        changed = [
            x
            for x, cell in enumerate(want_cells)
            if cell is not None and (cell != shown_cells[x] or want_styles[x] != shown_styles[x])
        ]
        spans: list[list[int]] = []
        for x in changed:
            if want_cells[x] == "":
                x -= 1  # a wide glyph's right half: sent with its left
            if spans and x < spans[-1][1]:
                continue  # sent with the span before (a wide glyph's two halves)
            if spans and x - spans[-1][1] <= _GAP and None not in want_cells[spans[-1][1] : x]:
                spans[-1][1] = x + 1
            else:
                spans.append([x, x + 1])
        for start, end in spans:
            if end < len(want_cells) and want_cells[end] == "":
                end += 1
            parts = []
            if self._term_at != (y, start):
                parts.append(f"\x1b[{y + 1};{start + 1}H")
            for x in range(start, end):
                cell = want_cells[x]
                if cell == "" or cell is None:
                    continue
                style = want_styles[x]
                if style != self._term_sgr:
                    parts.append(self._delta(self._term_sgr, style))
                    self._term_sgr = style
                parts.append(cell)
            shown_cells[start:end] = want_cells[start:end]
            shown_styles[start:end] = want_styles[start:end]
            self._term_at = (y, end)
            yield "".join(parts)

    def _delta(self, before: str | None, after: str) -> str:
        """The SGR sequence from style ``before`` (None: unknown) to ``after``."""
        key = (before, after)
        delta = self._deltas.get(key)
        if delta is None:
            if len(self._deltas) > 4096:
                self._deltas.clear()
            delta = self._deltas[key] = sgr_delta(before, after)
        return delta


def _leads(text: str) -> bool:
    """``text`` starts with a glyph, not a combining mark (terminals differ on where a mark
    written alone goes)."""
    return get_character_cell_size(text[0]) > 0


def _parse(sgr: str) -> dict[str, str] | None:
    """An SGR parameter string as {slot: code}: "fg", "bg", "ul" colours and one slot per
    attribute; None when it holds anything else (or a reset inside)."""
    slots: dict[str, str] = {}
    codes = sgr.split(";") if sgr else []
    i = 0
    while i < len(codes):
        code = codes[i]
        if code in ("38", "48", "58"):
            slot = {"38": "fg", "48": "bg", "58": "ul"}[code]
            kind = codes[i + 1] if i + 1 < len(codes) else ""
            length = 3 if kind == "5" else 5 if kind == "2" else 0
            if not length or i + length > len(codes):
                return None
            slots[slot] = ";".join(codes[i : i + length])
            i += length
            continue
        if not code.isdigit():
            return None
        number = int(code)
        if 30 <= number <= 37 or 90 <= number <= 97:
            slots["fg"] = code
        elif 40 <= number <= 47 or 100 <= number <= 107:
            slots["bg"] = code
        elif number in (39, 49, 59):
            slots.pop({39: "fg", 49: "bg", 59: "ul"}[number], None)
        elif 1 <= number <= 9 or number in (21, 51, 52, 53):
            slots[code] = code
        else:
            return None
        i += 1
    return slots


def sgr_delta(before: str | None, after: str) -> str:
    """The shortest SGR sequence we make that takes the terminal from style ``before``
    (parameters as Rich writes them; "" the default, None unknown) to ``after``: only what
    changed when nothing has to be switched off but colours, else a reset and ``after``."""
    if not after:
        return "\x1b[0m"
    full = f"\x1b[0;{after}m"
    if before is None:
        return full
    old, new = _parse(before), _parse(after)
    if old is None or new is None:
        return full
    if any(slot not in new for slot in old if slot not in ("fg", "bg", "ul")):
        return full  # an attribute to switch off: a reset is shorter than 22, 23, 24 ...
    codes = [code for slot, code in new.items() if old.get(slot) != code]
    codes += [
        {"fg": "39", "bg": "49", "ul": "59"}[s]
        for s in ("fg", "bg", "ul")
        if s in old and s not in new
    ]
    if not codes:
        return ""
    delta = f"\x1b[{';'.join(codes)}m"
    return delta if len(delta) < len(full) else full


def terminal_size(fd: int) -> tuple[int, int] | None:
    """(columns, rows) of the terminal on ``fd``, None if it is not one."""
    try:
        size = os.get_terminal_size(fd)
    except OSError:
        return None
    return size.columns, size.lines
