"""Faults that used to leave the app saying "live" about a cluster that had moved on: a hung
server or network, a server whose state was reset, a huge Retry-After. Everything goes over
HTTP to the embedded cluster (through a TCP proxy the test can pause)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from subprocess import PIPE

import pytest
from proxy import PausableProxy

from kubectl_stack.kube import kinds as K
from kubectl_stack.kube.connection import Connection, connect
from kubectl_stack.kube.informer import RETRY_AFTER_CAP, STALE_AFTER, Liveness
from kubectl_stack.kube.informers import Informers
from kubectl_stack.kube.store import ClusterState
from kubectl_stack.options import ConnectionOptions
from kubectl_stack_sim.runner import RunningSim, start_sim

from .conftest import Watching, converge, options_for, throttle, wait_until

# The sim sends a bookmark every BOOKMARKS seconds; the app expects one within INTERVAL.
BOOKMARKS = 0.2
INTERVAL = 0.5


def _set_image(sim: RunningSim, image: str) -> None:
    def change() -> None:
        def set_image(obj: dict[str, object]) -> None:
            obj["spec"]["template"]["spec"]["containers"][0]["image"] = image  # type: ignore[index]

        sim.cluster.store.mutate("deployments.apps", "default", "my-app", set_image)

    sim.call(change)


def _hung(reason: str) -> bool:
    """The reason a hung server is reported with: the liveness probe's, or kubectl's words
    for a request that got no answer (whichever request noticed first)."""
    return "no answer from the server" in reason or "Client.Timeout exceeded" in reason


def _image(state: ClusterState) -> str:
    dep = state.get(K.DEPLOYMENTS.name, "default", "my-app")
    assert dep is not None
    return str(dep["spec"]["template"]["spec"]["containers"][0]["image"])


async def _watch(connection: Connection, **kw: float) -> tuple[ClusterState, Informers]:
    state = ClusterState()
    informers = Informers(connection, state, None, seed=1, backoff_initial=0.05, **kw)
    await informers.start()
    assert await informers.wait_synced(timeout=20)
    return state, informers


@pytest.fixture
def quick_sim() -> AsyncIterator[RunningSim]:
    with start_sim("seed", bookmark_interval=BOOKMARKS) as sim:
        yield sim


async def test_a_hung_network_makes_every_kind_stale_within_three_intervals(
    quick_sim: RunningSim,
) -> None:
    proxy = PausableProxy(quick_sim.port)
    await proxy.start()
    connection = await connect(options_for(quick_sim, server=proxy.url))
    direct = await connect(options_for(quick_sim))
    state, informers = await _watch(connection, bookmark_interval=INTERVAL)
    try:
        await wait_until(lambda: state.connection.state == "ok")
        before = _image(state)
        proxy.pause()
        paused_at, paused_wall = time.monotonic(), time.time()
        _set_image(quick_sim, "my-app:changed-while-hung")
        await wait_until(lambda: state.connection.state == "retrying", timeout=30)
        noticed = time.monotonic() - paused_at
        # Three intervals of silence, plus the loaded machine's slack.
        assert noticed <= informers.liveness.stale_after + 1.5, noticed
        # By default that is half a minute.
        assert Liveness(connection).stale_after == STALE_AFTER == 30.0
        status = state.connection
        assert _hung(status.reason), status.reason
        # The state shown is dated from before the network hung, and it is the old one.
        assert status.last_good is not None and status.last_good <= paused_wall + 0.1
        assert _image(state) == before
        proxy.resume()
        await wait_until(lambda: state.connection.state == "ok", timeout=30)
        await wait_until(lambda: _image(state) == "my-app:changed-while-hung")
        await converge(state, direct)
    finally:
        await informers.stop()
        await connection.close()
        await direct.close()
        await proxy.stop()
        state.close()


async def test_one_dead_watch_is_reopened_within_three_bookmark_gaps(
    quick_sim: RunningSim,
) -> None:
    proxy = PausableProxy(quick_sim.port)
    await proxy.start()
    connection = await connect(options_for(quick_sim, server=proxy.url))
    state, informers = await _watch(connection, bookmark_interval=INTERVAL)
    deployments = informers.informers[K.DEPLOYMENTS.name]
    try:
        await wait_until(lambda: deployments.bookmark_gap is not None)
        # The deployments watch's socket dies (its next one); every other one goes on.
        proxy.freeze_next(b"/deployments?watch=1")
        quick_sim.call(quick_sim.cluster.store.close_all_watches)
        await wait_until(lambda: proxy.frozen == 1)
        _set_image(quick_sim, "my-app:changed-on-a-dead-socket")
        await wait_until(lambda: _image(state) == "my-app:changed-on-a-dead-socket", timeout=10)
        assert deployments.silences == 1
        assert state.connection.state == "ok"
    finally:
        await informers.stop()
        await connection.close()
        await proxy.stop()
        state.close()


async def test_a_quiet_but_answering_server_stays_live() -> None:
    # Bookmarks far apart (a real kube-apiserver sends one a minute): silence alone is not
    # trouble while the server answers the probe.
    with start_sim("seed", bookmark_interval=60.0) as sim:
        connection = await connect(options_for(sim))
        state, informers = await _watch(connection, bookmark_interval=0.3)
        statuses: list[str] = []
        state.subscribe(lambda _v: statuses.append(state.connection.state))
        try:
            await asyncio.sleep(3.0)
            assert "retrying" not in statuses
            assert state.connection.state == "ok"
        finally:
            await informers.stop()
            await connection.close()
            state.close()


async def test_a_stopped_server_process_is_stale_within_three_intervals_then_live(
    tmp_path: Path,
) -> None:
    # The API server frozen (SIGSTOP): the kernel still accepts connections, nothing answers.
    kubeconfig = tmp_path / "kubeconfig"
    serve = "from kubectl_stack_sim.main import main; raise SystemExit(main())"
    server = await asyncio.create_subprocess_exec(
        sys.executable, "-c", serve, "--kubeconfig-out", str(kubeconfig), stdout=PIPE
    )
    try:
        assert server.stdout is not None
        line = await asyncio.wait_for(server.stdout.readline(), 60)
        assert line.startswith(b"KUBECONFIG="), line
        connection = await connect(ConnectionOptions(kubeconfig=str(kubeconfig)))
        state, informers = await _watch(connection, bookmark_interval=INTERVAL)
        try:
            await wait_until(lambda: state.connection.state == "ok")
            os.kill(server.pid, signal.SIGSTOP)
            stopped_at = time.monotonic()
            await wait_until(lambda: state.connection.state == "retrying", timeout=30)
            assert time.monotonic() - stopped_at <= informers.liveness.stale_after + 1.5
            assert _hung(state.connection.reason), state.connection.reason
            os.kill(server.pid, signal.SIGCONT)
            await wait_until(lambda: state.connection.state == "ok", timeout=30)
            await converge(state, connection)
        finally:
            await informers.stop()
            await connection.close()
            state.close()
    finally:
        os.kill(server.pid, signal.SIGCONT)
        server.terminate()
        await asyncio.wait_for(server.wait(), 10)


def _churn(sim: RunningSim, times: int) -> None:
    """Writes that move the server's resourceVersion on (an older, longer history)."""

    def write() -> None:
        for i in range(times):
            sim.cluster.store.create(
                "configmaps",
                {"metadata": {"name": f"churn-{i}", "namespace": "default"}, "data": {}},
            )

    sim.call(write)


async def test_a_server_restarted_with_a_new_history_is_listed_again() -> None:
    old = start_sim("seed", bookmark_interval=BOOKMARKS)
    port = old.port
    new: RunningSim | None = None
    connection = await connect(options_for(old))
    try:
        state, informers = await _watch(connection)
        _churn(old, 50)
        churned = old.call(lambda: old.cluster.store.resource_version)
        # Every kind has heard of the newest version (a bookmark, if nothing else).
        await wait_until(
            lambda: all(
                int(i.resource_version or 0) >= churned for i in informers.informers.values()
            )
        )
        seen = informers.informers[K.PODS.name].resource_version
        lists = informers.informers[K.PODS.name].lists
        old.stop()
        # The same cluster recreated on the same address: a shorter history, other objects.
        new = start_sim("seed", port=port, bookmark_interval=BOOKMARKS)
        _set_image(new, "my-app:after-the-reset")
        assert int(seen or 0) > new.call(lambda: new.cluster.store.resource_version)
        await wait_until(lambda: _image(state) == "my-app:after-the-reset", timeout=30)
        await converge(state, connection)
        pods = informers.informers[K.PODS.name]
        assert pods.resets >= 1 and pods.lists > lists
        assert ("default", "churn-0") not in state.objects(K.CONFIGMAPS.name)
        await wait_until(lambda: state.connection.state == "ok")
        await informers.stop()
        state.close()
    finally:
        await connection.close()
        old.stop()
        if new is not None:
            new.stop()


async def test_a_reset_answered_with_504_too_large_is_listed_again_not_retried(
    watching: Watching, sim: RunningSim
) -> None:
    pods = watching.informers.informers[K.PODS.name]
    # The server's history was reset under a live watch: its versions are now far below
    # ours, and it says so with kube-apiserver's 504 ResourceVersionTooLarge (Retry-After: 1)
    # when the informer checks before resuming.
    pods.resource_version = str(sim.call(lambda: sim.cluster.store.resource_version) + 10_000)
    lists = pods.lists
    sim.call(sim.cluster.store.close_all_watches)
    await wait_until(lambda: pods.lists > lists)
    assert pods.resets >= 1
    await converge(watching.state, watching.connection)


async def test_a_huge_retry_after_is_capped_and_reconnect_cuts_it_short(
    watching: Watching, sim: RunningSim
) -> None:
    throttle(sim, 3600)
    state = watching.state
    await wait_until(lambda: state.connection.state == "retrying")
    retry_in = state.connection.retry_in()
    assert retry_in is not None and 50 < retry_in <= RETRY_AFTER_CAP
    watching.informers.reconnect()
    await wait_until(lambda: state.connection.state == "ok", timeout=10)
    await converge(state, watching.connection)


async def test_the_lists_go_out_while_discovery_is_unanswered(quick_sim: RunningSim) -> None:
    """Start-up (issue 16): the kinds that need no discovery are listed at once; the HPA's
    version and the optional kinds are asked for meanwhile, not before."""
    proxy = PausableProxy(quick_sim.port)
    await proxy.start()
    connection = await connect(options_for(quick_sim, server=proxy.url))
    state = ClusterState()
    informers = Informers(connection, state, None, seed=1)
    proxy.pause()  # nothing is answered, discovery included
    starting = asyncio.ensure_future(informers.start())
    try:

        def asked(request: bytes) -> bool:
            return any(line.startswith(request) for line in proxy.asked)

        await wait_until(lambda: asked(b"GET /api/v1/pods?") and asked(b"GET /apis/autoscaling "))
        assert not starting.done()  # still waiting for discovery's answers
        proxy.resume()
        await starting
        assert await informers.wait_synced(timeout=20)
        assert K.HPAS.name in informers.informers
    finally:
        starting.cancel()
        await informers.stop()
        await connection.close()
        await proxy.stop()
        state.close()
