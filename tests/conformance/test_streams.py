"""Streams through real kubectl: `get -w` and `logs` (tail, follow, container, previous,
deploy/NAME, label selector) with the kubelet's error messages."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from kubectl_stack_sim.runner import RunningSim, start_sim

from .helpers import ok, table

CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  k: v\n"


def _stream(
    kubectl_path: Path, sim: RunningSim, tmp_path: Path, *args: str
) -> subprocess.Popen[str]:
    env = {"KUBECONFIG": str(sim.kubeconfig), "KUBECACHEDIR": str(tmp_path / "stream-cache")}
    return subprocess.Popen(
        [str(kubectl_path), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _lines_until(proc: subprocess.Popen[str], count: int, timeout: float = 10) -> list[str]:
    """Read stdout lines until ``count`` arrived (bounded polling of a subprocess)."""
    assert proc.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while len(lines) < count and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
    return lines


def test_get_watch_prints_header_then_changes(
    sim: RunningSim, kubectl: Any, kubectl_path: Path, tmp_path: Path
) -> None:
    proc = _stream(kubectl_path, sim, tmp_path, "get", "configmaps", "-w", "--output-watch-events")
    try:
        first = _lines_until(proc, 3)  # header, app-config and kube-root-ca.crt
        ok(kubectl("apply", "-f", "-", input=CONFIGMAP.format(name="added")))
        ok(kubectl("delete", "configmap", "added"))
        rest = _lines_until(proc, 2)
    finally:
        proc.kill()
        proc.communicate()
    assert first[0].split() == ["EVENT", "NAME", "DATA", "AGE"]
    assert first[1].split()[:3] == ["ADDED", "app-config", "2"]
    assert first[2].split()[:3] == ["ADDED", "kube-root-ca.crt", "1"]
    assert [line.split()[:2] for line in rest] == [["ADDED", "added"], ["DELETED", "added"]]


def test_get_watch_follows_a_rollout(
    sim: RunningSim, kubectl: Any, kubectl_path: Path, tmp_path: Path
) -> None:
    proc = _stream(kubectl_path, sim, tmp_path, "get", "deploy", "my-app", "-w")
    try:
        first = _lines_until(proc, 2)
        ok(kubectl("set", "image", "deploy/my-app", "app=my-app:9.9.9"))
        sim.advance(60)
        later = _lines_until(proc, 3)
    finally:
        proc.kill()
        proc.communicate()
    assert first[0].split() == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert first[1].split()[:4] == ["my-app", "3/3", "3", "3"]
    assert all(line.startswith("my-app ") for line in later)


def test_logs_tail_timestamps_and_deploy_name(kubectl: Any) -> None:
    pod = table(ok(kubectl("get", "pods")))[0]["NAME"]
    lines = ok(kubectl("logs", pod, "--tail=2")).splitlines()
    assert len(lines) == 2
    stamped = ok(kubectl("logs", pod, "--tail=1", "--timestamps")).split(" ", 1)
    assert stamped[0].startswith("20") and stamped[0].endswith("Z")
    via_deploy = kubectl("logs", "deploy/my-app", "--tail=1")
    assert via_deploy.returncode == 0 and len(via_deploy.stdout.splitlines()) == 1
    assert via_deploy.stderr.startswith("Found 3 pods, using pod/my-app-")
    labelled = ok(kubectl("logs", "-l", "app=my-app", "--tail=1", "--prefix"))
    assert sorted(line.split(" ", 1)[0] for line in labelled.splitlines()) == sorted(
        f"[pod/{r['NAME']}/app]" for r in table(ok(kubectl("get", "pods")))
    )
    limited = ok(kubectl("logs", pod, "--limit-bytes=10"))
    assert len(limited.encode()) == 10


def test_logs_since_time_counts_whole_seconds_as_the_api_server_forwards_it(
    sim: RunningSim, api: Any
) -> None:
    # The API server passes sinceTime on to the kubelet formatted as time.RFC3339: a fraction
    # sent by a client is dropped, and every line of that second comes back.
    at = float(int(sim.call(sim.cluster.clock.now))) - 5
    pod = sim.call(lambda: sim.cluster.store.list("pods", "default"))[0]["metadata"]["name"]
    for offset, text in ((0.25, "quarter"), (0.75, "three quarters")):
        sim.call(sim.cluster.logs.write, ("default", pod, "app"), 0, at + offset, text)
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(at)) + ".5Z"
    status, _, body = api.request(
        f"/api/v1/namespaces/default/pods/{pod}/log?sinceTime={stamp}&timestamps=true"
    )
    assert status == 200
    assert [line.split(" ", 1)[1] for line in body.decode().splitlines()][-2:] == [
        "quarter",
        "three quarters",
    ]


def test_logs_follow_streams_new_lines(
    sim: RunningSim, kubectl: Any, kubectl_path: Path, tmp_path: Path
) -> None:
    pod = table(ok(kubectl("get", "pods")))[0]["NAME"]
    proc = _stream(kubectl_path, sim, tmp_path, "logs", "-f", "--tail=1", pod)
    try:
        first = _lines_until(proc, 1)
        sim.advance(60)
        more = _lines_until(proc, 2)
    finally:
        proc.kill()
        proc.communicate()
    assert len(first) == 1 and len(more) == 2


def test_logs_errors_use_the_kubelet_wording(kubectl: Any) -> None:
    pod = table(ok(kubectl("get", "pods")))[0]["NAME"]
    wrong = kubectl("logs", pod, "-c", "nope")  # kubectl checks the name itself
    assert wrong.stderr == f"error: container nope is not valid for pod {pod} out of: app\n"
    raw = kubectl("get", "--raw", f"/api/v1/namespaces/default/pods/{pod}/log?container=nope")
    assert raw.stderr.startswith(
        f"Error from server (BadRequest): container nope is not valid for pod {pod}"
    )
    previous = kubectl("logs", pod, "--previous")
    assert previous.stderr == (
        f'Error from server (BadRequest): previous terminated container "app" in pod "{pod}" '
        "not found\n"
    )


@pytest.fixture
def crashloop() -> Iterator[RunningSim]:
    with start_sim("crashloop") as running:
        yield running


def test_logs_previous_of_a_crashing_container(
    crashloop: RunningSim, kubectl_for: Callable[[Path], Any]
) -> None:
    run = kubectl_for(crashloop.kubeconfig)
    worker = next(r for r in table(ok(run("get", "pods"))) if r["NAME"].startswith("worker-"))
    assert worker["STATUS"] in ("CrashLoopBackOff", "Error")
    previous = ok(run("logs", worker["NAME"], "--previous", "-c", "app"))
    assert previous.strip()
