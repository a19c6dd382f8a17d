"""WatchList (``sendInitialEvents``) as a 1.34+ API server answers it, and the 422s its
ListOptions validation gives for combinations it refuses."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest

CMS = "/api/v1/namespaces/default/configmaps"
WATCH_LIST = "watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan"


def _cm(name: str, **labels: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "labels": labels}}


def test_watch_list_streams_the_state_then_the_end_bookmark_then_changes(api: Any) -> None:
    api.request(CMS, method="POST", body=_cm("a", team="x"))
    api.request(CMS, method="POST", body=_cm("b", team="y"))
    _, listed = api.json(CMS)

    def change_soon() -> None:
        time.sleep(0.3)
        api.request(
            f"{CMS}/a",
            method="PATCH",
            body={"data": {"k": "v"}},
            content_type="application/merge-patch+json",
        )

    changer = threading.Thread(target=change_soon)
    changer.start()
    _, _, raw = api.request(
        f"{CMS}?{WATCH_LIST}&allowWatchBookmarks=true&labelSelector=team%3Dx&timeoutSeconds=1"
    )
    changer.join()
    events = api.events(raw)
    assert [(e["type"], e["object"]["metadata"].get("name")) for e in events] == [
        ("ADDED", "a"),
        ("BOOKMARK", None),
        ("MODIFIED", "a"),
    ]
    end = events[1]["object"]
    assert end == {
        "kind": "ConfigMap",
        "apiVersion": "v1",
        "metadata": {
            "resourceVersion": listed["metadata"]["resourceVersion"],
            "annotations": {"k8s.io/initial-events-end": "true"},
        },
    }


def test_the_end_bookmark_needs_allow_watch_bookmarks(api: Any) -> None:
    _, _, raw = api.request(f"{CMS}?{WATCH_LIST}&timeoutSeconds=0.2")
    assert {e["type"] for e in api.events(raw)} == {"ADDED"}


def test_send_initial_events_false_starts_at_the_newest_version_without_them(api: Any) -> None:
    _, _, raw = api.request(
        f"{CMS}?watch=1&sendInitialEvents=false&resourceVersionMatch=NotOlderThan"
        "&allowWatchBookmarks=true&timeoutSeconds=0.2"
    )
    assert [e for e in api.events(raw) if e["type"] != "BOOKMARK"] == []


INVALID = 'ListOptions.meta.k8s.io "" is invalid: '
FORBIDDEN_MATCH = (
    "resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch "
    "to NotOlderThan"
)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("watch=1&sendInitialEvents=true", INVALID + FORBIDDEN_MATCH),
        (
            "watch=1&resourceVersionMatch=Exact&resourceVersion=5",
            INVALID + "[resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for "
            "watch unless sendInitialEvents is provided, resourceVersionMatch: Unsupported value: "
            '"Exact": supported values: "NotOlderThan"]',
        ),
        (
            "sendInitialEvents=true",
            INVALID + "sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list",
        ),
        (
            "resourceVersionMatch=NotOlderThan",
            INVALID + "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless "
            "resourceVersion is provided",
        ),
        (
            "resourceVersionMatch=Exact&resourceVersion=0",
            INVALID + 'resourceVersionMatch: Forbidden: resourceVersionMatch "exact" is forbidden '
            'for resourceVersion "0"',
        ),
    ],
)
def test_refused_list_options_are_422_invalid(api: Any, query: str, message: str) -> None:
    code, body = api.json(f"{CMS}?{query}")
    assert code == 422
    assert (body["reason"], body["message"]) == ("Invalid", message)
    assert body["details"]["group"] == "meta.k8s.io" and body["details"]["kind"] == "ListOptions"
    assert "name" not in body["details"]


def test_a_bad_boolean_is_a_400(api: Any) -> None:
    code, body = api.json(f"{CMS}?watch=1&sendInitialEvents=yes&resourceVersionMatch=NotOlderThan")
    assert code == 400
    assert body["message"] == 'strconv.ParseBool: parsing "yes": invalid syntax'


def test_a_big_initial_state_is_streamed_as_it_was_when_the_watch_began(api: Any) -> None:
    """More initial events than one write holds (the sim sends them in chunks, waiting for
    the client to read): a change made while the client is still reading them comes after
    the end bookmark, and the initial events show every object as it was."""
    from http.client import HTTPConnection
    from urllib.parse import urlsplit

    from kubectl_stack_sim.api.watch import INITIAL_CHUNK

    count = 3 * INITIAL_CHUNK + 7
    padding = "x" * 20_000  # ~12 MB in all: more than the socket's buffers hold

    def create() -> None:
        store = api.sim.cluster.store
        for i in range(count):
            store.create(
                "configmaps",
                {
                    "metadata": {"name": f"big-{i:04d}", "namespace": "default"},
                    "data": {"p": padding},
                },
            )

    api.sim.call(create)
    url = urlsplit(api.sim.url)
    conn = HTTPConnection(url.hostname, url.port, timeout=30)
    conn.request("GET", f"{CMS}?{WATCH_LIST}&allowWatchBookmarks=true&timeoutSeconds=3")
    response = conn.getresponse()
    first = json.loads(response.readline())
    api.sim.call(
        lambda: api.sim.cluster.store.mutate(
            "configmaps", "default", f"big-{count - 1:04d}", lambda o: o["data"].update(p="new")
        )
    )
    events = [first, *api.events(response.read())]
    conn.close()
    names = [e["object"]["metadata"].get("name") for e in events]
    big = [n for n in names if n and n.startswith("big-")]
    assert big[:count] == [f"big-{i:04d}" for i in range(count)]
    end = names.index(None)
    assert all(e["type"] == "ADDED" for e in events[:end])
    assert all(
        e["object"]["data"]["p"] == padding
        for e in events[:end]
        if "p" in e["object"].get("data", {})
    )
    assert events[end]["type"] == "BOOKMARK"
    after = [
        (e["type"], e["object"]["metadata"]["name"])
        for e in events[end + 1 :]
        if e["type"] != "BOOKMARK"
    ]
    assert after == [("MODIFIED", f"big-{count - 1:04d}")]
