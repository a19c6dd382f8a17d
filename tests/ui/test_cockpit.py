"""The Stack screen at the sizes people use: every panel at once from 100x30 (tabs below),
the columns a table's width cuts off on a detail line for the row under the cursor, a
zoomed panel for messages in full, the footer's `? Help` at every width, and what the
Autoscaler and Pods panels say about health."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Tabs

from kubectl_stack.ui.app import StackApp
from kubectl_stack.ui.screens.stack import DetailLine, StackScreen
from kubectl_stack.ui.widgets.table import KeyedTable
from kubectl_stack_sim.runner import RunningSim

from .conftest import Captured, build_app, frozen_scenario, memory_app, settle, until, until_text
from .screen import screen_text

PANELS = ("Rollout", "Autoscaler my-app", "Pods (3)", "Traffic & config", "Events")


async def _stack(pilot: Pilot[Any]) -> StackScreen:
    await until(pilot, lambda: isinstance(pilot.app.screen, StackScreen), "the stack screen")
    await until_text(pilot, "successfully rolled out")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, StackScreen)
    return screen


def _panel_titles(text: str) -> list[str]:
    return [title for title in PANELS if f"─ {title} ─" in text]


@pytest.mark.parametrize(
    ("size", "cockpit"),
    [
        ((80, 24), False),
        ((99, 40), False),
        ((140, 29), False),
        ((100, 30), True),
        ((120, 40), True),
    ],
)
async def test_every_panel_shows_at_once_from_100x30_and_tabs_below(
    frozen_seed: Captured, size: tuple[int, int], cockpit: bool
) -> None:
    app, _ = memory_app(frozen_seed, stack="my-app")
    async with app.run_test(size=size) as pilot:
        screen = await _stack(pilot)
        text = screen_text(app)
        assert screen.cockpit is cockpit
        if cockpit:
            assert _panel_titles(text) == list(PANELS)
            assert "Rollout  Pods  Autoscaler  Traffic  Events" not in text
        else:
            assert _panel_titles(text) == ["Rollout"]
            assert "Rollout  Pods  Autoscaler  Traffic  Events" in text
        assert text.splitlines()[-1].rstrip().endswith("? Help")


async def test_resizing_switches_layout_and_keeps_the_panel_in_use(frozen_seed: Captured) -> None:
    app, _ = memory_app(frozen_seed, stack="my-app")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _stack(pilot)
        await pilot.press("right")  # the Pods tab
        await until(pilot, lambda: screen.active_tab == "pods", "the pods tab")
        await pilot.resize_terminal(120, 40)
        await until(pilot, lambda: screen.cockpit, "the cockpit")
        await until_text(pilot, *PANELS)
        assert isinstance(screen.focused, KeyedTable) and screen.focused.id == "pods"
        assert screen.selected_pod() is not None
        await pilot.resize_terminal(80, 24)
        await until(pilot, lambda: not screen.cockpit, "the tabs")
        assert pilot.app.screen.query_one(Tabs).active == "tab-pods"


async def test_left_and_right_move_between_panels_in_the_cockpit(frozen_seed: Captured) -> None:
    app, _ = memory_app(frozen_seed, stack="my-app")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _stack(pilot)
        # Opens on the Rollout panel: keys act on the Deployment, not a pod.
        assert screen.active_tab == "rollout" and screen.selected_pod() is None
        seen = []
        for _ in range(5):
            await pilot.press("right")
            await pilot.pause()
            seen.append(screen.active_tab)
            focused = screen.focused
            assert focused is not None
            assert any(w.id == f"panel-{screen.active_tab}" for w in focused.ancestors_with_self)
        assert seen == ["pods", "autoscaler", "traffic", "events", "rollout"]
        await pilot.press("left", "left", "left", "left")
        await pilot.pause()
        assert screen.active_tab == "pods" and screen.selected_pod() is not None


async def test_columns_cut_off_are_on_the_detail_line_of_the_row_under_the_cursor(
    frozen_seed: Captured,
) -> None:
    app, _ = memory_app(frozen_seed, stack="my-app")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _stack(pilot)
        await pilot.press("right")
        table = screen.query_one("#pods", KeyedTable)
        pods = {p["metadata"]["name"]: p for p in frozen_seed.objects["pods"]}
        detail = screen.query_one("#pods-detail", DetailLine)
        await until(pilot, lambda: "IP 10.244." in str(detail.render()), "the pod's IP")
        # NODE does not fit at 100 columns: its value for the row under the cursor is shown.
        for _ in range(table.row_count):
            pod = pods[table.selected_key or ""]
            wanted = f"NODE {pod['spec']['nodeName']}", f"IP {pod['status']['podIP']}"
            # The detail line follows the cursor in the frame after the one that moved it.
            await until(
                pilot, lambda w=wanted: all(x in str(detail.render()) for x in w), "its node, IP"
            )
            await pilot.press("down")
        # Every column fits at 200 columns: no detail line.
        await pilot.resize_terminal(200, 60)
        await until(pilot, lambda: not detail.display, "no detail line")


async def test_the_pods_tab_shows_its_detail_line_when_chosen_not_a_second_later(
    frozen_seed: Captured, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The once-a-second redraw of ages is what drew the line before: without it, never.
    monkeypatch.setattr(StackApp, "_tick", lambda self: None)
    app, _ = memory_app(frozen_seed, stack="my-app")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _stack(pilot)
        await pilot.press("right")
        detail = screen.query_one("#pods-detail", DetailLine)
        await until(pilot, lambda: "NODE node-" in str(detail.render()), "the line", timeout=5)
        assert "NODE node-" in screen_text(app)


async def test_a_zoomed_events_panel_shows_an_event_message_in_full(
    frozen_seed: Captured,
) -> None:
    events = frozen_seed.objects["events"]
    longest = max((e["message"] for e in events), key=len)
    assert len(longest) > 150
    app, _ = memory_app(frozen_seed, stack="my-app")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _stack(pilot)
        await pilot.press("e")
        await until(pilot, lambda: screen.active_tab == "events", "the events panel")
        await pilot.press("f")
        await until(pilot, lambda: screen.maximized is not None, "the zoomed panel")
        table = screen.query_one("#events", KeyedTable)
        keys = list(table.ordered_rows)

        def flat() -> str:
            return " ".join(screen_text(app).replace("│", " ").split())

        for _ in keys:
            key = table.selected_key
            message = " ".join(
                next(e["message"] for e in events if e["metadata"]["name"] == key).split()
            )
            # The detail line follows the cursor in the frame after the one that moved it.
            await until(pilot, lambda m=message: m in flat(), f"{key}'s message in full")
            await pilot.press("down")
        await pilot.press("escape")  # zooms out; a second Esc goes back
        await until(pilot, lambda: screen.maximized is None, "the cockpit again")
        assert app.screen is screen
        await until_text(pilot, *PANELS)


async def test_autoscaler_within_range_reads_healthy_as_kubectl_describe_lists_it(
    frozen_sim: RunningSim, kubectl_path: Path, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "KUBECONFIG": str(frozen_sim.kubeconfig),
        "KUBECACHEDIR": str(tmp_path),
    }
    # The cluster's clock stands still: kubectl sees what the app will.
    described = subprocess.run(  # noqa: ASYNC221 (before the app starts)
        [str(kubectl_path), "describe", "hpa", "my-app"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    start = described.index("Conditions:") + 3
    rows = [line.split()[:3] for line in described[start:] if line.startswith("  ")]
    rows = rows[: next((i for i, r in enumerate(rows) if r[0] == "Type"), len(rows))]
    assert ["ScalingLimited", "False", "DesiredWithinRange"] in rows
    app = build_app(frozen_sim, stack="my-app", synced=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await _stack(pilot)
        text = await until_text(pilot, "ScalingLimited")
        for ctype, status, reason in rows:
            line = next(line for line in text.splitlines() if f"│ {ctype} " in line)
            # The panel's right half: the Autoscaler.
            shown = line.split("││")[-1]
            assert f"{ctype}" in shown and f"✓ {status}" in shown and reason in shown
            assert "✗" not in shown


async def test_mesh_pod_row_has_one_readiness_verdict(monkeypatch: pytest.MonkeyPatch) -> None:
    frozen = frozen_scenario(monkeypatch, "mesh")
    sim = next(frozen)
    try:
        app = build_app(sim, stack="payments", synced=True)
        async with app.run_test(size=(160, 48)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, StackScreen), "the stack")
            text = await until_text(pilot, "✗ istio-proxy 503")
            rows = [line for line in text.splitlines() if "payments-" in line and "1/2" in line]
            assert rows
            for row in rows:
                assert "✗ istio-proxy 503" in row and row.rstrip(" │").count("✓") == 0
                assert "; app ready" in row
    finally:
        for _ in frozen:
            pass


@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
async def test_stacks_columns_left_out_at_narrow_sizes_are_on_the_detail_line(
    frozen_sim: RunningSim, kubectl_path: Path, tmp_path: Path, size: tuple[int, int]
) -> None:
    env = {
        **os.environ,
        "KUBECONFIG": str(frozen_sim.kubeconfig),
        "KUBECACHEDIR": str(tmp_path),
    }
    # kubectl get deploy's NAME READY UP-TO-DATE AVAILABLE AGE, the clock standing still.
    printed = subprocess.run(  # noqa: ASYNC221 (before the app starts)
        [str(kubectl_path), "get", "deploy", "my-app", "--no-headers"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    _, _, up_to_date, available, age = printed
    app = build_app(frozen_sim, synced=True)
    async with app.run_test(size=size) as pilot:
        await until_text(pilot, "my-app", "Complete")
        await settle(pilot)
        text = screen_text(app)
        header = text.splitlines()[1]
        assert "UP-TO-DATE" not in header and "AGE" not in header
        flat = " ".join(text.split())
        assert f"UP-TO-DATE {up_to_date} AVAILABLE {available}" in flat
        assert f"AGE {age}" in flat and "SVC 3/3" in flat
        assert text.splitlines()[-1].rstrip().endswith("? Help")


async def test_a_tab_change_while_a_panel_is_taking_the_focus_settles_on_the_new_tab(
    frozen_sim: RunningSim,
) -> None:
    """A panel still taking the focus (the Rollout panel, as the screen opens) when the tab
    changes (``right`` typed at once) must not pull the tabs back to itself: the two fought,
    the focus flipping between them forever, and keys typed meanwhile (``x``) acted on
    whichever panel had it then. Here the Autoscaler panel is taking the focus when ``right``
    moves from Rollout to Pods."""
    app = build_app(frozen_sim, stack="my-app", synced=True)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _stack(pilot)
        pods = screen.query_one("#pods", KeyedTable)
        focused: list[str | None] = []
        assert screen.active_tab == "rollout"
        screen.query_one("#panel-autoscaler").focus()  # a focus on its way...
        screen.action_next_tab()  # ...and ``right`` behind it, before it has landed
        for _ in range(20):
            await pilot.pause(0.05)
            focused.append(screen.focused.id if screen.focused else None)
        assert screen.focused is pods and screen.active_tab == "pods", focused
        assert focused[-10:] == ["pods"] * 10, focused


async def test_the_stack_screen_is_styled_for_the_terminal_once(
    frozen_seed: Captured, restyled: list[tuple[Any, tuple[int, int]]]
) -> None:
    # Each layout class (-cockpit, -wide, -tall) set alone restyled the whole screen.
    def screen_restyles() -> list[tuple[int, int]]:
        return [size for node, size in restyled if isinstance(node, StackScreen)]

    app, _ = memory_app(frozen_seed, stack="my-app")
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await _stack(pilot)
        assert screen.has_class("-cockpit", "-wide", "-tall")
        assert screen_restyles() == [], "built for the terminal: styled as its widgets mount"
        await pilot.resize_terminal(80, 24)
        await until(pilot, lambda: not screen.cockpit, "the tabs")
        await pilot.resize_terminal(200, 60)
        await until(pilot, lambda: screen.has_class("-cockpit", "-wide", "-tall"), "the cockpit")
        assert screen_restyles() == [(80, 24), (200, 60)]
