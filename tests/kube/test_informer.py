"""Informers converge to what a fresh list says, whatever happens to the connection."""

from __future__ import annotations

import asyncio
import contextvars
import gc
import weakref
from pathlib import Path
from typing import Any

from kubectl_stack.kube import kinds as K
from kubectl_stack.kube.connection import connect
from kubectl_stack.kube.informers import Informers
from kubectl_stack.kube.store import ClusterState, SyncState
from kubectl_stack_sim.runner import RunningSim, start_sim

from .conftest import Watching, converge, options_for, throttle, wait_until


def _deployment_name(sim: RunningSim) -> str:
    return str(
        sim.call(lambda: sim.cluster.store.list("deployments.apps", "default"))[0]["metadata"][
            "name"
        ]
    )


def _delete_one_pod(sim: RunningSim) -> tuple[str, str]:
    def delete() -> tuple[str, str]:
        pod = sim.cluster.store.list("pods", "default")[0]
        meta = pod["metadata"]
        sim.cluster.store.delete("pods", meta["namespace"], meta["name"])
        return meta["namespace"], meta["name"]

    return sim.call(delete)


def _touch_configmaps(sim: RunningSim) -> None:
    def touch() -> None:
        store = sim.cluster.store
        store.create(
            "configmaps",
            {"metadata": {"name": "added-while-away", "namespace": "default"}, "data": {"k": "v"}},
        )

    sim.call(touch)


async def test_informers_follow_a_rollout(
    watching: Watching, sim: RunningSim, kubectl: Any
) -> None:
    name = _deployment_name(sim)
    done = kubectl("set", "image", f"deployment/{name}", "*=example.com/new:2")
    assert done.returncode == 0, done.stderr
    for _ in range(20):
        sim.advance(5)
    await converge(watching.state, watching.connection)


async def test_informers_resume_after_dropped_watches(watching: Watching, sim: RunningSim) -> None:
    lists = {k: i.lists for k, i in watching.informers.informers.items()}
    sim.call(sim.cluster.store.close_all_watches)
    _touch_configmaps(sim)
    sim.advance(5)
    await converge(watching.state, watching.connection)
    # A clean close resumes the watch from the last version: no relist needed.
    assert {k: i.lists for k, i in watching.informers.informers.items()} == lists


async def test_expired_version_relists_and_sees_missed_deletions(
    watching: Watching, sim: RunningSim
) -> None:
    sim.stop_listener()
    sim.call(sim.cluster.store.close_all_watches)
    ns, pod = _delete_one_pod(sim)
    _touch_configmaps(sim)
    sim.call(sim.cluster.store.compact)
    sim.start_listener()
    await wait_until(lambda: watching.state.get("pods", ns, pod) is None)
    await converge(watching.state, watching.connection)
    assert watching.informers.informers["pods"].lists >= 2


async def test_server_errors_and_throttling_are_retried(
    watching: Watching, sim: RunningSim
) -> None:
    statuses: list[str] = []
    watching.state.subscribe(lambda _v: statuses.append(watching.state.connection.state))

    def fail(status: int) -> None:
        sim.cluster.faults.fail_status = status
        sim.cluster.faults.retry_after = 0
        sim.cluster.faults.fail_requests = 6
        sim.cluster.store.close_all_watches()

    for status in (500, 429):
        sim.call(fail, status)
        _delete_one_pod(sim)
        # The informers' retries use up the injected failures before the check lists.
        await wait_until(lambda: sim.call(lambda: sim.cluster.faults.fail_requests) == 0)
        await converge(watching.state, watching.connection)
    assert "retrying" in statuses
    await wait_until(lambda: watching.state.connection.state == "ok")


async def test_listener_restart_is_survived(watching: Watching, sim: RunningSim) -> None:
    sim.stop_listener()
    ns, pod = _delete_one_pod(sim)
    sim.start_listener()
    await wait_until(lambda: watching.state.get("pods", ns, pod) is None)
    await converge(watching.state, watching.connection)
    assert watching.state.connection.state == "ok"


async def test_secrets_are_kept_as_metadata_only(watching: Watching) -> None:
    secrets = watching.state.objects("secrets")
    assert secrets, "the seed scenario has secrets"
    for secret in secrets.values():
        assert "data" not in secret and "stringData" not in secret


async def test_forbidden_kind_leaves_the_rest_working(tls_sim: RunningSim) -> None:
    connection = await connect(options_for(tls_sim, "viewer"))
    state = ClusterState()
    informers = Informers(connection, state, "default", seed=1)
    try:
        await informers.start()
        assert await informers.wait_synced(timeout=10)
        assert state.forbidden == frozenset({"secrets"})
        assert state.status("pods").state is SyncState.SYNCED
        assert state.objects("pods")
    finally:
        await informers.stop()
        await connection.close()


def established_to(port: int) -> int:
    """Client sockets connected to ``port`` on this machine (from /proc/net/tcp)."""
    count = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        remote, state = fields[2], fields[3]
        if int(remote.split(":")[1], 16) == port and state == "01":
            count += 1
    return count


async def test_stopping_leaves_no_tasks_or_sockets(sim: RunningSim) -> None:
    before = asyncio.all_tasks()
    connection = await connect(options_for(sim))
    state = ClusterState()
    informers = Informers(connection, state, "default")
    await informers.start()
    assert await informers.wait_synced(timeout=10)
    informers.want_metrics(True)
    assert established_to(sim.port) > 0
    await informers.stop()
    await connection.close()
    assert asyncio.all_tasks() == before
    assert connection.closed
    await wait_until(lambda: established_to(sim.port) == 0)


async def test_pod_metrics_are_polled_only_while_wanted(watching: Watching) -> None:
    watching.informers.want_metrics(True)
    await wait_until(lambda: watching.state.status(K.POD_METRICS.name).state is SyncState.SYNCED)
    assert watching.state.objects(K.POD_METRICS.name)
    watching.informers.want_metrics(False)
    await wait_until(
        lambda: not [t for t in asyncio.all_tasks() if t.get_name() == "informer:podmetrics"]
    )


async def test_retry_after_from_the_server_sets_the_wait(
    watching: Watching, sim: RunningSim
) -> None:
    throttle(sim, 2)
    await wait_until(lambda: watching.state.connection.state == "retrying")
    status = watching.state.connection
    assert "TooManyRequests" in status.reason
    retry_in = status.retry_in()
    assert retry_in is not None and 1.0 < retry_in <= 2.0
    await wait_until(lambda: watching.state.connection.state == "ok", timeout=10)


async def test_kind_forbidden_across_namespaces_is_tried_in_the_context_namespace(
    tls_sim: RunningSim,
) -> None:
    connection = await connect(options_for(tls_sim, "viewer"))
    state = ClusterState()
    informers = Informers(connection, state, None, seed=1)
    try:
        await informers.start()
        assert await informers.wait_synced(timeout=10)
        assert informers.informers["secrets"].namespace == "default"
        assert state.forbidden == frozenset({"secrets"})
        assert informers.informers["pods"].namespace is None
    finally:
        await informers.stop()
        await connection.close()


async def test_pod_metrics_are_polled_in_the_shown_namespace_and_forgotten_after() -> None:
    with start_sim("large", namespaces=2, deployments=2, pods=4) as sim:
        connection = await connect(options_for(sim))
        state = ClusterState()
        informers = Informers(connection, state, None)
        try:
            await informers.start()
            assert await informers.wait_synced(timeout=10)
            pods = state.objects(K.PODS.name)
            namespaces = sorted({ns for ns, _name in pods})
            assert len(namespaces) == 2

            def polled() -> set[str]:
                return {ns for ns, _name in state.objects(K.POD_METRICS.name)}

            informers.want_metrics(True, namespaces[1])
            await wait_until(lambda: polled() == {namespaces[1]})
            informers.want_metrics(True, namespaces[0])
            await wait_until(lambda: polled() == {namespaces[0]})
            informers.want_metrics(False)
            assert not state.objects(K.POD_METRICS.name)
        finally:
            await informers.stop()
            await connection.close()


async def test_the_metrics_poller_does_not_keep_its_callers_context_alive(
    watching: Watching,
) -> None:
    # Textual runs a screen's handlers with the screen in a context variable; a poller task
    # (and the pooled sockets it opens) must not hold that context once the screen is gone.
    class Screen:
        pass

    current: contextvars.ContextVar[object] = contextvars.ContextVar("current")

    def on_mount(screen: Screen) -> weakref.ref[Screen]:
        current.set(screen)
        watching.informers.want_metrics(True)
        return weakref.ref(screen)

    gone = contextvars.copy_context().run(on_mount, Screen())
    await wait_until(lambda: watching.state.status(K.POD_METRICS.name).state is SyncState.SYNCED)
    watching.informers.want_metrics(False)
    await asyncio.sleep(0)
    gc.collect()
    assert gone() is None
