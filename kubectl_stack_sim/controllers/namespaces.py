"""The namespace controller: a deleted Namespace stays ``Terminating`` while its contents
are deleted (pods gracefully, through the kubelet), reports what remains in its status
conditions as kube-controller-manager does, and is removed once it is empty."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from ..crds import custom_types
from ..resources import RESOURCES
from ..store import Event, NotFound, Obj
from .base import request_pod_deletion

if TYPE_CHECKING:
    from . import Context

GR = "namespaces"
RESYNC_SECONDS = 1.0  # how soon a namespace with content left is looked at again


class NamespaceController:
    def __init__(self, ctx: Context) -> None:
        self.cluster = ctx.cluster
        self._terminating: set[str] = set()  # namespaces with a sync pending

    def start(self) -> None:
        self.cluster.store.add_listener(GR, self._on_namespace)
        for ns in self.cluster.store.list(GR):
            self._on_namespace(Event("ADDED", GR, ns, 0))

    def _on_namespace(self, event: Event) -> None:
        meta = event.obj["metadata"]
        if event.type == "DELETED" or not meta.get("deletionTimestamp"):
            return
        if meta["name"] not in self._terminating:
            self._terminating.add(meta["name"])
            self._later(meta["name"], 0)

    def _later(self, name: str, delay: float) -> None:
        self.cluster.clock.call_later(delay, lambda: self.sync(name))

    def sync(self, name: str) -> None:
        """Delete what is left in namespace ``name``; remove it once nothing remains."""
        store = self.cluster.store
        ns = store.get(GR, "", name)
        if ns is None or not ns["metadata"].get("deletionTimestamp"):
            self._terminating.discard(name)
            return
        remaining: dict[str, int] = {}
        for rtype in (*RESOURCES, *custom_types(store)):
            if not rtype.namespaced or rtype.volatile:
                continue
            for obj in store.list(rtype.gr, name):
                self._delete(rtype.gr, obj)
            left = len(store.list(rtype.gr, name))
            if left:
                remaining[rtype.gr] = left
        if not remaining:
            self._terminating.discard(name)
            with contextlib.suppress(NotFound):
                store.delete(GR, "", name)
            return
        self._report(ns, remaining)
        self._later(name, RESYNC_SECONDS)

    def _delete(self, gr: str, obj: Obj) -> None:
        meta = obj["metadata"]
        if gr == "pods":
            request_pod_deletion(self.cluster, meta.get("namespace", ""), meta["name"])
        elif meta.get("finalizers"):
            # Whoever put the finalizer removes it; the object waits, marked.
            if not meta.get("deletionTimestamp"):
                stamp = self.cluster.clock.timestamp()

                def mark(o: Obj) -> None:
                    o["metadata"]["deletionTimestamp"] = stamp
                    o["metadata"]["deletionGracePeriodSeconds"] = 0

                self.cluster.store.mutate(gr, meta.get("namespace", ""), meta["name"], mark)
        else:
            with contextlib.suppress(NotFound):
                self.cluster.store.delete(gr, meta.get("namespace", ""), meta["name"])

    def _report(self, ns: Obj, remaining: dict[str, int]) -> None:
        left = ", ".join(f"{gr} has {n} resource instances" for gr, n in sorted(remaining.items()))
        conditions = [
            (
                "NamespaceDeletionDiscoveryFailure",
                "False",
                "ResourcesDiscovered",
                "All resources successfully discovered",
            ),
            (
                "NamespaceDeletionGroupVersionParsingFailure",
                "False",
                "ParsedGroupVersions",
                "All legacy kube types successfully parsed",
            ),
            (
                "NamespaceDeletionContentFailure",
                "False",
                "ContentDeleted",
                "All content successfully deleted, may be waiting on finalization",
            ),
            (
                "NamespaceContentRemaining",
                "True",
                "SomeResourcesRemain",
                f"Some resources are remaining: {left}",
            ),
            (
                "NamespaceFinalizersRemaining",
                "False",
                "ContentHasNoFinalizers",
                "All content-preserving finalizers finished",
            ),
        ]
        old = {c.get("type"): c for c in (ns.get("status") or {}).get("conditions") or []}
        if all(old.get(t, {}).get("message") == m for t, _, _, m in conditions):
            return
        stamp = self.cluster.clock.timestamp()

        def since(ctype: str, status: str) -> str:
            before = old.get(ctype) or {}
            return str(before["lastTransitionTime"]) if before.get("status") == status else stamp

        def write(obj: Obj) -> None:
            obj.setdefault("status", {})["conditions"] = [
                {
                    "lastTransitionTime": since(ctype, status),
                    "message": message,
                    "reason": reason,
                    "status": status,
                    "type": ctype,
                }
                for ctype, status, reason, message in conditions
            ]

        self.cluster.store.mutate(GR, "", ns["metadata"]["name"], write)
