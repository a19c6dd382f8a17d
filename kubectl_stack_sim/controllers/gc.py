"""Garbage collection: when an owner is deleted, its dependents go too (background
propagation); and the root CA publisher that gives every namespace ``kube-root-ca.crt``."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from ..store import Event, NotFound, Obj
from .base import OwnerIndex, request_pod_deletion

if TYPE_CHECKING:
    from . import Context

# Kinds that have owners in this cluster (dependents); owners may be of any kind.
_DEPENDENT_KINDS = ("replicasets.apps", "pods", "endpointslices.discovery.k8s.io")


class GarbageCollector:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.cluster = ctx.cluster
        self._indexes: dict[str, OwnerIndex] = {
            "replicasets.apps": ctx.rs_by_owner,
            "pods": ctx.pods_by_owner,
            "endpointslices.discovery.k8s.io": OwnerIndex(
                ctx.cluster, "endpointslices.discovery.k8s.io"
            ),
        }

    def start(self) -> None:
        self.cluster.store.add_listener("*", self._on_event)

    def _on_event(self, event: Event) -> None:
        if event.type == "DELETED":
            uid = event.obj["metadata"].get("uid", "")
            self.cluster.clock.call_later(0, lambda: self._collect(uid))

    def _collect(self, owner_uid: str) -> None:
        store = self.cluster.store
        for gr in _DEPENDENT_KINDS:
            for key in self._indexes[gr].dependents(owner_uid):
                if gr == "pods":
                    request_pod_deletion(self.cluster, *key)
                    continue
                with contextlib.suppress(NotFound):
                    store.delete(gr, *key)


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
