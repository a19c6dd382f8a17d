"""The service account controller (pkg/controller/serviceaccount): every active namespace has
a ServiceAccount named ``default``, made when the namespace appears and made again if it is
deleted, never in a namespace being terminated.

A namespace's ``default`` account is created at once, while the namespace's ADDED event is
delivered, so that a pod created right after its namespace finds it (the ServiceAccount
admission plugin refuses pods whose account does not exist)."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from ..store import AlreadyExists, Event, Obj, Store

if TYPE_CHECKING:
    from . import Context

GR = "serviceaccounts"
DEFAULT = "default"


def default_account(store: Store, namespace: str) -> Obj:
    """The ``default`` ServiceAccount of ``namespace``, as the controller creates it."""
    uid = store.system_uid(GR, namespace, DEFAULT)
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {"name": DEFAULT, "namespace": namespace, "uid": uid},
    }


class ServiceAccountsController:
    def __init__(self, ctx: Context) -> None:
        self.cluster = ctx.cluster

    def start(self) -> None:
        store = self.cluster.store
        store.add_listener("namespaces", self._on_namespace)
        store.add_listener(GR, self._on_account)
        for ns in store.list("namespaces"):
            self._ensure(ns["metadata"]["name"])

    def _on_namespace(self, event: Event) -> None:
        if event.type != "DELETED":
            self._ensure(event.obj["metadata"]["name"])

    def _on_account(self, event: Event) -> None:
        meta = event.obj["metadata"]
        if event.type == "DELETED" and meta["name"] == DEFAULT:
            namespace = meta.get("namespace", "")
            self.cluster.clock.call_later(0, lambda: self._ensure(namespace))

    def _ensure(self, namespace: str) -> None:
        store = self.cluster.store
        ns = store.get("namespaces", "", namespace)
        if ns is None or ns["metadata"].get("deletionTimestamp"):
            return
        if store.get(GR, namespace, DEFAULT) is None:
            with contextlib.suppress(AlreadyExists):
                store.create(GR, default_account(store, namespace))
