"""``-l/--selector`` in the app (not only ``--once``): only the workloads it selects are shown,
and a bad selector is the API server's one line, as kubectl prints it. And a namespace without
Deployments, when others have some, says how to see them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Kubectl, ok
from restricted import AGENT_OPS

from kubectl_stack.options import ConnectionOptions, Options
from kubectl_stack.ui.app import StackApp, make_app
from kubectl_stack.ui.cluster import open_source
from kubectl_stack.ui.source import ConnectError
from kubectl_stack_sim.runner import RunningSim

from .conftest import TEST_SETTINGS, open_synced_source, sim_clock, until_text
from .screen import screen_text


def _app(sim: RunningSim, **options: object) -> StackApp:
    return make_app(
        Options(connection=ConnectionOptions(kubeconfig=str(sim.kubeconfig)), **options),  # type: ignore[arg-type]
        settings=TEST_SETTINGS,
        now=sim_clock(sim),
        connector=open_synced_source,
    )


@pytest.mark.parametrize(
    ("selector", "shown", "hidden"),
    [
        ("app=billing", ["billing"], ["shop-web", "shop-db", "log-agent"]),
        ("app!=billing", ["shop-web", "shop-db", "log-agent"], ["billing"]),
        ("app.kubernetes.io/name in (web,db)", ["shop-web", "shop-db"], ["billing", "log-agent"]),
    ],
)
async def test_only_the_workloads_the_selector_selects_are_shown(
    scenario_sim: Callable[[str], RunningSim], selector: str, shown: list[str], hidden: list[str]
) -> None:
    sim = scenario_sim("helm-argo")
    app = _app(sim, selector=selector)
    async with app.run_test(size=(120, 30)) as pilot:
        text = await until_text(pilot, *shown)
        count = "1 stack" if len(shown) == 1 else f"{len(shown)} stacks"
        assert f"{count} -l {selector}" in text  # what is shown, and why
        rows = text.split("\n", 1)[1]  # below the title bar, which names the selector
        for name in hidden:
            assert name not in rows, text


async def test_nothing_selected_says_which_labels(sim: RunningSim) -> None:
    app = _app(sim, selector="app=nothing-here")
    async with app.run_test(size=(120, 30)) as pilot:
        text = await until_text(pilot, "No Deployments, StatefulSets or DaemonSets found")
        assert 'namespace "default" with labels app=nothing-here.' in " ".join(text.split())


@pytest.mark.parametrize("selector", ["a b", "=x", "app in (a", "app!!=x", "!a=b"])
async def test_bad_selector_is_the_servers_line_as_kubectl_prints_it(
    sim: RunningSim, kubectl: Kubectl, selector: str
) -> None:
    options = Options(connection=ConnectionOptions(kubeconfig=str(sim.kubeconfig)))
    options.selector = selector
    with pytest.raises(ConnectError) as raised:
        await open_source(options.connection, options)
    ours = str(raised.value)
    done = kubectl("get", "deployments", "-l", selector)
    assert done.returncode == 1
    theirs = done.stderr.strip()
    # kubectl puts the resource it was listing between the server's reason and its words.
    head, _, words = ours.partition(": ")
    assert head == "Error from server (BadRequest)" and "\n" not in ours
    assert theirs.startswith(head + ": ") and theirs.endswith(": " + words), (ours, theirs)


async def test_empty_namespace_says_other_namespaces_have_deployments(
    scenario_sim: Callable[[str], RunningSim],
) -> None:
    sim = scenario_sim("large", namespaces=3, deployments=6, pods=12)  # none in "default"
    app = _app(sim)
    async with app.run_test(size=(120, 30)) as pilot:
        await until_text(pilot, "No Deployments, StatefulSets or DaemonSets found")
        flat = " ".join(screen_text(app).split())  # the message wraps
        assert "Other namespaces have some: a shows all namespaces" in flat
        await pilot.press("a")
        await until_text(pilot, "NAMESPACE")


DB_ELSEWHERE = """
apiVersion: v1
kind: Namespace
metadata: {name: data}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: data}
spec:
  replicas: 1
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: db, image: "postgres:16"}]}
"""


async def test_a_namespace_holding_only_a_statefulset_counts_as_having_some(
    scenario_sim: Callable[[str], RunningSim], kubectl_for: Callable[[Path], Kubectl]
) -> None:
    sim = scenario_sim("empty")
    ok(kubectl_for(sim.kubeconfig), "create", "-f", "-", input=DB_ELSEWHERE)
    app = _app(sim)
    async with app.run_test(size=(120, 30)) as pilot:
        await until_text(pilot, "No Deployments, StatefulSets or DaemonSets found")
        flat = " ".join(screen_text(app).split())  # the message wraps
        assert "Other namespaces have some: a shows all namespaces" in flat
        await pilot.press("a")
        await until_text(pilot, "NAMESPACE", "sts/db")


async def test_a_selector_is_accepted_from_a_user_who_may_list_only_daemonsets(
    scenario_sim: Callable[[str], RunningSim], kubectl_for: Callable[[Path], Kubectl]
) -> None:
    # agent-ops may read the DaemonSets of "default", not its Deployments: the selector that
    # picks log-agent is read on the DaemonSets, and the app opens on it.
    sim = scenario_sim("helm-argo")
    kubectl = kubectl_for(sim.kubeconfig)
    ok(kubectl, "create", "-f", "-", input=AGENT_OPS)
    selector = "app.kubernetes.io/name=fluent-bit"
    workloads = "deployments,statefulsets,daemonsets"
    assert ok(kubectl, "get", workloads, "-l", selector, "-o", "name").split() == [
        "daemonset.apps/log-agent"
    ]
    connection = ConnectionOptions(kubeconfig=str(sim.kubeconfig), as_user="agent-ops")
    app = make_app(
        Options(connection=connection, selector=selector),
        settings=TEST_SETTINGS,
        now=sim_clock(sim),
    )
    async with app.run_test(size=(120, 30)) as pilot:
        await until_text(pilot, "ds/log-agent", "1 stack -l")
