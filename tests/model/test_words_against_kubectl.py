"""The app's words against real kubectl on the embedded cluster.

Rollouts: the app says "Waiting" while `kubectl rollout status` does, and "Deadline exceeded"
only when kubectl reports the exceeded progress deadline; a paused rollout counts no deadline
down; elapsed time counts from the rollout's start (bad-rollout: `set image` 30 s after the
scenario converged, to an image whose readiness probe answers 503). HPA conditions read as
`kubectl describe hpa` lists them, ScalingLimited False being the healthy state. A mesh pod's
readiness names the container kubectl counts as not ready."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kubectl_stack.model.events import failures_for, unhealthy_by_pod
from kubectl_stack.model.hpa import hpa_view
from kubectl_stack.model.pods import HEALTHY, pod_row
from kubectl_stack.model.probes import pod_readiness
from kubectl_stack.model.workloads.base import DEADLINE_EXCEEDED, PAUSED, PROGRESSING
from kubectl_stack.model.workloads.deployment import Rollout, rollout
from kubectl_stack_sim.runner import RunningSim, start_sim

from .kubectl import kubectl_runner

Kubectl = Callable[..., str]


def _started(
    scenario: str, kubectl_path: Path, tmp_path: Path
) -> Iterator[tuple[RunningSim, Kubectl]]:
    sim = start_sim(scenario)
    run = kubectl_runner(kubectl_path, sim, tmp_path)

    def kubectl(*args: str) -> str:
        return run(*args).strip()

    try:
        yield sim, kubectl
    finally:
        sim.stop()


@pytest.fixture
def bad_rollout(kubectl_path: Path, tmp_path: Path) -> Iterator[tuple[RunningSim, Kubectl]]:
    yield from _started("bad-rollout", kubectl_path, tmp_path)


@pytest.fixture
def seed(kubectl_path: Path, tmp_path: Path) -> Iterator[tuple[RunningSim, Kubectl]]:
    yield from _started("seed", kubectl_path, tmp_path)


@pytest.fixture
def mesh(kubectl_path: Path, tmp_path: Path) -> Iterator[tuple[RunningSim, Kubectl]]:
    yield from _started("mesh", kubectl_path, tmp_path)


def _now(sim: RunningSim) -> float:
    # Whole seconds, as the API's timestamps are: the clocks print exact values.
    return float(math.floor(sim.call(sim.cluster.clock.now)))


def _rollout(sim: RunningSim, kubectl: Kubectl) -> Rollout:
    """The model's rollout of my-app from the objects as kubectl fetched them."""
    now = _now(sim)
    dep = json.loads(kubectl("get", "deploy", "my-app", "-o", "json"))
    rss = json.loads(kubectl("get", "rs", "-o", "json"))["items"]
    pods = json.loads(kubectl("get", "pods", "-o", "json"))["items"]
    return rollout(dep, rss, [pod_row(p, now) for p in pods], now)


def _kubectl_waits_for(printed: str) -> str:
    """What `kubectl rollout status` printed, reduced to the app's short label (read from
    kubectl's text, not from the app's code)."""
    for pattern, label in (
        (r"(\d+) out of (\d+) new replicas have been updated", "Waiting {0}/{1} updated"),
        (r"(\d+) old replicas are pending termination", "Waiting {0} old pending"),
        (r"(\d+) of (\d+) updated replicas are available", "Waiting {0}/{1} available"),
    ):
        found = re.search(pattern, printed)
        if found:
            return label.format(*found.groups())
    raise AssertionError(f"kubectl is not waiting: {printed}")


def _status(kubectl: Kubectl) -> str:
    return kubectl("rollout", "status", "deploy/my-app", "--watch=false")


def test_failing_rollout_is_waiting_until_kubectl_reports_the_deadline(
    bad_rollout: tuple[RunningSim, Kubectl],
) -> None:
    sim, kubectl = bad_rollout
    sim.advance(60)  # the new pod fails readiness; the old ones serve
    printed = _status(kubectl)
    assert printed.startswith('Waiting for deployment "my-app" rollout to finish: ')
    r = _rollout(sim, kubectl)
    assert (r.state, r.label) == (PROGRESSING, _kubectl_waits_for(printed))
    assert r.status.message == printed
    # Counted from the new ReplicaSet (30 s old), not the old one (created at convergence).
    assert r.elapsed_text == "30s elapsed"
    assert r.deadline_text == "progress deadline in 9m 30s"

    sim.advance(600)
    printed = _status(kubectl)
    assert printed == 'error: deployment "my-app" exceeded its progress deadline'
    r = _rollout(sim, kubectl)
    assert (r.state, r.label, r.deadline_text) == (
        DEADLINE_EXCEEDED,
        "Deadline exceeded",
        "progress deadline exceeded",
    )


def test_paused_rollout_counts_no_deadline_down(bad_rollout: tuple[RunningSim, Kubectl]) -> None:
    sim, kubectl = bad_rollout
    sim.advance(60)
    assert kubectl("rollout", "pause", "deploy/my-app") == "deployment.apps/my-app paused"
    sim.advance(700)  # past the 600 s deadline: the controller does not enforce it
    reason = kubectl(
        "get",
        "deploy",
        "my-app",
        "-o",
        'jsonpath={.status.conditions[?(@.type=="Progressing")].status}/'
        '{.status.conditions[?(@.type=="Progressing")].reason}',
    )
    assert reason == "Unknown/DeploymentPaused"
    printed = _status(kubectl)
    assert printed.startswith('Waiting for deployment "my-app" rollout to finish: ')
    r = _rollout(sim, kubectl)
    assert (r.state, r.label, r.deadline_left, r.deadline_text) == (PAUSED, "Paused", None, "")

    assert kubectl("rollout", "resume", "deploy/my-app") == "deployment.apps/my-app resumed"
    sim.advance(5)
    r = _rollout(sim, kubectl)
    # The deadline counts again, from the resume.
    assert (r.state, r.deadline_text) == (PROGRESSING, "progress deadline in 9m 55s")
    assert r.label == _kubectl_waits_for(_status(kubectl))


def test_rollback_elapsed_counts_from_the_undo(bad_rollout: tuple[RunningSim, Kubectl]) -> None:
    sim, kubectl = bad_rollout
    sim.advance(120)
    assert kubectl("rollout", "undo", "deploy/my-app") == "deployment.apps/my-app rolled back"
    sim.advance(3)
    printed = _status(kubectl)
    r = _rollout(sim, kubectl)
    assert (r.state, r.label) == (PROGRESSING, _kubectl_waits_for(printed))
    # Revision 1's ReplicaSet is back (as revision 3), 3 m 30 s old; the rollback is 3 s old.
    assert r.revision == 3
    assert r.elapsed_text == "3s elapsed"


def test_hpa_conditions_read_as_kubectl_describe_and_within_range_is_healthy(
    seed: tuple[RunningSim, Kubectl],
) -> None:
    sim, kubectl = seed
    sim.advance(60)
    described = kubectl("describe", "hpa", "my-app").splitlines()
    start = described.index("Conditions:") + 3  # after the header and its underline
    rows = []
    for line in described[start:]:
        if not line.startswith("  "):
            break
        rows.append(tuple(line.split()[:3]))
    assert ("ScalingLimited", "False", "DesiredWithinRange") in rows
    view = hpa_view(json.loads(kubectl("get", "hpa", "my-app", "-o", "json")), _now(sim))
    assert [(c.type, c.status, c.reason) for c in view.conditions] == rows
    assert all(c.health == HEALTHY for c in view.conditions)


def test_mesh_pod_readiness_names_the_container_kubectl_counts_not_ready(
    mesh: tuple[RunningSim, Kubectl],
) -> None:
    sim, kubectl = mesh
    sim.advance(60)
    now = _now(sim)
    listed = kubectl("get", "pods", "-l", "app=payments", "--no-headers").splitlines()
    assert listed and all(line.split()[1] == "1/2" for line in listed)
    events = json.loads(kubectl("get", "events", "-o", "json"))["items"]
    by_pod = unhealthy_by_pod(events)
    for pod in json.loads(kubectl("get", "pods", "-l", "app=payments", "-o", "json"))["items"]:
        name = pod["metadata"]["name"]
        not_ready = kubectl(
            "get", "pod", name, "-o", "jsonpath={.status.containerStatuses[?(@.ready==false)].name}"
        )
        assert not_ready == "istio-proxy"
        readiness = pod_readiness(pod, now, failures_for(pod, by_pod))
        assert readiness.text.startswith(f"✗ {not_ready} 503 ×"), readiness.text
        assert readiness.text.endswith("; app ready") and "✓" not in readiness.text
