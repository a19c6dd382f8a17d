"""The one registry of kinds, and the WorkloadRef value every layer passes."""

from __future__ import annotations

import dataclasses

import pytest

from kubectl_stack import kinds as K
from kubectl_stack.kube import kinds as kube_kinds
from kubectl_stack.model import stack
from kubectl_stack.model.ref import WorkloadRef


def test_every_layer_reads_the_same_kinds() -> None:
    assert kube_kinds.DEPLOYMENTS is K.DEPLOYMENTS
    assert kube_kinds.WORKLOADS is K.WORKLOADS
    assert set(K.WORKLOADS) == {"Deployment", "StatefulSet", "DaemonSet"}
    assert set(stack.KINDS) <= {k.name for k in K.ALL}


def test_store_keys_and_paths_are_the_api_s() -> None:
    assert K.store_key("StatefulSet") == "statefulsets"
    assert K.store_key("HorizontalPodAutoscaler") == "horizontalpodautoscalers"
    assert K.store_key("pods") == "pods"
    assert K.DAEMONSETS.path("shop", "agent") == "/apis/apps/v1/namespaces/shop/daemonsets/agent"
    assert K.PODS.path(None) == "/api/v1/pods"
    assert K.POD_METRICS.path("a") == "/apis/metrics.k8s.io/v1beta1/namespaces/a/pods"
    # kubectl's short names (kubectl api-resources)
    assert [K.WORKLOADS[k].short for k in ("Deployment", "StatefulSet", "DaemonSet")] == [
        "deploy",
        "sts",
        "ds",
    ]


def test_workload_ref_is_a_frozen_value_with_the_stacks_row_key() -> None:
    web = WorkloadRef("Deployment", "shop", "web")
    db = WorkloadRef("StatefulSet", "shop", "db")
    assert web.key == "shop/web"
    assert db.key == "shop/StatefulSet/db"
    assert WorkloadRef.parse(web.key) == web
    assert WorkloadRef.parse(db.key) == db
    assert WorkloadRef.parse("#group/team-a") is None
    assert len({web, WorkloadRef("Deployment", "shop", "web")}) == 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        web.name = "other"  # type: ignore[misc]


def test_the_command_bar_s_kind_words_are_kubectl_s_type_names() -> None:
    for word in ("deploy", "deployment", "Deployments", "deployments.v1.apps", "deploy.apps"):
        assert K.workload_named(word) is K.DEPLOYMENTS, word
    assert K.workload_named("statefulsets") is K.STATEFULSETS
    assert K.workload_named("ds") is K.DAEMONSETS
    for word in ("pods", "", "deployments.extensions", "Deploy"):
        assert K.workload_named(word) is None, word
