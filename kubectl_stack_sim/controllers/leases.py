"""Node leases: each kubelet's Lease in ``kube-node-lease`` (pkg/kubelet/nodelease and
client-go's lease controller), named after its node, owned by it (so the garbage collector
takes it with the node), held by it for 40 seconds and renewed every quarter of that on the
virtual clock while the node's kubelet is up (its Ready condition not Unknown)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..objects import get_condition
from ..store import Event, Obj
from .base import status_of

if TYPE_CHECKING:
    from . import Context

LEASES = "leases.coordination.k8s.io"
NODE_LEASE_NAMESPACE = "kube-node-lease"
LEASE_SECONDS = 40
RENEW_EVERY = LEASE_SECONDS * 0.25


def kubelet_up(node: Obj) -> bool:
    ready = get_condition(status_of(node), "Ready")
    return ready is None or ready.get("status") != "Unknown"


class NodeLeases:
    def __init__(self, ctx: Context) -> None:
        self.cluster = ctx.cluster

    def start(self) -> None:
        store = self.cluster.store
        store.add_listener("nodes", self._on_node)
        for node in store.list("nodes"):
            self._ensure(node["metadata"]["name"])
        self.cluster.clock.call_later(RENEW_EVERY, self._renew)

    def _on_node(self, event: Event) -> None:
        if event.type == "ADDED":
            name = event.obj["metadata"]["name"]
            self.cluster.clock.call_later(0, lambda: self._ensure(name))

    def _ensure(self, name: str) -> None:
        """The kubelet's first sync: create its Lease if the node has none."""
        store = self.cluster.store
        node = store.get("nodes", "", name)
        if node is None or store.get(LEASES, NODE_LEASE_NAMESPACE, name) is not None:
            return
        if store.get("namespaces", "", NODE_LEASE_NAMESPACE) is None:
            return
        owner = {"apiVersion": "v1", "kind": "Node", "name": name, "uid": node["metadata"]["uid"]}
        store.create(
            LEASES,
            {
                "apiVersion": "coordination.k8s.io/v1",
                "kind": "Lease",
                "metadata": {
                    "name": name,
                    "namespace": NODE_LEASE_NAMESPACE,
                    "ownerReferences": [owner],
                    # Outside the seeded generator: scenarios' random names stay as they were.
                    "uid": store.system_uid(LEASES, NODE_LEASE_NAMESPACE, name),
                },
                "spec": {
                    "holderIdentity": name,
                    "leaseDurationSeconds": LEASE_SECONDS,
                    "renewTime": self.cluster.clock.micro_timestamp(),
                },
            },
        )

    def _renew(self) -> None:
        store = self.cluster.store
        stamp = self.cluster.clock.micro_timestamp()

        def renew(lease: Obj) -> None:
            lease["spec"]["renewTime"] = stamp

        for lease in store.list(LEASES, NODE_LEASE_NAMESPACE):
            name = lease["metadata"]["name"]
            node = store.get("nodes", "", name)
            if (
                node is not None
                and kubelet_up(node)
                and lease["spec"].get("holderIdentity") == name
            ):
                store.mutate(LEASES, NODE_LEASE_NAMESPACE, name, renew)
        self.cluster.clock.call_later(RENEW_EVERY, self._renew)
