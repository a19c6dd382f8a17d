"""bench.terminal keeps the screen's text line by line from the lines pyte marks changed (a
wait no longer rebuilds the whole screen per chunk): that text must be what pyte's own
``Screen.display`` gives, whatever the program wrote."""

from __future__ import annotations

import os
import sys

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
