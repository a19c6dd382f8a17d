"""Helpers for the data layer's integration tests against the embedded cluster."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from kubectl_stack.kube import kinds as K
from kubectl_stack.kube.connection import Connection, connect
from kubectl_stack.kube.informer import Informer
from kubectl_stack.kube.informers import Informers
from kubectl_stack.kube.store import ClusterState
from kubectl_stack.options import ConnectionOptions
from kubectl_stack_sim.runner import RunningSim, start_sim


def options_for(sim: RunningSim, context: str | None = None, **kw: Any) -> ConnectionOptions:
    return ConnectionOptions(kubeconfig=str(sim.kubeconfig), context=context, **kw)


async def wait_until(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    """Wait for network I/O to make ``predicate`` true (real time: HTTP is involved)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)


async def fresh_list(connection: Connection, namespace: str | None) -> ClusterState:
    """Every watched kind listed anew into an empty state (the ground truth)."""
    state = ClusterState()
    for kind in K.WATCHED:
        await Informer(connection, state, kind, namespace).list()
    return state


def differences(ours: ClusterState, truth: ClusterState) -> list[str]:
    """Object-by-object differences, for assertion messages."""
    out = []
    for kind in K.WATCHED:
        a, b = dict(ours.objects(kind.name)), dict(truth.objects(kind.name))
        out += [f"{kind.name} {k} missing" for k in b.keys() - a.keys()]
        out += [f"{kind.name} {k} should be gone" for k in a.keys() - b.keys()]
        out += [f"{kind.name} {k} differs" for k in a.keys() & b.keys() if a[k] != b[k]]
    return out


async def converge(state: ClusterState, connection: Connection, timeout: float = 15.0) -> None:
    """Wait until ``state`` equals a fresh list, object by object."""
    deadline = time.monotonic() + timeout
    while True:
        diff = differences(state, await fresh_list(connection, None))
        if not diff:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"informers did not converge: {diff[:10]}")
        await asyncio.sleep(0.05)


@pytest.fixture
def tls_sim() -> Iterator[RunningSim]:
    with start_sim(tls=True) as sim:
        populate(sim)
        yield sim


class Watching:
    def __init__(self, connection: Connection, state: ClusterState, informers: Informers):
        self.connection = connection
        self.state = state
        self.informers = informers


@pytest.fixture
async def watching(sim: RunningSim) -> AsyncIterator[Watching]:
    """Informers over every kind, all namespaces, fast back-off, already synced."""
    populate(sim)
    connection = await connect(options_for(sim))
    state = ClusterState()
    informers = Informers(connection, state, None, seed=1, backoff_initial=0.05)
    await informers.start()
    assert await informers.wait_synced(timeout=10)
    yield Watching(connection, state, informers)
    await informers.stop()
    await connection.close()
    state.close()


def throttle(sim: RunningSim, retry_after: int) -> None:
    """The next request is refused with 429 and ``Retry-After``; every watch is dropped so
    that the informers' next request is that one."""

    def refuse() -> None:
        sim.cluster.faults.fail_status = 429
        sim.cluster.faults.retry_after = retry_after
        sim.cluster.faults.fail_requests = 1
        sim.cluster.store.close_all_watches()

    sim.call(refuse)


def populate(sim: RunningSim, pods: int = 6) -> None:
    """A small stack written straight into the store: owner chain, config, a secret."""

    def write() -> None:
        store = sim.cluster.store
        labels = {"app": "shop"}
        dep = store.create(
            "deployments.apps",
            {
                "metadata": {"name": "shop", "namespace": "default", "labels": labels},
                "spec": {
                    "replicas": pods,
                    "selector": {"matchLabels": labels},
                    "template": {
                        "metadata": {"labels": labels},
                        "spec": {"containers": [{"name": "app", "image": "shop:1"}]},
                    },
                },
            },
        )
        rs = store.create(
            "replicasets.apps",
            {
                "metadata": {
                    "name": "shop-1",
                    "namespace": "default",
                    "labels": labels,
                    "ownerReferences": [
                        {
                            "kind": "Deployment",
                            "name": "shop",
                            "uid": dep["metadata"]["uid"],
                            "controller": True,
                            "apiVersion": "apps/v1",
                        }
                    ],
                },
                "spec": {"replicas": pods, "selector": {"matchLabels": labels}},
            },
        )
        for i in range(pods):
            store.create(
                "pods",
                {
                    "metadata": {
                        "name": f"shop-1-{i}",
                        "namespace": "default",
                        "labels": labels,
                        "ownerReferences": [
                            {
                                "kind": "ReplicaSet",
                                "name": "shop-1",
                                "uid": rs["metadata"]["uid"],
                                "controller": True,
                                "apiVersion": "apps/v1",
                            }
                        ],
                    },
                    "spec": {
                        "nodeName": "node-1",
                        "containers": [{"name": "app", "image": "shop:1"}],
                    },
                    "status": {
                        "phase": "Running",
                        "containerStatuses": [
                            {"name": "app", "restartCount": 0, "state": {"running": {}}}
                        ],
                    },
                },
            )
        store.create(
            "secrets",
            {
                "metadata": {"name": "shop-db", "namespace": "default"},
                "type": "Opaque",
                "data": {"password": "aHVudGVyMg=="},
            },
        )
        store.create(
            "configmaps",
            {"metadata": {"name": "shop-config", "namespace": "default"}, "data": {"a": "b"}},
        )

    sim.call(write)
