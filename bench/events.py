"""``python -m bench.events``: what one change to the Events costs a live screen, in-process.

Builds the ``large`` scenario's objects (no server: the embedded cluster's store, read once)
and adds ``--events`` synthetic core/v1 Events, a ``--unhealthy`` share of them probe
failures (``Unhealthy``) about random pods, the rest ``Pulled``. Then, ``--runs`` times, one
Unhealthy event is bumped as the kubelet's recorder bumps a repeat (count + 1, a new
lastTimestamp) and the Stacks list's summary is refreshed, told which event changed, as the
app's Source does. Prints the median of each:

- ``unhealthy_by_pod`` over every event: what each change to the Events cost the Summarizer
  until it kept the probe failures incrementally;
- ``UnhealthyIndex.update`` of the one change: what it costs now;
- the whole ``Summarizer`` refresh after the change (which also lists the events again and
  rebuilds the stacks of the event's namespace).

CPU times on a shared machine: compare figures of one run, not across runs.
"""

from __future__ import annotations

import argparse
import copy
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

from kubectl_stack.model.events import UnhealthyIndex, unhealthy_by_pod
from kubectl_stack.model.stack import Summarizer

Snapshot = dict[str, dict[tuple[str, str], Any]]

# The embedded cluster's resources -> the model's kind names.
KINDS = {
    "deployments.apps": "deployments",
    "replicasets.apps": "replicasets",
    "pods": "pods",
    "services": "services",
    "endpointslices.discovery.k8s.io": "endpointslices",
    "ingresses.networking.k8s.io": "ingresses",
    "horizontalpodautoscalers.autoscaling": "horizontalpodautoscalers",
    "configmaps": "configmaps",
    "secrets": "secrets",
    "persistentvolumeclaims": "persistentvolumeclaims",
    "statefulsets.apps": "statefulsets",
    "daemonsets.apps": "daemonsets",
}


def snapshot(pods: int, events: int, unhealthy: float, seed: int = 1) -> Snapshot:
    """The ``large`` scenario's objects by kind and (namespace, name), and synthetic Events."""
    from kubectl_stack_sim.scenario import build_cluster

    cluster = build_cluster("large", pods=pods, deployments=max(1, pods // 10))
    snap: Snapshot = {}
    for resource, kind in KINDS.items():
        snap[kind] = {
            (o["metadata"].get("namespace", ""), o["metadata"]["name"]): o
            for o in cluster.store.iter(resource)
        }
    rng = random.Random(seed)
    all_pods = list(snap["pods"].values())
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    snap["events"] = {}
    for i in range(events):
        pod = rng.choice(all_pods)
        meta = pod["metadata"]
        failing = rng.random() < unhealthy
        name = f"{meta['name']}.{i:x}"
        snap["events"][(meta["namespace"], name)] = {
            "metadata": {"name": name, "namespace": meta["namespace"]},
            "involvedObject": {
                "kind": "Pod",
                "namespace": meta["namespace"],
                "name": meta["name"],
                "uid": meta["uid"],
                "fieldPath": "spec.containers{app}",
            },
            "reason": "Unhealthy" if failing else "Pulled",
            "message": (
                "Readiness probe failed: HTTP probe failed with statuscode: 503"
                if failing
                else 'Container image "registry.example.com/app:1" already present on machine'
            ),
            "type": "Warning" if failing else "Normal",
            "count": 1,
            "firstTimestamp": stamp,
            "lastTimestamp": stamp,
            "source": {"component": "kubelet", "host": "node-1"},
        }
    return snap


def _timed(fn: Callable[[], Any]) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.events", description=__doc__)
    parser.add_argument("--pods", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=40_000)
    parser.add_argument("--unhealthy", type=float, default=0.2, help="share of Unhealthy events")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args(argv)
    snap = snapshot(args.pods, args.events, args.unhealthy)
    events = snap["events"]
    failing = [k for k, e in events.items() if e["reason"] == "Unhealthy"]
    summarizer = Summarizer()
    now = time.time()
    summarizer(snap, now)
    index = UnhealthyIndex()
    index.update((k, None, e) for k, e in events.items())
    rng = random.Random(2)
    full, kept, refresh = [], [], []
    for _ in range(args.runs):
        key = rng.choice(failing)
        old = events[key]
        new = copy.deepcopy(old)
        new["count"] += 1
        events[key] = new
        full.append(_timed(lambda: unhealthy_by_pod(events.values())))
        kept.append(_timed(lambda: index.update([(key, old, new)])))  # noqa: B023
        now += 1.0
        refresh.append(_timed(lambda: summarizer(snap, now, {"events": {key}})))  # noqa: B023
    med = statistics.median
    print(
        f"{args.pods:,} pods, {len(events):,} events ({len(failing):,} Unhealthy), "
        f"median of {args.runs} changes, CPU ms on this machine:"
    )
    print(f"  unhealthy_by_pod over every event (before):  {med(full):8.2f} ms")
    print(f"  UnhealthyIndex.update of the change (now):    {med(kept):8.3f} ms")
    print(f"  Summarizer refresh after the change (now):    {med(refresh):8.2f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
