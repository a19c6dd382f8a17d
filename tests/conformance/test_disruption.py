"""PodDisruptionBudgets and the pods/eviction subresource: a budget's status as the disruption
controller counts it, and evictions allowed or refused (429) as kube-apiserver decides them;
through real kubectl, raw HTTP and the official Python client."""

from __future__ import annotations

import json
from typing import Any

from kubernetes import client, config

from kubectl_stack_sim.runner import RunningSim

from .helpers import header, ok, table

PODS = "/api/v1/namespaces/default/pods"


def _pods(kubectl: Any) -> list[str]:
    return ok(kubectl("get", "pods", "-l", "app=my-app", "-o", "name")).replace("pod/", "").split()


def _evict(api: Any, name: str) -> tuple[int, Any]:
    body = {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": name}}
    return api.json(f"{PODS}/{name}/eviction", method="POST", body=body)


def test_a_budget_counts_healthy_pods_and_prints_as_kubectl(sim: RunningSim, kubectl: Any) -> None:
    ok(kubectl("create", "pdb", "my-app", "--selector=app=my-app", "--min-available=2"))
    sim.advance(1)
    out = ok(kubectl("get", "pdb"))
    assert header(out) == ["NAME", "MIN AVAILABLE", "MAX UNAVAILABLE", "ALLOWED DISRUPTIONS", "AGE"]
    (row,) = table(out)
    assert (row["MIN AVAILABLE"], row["MAX UNAVAILABLE"], row["ALLOWED DISRUPTIONS"]) == (
        "2",
        "N/A",
        "1",
    )
    status = json.loads(ok(kubectl("get", "pdb", "my-app", "-o", "json")))["status"]
    assert (status["currentHealthy"], status["desiredHealthy"], status["expectedPods"]) == (3, 2, 3)
    assert status["conditions"][0]["reason"] == "SufficientPods"
    ok(kubectl("create", "pdb", "pct", "--selector=app=my-app", "--max-unavailable=50%"))
    sim.advance(1)
    pct = json.loads(ok(kubectl("get", "pdb", "pct", "-o", "json")))["status"]
    # 50% of the Deployment's 3 replicas, rounded up, may be unavailable: 1 must stay.
    assert (pct["desiredHealthy"], pct["disruptionsAllowed"]) == (1, 2)


def test_eviction_spends_the_budget_then_is_refused(
    sim: RunningSim, kubectl: Any, api: Any
) -> None:
    ok(kubectl("create", "pdb", "my-app", "--selector=app=my-app", "--min-available=2"))
    sim.advance(1)
    first, second = _pods(kubectl)[:2]
    code, body = _evict(api, first)
    assert code == 201
    assert body == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "code": 201,
    }
    code, body = _evict(api, second)
    assert code == 429
    assert body["message"] == "Cannot evict pod as it would violate the pod's disruption budget."
    assert body["details"]["causes"] == [
        {
            "reason": "DisruptionBudget",
            "message": "The disruption budget my-app needs 2 healthy pods and has 3 currently",
        }
    ]
    evicted = json.loads(ok(kubectl("get", "pod", first, "-o", "json")))
    assert evicted["metadata"]["deletionTimestamp"]
    sim.advance(60)  # the replacement becomes ready: the budget allows one again
    (row,) = table(ok(kubectl("get", "pdb")))
    assert row["ALLOWED DISRUPTIONS"] == "1"
    assert _evict(api, second)[0] == 201


def test_a_pod_without_a_budget_is_simply_deleted(sim: RunningSim, kubectl: Any, api: Any) -> None:
    name = _pods(kubectl)[0]
    assert _evict(api, name)[0] == 201
    code, body = _evict(api, "nope")
    assert (code, body["reason"]) == (404, "NotFound")


def test_both_bounds_are_refused(kubectl: Any) -> None:
    manifest = {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": "both"},
        "spec": {"minAvailable": 1, "maxUnavailable": 1, "selector": {"matchLabels": {"a": "b"}}},
    }
    done = kubectl("apply", "-f", "-", input=json.dumps(manifest))
    assert done.returncode == 1
    assert "minAvailable and maxUnavailable cannot be both set" in done.stderr


def test_official_client_evicts_and_manages_budgets(sim: RunningSim, kubectl: Any) -> None:
    api_client = config.new_client_from_config(config_file=str(sim.kubeconfig))
    try:
        policy, core = client.PolicyV1Api(api_client), client.CoreV1Api(api_client)
        selector = client.V1LabelSelector(match_labels={"app": "my-app"})
        policy.create_namespaced_pod_disruption_budget(
            "default",
            client.V1PodDisruptionBudget(
                metadata=client.V1ObjectMeta(name="typed"),
                spec=client.V1PodDisruptionBudgetSpec(min_available=3, selector=selector),
            ),
        )
        sim.advance(1)
        budget = policy.read_namespaced_pod_disruption_budget("typed", "default")
        assert budget.status.disruptions_allowed == 0
        eviction = client.V1Eviction(metadata=client.V1ObjectMeta(name=_pods(kubectl)[0]))
        try:
            core.create_namespaced_pod_eviction(eviction.metadata.name, "default", eviction)
        except client.ApiException as exc:
            assert exc.status == 429
        else:
            raise AssertionError("the eviction should have been refused")
        patched = policy.patch_namespaced_pod_disruption_budget(
            "typed", "default", {"spec": {"minAvailable": 1}}
        )
        assert patched.spec.min_available == 1
        assert policy.delete_namespaced_pod_disruption_budget("typed", "default")["status"] == (
            "Success"
        )
    finally:
        api_client.close()
