"""APIServices: one local APIService for every group version the embedded cluster serves (the
aggregator's autoregister controller), Local and Available; a CRD's comes and goes with it; a
remote one naming a missing Service is unavailable; served, printed and validated as by
kube-apiserver; through real kubectl and the official Python client."""

from __future__ import annotations

import json
from typing import Any

from kubernetes import client

from kubectl_stack_sim.runner import RunningSim

from .helpers import AGE, header, ok, table

CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.example.com"},
    "spec": {
        "group": "example.com",
        "scope": "Namespaced",
        "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "schema": {"openAPIV3Schema": {"type": "object"}},
            }
        ],
    },
}
REMOTE = {
    "apiVersion": "apiregistration.k8s.io/v1",
    "kind": "APIService",
    "metadata": {"name": "v1beta1.custom.metrics.k8s.io"},
    "spec": {
        "group": "custom.metrics.k8s.io",
        "version": "v1beta1",
        "groupPriorityMinimum": 100,
        "versionPriority": 100,
        "insecureSkipTLSVerify": True,
        "service": {"name": "prometheus-adapter", "namespace": "monitoring"},
    },
}


def _name(group_version: str) -> str:
    group, _, version = group_version.rpartition("/")
    return f"{version}.{group}"


def test_every_served_group_version_has_a_local_apiservice(sim: RunningSim, kubectl: Any) -> None:
    out = ok(kubectl("get", "apiservices", "-o", "wide"))
    assert header(out) == ["NAME", "SERVICE", "AVAILABLE", "AGE"]
    rows = {r["NAME"]: r for r in table(out)}
    served = ok(kubectl("api-versions")).split()
    assert sorted(rows) == sorted(_name(gv) for gv in served)
    assert {"v1.", "v1.apps", "v2.autoscaling", "v1.apiregistration.k8s.io"} <= set(rows)
    for row in rows.values():
        assert (row["SERVICE"], row["AVAILABLE"]) == ("Local", "True") and AGE.match(row["AGE"])
    apps = json.loads(ok(kubectl("get", "apiservice", "v1.apps", "-o", "json")))
    assert apps["metadata"]["labels"] == {"kube-aggregator.kubernetes.io/automanaged": "onstart"}
    assert apps["spec"] == {
        "group": "apps",
        "version": "v1",
        "groupPriorityMinimum": 17800,
        "versionPriority": 15,
    }
    (available,) = apps["status"]["conditions"]
    assert (available["type"], available["reason"], available["message"]) == (
        "Available",
        "Local",
        "Local APIServices are always available",
    )
    assert "Message:               Local APIServices are always available" in ok(
        kubectl("describe", "apiservice", "v1.apps")
    )


def test_a_crd_brings_its_apiservice_and_takes_it_away(sim: RunningSim, kubectl: Any) -> None:
    ok(kubectl("apply", "-f", "-", input=json.dumps(CRD)))
    sim.advance(1)
    (row,) = table(ok(kubectl("get", "apiservice", "v1.example.com")))
    assert (row["SERVICE"], row["AVAILABLE"]) == ("Local", "True")
    obj = json.loads(ok(kubectl("get", "apiservice", "v1.example.com", "-o", "json")))
    assert obj["metadata"]["labels"] == {"kube-aggregator.kubernetes.io/automanaged": "true"}
    assert (obj["spec"]["groupPriorityMinimum"], obj["spec"]["versionPriority"]) == (1000, 100)
    ok(kubectl("delete", "crd", "widgets.example.com"))
    sim.advance(1)
    assert "v1.example.com" not in ok(kubectl("get", "apiservices", "-o", "name"))


def test_a_remote_apiservice_without_its_service_is_unavailable(
    sim: RunningSim, kubectl: Any
) -> None:
    ok(kubectl("apply", "-f", "-", input=json.dumps(REMOTE)))
    sim.advance(1)
    (row,) = table(ok(kubectl("get", "apiservice", "v1beta1.custom.metrics.k8s.io")))
    assert (row["SERVICE"], row["AVAILABLE"]) == (
        "monitoring/prometheus-adapter",
        "False (ServiceNotFound)",
    )
    described = ok(kubectl("describe", "apiservice", "v1beta1.custom.metrics.k8s.io"))
    assert 'Message:               service/prometheus-adapter in "monitoring" is not present' in (
        described
    )
    assert ok(kubectl("delete", "apiservice", "v1beta1.custom.metrics.k8s.io")).strip() == (
        'apiservice.apiregistration.k8s.io "v1beta1.custom.metrics.k8s.io" deleted'
    )


def test_an_apiservice_not_named_version_dot_group_is_refused(kubectl: Any) -> None:
    bad = json.loads(json.dumps(REMOTE))
    bad["metadata"]["name"] = "custom-metrics"
    done = kubectl("apply", "-f", "-", input=json.dumps(bad))
    assert done.returncode == 1
    assert done.stderr.strip() == (
        'The APIService "custom-metrics" is invalid: metadata.name: Invalid value: '
        '"custom-metrics": must be `spec.version+"."+spec.group`: '
        '"v1beta1.custom.metrics.k8s.io"'
    )


def test_official_client_creates_reads_patches_and_deletes(
    sim: RunningSim, official: client.ApiClient
) -> None:
    api = client.ApiregistrationV1Api(official)
    assert any(s.metadata.name == "v1." for s in api.list_api_service().items)
    created = api.create_api_service(REMOTE)
    assert created.spec.service.name == "prometheus-adapter"
    sim.advance(1)
    read = api.read_api_service_status("v1beta1.custom.metrics.k8s.io")
    assert read.status.conditions[0].reason == "ServiceNotFound"
    patched = api.patch_api_service(
        "v1beta1.custom.metrics.k8s.io", {"spec": {"versionPriority": 50}}
    )
    assert patched.spec.version_priority == 50
    assert api.delete_api_service("v1beta1.custom.metrics.k8s.io")["status"] == "Success"
