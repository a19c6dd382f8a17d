"""`kubectl get` against the seed stack prints what a real cluster prints, column by column."""

from __future__ import annotations

import json
import re
from typing import Any

from kubectl_stack_sim.runner import RunningSim

from .helpers import AGE, header, ok, store_put, table


def test_get_pods_prints_kubectl_columns_for_running_pods(kubectl: Any) -> None:
    out = ok(kubectl("get", "pods"))
    assert header(out) == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    rows = table(out)
    assert len(rows) == 3
    for row in rows:
        assert re.fullmatch(r"my-app-[a-z0-9]{8,10}-[a-z0-9]{5}", row["NAME"])
        assert (row["READY"], row["STATUS"], row["RESTARTS"]) == ("1/1", "Running", "0")
        assert AGE.match(row["AGE"])


def test_get_pods_wide_adds_ip_node_nominated_node_and_readiness_gates(kubectl: Any) -> None:
    out = ok(kubectl("get", "pods", "-o", "wide"))
    assert header(out) == [
        "NAME",
        "READY",
        "STATUS",
        "RESTARTS",
        "AGE",
        "IP",
        "NODE",
        "NOMINATED NODE",
        "READINESS GATES",
    ]
    for row in table(out):
        assert re.fullmatch(r"10\.\d+\.\d+\.\d+", row["IP"])
        assert row["NODE"].startswith("node-")
        assert (row["NOMINATED NODE"], row["READINESS GATES"]) == ("<none>", "<none>")


def test_get_deployment_replicaset_and_hpa_columns(kubectl: Any) -> None:
    deploy = ok(kubectl("get", "deploy", "-o", "wide"))
    assert header(deploy) == [
        "NAME",
        "READY",
        "UP-TO-DATE",
        "AVAILABLE",
        "AGE",
        "CONTAINERS",
        "IMAGES",
        "SELECTOR",
    ]
    row = table(deploy)[0]
    assert [row[c] for c in ("NAME", "READY", "UP-TO-DATE", "AVAILABLE")] == [
        "my-app",
        "3/3",
        "3",
        "3",
    ]
    assert [row[c] for c in ("CONTAINERS", "IMAGES", "SELECTOR")] == [
        "app",
        "my-app:1.4.2",
        "app=my-app",
    ]
    rs = ok(kubectl("get", "rs", "-o", "wide"))
    assert header(rs) == [
        "NAME",
        "DESIRED",
        "CURRENT",
        "READY",
        "AGE",
        "CONTAINERS",
        "IMAGES",
        "SELECTOR",
    ]
    rs_row = table(rs)[0]
    assert (rs_row["DESIRED"], rs_row["CURRENT"], rs_row["READY"]) == ("3", "3", "3")
    assert re.fullmatch(r"app=my-app,pod-template-hash=[a-z0-9]+", rs_row["SELECTOR"])
    hpa = ok(kubectl("get", "hpa"))
    assert header(hpa) == [
        "NAME",
        "REFERENCE",
        "TARGETS",
        "MINPODS",
        "MAXPODS",
        "REPLICAS",
        "AGE",
    ]
    hpa_row = table(hpa)[0]
    assert hpa_row["REFERENCE"] == "Deployment/my-app"
    assert re.fullmatch(r"cpu: \d+%/70%", hpa_row["TARGETS"])
    assert (hpa_row["MINPODS"], hpa_row["MAXPODS"], hpa_row["REPLICAS"]) == ("2", "20", "3")


def test_get_service_ingress_configmap_secret_columns(kubectl: Any) -> None:
    svc = table(ok(kubectl("get", "svc", "my-app", "-o", "wide")))[0]
    assert svc["TYPE"] == "ClusterIP"
    assert re.fullmatch(r"10\.\d+\.\d+\.\d+", svc["CLUSTER-IP"])
    assert (svc["EXTERNAL-IP"], svc["PORT(S)"], svc["SELECTOR"]) == (
        "<none>",
        "80/TCP",
        "app=my-app",
    )
    ing_out = ok(kubectl("get", "ingress"))
    assert header(ing_out) == ["NAME", "CLASS", "HOSTS", "ADDRESS", "PORTS", "AGE"]
    ing = table(ing_out)[0]
    assert (ing["HOSTS"], ing["PORTS"]) == ("app.mydomain.com", "80, 443")
    cm = table(ok(kubectl("get", "configmap", "app-config")))[0]
    assert cm["DATA"] == "2"
    secret_out = ok(kubectl("get", "secrets"))
    assert header(secret_out) == ["NAME", "TYPE", "DATA", "AGE"]
    assert table(secret_out)[0]["TYPE"] == "Opaque"


def test_get_nodes_namespaces_endpoints_and_endpointslices(kubectl: Any) -> None:
    nodes = ok(kubectl("get", "nodes", "-o", "wide"))
    assert header(nodes) == [
        "NAME",
        "STATUS",
        "ROLES",
        "AGE",
        "VERSION",
        "INTERNAL-IP",
        "EXTERNAL-IP",
        "OS-IMAGE",
        "KERNEL-VERSION",
        "CONTAINER-RUNTIME",
    ]
    assert all(r["STATUS"] == "Ready" for r in table(nodes))
    ns = {r["NAME"]: r["STATUS"] for r in table(ok(kubectl("get", "ns")))}
    assert ns["default"] == "Active"
    ep = {r["NAME"]: r for r in table(ok(kubectl("get", "endpoints")))}
    assert re.fullmatch(
        r"(10\.\d+\.\d+\.\d+:3000,){2}10\.\d+\.\d+\.\d+:3000", ep["my-app"]["ENDPOINTS"]
    )
    slices = ok(kubectl("get", "endpointslices"))
    assert header(slices) == ["NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"]
    mine = [r for r in table(slices) if r["NAME"].startswith("my-app-")][0]
    assert (mine["ADDRESSTYPE"], mine["PORTS"]) == ("IPv4", "3000")


def test_get_events_prints_last_seen_type_reason_object_message(kubectl: Any) -> None:
    out = ok(kubectl("get", "events"))
    assert header(out) == ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    reasons = {(r["REASON"], r["OBJECT"].split("/")[0]) for r in table(out)}
    assert ("ScalingReplicaSet", "deployment") in reasons
    assert ("Scheduled", "pod") in reasons


def test_all_namespaces_label_selector_and_show_labels(kubectl: Any) -> None:
    everywhere = ok(kubectl("get", "pods", "-A"))
    assert header(everywhere)[:2] == ["NAMESPACE", "NAME"]
    selected = table(ok(kubectl("get", "pods", "-l", "app=my-app", "--show-labels")))
    assert len(selected) == 3
    assert all(r["LABELS"].startswith("app=my-app,pod-template-hash=") for r in selected)
    none = kubectl("get", "pods", "-l", "app notin (my-app)")
    assert none.returncode == 0 and "No resources found in default namespace." in none.stderr


def test_get_all_shows_every_kind_in_the_all_category(kubectl: Any) -> None:
    out = ok(kubectl("get", "all"))
    for prefix in (
        "pod/my-app-",
        "service/my-app",
        "deployment.apps/my-app",
        "replicaset.apps/my-app-",
        "horizontalpodautoscaler.autoscaling/my-app",
    ):
        assert prefix in out


def test_output_yaml_json_jsonpath_and_name(kubectl: Any) -> None:
    deploy = json.loads(ok(kubectl("get", "deploy", "my-app", "-o", "json")))
    assert deploy["spec"]["strategy"]["rollingUpdate"] == {"maxSurge": 1, "maxUnavailable": 1}
    assert deploy["spec"]["revisionHistoryLimit"] == 10
    assert deploy["spec"]["progressDeadlineSeconds"] == 600
    assert "kind: Deployment" in ok(kubectl("get", "deploy", "my-app", "-o", "yaml"))
    images = ok(kubectl("get", "pods", "-o", "jsonpath={.items[*].spec.containers[0].image}"))
    assert images.split() == ["my-app:1.4.2"] * 3
    assert ok(kubectl("get", "svc", "-o", "name")).split() == [
        "service/kubernetes",
        "service/my-app",
    ]


def _pod(name: str, status: dict[str, Any], **meta: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "default", **meta},
        "spec": {"nodeName": "node-1", "containers": [{"name": "app", "image": "x:1"}]},
        "status": status,
    }


def test_pod_status_column_follows_kubectl_print_pod(sim: RunningSim, kubectl: Any) -> None:
    now = sim.call(sim.cluster.clock.now)
    stamp = sim.cluster.clock.timestamp
    crash = {
        "phase": "Running",
        "containerStatuses": [
            {
                "name": "app",
                "ready": False,
                "restartCount": 4,
                "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                "lastState": {
                    "terminated": {"exitCode": 1, "reason": "Error", "finishedAt": stamp(now - 150)}
                },
            }
        ],
    }
    store_put(sim, "pods", _pod("crash", crash))
    store_put(
        sim,
        "pods",
        _pod(
            "done",
            {
                "phase": "Succeeded",
                "containerStatuses": [
                    {
                        "name": "app",
                        "ready": False,
                        "restartCount": 0,
                        "state": {"terminated": {"exitCode": 0, "reason": "Completed"}},
                    }
                ],
            },
        ),
    )
    store_put(
        sim,
        "pods",
        _pod(
            "going",
            {
                "phase": "Running",
                "containerStatuses": [
                    {"name": "app", "ready": True, "restartCount": 0, "state": {"running": {}}}
                ],
            },
            deletionTimestamp=stamp(now + 30),
        ),
    )
    store_put(
        sim,
        "pods",
        _pod(
            "pulling",
            {
                "phase": "Pending",
                "containerStatuses": [
                    {
                        "name": "app",
                        "ready": False,
                        "restartCount": 0,
                        "state": {"waiting": {"reason": "ImagePullBackOff"}},
                    }
                ],
            },
        ),
    )
    rows = {r["NAME"]: r for r in table(ok(kubectl("get", "pods")))}
    assert (rows["crash"]["READY"], rows["crash"]["STATUS"], rows["crash"]["RESTARTS"]) == (
        "0/1",
        "CrashLoopBackOff",
        "4 (2m30s ago)",
    )
    assert (rows["done"]["STATUS"], rows["done"]["READY"]) == ("Completed", "0/1")
    assert (rows["going"]["STATUS"], rows["going"]["READY"]) == ("Terminating", "1/1")
    assert rows["pulling"]["STATUS"] == "ImagePullBackOff"


def test_ages_follow_the_virtual_clock(sim: RunningSim, kubectl: Any) -> None:
    sim.advance(3600)
    row = table(ok(kubectl("get", "deploy", "my-app")))[0]
    assert row["AGE"] in ("61m", "62m")


def test_kubectl_events_for_an_object_and_by_type(kubectl: Any) -> None:
    out = ok(kubectl("events", "--for", "deploy/my-app"))
    assert header(out) == ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    (row,) = table(out)
    assert (row["TYPE"], row["REASON"], row["OBJECT"]) == (
        "Normal",
        "ScalingReplicaSet",
        "Deployment/my-app",
    )
    assert row["MESSAGE"].startswith("Scaled up replica set my-app-") and row["MESSAGE"].endswith(
        "from 0 to 3"
    )
    warnings = table(ok(kubectl("events", "-A", "--types=Warning")))
    assert all(r["TYPE"] == "Warning" and r["NAMESPACE"] == "default" for r in warnings)
