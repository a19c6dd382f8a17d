"""The incremental Summarizer a live screen uses must always agree with summarize()."""

from __future__ import annotations

import copy
import random
from collections.abc import Callable
from typing import Any

import pytest

from kubectl_stack.model.ref import WorkloadRef
from kubectl_stack.model.stack import Summarizer, stack, summarize

from .factories import NOW, stamp
from .test_stack import big_snapshot

Snapshot = dict[str, dict[tuple[str, str], dict[str, Any]]]


def _keyed(deployments: int = 4, pods_per: int = 3) -> Snapshot:
    """A snapshot shaped as the data layer serves it: per kind, objects by (namespace, name)."""
    out: Snapshot = {}
    for kind, objs in big_snapshot(deployments, pods_per).items():
        out[kind] = {}
        for i, obj in enumerate(objs):
            meta = obj.setdefault("metadata", {})
            meta.setdefault("name", f"{kind}-{i}")
            out[kind][(meta.get("namespace", "default"), meta["name"])] = obj
    return out


def _replace(snap: Snapshot, kind: str, rng: random.Random, change: Callable[[Any], None]) -> None:
    """Change one object the way the store does: a modified copy replaces it."""
    if not snap[kind]:
        return
    key = rng.choice(sorted(snap[kind]))
    obj = copy.deepcopy(snap[kind][key])
    change(obj)
    snap[kind][key] = obj


def _mutate(snap: Snapshot, rng: random.Random, t: float) -> None:
    def restart(pod: dict[str, Any]) -> None:
        cs = pod["status"]["containerStatuses"][0]
        cs["restartCount"] += 1
        cs["ready"] = False
        cs["lastState"] = {
            "terminated": {"exitCode": 1, "reason": "Error", "finishedAt": stamp(-t)}
        }
        pod["status"]["conditions"][0]["status"] = "False"

    def ready(pod: dict[str, Any]) -> None:
        pod["status"]["containerStatuses"][0]["ready"] = True
        pod["status"]["conditions"][0]["status"] = "True"

    def scale(dep: dict[str, Any]) -> None:
        dep["spec"]["replicas"] = rng.randint(0, 5)

    def selector(svc: dict[str, Any]) -> None:
        svc["spec"]["selector"] = {"app": rng.choice(["nope", "app-0001", "app-0002"])}

    def hpa_target(dep: dict[str, Any]) -> None:
        dep["status"]["readyReplicas"] = rng.randint(0, 3)

    action = rng.randrange(9)
    if action == 0:
        _replace(snap, "pods", rng, restart)
    elif action == 1:
        _replace(snap, "pods", rng, ready)
    elif action == 2 and snap["pods"]:
        del snap["pods"][rng.choice(sorted(snap["pods"]))]
    elif action == 3 and snap["pods"]:
        pod = copy.deepcopy(snap["pods"][rng.choice(sorted(snap["pods"]))])
        pod["metadata"]["name"] += f"-{rng.randrange(10**6)}"
        snap["pods"][("default", pod["metadata"]["name"])] = pod
    elif action == 4:
        _replace(snap, "deployments", rng, scale)
    elif action == 5:
        _replace(snap, "services", rng, selector)
    elif action == 6:
        _replace(snap, "deployments", rng, hpa_target)
    elif action == 7 and snap["pods"]:
        pod = snap["pods"][rng.choice(sorted(snap["pods"]))]
        name = f"unhealthy-{rng.randrange(10**6)}"
        snap["events"][("default", name)] = {
            "metadata": {"name": name, "namespace": "default"},
            "reason": "Unhealthy",
            "type": "Warning",
            "message": "Readiness probe failed: HTTP probe failed with statuscode: 503",
            "count": rng.randint(1, 9),
            "lastTimestamp": stamp(-t),
            "involvedObject": {
                "kind": "Pod",
                "namespace": "default",
                "name": pod["metadata"]["name"],
                "uid": pod["metadata"]["uid"],
                "fieldPath": "spec.containers{app}",
            },
        }
    elif action == 8:
        snap["configmaps"].pop(("default", "app-config"), None)


@pytest.mark.parametrize("seed", range(6))
def test_live_summary_equals_a_fresh_summary_after_every_change(seed: int) -> None:
    rng = random.Random(seed)
    snap = _keyed()
    summarizer = Summarizer()
    t = 0.0
    for _ in range(60):
        for _ in range(rng.randint(0, 3)):
            _mutate(snap, rng, t)
        # Time moves in small steps and, now and then, past the recent-restart window.
        t += rng.choice([0.1, 1.0, 30.0, 700.0])
        assert summarizer(snap, NOW + t) == summarize(snap, NOW + t)


def test_unchanged_snapshot_returns_the_same_rows_without_recomputing() -> None:
    snap = _keyed()
    summarizer = Summarizer()
    first = summarizer(snap, NOW)
    assert summarizer(snap, NOW + 0.5) is first


def test_deployments_going_and_coming_back_and_the_clock_going_back_match_fresh_summaries() -> None:
    # The live summary rebuilds only the stacks a change names: a Deployment deleted (and
    # its stack with it), created again, and a clock set back must still read as a fresh one.
    snap = _keyed()
    summarizer = Summarizer()
    assert summarizer(snap, NOW) == summarize(snap, NOW)
    key = sorted(snap["deployments"])[1]
    gone = snap["deployments"].pop(key)
    assert summarizer(snap, NOW + 1) == summarize(snap, NOW + 1)
    assert all(row.name != key[1] for row in summarizer(snap, NOW + 1))
    snap["deployments"][key] = copy.deepcopy(gone)
    assert summarizer(snap, NOW + 2) == summarize(snap, NOW + 2)
    # The host's clock corrected backwards: ages and health windows read at the earlier time.
    assert summarizer(snap, NOW - 3600) == summarize(snap, NOW - 3600)


def test_list_snapshots_are_summarized_from_scratch() -> None:
    snap = {kind: list(objs.values()) for kind, objs in _keyed().items()}
    assert Summarizer()(snap, NOW) == summarize(snap, NOW)


@pytest.mark.parametrize("seed", range(4))
def test_an_open_stack_and_the_list_both_stay_equal_to_fresh_ones_when_looked_at_in_turn(
    seed: int,
) -> None:
    # The Stack screen and the Stacks list read one Summarizer in any order: a change the
    # open stack took in first must still reach the list.
    rng = random.Random(seed)
    snap = _keyed()
    summarizer = Summarizer()
    t = 0.0
    for _ in range(40):
        for _ in range(rng.randint(0, 3)):
            _mutate(snap, rng, t)
        t += rng.choice([0.1, 1.0, 30.0, 700.0])
        ns, name = rng.choice(sorted(snap["deployments"]))
        if rng.random() < 0.5:
            assert summarizer.stack(snap, WorkloadRef("Deployment", ns, name), NOW + t) == stack(
                snap, WorkloadRef("Deployment", ns, name), NOW + t
            )
        else:
            assert summarizer(snap, NOW + t) == summarize(snap, NOW + t)
    assert summarizer(snap, NOW + t) == summarize(snap, NOW + t)


def test_an_open_stack_reads_its_pods_after_a_change_without_a_summary_in_between() -> None:
    snap = _keyed()
    summarizer = Summarizer()
    ns, name = sorted(snap["deployments"])[0]
    before = summarizer.stack(snap, WorkloadRef("Deployment", ns, name), NOW)
    pod_key = next(k for k, p in snap["pods"].items() if p["metadata"]["name"].startswith(name))
    del snap["pods"][pod_key]
    after = summarizer.stack(snap, WorkloadRef("Deployment", ns, name), NOW + 1)
    assert before is not None and after is not None
    assert len(after.pods) == len(before.pods) - 1
    assert after == stack(snap, WorkloadRef("Deployment", ns, name), NOW + 1)


class _Logged(dict[Any, Any]):
    """A kind's objects that note which keys were written, as the store's change log does."""

    def __init__(self, items: dict[Any, Any], log: set[Any]) -> None:
        super().__init__(items)
        self.log = log

    def __setitem__(self, key: Any, value: Any) -> None:
        self.log.add(key)
        super().__setitem__(key, value)

    def __delitem__(self, key: Any) -> None:
        self.log.add(key)
        super().__delitem__(key)

    def pop(self, key: Any, *default: Any) -> Any:
        self.log.add(key)
        return super().pop(key, *default)


@pytest.mark.parametrize("seed", range(4))
def test_told_which_objects_changed_the_live_summary_still_equals_a_fresh_one(seed: int) -> None:
    rng = random.Random(seed)
    logs: dict[str, set[Any]] = {}
    snap: Any = {}
    for kind, objs in _keyed().items():
        logs[kind] = set()
        snap[kind] = _Logged(objs, logs[kind])
    summarizer = Summarizer()
    t = 0.0
    for _ in range(60):
        for _ in range(rng.randint(0, 3)):
            _mutate(snap, rng, t)
        t += rng.choice([0.1, 1.0, 30.0, 700.0])
        changed = {kind: set(keys) for kind, keys in logs.items()}
        for keys in logs.values():
            keys.clear()
        ns, name = rng.choice(sorted(snap["deployments"]))
        if rng.random() < 0.3:
            got = summarizer.stack(snap, WorkloadRef("Deployment", ns, name), NOW + t, changed)
            assert got == stack(snap, WorkloadRef("Deployment", ns, name), NOW + t)
        else:
            assert summarizer(snap, NOW + t, changed) == summarize(snap, NOW + t)
