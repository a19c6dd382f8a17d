"""Watch streams: initial state, resumes, 410 after compaction, bookmarks, filtered views,
and the faults a client must survive (dropped watches, listener restarts)."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
import urllib.request
from typing import Any

from kubectl_stack_sim.runner import RunningSim, start_sim

CMS = "/api/v1/namespaces/default/configmaps"


def _cm(name: str, **labels: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "labels": labels}}


def test_watch_without_version_starts_with_the_current_objects(api: Any) -> None:
    status, _, raw = api.request(f"{CMS}?watch=1&timeoutSeconds=0.2")
    assert status == 200
    events = api.events(raw)
    assert {(e["type"], e["object"]["metadata"]["name"]) for e in events} == {
        ("ADDED", "app-config"),
        ("ADDED", "kube-root-ca.crt"),
    }


def test_watch_from_a_version_replays_changes_and_deleted_carries_last_state(api: Any) -> None:
    _, listed = api.json(CMS)
    rv = listed["metadata"]["resourceVersion"]
    api.request(CMS, method="POST", body=_cm("one"))
    api.request(
        f"{CMS}/one",
        method="PATCH",
        body={"data": {"k": "v"}},
        content_type="application/merge-patch+json",
    )
    api.request(f"{CMS}/one", method="DELETE")
    _, _, raw = api.request(f"{CMS}?watch=true&resourceVersion={rv}&timeoutSeconds=0.2")
    events = api.events(raw)
    assert [e["type"] for e in events] == ["ADDED", "MODIFIED", "DELETED"]
    assert events[2]["object"]["data"] == {"k": "v"}
    versions = [int(e["object"]["metadata"]["resourceVersion"]) for e in events]
    assert versions == sorted(versions) and versions[0] > int(rv)


def test_too_old_version_gets_an_expired_error_event(sim: RunningSim, api: Any) -> None:
    _, listed = api.json(CMS)
    api.request(CMS, method="POST", body=_cm("two"))
    sim.call(sim.cluster.store.compact)
    status, _, raw = api.request(
        f"{CMS}?watch=1&resourceVersion={listed['metadata']['resourceVersion']}"
    )
    assert status == 200
    (event,) = api.events(raw)
    assert event["type"] == "ERROR"
    assert event["object"]["kind"] == "Status"
    assert (event["object"]["code"], event["object"]["reason"]) == (410, "Expired")


def test_label_filtered_watch_sees_an_object_leave_as_deleted(api: Any) -> None:
    _, listed = api.json(CMS)
    rv = listed["metadata"]["resourceVersion"]
    api.request(CMS, method="POST", body=_cm("tagged", team="a"))
    api.request(
        f"{CMS}/tagged",
        method="PATCH",
        body={"metadata": {"labels": {"team": "b"}}},
        content_type="application/merge-patch+json",
    )
    _, _, raw = api.request(
        f"{CMS}?watch=1&resourceVersion={rv}&labelSelector=team%3Da&timeoutSeconds=0.2"
    )
    assert [e["type"] for e in api.events(raw)] == ["ADDED", "DELETED"]


def test_bookmarks_carry_only_the_resource_version() -> None:
    with start_sim("empty", bookmark_interval=0.05) as sim:
        req = urllib.request.Request(
            f"{sim.url}{CMS}?watch=1&allowWatchBookmarks=true&resourceVersion=1&timeoutSeconds=0.2"
        )
        with urllib.request.urlopen(req, timeout=5) as resp:
            events = [json.loads(line) for line in resp.read().splitlines() if line.strip()]
    bookmarks = [e for e in events if e["type"] == "BOOKMARK"]
    assert bookmarks
    assert set(bookmarks[0]["object"]) == {"kind", "apiVersion", "metadata"}
    assert set(bookmarks[0]["object"]["metadata"]) == {"resourceVersion"}


def test_send_initial_events_ends_with_an_annotated_bookmark(api: Any) -> None:
    _, _, raw = api.request(
        f"{CMS}?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=0.2"
    )
    events = api.events(raw)
    marker = next(e for e in events if e["type"] == "BOOKMARK")
    assert marker["object"]["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}
    assert events.index(marker) == 2


def test_table_watch_sends_columns_once(api: Any) -> None:
    _, _, raw = api.request(
        f"{CMS}?watch=1&timeoutSeconds=0.2",
        headers={"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io"},
    )
    first, second = api.events(raw)
    assert first["object"]["kind"] == "Table" and first["object"]["columnDefinitions"]
    assert second["object"]["columnDefinitions"] == []
    assert second["object"]["rows"][0]["cells"][0] == "kube-root-ca.crt"


def test_dropped_watches_end_cleanly(sim: RunningSim) -> None:
    received: list[bytes] = []

    def watch() -> None:
        url = f"{sim.url}{CMS}?watch=1&timeoutSeconds=30"
        with urllib.request.urlopen(url, timeout=10) as resp:
            received.append(resp.read())

    thread = threading.Thread(target=watch)
    thread.start()
    deadline = time.monotonic() + 5
    while sim.call(lambda: len(sim.cluster.store.watchers())) == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert sim.call(sim.cluster.store.close_all_watches) == 1
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert len(received[0].splitlines()) == 2  # the two synthetic ADDED events, then the end


def test_listener_stops_and_comes_back_on_the_same_port(sim: RunningSim, api: Any) -> None:
    port = sim.port
    sim.stop_listener()
    try:
        urllib.request.urlopen(f"{sim.url}/version", timeout=2)
        raise AssertionError("the listener should be down")
    except OSError:
        pass
    sim.start_listener()
    assert sim.port == port
    status, body = api.json("/version")
    assert (status, body["gitVersion"]) == (200, "v1.37.0")


def test_injected_failures_and_delays(sim: RunningSim, api: Any) -> None:
    faults = sim.cluster.faults
    sim.call(setattr, faults, "fail_status", 429)
    sim.call(setattr, faults, "fail_requests", 2)
    status, headers, _ = api.request(CMS)
    assert (status, headers.get("Retry-After")) == (429, "1")
    assert api.request(CMS)[0] == 429
    assert api.request(CMS)[0] == 200
    sim.call(setattr, faults, "fail_status", 500)
    sim.call(setattr, faults, "fail_requests", 1)
    status, body = api.json(CMS)
    assert (status, body["reason"]) == (500, "InternalError")
    sim.call(setattr, faults, "delay_seconds", 0.3)
    started = time.monotonic()
    assert api.request(CMS)[0] == 200
    assert time.monotonic() - started >= 0.3


def test_a_client_hanging_up_releases_its_watch(sim: RunningSim) -> None:
    conn = socket.create_connection(("127.0.0.1", sim.port))
    conn.sendall(f"GET {CMS}?watch=1 HTTP/1.1\r\nHost: sim\r\n\r\n".encode())

    def watchers() -> int:
        return sim.call(lambda: len(sim.cluster.store.watchers()))

    deadline = time.monotonic() + 5
    while watchers() == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert watchers() == 1
    conn.close()
    while watchers() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert watchers() == 0


def test_stopping_the_listener_drops_kept_alive_connections(sim: RunningSim) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", sim.port, timeout=5)
    conn.request("GET", "/version")
    assert conn.getresponse().read()
    sim.stop_listener()
    try:
        conn.request("GET", "/version")
        conn.getresponse().read()
        raise AssertionError("the kept-alive connection should be gone")
    except (OSError, http.client.HTTPException):
        pass
    finally:
        conn.close()
        sim.start_listener()


def _too_large(wanted: int, current: int) -> dict[str, Any]:
    """kube-apiserver's Status for a read ahead of its history (NewTooLargeResourceVersionError
    in k8s.io/apiserver/pkg/storage), keys in the order it writes them."""
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": f"Timeout: Too large resource version: {wanted}, current: {current}",
        "reason": "Timeout",
        "details": {
            "causes": [
                {"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}
            ],
            "retryAfterSeconds": 1,
        },
        "code": 504,
    }


def test_a_watch_from_a_version_not_reached_yet_stays_silent_as_the_watch_cache_does() -> None:
    # A client resuming after the cluster's state was reset: nothing at or below its version
    # is delivered, not even a bookmark going back, until the history passes it.
    with start_sim("empty", bookmark_interval=0.05) as sim:
        ahead = sim.call(lambda: sim.cluster.store.resource_version) + 100
        received: list[bytes] = []

        def watch() -> None:
            url = (
                f"{sim.url}{CMS}?watch=1&allowWatchBookmarks=true&resourceVersion={ahead}"
                "&timeoutSeconds=0.6"
            )
            with urllib.request.urlopen(url, timeout=5) as resp:
                received.append(resp.read())

        thread = threading.Thread(target=watch)
        thread.start()
        time.sleep(0.2)
        late = {"metadata": {"name": "late", "namespace": "default"}, "data": {}}
        sim.call(sim.cluster.store.create, "configmaps", late)
        thread.join(timeout=5)
        assert received == [b""]


def test_a_watch_list_from_a_version_not_reached_yet_ends_with_504_too_large(api: Any) -> None:
    _, listed = api.json(CMS)
    current = int(listed["metadata"]["resourceVersion"])
    started = time.monotonic()
    status, _, raw = api.request(
        f"{CMS}?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan"
        f"&allowWatchBookmarks=true&resourceVersion={current + 100}"
    )
    # The watch cache waits up to 3 s for its history to catch up, then gives up in-stream.
    assert time.monotonic() - started >= 3.0
    assert status == 200
    assert api.events(raw) == [{"type": "ERROR", "object": _too_large(current + 100, current)}]
    assert list(json.loads(raw)["object"]) == list(_too_large(0, 0))


def test_a_list_at_a_version_not_reached_yet_is_504_too_large_as_kubectl_prints_it(
    api: Any, kubectl: Any
) -> None:
    _, listed = api.json(CMS)
    current = int(listed["metadata"]["resourceVersion"])
    path = f"{CMS}?resourceVersion={current + 100}&resourceVersionMatch=NotOlderThan"
    status, headers, raw = api.request(path)
    assert (status, headers.get("Retry-After")) == (504, "1")
    assert json.loads(raw) == _too_large(current + 100, current)
    # kubectl honours Retry-After (ten tries), then prints the server's words.
    done = kubectl("get", "--raw", path)
    assert done.returncode == 1
    assert done.stderr.strip() == (
        f"Error from server (Timeout): Timeout: Too large resource version: {current + 100}, "
        f"current: {current}"
    )


def test_history_is_compacted_every_five_minutes_as_the_api_servers_compactor_does() -> None:
    # kube-apiserver compacts etcd every --etcd-compaction-interval (5m) to the revision it saw
    # one interval before: a resume finds 5-10 minutes of history, and the history does not
    # grow with hours of churn.
    import pytest

    from kubectl_stack_sim.clock import Clock
    from kubectl_stack_sim.store import COMPACTION_INTERVAL, Expired, Store

    clock = Clock(start=1_000_000.0, manual=True)
    store = Store(clock)

    def touch(name: str) -> int:
        store.create("configmaps", {"metadata": {"name": name, "namespace": "default"}})
        return store.resource_version

    first = touch("a")
    clock.advance(COMPACTION_INTERVAL)
    recorded = touch("b")  # the compactor records this revision
    clock.advance(COMPACTION_INTERVAL)
    touch("c")  # ...and compacts to it one interval later
    with pytest.raises(Expired):
        store.watch("configmaps", None, first)
    resumed = store.watch("configmaps", None, recorded)
    names = []
    while not resumed.events.empty():
        event = resumed.events.get_nowait()
        assert event is not None
        names.append(event.obj["metadata"]["name"])
    assert names == ["c"]
    for i in range(50):
        clock.advance(COMPACTION_INTERVAL / 5)
        touch(f"x{i}")
    # Five changes an interval: at most the last two intervals' worth are kept.
    assert store.resource_version - store.compacted_resource_version <= 10
