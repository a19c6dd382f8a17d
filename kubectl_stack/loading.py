"""Start-up: no garbage collection while the modules of a start path load.

Importing Textual, aiohttp and the app allocates ~90,000 objects that all stay alive, and
CPython's collector scans them as they come: one full collection and dozens of younger ones
during the imports, ~30 ms of CPU of a ~300 ms start for nothing freed. The app's own
collector (:mod:`.ui.collector`) takes over once it runs.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def loading() -> Iterator[None]:
    """Collection off inside (unless someone else turned it off first: they turn it on)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
