"""A scenario's script: timed happenings run from clock timers, as a user would cause them
(``kubectl set image``, ``scale``, ``delete pod``, ``rollout restart``) plus load changes,
container crashes and steady churn for big clusters."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .. import admission
from ..store import Obj, clone
from .base import request_pod_deletion

if TYPE_CHECKING:
    from . import Context

ACTIONS = ("set_image", "scale", "delete_pod", "restart", "crash", "load", "churn")


@dataclass
class Step:
    at: float
    action: str
    args: dict[str, Any] = field(default_factory=dict)
    every: float | None = None  # repeat this often after ``at``


def parse_script(doc: list[Any]) -> list[Step]:
    steps = []
    for entry in doc:
        entry = dict(entry)
        at = float(entry.pop("at", 0))
        every = entry.pop("every", None)
        if len(entry) != 1 or next(iter(entry)) not in ACTIONS:
            raise ValueError(f"script step needs one action of {', '.join(ACTIONS)}: {entry}")
        action, args = next(iter(entry.items()))
        steps.append(Step(at, action, dict(args or {}), float(every) if every else None))
    return steps


class ScriptRunner:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.cluster = ctx.cluster

    def begin(self, steps: list[Step]) -> None:
        """Start the script now: step times count from this moment, as does the load curve."""
        self.ctx.script_start = self.cluster.clock.now()
        for step in steps:
            self._arm(step, step.at)

    def _arm(self, step: Step, delay: float) -> None:
        def fire() -> None:
            self.run(step)
            if step.every:
                self._arm(step, step.every)

        self.cluster.clock.call_later(delay, fire)

    def run(self, step: Step) -> None:
        """Perform one happening now (unknown targets are skipped: the user may have deleted
        them)."""
        args = step.args
        ns = str(args.get("namespace", "default"))
        name = str(args.get("deployment", ""))
        if step.action == "set_image":
            self._update_deployment(ns, name, lambda d: _set_image(d, args))
        elif step.action == "scale":
            self._update_deployment(
                ns, name, lambda d: d["spec"].__setitem__("replicas", int(args["replicas"]))
            )
        elif step.action == "restart":
            self._update_deployment(ns, name, lambda d: _restart(d, self.cluster.clock.timestamp()))
        elif step.action == "load":
            self.ctx.load_override[name] = float(args["value"])
        elif step.action == "delete_pod":
            pod = args.get("pod") or self._pick_pod(ns, name)
            if pod:
                request_pod_deletion(self.cluster, ns, str(pod))
        elif step.action == "crash":
            pod = args.get("pod") or self._pick_pod(ns, name)
            if pod:
                self.ctx.kubelet.restart_container(ns, str(pod), int(args.get("exit_code", 1)))
        elif step.action == "churn":
            self._churn()

    def _pick_pod(self, ns: str, deployment: str) -> str | None:
        names = [
            n
            for n in self.ctx.pods_by_ns.names(ns)
            if not deployment or n.startswith(f"{deployment}-")
        ]
        live = [
            n
            for n in names
            if (p := self.cluster.store.get("pods", ns, n)) is not None
            and not p["metadata"].get("deletionTimestamp")
        ]
        return self.cluster.store.rng.choice(live) if live else None

    def _churn(self) -> None:
        """One unit of background churn: a rollout restart or a container restart."""
        rng = self.cluster.store.rng
        deployments = self.cluster.store.count("deployments.apps")
        if not deployments:
            return
        if rng.random() < 0.3:
            d = rng.choice(self.cluster.store.list("deployments.apps"))
            meta = d["metadata"]
            self._update_deployment(
                meta["namespace"],
                meta["name"],
                lambda o: _restart(o, self.cluster.clock.timestamp()),
            )
            return
        picked = self.ctx.kubelet.random_running_pod(rng)
        if picked is not None:
            self.ctx.kubelet.restart_container(*picked)

    def _update_deployment(self, ns: str, name: str, change: Any) -> None:
        store = self.cluster.store
        old = store.get("deployments.apps", ns, name)
        if old is None:
            return
        new = clone(old)
        change(new)
        store.update(
            "deployments.apps", admission.admit(self.cluster, "deployments.apps", new, old)
        )


def _set_image(d: Obj, args: dict[str, Any]) -> None:
    containers = d["spec"]["template"]["spec"]["containers"]
    wanted = args.get("container")
    for c in containers:
        if wanted is None or c["name"] == wanted:
            c["image"] = str(args["image"])


def _restart(d: Obj, stamp: str) -> None:
    meta = d["spec"]["template"].setdefault("metadata", {})
    meta.setdefault("annotations", {})["kubectl.kubernetes.io/restartedAt"] = stamp
