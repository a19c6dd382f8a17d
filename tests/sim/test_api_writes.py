"""Writes over HTTP: the three patch formats, subresources, deletion semantics and the
errors a client gets for malformed requests."""

from __future__ import annotations

from typing import Any

from kubectl_stack_sim.api.patch import json_patch, merge_patch, strategic_merge

DEPLOY = "/apis/apps/v1/namespaces/default/deployments/my-app"
SMP = "application/strategic-merge-patch+json"


def test_strategic_merge_merges_containers_by_name() -> None:
    doc = {"spec": {"containers": [{"name": "a", "image": "a:1"}, {"name": "b", "image": "b:1"}]}}
    patched = strategic_merge(doc, {"spec": {"containers": [{"name": "b", "image": "b:2"}]}})
    assert patched["spec"]["containers"] == [
        {"name": "a", "image": "a:1"},
        {"name": "b", "image": "b:2"},
    ]
    removed = strategic_merge(doc, {"spec": {"containers": [{"name": "a", "$patch": "delete"}]}})
    assert removed["spec"]["containers"] == [{"name": "b", "image": "b:1"}]
    ordered = strategic_merge(
        doc,
        {
            "spec": {
                "$setElementOrder/containers": [{"name": "b"}, {"name": "a"}],
                "containers": [{"name": "a", "image": "a:2"}],
            }
        },
    )
    assert [c["image"] for c in ordered["spec"]["containers"]] == ["b:1", "a:2"]
    assert doc["spec"]["containers"][0]["image"] == "a:1"  # inputs are untouched


def test_strategic_merge_directives_and_null_deletion() -> None:
    doc = {
        "metadata": {"labels": {"a": "1", "b": "2"}},
        "spec": {"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}},
    }
    patched = strategic_merge(
        doc,
        {
            "metadata": {"labels": {"a": None}},
            "spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}},
        },
    )
    assert patched == {
        "metadata": {"labels": {"b": "2"}},
        "spec": {"strategy": {"type": "Recreate"}},
    }
    replaced = strategic_merge(doc, {"metadata": {"labels": {"$patch": "replace", "c": "3"}}})
    assert replaced["metadata"]["labels"] == {"c": "3"}


def test_merge_and_json_patch() -> None:
    doc = {"spec": {"containers": [{"name": "a", "image": "a:1"}], "replicas": 1}}
    assert merge_patch(doc, {"spec": {"replicas": None}}) == {
        "spec": {"containers": [{"name": "a", "image": "a:1"}]}
    }
    ops = [
        {"op": "replace", "path": "/spec/containers/0/image", "value": "a:2"},
        {"op": "add", "path": "/spec/containers/-", "value": {"name": "b"}},
        {"op": "test", "path": "/spec/replicas", "value": 1},
        {"op": "remove", "path": "/spec/replicas"},
    ]
    assert json_patch(doc, ops) == {
        "spec": {"containers": [{"name": "a", "image": "a:2"}, {"name": "b"}]}
    }


def test_patch_over_http_bumps_generation_and_keeps_status(api: Any) -> None:
    _, before = api.json(DEPLOY)
    status, after = api.json(
        DEPLOY,
        method="PATCH",
        body={
            "spec": {"template": {"spec": {"containers": [{"name": "app", "image": "my-app:5"}]}}}
        },
        content_type=SMP,
    )
    assert status == 200
    assert after["metadata"]["generation"] == before["metadata"]["generation"] + 1
    assert after["status"] == before["status"]
    assert after["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]


def test_unknown_patch_type_and_malformed_bodies(api: Any) -> None:
    status, body = api.json(
        DEPLOY, method="PATCH", body={"a": 1}, content_type="application/x-unknown"
    )
    assert (status, body["reason"]) == (415, "UnsupportedMediaType")
    status, body = api.json(
        "/api/v1/namespaces/default/configmaps", method="POST", body=b"{not json"
    )
    assert (status, body["reason"]) == (400, "BadRequest")
    status, body = api.json(
        "/api/v1/namespaces/nowhere/configmaps",
        method="POST",
        body={"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}},
    )
    assert (status, body["message"]) == (404, 'namespaces "nowhere" not found')
    status, body = api.json("/api/v1/namespaces/default/configmaps/x", method="POST", body={})
    assert (status, body["reason"]) == (405, "MethodNotAllowed")


def test_generate_name_makes_a_unique_name(api: Any) -> None:
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"generateName": "job-"}}
    _, one = api.json("/api/v1/namespaces/default/configmaps", method="POST", body=body)
    _, two = api.json("/api/v1/namespaces/default/configmaps", method="POST", body=body)
    assert one["metadata"]["name"].startswith("job-") and len(one["metadata"]["name"]) == 9
    assert one["metadata"]["name"] != two["metadata"]["name"]


def test_scale_subresource_reads_and_writes_replicas(api: Any) -> None:
    _, scale = api.json(f"{DEPLOY}/scale")
    assert scale["kind"] == "Scale" and scale["apiVersion"] == "autoscaling/v1"
    assert (scale["spec"]["replicas"], scale["status"]["selector"]) == (3, "app=my-app")
    scale["spec"]["replicas"] = 4
    status, written = api.json(f"{DEPLOY}/scale", method="PUT", body=scale)
    assert (status, written["spec"]["replicas"]) == (200, 4)
    status, body = api.json(f"{DEPLOY}/scale", method="PUT", body=scale)  # stale version now
    assert (status, body["reason"]) == (409, "Conflict")


def test_status_subresource_changes_only_status(api: Any) -> None:
    _, current = api.json(DEPLOY)
    current["spec"]["replicas"] = 7
    current["status"]["observedGeneration"] = 99
    status, written = api.json(f"{DEPLOY}/status", method="PUT", body=current)
    assert status == 200
    assert written["spec"]["replicas"] == 3 and written["status"]["observedGeneration"] == 99


def test_pod_delete_is_graceful_and_other_kinds_go_at_once(sim: Any, api: Any) -> None:
    _, pods = api.json("/api/v1/namespaces/default/pods")
    name = pods["items"][0]["metadata"]["name"]
    status, pod = api.json(
        f"/api/v1/namespaces/default/pods/{name}", method="DELETE", body={"gracePeriodSeconds": 20}
    )
    assert status == 200
    assert (
        pod["metadata"]["deletionGracePeriodSeconds"] == 20 and pod["metadata"]["deletionTimestamp"]
    )
    assert api.request(f"/api/v1/namespaces/default/pods/{name}")[0] == 200
    sim.advance(25)
    assert api.request(f"/api/v1/namespaces/default/pods/{name}")[0] == 404
    status, body = api.json("/api/v1/namespaces/default/configmaps/app-config", method="DELETE")
    assert (status, body["status"]) == (200, "Success")
    assert api.request("/api/v1/namespaces/default/configmaps/app-config")[0] == 404


def test_delete_collection_by_label(api: Any) -> None:
    for name, team in (("a", "x"), ("b", "x"), ("c", "y")):
        api.request(
            "/api/v1/namespaces/default/configmaps",
            method="POST",
            body={
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": name, "labels": {"team": team}},
            },
        )
    status, body = api.json(
        "/api/v1/namespaces/default/configmaps?labelSelector=team%3Dx", method="DELETE"
    )
    assert status == 200 and sorted(i["metadata"]["name"] for i in body["items"]) == ["a", "b"]
    _, left = api.json("/api/v1/namespaces/default/configmaps?labelSelector=team")
    assert [i["metadata"]["name"] for i in left["items"]] == ["c"]
