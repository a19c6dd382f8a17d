"""Entry point from the CLI: connect (or start the demo cluster), run the app, clean up.

Connection problems are one line on stderr and exit code 1; the terminal is always restored
(Textual restores it when the app exits, also on errors). SIGTERM and SIGHUP end the app the
same way (exit codes 143 and 129). A terminal that goes away without a hang-up signal ends the
app too (:mod:`.driver`): exit code 129, nothing more written.
"""

from __future__ import annotations

import asyncio
import importlib
import signal
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from ..demo import DemoError, start_demo
from ..loading import loading
from ..options import Options
from .source import ConnectError

if TYPE_CHECKING:
    from kubectl_stack_sim.runner import RunningSim

# The exit code when the terminal went away (see .driver): 128 + SIGHUP, what a shell reports
# for a process a hang-up ended.
TERMINAL_GONE = 129

# Seconds a thread keeps the interpreter lock while another waits for it, set for the app:
# Textual writes each frame from a thread of its own, which must win the lock from the event
# loop, busy under churn; by default the loop keeps it for up to 5 ms at a time, more than
# once per frame (what that delayed: bench/README.md, "Figures behind the comments", switch
# interval).
SWITCH_INTERVAL = 0.001

# What the first screen needs that the connection does not (Textual, Rich, the app), as steps
# in the order they load: the event loop runs between two, so the connection, discovery and
# the first lists go out and their answers come in while the rest loads (bench/README.md,
# "Start-up, third pass"). A step a later Textual has renamed is skipped; the last ones load
# everything anyway.
_APP_STEPS = (
    "rich.theme",
    "rich.text",
    "rich.console",
    "textual",  # its package imports most of it
    "textual.dom",
    "textual.widget",
    "textual.containers",
    "textual.screen",
    "textual.widgets._select",
    "textual.command",
    "textual.markup",
    "textual.app",
    "textual.widgets._data_table",
    "kubectl_stack.ui.presenters.history",
    "kubectl_stack.ui.screens.dialogs",
    "kubectl_stack.ui.app",
    "kubectl_stack.ui.driver",
    "kubectl_stack.ui.presenters.objects",
    "kubectl_stack.ui.screens.stacks",
)
_LOOP_TURNS = 4  # event loop iterations between two steps: a request takes a few to go out


async def _main(
    options: Options,
    now: Callable[[], float] | None = None,
    notices: Sequence[str] = (),
    demo_kubeconfig: str | None = None,
) -> int:
    with loading():
        from .cluster import open_source

        opening = asyncio.ensure_future(open_source(options.connection, options))
        try:
            await _load_app(opening)
        except BaseException:
            opening.cancel()
            raise
    try:
        source = await opening
    except ConnectError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 1
    from .app import make_app  # loaded by then

    app = make_app(
        options, source=source, now=now, notices=notices, demo_kubeconfig=demo_kubeconfig
    )
    loop = asyncio.get_running_loop()
    ending = (signal.SIGTERM, signal.SIGHUP) if sys.platform != "win32" else ()
    if ending:
        from .driver import watch_terminal

        watch_terminal(app)
        # Python's default for these is to die on the spot, the terminal left in the alternate
        # screen with the mouse reported and the cursor hidden: end the app instead (Textual
        # gives the terminal back on the way out), with the shell's code for that signal.
        for signum in ending:
            loop.add_signal_handler(signum, app.exit, None, 128 + signum)
    try:
        await app.run_async(mouse=app.settings.mouse)
    finally:
        for signum in ending:
            loop.remove_signal_handler(signum)
        await source.close()
    if app.fatal_error:
        sys.stderr.write(f"error: {app.fatal_error}\n")
    return app.return_code or 0


async def _load_app(opening: asyncio.Future[Any]) -> None:
    """Import :data:`_APP_STEPS`, turning the event loop between two, until they are all in or
    ``opening`` failed (its error is shown without waiting for the rest)."""
    for name in _APP_STEPS:
        if opening.done() and opening.exception() is not None:
            return
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name or name.startswith("kubectl_stack."):
                raise
        for _ in range(_LOOP_TURNS):
            await asyncio.sleep(0)


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
    sys.setswitchinterval(SWITCH_INTERVAL)
    code = 130  # Ctrl+C (KeyboardInterrupt), unless the app returns
    try:
        if sim is None:
            code = asyncio.run(_main(options))
        else:
            # The demo cluster's clock may run faster than the wall's (--demo-speed): ages and
            # countdowns are read against the cluster's own time, as on a real cluster. The
            # KUBECONFIG line is in the app's help too: the one printed before is behind it
            # (a notification is too narrow for it at 80 columns, and goes away).
            notice = "demo cluster: ? shows the KUBECONFIG line to drive it with kubectl"
            main = _main(options, sim.cluster.clock.now, [notice], str(sim.kubeconfig))
            code = asyncio.run(main)
    except KeyboardInterrupt:
        pass
    finally:
        if sim is not None:
            if code != TERMINAL_GONE:
                sys.stdout.write(line)
                sys.stdout.flush()
            sim.stop()
    return code
