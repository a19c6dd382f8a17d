"""Probe descriptions in kubectl describe's words, and events as kubectl shows them."""

from __future__ import annotations

from typing import Any

from kubectl_stack.model.events import events_for, failures_for, unhealthy_by_pod
from kubectl_stack.model.probes import container_probes, describe_probe, pod_readiness

from .factories import NOW, stamp

DEFAULTS = {"timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3}


def test_http_probe_reads_like_kubectl_describe() -> None:
    probe = {
        "httpGet": {"path": "/health", "port": 3000, "scheme": "HTTP"},
        "initialDelaySeconds": 5,
        **DEFAULTS,
    }
    assert describe_probe(probe) == (
        "http-get http://:3000/health delay=5s timeout=1s period=10s "
        "successThreshold=1 failureThreshold=3"
    )


def test_other_probe_kinds_read_like_kubectl_describe() -> None:
    attrs = "delay=0s timeout=1s period=10s successThreshold=1 failureThreshold=3"
    assert (
        describe_probe({"tcpSocket": {"port": "http"}, **DEFAULTS}) == f"tcp-socket :http {attrs}"
    )
    assert describe_probe({"exec": {"command": ["cat", "/tmp/ok"]}, **DEFAULTS}) == (
        f"exec [cat /tmp/ok] {attrs}"
    )
    assert describe_probe({"grpc": {"port": 9090, "service": ""}, **DEFAULTS}) == (
        f"grpc <pod>:9090  {attrs}"
    )
    assert (
        describe_probe(
            {
                "httpGet": {"host": "::1", "port": 8443, "path": "ready", "scheme": "HTTPS"},
                **DEFAULTS,
            }
        )
        == f"http-get https://[::1]:8443/ready {attrs}"
    )
    assert describe_probe(DEFAULTS) == f"unknown {attrs}"


def unhealthy(
    pod_uid: str, count: int, last_ago: float, message: str, first_ago: float = 300
) -> dict[str, Any]:
    return {
        "metadata": {"name": f"ev-{count}", "namespace": "default"},
        "involvedObject": {
            "kind": "Pod",
            "name": "my-app-x2k9q",
            "namespace": "default",
            "uid": pod_uid,
            "fieldPath": "spec.containers{app}",
        },
        "reason": "Unhealthy",
        "message": message,
        "type": "Warning",
        "count": count,
        "firstTimestamp": stamp(first_ago),
        "lastTimestamp": stamp(last_ago),
        "source": {"component": "kubelet", "host": "node-2"},
    }


READINESS_503 = "Readiness probe failed: HTTP probe failed with statuscode: 503"


def test_unhealthy_events_are_summed_per_pod_and_probe() -> None:
    events = [
        unhealthy("p1", 10, 30, READINESS_503),
        unhealthy("p1", 2, 8, READINESS_503),
        unhealthy("p1", 1, 100, "Liveness probe failed: connection refused"),
        unhealthy("p2", 1, 5, READINESS_503),
    ]
    table = unhealthy_by_pod(events)
    readiness, liveness = table["p1"]
    assert (readiness.probe, readiness.container, readiness.count) == ("Readiness", "app", 12)
    assert readiness.summary(NOW) == f"{READINESS_503} (×12, last 8s ago)"
    assert liveness.probe == "Liveness" and liveness.count == 1
    assert failures_for({"metadata": {"uid": "p2"}}, table)[0].count == 1


def test_events_for_objects_newest_first_with_kubectl_intervals() -> None:
    events = [
        unhealthy("p1", 12, 8, READINESS_503, first_ago=300),
        {
            "metadata": {"name": "scaled"},
            "involvedObject": {"kind": "Deployment", "name": "my-app", "uid": "dep"},
            "reason": "ScalingReplicaSet",
            "message": "Scaled up replica set my-app-7d9f5c4b8 to 1 ",
            "type": "Normal",
            "eventTime": stamp(70),
            "reportingController": "deployment-controller",
        },
        unhealthy("other", 1, 1, READINESS_503),
    ]
    rows = events_for(events, NOW, uids={"p1", "dep"})
    assert [r.reason for r in rows] == ["Unhealthy", "ScalingReplicaSet"]
    first, second = rows
    assert first.warning and first.last_seen_text == "8s"
    assert first.interval == "8s (x12 over 5m)"
    assert first.target == "pod/my-app-x2k9q"
    assert (second.count, second.interval, second.last_seen_text) == (1, "70s", "70s")
    assert second.source == "deployment-controller"
    assert second.message == "Scaled up replica set my-app-7d9f5c4b8 to 1"


def test_event_series_sets_count_and_last_seen() -> None:
    event = {
        "involvedObject": {"kind": "Pod", "name": "p", "uid": "u"},
        "reason": "BackOff",
        "type": "Warning",
        "eventTime": stamp(600),
        "series": {"count": 7, "lastObservedTime": stamp(20)},
    }
    (row,) = events_for([event], NOW, uids={"u"})
    assert (row.count, row.last_seen_text, row.interval) == (7, "20s", "20s (x7 over 10m)")


def test_container_probes_show_readiness_outcome() -> None:
    pod = {
        "metadata": {"uid": "p1"},
        "spec": {
            "containers": [
                {
                    "name": "app",
                    "readinessProbe": {
                        "httpGet": {"path": "/health", "port": 3000, "scheme": "HTTP"},
                        **DEFAULTS,
                    },
                },
                {"name": "proxy"},
            ]
        },
        "status": {
            "conditions": [{"type": "Ready", "status": "False", "lastTransitionTime": stamp(50)}],
            "containerStatuses": [
                {"name": "app", "ready": False},
                {"name": "proxy", "ready": True},
            ],
        },
    }
    failures = failures_for(pod, unhealthy_by_pod([unhealthy("p1", 6, 4, READINESS_503)]))
    app, proxy = container_probes(pod, NOW, failures)
    assert app.summary == "✗ 503 ×6, 4s ago"
    assert app.failure_count == 6 and app.last_failure == READINESS_503
    assert app.readiness.startswith("http-get http://:3000/health delay=0s")
    assert proxy.liveness == "" and proxy.summary == "✓ ready"


def test_ready_container_reports_time_since_ready() -> None:
    pod = {
        "spec": {"containers": [{"name": "app", "readinessProbe": {"tcpSocket": {"port": 80}}}]},
        "status": {
            "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": stamp(100)}],
            "containerStatuses": [{"name": "app", "ready": True, "started": True}],
        },
    }
    (app,) = container_probes(pod, NOW)
    assert (app.summary, app.ready_for, app.started) == ("✓ ready 1m 40s", "1m 40s", True)


def _mesh_pod(app_ready: bool, proxy_ready: bool, pod_ready: bool) -> dict[str, Any]:
    probe = {"httpGet": {"path": "/ready", "port": 8080}, **DEFAULTS}
    return {
        "metadata": {"uid": "p1"},
        "spec": {
            "containers": [
                {"name": "app", "readinessProbe": probe},
                {"name": "istio-proxy", "image": "istio/proxyv2:1.23.0", "readinessProbe": probe},
            ]
        },
        "status": {
            "phase": "Running",
            "conditions": [
                {
                    "type": "Ready",
                    "status": "True" if pod_ready else "False",
                    "lastTransitionTime": stamp(100),
                }
            ],
            "containerStatuses": [
                {"name": "app", "ready": app_ready},
                {"name": "istio-proxy", "ready": proxy_ready},
            ],
        },
    }


def test_mesh_pod_with_a_failing_sidecar_has_one_verdict() -> None:
    # The mesh scenario's payments pods: 1/2, app ready, istio-proxy's probe answers 503.
    # The row reads as failing, naming the container; no "✓ ready" next to the ✗.
    pod = _mesh_pod(app_ready=True, proxy_ready=False, pod_ready=False)
    failure = unhealthy("p1", 6, 4, READINESS_503)
    failure["involvedObject"]["fieldPath"] = "spec.containers{istio-proxy}"
    failures = failures_for(pod, unhealthy_by_pod([failure]))
    readiness = pod_readiness(pod, NOW, failures)
    assert readiness.text == "✗ istio-proxy 503 ×6, 4s ago; app ready"
    assert readiness.failing and "✓" not in readiness.text


def test_ready_pod_reads_ready_once_and_since_when() -> None:
    readiness = pod_readiness(_mesh_pod(True, True, pod_ready=True), NOW)
    assert (readiness.text, readiness.failing) == ("✓ ready 1m 40s", False)


def test_starting_sidecar_names_the_container_and_is_not_failing() -> None:
    readiness = pod_readiness(_mesh_pod(True, False, pod_ready=False), NOW)
    assert (readiness.text, readiness.failing) == ("◐ istio-proxy starting; app ready", False)


def test_pod_held_by_readiness_gates_says_so() -> None:
    readiness = pod_readiness(_mesh_pod(True, True, pod_ready=False), NOW)
    assert readiness.text == "◐ containers ready, pod not Ready"
