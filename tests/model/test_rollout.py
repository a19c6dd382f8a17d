"""Rollout status (ported from kubectl's rollout_status_test.go), deployment columns
(printers_test.go TestPrintDeployment), budgets and state."""

from __future__ import annotations

from typing import Any

import pytest

from kubectl_stack.model.pods import PodRow, pod_row
from kubectl_stack.model.workloads.base import progress_bar
from kubectl_stack.model.workloads.deployment import (
    budget,
    deployment_row,
    resolve_fenceposts,
    rollout,
    rollout_status,
)

from .factories import NOW, deployment, replicaset, stamp

WAIT_FOO = 'Waiting for deployment "foo" rollout to finish: '


def _status(generation: int, spec_replicas: int, **status: int) -> dict[str, Any]:
    dep = deployment("foo", replicas=spec_replicas, generation=generation, observed=1)
    dep["status"].update(status)
    return dep


@pytest.mark.parametrize(
    ("generation", "replicas", "status", "message", "done"),
    [
        (
            0,
            1,
            {"replicas": 1, "updatedReplicas": 0, "availableReplicas": 1},
            WAIT_FOO + "0 out of 1 new replicas have been updated...",
            False,
        ),
        (
            1,
            1,
            {"replicas": 2, "updatedReplicas": 1, "availableReplicas": 2},
            WAIT_FOO + "1 old replicas are pending termination...",
            False,
        ),
        (
            1,
            2,
            {"replicas": 2, "updatedReplicas": 2, "availableReplicas": 1},
            WAIT_FOO + "1 of 2 updated replicas are available...",
            False,
        ),
        (
            1,
            2,
            {"replicas": 2, "updatedReplicas": 2, "availableReplicas": 2},
            'deployment "foo" successfully rolled out',
            True,
        ),
        (
            2,
            2,
            {"replicas": 2, "updatedReplicas": 2, "availableReplicas": 2},
            "Waiting for deployment spec update to be observed...",
            False,
        ),
    ],
)
def test_rollout_status_matches_kubectl(
    generation: int, replicas: int, status: dict[str, int], message: str, done: bool
) -> None:
    verdict = rollout_status(_status(generation, replicas, **status))
    assert (verdict.message, verdict.done, verdict.error) == (message, done, "")


def test_rollout_status_reports_exceeded_deadline_as_an_error() -> None:
    dep = _status(1, 3, replicas=3, updatedReplicas=1)
    dep["status"]["conditions"] = [
        {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}
    ]
    assert rollout_status(dep).error == 'deployment "foo" exceeded its progress deadline'


def test_rollout_status_checks_the_requested_revision() -> None:
    dep = _status(1, 1, replicas=1, updatedReplicas=1, availableReplicas=1)
    assert rollout_status(dep, revision=2).error == (
        "desired revision (2) is different from the running revision (1)"
    )


def test_deployment_columns_match_kubectl() -> None:
    dep = deployment("test1", replicas=5, created=stamp(-1.9))
    dep["spec"]["template"]["spec"]["containers"] = [
        {"name": "fake-container1", "image": "fake-image1"},
        {"name": "fake-container2", "image": "fake-image2"},
    ]
    dep["spec"]["selector"] = {"matchLabels": {"foo": "bar"}}
    dep["status"].update(replicas=10, updatedReplicas=2, availableReplicas=1, unavailableReplicas=4)
    row = deployment_row(dep, NOW)
    assert (row.name, row.ready, row.up_to_date, row.available, row.age) == (
        "test1",
        "0/5",
        2,
        1,
        "0s",
    )
    assert (row.containers, row.images, row.selector) == (
        "fake-container1,fake-container2",
        "fake-image1,fake-image2",
        "foo=bar",
    )


def test_selector_with_expressions_prints_like_kubectl() -> None:
    dep = deployment()
    dep["spec"]["selector"] = {
        "matchLabels": {"tier": "web"},
        "matchExpressions": [
            {"key": "env", "operator": "In", "values": ["prod", "canary"]},
            {"key": "legacy", "operator": "DoesNotExist"},
        ],
    }
    assert deployment_row(dep, NOW).selector == "env in (canary,prod),!legacy,tier=web"


@pytest.mark.parametrize(
    ("surge", "unavailable", "desired", "expected"),
    [
        ("25%", "25%", 3, (1, 0)),
        ("25%", "25%", 10, (3, 2)),
        (1, 1, 3, (1, 1)),
        ("0%", "1%", 2, (0, 1)),  # both round to 0: unavailable becomes 1
        ("1%", "25%", 2, (1, 0)),
        (0, 0, 5, (0, 1)),
    ],
)
def test_fenceposts_round_like_kube(
    surge: Any, unavailable: Any, desired: int, expected: tuple[int, int]
) -> None:
    assert resolve_fenceposts(surge, unavailable, desired) == expected


def test_budget_text_states_pod_bounds() -> None:
    dep = deployment(
        strategy={"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 1}}
    )
    assert budget(dep).text == "≤ 4 pods (3 + surge 1) · ≥ 2 available (3 − 1)"
    assert budget(deployment(strategy={"type": "Recreate"})).strategy == "Recreate"


def _rolling(image: str = "my-app:1.5.0") -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    dep = deployment(image=image, revision=2, generation=2, observed=2)
    dep["status"].update(replicas=4, updatedReplicas=1, readyReplicas=3, availableReplicas=3)
    dep["status"]["conditions"] = [
        {
            "type": "Progressing",
            "status": "True",
            "reason": "ReplicaSetUpdated",
            "lastUpdateTime": stamp(72),
            "lastTransitionTime": stamp(72),
        }
    ]
    old = replicaset(dep, 1, "my-app:1.4.2", replicas=3, ready=3, created=stamp(86400))
    new = replicaset(dep, 2, image, replicas=1, created=stamp(72))
    return dep, old, new


def _pod(
    owner: dict[str, Any], name: str, ready: bool, created: float = 30, **waiting: str
) -> PodRow:
    state: dict[str, Any] = {"waiting": waiting} if waiting else {"running": {}}
    return pod_row(
        {
            "metadata": {
                "name": name,
                "uid": name,
                "creationTimestamp": stamp(created),
                "ownerReferences": [{"uid": owner["metadata"]["uid"], "controller": True}],
            },
            "spec": {"containers": [{"name": "app"}]},
            "status": {
                "phase": "Running",
                "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
                "containerStatuses": [{"name": "app", "ready": ready, "state": state}],
            },
        },
        NOW,
    )


def test_rollout_in_progress_reports_numbers_and_deadline() -> None:
    dep, old, new = _rolling()
    pods = [_pod(old, f"old-{i}", True) for i in range(3)] + [_pod(new, "new-0", False)]
    r = rollout(dep, [old, new], pods, NOW)
    assert (r.state, r.label) == ("progressing", "Waiting 1/3 updated")
    assert r.status.message == (
        'Waiting for deployment "my-app" rollout to finish: '
        "1 out of 3 new replicas have been updated..."
    )
    assert (r.updated, r.available, r.old_pending, r.new_replicaset) == (1, 3, 3, "my-app-h2")
    assert (r.elapsed_text, r.deadline_text) == ("1m 12s elapsed", "progress deadline in 8m 48s")


def test_new_pods_crash_looping_while_old_serve_is_waiting_not_stalled() -> None:
    # kubectl rollout status still says "Waiting for deployment ..." and the controller has
    # not given up (Progressing is True): the app says so too, and names the failing pod.
    dep, old, new = _rolling()
    pods = [
        _pod(old, "old-0", True),
        _pod(
            new,
            "new-0",
            False,
            reason="CrashLoopBackOff",
            message="back-off 40s restarting failed container=app pod=x",
        ),
    ]
    r = rollout(dep, [old, new], pods, NOW)
    assert (r.state, r.label) == ("progressing", "Waiting 1/3 updated")
    assert (r.failing_pod, r.failing_count) == ("new-0", 1)
    assert r.failing_reason == "CrashLoopBackOff: back-off 40s restarting failed container app"


@pytest.mark.parametrize(
    ("status", "label"),
    [
        ({"replicas": 4, "updatedReplicas": 1, "availableReplicas": 3}, "Waiting 1/3 updated"),
        ({"replicas": 5, "updatedReplicas": 3, "availableReplicas": 3}, "Waiting 2 old pending"),
        ({"replicas": 3, "updatedReplicas": 3, "availableReplicas": 2}, "Waiting 2/3 available"),
    ],
)
def test_waiting_label_follows_the_branch_kubectl_waits_on(
    status: dict[str, int], label: str
) -> None:
    dep, old, new = _rolling()
    dep["status"].update(status)
    assert rollout(dep, [old, new], [], NOW).label == label
    dep["metadata"]["generation"] = 3
    assert rollout(dep, [old, new], [], NOW).label == "Waiting for spec update"


def test_paused_rollout_shows_no_deadline_countdown() -> None:
    # The controller runs no progress check while paused: Progressing is Unknown/
    # DeploymentPaused and its lastUpdateTime is when the pause was observed.
    dep, old, new = _rolling()
    dep["spec"]["paused"] = True
    dep["status"]["conditions"][0].update(
        status="Unknown", reason="DeploymentPaused", lastUpdateTime=stamp(3600)
    )
    r = rollout(dep, [old, new], [], NOW)
    assert (r.state, r.label, r.deadline_left, r.deadline_text) == ("paused", "Paused", None, "")
    # Resumed in the spec, not yet observed by the controller: still no countdown.
    dep["spec"]["paused"] = False
    r = rollout(dep, [old, new], [], NOW)
    assert (r.state, r.deadline_text) == ("progressing", "")
    # Observed: the deadline counts from the resume (DeploymentTimedOut reads lastUpdateTime).
    dep["status"]["conditions"][0].update(reason="DeploymentResumed", lastUpdateTime=stamp(30))
    assert rollout(dep, [old, new], [], NOW).deadline_text == "progress deadline in 9m 30s"


def test_elapsed_counts_from_the_new_replicaset_not_the_old_one() -> None:
    dep, old, new = _rolling()  # old created a day ago, new 72 s ago
    assert rollout(dep, [old, new], [], NOW).elapsed_text == "1m 12s elapsed"


def test_rollback_elapsed_counts_from_the_rollback_not_the_revived_replicaset() -> None:
    # Undo to revision 1: its ReplicaSet (10 days old) becomes revision 3 and records the
    # revision it had; the rollout began when it created its first pod again (40 s ago).
    dep, old, new = _rolling()
    revived = replicaset(
        dep,
        3,
        "my-app:1.4.2",
        replicas=1,
        created=stamp(10 * 86400),
        annotations={"deployment.kubernetes.io/revision-history": "1"},
        hash_="h1",
    )
    new["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = "2"
    dep["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = "3"
    pods = [_pod(revived, "back-0", False, created=40), _pod(new, "new-0", False, created=70)]
    r = rollout(dep, [revived, new], pods, NOW)
    assert (r.new_replicaset, r.elapsed_text) == ("my-app-h1", "40s elapsed")
    # A rollback that kept pods from before the revision it left has no start to tell.
    kept = [_pod(revived, "back-0", True, created=5 * 86400)]
    assert rollout(dep, [revived, new], kept, NOW).elapsed_text == ""


def test_scaling_a_complete_deployment_is_no_rollout() -> None:
    # kubectl waits for the added pods, but the controller's condition says the rollout is
    # complete (no progress check): no elapsed time counted from the ReplicaSet's creation,
    # no countdown.
    dep, old, new = _rolling()
    dep["spec"]["replicas"] = 5
    dep["status"].update(replicas=5, updatedReplicas=5, availableReplicas=3)
    dep["status"]["conditions"][0].update(reason="NewReplicaSetAvailable")
    r = rollout(dep, [new], [], NOW)
    assert (r.label, r.elapsed_text, r.deadline_text) == ("Waiting 3/5 available", "", "")


def test_paused_and_deadline_exceeded_states() -> None:
    dep, old, new = _rolling()
    dep["spec"]["paused"] = True
    assert rollout(dep, [old, new], [], NOW).label == "Paused"
    dep, old, new = _rolling()
    dep["status"]["conditions"][0].update(status="False", reason="ProgressDeadlineExceeded")
    r = rollout(dep, [old, new], [], NOW)
    assert (r.state, r.label, r.deadline_text) == (
        "deadline-exceeded",
        "Deadline exceeded",
        "progress deadline exceeded",
    )


def test_complete_rollout_is_full() -> None:
    dep = deployment(
        status={"replicas": 3, "updatedReplicas": 3, "availableReplicas": 3, "readyReplicas": 3}
    )
    r = rollout(dep, [replicaset(dep, 1, "my-app:1.4.2", replicas=3, ready=3)], [], NOW)
    assert (r.state, r.label, r.progress) == ("complete", "Complete", 1.0)
    assert progress_bar(r.progress) == "▰▰▰▰▰▰▰▰" and progress_bar(0.5, 4) == "▰▰▱▱"
