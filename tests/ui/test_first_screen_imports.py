"""The first screen loads only what it shows: what other screens need (pygments for the YAML
view, every screen for the keymap's ids) waits until they are asked for (issue 16: start like
a native tool). Checked in a fresh interpreter, where nothing else imported them first."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from kubectl_stack_sim.runner import RunningSim

REPO = Path(__file__).resolve().parents[2]

SCRIPT = """
import asyncio, sys
from kubectl_stack.options import ConnectionOptions, Options
from kubectl_stack.settings import Settings
from kubectl_stack.ui.app import make_app
sys.path.insert(0, sys.argv[2])
from screen import screen_text  # tests/ui/screen.py

async def main():
    options = Options(connection=ConnectionOptions(kubeconfig=sys.argv[1]))
    app = make_app(options, settings=Settings(show_clock=False))
    async with app.run_test(size=(80, 24)) as pilot:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 60
        while "my-app" not in screen_text(app):
            if loop.time() > deadline:
                raise SystemExit("no stacks on screen within 60 s:\\n" + screen_text(app))
            await pilot.pause(0.05)
        print(" ".join(sorted(sys.modules)))

asyncio.run(main())
"""


def test_the_first_screen_does_not_load_other_screens_needs(sim: RunningSim) -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(sim.kubeconfig), str(Path(__file__).parent)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
        env={"PATH": "/usr/bin:/bin", "HOME": str(REPO), "PYTHONPATH": str(REPO)},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    modules = set(done.stdout.split())
    assert "kubectl_stack.ui.screens.stacks" in modules  # the measurement saw the screen
    assert not {m for m in modules if m == "pygments" or m.startswith("pygments.")}
    assert "rich.syntax" not in modules
    # The keymap's ids are looked for only when the config file has a keymap.
    assert "kubectl_stack.ui.screens.command" not in modules


def test_no_collection_while_loading_and_as_before_after() -> None:
    import gc

    from kubectl_stack.loading import loading

    assert gc.isenabled()
    frozen = gc.get_freeze_count()
    with loading():
        assert not gc.isenabled()
        kept = [[i] for i in range(1000)]  # what a module import keeps
    assert gc.isenabled()
    assert gc.get_freeze_count() >= frozen + len(kept)  # out of later collections
    gc.unfreeze()
    gc.disable()  # someone else's hold (the app's collector while a key is answered)
    try:
        with loading():
            pass
        assert not gc.isenabled()  # theirs to turn on again
    finally:
        gc.enable()


FAILING = """
import asyncio, sys
from kubectl_stack.options import ConnectionOptions, Options
from kubectl_stack.ui.run import _main

code = asyncio.run(_main(Options(connection=ConnectionOptions(kubeconfig=sys.argv[1]))))
print(code, " ".join(sorted(sys.modules)))
"""


def test_a_connection_error_is_told_without_loading_textual(tmp_path: Path) -> None:
    """The connection is opened while Textual loads (its answers overlap the imports); when it
    fails, the error is told at once, not after the rest of the app has loaded."""
    path = tmp_path / "kubeconfig"
    path.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: gone\ncontexts: []\nclusters: []\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", FAILING, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONPATH": str(REPO)},
    )
    code, modules = done.stdout.split(" ", 1)
    assert code == "1"
    assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1, done.stderr
    assert "gone" in done.stderr
    assert "textual" not in modules.split()


def test_every_import_step_of_the_first_screen_exists() -> None:
    """The steps Textual and the app are imported in (their answers overlap the first lists)
    name modules of the pinned Textual: a step a newer one renamed would be skipped, and the
    overlap would quietly coarsen."""
    import importlib.util

    from kubectl_stack.ui.run import _APP_STEPS

    assert [name for name in _APP_STEPS if importlib.util.find_spec(name) is None] == []
