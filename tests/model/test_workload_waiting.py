"""A StatefulSet's or DaemonSet's row says what ``kubectl rollout status`` waits for, in short,
as a Deployment's does ("Waiting 1/3 ready"), never a word kubectl does not use."""

from __future__ import annotations

from typing import Any

from kubectl_stack.model.stack import summarize
from kubectl_stack.model.workloads.daemonset import daemonset_rollout_status
from kubectl_stack.model.workloads.statefulset import statefulset_rollout_status

NOW = 1_800_000_000.0


def _sts(**status: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": "db", "namespace": "shop", "generation": 2, "uid": "u1"},
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app": "db"}},
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
            "template": {"metadata": {"labels": {"app": "db"}}, "spec": {"containers": []}},
        },
        "status": {"observedGeneration": 2, **status},
    }


def _ds(**status: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": "agent", "namespace": "shop", "generation": 1, "uid": "u2"},
        "spec": {
            "selector": {"matchLabels": {"app": "agent"}},
            "updateStrategy": {"type": "RollingUpdate"},
            "template": {"metadata": {"labels": {"app": "agent"}}, "spec": {"containers": []}},
        },
        "status": {"observedGeneration": 1, "desiredNumberScheduled": 3, **status},
    }


def test_statefulset_waiting_follows_the_branch_kubectl_waits_on() -> None:
    status = statefulset_rollout_status(_sts(readyReplicas=1, updatedReplicas=3))
    assert status.message == "Waiting for 2 pods to be ready..."
    assert status.waiting == "Waiting 1/3 ready"
    status = statefulset_rollout_status(_sts(readyReplicas=3, updatedReplicas=1))
    assert status.message.startswith("Waiting for partitioned roll out to finish: 1 out of 3")
    assert status.waiting == "Waiting 1/3 updated"


def test_daemonset_waiting_follows_the_branch_kubectl_waits_on() -> None:
    status = daemonset_rollout_status(_ds(updatedNumberScheduled=1, numberAvailable=3))
    assert status.waiting == "Waiting 1/3 updated"
    status = daemonset_rollout_status(_ds(updatedNumberScheduled=3, numberAvailable=2))
    assert status.waiting == "Waiting 2/3 available"


def test_rows_of_other_workload_kinds_say_waiting_not_progressing() -> None:
    snapshot = {
        "statefulsets": [_sts(readyReplicas=1, updatedReplicas=3, replicas=3)],
        "daemonsets": [_ds(updatedNumberScheduled=1, numberAvailable=3)],
    }
    labels = {row.kind: row.rollout_label for row in summarize(snapshot, NOW)}
    assert labels == {"StatefulSet": "Waiting 1/3 ready", "DaemonSet": "Waiting 1/3 updated"}
