"""Fixtures for the embedded cluster's controller tests: in-process clusters on a manual clock."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from kubectl_stack_sim.clock import Clock
from kubectl_stack_sim.cluster import Cluster
from kubectl_stack_sim.controllers import SimControllers, controllers_of
from kubectl_stack_sim.controllers.images import ImageBehaviour
from kubectl_stack_sim.scenario import Scenario, build_cluster, create_object

START = 1_767_225_600.0  # 2026-01-01T00:00:00Z: fixed, so timestamps are reproducible

Obj = dict[str, Any]


def deployment(
    name: str = "web",
    *,
    replicas: int = 3,
    image: str = "web:1",
    strategy: Obj | None = None,
    readiness: bool = True,
    **spec: Any,
) -> Obj:
    """A Deployment manifest with a CPU request and (by default) a readiness probe."""
    container: Obj = {
        "name": "app",
        "image": image,
        "ports": [{"containerPort": 8080}],
        "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}},
    }
    if readiness:
        container["readinessProbe"] = {
            "httpGet": {"path": "/ready", "port": 8080},
            "periodSeconds": 2,
        }
    body: Obj = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [container]},
            },
            **spec,
        },
    }
    if strategy is not None:
        body["spec"]["strategy"] = strategy
    return body


MakeCluster = Callable[..., Cluster]


@pytest.fixture
def make_cluster() -> MakeCluster:
    """Build a started cluster from a scenario name or from objects and image behaviours."""

    def make(
        scenario: str | None = None,
        *,
        objects: list[Obj] | None = None,
        images: dict[str, ImageBehaviour] | None = None,
        **params: Any,
    ) -> Cluster:
        source: Scenario | str = scenario or Scenario(
            name="test", objects=list(objects or []), images=dict(images or {})
        )
        return build_cluster(source, clock=Clock(start=START), seed=1, **params)

    return make


def hub(cluster: Cluster) -> SimControllers:
    return controllers_of(cluster)


def create(cluster: Cluster, manifest: Obj) -> Obj:
    return create_object(cluster, manifest)


def pods_of(cluster: Cluster, prefix: str) -> list[Obj]:
    return [p for p in cluster.store.list("pods") if p["metadata"]["name"].startswith(prefix + "-")]


def events(cluster: Cluster, reason: str | None = None) -> list[Obj]:
    return [e for e in cluster.store.list("events") if reason is None or e["reason"] == reason]


def condition(obj: Obj, ctype: str) -> Obj:
    for cond in obj.get("status", {}).get("conditions", []):
        if cond["type"] == ctype:
            return dict(cond)
    raise AssertionError(f"no {ctype} condition in {obj['metadata']['name']}")
