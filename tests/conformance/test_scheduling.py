"""Where pods land and why they wait, through real kubectl: DaemonSet pods on their own
nodes, nodeSelector and node affinity honoured, kube-scheduler's refusals when nothing fits
or a claim is not bound."""

from __future__ import annotations

import json
from typing import Any

from kubectl_stack.model.storage import pod_volume_reason
from kubectl_stack_sim.runner import RunningSim

from .helpers import ok, table

DAEMONSET = """\
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: agent, image: agent:1}]}
"""


def _pod(name: str, spec: str) -> str:
    return (
        f"apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}}}\n"
        f"spec:\n  containers: [{{name: app, image: app:1}}]\n{spec}"
    )


def _scheduled(kubectl: Any, name: str) -> dict[str, Any]:
    pod = json.loads(ok(kubectl("get", "pod", name, "-o", "json")))
    cond = next(c for c in pod["status"].get("conditions", []) if c["type"] == "PodScheduled")
    return {"node": pod["spec"].get("nodeName", ""), "phase": pod["status"]["phase"], **cond}


def test_daemonset_pods_run_on_the_node_each_was_made_for(sim: RunningSim, kubectl: Any) -> None:
    # Daemon pods request no CPU: a least-requested choice alone would stack them on one node.
    ok(kubectl("apply", "-f", "-", input=DAEMONSET))
    sim.advance(10)
    rows = table(ok(kubectl("get", "pods", "-l", "app=agent", "-o", "wide")))
    assert len(rows) == 3
    pods = json.loads(ok(kubectl("get", "pods", "-l", "app=agent", "-o", "json")))["items"]
    for pod in pods:
        terms = pod["spec"]["affinity"]["nodeAffinity"][
            "requiredDuringSchedulingIgnoredDuringExecution"
        ]["nodeSelectorTerms"]
        assert pod["spec"]["nodeName"] == terms[0]["matchFields"][0]["values"][0]
    assert sorted(r["NODE"] for r in rows) == ["node-1", "node-2", "node-3"]
    assert {r["STATUS"] for r in rows} == {"Running"}
    assert ok(kubectl("get", "ds", "agent", "-o", "jsonpath={.status.numberReady}")) == "3"


def test_node_selector_and_affinity_choose_the_node(sim: RunningSim, kubectl: Any) -> None:
    ok(
        kubectl(
            "apply",
            "-f",
            "-",
            input=_pod("pinned", "  nodeSelector: {kubernetes.io/hostname: node-3}\n"),
        )
    )
    affinity = (
        "  affinity:\n    nodeAffinity:\n      requiredDuringSchedulingIgnoredDuringExecution:\n"
        "        nodeSelectorTerms:\n"
        "        - matchExpressions: [{key: kubernetes.io/hostname, operator: NotIn, "
        "values: [node-1, node-3]}]\n"
    )
    ok(kubectl("apply", "-f", "-", input=_pod("avoids", affinity)))
    sim.advance(5)
    assert _scheduled(kubectl, "pinned")["node"] == "node-3"
    assert _scheduled(kubectl, "avoids")["node"] == "node-2"


def test_pod_no_node_fits_stays_pending_until_a_node_is_labelled(
    sim: RunningSim, kubectl: Any
) -> None:
    ok(kubectl("apply", "-f", "-", input=_pod("needs-ssd", "  nodeSelector: {disk: ssd}\n")))
    sim.advance(5)
    waiting = _scheduled(kubectl, "needs-ssd")
    message = (
        "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. "
        "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."
    )
    assert (waiting["node"], waiting["phase"], waiting["status"]) == ("", "Pending", "False")
    assert (waiting["reason"], waiting["message"]) == ("Unschedulable", message)
    events = ok(kubectl("get", "events", "--field-selector", "involvedObject.name=needs-ssd"))
    assert "FailedScheduling" in events and "didn't match Pod's node affinity/selector" in events
    row = table(ok(kubectl("get", "pod", "needs-ssd", "-o", "wide")))[0]
    assert (row["STATUS"], row["NODE"]) == ("Pending", "<none>")
    ok(kubectl("label", "node", "node-2", "disk=ssd"))
    sim.advance(5)
    placed = _scheduled(kubectl, "needs-ssd")
    assert (placed["node"], placed["status"], placed["phase"]) == ("node-2", "True", "Running")


CLAIM = """\
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
"""
DEFAULT_CLASS = """\
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: standard
  annotations: {storageclass.kubernetes.io/is-default-class: "true"}
provisioner: rancher.io/local-path
volumeBindingMode: Immediate
"""
VOLUME = "  volumes: [{name: data, persistentVolumeClaim: {claimName: data}}]\n"


def test_pod_with_an_unbound_claim_waits_then_runs_once_bound(
    sim: RunningSim, kubectl: Any
) -> None:
    ok(kubectl("apply", "-f", "-", input=CLAIM))
    ok(kubectl("apply", "-f", "-", input=_pod("db", VOLUME)))
    sim.advance(10)
    waiting = _scheduled(kubectl, "db")
    assert (waiting["node"], waiting["phase"], waiting["reason"]) == (
        "",
        "Pending",
        "Unschedulable",
    )
    assert waiting["message"] == (
        "0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. "
        "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."
    )
    described = ok(kubectl("describe", "pod", "db"))
    assert "Warning  FailedScheduling" in described
    assert "pod has unbound immediate PersistentVolumeClaims" in described
    pod = json.loads(ok(kubectl("get", "pod", "db", "-o", "json")))
    claims = json.loads(ok(kubectl("get", "pvc", "-o", "json")))["items"]
    assert pod_volume_reason(pod, claims) == "waiting for PVC data (Pending)"
    ok(kubectl("apply", "-f", "-", input=DEFAULT_CLASS))
    sim.advance(10)
    assert ok(kubectl("get", "pvc", "data", "-o", "jsonpath={.status.phase}")) == "Bound"
    placed = _scheduled(kubectl, "db")
    assert (placed["status"], placed["phase"]) == ("True", "Running")
    assert placed["node"].startswith("node-")


def test_pod_with_a_missing_claim_names_it(sim: RunningSim, kubectl: Any) -> None:
    ok(kubectl("apply", "-f", "-", input=_pod("orphan", VOLUME)))
    sim.advance(5)
    assert _scheduled(kubectl, "orphan")["message"].startswith(
        '0/3 nodes are available: persistentvolumeclaim "data" not found. preemption: '
    )
