"""The resource quota controller (pkg/controller/resourcequota): each ResourceQuota's
``status.hard`` is its ``spec.hard`` and ``status.used`` what the objects of its namespace use
of those resources, recomputed whenever an object of the namespace changes (the controller's
replenishment, which the API server's admission charges ahead of)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import quota
from ..store import Event, Obj
from .base import Key, WorkQueue

if TYPE_CHECKING:
    from . import Context


class ResourceQuotaController:
    def __init__(self, ctx: Context) -> None:
        self.cluster = ctx.cluster
        self.queue = WorkQueue(ctx.cluster, self.sync)
        self._namespaces: dict[str, set[str]] = {}  # namespace -> its quotas' names

    def start(self) -> None:
        self.cluster.store.add_listener("*", self._on_event)
        for obj in self.cluster.store.iter(quota.QUOTAS):
            self._on_event(Event("ADDED", quota.QUOTAS, obj, 0))

    def _on_event(self, event: Event) -> None:
        meta = event.obj["metadata"]
        namespace = meta.get("namespace", "")
        if event.gr == quota.QUOTAS:
            names = self._namespaces.setdefault(namespace, set())
            if event.type == "DELETED":
                names.discard(meta["name"])
                return
            names.add(meta["name"])
            if event.old is not None and event.old.get("spec") == event.obj.get("spec"):
                return  # its own status write
        for name in self._namespaces.get(namespace, ()):
            self.queue.add((namespace, name))

    def sync(self, key: Key) -> None:
        store = self.cluster.store
        obj = store.get(quota.QUOTAS, *key)
        if obj is None:
            return
        hard = dict((obj.get("spec") or {}).get("hard") or {})
        used = quota.namespace_usage(store, obj)
        status: Obj = {
            "hard": {k: str(v) for k, v in quota.hard_of({"spec": {"hard": hard}}).items()},
            "used": {k: str(v) for k, v in used.items()},
        }
        if obj.get("status") == status:
            return

        def write(o: Obj) -> None:
            o["status"] = status

        store.mutate(quota.QUOTAS, key[0], key[1], write)
