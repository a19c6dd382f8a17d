"""Fixtures of the conformance tests: the ``batch`` scenario with kubectl, and the official
Python client for the ``sim`` fixture's cluster."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from kubernetes import client, config

from kubectl_stack_sim.runner import RunningSim, start_sim


@pytest.fixture
def batch() -> Iterator[RunningSim]:
    """The ``batch`` scenario (task images that finish), on a manual clock."""
    sim = start_sim("batch")
    try:
        yield sim
    finally:
        sim.stop()


@pytest.fixture
def kctl(batch: RunningSim, kubectl_for: Any) -> Any:
    """Real kubectl against the ``batch`` cluster."""
    return kubectl_for(batch.kubeconfig)


@pytest.fixture
def official(sim: RunningSim) -> Iterator[client.ApiClient]:
    """The official client (kubernetes 37), configured from the sim's kubeconfig."""
    api_client = config.new_client_from_config(config_file=str(sim.kubeconfig))
    try:
        yield api_client
    finally:
        api_client.close()
