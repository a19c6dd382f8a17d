"""Starting and stopping: connection errors, the stale banner, help, keymap, cursor."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from proxy import PausableProxy

from kubectl_stack.kube.informer import Backoff
from kubectl_stack.options import ConnectionOptions, Options
from kubectl_stack.settings import Settings
from kubectl_stack.ui.app import make_app
from kubectl_stack.ui.cluster import open_source
from kubectl_stack.ui.run import run
from kubectl_stack.ui.screens.dialogs import PickerDialog, ScaleDialog
from kubectl_stack.ui.screens.help import HelpScreen
from kubectl_stack.ui.screens.stacks import StacksScreen
from kubectl_stack_sim.runner import RunningSim

from .conftest import (
    TEST_SETTINGS,
    Captured,
    advance,
    build_app,
    memory_app,
    sim_clock,
    until,
    until_text,
)
from .screen import screen_text

UNREACHABLE = """\
apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
"""


def test_unreachable_cluster_is_one_line_on_stderr_and_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "kubeconfig"
    path.write_text(UNREACHABLE)
    code = run(Options(connection=ConnectionOptions(kubeconfig=str(path))))
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err


def test_missing_kubeconfig_is_one_line_and_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    options = Options(connection=ConnectionOptions(kubeconfig=str(tmp_path / "nope")))
    assert run(options) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1, err


async def test_failed_connection_inside_the_app_exits_with_code_1(tmp_path: Path) -> None:
    path = tmp_path / "kubeconfig"
    path.write_text(UNREACHABLE)
    app = make_app(
        Options(connection=ConnectionOptions(kubeconfig=str(path))),
        settings=Settings(show_clock=False),
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.fatal_error is not None, "the connection error")
    assert app.return_code == 1


async def test_lost_connection_shows_a_stale_banner_that_clears_on_resume(
    sim: RunningSim, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The informers wait between retries as client-go's reflector does (0.8 s, doubling, with
    # jitter): ten times shorter here, where the banner's coming and going is what is tested.
    wait = Backoff.next
    monkeypatch.setattr(Backoff, "next", lambda self, after=None: wait(self, after) / 10)
    app = build_app(sim)
    async with app.run_test(size=(80, 24)) as pilot:
        await until_text(pilot, "my-app", "● live")

        def outage(requests: int) -> None:
            # Every request fails (503) until the outage ends; open watches are cut.
            sim.cluster.faults.fail_status = 503
            sim.cluster.faults.retry_after = 0
            sim.cluster.faults.fail_requests = requests
            sim.cluster.store.close_all_watches()

        sim.call(outage, 10_000)
        text = await until_text(pilot, "watch lost", "○ stale", timeout=20)
        assert "my-app" in text  # the last known state stays on screen
        sim.call(outage, 0)
        await until(pilot, lambda: "watch lost" not in screen_text(app), "resume", 40)
        assert "● live" in screen_text(app)


async def test_help_lists_every_key_of_the_screen(frozen_seed: Captured) -> None:
    app, _ = memory_app(frozen_seed)
    async with app.run_test(size=(80, 24)) as pilot:
        await until_text(pilot, "my-app")
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen), "help")
        text = screen_text(app)
        for words in ("Scale", "Undo", "Restart", "Pause/resume", "Logs", "History", "Filter"):
            assert words in text, words
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, StacksScreen), "help to close")


async def test_keymap_remaps_a_binding_by_its_id(frozen_seed: Captured) -> None:
    settings = Settings(show_clock=False, keymap={"scale": "S"})
    app, _ = memory_app(frozen_seed, settings=settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await until_text(pilot, "my-app")
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, StacksScreen)
        await pilot.press("S")
        await until(pilot, lambda: isinstance(app.screen, ScaleDialog), "the scale dialog")


async def test_cursor_stays_on_its_stack_while_rows_update(scenario_sim) -> None:
    sim = scenario_sim("crashloop")
    app = build_app(sim)
    async with app.run_test(size=(80, 24)) as pilot:
        await until_text(pilot, "worker", "my-app")
        screen = app.screen
        assert isinstance(screen, StacksScreen)
        await pilot.press("down")
        selected = screen.table.selected_key
        await advance(pilot, sim, 60)
        await until_text(pilot, "⟳1")
        assert screen.table.selected_key == selected


async def test_context_picker_offers_the_kubeconfig_contexts(sim: RunningSim) -> None:
    app = build_app(sim)
    async with app.run_test(size=(80, 24)) as pilot:
        await until_text(pilot, "my-app")
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, PickerDialog), "the context picker")
        text = screen_text(app)
        assert "● sim" in text and "viewer" in text
        await pilot.press("v", "i", "e", "enter")
        await until_text(pilot, "ctx viewer", "my-app")


def test_unknown_demo_scenario_is_one_line_and_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    code = run(Options(demo="no-such-scenario"))
    err = capsys.readouterr().err
    assert code == 1
    assert err == (
        "error: unknown scenario 'no-such-scenario' (known: "
        "bad-rollout, batch, crashloop, empty, helm-argo, large, load-spike, mesh, seed, tls)\n"
    )


async def test_demo_kubeconfig_line_is_shown_inside_the_app(sim: RunningSim) -> None:
    notice = "demo cluster: ? shows the KUBECONFIG line to drive it with kubectl"
    options = Options(connection=ConnectionOptions(kubeconfig=str(sim.kubeconfig)))
    app = make_app(
        options,
        settings=TEST_SETTINGS,
        now=sim_clock(sim),
        notices=[notice],
        demo_kubeconfig=str(sim.kubeconfig),
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert ("information", notice) in app.notices
        await until_text(pilot, "my-app")
        await pilot.press("question_mark")
        text = await until_text(pilot, "Keys")
        # On one line of its own at 80 columns, ready to copy.
        line = f"export KUBECONFIG={sim.kubeconfig}"
        assert any(row.strip(" │") == line for row in text.splitlines()), text


async def test_the_first_lists_do_not_wait_for_the_servers_check(sim: RunningSim) -> None:
    """Start-up (issue 16): the ``/version`` check and the first lists go out together; the
    source is open once the check is answered (and a failed check is still what is told)."""
    proxy = PausableProxy(sim.port)
    await proxy.start()
    proxy.pause()  # nothing is answered
    options = Options(
        connection=ConnectionOptions(kubeconfig=str(sim.kubeconfig), server=proxy.url),
        all_namespaces=True,
    )
    opening = asyncio.ensure_future(open_source(options.connection, options))
    try:

        def asked(request: bytes) -> bool:
            return any(line.startswith(request) for line in proxy.asked)

        loop = asyncio.get_running_loop()
        deadline = loop.time() + 30
        while not (asked(b"GET /version ") and asked(b"GET /api/v1/pods?")):
            assert loop.time() < deadline, proxy.asked
            await asyncio.sleep(0.02)
        assert not opening.done()
        proxy.resume()
        source = await opening
        await source.close()
    finally:
        opening.cancel()
        await proxy.stop()
