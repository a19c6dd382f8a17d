"""``l`` on a workload of any kind opens the log stream of all its pods: a StatefulSet's, from
the Stacks list and from its Stack screen, against the embedded cluster (helm-argo:
StatefulSet shop-db, 3 pods)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot

from kubectl_stack.ui.screens.logs import LogsScreen
from kubectl_stack.ui.screens.stack import StackScreen
from kubectl_stack.ui.screens.stacks import StacksScreen
from kubectl_stack_sim.runner import RunningSim

from .conftest import build_app, until, until_text

SHOP_DB_PODS = {"shop-db-0", "shop-db-1", "shop-db-2"}


async def logs_of_shop_db(pilot: Pilot[Any]) -> None:
    """``l``, then the log screen of shop-db with lines of each of its pods; back again."""
    app = pilot.app
    await pilot.press("l")
    await until(pilot, lambda: isinstance(app.screen, LogsScreen), "the logs screen")
    logs = app.screen
    assert isinstance(logs, LogsScreen)
    assert logs.title == "Logs sts/shop-db"
    await until(pilot, lambda: set(logs._pods) == SHOP_DB_PODS, "lines of its 3 pods")
    await until_text(pilot, "logs · sts/shop-db (3 pods) · following")
    await pilot.press("escape")
    await until(pilot, lambda: not isinstance(app.screen, LogsScreen), "back")


async def test_l_on_a_statefulset_opens_the_log_stream_of_its_pods(
    scenario_sim: Callable[[str], RunningSim],
) -> None:
    app = build_app(scenario_sim("helm-argo"), synced=True)
    async with app.run_test(size=(120, 30)) as pilot:
        await until_text(pilot, "sts/shop-db")
        await pilot.press("colon", *"sts", "enter")  # the StatefulSets only
        await until_text(pilot, "StatefulSets only")
        await pilot.press("down")  # from its group's row (part-of shop) onto it
        await logs_of_shop_db(pilot)  # from the Stacks list
        assert isinstance(app.screen, StacksScreen)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, StackScreen), "its stack")
        await until_text(pilot, "shop-db-0")
        await logs_of_shop_db(pilot)  # from its Stack screen
        assert isinstance(app.screen, StackScreen)


async def test_the_stack_argument_takes_kubectls_type_name(
    scenario_sim: Callable[[str], RunningSim],
) -> None:
    # kubectl stack sts/shop-db opens the StatefulSet's stack, as --once sts/shop-db prints it;
    # a malformed one is a notice over the Stacks list.
    sim = scenario_sim("helm-argo")
    app = build_app(sim, stack="statefulset.apps/shop-db", synced=True)
    async with app.run_test(size=(120, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, StackScreen), "its stack")
        assert (app.screen.kind, app.screen.name_) == ("StatefulSet", "shop-db")
        await until_text(pilot, "shop-db-0", "StatefulSet")
    app = build_app(sim, stack="sts/shop-db/x", synced=True)
    async with app.run_test(size=(120, 30)) as pilot:
        told = ("error", "arguments in resource/name form may not have more than one slash")
        await until(pilot, lambda: told in app.notices, "the notice")
        assert isinstance(app.screen, StacksScreen)
