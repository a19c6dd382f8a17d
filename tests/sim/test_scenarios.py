"""The shipped scenarios: what a user sees after ``kubectl-stack sim --scenario NAME``."""

from __future__ import annotations

from pathlib import Path

import pytest

from kubectl_stack_sim.scenario import ScenarioError, available, load_scenario

from .conftest import MakeCluster, condition, events, pods_of


def test_shipped_scenarios_are_listed() -> None:
    assert {"empty", "seed", "bad-rollout", "crashloop", "load-spike", "large"} <= set(available())


def test_every_scenario_has_admin_and_viewer_users() -> None:
    for name in available():
        users = {u.name: u for u in load_scenario(name).users}
        assert (users["admin"].role, users["admin"].token) == ("admin", "admin-token")
        assert (users["viewer"].role, users["viewer"].token) == ("viewer", "viewer-token")


def test_empty_cluster_has_nodes_namespaces_and_the_kubernetes_service(
    make_cluster: MakeCluster,
) -> None:
    cluster = make_cluster("empty")
    assert [n["metadata"]["name"] for n in cluster.store.list("nodes")] == [
        "node-1",
        "node-2",
        "node-3",
    ]
    assert {"default", "kube-system"} <= {
        n["metadata"]["name"] for n in cluster.store.list("namespaces")
    }
    assert cluster.store.require("services", "default", "kubernetes")["spec"]["clusterIP"] == (
        "10.96.0.1"
    )
    assert cluster.store.list("pods") == []


def test_seed_converges_to_three_ready_pods_with_metrics(make_cluster: MakeCluster) -> None:
    cluster = make_cluster("seed")
    pods = pods_of(cluster, "my-app")
    assert len(pods) == 3
    assert all(condition(p, "Ready")["status"] == "True" for p in pods)
    assert all(p["status"]["phase"] == "Running" for p in pods)
    d = cluster.store.require("deployments.apps", "default", "my-app")
    assert d["status"]["availableReplicas"] == 3
    hpa = cluster.store.require("horizontalpodautoscalers.autoscaling", "default", "my-app")
    assert hpa["status"]["currentMetrics"][0]["resource"]["current"]["averageUtilization"] > 0
    assert condition(hpa, "ScalingActive")["status"] == "True"
    assert len(cluster.store.list("pods.metrics.k8s.io")) == 3
    slices = [
        s
        for s in cluster.store.list("endpointslices.discovery.k8s.io")
        if s["metadata"]["labels"].get("kubernetes.io/service-name") == "my-app"
    ]
    assert len(slices[0]["endpoints"]) == 3
    cluster.advance(600)
    assert cluster.store.require("deployments.apps", "default", "my-app")["spec"]["replicas"] == 3


def test_bad_rollout_stalls_with_old_pods_serving_then_exceeds_deadline(
    make_cluster: MakeCluster,
) -> None:
    cluster = make_cluster("bad-rollout")
    cluster.advance(90)
    d = cluster.store.require("deployments.apps", "default", "my-app")
    assert d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "2"
    assert condition(d, "Progressing")["reason"] == "ReplicaSetUpdated"
    assert d["status"]["availableReplicas"] >= 2
    unhealthy = events(cluster, "Unhealthy")
    assert (
        unhealthy[0]["message"] == "Readiness probe failed: HTTP probe failed with statuscode: 503"
    )
    cluster.advance(600)
    d = cluster.store.require("deployments.apps", "default", "my-app")
    progressing = condition(d, "Progressing")
    assert (progressing["status"], progressing["reason"]) == ("False", "ProgressDeadlineExceeded")
    assert condition(d, "Available")["status"] == "True"


def test_crashloop_worker_backs_off(make_cluster: MakeCluster) -> None:
    cluster = make_cluster("crashloop")
    cluster.advance(120)
    (worker,) = pods_of(cluster, "worker")
    cs = worker["status"]["containerStatuses"][0]
    assert cs["restartCount"] >= 3
    assert events(cluster, "BackOff")


def test_load_spike_scales_out_then_back_in_after_stabilization(make_cluster: MakeCluster) -> None:
    cluster = make_cluster("load-spike")
    sizes = []
    for _ in range(20):
        cluster.advance(60)
        sizes.append(
            cluster.store.require("deployments.apps", "default", "my-app")["spec"]["replicas"]
        )
    assert max(sizes) > 3, sizes
    peak = sizes.index(max(sizes))
    assert sizes[-1] < max(sizes), sizes
    # Load starts falling at 420 s; the 300 s window holds the peak size past 660 s
    # (sizes[i] is the size at (i + 1) * 60 s).
    assert all(size == max(sizes) for size in sizes[peak : 660 // 60]), sizes
    rescales = [e["message"] for e in events(cluster, "SuccessfulRescale")]
    assert any(m.endswith("above target") for m in rescales)
    assert any(m.endswith("All metrics below target") for m in rescales)


def test_large_builds_converged_objects_from_parameters(make_cluster: MakeCluster) -> None:
    cluster = make_cluster("large", namespaces=3, deployments=30, pods=90)
    assert cluster.store.count("pods") == 90
    assert cluster.store.count("deployments.apps") == 30
    d = cluster.store.list("deployments.apps")[0]
    assert d["status"]["availableReplicas"] == 3
    cluster.advance(30)
    assert cluster.store.count("endpointslices.discovery.k8s.io") == 31  # + kubernetes
    restarts = sum(
        p["status"]["containerStatuses"][0]["restartCount"] for p in cluster.store.list("pods")
    )
    assert restarts > 0 or len(cluster.store.list("replicasets.apps")) > 30, "churn happens"


def test_scenario_file_by_path(tmp_path: Path, make_cluster: MakeCluster) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(
        "users: [{name: ops, role: viewer, token: t}]\n"
        "objects:\n"
        "  - apiVersion: v1\n    kind: ConfigMap\n    metadata: {name: c}\n    data: {a: b}\n"
    )
    scenario = load_scenario(str(path))
    assert {u.name for u in scenario.users} == {"admin", "viewer", "dev", "ops"}
    cluster = make_cluster(str(path))
    assert cluster.store.require("configmaps", "default", "c")["data"] == {"a": "b"}


def test_unknown_scenario_is_one_clear_error() -> None:
    with pytest.raises(ScenarioError, match="unknown scenario 'nope'"):
        load_scenario("nope")
