"""Informers converge to what a fresh list says, whatever happens to the connection."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import gc
import json
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


# -- WatchList (streaming lists) --------------------------------------------------------------


class _StandIn:
    """A small API server for one namespace's Deployments, answering a WatchList as
    ``mode`` says: ``stream`` (initial events, then the initial-events-end bookmark, as
    Kubernetes >= 1.34), ``refuse`` (422, as a server with the feature off), ``ignore`` (the
    initial events and no end bookmark, as a server <= 1.33 ignoring ``sendInitialEvents``).
    Lists and plain watches it answers as any server. ``requests`` logs each request's query."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.requests: list[dict[str, str]] = []
        self.items = [
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": n, "namespace": "default", "resourceVersion": str(i + 1)},
            }
            for i, n in enumerate(("web", "api"))
        ]

    def app(self) -> Any:
        from aiohttp import web

        async def version(_request: web.Request) -> web.Response:
            return web.json_response({"major": "1", "minor": "34"})

        async def deployments(request: web.Request) -> web.StreamResponse:
            query = dict(request.query)
            self.requests.append(query)
            if query.get("watch") != "1":
                return web.json_response(
                    {
                        "kind": "DeploymentList",
                        "metadata": {"resourceVersion": "10"},
                        "items": self.items,
                    }
                )
            if query.get("sendInitialEvents") == "true" and self.mode == "refuse":
                return web.json_response(
                    {
                        "kind": "Status",
                        "status": "Failure",
                        "code": 422,
                        "reason": "Invalid",
                        "message": "sendInitialEvents is forbidden for watch unless the "
                        "WatchList feature gate is enabled",
                    },
                    status=422,
                )
            response = web.StreamResponse(headers={"Content-Type": "application/json"})
            await response.prepare(request)
            lines = []
            if query.get("sendInitialEvents") == "true":
                lines = [{"type": "ADDED", "object": item} for item in self.items]
                if self.mode == "stream":
                    end = {
                        "resourceVersion": "10",
                        "annotations": {"k8s.io/initial-events-end": "true"},
                    }
                    lines.append(
                        {
                            "type": "BOOKMARK",
                            "object": {
                                "kind": "Deployment",
                                "apiVersion": "apps/v1",
                                "metadata": end,
                            },
                        }
                    )
            await response.write(b"".join(json.dumps(line).encode() + b"\n" for line in lines))
            await asyncio.sleep(30)
            return response

        app = web.Application()
        app.router.add_get("/version", version)
        app.router.add_get("/apis/apps/v1/namespaces/default/deployments", deployments)
        return app


async def _informer_on(stand_in: _StandIn, tmp_path: Path) -> tuple[Any, Any, Any, Any]:
    from aiohttp import web

    from kubectl_stack.kube.informer import Informer
    from kubectl_stack.options import ConnectionOptions

    runner = web.AppRunner(stand_in.app(), shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    config = tmp_path / "kubeconfig"
    config.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
        f"clusters: [{{name: c, cluster: {{server: 'http://127.0.0.1:{port}'}}}}]\n"
        "users: [{name: u, user: {token: t}}]\n"
        "contexts: [{name: c, context: {cluster: c, user: u, namespace: default}}]\n"
    )
    connection = await connect(ConnectionOptions(kubeconfig=str(config)))
    state = ClusterState()
    informer = Informer(connection, state, K.DEPLOYMENTS, "default", backoff_initial=0.05)
    informer.initial_events_timeout = 0.5
    task = asyncio.create_task(informer.run())
    return runner, connection, informer, task


async def _synced_over(mode: str, tmp_path: Path) -> tuple[_StandIn, Any]:
    stand_in = _StandIn(mode)
    runner, connection, informer, task = await _informer_on(stand_in, tmp_path)
    try:
        await wait_until(
            lambda: (
                informer.state.status(K.DEPLOYMENTS.name).state is SyncState.SYNCED
                and any(
                    q.get("watch") == "1" and "sendInitialEvents" not in q
                    for q in stand_in.requests
                )
                or (informer.watch_list and informer.lists == 1)
            )
        )
        names = {key[1] for key in informer.state.objects(K.DEPLOYMENTS.name)}
        assert names == {"web", "api"}
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await connection.close()
        await runner.cleanup()
    return stand_in, informer


async def test_a_watchlist_syncs_from_one_stream_without_listing(tmp_path: Path) -> None:
    stand_in, informer = await _synced_over("stream", tmp_path)
    assert informer.watch_list and informer.watch_list_fallback is None
    assert informer.resource_version == "10"
    (query,) = stand_in.requests
    assert query["sendInitialEvents"] == "true"
    assert query["resourceVersionMatch"] == "NotOlderThan"
    assert query["allowWatchBookmarks"] == "true"


def _request_kinds(stand_in: _StandIn) -> list[str]:
    """Each request: "list", "watch", or "true" (a WatchList)."""
    return [
        ("list" if q.get("watch") != "1" else q.get("sendInitialEvents", "watch"))
        for q in stand_in.requests
    ]


async def test_a_server_refusing_watchlist_is_listed_and_watched(tmp_path: Path) -> None:
    stand_in, informer = await _synced_over("refuse", tmp_path)
    assert not informer.watch_list
    assert "WatchList" in (informer.watch_list_fallback or "")
    kinds = _request_kinds(stand_in)
    assert kinds[:3] == ["true", "list", "watch"]
    assert stand_in.requests[2]["resourceVersion"] == "10"


async def test_a_server_never_ending_its_initial_events_is_listed_and_watched(
    tmp_path: Path,
) -> None:
    stand_in, informer = await _synced_over("ignore", tmp_path)
    assert not informer.watch_list
    assert "initial-events-end" in (informer.watch_list_fallback or "")
    kinds = _request_kinds(stand_in)
    assert kinds[:3] == ["true", "list", "watch"]


async def test_the_embedded_cluster_is_synced_by_watchlist(watching: Watching) -> None:
    for informer in watching.informers.informers.values():
        assert informer.watch_list, (informer.kind.name, informer.watch_list_fallback)
        assert informer.lists == 1
    await converge(watching.state, watching.connection)
