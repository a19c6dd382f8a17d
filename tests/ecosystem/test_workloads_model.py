"""StatefulSet and DaemonSet rollout status messages for every branch of kubectl's viewers,
and the undo plan's choices (the live comparison with kubectl is in test_kubectl_workloads)."""

from __future__ import annotations

from typing import Any

import pytest

from kubectl_stack.model.workloads import (
    daemonset_rollout_status,
    history_text,
    kind_of,
    statefulset_rollout_status,
    undo_plan,
    workload_rollout_status,
)


def _sts(
    *,
    replicas: int = 3,
    generation: int = 2,
    strategy: dict[str, Any] | None = None,
    **status: Any,
) -> dict[str, Any]:
    return {
        "kind": "StatefulSet",
        "metadata": {"name": "db", "generation": generation},
        "spec": {
            "replicas": replicas,
            "updateStrategy": strategy
            if strategy is not None
            else {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
        },
        "status": {"observedGeneration": 2, **status},
    }


@pytest.mark.parametrize(
    ("sts", "message", "done"),
    [
        (_sts(generation=3), "Waiting for statefulset spec update to be observed...", False),
        (_sts(readyReplicas=1), "Waiting for 2 pods to be ready...", False),
        (
            _sts(
                readyReplicas=3,
                updatedReplicas=1,
                strategy={"type": "RollingUpdate", "rollingUpdate": {"partition": 1}},
            ),
            "Waiting for partitioned roll out to finish: 1 out of 2 new pods have been updated...",
            False,
        ),
        (
            _sts(
                readyReplicas=3,
                updatedReplicas=2,
                strategy={"type": "RollingUpdate", "rollingUpdate": {"partition": 1}},
            ),
            "partitioned roll out complete: 2 new pods have been updated...",
            True,
        ),
        (
            _sts(
                readyReplicas=3,
                updatedReplicas=1,
                currentRevision="db-a",
                updateRevision="db-b",
                strategy={"type": "RollingUpdate"},
            ),
            "waiting for statefulset rolling update to complete 1 pods at revision db-b...",
            False,
        ),
        (
            _sts(
                readyReplicas=3,
                currentReplicas=3,
                currentRevision="db-b",
                updateRevision="db-b",
                strategy={"type": "RollingUpdate"},
            ),
            "statefulset rolling update complete 3 pods at revision db-b...",
            True,
        ),
    ],
)
def test_statefulset_rollout_status_matches_kubectl_branches(
    sts: dict[str, Any], message: str, done: bool
) -> None:
    status = statefulset_rollout_status(sts)
    assert (status.message, status.done, status.error) == (message, done, "")


def test_on_delete_statefulset_has_no_rollout_status() -> None:
    status = statefulset_rollout_status(_sts(strategy={"type": "OnDelete"}))
    assert status.error == "rollout status is only available for RollingUpdate strategy type"


def _ds(generation: int = 1, **status: Any) -> dict[str, Any]:
    return {
        "kind": "DaemonSet",
        "metadata": {"name": "agent", "generation": generation},
        "spec": {"updateStrategy": {"type": "RollingUpdate"}},
        "status": {"observedGeneration": 1, **status},
    }


@pytest.mark.parametrize(
    ("ds", "message"),
    [
        (_ds(generation=2), "Waiting for daemon set spec update to be observed..."),
        (
            _ds(desiredNumberScheduled=3, updatedNumberScheduled=1),
            'Waiting for daemon set "agent" rollout to finish: 1 out of 3 new pods have been '
            "updated...",
        ),
        (
            _ds(desiredNumberScheduled=3, updatedNumberScheduled=3, numberAvailable=2),
            'Waiting for daemon set "agent" rollout to finish: 2 of 3 updated pods are '
            "available...",
        ),
        (
            _ds(desiredNumberScheduled=3, updatedNumberScheduled=3, numberAvailable=3),
            'daemon set "agent" successfully rolled out',
        ),
    ],
)
def test_daemonset_rollout_status_matches_kubectl_branches(
    ds: dict[str, Any], message: str
) -> None:
    assert daemonset_rollout_status(ds).message == message


def _revision(number: int, image: str, uid: str = "u1") -> dict[str, Any]:
    return {
        "metadata": {
            "name": f"db-{number}",
            "namespace": "default",
            "labels": {"app": "db"},
            "ownerReferences": [{"uid": uid, "controller": True}],
        },
        "revision": number,
        "data": {
            "spec": {
                "template": {
                    "metadata": {"labels": {"app": "db"}},
                    "spec": {"containers": [{"name": "db", "image": image}]},
                    "$patch": "replace",
                }
            }
        },
    }


def _owner(image: str) -> dict[str, Any]:
    return {
        "kind": "StatefulSet",
        "metadata": {"name": "db", "namespace": "default", "uid": "u1"},
        "spec": {
            "selector": {"matchLabels": {"app": "db"}},
            "template": {
                "metadata": {"labels": {"app": "db"}},
                "spec": {"containers": [{"name": "db", "image": image}]},
            },
        },
    }


def test_undo_targets_the_second_newest_revision_and_sends_its_data() -> None:
    revisions = [
        _revision(1, "pg:15"),
        _revision(2, "pg:16"),
        _revision(3, "pg:17"),
        _revision(9, "pg:9", uid="someone-else"),
    ]
    plan = undo_plan(_owner("pg:17"), revisions)
    assert (plan.ok, plan.to_revision, plan.message) == (True, 2, "rolled back")
    assert plan.patch == revisions[1]["data"]
    assert [(d.old, d.new) for d in plan.diff] == [("pg:17", "pg:16")]


def test_undo_to_the_current_template_is_skipped_and_unknown_revisions_fail() -> None:
    revisions = [_revision(1, "pg:15"), _revision(2, "pg:16")]
    skipped = undo_plan(_owner("pg:16"), revisions, to_revision=2)
    assert skipped.skipped
    assert skipped.message == "skipped rollback (current template already matches revision 2)"
    assert undo_plan(_owner("pg:16"), revisions, 5).error == (
        "unable to find specified revision 5 in history"
    )
    assert undo_plan(_owner("pg:16"), revisions[:1]).error == "no last revision to roll back to"


def test_history_lists_revisions_with_change_cause() -> None:
    first = _revision(1, "pg:15")
    first["metadata"]["annotations"] = {"kubernetes.io/change-cause": "initial install"}
    text = history_text(_owner("pg:16"), [first, _revision(2, "pg:16")], 0.0)
    assert text == "REVISION  CHANGE-CAUSE\n1         initial install\n2         <none>"
    assert history_text(_owner("pg:16"), [], 0.0) == "No rollout history found."


def test_list_items_without_kind_still_get_their_own_status_viewer() -> None:
    ds = _ds(desiredNumberScheduled=3, updatedNumberScheduled=3, numberAvailable=3)
    del ds["kind"]
    sts = _sts(readyReplicas=3, updatedReplicas=3)
    del sts["kind"]
    assert (kind_of(ds), kind_of(sts), kind_of(sts, "DaemonSet")) == (
        "DaemonSet",
        "StatefulSet",
        "DaemonSet",
    )
    assert workload_rollout_status(ds).message == 'daemon set "agent" successfully rolled out'
    assert workload_rollout_status(sts).done
