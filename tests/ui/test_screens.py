"""The other screens and keys: pause, history, logs, filter, all namespaces."""

from __future__ import annotations

import asyncio
import contextlib
import re
import threading
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from textual import events
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import RichLog, Tabs

from kubectl_stack.ui import pacing
from kubectl_stack.ui.driver import TerminalDriver
from kubectl_stack.ui.messages import StateChanged
from kubectl_stack.ui.screens.history import HistoryScreen
from kubectl_stack.ui.screens.logs import LogsScreen
from kubectl_stack.ui.screens.stack import StackScreen
from kubectl_stack.ui.screens.stacks import StacksScreen
from kubectl_stack.ui.screens.too_small import TooSmallScreen
from kubectl_stack.ui.screens.yaml import ObjectScreen
from kubectl_stack.ui.widgets.table import KeyedTable
from kubectl_stack_sim.runner import RunningSim

from .conftest import Captured, advance, build_app, capture, memory_app, until, until_text
from .screen import screen_text


@pytest.fixture(scope="module")
def crashloop() -> Captured:
    return capture("crashloop")


@contextlib.asynccontextmanager
async def _crashloop(crashloop: Captured, size: tuple[int, int]) -> AsyncIterator[Pilot[Any]]:
    """The app on the crashloop scenario (from memory), its two stacks (worker, my-app)
    listed."""
    app, _ = memory_app(crashloop)
    async with app.run_test(size=size) as pilot:
        await until_text(pilot, "worker", "my-app")
        yield pilot


def paused(sim: RunningSim) -> bool:
    dep = sim.call(lambda: sim.cluster.store.get("deployments.apps", "default", "my-app"))
    return bool(dep["spec"].get("paused"))


async def test_pause_key_pauses_then_resumes_the_rollout(sim: RunningSim) -> None:
    app = build_app(sim)
    async with app.run_test(size=(80, 24)) as pilot:
        await until_text(pilot, "my-app", "Complete")
        await pilot.press("z")
        await until_text(pilot, "Pause the rollout of deployment my-app", "y Pause")
        await pilot.press("y")
        await until(pilot, lambda: paused(sim), "spec.paused")
        await until_text(pilot, "⏸ Paused")
        await pilot.press("z")
        await until_text(pilot, "Resume the rollout of deployment my-app", "y Resume")
        await pilot.press("y")
        await until(pilot, lambda: not paused(sim), "the rollout to resume")
    assert ("information", "deployment.apps/my-app paused") in app.notices
    assert ("information", "deployment.apps/my-app resumed") in app.notices


async def test_history_lists_revisions_with_the_template_diff(
    sim: RunningSim, kubectl: Callable[..., Any]
) -> None:
    assert kubectl("set", "image", "deployment/my-app", "app=my-app:1.5.0").returncode == 0
    sim.advance(60)
    app = build_app(sim, stack="my-app")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, StackScreen), "the stack screen")
        await pilot.press("h")
        await until(pilot, lambda: isinstance(app.screen, HistoryScreen), "history")
        text = await until_text(pilot, "REVISION", "2 *", "my-app:1.5.0")
        assert "my-app:1.4.2" in text
        await pilot.press("down")
        text = await until_text(pilot, "current → revision 1")
        assert "containers[app].image" in text


async def test_logs_follow_then_pause_and_search_highlights(sim: RunningSim) -> None:
    app = build_app(sim, stack="my-app")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, StackScreen), "the stack screen")
        await pilot.press("l")
        await until(pilot, lambda: isinstance(app.screen, LogsScreen), "the logs screen")
        await until_text(pilot, "following ●", "my-app (3 pods)", "GET")
        await pilot.press("f")
        await until_text(pilot, "paused ⏸")
        await pilot.press("slash", *"health", "enter")
        await until_text(pilot, "search: health")
        await pilot.press("ampersand", *"starting", "enter")
        await until_text(pilot, "filter: starting", "starting app")
        log = app.screen.query_one(RichLog)
        assert all("starting" in "".join(s.text for s in line) for line in log.lines if line)


async def test_describe_and_yaml_of_the_deployment(sim: RunningSim) -> None:
    app = build_app(sim, stack="my-app")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, StackScreen), "the stack screen")
        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, ObjectScreen), "describe")
        await until_text(pilot, "RollingUpdateStrategy:  1 max unavailable, 1 max surge")
        # kubectl's lines are not wrapped (they scroll sideways): Replicas is one line.
        assert re.search(r"Replicas: .* 3 available .*\n StrategyType:", screen_text(app))
        await pilot.press("y")
        await until_text(pilot, "apiVersion", "kind", "Deployment")


async def test_filter_narrows_the_stacks(crashloop: Captured) -> None:
    async with _crashloop(crashloop, (80, 24)) as pilot:
        app = pilot.app
        await pilot.press("slash", *"work", "enter")
        await until(pilot, lambda: "my-app" not in screen_text(app), "my-app to be hidden")
        assert "worker" in screen_text(app)
        await pilot.press("escape")
        await until_text(pilot, "worker", "my-app")


async def test_all_namespaces_adds_the_namespace_column(sim: RunningSim) -> None:
    app = build_app(sim)
    async with app.run_test(size=(80, 24)) as pilot:
        await until_text(pilot, "my-app", "ns default")
        await pilot.press("a")
        await until_text(pilot, "NAMESPACE", "ns all", "my-app")


async def test_stack_screen_keeps_showing_a_deleted_deployment_as_gone(
    sim: RunningSim, kubectl: Callable[..., Any]
) -> None:
    app = build_app(sim, stack="my-app")
    async with app.run_test(size=(80, 24)) as pilot:
        await until_text(pilot, "successfully rolled out")
        assert kubectl("delete", "deployment", "my-app", "--wait=false").returncode == 0
        await advance(pilot, sim, 5)
        await until_text(pilot, 'deployment "my-app" not found')


async def test_namespace_picker_switches_the_watched_namespace(sim: RunningSim) -> None:
    app = build_app(sim)
    async with app.run_test(size=(80, 24)) as pilot:
        await until_text(pilot, "my-app", "ns default")
        await pilot.press("n")
        await until_text(pilot, "● default", "kube-system")
        await pilot.press(*"kube-sys", "enter")
        await until_text(
            pilot,
            "ns kube-system",
            'No Deployments, StatefulSets or DaemonSets found in namespace "kube-system"',
        )


async def test_logs_are_saved_to_a_file(
    sim: RunningSim, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    app = build_app(sim, stack="my-app")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, StackScreen), "the stack screen")
        await pilot.press("right", "l")
        await until_text(pilot, "starting app")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: any("saved" in text for _, text in app.notices), "saving")
    saved = saved_logs(tmp_path)
    assert len(saved) == 1
    assert "starting app" in saved[0]


def saved_logs(folder: Path) -> list[str]:
    return [path.read_text() for path in folder.glob("my-app-*.log")]


async def test_sort_key_orders_by_the_next_column(
    scenario_sim: Callable[[str], RunningSim],
) -> None:
    sim = scenario_sim("crashloop")
    app = build_app(sim)
    async with app.run_test(size=(80, 24)) as pilot:
        await advance(pilot, sim, 60)
        await until_text(pilot, "worker", "my-app", "⟳1")
        screen = app.screen
        assert isinstance(screen, StacksScreen)
        assert screen.table.get_row_at(0)[0].plain == "worker"  # stalled first: most urgent
        await pilot.press("o")
        await until(pilot, lambda: screen.table.get_row_at(0)[0].plain == "my-app", "sort by name")
        assert ("information", "sorted by name (ascending)") in app.notices


async def test_a_refresh_before_the_stacks_table_exists_draws_nothing_and_does_not_crash(
    frozen_seed: Captured,
) -> None:
    app, _ = memory_app(frozen_seed)
    async with app.run_test(size=(80, 24)) as pilot:
        await until_text(pilot, "my-app")
        # What the 1 s tick or a store notification does to a screen that has started but
        # whose mount handler has not run yet.
        pending = StacksScreen()
        pending.refresh_data()
        assert not pending.is_mounted
        assert not [n for n in app.notices if n[0] == "error"]


async def test_ages_in_view_move_with_the_clock_while_the_cluster_is_unchanged(
    frozen_seed: Captured,
) -> None:
    app, _ = memory_app(frozen_seed)
    async with app.run_test(size=(160, 48)) as pilot:
        await until_text(pilot, "my-app")
        screen = app.screen
        assert isinstance(screen, StacksScreen)
        key = next(k for k in screen.table.visible_keys() if not k.startswith("#"))
        before = screen.table.get_cell(key, "age")
        version = screen.source.state.version
        start = app.now()
        app.now = lambda: start + 3 * 86400.0
        screen.tick()
        await pilot.pause()
        assert screen.source.state.version == version
        assert screen.table.get_cell(key, "age") != before
        await until_text(pilot, str(screen.table.get_cell(key, "age")))


async def test_too_small_terminal_notice_comes_and_goes_with_the_size(
    frozen_seed: Captured,
) -> None:
    app, _ = memory_app(frozen_seed)
    async with app.run_test(size=(80, 24)) as pilot:
        await until_text(pilot, "my-app")
        await pilot.resize_terminal(70, 20)
        await until(pilot, lambda: isinstance(app.screen, TooSmallScreen), "the notice")
        await until_text(pilot, "Terminal too small: 70x20")
        await pilot.resize_terminal(80, 24)
        await until(pilot, lambda: isinstance(app.screen, StacksScreen), "the stacks again")


async def test_widening_the_terminal_adds_columns_and_keeps_the_cursor(
    crashloop: Captured,
) -> None:
    async with _crashloop(crashloop, (80, 24)) as pilot:
        app = pilot.app
        screen = app.screen
        assert isinstance(screen, StacksScreen)
        await pilot.press("down")
        selected = screen.table.selected_key
        await pilot.resize_terminal(160, 48)
        await until_text(pilot, "UP-TO-DATE", "AVAILABLE", "worker")
        assert screen.table.selected_key == selected


async def test_a_store_notification_while_the_stack_screen_is_being_built_does_not_crash(
    frozen_seed: Captured,
) -> None:
    app, _ = memory_app(frozen_seed)
    async with app.run_test(size=(80, 24)) as pilot:
        await until_text(pilot, "my-app")
        screen = StackScreen("default", "my-app")
        app.push_screen(screen)
        # The screen runs (and the app can reach it) before its widgets are all mounted.
        building = 0
        for _ in range(1000):
            if screen.is_mounted:
                break
            if screen.is_running:
                building += 1
                app.on_state_changed(StateChanged())
            await asyncio.sleep(0)
        assert building, "never caught the screen while it was being built"
        await until_text(pilot, "my-app · Deployment")
        assert app.is_running and app.screen is screen


def _metrics_polled() -> bool:
    return any(t.get_name() == "informer:podmetrics" for t in asyncio.all_tasks())


async def _open_filtered(pilot: Any, name: str) -> StackScreen:
    app = pilot.app
    await until(pilot, lambda: isinstance(app.screen, StacksScreen), "the stacks")
    await pilot.press("slash", *name, "enter")
    await until(pilot, lambda: app.screen.table.row_count == 1, f"only {name} listed")
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, StackScreen), f"the stack of {name}")
    await until_text(pilot, f"{name} · Deployment")
    screen = app.screen
    assert isinstance(screen, StackScreen)
    return screen


async def test_each_stack_opened_starts_afresh_and_polls_metrics_only_while_open(
    sim: RunningSim, kubectl: Callable[..., Any]
) -> None:
    create = ("create", "deployment", "web", "--image=nginx:1.27", "--replicas=3")
    assert kubectl(*create).returncode == 0
    sim.advance(60)
    app = build_app(sim)
    async with app.run_test(size=(80, 24)) as pilot:
        await until_text(pilot, "web", "my-app")
        first = await _open_filtered(pilot, "my-app")
        fresh_focus = type(first.focused)
        assert _metrics_polled()
        # Leave it on the Pods tab, cursor moved down.
        await pilot.press("right")
        await until_text(pilot, "READINESS")
        pods = first.query_one("#pods", KeyedTable)
        await until(pilot, lambda: pods.row_count == 3, "my-app's 3 pods")
        await pilot.press("down", "down")
        assert pods.cursor_row == 2
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, StacksScreen), "the stacks")
        await until(pilot, lambda: not _metrics_polled(), "pod metrics to stop")
        await pilot.press("escape")  # the filter

        again = await _open_filtered(pilot, "my-app")
        assert again.active_tab == "rollout"
        assert type(again.focused) is fresh_focus
        pods = again.query_one("#pods", KeyedTable)
        await until(pilot, lambda: pods.row_count == 3, "my-app's 3 pods")
        assert pods.cursor_row == 0 and pods.scroll_y == 0
        await pilot.press("escape", "escape")

        other = await _open_filtered(pilot, "web")
        text = await until_text(pilot, 'deployment "web" successfully rolled out')
        assert "my-app" not in text
        pods = other.query_one("#pods", KeyedTable)
        await until(pilot, lambda: pods.row_count == 3, "web's 3 pods")
        assert all(str(key.value).startswith("web-") for key in pods.rows)
        assert _metrics_polled()
        # Under a dialog the pods stay on show, metrics with them.
        await pilot.press("s")
        await until_text(pilot, "Replicas")
        await pilot.pause(0.2)
        assert _metrics_polled()


async def test_a_stack_opened_after_a_resize_takes_the_new_layout(
    crashloop: Captured,
) -> None:
    async with _crashloop(crashloop, (80, 24)) as pilot:
        app = pilot.app
        narrow = await _open_filtered(pilot, "worker")
        assert not narrow.cockpit
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, StacksScreen), "the stacks")
        await pilot.press("escape")
        await pilot.resize_terminal(160, 48)
        wide = await _open_filtered(pilot, "my-app")
        assert wide.cockpit
        # Every panel at once: the Pods panel with its table, no tabs.
        await until_text(pilot, "READINESS", "Traffic & config", "Events")


async def test_the_stack_screen_built_ahead_shows_the_first_stack_opened(
    crashloop: Captured, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pacing, "STACK_SCREEN_AHEAD", 0.05)  # not half a second: no wait
    async with _crashloop(crashloop, (160, 48)) as pilot:
        app = pilot.app
        # Built hidden once the cluster is in, for the terminal's size.
        await until(
            pilot,
            lambda: app.is_screen_installed("stack") and app.get_screen("stack").is_mounted,
            "the stack screen built ahead",
        )
        ahead = app.get_screen("stack")
        assert ahead not in app.screen_stack
        shown = await _open_filtered(pilot, "worker")
        assert shown is ahead
        assert shown.cockpit
        await until_text(pilot, "CrashLoopBackOff", "READINESS", "Traffic & config")


async def test_enter_while_the_stack_screen_is_still_being_built_ahead(
    frozen_seed: Captured, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pacing, "STACK_SCREEN_AHEAD", 0.05)  # not half a second: no wait
    app, _ = memory_app(frozen_seed)
    async with app.run_test(size=(80, 24)) as pilot:
        await until_text(pilot, "my-app", "Complete")
        # The state a quick Enter meets right after the cluster is in: the screen built
        # ahead is registered but its widgets are not all mounted yet. Whether the app built
        # it ahead already depends on the machine's speed: start from none either way.
        await until(pilot, lambda: app._stack_screen is not None, "the screen built ahead")
        app.uninstall_screen("stack")
        app._stack_screen = None
        app._build_stack_screen()
        app.open_stack("default", "my-app")
        await until_text(pilot, "my-app · Deployment", 'deployment "my-app" successfully')
        assert app.is_running
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, StacksScreen), "the stacks")
        await pilot.press("enter")
        await until_text(pilot, "my-app · Deployment", 'deployment "my-app" successfully')


async def test_a_key_is_answered_before_the_next_refresh_and_held_keys_still_see_changes(
    sim: RunningSim, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = build_app(sim)
    async with app.run_test(size=(80, 24)) as pilot:
        await until_text(pilot, "my-app")
        refreshed: list[float] = []
        refresh = app._refresh_screens

        def recorded() -> None:
            refreshed.append(time.monotonic())
            refresh()

        monkeypatch.setattr(app, "_refresh_screens", recorded)

        async def nothing_due() -> None:
            """Until a change would be drawn at once (no refresh timer, interval or key)."""
            await until(
                pilot,
                lambda: (
                    app._refresh_timer is None
                    and time.monotonic() > app._refreshes.next_refresh
                    and time.monotonic() > app._refreshes.key_at + pacing.KEY_FIRST
                ),
                "no refresh due",
            )

        await nothing_due()
        refreshed.clear()
        app.on_state_changed(StateChanged())
        assert len(refreshed) == 1, "without a key, a change is drawn at once"

        await nothing_due()
        refreshed.clear()
        key_at = time.monotonic()
        await app.on_event(events.Key("down", None))
        app.on_state_changed(StateChanged())  # a change right behind the key
        assert refreshed == [], "the change waits for the key's answer"
        await until(pilot, lambda: bool(refreshed), "the deferred refresh")
        assert refreshed[0] - key_at >= pacing.KEY_FIRST

        # A key read by the terminal's input thread, not yet handled by the app.
        await nothing_due()
        refreshed.clear()
        reader = threading.Thread(target=app.input_arriving)
        reader.start()
        reader.join()
        read_at = time.monotonic()
        app.on_state_changed(StateChanged())
        assert refreshed == [], "a key on its way: the change waits for its answer"
        await until(pilot, lambda: bool(refreshed), "the deferred refresh")
        assert refreshed[0] - read_at >= pacing.KEY_FIRST - 0.01

        # A key every 20 ms for a second, a change after each: refreshes still run.
        refreshed.clear()
        started = time.monotonic()
        while time.monotonic() - started < 1.0:
            await app.on_event(events.Key("down", None))
            app.on_state_changed(StateChanged())
            await asyncio.sleep(0.02)
        gaps = [b - a for a, b in zip([started, *refreshed], refreshed, strict=False)]
        assert len(refreshed) >= 3 and max(gaps) < 2 * pacing.KEY_STARVE, gaps


def test_the_terminal_driver_tells_the_app_of_a_key_before_queueing_it() -> None:
    calls: list[str] = []
    driver = SimpleNamespace(
        terminal_output=SimpleNamespace(key_at=0.0),  # the link learns when a key came
        _app=SimpleNamespace(input_arriving=lambda: calls.append("arriving")),
        process_message=lambda message: calls.append(type(message).__name__),
    )
    TerminalDriver._dispatch(driver, [events.Key("down", None), events.Paste("x")])  # type: ignore[arg-type]
    assert calls == ["arriving", "Key", "Paste"]
    assert driver.terminal_output.key_at > 0


async def test_the_stacks_list_has_the_keys_from_its_first_painted_row(
    frozen_seed: Captured, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The first focusable widget was the hidden filter: the first rows were painted for an
    # unfocused table, and a moment later every visible cell again in the focused table's
    # background (22 KB at 200x60, which the link's byte budget made the next changes wait
    # for: bench/README.md, "The 200x60 event-to-screen at 1,000 pods").
    painted: list[object] = []
    render_line = KeyedTable.render_line

    def spy(table: KeyedTable, y: int) -> Any:
        if table.row_count and not painted:
            painted.append(table.app.focused)
        return render_line(table, y)

    monkeypatch.setattr(KeyedTable, "render_line", spy)
    app, _ = memory_app(frozen_seed)
    async with app.run_test(size=(200, 60)) as pilot:
        await until_text(pilot, "my-app", "Complete")
        screen = app.screen
        assert isinstance(screen, StacksScreen)
        assert painted == [screen.table]


async def test_a_resize_while_typing_a_filter_leaves_the_keys_in_the_filter(
    frozen_seed: Captured,
) -> None:
    # A terminal window resized across the wide layout rebuilds the Stacks table; the keys
    # typed meanwhile must still go to the filter being typed, never to the table, where
    # the y of "my-app" opened the YAML of the row under the cursor.
    app, _ = memory_app(frozen_seed)
    async with app.run_test(size=(80, 24)) as pilot:
        await until_text(pilot, "my-app", "Complete")
        screen = app.screen
        assert isinstance(screen, StacksScreen)
        await pilot.press("slash")
        field = screen.query_one("#filter")
        await until(pilot, lambda: app.focused is field, "the filter focused")
        narrow = screen.table
        await pilot.resize_terminal(160, 48)
        await until(pilot, lambda: screen.table is not narrow and screen.table.is_mounted, "wide")
        await pilot.press(*"my-app")
        await until(pilot, lambda: screen.table.row_count == 1, "only my-app listed")
        assert app.screen is screen
        assert app.focused is field
        await pilot.press("enter")
        await until(pilot, lambda: app.focused is screen.table, "the table focused")
        await pilot.resize_terminal(80, 24)
        await until(
            pilot, lambda: screen.table.is_mounted and screen.table.row_count == 1, "narrow"
        )
        # Back on the table: the list's keys act on it again (the focus passes the filter
        # on its way, as the old table is removed).
        await until(pilot, lambda: app.focused is screen.table, "the new table focused")
        assert not screen._typing_filter
        # A click on the table while typing hands the keys back to the list too.
        await pilot.press("slash")
        await until(pilot, lambda: app.focused is field, "the filter focused again")
        await pilot.click(screen.table)
        await until(pilot, lambda: app.focused is screen.table, "the table clicked")
        await pilot.resize_terminal(160, 48)
        await until(pilot, lambda: app.focused is screen.table, "the wide table focused")


@pytest.mark.parametrize("variable", [None, "full"], ids=["by-default", "TEXTUAL_ANIMATIONS=full"])
async def test_nothing_slides_unless_textual_animations_asks(
    frozen_seed: Captured, variable: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Over a slow link every frame of a slide is sent: a tab's underline jumps to its tab.
    if variable is None:
        monkeypatch.delenv("TEXTUAL_ANIMATIONS", raising=False)
    else:
        monkeypatch.setenv("TEXTUAL_ANIMATIONS", variable)
    app, _ = memory_app(frozen_seed, stack="my-app")
    async with app.run_test(size=(80, 24)) as pilot:
        await until_text(pilot, 'deployment "my-app" successfully rolled out')
        underline = type(app.screen.query_one(Tabs).query_one("Underline"))
        slides: list[str] = []
        animate = underline.animate

        def slide(self: Widget, attribute: str, *args: Any, **kwargs: Any) -> None:
            slides.append(attribute)
            animate(self, attribute, *args, **kwargs)

        monkeypatch.setattr(underline, "animate", slide)
        await pilot.press("right")
        await until_text(pilot, "READINESS")
        await pilot.pause(0.1)  # a slide starts 20 ms after the switch
        assert ("highlight_start" in slides) is bool(variable), slides
