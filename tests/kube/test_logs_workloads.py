"""A workload's log stream, whatever its kind: every pod of a StatefulSet or a DaemonSet is
followed (found through the kind's own ownership, not a Deployment's ReplicaSets), and a pod
that starts later joins. Against the embedded cluster's controllers and pods/log."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from conftest import Kubectl, ok

from kubectl_stack.kube.logs import LogLine, LogStream
from kubectl_stack.model.ref import WorkloadRef
from kubectl_stack_sim.runner import RunningSim

from .conftest import Watching, wait_until
from .test_logs import following, stop

STATEFULSET = """
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: 2
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: db, image: "postgres:16"}]}
"""

DAEMONSET = """
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: agent, image: "fluent-bit:3"}]}
"""


def running_pods(watching: Watching, prefix: str) -> set[str]:
    """Names of the Running pods in ``default`` (as the app's cache has them) whose name
    starts with ``prefix``."""
    return {
        name
        for (ns, name), pod in watching.state.objects("pods").items()
        if ns == "default"
        and name.startswith(prefix)
        and (pod.get("status") or {}).get("phase") == "Running"
    }


async def converge(
    sim: RunningSim, watching: Watching, done: Callable[[], bool], what: str, timeout: float = 60
) -> None:
    """Step the sim's clock until ``done()`` holds in the app's cache (raises after
    ``timeout`` wall-clock seconds, naming ``what``)."""
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError(f"the cluster never showed {what}: {running_pods(watching, '')}")
        sim.advance(2)
        await asyncio.sleep(0.05)


def say(sim: RunningSim, pod: str, container: str, text: str) -> None:
    def go() -> None:
        sim.cluster.logs.write(("default", pod, container), 0, sim.cluster.clock.now(), text)

    sim.call(go)


def lines_by_pod(items: list[Any]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for item in items:
        if isinstance(item, LogLine):
            found.setdefault(item.pod, []).append(item.text)
    return found


def heard_all(items: list[Any], pods: set[str]) -> bool:
    """Whether the stream carried the hello of each of ``pods`` (and no other pod's line)."""
    heard = lines_by_pod(items)
    return set(heard) == pods and all(f"hello from {p}" in heard[p] for p in pods)


async def follow_workload(
    watching: Watching,
    sim: RunningSim,
    kubectl: Kubectl,
    ref: WorkloadRef,
    container: str,
    add_pod: Callable[[], None],
) -> tuple[set[str], str, dict[str, list[str]], dict[str, list[str]]]:
    """Follow ``ref``'s log stream; have each of its running pods log a line, then
    ``add_pod()`` and have the pod that appears log one. Returns the pods at the start, the
    new pod, the lines the stream carried per pod, and what ``kubectl logs`` prints of each
    pod still there."""
    prefix = ref.name + "-"
    pods = running_pods(watching, prefix)
    stream = LogStream(watching.connection, "default", workload=ref, state=watching.state)
    items, task = await following(stream)
    said = set(pods)
    try:
        for pod in sorted(pods):
            say(sim, pod, container, f"hello from {pod}")
        await wait_until(lambda: heard_all(items, pods), timeout=30)
        add_pod()
        await converge(sim, watching, lambda: len(running_pods(watching, prefix) - pods) == 1, "it")
        (new,) = running_pods(watching, prefix) - pods
        said.add(new)
        # Read from its first line: said before its stream opens, it still arrives.
        say(sim, new, container, f"hello from {new}")
        await wait_until(lambda: heard_all(items, {*pods, new}), timeout=30)
        printed = {p: ok(kubectl, "logs", p).splitlines() for p in running_pods(watching, prefix)}
    finally:
        await stop(stream, task)
        sim.call(lambda: [sim.cluster.logs.forget("default", p) for p in said])
    return pods, new, lines_by_pod(items), printed


async def test_a_statefulsets_log_stream_carries_each_pod_and_a_new_one_joins(
    watching: Watching, sim: RunningSim, kubectl: Kubectl
) -> None:
    ok(kubectl, "create", "-f", "-", input=STATEFULSET)
    await converge(
        sim, watching, lambda: running_pods(watching, "db-") == {"db-0", "db-1"}, "db-0/1"
    )

    def scale_up() -> None:
        ok(kubectl, "scale", "statefulset/db", "--replicas=3")

    ref = WorkloadRef("StatefulSet", "default", "db")
    pods, new, heard, printed = await follow_workload(watching, sim, kubectl, ref, "db", scale_up)
    assert (pods, new) == ({"db-0", "db-1"}, "db-2")
    # Every line of each pod, as kubectl logs prints it, and nothing else.
    assert set(printed) == {"db-0", "db-1", "db-2"}
    assert heard == printed


async def test_a_daemonsets_log_stream_carries_each_pod_and_a_new_one_joins(
    watching: Watching, sim: RunningSim, kubectl: Kubectl
) -> None:
    ok(kubectl, "create", "-f", "-", input=DAEMONSET)
    nodes = ok(kubectl, "get", "nodes", "-o", "name").split()
    await converge(
        sim, watching, lambda: len(running_pods(watching, "agent-")) == len(nodes), "agents"
    )
    first = sorted(running_pods(watching, "agent-"))[0]

    def replace_one() -> None:
        # The DaemonSet controller puts a new pod on the node left without one.
        ok(kubectl, "delete", "pod", first, "--wait=false")

    ref = WorkloadRef("DaemonSet", "default", "agent")
    pods, new, heard, printed = await follow_workload(
        watching, sim, kubectl, ref, "agent", replace_one
    )
    assert len(pods) == len(nodes) > 1
    assert new not in pods
    assert set(printed) == pods - {first} | {new}
    # Every line of each pod, as kubectl logs prints it (the deleted one's up to its end).
    assert {p: heard[p] for p in printed} == printed
    assert f"hello from {first}" in heard[first]
