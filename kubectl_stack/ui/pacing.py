"""When the app may draw again: pure arithmetic, unit-tested (tests/ui/test_pacing.py).

Three limits, the tightest wins, after each coalesced refresh of the screens:

- **CPU**: refreshing takes at most :data:`REFRESH_SHARE` of the time, so keys stay
  responsive however fast the cluster changes;
- **frame rate**: at most ``max_fps`` refreshes a second (the ``max_fps`` setting,
  ``--max-fps``);
- **bandwidth**: what the terminal was sent since the last refresh, at
  :func:`byte_budget` bytes a second, must have had time to go (mosh's idea: a slow link gets
  fewer, fuller frames, each row in its latest state, rather than a queue of stale ones).

The clock, ages and sparklines move once a second at most whatever this says (the app's
tick), and a key's answer is drawn at once: both count against the next refresh's budget.
"""

from __future__ import annotations

REFRESH_SHARE = 1 / 3  # of the time, at most, spent refreshing screens under churn
# Bytes a second the app means to stay under, per terminal cell, and the bounds: issue 16's
# limits are 10 KB/s at 80x24 and 30 KB/s at 200x60; these keep a fifth in hand for the
# clock's tick and the answers to keys, which are not paced.
BYTES_PER_CELL = 2.0
MIN_BUDGET = 8_000.0
MAX_BUDGET = 24_000.0
# The least share of the byte budget a slow link is given (8 KB/s x 1/16: 500 bytes a second).
MIN_SHARE = 1 / 16
# However big a frame was (a resize, a full redraw), the next may come this soon: a change
# waits a second at most for a link the budget says is full.
MAX_GAP = 1.0


def byte_budget(cols: int, rows: int) -> float:
    """Bytes a second the screen's refreshes may send to a ``cols`` x ``rows`` terminal."""
    return min(MAX_BUDGET, max(MIN_BUDGET, BYTES_PER_CELL * cols * rows))


def refresh_gap(
    cost: float, written: int, cols: int, rows: int, max_fps: int, share: float = 1.0
) -> float:
    """Seconds from the end of a refresh that took ``cost`` seconds of CPU until the next
    may start, when ``written`` bytes went to the terminal since the refresh before and the
    link takes ``share`` of the byte budget (see :func:`link_share`)."""
    cpu = cost * (1 / REFRESH_SHARE - 1)
    frame = 1.0 / max(1, max_fps)
    bandwidth = min(MAX_GAP, written / (byte_budget(cols, rows) * share))
    return max(cpu, frame, bandwidth)


def link_share(share: float, blocked: bool) -> float:
    """The share of the byte budget a link takes, after a refresh that found the terminal
    ``blocked`` (still writing the frame before) or not: halved when it was, regained by a
    tenth when it was not (TCP's additive increase, multiplicative decrease, in reverse
    order of speed), within [:data:`MIN_SHARE`, 1]. A slow link thus settles at a rate it
    drains with room to spare, so a key's answer does not queue behind frames."""
    share = share / 2 if blocked else share + 0.1
    return min(1.0, max(MIN_SHARE, share))
