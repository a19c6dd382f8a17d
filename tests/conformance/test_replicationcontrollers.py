"""ReplicationControllers: served, printed and validated as by kube-apiserver, kept at their
replica count by the replication manager; through real kubectl and the official Python
client."""

from __future__ import annotations

import json
from typing import Any

from kubernetes import client

from kubectl_stack_sim.runner import RunningSim

from .helpers import AGE, header, ok, table

RC = {
    "apiVersion": "v1",
    "kind": "ReplicationController",
    "metadata": {"name": "web"},
    "spec": {
        "replicas": 3,
        "template": {
            "metadata": {"labels": {"app": "web", "tier": "front"}},
            "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]},
        },
    },
}


def _pods(kubectl: Any) -> list[dict[str, Any]]:
    listed = json.loads(ok(kubectl("get", "pods", "-l", "app=web", "-o", "json")))
    return [p for p in listed["items"] if not p["metadata"].get("deletionTimestamp")]


def test_create_get_scale_describe_delete_through_kubectl(sim: RunningSim, kubectl: Any) -> None:
    assert ok(kubectl("apply", "-f", "-", input=json.dumps(RC))).strip() == (
        "replicationcontroller/web created"
    )
    sim.advance(5)
    out = ok(kubectl("get", "rc", "-o", "wide"))
    assert header(out) == [
        "NAME",
        "DESIRED",
        "CURRENT",
        "READY",
        "AGE",
        "CONTAINERS",
        "IMAGES",
        "SELECTOR",
    ]
    (row,) = table(out)
    cells = (row["NAME"], row["DESIRED"], row["CURRENT"], row["READY"])
    assert cells == ("web", "3", "3", "3")
    assert (row["CONTAINERS"], row["IMAGES"]) == ("nginx", "nginx:1.27")
    assert row["SELECTOR"] == "app=web,tier=front"
    assert AGE.match(row["AGE"])
    stored = json.loads(ok(kubectl("get", "rc", "web", "-o", "json")))
    # SetDefaults_ReplicationController: selector and labels from the template's labels.
    assert stored["spec"]["selector"] == {"app": "web", "tier": "front"}
    assert stored["metadata"]["labels"] == {"app": "web", "tier": "front"}
    status = stored["status"]
    assert (status["replicas"], status["readyReplicas"], status["availableReplicas"]) == (3, 3, 3)
    pods = _pods(kubectl)
    assert len(pods) == 3
    for pod in pods:
        (ref,) = pod["metadata"]["ownerReferences"]
        assert (ref["kind"], ref["name"], ref["controller"]) == (
            "ReplicationController",
            "web",
            True,
        )

    assert ok(kubectl("scale", "rc", "web", "--replicas=1")).strip() == (
        "replicationcontroller/web scaled"
    )
    sim.advance(40)
    (row,) = table(ok(kubectl("get", "rc", "web")))
    assert (row["DESIRED"], row["CURRENT"], row["READY"]) == ("1", "1", "1")
    assert len(_pods(kubectl)) == 1
    described = ok(kubectl("describe", "rc", "web"))
    assert "Replicas:     1 current / 1 desired" in described
    assert "Pods Status:  1 Running / 0 Waiting / 0 Succeeded / 0 Failed" in described
    assert "replication-controller  Created pod: web-" in described
    assert "replication-controller  Deleted pod: web-" in described

    assert ok(kubectl("delete", "rc", "web")).strip() == (
        'replicationcontroller "web" deleted from default namespace'
    )
    sim.advance(40)
    assert ok(kubectl("get", "pods", "-l", "app=web", "-o", "name")) == ""


def test_a_deleted_pod_is_replaced(sim: RunningSim, kubectl: Any) -> None:
    ok(kubectl("apply", "-f", "-", input=json.dumps(RC)))
    sim.advance(5)
    victim = _pods(kubectl)[0]["metadata"]["name"]
    ok(kubectl("delete", "pod", victim, "--wait=false"))
    sim.advance(40)
    names = {p["metadata"]["name"] for p in _pods(kubectl)}
    assert len(names) == 3 and victim not in names


def test_a_selector_that_misses_the_template_is_refused(kubectl: Any) -> None:
    bad = json.loads(json.dumps(RC))
    bad["spec"]["selector"] = {"app": "other"}
    done = kubectl("apply", "-f", "-", input=json.dumps(bad))
    assert done.returncode == 1
    assert done.stderr.strip() == (
        'The ReplicationController "web" is invalid: spec.template.metadata.labels: '
        'Invalid value: map[string]string{"app":"web", "tier":"front"}: '
        "selector does not match labels in spec.template"
    )


def test_official_client_creates_reads_scales_patches_and_deletes(
    sim: RunningSim, official: client.ApiClient
) -> None:
    api = client.CoreV1Api(official)
    created = api.create_namespaced_replication_controller("default", RC)
    assert created.spec.replicas == 3 and created.spec.selector == {"app": "web", "tier": "front"}
    sim.advance(5)
    read = api.read_namespaced_replication_controller("web", "default")
    assert read.status.ready_replicas == 3
    scale = api.patch_namespaced_replication_controller_scale(
        "web", "default", {"spec": {"replicas": 2}}
    )
    assert scale.spec.replicas == 2 and scale.status.selector == "app=web,tier=front"
    patched = api.patch_namespaced_replication_controller(
        "web", "default", {"metadata": {"labels": {"owner": "me"}}}
    )
    assert patched.metadata.labels["owner"] == "me"
    sim.advance(40)
    status = api.read_namespaced_replication_controller_status("web", "default").status
    assert (status.replicas, status.ready_replicas) == (2, 2)
    deleted = api.delete_namespaced_replication_controller("web", "default")
    assert deleted["status"] == "Success"
