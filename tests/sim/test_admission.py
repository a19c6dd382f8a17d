"""API defaulting and validation as a real apiserver does them, with kubectl's messages."""

from __future__ import annotations

import pytest

from kubectl_stack_sim.admission import Invalid, admit
from kubectl_stack_sim.cluster import Cluster
from kubectl_stack_sim.controllers.serviceaccounts import default_account
from kubectl_stack_sim.store import clone

from .conftest import deployment


def admitted(gr: str, obj: dict, old: dict | None = None) -> dict:
    cluster = Cluster.empty(seed=3)
    # What the service account controller gives every namespace.
    cluster.store.create("serviceaccounts", default_account(cluster.store, "default"))
    return admit(cluster, gr, clone(obj), old)


def test_deployment_defaults_match_the_apiserver() -> None:
    d = admitted("deployments.apps", deployment(readiness=True))
    spec = d["spec"]
    assert spec["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"},
    }
    assert (spec["revisionHistoryLimit"], spec["progressDeadlineSeconds"]) == (10, 600)
    pod_spec = spec["template"]["spec"]
    assert pod_spec["restartPolicy"] == "Always"
    assert pod_spec["dnsPolicy"] == "ClusterFirst"
    assert pod_spec["schedulerName"] == "default-scheduler"
    assert pod_spec["terminationGracePeriodSeconds"] == 30
    container = pod_spec["containers"][0]
    assert container["imagePullPolicy"] == "IfNotPresent"
    assert container["terminationMessagePath"] == "/dev/termination-log"
    assert container["ports"][0]["protocol"] == "TCP"
    assert container["readinessProbe"] == {
        "httpGet": {"path": "/ready", "port": 8080, "scheme": "HTTP"},
        "periodSeconds": 2,
        "timeoutSeconds": 1,
        "successThreshold": 1,
        "failureThreshold": 3,
    }


def test_latest_and_untagged_images_are_always_pulled() -> None:
    for image, policy in (
        ("nginx", "Always"),
        ("nginx:latest", "Always"),
        ("nginx:1", "IfNotPresent"),
    ):
        d = admitted("deployments.apps", deployment(image=image))
        assert d["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] == policy


def test_service_gets_a_cluster_ip_and_target_port() -> None:
    svc = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web"},
        "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]},
    }
    out = admitted("services", svc)
    assert out["metadata"]["namespace"] == "default"
    spec = out["spec"]
    assert spec["clusterIP"].startswith("10.") and spec["clusterIPs"] == [spec["clusterIP"]]
    assert spec["ports"] == [{"port": 80, "protocol": "TCP", "targetPort": 80}]
    assert (spec["type"], spec["sessionAffinity"]) == ("ClusterIP", "None")


def test_hpa_defaults_min_replicas_and_behavior() -> None:
    hpa = {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "web"},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
            "maxReplicas": 5,
        },
    }
    spec = admitted("horizontalpodautoscalers.autoscaling", hpa)["spec"]
    assert spec["minReplicas"] == 1
    assert spec["behavior"]["scaleDown"]["stabilizationWindowSeconds"] == 300
    assert spec["behavior"]["scaleUp"]["policies"][0] == {
        "type": "Pods",
        "value": 4,
        "periodSeconds": 15,
    }


def test_negative_replicas_is_invalid_with_kubectls_message() -> None:
    with pytest.raises(Invalid) as err:
        admitted("deployments.apps", deployment(replicas=-1))
    assert str(err.value) == (
        'The Deployment "web" is invalid: spec.replicas: Invalid value: -1: '
        "must be greater than or equal to 0"
    )
    status = err.value.status()
    assert (status["code"], status["reason"]) == (422, "Invalid")
    assert status["message"].startswith('Deployment.apps "web" is invalid: spec.replicas')
    assert status["details"]["causes"] == [
        {
            "reason": "FieldValueInvalid",
            "message": "Invalid value: -1: must be greater than or equal to 0",
            "field": "spec.replicas",
        }
    ]


def test_selector_must_match_template_labels() -> None:
    d = deployment()
    d["spec"]["selector"] = {"matchLabels": {"app": "other"}}
    with pytest.raises(Invalid) as err:
        admitted("deployments.apps", d)
    assert str(err.value) == (
        'The Deployment "web" is invalid: spec.template.metadata.labels: Invalid value: '
        'map[string]string{"app":"web"}: `selector` does not match template `labels`'
    )


def test_several_causes_are_listed_one_per_line() -> None:
    d = deployment(replicas=-2)
    d["spec"]["template"]["spec"]["containers"] = []
    with pytest.raises(Invalid) as err:
        admitted("deployments.apps", d)
    assert str(err.value) == (
        'The Deployment "web" is invalid: \n'
        "* spec.replicas: Invalid value: -2: must be greater than or equal to 0\n"
        "* spec.template.spec.containers: Required value\n"
    )


def test_bad_name_is_rejected() -> None:
    d = deployment(name="My_App")
    with pytest.raises(Invalid) as err:
        admitted("deployments.apps", d)
    assert err.value.causes[0]["field"] == "metadata.name"
    assert "a lowercase RFC 1123 subdomain" in err.value.causes[0]["message"]


def test_update_bumps_generation_on_spec_or_annotation_change_and_keeps_status() -> None:
    cluster = Cluster.empty(seed=3)
    old = admit(cluster, "deployments.apps", deployment(), None)
    old = cluster.store.create("deployments.apps", old)
    old = {**old, "status": {"replicas": 3}}
    same = admit(cluster, "deployments.apps", clone(old), old)
    assert same["metadata"]["generation"] == 1
    changed = clone(old)
    changed["spec"]["replicas"] = 4
    changed["status"] = {}
    new = admit(cluster, "deployments.apps", changed, old)
    assert new["metadata"]["generation"] == 2 and new["status"] == {"replicas": 3}
    annotated = clone(old)
    annotated["metadata"]["annotations"] = {"note": "x"}
    assert admit(cluster, "deployments.apps", annotated, old)["metadata"]["generation"] == 2


def test_selector_is_immutable() -> None:
    cluster = Cluster.empty(seed=3)
    old = admit(cluster, "deployments.apps", deployment(), None)
    new = clone(old)
    new["spec"]["selector"] = {"matchLabels": {"app": "web", "v": "2"}}
    new["spec"]["template"]["metadata"]["labels"]["v"] = "2"
    with pytest.raises(Invalid) as err:
        admit(cluster, "deployments.apps", new, old)
    assert err.value.causes[-1]["message"].endswith("field is immutable")


def test_new_pod_gets_service_account_volume_and_pending_status() -> None:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "c", "image": "busybox:1"}]},
    }
    out = admitted("pods", pod)
    assert out["status"] == {"phase": "Pending", "qosClass": "BestEffort"}
    assert out["spec"]["serviceAccountName"] == "default"
    assert out["spec"]["volumes"][0]["name"].startswith("kube-api-access-")
    mount = out["spec"]["containers"][0]["volumeMounts"][0]
    assert mount["mountPath"] == "/var/run/secrets/kubernetes.io/serviceaccount"
