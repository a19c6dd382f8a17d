"""Deleting a namespace through real kubectl: Terminating while its contents go (pods
gracefully), refusing new content, then gone; the system namespaces cannot be deleted."""

from __future__ import annotations

import json
from typing import Any

from kubectl_stack_sim.runner import RunningSim

from .helpers import ok, table


def test_deleted_namespace_is_terminating_until_its_contents_are_gone(
    sim: RunningSim, kubectl: Any
) -> None:
    ok(kubectl("create", "namespace", "shop"))
    ok(kubectl("create", "deployment", "web", "--image=web:1", "--replicas=2", "-n", "shop"))
    ok(kubectl("create", "configmap", "settings", "-n", "shop", "--from-literal=a=b"))
    sim.advance(20)
    assert ok(kubectl("delete", "namespace", "shop", "--wait=false")).strip() == (
        'namespace "shop" deleted'
    )
    shop = next(r for r in table(ok(kubectl("get", "ns"))) if r["NAME"] == "shop")
    assert shop["STATUS"] == "Terminating"
    refused = kubectl("create", "configmap", "late", "-n", "shop")
    assert refused.returncode == 1
    assert (
        'configmaps "late" is forbidden: unable to create new content in namespace shop '
        "because it is being terminated"
    ) in refused.stderr
    sim.advance(0.5)  # the namespace controller has asked the pods to stop; they take 1 s
    pods = table(ok(kubectl("get", "pods", "-n", "shop")))
    assert [p["STATUS"] for p in pods] == ["Terminating", "Terminating"]
    assert ok(kubectl("get", "cm", "-n", "shop", "-o", "name")) == ""
    ns = json.loads(ok(kubectl("get", "ns", "shop", "-o", "json")))
    assert ns["status"]["phase"] == "Terminating" and ns["metadata"]["deletionTimestamp"]
    remaining = {c["type"]: c for c in ns["status"]["conditions"]}["NamespaceContentRemaining"]
    assert (remaining["status"], remaining["reason"]) == ("True", "SomeResourcesRemain")
    assert remaining["message"] == "Some resources are remaining: pods has 2 resource instances"
    sim.advance(5)
    gone = kubectl("get", "ns", "shop")
    assert gone.returncode == 1
    assert 'namespaces "shop" not found' in gone.stderr
    assert "shop" not in ok(kubectl("get", "pods", "-A"))


def test_system_namespaces_cannot_be_deleted(kubectl: Any) -> None:
    for name in ("default", "kube-system"):
        refused = kubectl("delete", "namespace", name)
        assert refused.returncode == 1
        assert refused.stderr.strip() == (
            f'Error from server (Forbidden): namespaces "{name}" is forbidden: '
            "this namespace may not be deleted"
        )
