"""Deployment and ReplicaSet controllers on a manual clock: rolling-update invariants,
revisions, rollback reuse, Recreate, pause, self-healing and garbage collection."""

from __future__ import annotations

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from kubectl_stack_sim import admission
from kubectl_stack_sim.cluster import Cluster
from kubectl_stack_sim.controllers.base import request_pod_deletion
from kubectl_stack_sim.controllers.deployment import resolve_fenceposts
from kubectl_stack_sim.controllers.images import ImageBehaviour
from kubectl_stack_sim.store import clone

from .conftest import MakeCluster, condition, deployment, events, pods_of

FAST = {"web:*": ImageBehaviour(pull_seconds=1, start_seconds=0)}


def set_image(cluster: Cluster, name: str, image: str) -> None:
    old = cluster.store.require("deployments.apps", "default", name)
    new = clone(old)
    new["spec"]["template"]["spec"]["containers"][0]["image"] = image
    cluster.store.update("deployments.apps", admission.admit(cluster, "deployments.apps", new, old))


def patch_spec(cluster: Cluster, name: str, **changes: object) -> None:
    old = cluster.store.require("deployments.apps", "default", name)
    new = clone(old)
    new["spec"].update(changes)
    cluster.store.update("deployments.apps", admission.admit(cluster, "deployments.apps", new, old))


def get(cluster: Cluster, name: str = "web") -> dict:
    return cluster.store.require("deployments.apps", "default", name)


def replicasets(cluster: Cluster) -> dict[str, dict]:
    return {rs["metadata"]["name"]: rs for rs in cluster.store.list("replicasets.apps")}


def available_pods(cluster: Cluster, prefix: str) -> int:
    return sum(
        1
        for p in pods_of(cluster, prefix)
        if not p["metadata"].get("deletionTimestamp")
        and any(
            c["type"] == "Ready" and c["status"] == "True"
            for c in p.get("status", {}).get("conditions", [])
        )
    )


def test_fenceposts_round_surge_up_and_unavailable_down() -> None:
    assert resolve_fenceposts("25%", "25%", 10) == (3, 2)
    assert resolve_fenceposts("25%", "25%", 1) == (1, 0)
    assert resolve_fenceposts(0, "10%", 5) == (0, 1)  # both resolve to 0 -> unavailable 1
    assert resolve_fenceposts(2, 1, 3) == (2, 1)


def test_new_deployment_creates_revision_1_replicaset_and_becomes_available(
    make_cluster: MakeCluster,
) -> None:
    cluster = make_cluster(objects=[deployment(replicas=3)], images=FAST)
    cluster.advance(30)
    d = get(cluster)
    (rs,) = replicasets(cluster).values()
    pod_hash = rs["metadata"]["labels"]["pod-template-hash"]
    assert rs["metadata"]["name"] == f"web-{pod_hash}"
    assert rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "1"
    assert rs["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"] == "3"
    assert rs["metadata"]["annotations"]["deployment.kubernetes.io/max-replicas"] == "4"
    assert rs["metadata"]["ownerReferences"][0]["uid"] == d["metadata"]["uid"]
    assert d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "1"
    assert d["status"]["availableReplicas"] == 3
    assert condition(d, "Available")["reason"] == "MinimumReplicasAvailable"
    assert condition(d, "Progressing")["reason"] == "NewReplicaSetAvailable"
    assert condition(d, "Progressing")["message"] == (
        f'ReplicaSet "web-{pod_hash}" has successfully progressed.'
    )
    scaling = [e["message"] for e in events(cluster, "ScalingReplicaSet")]
    assert scaling == [f"Scaled up replica set web-{pod_hash} from 0 to 3"]
    for pod in pods_of(cluster, f"web-{pod_hash}"):
        suffix = pod["metadata"]["name"].rsplit("-", 1)[1]
        assert len(suffix) == 5 and set(suffix) <= set("bcdfghjklmnpqrstvwxz2456789")
        assert pod["metadata"]["ownerReferences"][0]["kind"] == "ReplicaSet"


def test_pod_template_hash_is_stable_per_seed(make_cluster: MakeCluster) -> None:
    names = []
    for _ in range(2):
        cluster = make_cluster(objects=[deployment()], images=FAST)
        cluster.advance(5)
        names.append(sorted(p["metadata"]["name"] for p in cluster.store.list("pods")))
    assert names[0] == names[1]


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    replicas=st.integers(1, 8),
    surge=st.one_of(st.integers(0, 3), st.sampled_from(["0%", "25%", "50%", "100%"])),
    unavailable=st.one_of(st.integers(0, 3), st.sampled_from(["0%", "25%", "50%", "100%"])),
)
def test_rolling_update_respects_surge_and_unavailability_and_converges(
    make_cluster: MakeCluster, replicas: int, surge: object, unavailable: object
) -> None:
    assume(surge not in (0, "0%") or unavailable not in (0, "0%"))
    strategy = {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxSurge": surge, "maxUnavailable": unavailable},
    }
    cluster = make_cluster(objects=[deployment(replicas=replicas, strategy=strategy)], images=FAST)
    cluster.advance(30)
    max_surge, max_unavailable = resolve_fenceposts(surge, unavailable, replicas)
    max_unavailable = min(max_unavailable, replicas)
    set_image(cluster, "web", "web:2")
    for _ in range(240):
        cluster.advance(1)
        rss = cluster.store.list("replicasets.apps")
        assert sum(rs["spec"]["replicas"] for rs in rss) <= replicas + max_surge
        active = [p for p in pods_of(cluster, "web") if not p["metadata"].get("deletionTimestamp")]
        assert len(active) <= replicas + max_surge
        assert available_pods(cluster, "web") >= replicas - max_unavailable
        d = get(cluster)
        if (
            d["status"].get("updatedReplicas") == replicas
            and d["status"].get("availableReplicas") == replicas
            and d["status"].get("replicas") == replicas
        ):
            break
    d = get(cluster)
    assert condition(d, "Progressing")["reason"] == "NewReplicaSetAvailable"
    images = {
        p["spec"]["containers"][0]["image"]
        for p in pods_of(cluster, "web")
        if not p["metadata"].get("deletionTimestamp")
    }
    assert images == {"web:2"}


def test_rollback_reuses_the_old_replicaset_with_a_new_revision(make_cluster: MakeCluster) -> None:
    cluster = make_cluster(objects=[deployment(replicas=2)], images=FAST)
    cluster.advance(30)
    (first,) = replicasets(cluster)
    set_image(cluster, "web", "web:2")
    cluster.advance(60)
    assert get(cluster)["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "2"
    set_image(cluster, "web", "web:1")  # what `kubectl rollout undo` does to the template
    cluster.advance(60)
    rss = replicasets(cluster)
    assert len(rss) == 2, "the template's old ReplicaSet is reused, not duplicated"
    reused = rss[first]
    annotations = reused["metadata"]["annotations"]
    assert annotations["deployment.kubernetes.io/revision"] == "3"
    assert annotations["deployment.kubernetes.io/revision-history"] == "1"
    assert reused["spec"]["replicas"] == 2
    assert get(cluster)["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "3"
    assert condition(get(cluster), "Progressing")["reason"] == "NewReplicaSetAvailable"


def test_revision_history_limit_deletes_oldest_replicasets(make_cluster: MakeCluster) -> None:
    cluster = make_cluster(objects=[deployment(replicas=1, revisionHistoryLimit=1)], images=FAST)
    cluster.advance(20)
    for version in (2, 3, 4):
        set_image(cluster, "web", f"web:{version}")
        cluster.advance(40)
    revisions = sorted(
        int(rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"])
        for rs in cluster.store.list("replicasets.apps")
    )
    assert revisions == [3, 4]


def test_recreate_stops_old_pods_before_starting_new_ones(make_cluster: MakeCluster) -> None:
    cluster = make_cluster(
        objects=[deployment(replicas=2, strategy={"type": "Recreate"})], images=FAST
    )
    cluster.advance(30)
    set_image(cluster, "web", "web:2")
    saw_only_terminating_old = False
    for _ in range(120):
        cluster.advance(0.25)
        pods = pods_of(cluster, "web")
        images = {p["spec"]["containers"][0]["image"] for p in pods}
        assert images != {"web:1", "web:2"}, "old and new pods never run together"
        saw_only_terminating_old = saw_only_terminating_old or (
            images == {"web:1"} and all(p["metadata"].get("deletionTimestamp") for p in pods)
        )
    assert saw_only_terminating_old
    assert {p["spec"]["containers"][0]["image"] for p in pods_of(cluster, "web")} == {"web:2"}
    assert get(cluster)["status"]["availableReplicas"] == 2


def test_paused_deployment_does_not_roll_out_until_resumed(make_cluster: MakeCluster) -> None:
    cluster = make_cluster(objects=[deployment(replicas=2)], images=FAST)
    cluster.advance(30)
    patch_spec(cluster, "web", paused=True)
    cluster.advance(1)
    assert condition(get(cluster), "Progressing")["reason"] == "DeploymentPaused"
    set_image(cluster, "web", "web:2")
    cluster.advance(30)
    assert len(replicasets(cluster)) == 1
    patch_spec(cluster, "web", paused=False)
    cluster.advance(1)
    assert len(replicasets(cluster)) == 2
    cluster.advance(60)
    assert condition(get(cluster), "Progressing")["reason"] == "NewReplicaSetAvailable"


def test_scaling_updates_replicaset_and_records_event(make_cluster: MakeCluster) -> None:
    cluster = make_cluster(objects=[deployment(replicas=2)], images=FAST)
    cluster.advance(30)
    patch_spec(cluster, "web", replicas=5)
    cluster.advance(30)
    (name,) = replicasets(cluster)
    assert replicasets(cluster)[name]["spec"]["replicas"] == 5
    assert get(cluster)["status"]["readyReplicas"] == 5
    assert f"Scaled up replica set {name} from 2 to 5" in [
        e["message"] for e in events(cluster, "ScalingReplicaSet")
    ]


def test_deleted_pod_is_replaced(make_cluster: MakeCluster) -> None:
    cluster = make_cluster(objects=[deployment(replicas=3)], images=FAST)
    cluster.advance(30)
    victim = pods_of(cluster, "web")[0]["metadata"]["name"]
    request_pod_deletion(cluster, "default", victim)
    cluster.advance(0.5)
    assert cluster.store.get("pods", "default", victim)["metadata"]["deletionTimestamp"]
    assert len(pods_of(cluster, "web")) == 4, "a replacement starts while the old one terminates"
    cluster.advance(30)
    names = [p["metadata"]["name"] for p in pods_of(cluster, "web")]
    assert victim not in names and len(names) == 3
    assert get(cluster)["status"]["availableReplicas"] == 3
    assert any(e["message"] == "Stopping container app" for e in events(cluster, "Killing"))


def test_deleting_a_deployment_collects_its_replicasets_and_pods(
    make_cluster: MakeCluster,
) -> None:
    cluster = make_cluster(objects=[deployment(replicas=2)], images=FAST)
    cluster.advance(30)
    cluster.store.delete("deployments.apps", "default", "web")
    cluster.advance(10)
    assert cluster.store.list("replicasets.apps") == []
    assert pods_of(cluster, "web") == []


def test_progress_deadline_exceeded_when_new_pods_never_become_ready(
    make_cluster: MakeCluster,
) -> None:
    images = {**FAST, "web:bad": ImageBehaviour(pull_seconds=1, readiness_status=503)}
    cluster = make_cluster(
        objects=[deployment(replicas=3, progressDeadlineSeconds=60)], images=images
    )
    cluster.advance(30)
    set_image(cluster, "web", "web:bad")
    cluster.advance(30)
    assert condition(get(cluster), "Progressing")["reason"] == "ReplicaSetUpdated"
    assert available_pods(cluster, "web") >= 2, "old pods keep serving"
    cluster.advance(60)
    progressing = condition(get(cluster), "Progressing")
    assert progressing["status"] == "False"
    assert progressing["reason"] == "ProgressDeadlineExceeded"
    assert progressing["message"].endswith("has timed out progressing.")
    unhealthy = events(cluster, "Unhealthy")
    assert unhealthy and unhealthy[0]["message"] == (
        "Readiness probe failed: HTTP probe failed with statuscode: 503"
    )


def test_scaling_during_a_rollout_is_proportional(make_cluster: MakeCluster) -> None:
    images = {**FAST, "web:slow": ImageBehaviour(pull_seconds=1, readiness_status=503)}
    strategy = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 3, "maxUnavailable": 0}}
    cluster = make_cluster(objects=[deployment(replicas=10, strategy=strategy)], images=images)
    cluster.advance(30)
    set_image(cluster, "web", "web:slow")  # new pods never become ready: the rollout holds
    cluster.advance(10)
    sizes = sorted(rs["spec"]["replicas"] for rs in cluster.store.list("replicasets.apps"))
    assert sizes == [3, 10]
    patch_spec(cluster, "web", replicas=20)
    cluster.advance(1)
    sizes = sorted(rs["spec"]["replicas"] for rs in cluster.store.list("replicasets.apps"))
    # 13 pods of an allowed 13 grow to 20 + 3 surge in proportion: 10 -> 18, 3 -> 5.
    assert sizes == [5, 18]


def test_undo_after_a_resize_to_the_new_replicasets_size_still_rolls_out(
    make_cluster: MakeCluster,
) -> None:
    """The reported stall: a rollout paused half-way, a resize that equals the new
    ReplicaSet's size (as an HPA answering a manual scale does), then `rollout undo`. The
    new ReplicaSet counts as saturated only when its desired-replicas annotation agrees
    (IsSaturated); otherwise its stale annotation made every sync a scaling event and the
    reverted template's ReplicaSet stayed at 0 for ever."""
    strategy = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}
    cluster = make_cluster(objects=[deployment(replicas=5, strategy=strategy)])
    cluster.advance(30)
    (first,) = replicasets(cluster)
    set_image(cluster, "web", "web:2")
    cluster.advance(10)
    patch_spec(cluster, "web", paused=True)
    cluster.advance(10)
    sizes = {
        n: (rs["spec"]["replicas"], rs["status"]["availableReplicas"])
        for n, rs in replicasets(cluster).items()
    }
    assert sorted(sizes.values()) == [(3, 3), (3, 3)]
    patch_spec(cluster, "web", replicas=3)
    cluster.advance(5)
    patch_spec(cluster, "web", paused=False)
    cluster.advance(30)
    set_image(cluster, "web", "web:1")  # what `kubectl rollout undo` does to the template
    cluster.advance(60)
    d = get(cluster)
    assert d["status"]["updatedReplicas"] == 3 and d["status"]["availableReplicas"] == 3
    assert {n: rs["spec"]["replicas"] for n, rs in replicasets(cluster).items()}[first] == 3
    assert condition(d, "Progressing")["reason"] == "NewReplicaSetAvailable"
