"""DELETE answers as kube-apiserver gives them, per kind and propagation policy, checked
through the official Python client, real kubectl and the bytes on the wire."""

from __future__ import annotations

import json
from typing import Any

import pytest
from kubernetes import client

from kubectl_stack_sim.runner import RunningSim

from .helpers import ok


@pytest.fixture
def core(official: client.ApiClient) -> client.ApiClient:
    return official


def _meta(name: str) -> client.V1ObjectMeta:
    return client.V1ObjectMeta(name=name)


def test_official_client_deletes_every_kind_without_a_client_side_error(
    core: client.ApiClient,
) -> None:
    v1 = client.CoreV1Api(core)
    storage = client.StorageV1Api(core)
    apps = client.AppsV1Api(core)
    v1.create_namespaced_service(
        "default",
        client.V1Service(
            metadata=_meta("svc"), spec=client.V1ServiceSpec(ports=[client.V1ServicePort(port=80)])
        ),
    )
    storage.create_storage_class(
        client.V1StorageClass(metadata=_meta("fast"), provisioner="example.com/fast")
    )
    claim = v1.create_namespaced_persistent_volume_claim(
        "default",
        client.V1PersistentVolumeClaim(
            metadata=_meta("data"),
            spec=client.V1PersistentVolumeClaimSpec(
                access_modes=["ReadWriteOnce"],
                resources=client.V1VolumeResourceRequirements(requests={"storage": "1Gi"}),
            ),
        ),
    )
    assert claim.metadata.finalizers == ["kubernetes.io/pvc-protection"]
    v1.create_namespaced_config_map("default", client.V1ConfigMap(metadata=_meta("cm")))

    # Registries with ReturnDeletedObject answer with the object...
    svc = v1.delete_namespaced_service("svc", "default")
    assert isinstance(svc, client.V1Service) and svc.metadata.name == "svc"
    sc = storage.delete_storage_class("fast")
    assert isinstance(sc, client.V1StorageClass) and sc.provisioner == "example.com/fast"
    # ... a claim no pod mounts is marked, then freed by pvc-protection.
    pvc = v1.delete_namespaced_persistent_volume_claim("data", "default")
    assert isinstance(pvc, client.V1PersistentVolumeClaim)
    assert pvc.metadata.deletion_timestamp is not None
    # ... the others with a Success Status.
    # (The client declares these as a plain object and hands back the decoded dict.)
    status = v1.delete_namespaced_config_map("cm", "default")
    assert status["status"] == "Success"
    assert status["details"]["kind"] == "configmaps" and "group" not in status["details"]
    status = apps.delete_namespaced_deployment("my-app", "default")
    assert (status["details"]["group"], status["details"]["kind"]) == ("apps", "deployments")


def test_status_bodies_are_the_api_servers_bytes(api: Any) -> None:
    code, _, raw = api.request("/api/v1/namespaces/default/configmaps/nope")
    assert code == 404
    assert raw == (
        b'{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",'
        b'"message":"configmaps \\"nope\\" not found","reason":"NotFound",'
        b'"details":{"name":"nope","kind":"configmaps"},"code":404}\n'
    )
    api.request(
        "/api/v1/namespaces/default/configmaps",
        method="POST",
        body={"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm"}},
    )
    _, created = api.json("/api/v1/namespaces/default/configmaps/cm")
    code, _, raw = api.request("/api/v1/namespaces/default/configmaps/cm", method="DELETE")
    assert code == 200
    uid = created["metadata"]["uid"]
    assert raw == (
        b'{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success",'
        b'"details":{"name":"cm","kind":"configmaps","uid":"' + uid.encode() + b'"}}\n'
    )


def test_a_claim_in_use_stays_terminating_until_its_pod_is_gone(
    sim: RunningSim, kubectl: Any
) -> None:
    claim = {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": "data"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
    }
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "db"},
        "spec": {
            "nodeName": "node-1",
            "containers": [{"name": "db", "image": "postgres:16"}],
            "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}],
        },
    }
    ok(
        kubectl(
            "apply",
            "-f",
            "-",
            input=json.dumps({"kind": "List", "apiVersion": "v1", "items": [claim, pod]}),
        )
    )
    ok(kubectl("delete", "pvc", "data", "--wait=false"))
    sim.advance(5)
    marked = json.loads(ok(kubectl("get", "pvc", "data", "-o", "json")))
    assert marked["metadata"]["finalizers"] == ["kubernetes.io/pvc-protection"]
    assert "Terminating" in ok(kubectl("get", "pvc", "data"))
    ok(kubectl("delete", "pod", "db", "--wait=false"))
    sim.advance(60)
    gone = kubectl("get", "pvc", "data")
    assert gone.returncode == 1 and "NotFound" in gone.stderr


def _owned_by(kubectl: Any, kind: str) -> list[list[str]]:
    items = json.loads(ok(kubectl("get", kind, "-o", "json")))["items"]
    return [[r["kind"] for r in i["metadata"].get("ownerReferences") or []] for i in items]


def test_orphan_propagation_keeps_replicasets_without_their_owner(
    sim: RunningSim, kubectl: Any
) -> None:
    out = ok(kubectl("delete", "deploy", "my-app", "--cascade=orphan", "--wait=false"))
    assert out.strip() == 'deployment.apps "my-app" deleted from default namespace'
    sim.advance(5)
    assert kubectl("get", "deploy", "my-app").returncode == 1
    assert _owned_by(kubectl, "rs") == [[]]
    assert _owned_by(kubectl, "pods") == [["ReplicaSet"]] * 3


def test_foreground_propagation_keeps_the_owner_until_its_dependents_are_gone(
    sim: RunningSim, kubectl: Any
) -> None:
    ok(kubectl("delete", "deploy", "my-app", "--cascade=foreground", "--wait=false"))
    sim.advance(0)
    dep = json.loads(ok(kubectl("get", "deploy", "my-app", "-o", "json")))
    assert dep["metadata"]["finalizers"] == ["foregroundDeletion"]
    assert dep["metadata"]["deletionTimestamp"]
    rs = json.loads(ok(kubectl("get", "rs", "-o", "json")))["items"]
    assert [r["metadata"].get("finalizers") for r in rs] == [["foregroundDeletion"]]
    sim.advance(60)
    assert ok(kubectl("get", "deploy,rs,pods", "-l", "app=my-app", "-o", "name")) == ""
