"""NetworkPolicies: stored, defaulted, validated and printed as by kube-apiserver (the
embedded cluster has no network to enforce them on); through real kubectl and the official
Python client."""

from __future__ import annotations

import json
from typing import Any

from kubernetes import client, config

from kubectl_stack_sim.runner import RunningSim

from .helpers import AGE, header, ok, table

POLICY = {
    "apiVersion": "networking.k8s.io/v1",
    "kind": "NetworkPolicy",
    "metadata": {"name": "db-from-app"},
    "spec": {
        "podSelector": {"matchLabels": {"app": "db"}},
        "ingress": [
            {
                "from": [{"podSelector": {"matchLabels": {"app": "my-app"}}}],
                "ports": [{"port": 5432}],
            }
        ],
    },
}


def test_apply_get_describe_delete_through_kubectl(kubectl: Any) -> None:
    ok(kubectl("apply", "-f", "-", input=json.dumps(POLICY)))
    out = ok(kubectl("get", "netpol", "-o", "wide"))
    assert header(out) == ["NAME", "POD-SELECTOR", "AGE"]
    (row,) = table(out)
    assert (row["NAME"], row["POD-SELECTOR"]) == ("db-from-app", "app=db")
    assert AGE.match(row["AGE"])
    stored = json.loads(ok(kubectl("get", "netpol", "db-from-app", "-o", "json")))
    assert stored["spec"]["policyTypes"] == ["Ingress"]
    assert stored["spec"]["ingress"][0]["ports"] == [{"port": 5432, "protocol": "TCP"}]
    described = ok(kubectl("describe", "netpol", "db-from-app"))
    assert "PodSelector:     app=db" in described
    ok(kubectl("delete", "netpol", "db-from-app"))


def test_an_unknown_protocol_is_refused(kubectl: Any) -> None:
    bad = json.loads(json.dumps(POLICY))
    bad["spec"]["ingress"][0]["ports"][0]["protocol"] = "ICMP"
    done = kubectl("apply", "-f", "-", input=json.dumps(bad))
    assert done.returncode == 1
    assert done.stderr.strip() == (
        'The NetworkPolicy "db-from-app" is invalid: spec.ingress[0].ports[0].protocol: '
        'Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"'
    )


def test_official_client_creates_reads_patches_and_deletes(sim: RunningSim) -> None:
    api_client = config.new_client_from_config(config_file=str(sim.kubeconfig))
    try:
        api = client.NetworkingV1Api(api_client)
        created = api.create_namespaced_network_policy("default", POLICY)
        assert created.spec.policy_types == ["Ingress"]
        patched = api.patch_namespaced_network_policy(
            "db-from-app", "default", {"spec": {"policyTypes": ["Ingress", "Egress"]}}
        )
        assert patched.spec.policy_types == ["Ingress", "Egress"]
        assert api.read_namespaced_network_policy("db-from-app", "default").metadata.uid
        assert api.delete_namespaced_network_policy("db-from-app", "default")["status"] == "Success"
    finally:
        api_client.close()
