"""What the controllers of one cluster share: work queues, owner indexes, graceful deletion."""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .. import admission
from ..clock import TimerHandle
from ..cluster import Cluster
from ..objects import key_of, owner_reference
from ..store import AlreadyExists, Event, NotFound, Obj
from .revisions import delete_all

if TYPE_CHECKING:
    from . import Context

Key = tuple[str, str]


class WorkQueue:
    """Keys to reconcile, deduplicated, processed on the next clock turn (like client-go's
    workqueue): a burst of store events for one object costs one sync."""

    def __init__(self, cluster: Cluster, handler: Callable[[Key], None]) -> None:
        self._cluster = cluster
        self._handler = handler
        self._pending: dict[Key, None] = {}
        self._timer: TimerHandle | None = None

    def add(self, key: Key) -> None:
        self._pending[key] = None
        if self._timer is None:
            self._timer = self._cluster.clock.call_later(0, self._run)

    def add_after(self, key: Key, delay: float) -> None:
        self._cluster.clock.call_later(delay, lambda: self.add(key))

    def _run(self) -> None:
        self._timer = None
        keys = list(self._pending)
        self._pending.clear()
        for key in keys:
            self._handler(key)


class OwnerIndex:
    """Dependents by owner uid, for one kind, kept current from store events."""

    def __init__(self, cluster: Cluster, gr: str) -> None:
        self.gr = gr
        self._by_owner: dict[str, set[Key]] = {}
        for obj in cluster.store.iter(gr):
            self._add(obj)
        cluster.store.add_listener(gr, self._on_event)

    def _owners(self, obj: Obj) -> list[str]:
        return [str(r.get("uid")) for r in obj["metadata"].get("ownerReferences") or []]

    def _add(self, obj: Obj) -> None:
        key = (obj["metadata"].get("namespace", ""), obj["metadata"]["name"])
        for uid in self._owners(obj):
            self._by_owner.setdefault(uid, set()).add(key)

    def _remove(self, obj: Obj) -> None:
        key = (obj["metadata"].get("namespace", ""), obj["metadata"]["name"])
        for uid in self._owners(obj):
            keys = self._by_owner.get(uid)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._by_owner[uid]

    def _on_event(self, event: Event) -> None:
        if event.old is not None:
            self._remove(event.old)
        if event.type != "DELETED":
            self._add(event.obj)

    def dependents(self, owner_uid: str) -> list[Key]:
        return sorted(self._by_owner.get(owner_uid, ()))


class NamespaceIndex:
    """Object names by namespace, for one kind."""

    def __init__(self, cluster: Cluster, gr: str) -> None:
        self._by_ns: dict[str, set[str]] = {}
        for obj in cluster.store.iter(gr):
            self._by_ns.setdefault(obj["metadata"].get("namespace", ""), set()).add(
                obj["metadata"]["name"]
            )
        cluster.store.add_listener(gr, self._on_event)

    def _on_event(self, event: Event) -> None:
        meta = event.obj["metadata"]
        names = self._by_ns.setdefault(meta.get("namespace", ""), set())
        if event.type == "DELETED":
            names.discard(meta["name"])
        else:
            names.add(meta["name"])

    def names(self, namespace: str) -> list[str]:
        return sorted(self._by_ns.get(namespace, ()))


def request_pod_deletion(cluster: Cluster, namespace: str, name: str) -> None:
    """Delete a pod as a controller's DELETE request does: the API server marks it with
    deletionTimestamp and deletionGracePeriodSeconds (the kubelet finishes the job), or
    removes it at once when it never reached a node."""
    pod = cluster.store.get("pods", namespace, name)
    if pod is None or pod["metadata"].get("deletionTimestamp"):
        return
    grace = (pod.get("spec") or {}).get("terminationGracePeriodSeconds", 30)
    if not (pod.get("spec") or {}).get("nodeName") or not grace:
        with contextlib.suppress(NotFound):
            cluster.store.delete("pods", namespace, name)
        return

    def mark(obj: Obj) -> None:
        meta = obj["metadata"]
        meta["deletionTimestamp"] = cluster.clock.timestamp(cluster.clock.now() + grace)
        meta["deletionGracePeriodSeconds"] = grace

    cluster.store.mutate("pods", namespace, name, mark)


def status_of(obj: Obj) -> dict[str, Any]:
    status = obj.get("status")
    return status if isinstance(status, dict) else {}


class PodOwnerController(ABC):
    """A controller of the pods it owns (ReplicaSet, StatefulSet, DaemonSet): one work queue
    keyed by owner, fed by the owners' events and by events of the pods they control."""

    gr = ""  # the owners' group resource
    kind = ""  # the owners' kind, as pods' controller references name it
    component = ""  # the event source
    # StatefulSets and DaemonSets keep ControllerRevisions, removed with their owner.
    keeps_revisions = False

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.cluster = ctx.cluster
        self.queue = WorkQueue(ctx.cluster, self.sync)

    @abstractmethod
    def sync(self, key: Key) -> None:
        """Reconcile one owner."""

    def start(self) -> None:
        store = self.cluster.store
        store.add_listener(self.gr, self._on_owner)
        store.add_listener("pods", self._on_pod)
        for owner in store.iter(self.gr):
            self.queue.add(key_of(owner))

    def _on_owner(self, event: Event) -> None:
        if event.type != "DELETED":
            self.queue.add(key_of(event.obj))
        elif self.keeps_revisions:
            owner = event.obj
            self.cluster.clock.call_later(0, lambda: delete_all(self.cluster, owner))

    def _on_pod(self, event: Event) -> None:
        for obj in (event.obj, event.old):
            if obj is None:
                continue
            for ref in obj["metadata"].get("ownerReferences") or []:
                if ref.get("kind") == self.kind and ref.get("controller"):
                    self.queue.add((obj["metadata"].get("namespace", ""), ref["name"]))

    @staticmethod
    def pod_for(owner: Obj, name: str, labels: dict[str, str], template: Obj, spec: Obj) -> Obj:
        """A new pod of ``owner`` named ``name`` (generateName ``<owner>-``) with ``labels``,
        the pod template's annotations and ``spec``."""
        meta: Obj = {
            "name": name,
            "generateName": f"{owner['metadata']['name']}-",
            "namespace": owner["metadata"].get("namespace", ""),
            "labels": labels,
            "ownerReferences": [owner_reference(owner)],
        }
        annotations = (template.get("metadata") or {}).get("annotations")
        if annotations:
            meta["annotations"] = dict(annotations)
        return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}

    def create_pod(self, owner: Obj, pod: Obj) -> Obj | None:
        """Admit and store a new pod for ``owner`` with the controller's SuccessfulCreate or
        FailedCreate event; None when it could not be created."""
        try:
            created = self.cluster.store.create(
                "pods", admission.admit(self.cluster, "pods", pod, None, server_named=True)
            )
        except (admission.Invalid, admission.Forbidden, AlreadyExists) as exc:
            self.ctx.recorder.record(
                owner, "Warning", "FailedCreate", f"Error creating: {exc}", self.component
            )
            return None
        self.ctx.recorder.record(
            owner,
            "Normal",
            "SuccessfulCreate",
            f"Created pod: {created['metadata']['name']}",
            self.component,
        )
        return created
