"""The app's printers agree with the oracle: real kubectl printing the embedded cluster's own
server-side tables (its port of printPod / printDeployment, not the app's).

Each pod of the gallery reaches one branch of kubernetes' printPod; the expected cells are
written from that function's rules, so the oracle is checked on its own, and the app's
``pod_row`` must print exactly what kubectl printed. Breaking the app's READY, STATUS or
RESTARTS logic makes this file fail.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from kubectl_stack.model.pods import pod_row
from kubectl_stack.model.workloads.deployment import deployment_row
from kubectl_stack_sim.runner import RunningSim

from .helpers import ok, store_put, table

APP = {"name": "app", "image": "x:1"}
# The DeploymentRow fields in the order of `kubectl get deploy -o wide`'s columns.
WIDE_DEPLOYMENT_FIELDS = (
    "name",
    "ready",
    "up_to_date",
    "available",
    "age",
    "containers",
    "images",
    "selector",
)


def _status(
    name: str,
    *,
    state: dict[str, Any],
    ready: bool = False,
    restarts: int = 0,
    last_finished: str | None = None,
    started: bool | None = None,
) -> dict[str, Any]:
    cs: dict[str, Any] = {"name": name, "ready": ready, "restartCount": restarts, "state": state}
    if last_finished is not None:
        cs["lastState"] = {"terminated": {"exitCode": 1, "finishedAt": last_finished}}
    if started is not None:
        cs["started"] = started
    return cs


def _gallery(stamp: Any, now: float) -> list[tuple[dict[str, Any], list[str]]]:
    """(pod, expected wide cells but NAME and AGE) pairs, one per printPod branch."""
    running = {"running": {"startedAt": stamp(now - 600)}}
    completed = {"terminated": {"exitCode": 0, "reason": "Completed"}}

    def pod(
        name: str, status: dict[str, Any], spec: dict[str, Any] | None = None, **meta: Any
    ) -> dict[str, Any]:
        return {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name, "namespace": "default", **meta},
            "spec": {"nodeName": "node-1", "containers": [APP], **(spec or {})},
            "status": status,
        }

    two_inits = {"initContainers": [{"name": "i1", "image": "i"}, {"name": "i2", "image": "i"}]}
    sidecar = {"initContainers": [{"name": "proxy", "image": "p", "restartPolicy": "Always"}]}
    wide_none = ["<none>", "node-1", "<none>", "<none>"]

    def half_done(name: str, ready: str) -> dict[str, Any]:
        containers = [_status("app", state=running, ready=True), _status("job", state=completed)]
        status = {
            "phase": "Running",
            "conditions": [{"type": "Ready", "status": ready}],
            "containerStatuses": containers,
        }
        return pod(name, status, {"containers": [APP, {"name": "job", "image": "j"}]})

    return [
        (
            pod(
                "init-second",
                {
                    "phase": "Pending",
                    "initContainerStatuses": [
                        _status("i1", state={"terminated": {"exitCode": 0}}),
                        _status("i2", state={"waiting": {"reason": "PodInitializing"}}),
                    ],
                },
                two_inits,
            ),
            ["0/1", "Init:1/2", "0", *wide_none],
        ),
        (
            pod(
                "init-crash",
                {
                    "phase": "Pending",
                    "initContainerStatuses": [
                        _status(
                            "i1",
                            state={"waiting": {"reason": "CrashLoopBackOff"}},
                            restarts=3,
                            last_finished=stamp(now - 50),
                        )
                    ],
                },
                two_inits,
            ),
            ["0/1", "Init:CrashLoopBackOff", "3 (50s ago)", *wide_none],
        ),
        (
            pod(
                "init-signal",
                {
                    "phase": "Pending",
                    "initContainerStatuses": [
                        _status("i1", state={"terminated": {"exitCode": 137, "signal": 9}})
                    ],
                },
                two_inits,
            ),
            ["0/1", "Init:Signal:9", "0", *wide_none],
        ),
        (
            pod(
                "init-exit",
                {
                    "phase": "Pending",
                    "initContainerStatuses": [_status("i1", state={"terminated": {"exitCode": 2}})],
                },
                two_inits,
            ),
            ["0/1", "Init:ExitCode:2", "0", *wide_none],
        ),
        (
            # A started sidecar counts in READY; its restarts add to the app's.
            pod(
                "sidecar-up",
                {
                    "phase": "Running",
                    "conditions": [
                        {"type": "Initialized", "status": "True"},
                        {"type": "Ready", "status": "True"},
                    ],
                    "initContainerStatuses": [
                        _status(
                            "proxy",
                            state=running,
                            ready=True,
                            started=True,
                            restarts=2,
                            last_finished=stamp(now - 300),
                        )
                    ],
                    "containerStatuses": [
                        _status(
                            "app",
                            state=running,
                            ready=True,
                            restarts=1,
                            last_finished=stamp(now - 100),
                        )
                    ],
                },
                sidecar,
            ),
            ["2/2", "Running", "3 (100s ago)", *wide_none],
        ),
        (
            pod(
                "sidecar-starting",
                {
                    "phase": "Pending",
                    "conditions": [{"type": "Initialized", "status": "False"}],
                    "initContainerStatuses": [
                        _status("proxy", state={"waiting": {}}, started=False, restarts=1)
                    ],
                    "containerStatuses": [
                        _status("app", state={"waiting": {"reason": "PodInitializing"}})
                    ],
                },
                sidecar,
            ),
            ["0/2", "Init:0/1", "1", *wide_none],
        ),
        (
            pod(
                "killed",
                {
                    "phase": "Running",
                    "containerStatuses": [
                        _status("app", state={"terminated": {"exitCode": 143, "signal": 15}})
                    ],
                },
            ),
            ["0/1", "Signal:15", "0", *wide_none],
        ),
        (
            pod(
                "exited",
                {
                    "phase": "Running",
                    "containerStatuses": [_status("app", state={"terminated": {"exitCode": 3}})],
                },
            ),
            ["0/1", "ExitCode:3", "0", *wide_none],
        ),
        # "Completed" goes back to Running while a ready container still runs, or to NotReady
        # when the pod is not Ready.
        (half_done("half-done-ready", "True"), ["1/2", "Running", "0", *wide_none]),
        (half_done("half-done", "False"), ["1/2", "NotReady", "0", *wide_none]),
        (
            pod(
                "lost",
                {"phase": "Running", "reason": "NodeLost"},
                deletionTimestamp=stamp(now),
            ),
            ["0/1", "Unknown", "0", *wide_none],
        ),
        (
            pod(
                "gated",
                {
                    "phase": "Pending",
                    "conditions": [
                        {"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}
                    ],
                },
                {"nodeName": None},
            ),
            ["0/1", "SchedulingGated", "0", "<none>", "<none>", "<none>", "<none>"],
        ),
        (
            pod("evicted", {"phase": "Failed", "reason": "Evicted"}),
            ["0/1", "Evicted", "0", *wide_none],
        ),
        (
            # A terminal pod being deleted keeps its status.
            pod(
                "failed-going",
                {
                    "phase": "Failed",
                    "containerStatuses": [
                        _status("app", state={"terminated": {"exitCode": 1, "reason": "Error"}})
                    ],
                },
                deletionTimestamp=stamp(now),
            ),
            ["0/1", "Error", "0", *wide_none],
        ),
        (
            # Restarts without a last termination print no age.
            pod(
                "gated-wide",
                {
                    "phase": "Running",
                    "nominatedNodeName": "node-2",
                    "podIPs": [{"ip": "10.1.2.3"}, {"ip": "fd00::3"}],
                    "conditions": [
                        {"type": "example.com/a", "status": "True"},
                        {"type": "example.com/b", "status": "False"},
                    ],
                    "containerStatuses": [_status("app", state=running, ready=True, restarts=5)],
                },
                {
                    "readinessGates": [
                        {"conditionType": "example.com/a"},
                        {"conditionType": "example.com/b"},
                    ]
                },
            ),
            ["1/1", "Running", "5", "10.1.2.3", "node-1", "node-2", "1/2"],
        ),
    ]


@pytest.fixture
def gallery(sim: RunningSim) -> tuple[float, dict[str, list[str]]]:
    now = sim.call(sim.cluster.clock.now)
    expected = {}
    for obj, cells in _gallery(sim.cluster.clock.timestamp, now):
        obj["metadata"]["creationTimestamp"] = sim.cluster.clock.timestamp(now - 3600)
        if obj["spec"].get("nodeName") is None:
            del obj["spec"]["nodeName"]
        store_put(sim, "pods", obj)
        expected[obj["metadata"]["name"]] = [obj["metadata"]["name"], *cells[:3], "60m", *cells[3:]]
    return now, expected


def _printed(kubectl: Any, names: list[str]) -> dict[str, list[str]]:
    rows = table(ok(kubectl("get", "pods", "-o", "wide", *names)))
    return {r["NAME"]: list(r.values()) for r in rows}


def test_oracle_prints_each_print_pod_branch_as_kubernetes(
    gallery: tuple[float, dict[str, list[str]]], kubectl: Any
) -> None:
    _, expected = gallery
    assert _printed(kubectl, list(expected)) == expected


def test_app_pod_row_prints_what_kubectl_printed(
    gallery: tuple[float, dict[str, list[str]]], kubectl: Any
) -> None:
    now, expected = gallery
    printed = _printed(kubectl, list(expected))
    pods = json.loads(ok(kubectl("get", "pods", "-o", "json", *expected)))["items"]
    ours = {p["metadata"]["name"]: list(pod_row(p, now).wide) for p in pods}
    assert ours == printed


def test_app_deployment_row_prints_what_kubectl_printed(sim: RunningSim, kubectl: Any) -> None:
    manifest = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {
            "replicas": 2,
            "selector": {
                "matchLabels": {"app": "web", "tier": "front"},
                "matchExpressions": [
                    {"key": "track", "operator": "NotIn", "values": ["canary", "beta"]},
                    {"key": "legacy", "operator": "DoesNotExist"},
                ],
            },
            "template": {
                "metadata": {"labels": {"app": "web", "tier": "front"}},
                "spec": {"containers": [APP, {"name": "side", "image": "s:2"}]},
            },
        },
    }
    ok(kubectl("apply", "-f", "-", input=json.dumps(manifest)))
    sim.advance(30)
    now = sim.call(sim.cluster.clock.now)
    (printed,) = table(ok(kubectl("get", "deploy", "web", "-o", "wide")))
    assert printed["SELECTOR"] == "app=web,!legacy,tier=front,track notin (beta,canary)"
    dep = json.loads(ok(kubectl("get", "deploy", "web", "-o", "json")))
    ours = dataclasses.asdict(deployment_row(dep, now))
    assert [str(ours[field]) for field in WIDE_DEPLOYMENT_FIELDS] == list(printed.values())
