"""Version and discovery as kubectl reads them."""

from __future__ import annotations

from typing import Any

from .helpers import header, ok, table


def test_version_reports_a_1_37_server(kubectl: Any) -> None:
    lines = ok(kubectl("version")).splitlines()
    assert lines[0].startswith("Client Version: v1.37.")
    assert lines[-1] == "Server Version: v1.37.0"


def test_api_resources_lists_the_served_kinds(kubectl: Any) -> None:
    out = ok(kubectl("api-resources"))
    assert header(out) == ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]
    rows = {(r["NAME"], r["APIVERSION"]): r for r in table(out)}
    expected = {
        ("pods", "v1"): ("po", "true", "Pod"),
        ("services", "v1"): ("svc", "true", "Service"),
        ("namespaces", "v1"): ("ns", "false", "Namespace"),
        ("deployments", "apps/v1"): ("deploy", "true", "Deployment"),
        ("replicasets", "apps/v1"): ("rs", "true", "ReplicaSet"),
        ("horizontalpodautoscalers", "autoscaling/v2"): ("hpa", "true", "HorizontalPodAutoscaler"),
        ("ingresses", "networking.k8s.io/v1"): ("ing", "true", "Ingress"),
        ("endpointslices", "discovery.k8s.io/v1"): ("", "true", "EndpointSlice"),
        ("pods", "metrics.k8s.io/v1beta1"): ("", "true", "PodMetrics"),
        ("replicationcontrollers", "v1"): ("rc", "true", "ReplicationController"),
        ("persistentvolumes", "v1"): ("pv", "false", "PersistentVolume"),
        ("resourcequotas", "v1"): ("quota", "true", "ResourceQuota"),
        ("limitranges", "v1"): ("limits", "true", "LimitRange"),
        ("leases", "coordination.k8s.io/v1"): ("", "true", "Lease"),
        ("apiservices", "apiregistration.k8s.io/v1"): ("", "false", "APIService"),
    }
    for key, (short, namespaced, kind) in expected.items():
        row = rows[key]
        assert (row["SHORTNAMES"], row["NAMESPACED"], row["KIND"]) == (short, namespaced, kind)
    wide = table(ok(kubectl("api-resources", "--api-group=apps", "-o", "wide")))
    deploy = next(r for r in wide if r["NAME"] == "deployments")
    assert deploy["VERBS"] == "create,delete,deletecollection,get,list,patch,update,watch"
    assert deploy["CATEGORIES"] == "all"
    every_verb = "create,delete,deletecollection,get,list,patch,update,watch"
    wide = {
        (r["NAME"], r["APIVERSION"]): r for r in table(ok(kubectl("api-resources", "-o", "wide")))
    }
    for name, version, categories in (
        ("replicationcontrollers", "v1", "all"),
        ("persistentvolumes", "v1", ""),
        ("resourcequotas", "v1", ""),
        ("limitranges", "v1", ""),
        ("leases", "coordination.k8s.io/v1", ""),
        ("apiservices", "apiregistration.k8s.io/v1", "api-extensions"),
    ):
        row = wide[(name, version)]
        assert (row["VERBS"], row["CATEGORIES"]) == (every_verb, categories)


def test_api_versions_and_explicit_versions(kubectl: Any) -> None:
    versions = ok(kubectl("api-versions")).split()
    assert {"v1", "apps/v1", "autoscaling/v1", "autoscaling/v2", "metrics.k8s.io/v1beta1"} <= set(
        versions
    )
    v1 = ok(
        kubectl(
            "get",
            "horizontalpodautoscalers.v1.autoscaling",
            "my-app",
            "-o",
            "jsonpath={.apiVersion} {.spec.targetCPUUtilizationPercentage}",
        )
    )
    assert v1 == "autoscaling/v1 70"
