"""The cell-diff writer (kubectl_stack/ui/framebuffer.py): what the terminal ends up showing
is exactly what Textual's own output would have shown, for fewer bytes."""

from __future__ import annotations

import random

import pytest
from rich.console import Console
from rich.segment import Segment
from rich.style import Style

from kubectl_stack.ui.framebuffer import Framebuffer, sgr_delta

pyte = pytest.importorskip("pyte", reason="the terminal emulator (pyte) is not installed")

COLS, ROWS = 40, 8
CONSOLE = Console(color_system="truecolor", force_terminal=True, width=COLS)
STYLES = [
    Style.parse("#e0e0e0 on #000000"),
    Style.parse("bold #e0e0e0 on #000000"),
    Style.parse("reverse #003054 on #272727"),
    Style.parse("green on #000000"),
    Style.parse("dim italic"),
    Style(),
    Style.parse("underline red on blue"),
]
WORDS = [
    "svc-0001",
    "10/10",
    "9/10",
    "✓10",
    "◐8 ⚠2",
    "Running",
    " ",
    "日本",
    "e\u0301t\u00e9",
    "▰▰▱",
]


def _segments(rng: random.Random, width: int) -> list[Segment]:
    """Rich segments filling exactly ``width`` cells, as a Textual strip does."""
    out: list[Segment] = []
    left = width
    while left > 0:
        word = rng.choice(WORDS)
        cells = Segment(word).cell_length
        if cells > left:
            word, cells = " " * left, left
        # Textual writes a scrollbar cell by cell: the same style again and again.
        for part in [word] if rng.random() < 0.8 else list(word):
            out.append(Segment(part, rng.choice(STYLES)))
        left -= cells
    return out


def _render(segments: list[Segment]) -> str:
    return "".join(s.style.render(s.text, color_system=CONSOLE._color_system) for s in segments)


def _frame(rng: random.Random, full: bool) -> str:
    """Textual's ChopsUpdate (or a full LayoutUpdate): cursor moves, styled text, newlines,
    each line cut in chops at widgets' edges (here every 10 columns)."""
    parts = []
    rows = range(ROWS) if full else sorted(rng.sample(range(ROWS), rng.randint(1, 3)))
    for y in rows:
        chops = range(0, COLS, 10) if full else sorted(rng.sample(range(0, COLS, 10), 2))
        parts.append("".join(f"\x1b[{y + 1};{x + 1}H{_render(_segments(rng, 10))}" for x in chops))
    return "\n".join(parts) + "\x1b[1;1H"


def _screen() -> tuple[pyte.Screen, pyte.ByteStream]:
    screen = pyte.Screen(COLS, ROWS)
    return screen, pyte.ByteStream(screen)


def _cells(screen: pyte.Screen) -> list[list[tuple[str, str, str, bool, bool, bool, bool]]]:
    return [
        [
            (c.data, c.fg, c.bg, c.bold, c.italics, c.underscore, c.reverse)
            for c in (screen.buffer[y][x] for x in range(COLS))
        ]
        for y in range(ROWS)
    ]


@pytest.mark.parametrize("seed", range(12))
def test_the_terminal_shows_what_textual_wrote_for_fewer_bytes(seed: int) -> None:
    rng = random.Random(seed)
    textual, ours = _screen(), _screen()
    fb = Framebuffer((COLS, ROWS))
    sent = written = 0
    for i in range(40):
        frame = _frame(rng, full=i == 0 or rng.random() < 0.1)
        if rng.random() < 0.05:
            frame = "\x1b[?1049h\x1b[2J" + _frame(rng, full=True)  # forgets both screens
        textual[1].feed(frame.encode())
        written += len(frame.encode())
        # Textual's output thread writes a frame in one or several pieces.
        cut = rng.randrange(len(frame)) if rng.random() < 0.3 else len(frame)
        for piece in (frame[:cut], frame[cut:]) if "\x1b[?1049h" not in frame else (frame,):
            fb.feed(piece)
        if rng.random() < 0.7:  # several frames may wait for one write
            out = fb.take()
            sent += len(out.encode())
            ours[1].feed(out.encode())
    out = fb.take()
    sent += len(out.encode())
    ours[1].feed(out.encode())
    assert _cells(ours[0]) == _cells(textual[0])
    assert (ours[0].cursor.x, ours[0].cursor.y) == (textual[0].cursor.x, textual[0].cursor.y)
    assert sent < written


def test_a_row_repainted_unchanged_costs_nothing() -> None:
    fb = Framebuffer((COLS, ROWS))
    row = "\x1b[3;1H" + _render([Segment("svc-0001  10/10", STYLES[0])])
    fb.feed(row)
    first = fb.take()
    assert "svc-0001" in first
    fb.feed(row)
    assert fb.take() == ""
    # One cell changes: only it is sent, with its style and a cursor move.
    fb.feed("\x1b[3;1H" + _render([Segment("svc-0001   9/10", STYLES[0])]))
    change = fb.take()
    assert "svc" not in change and change.endswith("9") is False and len(change) < 60


def test_a_limited_take_sends_the_rows_written_after_a_key_first() -> None:
    fb = Framebuffer((COLS, ROWS))
    for y in range(ROWS):
        fb.feed(f"\x1b[{y + 1};1H" + _render([Segment(f"row {y} " * 4, STYLES[0])]), now=1.0)
    fb.feed("\x1b[8;1H" + _render([Segment("the key's answer", STYLES[2])]), now=2.0)
    out = fb.take(limit=10, first=2.0)
    assert "the key's answer" in out and "row 0" not in out
    assert fb.pending
    rest = fb.take()
    assert "row 0" in rest and not fb.pending


def test_a_new_terminal_size_sends_the_next_frame_whole() -> None:
    fb = Framebuffer((COLS, ROWS))
    row = "\x1b[1;1H" + _render([Segment("same", STYLES[0])])
    fb.feed(row)
    fb.take()
    fb.resized((COLS + 1, ROWS))
    fb.feed(row)
    assert "same" in fb.take()


@pytest.mark.parametrize(
    ("before", "after", "delta"),
    [
        ("38;2;1;2;3;48;2;0;0;0", "1;38;2;1;2;3;48;2;0;0;0", "\x1b[1m"),
        ("38;2;1;2;3;48;2;0;0;0", "38;2;9;9;9;48;2;0;0;0", "\x1b[38;2;9;9;9m"),
        ("1;38;2;1;2;3", "38;2;1;2;3", "\x1b[0;38;2;1;2;3m"),
        ("31;44", "31", "\x1b[49m"),
        ("", "31", "\x1b[31m"),
        (None, "31", "\x1b[0;31m"),
        ("31", "", "\x1b[0m"),
    ],
)
def test_a_style_is_sent_as_what_changed(before: str | None, after: str, delta: str) -> None:
    assert sgr_delta(before, after) == delta


def test_textuals_frame_brackets_do_not_send_its_frames_one_by_one() -> None:
    fb = Framebuffer((COLS, ROWS))
    for text in ("one", "two"):
        fb.feed("\x1b[?2026h")
        fb.feed("\x1b[1;1H" + _render([Segment(text, STYLES[0])]))
        fb.feed("\x1b[?2026l")
    assert not fb.urgent
    out = fb.take()
    assert out.startswith("\x1b[?2026h") and out.endswith("\x1b[?2026l")
    assert "one" not in out and "two" in out
    assert fb.take() == ""


def test_the_mouse_pointers_shape_does_not_resend_the_screen() -> None:
    """Textual sets the pointer's shape (OSC 22) whenever a screen is mounted, one built
    ahead out of sight too: it goes with the next cells, and the rows the terminal shows are
    not sent again (forgetting them resent a whole 200x60 screen, 22 KB)."""
    fb = Framebuffer((COLS, ROWS))
    frame = "".join(
        f"\x1b[{y + 1};1H" + _render([Segment(f"row {y}".ljust(COLS), STYLES[0])])
        for y in range(ROWS)
    )
    fb.feed(frame)
    fb.take()
    fb.feed("\x1b]22;default\x07")
    assert not fb.urgent
    fb.feed(frame.replace("row 3", "row 9"))
    out = fb.take()
    assert out.startswith("\x1b]22;default\x07")
    assert "row" not in out and "9" in out
    terminal = _screen()
    terminal[1].feed(frame.encode())
    terminal[1].feed(out.encode())
    assert terminal[0].display[3].startswith("row 9")
