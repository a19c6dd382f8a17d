"""The probe failures a live screen keeps up to date change by change (UnhealthyIndex, and the
Summarizer that holds one) always equal the ones aggregated afresh from every event."""

from __future__ import annotations

import copy
import random
from typing import Any

import pytest

from kubectl_stack.model.events import UnhealthyIndex, unhealthy_by_pod
from kubectl_stack.model.ref import WorkloadRef
from kubectl_stack.model.stack import Summarizer, stack, summarize

from .factories import NOW, stamp
from .test_summarizer import _keyed

Key = tuple[str, str]
MESSAGES = (
    "Readiness probe failed: HTTP probe failed with statuscode: 503",
    "Readiness probe failed: Get http://10.0.0.1:8080/ready: context deadline exceeded",
    "Liveness probe failed: connection refused",
    "Startup probe failed: exit code 1",
)


def _event(rng: random.Random, name: str, pods: list[tuple[str, str]]) -> dict[str, Any]:
    uid, pod = rng.choice(pods)
    involved: dict[str, Any] = {"kind": "Pod", "namespace": "default", "name": pod}
    if rng.random() < 0.8:  # some events name their pod without a uid
        involved["uid"] = uid
    involved["fieldPath"] = rng.choice(["spec.containers{app}", "spec.containers{proxy}", ""])
    return {
        "metadata": {"name": name, "namespace": "default"},
        "involvedObject": involved,
        "reason": rng.choice(["Unhealthy"] * 4 + ["BackOff"]),
        "message": rng.choice(MESSAGES),
        "type": "Warning",
        "count": rng.randint(1, 5),
        # Few distinct times: records seen at the same second are common.
        "lastTimestamp": stamp(rng.choice([0, 5, 60])),
    }


def _change(
    rng: random.Random, events: dict[Key, Any], pods: list[tuple[str, str]], serial: int
) -> tuple[Key, Any, Any]:
    """One change made the way the store makes it: a new event, a modified copy put in the
    old one's place, or a deletion; returned as (key, old, new)."""
    action = rng.randrange(5)
    if action == 0 or not events:
        key = ("default", f"ev-{serial}")
        events[key] = new = _event(rng, key[1], pods)
        return key, None, new
    key = rng.choice(list(events))
    old = events[key]
    if action == 1:
        del events[key]
        return key, old, None
    new = copy.deepcopy(old)
    if action == 2:  # the recorder bumps a repeat
        new["count"] += 1
        new["lastTimestamp"] = stamp(0)
    elif action == 3:
        new["message"] = rng.choice(MESSAGES)
        new["reason"] = rng.choice(["Unhealthy", "Killing"])
    else:
        new["involvedObject"] = _event(rng, key[1], pods)["involvedObject"]
    events[key] = new
    return key, old, new


@pytest.mark.parametrize("seed", range(8))
def test_kept_failures_equal_fresh_ones_after_every_change(seed: int) -> None:
    rng = random.Random(seed)
    pods = [(f"uid-{i}", f"pod-{i}") for i in range(4)]
    events: dict[Key, Any] = {}
    index = UnhealthyIndex()
    for serial in range(300):
        changes = [_change(rng, events, pods, serial * 10 + i) for i in range(rng.randint(1, 3))]
        before = dict(index.table)
        touched = index.update(changes)
        assert index.table == unhealthy_by_pod(events.values())
        # Every entry that changed or went is among those reported.
        assert {
            k for k in {*before, *index.table} if before.get(k) != index.table.get(k)
        } <= touched


def test_a_pod_whose_last_failure_expired_has_no_failures_left() -> None:
    index = UnhealthyIndex()
    rng = random.Random(1)
    pods = [("uid-1", "pod-1")]
    event = _event(rng, "ev", pods) | {"reason": "Unhealthy"}
    assert index.update([(("default", "ev"), None, event)]) == {"uid-1"}
    assert index.table["uid-1"][0].count == event["count"]
    assert index.update([(("default", "ev"), event, None)]) == {"uid-1"}
    assert index.table == {}


def _unhealthy(snap: dict[str, Any], rng: random.Random, name: str, ago: float) -> None:
    pod = snap["pods"][rng.choice(sorted(snap["pods"]))]
    snap["events"][("default", name)] = {
        "metadata": {"name": name, "namespace": "default"},
        "reason": "Unhealthy",
        "type": "Warning",
        "message": rng.choice(MESSAGES),
        "count": rng.randint(1, 9),
        "lastTimestamp": stamp(ago),
        "involvedObject": {
            "kind": "Pod",
            "namespace": "default",
            "name": pod["metadata"]["name"],
            "uid": pod["metadata"]["uid"],
            "fieldPath": "spec.containers{app}",
        },
    }


@pytest.mark.parametrize("seed", range(4))
def test_live_summary_and_stack_equal_fresh_ones_as_probe_failures_come_grow_and_expire(
    seed: int,
) -> None:
    rng = random.Random(seed)
    snap: Any = _keyed()
    summarizer = Summarizer()
    t = 0.0
    for step in range(80):
        events = snap["events"]
        action = rng.randrange(3)
        if action == 0 or not events:
            _unhealthy(snap, rng, f"unhealthy-{step}", -t)
        elif action == 1:  # bumped by a repeat
            key = rng.choice(sorted(events))
            bumped = copy.deepcopy(events[key])
            bumped["count"] = int(bumped.get("count", 1)) + 1
            bumped["lastTimestamp"] = stamp(-t)
            events[key] = bumped
        else:  # expired by the API server's event TTL
            del events[rng.choice(sorted(events))]
        t += rng.choice([0.5, 30.0, 400.0])
        assert summarizer(snap, NOW + t) == summarize(snap, NOW + t)
        ns, name = rng.choice(sorted(snap["deployments"]))
        assert summarizer.stack(snap, WorkloadRef("Deployment", ns, name), NOW + t) == stack(
            snap, WorkloadRef("Deployment", ns, name), NOW + t
        )
