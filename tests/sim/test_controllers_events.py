"""Events expire as kube-apiserver's ``--event-ttl`` (1h) expires them: an hour after their
last write, whoever wrote them, on the cluster's virtual clock."""

from __future__ import annotations

from kubectl_stack_sim.cluster import Cluster
from kubectl_stack_sim.store import Obj

from .conftest import MakeCluster, create, events, hub

HOUR = 3600.0


def _subject(cluster: Cluster) -> Obj:
    return create(
        cluster,
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "subject"}, "data": {}},
    )


def _names(cluster: Cluster, reason: str) -> list[str]:
    return [e["metadata"]["name"] for e in events(cluster, reason)]


def test_an_event_is_deleted_within_a_minute_after_an_hour_without_writes(
    make_cluster: MakeCluster,
) -> None:
    cluster = make_cluster()
    subject = _subject(cluster)
    watch = cluster.store.watch("events", None, cluster.store.resource_version)
    hub(cluster).ctx.recorder.record(subject, "Normal", "Probe", "once", "test")
    (name,) = _names(cluster, "Probe")
    cluster.advance(HOUR - 1)
    assert _names(cluster, "Probe") == [name]
    cluster.advance(61)
    assert _names(cluster, "Probe") == []
    seen = []
    while not watch.events.empty():
        change = watch.events.get_nowait()
        assert change is not None
        seen.append((change.type, change.obj["metadata"]["name"]))
    assert seen == [("ADDED", name), ("DELETED", name)]


def test_an_event_bumped_again_lives_an_hour_after_its_last_write(
    make_cluster: MakeCluster,
) -> None:
    cluster = make_cluster()
    subject = _subject(cluster)
    recorder = hub(cluster).ctx.recorder
    recorder.record(subject, "Warning", "BackOff", "again", "test")
    (name,) = _names(cluster, "BackOff")
    # Bumped every 9 minutes (inside the aggregation window) for two hours: one Event.
    for _ in range(14):
        cluster.advance(540)
        recorder.record(subject, "Warning", "BackOff", "again", "test")
    (event,) = events(cluster, "BackOff")
    assert event["metadata"]["name"] == name and event["count"] == 15
    cluster.advance(HOUR - 1)
    assert _names(cluster, "BackOff") == [name]
    cluster.advance(61)
    assert _names(cluster, "BackOff") == []


def test_an_event_created_through_the_api_expires_too(make_cluster: MakeCluster) -> None:
    cluster = make_cluster()
    create(
        cluster,
        {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": "by-a-client"},
            "involvedObject": {"kind": "ConfigMap", "name": "subject", "namespace": "default"},
            "reason": "Written",
            "message": "by kubectl create",
            "type": "Normal",
        },
    )
    cluster.advance(HOUR / 2)
    cluster.store.mutate("events", "default", "by-a-client", lambda e: e.update(count=2))
    cluster.advance(HOUR - 1)
    assert _names(cluster, "Written") == ["by-a-client"]
    cluster.advance(61)
    assert _names(cluster, "Written") == []


def test_a_record_after_its_event_expired_creates_a_new_one(make_cluster: MakeCluster) -> None:
    cluster = make_cluster()
    subject = _subject(cluster)
    recorder = hub(cluster).ctx.recorder
    recorder.record(subject, "Normal", "Synced", "same", "test")
    (first,) = _names(cluster, "Synced")
    cluster.advance(HOUR + 60)
    recorder.record(subject, "Normal", "Synced", "same", "test")
    (event,) = events(cluster, "Synced")
    assert event["metadata"]["name"] != first and event["count"] == 1
