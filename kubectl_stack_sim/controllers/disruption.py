"""PodDisruptionBudgets: the disruption controller (pkg/controller/disruption) and the
``pods/eviction`` subresource's decision (pkg/registry/core/pod/storage/eviction.go).

The controller counts, for each budget, the pods its selector picks (``currentHealthy``: Ready
and not being deleted), the pods their controllers want (``expectedPods``: the scale of each
owning Deployment, ReplicaSet or StatefulSet; the pods themselves for an integer minAvailable),
the healthy pods the budget demands (``desiredHealthy``: minAvailable, a percentage of expected
rounded up, or expected minus maxUnavailable rounded up) and ``disruptionsAllowed``, with the
DisruptionAllowed condition (SufficientPods / InsufficientPods).

An eviction deletes the pod (with the Eviction's DeleteOptions) when no budget covers it, when
the pod has finished, or when its budget still allows a disruption (which it then spends, and
records in ``disruptedPods``); otherwise it is a 429 naming the budget. A pod covered by more
than one budget cannot be evicted (500), as on a real API server."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ..labels import selector_matches
from ..store import Event, NotFound, Obj, clone
from ..timefmt import parse_timestamp
from .base import WorkQueue, status_of

if TYPE_CHECKING:
    from ..cluster import Cluster
    from . import Context

GR = "poddisruptionbudgets.policy"
_DELETION_TIMEOUT = 120.0
_SCALABLE = {
    "Deployment": "deployments.apps",
    "ReplicaSet": "replicasets.apps",
    "StatefulSet": "statefulsets.apps",
}


def _healthy(pod: Obj) -> bool:
    return not pod["metadata"].get("deletionTimestamp") and any(
        c.get("type") == "Ready" and c.get("status") == "True"
        for c in status_of(pod).get("conditions") or []
    )


def _percent(value: Any) -> int | None:
    if isinstance(value, str) and value.endswith("%") and value[:-1].isdigit():
        return int(value[:-1])
    return None


def covering(cluster: Cluster, pod: Obj) -> list[Obj]:
    """The budgets whose selector picks ``pod`` (a nil or empty selector picks nothing, as in
    policy/v1)."""
    labels = pod["metadata"].get("labels") or {}
    found = []
    for pdb in cluster.store.list(GR, pod["metadata"].get("namespace", "")):
        selector = (pdb.get("spec") or {}).get("selector")
        if selector and selector_matches(selector, labels):
            found.append(pdb)
    return found


class DisruptionController:
    def __init__(self, ctx: Context) -> None:
        self.cluster = ctx.cluster
        self.queue = WorkQueue(ctx.cluster, self.sync)

    def start(self) -> None:
        store = self.cluster.store
        store.add_listener(GR, self._on_budget)
        store.add_listener("pods", self._on_pod)
        for gr in _SCALABLE.values():
            store.add_listener(gr, self._on_pod)
        for pdb in store.iter(GR):
            self.queue.add((pdb["metadata"].get("namespace", ""), pdb["metadata"]["name"]))

    def _on_budget(self, event: Event) -> None:
        if event.type != "DELETED":
            meta = event.obj["metadata"]
            self.queue.add((meta.get("namespace", ""), meta["name"]))

    def _on_pod(self, event: Event) -> None:
        namespace = event.obj["metadata"].get("namespace", "")
        for pdb in self.cluster.store.list(GR, namespace):
            self.queue.add((namespace, pdb["metadata"]["name"]))

    def _expected(self, pods: list[Obj]) -> int:
        """getExpectedScale: the scale of every controller of the selected pods (the top one:
        a Deployment for its ReplicaSets' pods)."""
        store = self.cluster.store
        owners: dict[tuple[str, str], int] = {}
        for pod in pods:
            ns = pod["metadata"].get("namespace", "")
            ref = next(
                (r for r in pod["metadata"].get("ownerReferences") or [] if r.get("controller")),
                None,
            )
            if ref is None or ref.get("kind") not in _SCALABLE:
                continue
            owner = store.get(_SCALABLE[ref["kind"]], ns, str(ref.get("name", "")))
            if owner is None:
                continue
            top = next(
                (r for r in owner["metadata"].get("ownerReferences") or [] if r.get("controller")),
                None,
            )
            if top is not None and top.get("kind") == "Deployment":
                deployment = store.get("deployments.apps", ns, str(top.get("name", "")))
                if deployment is not None:
                    owner = deployment
            key = (owner["kind"], owner["metadata"]["uid"])
            owners[key] = int((owner.get("spec") or {}).get("replicas", 1))
        return sum(owners.values())

    def sync(self, key: tuple[str, str]) -> None:
        store = self.cluster.store
        pdb = store.get(GR, *key)
        if pdb is None:
            return
        spec = pdb.get("spec") or {}
        selector = spec.get("selector")
        pods = [
            p
            for p in store.list("pods", key[0])
            if selector and selector_matches(selector, p["metadata"].get("labels") or {})
        ]
        status = clone(status_of(pdb))
        # An evicted pod stays out of the count until it is seen going (DeletionTimeout).
        live = {p["metadata"]["name"] for p in pods if not p["metadata"].get("deletionTimestamp")}
        disrupted = {
            name: when
            for name, when in (status.get("disruptedPods") or {}).items()
            if name in live
            and (parse_timestamp(when) or 0.0) + _DELETION_TIMEOUT > self.cluster.clock.now()
        }
        healthy = sum(1 for p in pods if _healthy(p) and p["metadata"]["name"] not in disrupted)
        min_available, max_unavailable = spec.get("minAvailable"), spec.get("maxUnavailable")
        if isinstance(min_available, int) and not isinstance(min_available, bool):
            expected, desired = len(pods), min_available
        else:
            expected = self._expected(pods)
            if min_available is not None:
                desired = math.ceil((_percent(min_available) or 0) * expected / 100)
            elif max_unavailable is not None:
                pct = _percent(max_unavailable)
                unavailable = (
                    math.ceil(pct * expected / 100) if pct is not None else int(max_unavailable)
                )
                desired = max(0, expected - unavailable)
            else:
                desired = expected
        allowed = max(0, healthy - desired)
        status.update(
            observedGeneration=pdb["metadata"].get("generation", 1),
            currentHealthy=healthy,
            desiredHealthy=desired,
            expectedPods=expected,
            disruptionsAllowed=allowed,
        )
        if disrupted:
            status["disruptedPods"] = disrupted
        else:
            status.pop("disruptedPods", None)
        sufficient = allowed > 0
        reason = "SufficientPods" if sufficient else "InsufficientPods"
        current = next(
            (c for c in status.get("conditions") or [] if c.get("type") == "DisruptionAllowed"),
            None,
        )
        if current is None or current.get("reason") != reason:
            status["conditions"] = [
                {
                    "type": "DisruptionAllowed",
                    "status": "True" if sufficient else "False",
                    "reason": reason,
                    "message": "",
                    "observedGeneration": pdb["metadata"].get("generation", 1),
                    "lastTransitionTime": self.cluster.clock.timestamp(),
                }
            ]
        if status != status_of(pdb):

            def write(obj: Obj) -> None:
                obj["status"] = status

            try:
                store.mutate(GR, *key, write)
            except NotFound:
                return
