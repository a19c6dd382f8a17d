"""Rollouts always converge: random interleavings of what people and autoscalers do to a
Deployment (scale, set image, rollout undo, pause/resume, pod deletion, an HPA's scale
writes, time passing) keep the rolling-update budget at every step and end with real
`kubectl rollout status` reporting success once the Deployment is resumed."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kubectl_stack_sim import admission
from kubectl_stack_sim.cluster import Cluster
from kubectl_stack_sim.controllers.base import request_pod_deletion
from kubectl_stack_sim.controllers.deployment import max_surge, max_unavailable
from kubectl_stack_sim.runner import RunningSim, start_sim
from kubectl_stack_sim.scenario import create_object
from kubectl_stack_sim.store import clone

from .conftest import deployment

Obj = dict[str, Any]
REVISION = "deployment.kubernetes.io/revision"
HASH = "pod-template-hash"

# Sizes stay close together so that resizes often land on a ReplicaSet's current size, the
# case that once left a stale desired-replicas annotation behind.
ACTIONS = st.one_of(
    st.tuples(st.just("scale"), st.integers(0, 5)),
    st.tuples(st.just("hpa"), st.integers(2, 5)),
    st.tuples(st.just("image"), st.sampled_from(["web:1", "web:2", "web:3"])),
    st.tuples(st.just("undo"), st.just(0)),
    st.tuples(st.just("pause"), st.booleans()),
    st.tuples(st.just("delete_pod"), st.integers(0, 9)),
    st.tuples(st.just("wait"), st.integers(0, 12)),
)
STRATEGIES = st.sampled_from(
    [
        {"maxSurge": "25%", "maxUnavailable": "25%"},
        {"maxSurge": 1, "maxUnavailable": 0},
        {"maxSurge": 0, "maxUnavailable": 1},
        {"maxSurge": 2, "maxUnavailable": "50%"},
    ]
)


def _deployment(cluster: Cluster) -> Obj:
    return cluster.store.require("deployments.apps", "default", "web")


def _write(cluster: Cluster, change: Any) -> None:
    """A client's update of the Deployment, through admission as the API server does it."""
    old = _deployment(cluster)
    new = clone(old)
    change(new)
    cluster.store.update("deployments.apps", admission.admit(cluster, "deployments.apps", new, old))


def _undo(cluster: Cluster) -> None:
    """`kubectl rollout undo`: the previous revision's template (its pod-template-hash label
    dropped) replaces the Deployment's; refused while paused or without history."""
    d = _deployment(cluster)
    if d["spec"].get("paused"):
        return
    owned = [
        rs
        for rs in cluster.store.list("replicasets.apps", "default")
        if any(
            r.get("uid") == d["metadata"]["uid"]
            for r in rs["metadata"].get("ownerReferences") or []
        )
    ]
    revisions = sorted(int(rs["metadata"].get("annotations", {}).get(REVISION, 0)) for rs in owned)
    if len(revisions) < 2:
        return
    previous = next(
        rs for rs in owned if int(rs["metadata"]["annotations"][REVISION]) == revisions[-2]
    )
    template = clone(previous["spec"]["template"])
    template["metadata"]["labels"].pop(HASH, None)

    def revert(obj: Obj) -> None:
        obj["spec"]["template"] = template

    _write(cluster, revert)


def _apply(cluster: Cluster, action: str, arg: Any) -> None:
    if action in ("scale", "hpa"):
        _write(cluster, lambda o: o["spec"].__setitem__("replicas", arg))
    elif action == "image":
        _write(cluster, lambda o: o["spec"]["template"]["spec"]["containers"][0].update(image=arg))
    elif action == "undo":
        _undo(cluster)
    elif action == "pause":
        _write(cluster, lambda o: o["spec"].__setitem__("paused", arg))
    elif action == "delete_pod":
        pods = sorted(p["metadata"]["name"] for p in cluster.store.list("pods", "default"))
        if pods:
            request_pod_deletion(cluster, "default", pods[arg % len(pods)])


def _ready(pod: Obj) -> bool:
    return not pod["metadata"].get("deletionTimestamp") and any(
        c["type"] == "Ready" and c["status"] == "True"
        for c in pod.get("status", {}).get("conditions", [])
    )


def _observe(cluster: Cluster) -> tuple[int, int, int, int]:
    """(desired replicas, maxSurge, maxUnavailable, available pods) now."""
    d = _deployment(cluster)
    available = sum(1 for p in cluster.store.list("pods", "default") if _ready(p))
    return d["spec"]["replicas"], max_surge(d), max_unavailable(d), available


def _check_budget(cluster: Cluster) -> None:
    """The ReplicaSets never ask for more than replicas + maxSurge pods in total."""
    d = _deployment(cluster)
    total = sum(rs["spec"]["replicas"] for rs in cluster.store.list("replicasets.apps", "default"))
    assert total <= d["spec"]["replicas"] + max_surge(d), (total, d["spec"], d["status"])


def _complete(cluster: Cluster) -> bool:
    """kubectl's DeploymentStatusViewer says "successfully rolled out"."""
    d = _deployment(cluster)
    status = d.get("status", {})
    want = d["spec"]["replicas"]
    return (
        status.get("observedGeneration", 0) >= d["metadata"].get("generation", 0)
        and status.get("updatedReplicas", 0) == want
        and status.get("replicas", 0) == want
        and status.get("availableReplicas", 0) == want
    )


@pytest.fixture
def kubectl_env(kubectl_path: Path, tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    yield kubectl_path, tmp_path


@settings(
    max_examples=int(os.environ.get("ROLLOUT_EXAMPLES", "25")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# The reported stall, always tried: a rollout paused half-way, resized to the new
# ReplicaSet's size, resumed, then undone.
@example(
    replicas=5,
    rolling={"maxSurge": 1, "maxUnavailable": 0},
    actions=[
        ("image", "web:2"),
        ("wait", 9),
        ("pause", True),
        ("wait", 10),
        ("scale", 3),
        ("wait", 5),
        ("pause", False),
        ("wait", 12),
        ("wait", 12),
        ("undo", 0),
    ],
)
@given(
    replicas=st.integers(2, 5),
    rolling=STRATEGIES,
    actions=st.lists(ACTIONS, min_size=1, max_size=14),
)
def test_rollouts_converge_whatever_happens_meanwhile(
    kubectl_env: tuple[Path, Path], replicas: int, rolling: Obj, actions: list[tuple[str, Any]]
) -> None:
    kubectl_path, cache = kubectl_env
    sim: RunningSim = start_sim("empty")
    try:
        cluster = sim.cluster
        manifest = deployment(
            replicas=replicas, strategy={"type": "RollingUpdate", "rollingUpdate": rolling}
        )
        sim.call(lambda: create_object(cluster, manifest))
        sim.advance(30)

        def step(seconds: int) -> None:
            # Each second of time passing: the budget holds, and availability never falls
            # below the floor (or below what it was, when already under it) by the
            # controllers' own doing.
            for _ in range(seconds):
                want, _, unavailable, before = sim.call(lambda: _observe(cluster))
                sim.advance(1)
                sim.call(lambda: _check_budget(cluster))
                *_, after = sim.call(lambda: _observe(cluster))
                floor = want - unavailable
                assert after >= min(before, floor), (before, after, floor)

        for action, arg in actions:
            if action == "wait":
                step(arg)
                continue
            sim.call(lambda a=action, x=arg: _apply(cluster, a, x))
            sim.advance(0)
            sim.call(lambda: _check_budget(cluster))
            step(1)
        sim.call(lambda: _apply(cluster, "pause", False))
        for _ in range(60):
            step(5)
            if sim.call(lambda: _complete(cluster)):
                break
        env = {**os.environ, "KUBECONFIG": str(sim.kubeconfig), "KUBECACHEDIR": str(cache)}
        done = subprocess.run(
            [str(kubectl_path), "rollout", "status", "deploy/web", "--watch=false"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.stdout.strip() == 'deployment "web" successfully rolled out', (
            done.stdout + done.stderr,
            sim.call(lambda: _deployment(cluster)["status"]),
            sim.call(
                lambda: [
                    (rs["metadata"]["name"], rs["spec"]["replicas"], rs.get("status"))
                    for rs in cluster.store.list("replicasets.apps", "default")
                ]
            ),
        )
    finally:
        sim.stop()


if __name__ == "__main__":  # pragma: no cover - a longer run by hand
    sys.exit(pytest.main([__file__, "-q"]))
