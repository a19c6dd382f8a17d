"""The ReplicaSet controller: keeps ``spec.replicas`` active pods and reports their counts,
and the replication manager, the same controller for ReplicationControllers.

As pkg/controller/replicaset: pods are created from the template named ``<rs>-<5 chars>``
with an ownerReference, surplus pods are deleted in kube's preference order (unscheduled,
pending, not ready, recently ready, most restarts, newest first), and the status counts
ready pods and pods ready for at least minReadySeconds (available).
pkg/controller/replication runs that controller for ReplicationControllers (whose selector is
a plain label map), with its own event source.
"""

from __future__ import annotations

from ..names import random_suffix
from ..objects import get_condition, key_of
from ..store import Obj, clone
from ..timefmt import parse_timestamp
from .base import Key, PodOwnerController, request_pod_deletion, status_of

_BURST = 500


def is_active(pod: Obj) -> bool:
    """Counts toward a ReplicaSet: not terminating and not finished."""
    return not pod["metadata"].get("deletionTimestamp") and status_of(pod).get("phase") not in (
        "Succeeded",
        "Failed",
    )


def ready_since(pod: Obj) -> float | None:
    """When the pod last became Ready, or None when it is not ready."""
    cond = get_condition(status_of(pod), "Ready")
    if cond is None or cond.get("status") != "True":
        return None
    return parse_timestamp(cond.get("lastTransitionTime")) or 0.0


def is_available(pod: Obj, min_ready: float, now: float) -> bool:
    since = ready_since(pod)
    return since is not None and (min_ready <= 0 or since + min_ready <= now)


class ReplicaSetController(PodOwnerController):
    gr = "replicasets.apps"
    kind = "ReplicaSet"
    component = "replicaset-controller"

    def start(self) -> None:
        # Existing ReplicaSets (bulk scenarios) are already converged: no sync until an event.
        store = self.cluster.store
        store.add_listener(self.gr, self._on_owner)
        store.add_listener("pods", self._on_pod)

    def pods_of(self, rs: Obj) -> list[Obj]:
        ns = rs["metadata"].get("namespace", "")
        store = self.cluster.store
        pods = []
        for key in self.ctx.pods_by_owner.dependents(rs["metadata"]["uid"]):
            pod = store.get("pods", *key)
            if pod is not None:
                pods.append(pod)
        return [p for p in pods if p["metadata"].get("namespace", "") == ns]

    def sync(self, key: Key) -> None:
        store = self.cluster.store
        rs = store.get(self.gr, *key)
        if rs is None or rs["metadata"].get("deletionTimestamp"):
            return
        spec = rs.get("spec") or {}
        pods = [p for p in self.pods_of(rs) if is_active(p)]
        want = int(spec.get("replicas", 1))
        diff = len(pods) - want
        if diff < 0:
            for _ in range(min(-diff, _BURST)):
                self._create_pod(rs)
        elif diff > 0:
            for pod in sorted(pods, key=self._deletion_rank)[:diff]:
                request_pod_deletion(self.cluster, key[0], pod["metadata"]["name"])
                self.ctx.recorder.record(
                    rs,
                    "Normal",
                    "SuccessfulDelete",
                    f"Deleted pod: {pod['metadata']['name']}",
                    self.component,
                )
        self._update_status(key)

    def _deletion_rank(self, pod: Obj) -> tuple[int, int, int, float, int, float]:
        status = status_of(pod)
        assigned = 1 if (pod.get("spec") or {}).get("nodeName") else 0
        phase = {"Pending": 0, "Unknown": 1, "Running": 2}.get(str(status.get("phase")), 0)
        since = ready_since(pod)
        ready = 0 if since is None else 1
        restarts = sum(int(c.get("restartCount", 0)) for c in status.get("containerStatuses") or [])
        created = parse_timestamp(pod["metadata"].get("creationTimestamp")) or 0.0
        # Ready for less time first, more restarts first, newer first.
        return (assigned, phase, ready, -(since or 0.0), -restarts, -created)

    def _create_pod(self, rs: Obj) -> None:
        template = (rs.get("spec") or {}).get("template") or {}
        tmeta = template.get("metadata") or {}
        rs_name = rs["metadata"]["name"]
        ns = rs["metadata"].get("namespace", "")
        store = self.cluster.store
        for _ in range(10):
            name = f"{rs_name}-{random_suffix(store.rng)}"
            if store.get("pods", ns, name) is None:
                break
        labels = dict(tmeta.get("labels") or {})
        spec = clone(template.get("spec") or {})
        self.create_pod(rs, self.pod_for(rs, name, labels, template, spec))

    def _update_status(self, key: Key) -> None:
        store = self.cluster.store
        rs = store.get(self.gr, *key)
        if rs is None:
            return
        spec = rs.get("spec") or {}
        min_ready = float(spec.get("minReadySeconds", 0))
        now = self.cluster.clock.now()
        pods = [p for p in self.pods_of(rs) if is_active(p)]
        template_labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
        ready = [p for p in pods if ready_since(p) is not None]
        available = [p for p in ready if is_available(p, min_ready, now)]
        labeled = [
            p
            for p in pods
            if all(
                (p["metadata"].get("labels") or {}).get(k) == v for k, v in template_labels.items()
            )
        ]
        status: Obj = {"replicas": len(pods)}
        if labeled:
            status["fullyLabeledReplicas"] = len(labeled)
        if ready:
            status["readyReplicas"] = len(ready)
        if available:
            status["availableReplicas"] = len(available)
        status["observedGeneration"] = rs["metadata"].get("generation", 1)
        if len(available) < len(ready):
            # Wake when the next pod has been ready for minReadySeconds.
            waits = [
                (ready_since(p) or now) + min_ready - now
                for p in ready
                if not is_available(p, min_ready, now)
            ]
            self.queue.add_after(key, max(0.0, min(waits)) + 0.001)
        if status != status_of(rs):

            def write(obj: Obj) -> None:
                obj["status"] = status

            store.mutate(self.gr, key[0], key[1], write)


class ReplicationManager(ReplicaSetController):
    """The replication controller (kube-controller-manager's replicationcontroller loop)."""

    gr = "replicationcontrollers"
    kind = "ReplicationController"
    component = "replication-controller"

    def start(self) -> None:
        super().start()
        for rc in self.cluster.store.iter(self.gr):
            self.queue.add(key_of(rc))
