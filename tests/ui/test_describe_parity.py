"""``d`` shows what ``kubectl describe`` prints, for every object of the kinds the app
describes in the seed, crashloop, bad-rollout and helm-argo scenarios.

Each object is opened on the app's describe screen (the path ``d`` takes) and its text is
compared with real kubectl's, run by the test. Ages are normalised: kubectl prints them from
the wall clock, and the two runs are a moment apart (``91s`` may become ``92s``, and a wider
age widens its column), so every age becomes ``<age>`` and runs of spaces one space.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import Kubectl, kubectl_runner, ok
from rich.text import Text
from textual.widgets import Static

from kubectl_stack.kube.describe import described
from kubectl_stack.ui.screens.stack import StackScreen
from kubectl_stack.ui.screens.yaml import ObjectScreen
from kubectl_stack_sim.runner import RunningSim

from .conftest import build_app, until, until_text

# kubectl's duration.HumanDuration and ShortHumanDuration: 5s, 3m2s, 4h, 2d3h, 3y ...
AGE = re.compile(r"(?<![\w.:-])(?:\d+[smhdy]){1,2}(?![\w.:-])|<invalid>")


def normalised(text: str) -> list[str]:
    return [re.sub(r"\s+", " ", AGE.sub("<age>", line)).rstrip() for line in text.splitlines()]


def objects(sim: RunningSim) -> list[tuple[str, str, str]]:
    """(kind, namespace, name) of every object of a described kind."""

    def collect() -> list[tuple[str, str, str]]:
        out = []
        for kind, resource in described().items():
            gr = f"{resource.plural}.{resource.group}" if resource.group else resource.plural
            for obj in sim.cluster.store.list(gr):
                meta = obj["metadata"]
                out.append((kind, meta["namespace"], meta["name"]))
        return out

    return sim.call(collect)


@pytest.mark.parametrize("scenario", ["seed", "crashloop", "bad-rollout", "helm-argo"])
async def test_describe_screen_shows_kubectl_describe_for_every_object(
    scenario: str,
    scenario_sim: Callable[..., RunningSim],
    kubectl_path: Path,
    tmp_path: Path,
) -> None:
    sim = scenario_sim(scenario)
    kubectl = kubectl_runner(kubectl_path, sim.kubeconfig, tmp_path / "cache")
    targets = objects(sim)
    kinds = {kind for kind, _, _ in targets}
    assert {"Pod", "Deployment", "ReplicaSet", "Service", "ConfigMap", "Secret"} <= kinds

    # kubectl's answers, the first alone (it fills the discovery cache), the rest four at a
    # time: the clock is stopped, so only ages move.
    def describe(target: tuple[str, str, str]) -> subprocess.CompletedProcess[str]:
        kind, namespace, name = target
        resource = described()[kind]
        qualified = f"{resource.plural}.{resource.group}" if resource.group else resource.plural
        return kubectl("describe", "-n", namespace, qualified, name)

    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = [describe(targets[0]), *pool.map(describe, targets[1:])]
    app = build_app(sim, all_namespaces=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.source is not None and app.source.synced(), "the cache")
        for (kind, namespace, name), done in zip(targets, answers, strict=True):
            screen = ObjectScreen(kind, namespace, name, mode="describe")
            await app.push_screen(screen)
            await until(
                pilot,
                lambda: screen.described is not None,  # noqa: B023
                f"describe of {kind} {namespace}/{name}",
            )
            await pilot.pause()
            body = screen.query_one("#object-body", Static).content  # what the screen shows
            assert isinstance(body, Text)
            shown = body.plain
            assert done.returncode == 0, done.stderr
            assert normalised(shown) == normalised(done.stdout), f"{kind} {namespace}/{name}"
            app.pop_screen()
            await pilot.pause()


async def test_describe_without_kubectl_says_so_in_one_line(
    sim: RunningSim, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("KUBECTL_PLUGINS_CALLER", str(tmp_path / "gone"))
    monkeypatch.setenv("PATH", str(tmp_path))
    app = build_app(sim, stack="my-app")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, StackScreen), "the stack screen")
        await pilot.press("d")
        text = await until_text(pilot, "describe needs kubectl, and none was found on PATH")
        assert "kubectl describe failed at" in text


async def test_describe_of_a_deleted_object_shows_kubectls_error(
    sim: RunningSim, kubectl: Kubectl
) -> None:
    app = build_app(sim, stack="my-app")
    async with app.run_test(size=(120, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, StackScreen), "the stack screen")
        await pilot.press("d")
        await until_text(pilot, "Name:                   my-app", "kubectl describe at")
        ok(kubectl, "delete", "deployment", "my-app", "--wait=false")
        await until_text(pilot, 'Error from server (NotFound): deployments.apps "my-app" not found')
