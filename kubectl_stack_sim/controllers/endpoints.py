"""Endpoints and EndpointSlices of each Service with a selector, from its pods.

A pod with an IP counts: ready pods are ``addresses`` (slice condition ready), not-ready ones
``notReadyAddresses``; terminating pods leave Endpoints and show as terminating in the slice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..names import random_suffix
from ..objects import get_condition, labels_match, owner_reference
from ..store import Event, Obj
from .base import Key, NamespaceIndex, WorkQueue, status_of

if TYPE_CHECKING:
    from . import Context

SERVICE_NAME_LABEL = "kubernetes.io/service-name"
MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by"
MANAGED_BY = "endpointslice-controller.k8s.io"


class EndpointsController:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.cluster = ctx.cluster
        self.queue = WorkQueue(ctx.cluster, self.sync)
        self.services = NamespaceIndex(ctx.cluster, "services")
        self._slices: dict[Key, str] = {}
        # Per namespace: (label, value) -> pod names; dropped on any pod change there.
        self._label_index: dict[str, dict[tuple[str, str], set[str]]] = {}

    def start(self) -> None:
        store = self.cluster.store
        for s in store.iter("endpointslices.discovery.k8s.io"):
            svc = (s["metadata"].get("labels") or {}).get(SERVICE_NAME_LABEL)
            if svc:
                self._slices[(s["metadata"]["namespace"], svc)] = s["metadata"]["name"]
        store.add_listener("services", self._on_service)
        store.add_listener("pods", self._on_pod)
        # Services created before the controllers (bulk scenarios) get their endpoints now.
        for svc in store.iter("services"):
            meta = svc["metadata"]
            if store.get("endpoints", meta["namespace"], meta["name"]) is None:
                self.queue.add((meta["namespace"], meta["name"]))

    def _on_service(self, event: Event) -> None:
        meta = event.obj["metadata"]
        key = (meta.get("namespace", ""), meta["name"])
        if event.type == "DELETED":
            self._slices.pop(key, None)
            for gr in ("endpoints",):
                if self.cluster.store.get(gr, *key) is not None:
                    self.cluster.store.delete(gr, *key)
            return
        self.queue.add(key)

    def _on_pod(self, event: Event) -> None:
        ns = event.obj["metadata"].get("namespace", "")
        if (
            event.type != "MODIFIED"
            or event.old is None
            or (event.old["metadata"].get("labels") != event.obj["metadata"].get("labels"))
        ):
            self._label_index.pop(ns, None)
        labels_now = event.obj["metadata"].get("labels") or {}
        labels_before = (event.old or {}).get("metadata", {}).get("labels") or {}
        if event.type == "MODIFIED" and not _endpoint_relevant_change(event.old, event.obj):
            return
        for name in self.services.names(ns):
            svc = self.cluster.store.get("services", ns, name)
            selector = (svc or {}).get("spec", {}).get("selector")
            if labels_match(selector, labels_now) or labels_match(selector, labels_before):
                self.queue.add((ns, name))

    def sync(self, key: Key) -> None:
        store = self.cluster.store
        svc = store.get("services", *key)
        if svc is None:
            return
        selector = (svc.get("spec") or {}).get("selector")
        if not selector:
            return
        pods = [
            p
            for p in (store.get("pods", key[0], n) for n in self._selected(key[0], selector))
            if p is not None and status_of(p).get("podIP")
        ]
        pods.sort(key=lambda p: str(p["metadata"]["name"]))
        self._write_endpoints(svc, pods)
        self._write_slice(svc, pods)

    def _selected(self, ns: str, selector: dict[str, Any]) -> list[str]:
        """Names of the pods in ``ns`` whose labels include every pair of ``selector``."""
        index = self._label_index.get(ns)
        if index is None:
            index = self._label_index[ns] = {}
            for name in self.ctx.pods_by_ns.names(ns):
                pod = self.cluster.store.get("pods", ns, name)
                for pair in ((pod or {}).get("metadata", {}).get("labels") or {}).items():
                    index.setdefault(pair, set()).add(name)
        sets = [index.get((k, v), set()) for k, v in selector.items()]
        return sorted(set.intersection(*sets)) if sets else []

    def _ports(self, svc: Obj, pods: list[Obj]) -> list[Obj]:
        ports = []
        for port in (svc.get("spec") or {}).get("ports") or []:
            target = port.get("targetPort", port.get("port"))
            if isinstance(target, str):
                target = _named_port(pods, target)
            if target is None:
                continue
            entry: Obj = {"port": target, "protocol": port.get("protocol", "TCP")}
            entry["name"] = port.get("name", "")
            ports.append(entry)
        return ports

    def _write_endpoints(self, svc: Obj, pods: list[Obj]) -> None:
        store = self.cluster.store
        ns, name = svc["metadata"]["namespace"], svc["metadata"]["name"]
        ready: list[Obj] = []
        not_ready: list[Obj] = []
        for p in pods:
            if p["metadata"].get("deletionTimestamp"):
                continue
            address: Obj = {
                "ip": status_of(p)["podIP"],
                "nodeName": (p.get("spec") or {}).get("nodeName", ""),
                "targetRef": _target_ref(p),
            }
            (ready if _pod_ready(p) else not_ready).append(address)
        subset: Obj = {}
        if ready:
            subset["addresses"] = sorted(ready, key=lambda a: _ip_key(a["ip"]))
        if not_ready:
            subset["notReadyAddresses"] = sorted(not_ready, key=lambda a: _ip_key(a["ip"]))
        ports = [{k: v for k, v in p.items() if v != ""} for p in self._ports(svc, pods)]
        subsets = []
        if subset and ports:
            subset["ports"] = ports
            subsets.append(subset)
        labels = dict(svc["metadata"].get("labels") or {})
        labels["endpoints.kubernetes.io/managed-by"] = "endpoint-controller"
        existing = store.get("endpoints", ns, name)
        body: Obj = {
            "apiVersion": "v1",
            "kind": "Endpoints",
            "metadata": {"name": name, "namespace": ns, "labels": labels},
        }
        if subsets:
            body["subsets"] = subsets
        if existing is None:
            store.create("endpoints", body)
            return
        if (
            existing.get("subsets") == body.get("subsets")
            and existing["metadata"].get("labels") == labels
        ):
            return
        updated = dict(existing)
        updated["metadata"] = {
            **existing["metadata"],
            "labels": labels,
            "annotations": {
                "endpoints.kubernetes.io/last-change-trigger-time": self.cluster.clock.timestamp()
            },
        }
        if subsets:
            updated["subsets"] = subsets
        else:
            updated.pop("subsets", None)
        store.update("endpoints", updated)

    def _write_slice(self, svc: Obj, pods: list[Obj]) -> None:
        store = self.cluster.store
        ns, name = svc["metadata"]["namespace"], svc["metadata"]["name"]
        endpoints = []
        for p in pods:
            terminating = bool(p["metadata"].get("deletionTimestamp"))
            ready = _pod_ready(p)
            endpoints.append(
                {
                    "addresses": [status_of(p)["podIP"]],
                    "conditions": {
                        "ready": ready and not terminating,
                        "serving": ready,
                        "terminating": terminating,
                    },
                    "nodeName": (p.get("spec") or {}).get("nodeName", ""),
                    "targetRef": _target_ref(p),
                }
            )
        labels = dict(svc["metadata"].get("labels") or {})
        labels[SERVICE_NAME_LABEL] = name
        labels[MANAGED_BY_LABEL] = MANAGED_BY
        slice_name = self._slices.get((ns, name))
        existing = (
            store.get("endpointslices.discovery.k8s.io", ns, slice_name) if slice_name else None
        )
        body: Obj = {
            "apiVersion": "discovery.k8s.io/v1",
            "kind": "EndpointSlice",
            "metadata": {
                "name": slice_name or f"{name}-{random_suffix(store.rng)}",
                "generateName": f"{name}-",
                "namespace": ns,
                "labels": labels,
                "ownerReferences": [owner_reference(svc)],
            },
            "addressType": "IPv4",
            "endpoints": endpoints,
            "ports": self._ports(svc, pods),
        }
        if existing is None:
            created = store.create("endpointslices.discovery.k8s.io", body)
            self._slices[(ns, name)] = created["metadata"]["name"]
            return
        if all(existing.get(k) == body[k] for k in ("endpoints", "ports")) and (
            existing["metadata"].get("labels") == labels
        ):
            return
        body["metadata"] = {
            **existing["metadata"],
            "labels": labels,
            "annotations": {
                "endpoints.kubernetes.io/last-change-trigger-time": self.cluster.clock.timestamp()
            },
        }
        store.update("endpointslices.discovery.k8s.io", body)


def _endpoint_relevant_change(old: Obj | None, new: Obj) -> bool:
    if old is None:
        return True
    return (
        status_of(old).get("podIP") != status_of(new).get("podIP")
        or _pod_ready(old) != _pod_ready(new)
        or old["metadata"].get("labels") != new["metadata"].get("labels")
        or old["metadata"].get("deletionTimestamp") != new["metadata"].get("deletionTimestamp")
    )


def _pod_ready(pod: Obj) -> bool:
    cond = get_condition(status_of(pod), "Ready")
    return cond is not None and cond.get("status") == "True"


def _target_ref(pod: Obj) -> Obj:
    meta = pod["metadata"]
    return {"kind": "Pod", "name": meta["name"], "namespace": meta["namespace"], "uid": meta["uid"]}


def _named_port(pods: list[Obj], name: str) -> Any:
    for p in pods:
        for c in (p.get("spec") or {}).get("containers") or []:
            for port in c.get("ports") or []:
                if port.get("name") == name:
                    return port.get("containerPort")
    return None


def _ip_key(ip: str) -> tuple[int, ...]:
    return tuple(int(x) for x in ip.split(".") if x.isdigit())
