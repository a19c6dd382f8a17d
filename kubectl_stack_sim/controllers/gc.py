"""Garbage collection (background, foreground and orphan propagation) and the root CA
publisher that gives every namespace ``kube-root-ca.crt``."""

from __future__ import annotations

import contextlib
import functools
from typing import TYPE_CHECKING

from .. import deletion
from ..deletion import FOREGROUND, ORPHAN
from ..store import Event, NotFound, Obj
from .base import Key, OwnerIndex, request_pod_deletion

if TYPE_CHECKING:
    from . import Context


class GarbageCollector:
    """The garbage collector's three ways (pkg/controller/garbagecollector): dependents of a
    deleted owner are deleted (background); an owner marked with ``orphan`` has its owner
    references taken off its dependents, then the finalizer; an owner marked with
    ``foregroundDeletion`` has its dependents deleted (in the foreground themselves) and loses
    the finalizer once none is left."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.cluster = ctx.cluster
        self._indexes: dict[str, OwnerIndex] = {
            "replicasets.apps": ctx.rs_by_owner,
            "pods": ctx.pods_by_owner,
            "endpointslices.discovery.k8s.io": OwnerIndex(
                ctx.cluster, "endpointslices.discovery.k8s.io"
            ),
            "jobs.batch": OwnerIndex(ctx.cluster, "jobs.batch"),
            "leases.coordination.k8s.io": OwnerIndex(ctx.cluster, "leases.coordination.k8s.io"),
        }
        # Owners waiting for their dependents: uid -> (group resource, namespace, name).
        self._waiting: dict[str, tuple[str, str, str]] = {}

    def start(self) -> None:
        self.cluster.store.add_listener("*", self._on_event)

    def _on_event(self, event: Event) -> None:
        meta = event.obj["metadata"]
        uid = meta.get("uid", "")
        if event.type == "DELETED":
            self._waiting.pop(uid, None)
            self.cluster.clock.call_later(0, lambda: self._collect(uid))
            owners = {str(r.get("uid")) for r in meta.get("ownerReferences") or []}
            for owner in sorted(owners & self._waiting.keys()):
                self.cluster.clock.call_later(0, functools.partial(self._foreground, owner))
        elif meta.get("deletionTimestamp"):
            finalizers = meta.get("finalizers") or []
            where = (event.gr, meta.get("namespace", ""), meta["name"])
            if ORPHAN in finalizers:
                self.cluster.clock.call_later(0, lambda: self._orphan(uid, where))
            if FOREGROUND in finalizers and uid not in self._waiting:
                self._waiting[uid] = where
                self.cluster.clock.call_later(0, lambda: self._foreground(uid))

    def _dependents(self, owner_uid: str) -> list[tuple[str, Key]]:
        return [
            (gr, key) for gr, index in self._indexes.items() for key in index.dependents(owner_uid)
        ]

    def _collect(self, owner_uid: str) -> None:
        store = self.cluster.store
        for gr, key in self._dependents(owner_uid):
            if gr == "pods":
                request_pod_deletion(self.cluster, *key)
                continue
            with contextlib.suppress(NotFound):
                store.delete(gr, *key)

    def _orphan(self, owner_uid: str, where: tuple[str, str, str]) -> None:
        def drop(obj: Obj) -> None:
            refs = [
                r for r in obj["metadata"].get("ownerReferences") or [] if r.get("uid") != owner_uid
            ]
            if refs:
                obj["metadata"]["ownerReferences"] = refs
            else:
                obj["metadata"].pop("ownerReferences", None)

        for gr, key in self._dependents(owner_uid):
            with contextlib.suppress(NotFound):
                self.cluster.store.mutate(gr, *key, drop)
        deletion.remove_finalizer(self.cluster, *where, ORPHAN)

    def _foreground(self, owner_uid: str) -> None:
        where = self._waiting.get(owner_uid)
        if where is None:
            return
        dependents = self._dependents(owner_uid)
        if not dependents:
            del self._waiting[owner_uid]
            deletion.remove_finalizer(self.cluster, *where, FOREGROUND)
            return
        for gr, key in dependents:
            with contextlib.suppress(NotFound):
                deletion.delete(self.cluster, gr, *key, {"propagationPolicy": "Foreground"})


def root_ca_configmap(namespace: str) -> Obj:
    """The ``kube-root-ca.crt`` ConfigMap every namespace has (root-ca-cert-publisher)."""
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": "kube-root-ca.crt",
            "namespace": namespace,
            "annotations": {
                "kubernetes.io/description": "Contains a CA bundle that can be used to verify "
                "the kube-apiserver when using internal endpoints such as the internal service "
                "IP or kubernetes.default.svc. No other usage is guaranteed across "
                "distributions of Kubernetes clusters."
            },
        },
        "data": {
            "ca.crt": "-----BEGIN CERTIFICATE-----\nMIIDBTCCAe2gAwIBAgIIembedded-sim-ca\n"
            "-----END CERTIFICATE-----\n"
        },
    }


class RootCAPublisher:
    """Creates ``kube-root-ca.crt`` in every new namespace."""

    def __init__(self, ctx: Context) -> None:
        self.cluster = ctx.cluster

    def start(self) -> None:
        self.cluster.store.add_listener("namespaces", self._on_namespace)

    def _on_namespace(self, event: Event) -> None:
        if event.type != "ADDED":
            return
        name = event.obj["metadata"]["name"]

        def publish() -> None:
            store = self.cluster.store
            if store.get("namespaces", "", name) is None:
                return
            if store.get("configmaps", name, "kube-root-ca.crt") is None:
                store.create("configmaps", root_ca_configmap(name))

        self.cluster.clock.call_later(0, publish)
