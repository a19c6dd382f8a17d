"""The title bar says "● live" only while the watches prove it, and "ns" says what is shown:
a hung network, a cluster reset under the app and a namespace-confined user, seen on screen."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import Kubectl, ok
from proxy import PausableProxy

from kubectl_stack.kube import informer
from kubectl_stack.options import ConnectionOptions, Options
from kubectl_stack.ui.app import make_app
from kubectl_stack.ui.screens.stacks import StacksScreen
from kubectl_stack_sim.runner import RunningSim, start_sim

from .conftest import TEST_SETTINGS, build_app, sim_clock, until, until_text
from .screen import screen_text


async def test_a_user_confined_to_one_namespace_is_told_so_in_the_title_bar(
    sim: RunningSim,
) -> None:
    # dev may list only in "default": -A shows that namespace, and the title bar says why.
    app = build_app(sim, context="dev", all_namespaces=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await until_text(pilot, "ns default (-A forbidden)", "my-app")
        assert "ns all" not in screen_text(app)


@pytest.fixture
def quick_sim(monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningSim]:
    """Bookmarks every 0.2 s, and the app expecting one within 0.5 s (stale after 1.5 s)."""
    monkeypatch.setattr(informer, "BOOKMARK_INTERVAL", 0.5)
    with start_sim("seed", bookmark_interval=0.2) as sim:
        yield sim


async def test_a_hung_network_turns_the_title_bar_stale_since_then_live_again(
    quick_sim: RunningSim,
) -> None:
    proxy = PausableProxy(quick_sim.port)
    await proxy.start()
    options = Options(
        connection=ConnectionOptions(kubeconfig=str(quick_sim.kubeconfig), server=proxy.url)
    )
    app = make_app(options, settings=TEST_SETTINGS, now=sim_clock(quick_sim))
    try:
        async with app.run_test(size=(100, 24)) as pilot:
            await until_text(pilot, "● live", "my-app")
            proxy.pause()
            await until_text(pilot, "○ stale since", "⚠ watch lost")
            text = screen_text(app)
            assert "(^r now)" in text and "showing state from" in text, text
            assert app.screen.has_class("-stale")  # rows dimmed
            proxy.resume()
            await until_text(pilot, "● live")
            await until(pilot, lambda: not app.screen.has_class("-stale"), "banner gone")
    finally:
        await proxy.stop()


def _rows(app_text: str) -> dict[str, list[str]]:
    """The Stacks table's lines, by the name they start with."""
    rows: dict[str, list[str]] = {}
    for line in app_text.splitlines():
        words = line.replace("│", " ").split()
        if words:
            rows[words[0]] = words
    return rows


async def test_after_a_reset_the_stacks_equal_what_kubectl_gets_from_the_new_server(
    kubectl_for: Callable[[Path], Kubectl],
) -> None:
    old = start_sim("seed", bookmark_interval=0.2)
    new: RunningSim | None = None
    try:
        ok(kubectl_for(old.kubeconfig), "create", "deployment", "ghost", "--image=ghost:1")
        # The app's clock may not be the sim's: that one goes when the sim is stopped.
        options = Options(connection=ConnectionOptions(kubeconfig=str(old.kubeconfig)))
        app = make_app(options, settings=TEST_SETTINGS, now=time.time)
        async with app.run_test(size=(100, 30)) as pilot:
            await until_text(pilot, "ghost", "my-app", "● live")
            for i in range(40):  # a longer history than the recreated cluster's
                old.call(
                    old.cluster.store.create,
                    "configmaps",
                    {"metadata": {"name": f"c{i}", "namespace": "default"}, "data": {}},
                )
            await pilot.pause(1.0)  # every watch hears of it (bookmarks every 0.2 s)
            port = old.port
            old.stop()
            new = start_sim("seed", port=port, bookmark_interval=0.2)
            kubectl = kubectl_for(new.kubeconfig)
            ok(kubectl, "create", "deployment", "fresh", "--image=fresh:1")
            await until_text(pilot, "fresh", "● live")
            await until(pilot, lambda: "ghost" not in screen_text(app), "the ghost is gone")
            assert isinstance(app.screen, StacksScreen)
            got = ok(kubectl, "get", "deployments", "--no-headers")
            rows = _rows(screen_text(app))
            names = set()
            for line in got.splitlines():
                name, ready = line.split()[:2]
                names.add(name)
                assert name in rows and ready in rows[name], (name, ready, rows.get(name))
            shown = {n for n in rows if n in names or n in ("ghost",)}
            assert shown == names
    finally:
        old.stop()
        if new is not None:
            new.stop()
