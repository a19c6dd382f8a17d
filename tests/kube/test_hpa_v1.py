"""A cluster serving HorizontalPodAutoscalers at autoscaling/v1 only: the informer falls back
to v1 and the model still reads targets, replicas and conditions."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from kubectl_stack.kube import kinds as K
from kubectl_stack.kube.connection import connect
from kubectl_stack.kube.informers import Informers
from kubectl_stack.kube.store import ClusterState
from kubectl_stack.model.hpa import hpa_view
from kubectl_stack_sim.runner import RunningSim, start_sim

from .conftest import options_for


@pytest.fixture
def v1_sim() -> Iterator[RunningSim]:
    with start_sim("seed", hide_versions=["autoscaling/v2"]) as sim:
        yield sim


async def test_informer_falls_back_to_v1_and_the_model_reads_the_hpa(
    v1_sim: RunningSim, kubectl_for: Callable[[Path], Any]
) -> None:
    kubectl = kubectl_for(v1_sim.kubeconfig)
    versions = kubectl("api-versions").stdout.split()
    assert "autoscaling/v1" in versions and "autoscaling/v2" not in versions
    printed = kubectl("get", "hpa", "my-app", "--no-headers").stdout.split()
    connection = await connect(options_for(v1_sim))
    state = ClusterState()
    informers = Informers(connection, state, "default", kinds=[K.HPAS], seed=1)
    try:
        await informers.start()
        assert await informers.wait_synced(timeout=10)
        assert informers.informers[K.HPAS.name].kind.version == "v1"
        hpa = state.get(K.HPAS.name, "default", "my-app")
    finally:
        await informers.stop()
        await connection.close()
        state.close()
    assert hpa is not None
    view = hpa_view(hpa, 0.0)
    # kubectl's TARGETS column ("cpu: 42%/70%") is what the model says, from v1 fields.
    assert printed[2:4] == ["cpu:", view.targets.removeprefix("cpu: ")]
    assert view.targets.endswith("/70%") and view.metrics_available
    assert (view.min_replicas, view.max_pods, view.replicas) == (
        int(printed[4]),
        int(printed[5]),
        int(printed[6]),
    )
    assert {c.type for c in view.conditions} == {"AbleToScale", "ScalingActive", "ScalingLimited"}
    annotations = hpa["metadata"].get("annotations") or {}
    assert not any(k.startswith("autoscaling.alpha.kubernetes.io/") for k in annotations)
