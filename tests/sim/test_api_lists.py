"""Lists: pagination with consistent snapshots, selectors, metadata-only and Table forms."""

from __future__ import annotations

from typing import Any

from kubectl_stack_sim.runner import RunningSim

PODS = "/api/v1/namespaces/default/pods"
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io"


def _add_configmaps(api: Any, count: int) -> None:
    for i in range(count):
        status, _ = api.json(
            "/api/v1/namespaces/default/configmaps",
            method="POST",
            body={"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"cm-{i:02d}"}},
        )
        assert status == 201


def test_pages_are_a_consistent_snapshot(sim: RunningSim, api: Any) -> None:
    _add_configmaps(api, 5)
    status, first = api.json("/api/v1/namespaces/default/configmaps?limit=2")
    assert status == 200 and len(first["items"]) == 2
    token = first["metadata"]["continue"]
    assert first["metadata"]["remainingItemCount"] == 5  # 7 with app-config, kube-root-ca.crt
    api.request("/api/v1/namespaces/default/configmaps/cm-04", method="DELETE")
    names = [i["metadata"]["name"] for i in first["items"]]
    while token:
        status, page = api.json(f"/api/v1/namespaces/default/configmaps?limit=2&continue={token}")
        assert status == 200
        names += [i["metadata"]["name"] for i in page["items"]]
        assert page["metadata"]["resourceVersion"] == first["metadata"]["resourceVersion"]
        token = page["metadata"].get("continue", "")
    assert "cm-04" in names and len(names) == 7


def test_continue_token_expires_after_compaction(sim: RunningSim, api: Any) -> None:
    _add_configmaps(api, 3)
    _, first = api.json("/api/v1/namespaces/default/configmaps?limit=1")
    api.request("/api/v1/namespaces/default/configmaps/cm-00", method="DELETE")
    sim.call(sim.cluster.store.compact)
    status, body = api.json(
        f"/api/v1/namespaces/default/configmaps?limit=1&continue={first['metadata']['continue']}",
    )
    assert (status, body["reason"], body["code"]) == (410, "Expired", 410)
    assert body["message"].startswith("The provided continue parameter is too old")


def test_label_selector_operators(sim: RunningSim, api: Any) -> None:
    def names(selector: str) -> list[str]:
        status, body = api.json(f"{PODS}?labelSelector={selector}")
        assert status == 200, body
        return [i["metadata"]["name"] for i in body["items"]]

    everyone = names("")
    assert len(everyone) == 3
    assert names("app%3Dmy-app") == everyone
    assert names("app%20in%20(my-app,other)") == everyone
    assert names("app%20notin%20(my-app)") == []
    assert names("app!%3Dmy-app") == []
    assert names("pod-template-hash") == everyone
    assert names("!pod-template-hash") == []


def test_field_selectors_for_pods_and_events(sim: RunningSim, api: Any) -> None:
    _, pods = api.json(f"{PODS}?fieldSelector=status.phase%3DRunning,spec.nodeName%3Dnode-1")
    assert [p["spec"]["nodeName"] for p in pods["items"]] == ["node-1"]
    _, events = api.json(
        "/api/v1/namespaces/default/events?fieldSelector=involvedObject.kind%3DDeployment"
    )
    assert events["items"] and all(
        e["involvedObject"]["kind"] == "Deployment" for e in events["items"]
    )
    status, body = api.json(f"{PODS}?fieldSelector=spec.color%3Dred")
    assert (status, body["message"]) == (400, "field label not supported: spec.color")


def test_metadata_only_lists_carry_no_data(sim: RunningSim, api: Any) -> None:
    accept = "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io"
    status, body = api.json("/api/v1/namespaces/default/secrets", headers={"Accept": accept})
    assert status == 200
    assert body["kind"] == "PartialObjectMetadataList"
    item = body["items"][0]
    assert item["kind"] == "PartialObjectMetadata" and "data" not in item
    assert item["metadata"]["name"] == "app-secrets"


def test_table_rows_carry_metadata_or_the_whole_object(sim: RunningSim, api: Any) -> None:
    _, meta = api.json(PODS, headers={"Accept": TABLE})
    assert meta["kind"] == "Table"
    assert [c["name"] for c in meta["columnDefinitions"] if c["priority"] == 0] == [
        "Name",
        "Ready",
        "Status",
        "Restarts",
        "Age",
    ]
    assert meta["rows"][0]["object"]["kind"] == "PartialObjectMetadata"
    _, full = api.json(f"{PODS}?includeObject=Object", headers={"Accept": TABLE})
    assert full["rows"][0]["object"]["spec"]["containers"][0]["name"] == "app"


def test_hpa_is_served_as_v1_and_v2(sim: RunningSim, api: Any) -> None:
    _, v1 = api.json("/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers/my-app")
    assert v1["apiVersion"] == "autoscaling/v1"
    assert v1["spec"]["targetCPUUtilizationPercentage"] == 70
    assert isinstance(v1["status"]["currentCPUUtilizationPercentage"], int)
    _, v2 = api.json("/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/my-app")
    assert v2["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"] == 70
    v1["spec"]["maxReplicas"] = 9
    status, _ = api.json(
        "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers/my-app",
        method="PUT",
        body=v1,
    )
    assert status == 200
    _, after = api.json("/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/my-app")
    assert after["spec"]["maxReplicas"] == 9
    assert after["spec"]["behavior"] == v2["spec"]["behavior"]
