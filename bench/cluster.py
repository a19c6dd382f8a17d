"""The embedded cluster the benchmarks run against, in its own process, with churn on demand.

``python -m bench.cluster --pods N --deployments D --namespaces K`` builds the ``large``
scenario on a manual clock (so nothing changes unless asked: the idle figures are truly idle),
prints ``KUBECONFIG=<path>``, then obeys one command per stdin line:

``rate X``  change X pods per second, until told otherwise (0 stops);
``count``   print how many changes were made so far.

A change is what a busy cluster's kubelets send most: a pod's container becomes not ready
(one in four times after a restart, with the restart count and last state a restart leaves),
or a not-ready pod becomes ready again. Each is one MODIFIED watch event, written through the
same store the API server serves from. The process ends when stdin closes.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import random
import sys
import time
from typing import Any

from bench.sync import run_main
from kubectl_stack_sim.runner import RunningSim, start_sim
from kubectl_stack_sim.store import clone

TICK = 0.01


class Churn:
    """Pod readiness flips at a set rate, run on the sim's own loop."""

    def __init__(self, sim: RunningSim, seed: int = 1) -> None:
        self.sim = sim
        self.rate = 0.0
        self.count = 0
        self.rng = random.Random(seed)
        self.keys: list[tuple[str, str]] = []

    def start(self) -> None:
        store = self.sim.cluster.store
        self.keys = [
            (p["metadata"]["namespace"], p["metadata"]["name"]) for p in store.iter("pods")
        ]
        self._task = asyncio.ensure_future(self._run())

    async def _run(self) -> None:
        due = 0.0
        last = time.monotonic()
        while True:
            await asyncio.sleep(TICK)
            now = time.monotonic()
            due += self.rate * (now - last)
            last = now
            while due >= 1.0:
                due -= 1.0
                self._one()
            if self.rate <= 0:
                due = 0.0

    def _one(self) -> None:
        store = self.sim.cluster.store
        ns, name = self.keys[self.rng.randrange(len(self.keys))]
        old = store.get("pods", ns, name)
        if old is None:
            return
        pod = clone(old)
        status = pod["status"]
        cs = status["containerStatuses"][0]
        stamp = self.sim.cluster.clock.timestamp(time.time())
        ready = not cs["ready"]
        if not ready and self.rng.random() < 0.25:
            cs["restartCount"] += 1
            cs["lastState"] = {
                "terminated": {
                    "exitCode": 1,
                    "reason": "Error",
                    "startedAt": cs["state"].get("running", {}).get("startedAt", stamp),
                    "finishedAt": stamp,
                    "containerID": cs.get("containerID", ""),
                }
            }
            cs["state"] = {"running": {"startedAt": stamp}}
        cs["ready"] = ready
        for cond in status["conditions"]:
            if cond["type"] in ("Ready", "ContainersReady"):
                cond["status"] = "True" if ready else "False"
                cond["lastTransitionTime"] = stamp
        store.update("pods", pod)
        self.count += 1


def no_full_collections() -> None:
    """No full garbage collections in this (the cluster's) process from now on; younger
    ones still run. It stands in for an API server written in Go, whose collector does not
    stop the world: its own full collections of a churned store (up to 1.1 s at 10,000 pods
    under 500 changes/s) stalled every watch stream, and counted as the app's latency."""
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, 1 << 30)


def _params(args: argparse.Namespace) -> dict[str, Any]:
    return {"namespaces": args.namespaces, "deployments": args.deployments, "pods": args.pods}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cluster", description=__doc__)
    parser.add_argument("--pods", type=int, default=10_000)
    parser.add_argument("--deployments", type=int, default=1_000)
    parser.add_argument("--namespaces", type=int, default=20)
    args = parser.parse_args(argv)
    with start_sim("large", **_params(args)) as sim:
        no_full_collections()
        churn = Churn(sim)
        sim.call(churn.start)
        sys.stdout.write(f"KUBECONFIG={sim.kubeconfig}\n")
        sys.stdout.flush()
        for line in sys.stdin:
            command, _, value = line.strip().partition(" ")
            if command == "rate":
                sim.call(setattr, churn, "rate", float(value))
                sys.stdout.write("ok\n")
            elif command == "count":
                sys.stdout.write(f"{sim.call(getattr, churn, 'count')}\n")
            else:
                sys.stdout.write(f"unknown command {command!r}\n")
            sys.stdout.flush()
    # The sim is stopped and its files removed: the interpreter's own teardown would only
    # collect the store and its watch history once more, for nothing (after a size's churn:
    # 1 s of CPU at 1,000 pods on a quiet machine, 6 to 16 s of wall time under load).
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    run_main(main)
