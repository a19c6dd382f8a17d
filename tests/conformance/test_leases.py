"""Leases: served, printed and validated as by kube-apiserver; every node's kubelet holds one in
``kube-node-lease`` and renews it every 10 virtual seconds; through real kubectl (get, watch,
describe, apply, delete) and the official Python client."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from kubernetes import client

from kubectl_stack_sim.controllers.leases import LEASES
from kubectl_stack_sim.runner import RunningSim

from .helpers import AGE, header, ok, table

LEASE = {
    "apiVersion": "coordination.k8s.io/v1",
    "kind": "Lease",
    "metadata": {"name": "my-leader"},
    "spec": {"holderIdentity": "pod-a", "leaseDurationSeconds": 15},
}


def _renewed(kubectl: Any, node: str) -> str:
    return ok(
        kubectl("get", "lease", node, "-n", "kube-node-lease", "-o", "jsonpath={.spec.renewTime}")
    )


def test_each_node_holds_a_lease_renewed_every_ten_seconds(sim: RunningSim, kubectl: Any) -> None:
    out = ok(kubectl("get", "leases", "-n", "kube-node-lease", "-o", "wide"))
    assert header(out) == ["NAME", "HOLDER", "AGE"]
    nodes = ok(kubectl("get", "nodes", "-o", "name")).split()
    rows = table(out)
    assert [r["NAME"] for r in rows] == [n.removeprefix("node/") for n in nodes]
    assert all(r["HOLDER"] == r["NAME"] and AGE.match(r["AGE"]) for r in rows)
    lease = json.loads(ok(kubectl("get", "lease", "node-1", "-n", "kube-node-lease", "-o", "json")))
    node = json.loads(ok(kubectl("get", "node", "node-1", "-o", "json")))
    assert lease["spec"]["leaseDurationSeconds"] == 40
    (owner,) = lease["metadata"]["ownerReferences"]
    assert owner == {
        "apiVersion": "v1",
        "kind": "Node",
        "name": "node-1",
        "uid": node["metadata"]["uid"],
    }

    # A watch sees the kubelet's renewals as the virtual clock runs.
    seen: list[str] = []
    watch = threading.Thread(
        target=lambda: seen.append(
            kubectl(
                "get",
                "lease",
                "node-1",
                "-n",
                "kube-node-lease",
                "--watch-only",
                "--output-watch-events",
                "-o",
                'jsonpath={.type} {.object.spec.renewTime}{"\\n"}',
                "--request-timeout=8s",
            ).stdout
        )
    )
    before = _renewed(kubectl, "node-1")
    watch.start()
    # The clock moves once kubectl's watch is registered with the store.
    deadline = time.monotonic() + 20
    while not any(w.gr == LEASES for w in sim.call(sim.cluster.store.watchers)):
        assert time.monotonic() < deadline, "kubectl's watch never reached the server"
        time.sleep(0.05)
    sim.advance(25)
    watch.join(timeout=30)
    after = _renewed(kubectl, "node-1")
    assert after > before
    events = seen[0].split("\n")
    assert [e.split()[0] for e in events if e][:2] == ["MODIFIED", "MODIFIED"]
    assert f"MODIFIED {after}" in seen[0]


def test_apply_get_describe_delete_through_kubectl(kubectl: Any) -> None:
    assert ok(kubectl("apply", "-f", "-", input=json.dumps(LEASE))).strip() == (
        "lease.coordination.k8s.io/my-leader created"
    )
    (row,) = table(ok(kubectl("get", "lease", "-o", "wide")))
    assert (row["NAME"], row["HOLDER"]) == ("my-leader", "pod-a")
    ok(
        kubectl(
            "patch", "lease", "my-leader", "--type=merge", "-p", '{"spec":{"holderIdentity":null}}'
        )
    )
    (row,) = table(ok(kubectl("get", "lease")))
    assert row["HOLDER"] == ""
    described = ok(kubectl("describe", "lease", "my-leader"))
    assert "Lease Duration Seconds:  15" in described
    assert ok(kubectl("delete", "lease", "my-leader")).strip() == (
        'lease.coordination.k8s.io "my-leader" deleted from default namespace'
    )


def test_a_lease_of_no_duration_is_refused(kubectl: Any) -> None:
    bad = {**LEASE, "spec": {"holderIdentity": "a", "leaseDurationSeconds": 0}}
    done = kubectl("apply", "-f", "-", input=json.dumps(bad))
    assert done.returncode == 1
    assert done.stderr.strip() == (
        'The Lease "my-leader" is invalid: spec.leaseDurationSeconds: Invalid value: 0: '
        "must be greater than 0"
    )


def test_official_client_creates_reads_updates_patches_lists_and_deletes(
    sim: RunningSim, official: client.ApiClient
) -> None:
    api = client.CoordinationV1Api(official)
    created = api.create_namespaced_lease("default", LEASE)
    assert created.spec.lease_duration_seconds == 15
    read = api.read_namespaced_lease("my-leader", "default")
    read.spec.holder_identity = "pod-b"
    read.spec.lease_transitions = 1
    replaced = api.replace_namespaced_lease("my-leader", "default", read)
    assert (replaced.spec.holder_identity, replaced.spec.lease_transitions) == ("pod-b", 1)
    patched = api.patch_namespaced_lease(
        "my-leader", "default", {"metadata": {"labels": {"a": "b"}}}
    )
    assert patched.metadata.labels == {"a": "b"}
    node_leases = api.list_namespaced_lease("kube-node-lease").items
    assert {lease.spec.holder_identity for lease in node_leases} == {"node-1", "node-2", "node-3"}
    assert node_leases[0].spec.renew_time is not None
    assert api.delete_namespaced_lease("my-leader", "default")["status"] == "Success"
