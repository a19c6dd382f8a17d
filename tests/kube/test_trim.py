"""The informers' transform (kube.trim): what is not stored of a Pod is read by nothing.

On the embedded cluster's scenarios, the model's every output (the stacks list, each stack,
each pod's row, probes and readiness) is the same from the informers' trimmed pods as from
the whole pods the API server lists, and trimming did drop something (the test is not
vacuous). A field a reader uses that the trim drops makes this fail.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from kubectl_stack.kube import kinds as K
from kubectl_stack.kube.connection import connect
from kubectl_stack.kube.informers import Informers
from kubectl_stack.kube.store import ClusterState
from kubectl_stack.kube.trim import trim, trims
from kubectl_stack.model import pods as model_pods
from kubectl_stack.model import probes as model_probes
from kubectl_stack.model.ref import WorkloadRef
from kubectl_stack.model.stack import stack, summarize
from kubectl_stack_sim.runner import start_sim

from .conftest import options_for

SCENARIOS = ("seed", "crashloop", "bad-rollout", "load-spike", "mesh", "helm-argo")


def _outputs(snapshot: dict[str, list[Any]], now: float) -> list[Any]:
    rows = summarize(snapshot, now)
    out: list[Any] = [rows]
    for row in rows:
        out.append(stack(snapshot, WorkloadRef(row.kind, row.namespace, row.name), now))
    for pod in sorted(
        snapshot["pods"], key=lambda p: (p["metadata"]["namespace"], p["metadata"]["name"])
    ):
        out.append(model_pods.pod_row(pod, now))
        out.append(model_probes.container_probes(pod, now))
        out.append(model_probes.pod_readiness(pod, now))
    return out


@pytest.mark.parametrize("scenario", SCENARIOS)
async def test_the_model_reads_nothing_the_trim_drops(scenario: str) -> None:
    with start_sim(scenario) as sim:
        connection = await connect(options_for(sim))
        state = ClusterState()
        informers = Informers(connection, state, None)
        try:
            await informers.start()
            assert await informers.wait_synced(timeout=30)
            whole = (await connection.get_json(K.PODS.path(None)))["items"]
        finally:
            await informers.stop()
            await connection.close()
            state.close()
    stored = {kind: list(state.objects(kind).values()) for kind in state._objects}
    by_key = {(p["metadata"]["namespace"], p["metadata"]["name"]): p for p in stored["pods"]}
    assert len(whole) == len(by_key) > 0
    # The same pods, as served (items of a list carry no kind: compare what the store got).
    for pod in whole:
        kept = by_key[(pod["metadata"]["namespace"], pod["metadata"]["name"])]
        assert kept["metadata"]["resourceVersion"] == pod["metadata"]["resourceVersion"]
    assert any(trim("pods", p) != p for p in whole), "nothing was trimmed: the test proves nothing"
    full = {**stored, "pods": whole}
    now = time.time()
    assert _outputs(stored, now) == _outputs(full, now)


def test_the_trim_keeps_other_kinds_and_never_changes_what_it_is_given() -> None:
    pod = {
        "metadata": {"name": "web-1"},
        "status": {
            "conditions": [
                {
                    "type": "Ready",
                    "status": "True",
                    "lastTransitionTime": "t1",
                    "lastProbeTime": None,
                },
                {"type": "PodScheduled", "status": "True", "lastTransitionTime": "t0"},
            ],
            "containerStatuses": [
                {
                    "name": "app",
                    "containerID": "containerd://1",
                    "imageID": "sha256:1",
                    "state": {"running": {"startedAt": "t1"}},
                    "lastState": {"terminated": {"finishedAt": "t0", "exitCode": 1}},
                }
            ],
        },
    }
    before = repr(pod)
    slim = trim("pods", pod)
    assert repr(pod) == before
    assert slim["status"]["conditions"] == [
        {"type": "Ready", "status": "True", "lastTransitionTime": "t1"},
        {"type": "PodScheduled", "status": "True"},
    ]
    assert slim["status"]["containerStatuses"] == [
        {
            "name": "app",
            "state": {"running": {}},
            "lastState": {"terminated": {"finishedAt": "t0", "exitCode": 1}},
        }
    ]
    assert not trims("replicasets") and trim("replicasets", pod) is pod
