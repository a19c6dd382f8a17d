"""Embedded clusters running the ecosystem scenarios, and real kubectl against them."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import Kubectl, kubectl_runner

from kubectl_stack_sim.runner import RunningSim, start_sim


def _running(scenario: str) -> Iterator[RunningSim]:
    sim = start_sim(scenario)
    try:
        yield sim
    finally:
        sim.stop()


@pytest.fixture
def helm_argo() -> Iterator[RunningSim]:
    """The ``helm-argo`` scenario, converged, on a manual clock."""
    yield from _running("helm-argo")


@pytest.fixture
def mesh() -> Iterator[RunningSim]:
    yield from _running("mesh")


@pytest.fixture
def tls() -> Iterator[RunningSim]:
    yield from _running("tls")


KubectlFor = Callable[[RunningSim], Kubectl]


@pytest.fixture
def kubectl_for(kubectl_path: Path, tmp_path: Path) -> KubectlFor:
    """Real kubectl against a given sim, with a private discovery cache."""
    return lambda sim: kubectl_runner(kubectl_path, sim.kubeconfig, tmp_path / "kube-cache")


def get_json(kubectl: Kubectl, *args: str) -> Any:
    """``kubectl get ... -o json``, parsed (the command must succeed)."""
    done = kubectl("get", *args, "-o", "json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)
