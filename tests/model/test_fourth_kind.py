"""Adding a workload kind touches the registry and one module (tests/fakeset.py): the stacks
list, the stack graph and the undo plan take it without a change elsewhere."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import fakeset
import pytest

from kubectl_stack.model import workloads
from kubectl_stack.model.ref import WorkloadRef
from kubectl_stack.model.stack import Summarizer, stack, summarize
from kubectl_stack.model.workloads.base import COMPLETE, PROGRESSING

from .factories import NOW, stamp, template

UID = "0f0f0f0f-0000-4000-8000-000000000001"


@pytest.fixture(name="registered")
def _registered() -> Iterator[None]:
    with fakeset.registered():
        yield


def _fakeset(ready: int, image: str = "my-app:2") -> dict[str, Any]:
    return {
        "metadata": {
            "name": "cache",
            "namespace": "shop",
            "uid": UID,
            "creationTimestamp": stamp(300),
        },
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "my-app"}},
            "template": template(image),
        },
        "status": {"replicas": 2, "readyReplicas": ready, "updatedReplicas": 2},
    }


def _revision(number: int, image: str) -> dict[str, Any]:
    data_template = {**template(image), "$patch": "replace"}
    return {
        "metadata": {
            "name": f"cache-{number}",
            "namespace": "shop",
            "labels": {"app": "my-app"},
            "ownerReferences": [{"uid": UID, "controller": True, "kind": "FakeSet"}],
        },
        "revision": number,
        "data": {"spec": {"template": data_template}},
    }


def _pod(name: str) -> dict[str, Any]:
    return {
        "metadata": {
            "name": name,
            "namespace": "shop",
            "uid": f"uid-{name}",
            "labels": {"app": "my-app"},
            "ownerReferences": [{"uid": UID, "controller": True, "kind": "FakeSet"}],
            "creationTimestamp": stamp(200),
        },
        "spec": template()["spec"],
        "status": {"phase": "Pending"},
    }


@pytest.mark.usefixtures("registered")
def test_a_registered_kind_is_listed_built_and_undone_like_the_others() -> None:
    snapshot = {"fakesets": [_fakeset(ready=1)], "pods": [_pod("cache-0"), _pod("cache-1")]}
    (row,) = summarize(snapshot, NOW)
    assert (row.kind, row.display_name, row.ready) == ("FakeSet", "fks/cache", "1/2")
    assert (row.rollout_state, row.rollout_label) == (PROGRESSING, "Waiting 2/2 updated")
    assert sum(row.pod_counts.values()) == 2

    done = summarize({"fakesets": [_fakeset(ready=2)]}, NOW)[0]
    assert done.rollout_state == COMPLETE

    snapshot["controllerrevisions"] = [_revision(1, "my-app:1"), _revision(2, "my-app:2")]
    graph = stack(snapshot, WorkloadRef("FakeSet", "shop", "cache"), NOW)
    assert graph is not None
    assert graph.status.message == "Waiting for 1 fakes to be ready..."
    assert [p.name for p in graph.pods] == ["cache-0", "cache-1"]
    assert [(r.revision, r.current) for r in graph.revisions] == [(1, False), (2, True)]

    plan = workloads.for_kind("FakeSet").undo_plan(
        _fakeset(ready=2), snapshot["controllerrevisions"], 0
    )
    assert plan.ok and plan.to_revision == 1
    assert plan.content_type == "application/strategic-merge-patch+json"
    assert plan.body()["spec"]["template"]["spec"]["containers"][0]["image"] == "my-app:1"


@pytest.mark.usefixtures("registered")
def test_the_incremental_summary_follows_a_registered_kind() -> None:
    summarizer = Summarizer()
    first = summarizer({"fakesets": {"shop/cache": _fakeset(ready=1)}}, NOW)
    assert [r.ready for r in first] == ["1/2"]
    again = summarizer({"fakesets": {"shop/cache": _fakeset(ready=2)}}, NOW)
    assert [(r.ready, r.rollout_state) for r in again] == [("2/2", COMPLETE)]


def test_an_unregistered_kind_is_not_a_workload() -> None:
    assert "FakeSet" not in workloads.REGISTRY
    assert summarize({"fakesets": [_fakeset(ready=1)]}, NOW) == ()
    with pytest.raises(KeyError):
        workloads.for_kind("FakeSet")


def _ready(pod: dict[str, Any]) -> dict[str, Any]:
    return {
        **pod,
        "status": {
            "phase": "Running",
            "conditions": [{"type": "Ready", "status": "True"}],
            "containerStatuses": [{"name": "app", "ready": True, "restartCount": 0}],
        },
    }


@pytest.mark.usefixtures("registered")
def test_the_incremental_summary_follows_a_registered_kind_s_pods_and_its_detail() -> None:
    """The same incremental path as a Deployment's: a change to one of its pods alone
    (found by the pod's owner) moves its row; its stack comes from the kept indexes."""
    pods = {("shop", f"cache-{i}"): _pod(f"cache-{i}") for i in (0, 1)}
    snapshot = {"fakesets": {("shop", "cache"): _fakeset(ready=1)}, "pods": pods}
    summarizer = Summarizer()
    (first,) = summarizer(snapshot, NOW)
    assert first.pods_text == "◐2"
    pods = {**pods, ("shop", "cache-0"): _ready(pods[("shop", "cache-0")])}
    changed = {**snapshot, "pods": pods}
    (again,) = summarizer(changed, NOW, {"pods": [("shop", "cache-0")]})
    assert again.pods_text == "✓1 ◐1"
    assert (again,) == summarize(changed, NOW)
    ref = WorkloadRef("FakeSet", "shop", "cache")
    assert summarizer.stack(changed, ref, NOW) == stack(changed, ref, NOW)
