"""The simulated kubelet: pod status as kubelet reports it, probes, crash-loop back-off,
image pull failures, OOM kills, logs, termination, and the endpoints that follow."""

from __future__ import annotations

import re

from kubectl_stack_sim.controllers.base import request_pod_deletion
from kubectl_stack_sim.controllers.images import ImageBehaviour

from .conftest import MakeCluster, condition, deployment, events, pods_of


def only_pod(cluster, prefix: str = "web") -> dict:  # type: ignore[no-untyped-def]
    (pod,) = [p for p in pods_of(cluster, prefix) if not p["metadata"].get("deletionTimestamp")]
    return pod


def test_running_pod_reports_kubelet_conditions_and_container_status(
    make_cluster: MakeCluster,
) -> None:
    cluster = make_cluster(
        objects=[deployment(replicas=1, image="nginx:1.27")],
        images={"nginx:1.27": ImageBehaviour(pull_seconds=2, start_seconds=1)},
    )
    cluster.advance(1)
    pod = only_pod(cluster)
    assert pod["status"]["phase"] == "Pending"
    assert pod["status"]["containerStatuses"][0]["state"] == {
        "waiting": {"reason": "ContainerCreating"}
    }
    cluster.advance(30)
    pod = only_pod(cluster)
    status = pod["status"]
    assert [c["type"] for c in status["conditions"]] == [
        "PodReadyToStartContainers",
        "Initialized",
        "Ready",
        "ContainersReady",
        "PodScheduled",
    ]
    assert all(c["status"] == "True" for c in status["conditions"])
    assert status["phase"] == "Running"
    assert status["podIP"].startswith("10.244.") and status["hostIP"].startswith("172.18.0.")
    assert pod["spec"]["nodeName"] in {"node-1", "node-2", "node-3"}
    cs = status["containerStatuses"][0]
    assert cs["image"] == "docker.io/library/nginx:1.27"
    assert re.fullmatch(r"docker\.io/library/nginx@sha256:[0-9a-f]{64}", cs["imageID"])
    assert re.fullmatch(r"containerd://[0-9a-f]{64}", cs["containerID"])
    assert (cs["ready"], cs["started"], cs["restartCount"]) == (True, True, 0)
    assert "running" in cs["state"]
    reasons = [e["reason"] for e in events(cluster) if e["involvedObject"]["kind"] == "Pod"]
    assert reasons == ["Scheduled", "Pulling", "Pulled", "Created", "Started"]
    assert events(cluster, "Created")[0]["message"] == "Created container: app"
    assert events(cluster, "Started")[0]["source"] == {
        "component": "kubelet",
        "host": pod["spec"]["nodeName"],
    }


def test_readiness_waits_for_initial_delay(make_cluster: MakeCluster) -> None:
    manifest = deployment(replicas=1)
    probe = manifest["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]
    probe.update(initialDelaySeconds=20, periodSeconds=5)
    cluster = make_cluster(objects=[manifest], images={"web:1": ImageBehaviour(pull_seconds=1)})
    cluster.advance(15)
    assert condition(only_pod(cluster), "Ready")["status"] == "False"
    assert condition(only_pod(cluster), "Ready")["reason"] == "ContainersNotReady"
    cluster.advance(15)
    assert condition(only_pod(cluster), "Ready")["status"] == "True"


def test_crash_loop_back_off_doubles_from_10s_to_5m(make_cluster: MakeCluster) -> None:
    cluster = make_cluster(
        objects=[deployment(replicas=1, image="crash:1", readiness=False)],
        images={"crash:1": ImageBehaviour(pull_seconds=1, crash_after=5, exit_code=2)},
    )
    back_offs: list[str] = []
    restarts: list[int] = []
    for _ in range(3000):
        cluster.advance(1)
        cs = only_pod(cluster)["status"]["containerStatuses"][0]
        waiting = cs["state"].get("waiting", {})
        if waiting.get("reason") == "CrashLoopBackOff":
            delay = re.match(
                r"back-off (\S+) restarting failed container=app pod=", waiting["message"]
            )
            assert delay is not None
            if (
                not back_offs
                or back_offs[-1] != delay.group(1)
                or restarts[-1] != cs["restartCount"]
            ):
                back_offs.append(delay.group(1))
                restarts.append(cs["restartCount"])
            assert cs["lastState"]["terminated"]["exitCode"] == 2
            assert cs["lastState"]["terminated"]["reason"] == "Error"
            assert only_pod(cluster)["status"]["phase"] == "Running"
    assert back_offs[:7] == ["10s", "20s", "40s", "1m20s", "2m40s", "5m0s", "5m0s"]
    assert restarts[:7] == [1, 2, 3, 4, 5, 6, 7]
    pod = only_pod(cluster)
    backoff = events(cluster, "BackOff")[0]
    assert backoff["message"] == (
        f"Back-off restarting failed container app in pod "
        f"{pod['metadata']['name']}_default({pod['metadata']['uid']})"
    )
    assert backoff["count"] > 1 and backoff["type"] == "Warning"


def test_missing_image_goes_from_err_image_pull_to_back_off(make_cluster: MakeCluster) -> None:
    cluster = make_cluster(
        objects=[deployment(replicas=1, image="ghost:9")],
        images={"ghost:9": ImageBehaviour(missing=True, pull_seconds=1)},
    )
    reasons = set()
    for _ in range(40):
        cluster.advance(0.5)
        reasons.add(
            only_pod(cluster)["status"]["containerStatuses"][0]["state"]["waiting"]["reason"]
        )
    assert {"ErrImagePull", "ImagePullBackOff"} <= reasons
    assert only_pod(cluster)["status"]["phase"] == "Pending"
    messages = [e["message"] for e in events(cluster, "Failed")]
    assert "Error: ErrImagePull" in messages and "Error: ImagePullBackOff" in messages
    assert any(m.startswith('Failed to pull image "ghost:9": rpc error') for m in messages)


def test_oom_killed_container_restarts_with_exit_code_137(make_cluster: MakeCluster) -> None:
    cluster = make_cluster(
        objects=[deployment(replicas=1, image="hog:1", readiness=False)],
        images={"hog:1": ImageBehaviour(pull_seconds=1, oom_after=30)},
    )
    cluster.advance(40)
    cs = only_pod(cluster)["status"]["containerStatuses"][0]
    assert cs["restartCount"] == 1
    assert cs["lastState"]["terminated"]["reason"] == "OOMKilled"
    assert cs["lastState"]["terminated"]["exitCode"] == 137


def test_logs_are_kept_per_container_instance(make_cluster: MakeCluster) -> None:
    cluster = make_cluster(
        objects=[deployment(replicas=1, image="crash:1", readiness=False)],
        images={"crash:1": ImageBehaviour(pull_seconds=1, crash_after=20, log_interval=5)},
    )
    cluster.advance(30)
    pod = only_pod(cluster)["metadata"]["name"]
    key = ("default", pod, "app")
    assert cluster.logs.instances(key) == [0, 1]
    first = [line.text for line in cluster.logs.lines(key, 0)]
    assert "starting app" in first[0] and len(first) >= 5


def test_deleted_pod_terminates_gracefully_and_leaves_endpoints(make_cluster: MakeCluster) -> None:
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]},
    }
    cluster = make_cluster(
        objects=[deployment(replicas=2), service],
        images={"web:1": ImageBehaviour(pull_seconds=1, stop_seconds=3)},
    )
    cluster.advance(30)
    endpoints = cluster.store.require("endpoints", "default", "web")
    assert len(endpoints["subsets"][0]["addresses"]) == 2
    assert endpoints["subsets"][0]["ports"] == [{"port": 8080, "protocol": "TCP"}]
    (slice_,) = [
        s
        for s in cluster.store.list("endpointslices.discovery.k8s.io")
        if s["metadata"]["labels"].get("kubernetes.io/service-name") == "web"
    ]
    assert all(e["conditions"]["ready"] for e in slice_["endpoints"])
    victim = pods_of(cluster, "web")[0]["metadata"]["name"]
    request_pod_deletion(cluster, "default", victim)
    cluster.advance(1)
    pod = cluster.store.require("pods", "default", victim)
    assert pod["metadata"]["deletionGracePeriodSeconds"] == 30
    slice_ = cluster.store.require(
        "endpointslices.discovery.k8s.io", "default", slice_["metadata"]["name"]
    )
    terminating = [e for e in slice_["endpoints"] if e["targetRef"]["name"] == victim]
    assert terminating[0]["conditions"] == {"ready": False, "serving": True, "terminating": True}
    cluster.advance(5)
    assert cluster.store.get("pods", "default", victim) is None


def test_failing_liveness_probe_restarts_the_container(make_cluster: MakeCluster) -> None:
    manifest = deployment(replicas=1, image="stuck:1", readiness=False)
    container = manifest["spec"]["template"]["spec"]["containers"][0]
    container["livenessProbe"] = {
        "httpGet": {"path": "/healthz", "port": 8080},
        "periodSeconds": 5,
        "failureThreshold": 2,
    }
    cluster = make_cluster(
        objects=[manifest], images={"stuck:1": ImageBehaviour(pull_seconds=1, liveness_status=500)}
    )
    cluster.advance(20)
    cs = only_pod(cluster)["status"]["containerStatuses"][0]
    assert cs["restartCount"] == 1
    assert cs["lastState"]["terminated"]["exitCode"] == 137
    messages = [e["message"] for e in events(cluster, "Unhealthy")]
    assert messages[0] == "Liveness probe failed: HTTP probe failed with statuscode: 500"
    assert "Container app failed liveness probe, will be restarted" in [
        e["message"] for e in events(cluster, "Killing")
    ]


def bare_pod(name: str, image: str, restart_policy: str) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"restartPolicy": restart_policy, "containers": [{"name": "job", "image": image}]},
    }


def test_pods_that_must_not_restart_end_succeeded_or_failed(make_cluster: MakeCluster) -> None:
    cluster = make_cluster(
        objects=[
            bare_pod("done", "task:ok", "Never"),
            bare_pod("broken", "task:fail", "Never"),
            bare_pod("retry", "task:fail", "OnFailure"),
        ],
        images={
            "task:ok": ImageBehaviour(pull_seconds=1, crash_after=5, exit_code=0),
            "task:fail": ImageBehaviour(pull_seconds=1, crash_after=5, exit_code=3),
        },
    )
    cluster.advance(30)
    done = cluster.store.require("pods", "default", "done")["status"]
    assert done["phase"] == "Succeeded"
    assert done["containerStatuses"][0]["state"]["terminated"]["reason"] == "Completed"
    broken = cluster.store.require("pods", "default", "broken")["status"]
    assert broken["phase"] == "Failed"
    assert broken["containerStatuses"][0]["restartCount"] == 0
    retry = cluster.store.require("pods", "default", "retry")["status"]
    assert retry["phase"] == "Running"
    assert retry["containerStatuses"][0]["restartCount"] >= 1


def test_min_ready_seconds_delays_availability(make_cluster: MakeCluster) -> None:
    cluster = make_cluster(
        objects=[deployment(replicas=2, minReadySeconds=20)],
        images={"web:1": ImageBehaviour(pull_seconds=1)},
    )
    cluster.advance(10)
    d = cluster.store.require("deployments.apps", "default", "web")
    assert d["status"].get("readyReplicas") == 2
    assert d["status"].get("availableReplicas", 0) == 0
    assert condition(d, "Available")["status"] == "False"
    cluster.advance(25)
    d = cluster.store.require("deployments.apps", "default", "web")
    assert d["status"]["availableReplicas"] == 2
    assert condition(d, "Available")["reason"] == "MinimumReplicasAvailable"


def test_pod_created_on_a_node_runs_without_the_scheduler(make_cluster: MakeCluster) -> None:
    pod = bare_pod("pinned", "nginx:1", "Always")
    pod["spec"]["nodeName"] = "node-2"
    cluster = make_cluster(objects=[pod])
    cluster.advance(10)
    status = cluster.store.require("pods", "default", "pinned")["status"]
    assert status["phase"] == "Running" and status["hostIP"] == "172.18.0.3"
    assert not events(cluster, "Scheduled")
