"""bench.terminal keeps the screen's text line by line from the lines pyte marks changed (a
wait no longer rebuilds the whole screen per chunk): that text must be what pyte's own
``Screen.display`` gives, whatever the program wrote."""

from __future__ import annotations

import os
import sys
import time

import pytest

pytest.importorskip("pyte", reason="the benchmark's terminal emulator (pyte) is not installed")

from bench.terminal import Terminal  # noqa: E402

# Text, cursor moves, styles, wide characters, erasing, scrolling past the bottom, a
# scrolling region, inserted and deleted lines: then a last line to wait for.
PROGRAM = r"""
import random, sys
rng = random.Random(7)
out = []
for i in range(400):
    pick = rng.randrange(9)
    if pick == 0:
        out.append(f"\x1b[{rng.randrange(1, 13)};{rng.randrange(1, 41)}H")
    elif pick == 1:
        out.append(f"\x1b[{rng.choice([0, 1, 7, 32])}m")
    elif pick == 2:
        out.append(rng.choice(["日本", "✓10", "◐8 ⚠2", "é"]))
    elif pick == 3:
        out.append(f"\x1b[{rng.randrange(3)}K")
    elif pick == 4:
        out.append("\n" * rng.randrange(1, 4))
    elif pick == 5:
        out.append(rng.choice(["\x1b[2;10r", "\x1b[r", "\x1b[L", "\x1b[M", "\x1bM"]))
    else:
        out.append("".join(rng.choice("abc -/") for _ in range(rng.randrange(1, 30))))
sys.stdout.write("".join(out) + "\x1b[r\x1b[0m\x1b[12;1H\x1b[2Kdone")
sys.stdout.flush()
import time; time.sleep(30)
"""


def test_the_kept_screen_text_is_what_pyte_displays() -> None:
    term = Terminal([sys.executable, "-c", PROGRAM], dict(os.environ), 40, 12)
    try:
        assert term.wait_for(lambda screen: screen[11].startswith("done"), 30) is not None
        assert term.lines() == term.screen.display
    finally:
        term.close()


# The Stacks screen at 80 columns, drawn as the app draws it: a title bar, the header, four
# rows (the cursor on the third), blank table lines, a detail line that fits on one line
# (on the screen's own background, like no other line) and the footer, on the title's.
STACKS = r"""
import sys, time
def line(y, bg, text):
    return f"\x1b[{y};1H\x1b[48;5;{bg}m" + text.ljust(60)
rows = [line(1, 17, " kubectl stack"), line(2, 18, " NAMESPACE  NAME")]
rows += [line(3 + i, 235 if i != 2 else 25, f" team-0{i}    svc-000{i}") for i in range(4)]
rows += [line(7, 235, ""), line(8, 233, " UP-TO-DATE 10  AGE 2d"), line(9, 17, " q Quit")]
sys.stdout.write("".join(rows) + "\x1b[0m")
sys.stdout.flush()
time.sleep(30)
"""


def test_the_cursor_is_the_table_row_alone_in_its_colour_not_the_detail_line() -> None:
    term = Terminal([sys.executable, "-c", STACKS], dict(os.environ), 60, 9)
    try:
        assert term.wait_for(lambda screen: screen[8].startswith(" q Quit"), 30) is not None
        assert term.cursor_row("svc-") == 4
    finally:
        term.close()


# A style set in one write and used in the next, as the app's framebuffer sends styles (as
# changes from the one before); each write waits for a line on stdin (the pty echoes it:
# two bytes, "\r\n"), so the test decides when each comes out.
FIRST, SECOND = "\x1b[1;1Hready\x1b[48;5;4m", "\x1b[2;1Hblue"
STYLE_THEN_TEXT = rf"""
import sys, time
sys.stdin.readline()
sys.stdout.write({FIRST!r}); sys.stdout.flush()
sys.stdin.readline()
sys.stdout.write({SECOND!r}); sys.stdout.flush()
time.sleep(30)
"""


def _written(term: Terminal, count: int) -> None:
    """Until ``count`` bytes came out of the pty (counted whether emulated or not)."""
    deadline = time.monotonic() + 10
    while term.bytes < count:
        assert time.monotonic() < deadline, f"{term.bytes} of {count} bytes written"
        time.sleep(0.01)


def test_output_while_not_emulating_is_held_not_dropped() -> None:
    """What the program writes while ``emulate`` is off still reaches the emulator, in
    order, once it is on again: the app's later output relies on it (here, the blue
    background set before, which "blue" is then written in)."""
    term = Terminal([sys.executable, "-c", STYLE_THEN_TEXT], dict(os.environ), 20, 4)
    try:
        term.emulate = False
        term.send(b"\n")
        _written(term, 2 + len(FIRST))  # "ready" and the blue background, held
        term.send(b"\n")
        _written(term, 4 + len(FIRST) + len(SECOND))
        assert term.lines()[0] == " " * 20  # nothing emulated while off
        term.emulate = True
        assert term.wait_for(lambda screen: screen[1].startswith("blue"), 10) is not None
        assert term.lines()[0].startswith("ready")
        assert term.screen.buffer[1][0].bg == "0000ee"  # pyte's colour 4
    finally:
        term.close()
