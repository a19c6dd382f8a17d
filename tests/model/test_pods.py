"""Pod columns, ported from kubernetes printers_test.go (TestPrintPod*), and pod health."""

from __future__ import annotations

from typing import Any

import pytest

from kubectl_stack.model.events import ProbeFailures
from kubectl_stack.model.pods import pod_row

from .factories import NOW, stamp


def cs(
    *,
    ready: bool = False,
    restarts: int = 0,
    state: dict[str, Any] | None = None,
    last_finished_ago: float | None = None,
    name: str = "",
    started: bool | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name, "ready": ready, "restartCount": restarts}
    out["state"] = state or {}
    if last_finished_ago is not None:
        out["lastState"] = {"terminated": {"finishedAt": stamp(last_finished_ago)}}
    if started is not None:
        out["started"] = started
    return out


RUNNING: dict[str, Any] = {"running": {}}
WAITING: dict[str, Any] = {"waiting": {}}


def pod(
    name: str,
    *,
    containers: int = 1,
    init: list[dict[str, Any]] | int = 0,
    phase: str = "podPhase",
    reason: str = "",
    statuses: list[dict[str, Any]] | None = None,
    init_statuses: list[dict[str, Any]] | None = None,
    conditions: list[dict[str, Any]] | None = None,
    deleting: bool = False,
) -> dict[str, Any]:
    init_specs = init if isinstance(init, list) else [{"name": ""} for _ in range(init)]
    status: dict[str, Any] = {"phase": phase}
    if reason:
        status["reason"] = reason
    if statuses is not None:
        status["containerStatuses"] = statuses
    if init_statuses is not None:
        status["initContainerStatuses"] = init_statuses
    if conditions is not None:
        status["conditions"] = conditions
    meta: dict[str, Any] = {"name": name}
    if deleting:
        meta["deletionTimestamp"] = stamp(10)
    return {
        "metadata": meta,
        "spec": {
            "containers": [{"name": ""} for _ in range(containers)],
            "initContainers": init_specs,
        },
        "status": status,
    }


SIDECARS = [
    {"name": "restartable-init-1", "restartPolicy": "Always"},
    {"name": "restartable-init-2", "restartPolicy": "Always"},
]
NOT_INITIALIZED = [{"type": "Initialized", "status": "False"}]

# (pod, expected NAME READY STATUS RESTARTS AGE), from TestPrintPod and
# TestPrintPodWithRestartableInitContainer.
CASES = [
    (
        pod(
            "test1",
            containers=2,
            statuses=[cs(ready=True, restarts=3, state=RUNNING), cs(restarts=3)],
        ),
        ("test1", "1/2", "podPhase", "6", "<unknown>"),
    ),
    (
        pod(
            "test2",
            containers=2,
            statuses=[
                cs(ready=True, restarts=3, state=RUNNING),
                cs(restarts=3, state={"waiting": {"reason": "ContainerWaitingReason"}}),
            ],
        ),
        ("test2", "1/2", "ContainerWaitingReason", "6", "<unknown>"),
    ),
    (
        pod(
            "test3",
            containers=2,
            statuses=[
                cs(restarts=3, state={"waiting": {"reason": "ContainerWaitingReason"}}),
                cs(restarts=3, state={"terminated": {"reason": "ContainerTerminatedReason"}}),
            ],
        ),
        ("test3", "0/2", "ContainerWaitingReason", "6", "<unknown>"),
    ),
    (
        pod(
            "test4",
            containers=2,
            statuses=[cs(ready=True, restarts=3, state=RUNNING), cs(ready=True, restarts=3)],
        ),
        ("test4", "1/2", "podPhase", "6", "<unknown>"),
    ),
    (
        pod(
            "test5",
            containers=2,
            reason="podReason",
            statuses=[cs(ready=True, restarts=3, state=RUNNING), cs(ready=True, restarts=3)],
        ),
        ("test5", "1/2", "podReason", "6", "<unknown>"),
    ),
    (
        pod(
            "test6",
            containers=2,
            phase="Running",
            statuses=[
                cs(
                    ready=True,
                    restarts=3,
                    state={"terminated": {"reason": "Completed", "exitCode": 0}},
                ),
                cs(ready=True, restarts=3, state=RUNNING),
            ],
        ),
        ("test6", "1/2", "NotReady", "6", "<unknown>"),
    ),
    (
        pod(
            "test6",
            containers=2,
            phase="Running",
            statuses=[
                cs(
                    ready=True,
                    restarts=3,
                    state={"terminated": {"reason": "Completed", "exitCode": 0}},
                ),
                cs(ready=True, restarts=3, state=RUNNING),
            ],
            conditions=[{"type": "Ready", "status": "True"}],
        ),
        ("test6", "1/2", "Running", "6", "<unknown>"),
    ),
    (
        pod(
            "test7",
            init=1,
            init_statuses=[cs(restarts=3, state=RUNNING, last_finished_ago=10)],
            statuses=[cs(state=WAITING)],
        ),
        ("test7", "0/1", "Init:0/1", "3 (10s ago)", "<unknown>"),
    ),
    (
        pod(
            "test8",
            init=2,
            init_statuses=[cs(restarts=3, state=RUNNING, last_finished_ago=10), cs(state=WAITING)],
            statuses=[cs(state=WAITING)],
        ),
        ("test8", "0/1", "Init:0/2", "3 (10s ago)", "<unknown>"),
    ),
    (
        pod(
            "test9",
            init=2,
            init_statuses=[
                cs(state={"terminated": {}}),
                cs(restarts=3, state=RUNNING, last_finished_ago=10),
            ],
            statuses=[cs(state=WAITING)],
        ),
        ("test9", "0/1", "Init:1/2", "3 (10s ago)", "<unknown>"),
    ),
    (
        pod(
            "test10",
            init=2,
            init_statuses=[
                cs(restarts=2, state={"terminated": {}}, last_finished_ago=120),
                cs(restarts=3, state=RUNNING, last_finished_ago=10),
            ],
            statuses=[cs(state=WAITING)],
        ),
        ("test10", "0/1", "Init:1/2", "5 (10s ago)", "<unknown>"),
    ),
    (
        pod(
            "test11",
            init=1,
            phase="Running",
            init_statuses=[cs(restarts=2, state={"terminated": {}}, last_finished_ago=120)],
            statuses=[cs(restarts=4, state=RUNNING, last_finished_ago=20)],
        ),
        ("test11", "0/1", "Running", "4 (20s ago)", "<unknown>"),
    ),
    (
        pod(
            "test12",
            phase="Running",
            statuses=[cs(ready=True, restarts=3, state=RUNNING, last_finished_ago=5 * 86400)],
        ),
        ("test12", "1/1", "Running", "3 (5d ago)", "<unknown>"),
    ),
    (
        pod(
            "test13",
            containers=2,
            phase="Running",
            statuses=[
                cs(ready=True, state=RUNNING),
                cs(ready=True, restarts=3, state=RUNNING, last_finished_ago=10 * 86400),
            ],
        ),
        ("test13", "2/2", "Running", "3 (10d ago)", "<unknown>"),
    ),
    (
        pod(
            "test14",
            containers=2,
            phase="Running",
            statuses=[
                cs(ready=True, restarts=6, state=RUNNING, last_finished_ago=5 * 86400),
                cs(ready=True, restarts=3, state=RUNNING, last_finished_ago=20 * 86400),
            ],
        ),
        ("test14", "2/2", "Running", "9 (5d ago)", "<unknown>"),
    ),
    (
        pod(
            "test15",
            containers=2,
            conditions=[{"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}],
        ),
        ("test15", "0/2", "SchedulingGated", "0", "<unknown>"),
    ),
    (
        pod(
            "test16",
            phase="Succeeded",
            statuses=[cs(state={"terminated": {"reason": "Completed", "exitCode": 0}})],
        ),
        ("test16", "0/1", "Completed", "0", "<unknown>"),
    ),
    (
        pod(
            "test17",
            phase="Failed",
            statuses=[cs(state={"terminated": {"reason": "Error", "exitCode": 1}})],
        ),
        ("test17", "0/1", "Error", "0", "<unknown>"),
    ),
    (
        pod(
            "test18",
            phase="Succeeded",
            deleting=True,
            statuses=[cs(state={"terminated": {"reason": "Completed", "exitCode": 0}})],
        ),
        ("test18", "0/1", "Completed", "0", "<unknown>"),
    ),
    (
        pod("test19", phase="Running", deleting=True, statuses=[cs(state=RUNNING)]),
        ("test19", "0/1", "Terminating", "0", "<unknown>"),
    ),
    (
        pod("test20", phase="Pending", deleting=True),
        ("test20", "0/1", "Terminating", "0", "<unknown>"),
    ),
    (
        pod(
            "sidecar1",
            init=SIDECARS,
            phase="Pending",
            init_statuses=[
                cs(
                    name="restartable-init-1",
                    restarts=3,
                    state=RUNNING,
                    started=False,
                    last_finished_ago=10,
                ),
                cs(name="restartable-init-2", state=WAITING, started=False),
            ],
            statuses=[cs(state=WAITING)],
            conditions=NOT_INITIALIZED,
        ),
        ("sidecar1", "0/3", "Init:0/2", "3 (10s ago)", "<unknown>"),
    ),
    (
        pod(
            "sidecar2",
            init=SIDECARS,
            phase="Pending",
            init_statuses=[
                cs(
                    name="restartable-init-1",
                    restarts=3,
                    state=RUNNING,
                    started=True,
                    last_finished_ago=10,
                ),
                cs(name="restartable-init-2", state=RUNNING, started=False),
            ],
            statuses=[cs(state=WAITING)],
            conditions=NOT_INITIALIZED,
        ),
        ("sidecar2", "0/3", "Init:1/2", "3 (10s ago)", "<unknown>"),
    ),
    (
        pod(
            "sidecar3",
            init=SIDECARS,
            phase="Running",
            init_statuses=[
                cs(
                    name="restartable-init-1",
                    ready=True,
                    restarts=3,
                    state=RUNNING,
                    started=True,
                    last_finished_ago=10,
                ),
                cs(name="restartable-init-2", ready=True, state=RUNNING, started=True),
            ],
            statuses=[cs(ready=True, state=RUNNING)],
            conditions=[
                {"type": "Initialized", "status": "True"},
                {"type": "Ready", "status": "True"},
            ],
        ),
        ("sidecar3", "3/3", "Running", "3 (10s ago)", "<unknown>"),
    ),
    (
        pod(
            "init-exit",
            init=1,
            phase="Pending",
            init_statuses=[cs(state={"terminated": {"exitCode": 3}})],
        ),
        ("init-exit", "0/1", "Init:ExitCode:3", "0", "<unknown>"),
    ),
    (
        pod(
            "init-signal",
            init=1,
            phase="Pending",
            init_statuses=[cs(state={"terminated": {"exitCode": 137, "signal": 9}})],
        ),
        ("init-signal", "0/1", "Init:Signal:9", "0", "<unknown>"),
    ),
    (
        pod(
            "init-crash",
            init=1,
            phase="Pending",
            init_statuses=[cs(restarts=2, state={"waiting": {"reason": "CrashLoopBackOff"}})],
        ),
        ("init-crash", "0/1", "Init:CrashLoopBackOff", "2", "<unknown>"),
    ),
    (
        pod("exit", phase="Running", statuses=[cs(state={"terminated": {"exitCode": 2}})]),
        ("exit", "0/1", "ExitCode:2", "0", "<unknown>"),
    ),
    (
        pod(
            "signal",
            phase="Running",
            statuses=[cs(state={"terminated": {"exitCode": 0, "signal": 15}})],
        ),
        ("signal", "0/1", "Signal:15", "0", "<unknown>"),
    ),
    (
        pod(
            "nodelost",
            phase="Running",
            reason="NodeLost",
            deleting=True,
            statuses=[cs(state=RUNNING)],
        ),
        ("nodelost", "0/1", "Unknown", "0", "<unknown>"),
    ),
]


@pytest.mark.parametrize(("obj", "expected"), CASES, ids=[c[1][0] + "-" + c[1][2] for c in CASES])
def test_pod_columns_match_kubectl(obj: dict[str, Any], expected: tuple[str, ...]) -> None:
    row = pod_row(obj, NOW)
    assert (row.name, row.ready, row.status, row.restarts, row.age) == expected


def test_wide_columns_match_kubectl() -> None:
    obj = pod(
        "test1", containers=2, statuses=[cs(ready=True, restarts=3, state=RUNNING), cs(restarts=3)]
    )
    obj["spec"]["nodeName"] = "test1"
    obj["spec"]["readinessGates"] = [
        {"conditionType": "condition1"},
        {"conditionType": "condition2"},
    ]
    obj["status"]["podIPs"] = [{"ip": "1.1.1.1"}, {"ip": "2001:db8::"}]
    obj["status"]["nominatedNodeName"] = "node1"
    obj["status"]["conditions"] = [{"type": "condition1", "status": "True"}]
    assert pod_row(obj, NOW).wide == (
        "test1",
        "1/2",
        "podPhase",
        "6",
        "<unknown>",
        "1.1.1.1",
        "test1",
        "node1",
        "1/2",
    )
    bare = pod("test2", containers=1, statuses=[cs(ready=True, restarts=1, state=RUNNING)])
    assert pod_row(bare, NOW).wide[5:] == ("<none>", "<none>", "<none>", "<none>")


def test_age_is_human_duration_since_creation() -> None:
    obj = pod("p", phase="Running")
    obj["metadata"]["creationTimestamp"] = stamp(3 * 3600 + 60)
    assert pod_row(obj, NOW).age == "3h1m"


def _running(ready: bool = True, **status: Any) -> dict[str, Any]:
    obj = pod(
        "my-app-7d9f5c4b8-x2k9q",
        phase="Running",
        statuses=[cs(name="app", ready=ready, state=RUNNING, **status)],
        conditions=[{"type": "Ready", "status": "True" if ready else "False"}],
    )
    obj["metadata"]["uid"] = "pod-uid"
    return obj


def test_ready_pod_is_healthy() -> None:
    row = pod_row(_running(), NOW)
    assert (row.health, row.reason) == ("healthy", "")


def test_crash_loop_names_back_off_and_container() -> None:
    obj = _running(ready=False)
    obj["status"]["containerStatuses"][0]["state"] = {
        "waiting": {
            "reason": "CrashLoopBackOff",
            "message": "back-off 40s restarting failed container=app pod=my-app-x_default(uid)",
        }
    }
    row = pod_row(obj, NOW)
    assert row.status == "CrashLoopBackOff"
    assert row.health == "failing"
    assert row.reason == "CrashLoopBackOff: back-off 40s restarting failed container app"


def test_failing_readiness_probe_is_explained_with_count_and_age() -> None:
    failures = (
        ProbeFailures(
            "Readiness",
            "app",
            12,
            NOW - 8,
            "Readiness probe failed: HTTP probe failed with statuscode: 503",
        ),
    )
    row = pod_row(_running(ready=False), NOW, failures)
    assert row.health == "failing"
    assert row.reason == (
        "Readiness probe failed: HTTP probe failed with statuscode: 503 (×12, last 8s ago)"
    )


def test_pod_being_deleted_is_terminating() -> None:
    obj = _running()
    obj["metadata"]["deletionTimestamp"] = stamp(1)
    obj["metadata"]["deletionGracePeriodSeconds"] = 30
    row = pod_row(obj, NOW)
    assert (row.status, row.health, row.reason) == (
        "Terminating",
        "terminating",
        "Terminating (grace 30s)",
    )


def test_recent_restart_of_ready_pod_is_a_warning() -> None:
    obj = _running(restarts=2, last_finished_ago=90)
    obj["status"]["containerStatuses"][0]["lastState"]["terminated"].update(
        {"reason": "OOMKilled", "exitCode": 137}
    )
    row = pod_row(obj, NOW)
    assert row.restarts == "2 (90s ago)"
    assert (row.health, row.reason) == ("warning", "restarted 90s ago (OOMKilled, exit 137)")


def test_unschedulable_pod_is_a_warning_with_schedulers_message() -> None:
    obj = pod(
        "p",
        phase="Pending",
        conditions=[
            {
                "type": "PodScheduled",
                "status": "False",
                "reason": "Unschedulable",
                "message": "0/3 nodes are available: 3 Insufficient cpu.",
            }
        ],
    )
    row = pod_row(obj, NOW)
    assert (row.status, row.health) == ("Pending", "warning")
    assert row.reason == "Unschedulable: 0/3 nodes are available: 3 Insufficient cpu."


def test_durations_beyond_go_range_saturate_as_time_sub_does() -> None:
    # time.Since saturates at Go's largest Duration (about 292 years) instead of overflowing;
    # an integer or float too large for a float once printed an OverflowError traceback.
    from kubectl_stack.model import duration

    for huge in (10**400, 2**1100, 1e308):
        assert duration.human_duration(huge) == "292y"
        assert duration.short_human_duration(huge) == "292y"
    for tiny in (-(10**400), -1e308):
        assert duration.human_duration(tiny) == "<invalid>"
        assert duration.clock(tiny) == "0s"
