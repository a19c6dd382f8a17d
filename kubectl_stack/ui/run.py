"""Entry point from the CLI: connect (or start the demo cluster), run the app, clean up.

Connection problems are one line on stderr and exit code 1; the terminal is always restored
(Textual restores it when the app exits, also on errors).
"""

from __future__ import annotations

import asyncio
import sys
from typing import TYPE_CHECKING

from ..demo import DemoError, start_demo
from ..options import Options
from .source import ConnectError

if TYPE_CHECKING:
    from ..sim.runner import RunningSim


async def _main(options: Options) -> int:
    from .app import make_app
    from .source import open_source

    try:
        source = await open_source(options.connection, options)
    except ConnectError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 1
    app = make_app(options, source=source)
    try:
        await app.run_async(mouse=app.settings.mouse)
    finally:
        await source.close()
    if app.fatal_error:
        sys.stderr.write(f"error: {app.fatal_error}\n")
    return app.return_code or 0


def run(options: Options) -> int:
    """Run ``kubectl stack`` with the parsed options; returns the process exit code."""
    sim: RunningSim | None = None
    if options.demo is not None:
        try:
            sim, options = start_demo(options)
        except DemoError as exc:
            sys.stderr.write(f"error: {exc}\n")
            return 1
        line = f"KUBECONFIG={sim.kubeconfig}\n"
        sys.stdout.write(line)
        sys.stdout.flush()
    try:
        return asyncio.run(_main(options))
    except KeyboardInterrupt:
        return 130
    finally:
        if sim is not None:
            sys.stdout.write(line)
            sys.stdout.flush()
            sim.stop()
