"""Start-up: no garbage collection while the modules of a start path load, nor of them after.

Importing Textual, aiohttp and the app allocates ~90,000 objects that all stay alive, and
CPython's collector scans them as they come: one full collection and dozens of younger ones
during the imports, for nothing freed. Turning it off only defers that work (the next
collections scan them all at once: ``--once`` took 20 ms more CPU that way); so once the
modules are in, their objects are frozen (``gc.freeze``: out of every later collection).
``--once`` on the seed scenario, medians of 11 runs at load 1.3–2.8: 0.254 s of CPU without
this, 0.210–0.213 s with it. The app's own collector (:mod:`.ui.collector`) takes over
once it runs.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def loading() -> Iterator[None]:
    """Collection off inside (unless someone else turned it off first: they turn it on);
    what is alive at the end is frozen."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()
