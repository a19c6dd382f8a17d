"""Events as client-go's recorder writes them: core/v1 Events, aggregated by count.

A repeat of the same event (same object, reason, message, type and source) within ten minutes
bumps ``count`` and ``lastTimestamp`` of the existing Event instead of creating a new one, as
the EventCorrelator does.

Every Event expires an hour after it was last written, whoever wrote it (these controllers or
a client through the API), as kube-apiserver's ``--event-ttl`` (default 1h) does: its event
storage gives each write of an Event a fresh etcd lease of the TTL (its ``TTLFunc`` answers the
TTL for creates and updates alike), so an Event still being bumped never expires. etcd leases
are shared for up to a minute, so a real Event goes between one hour and one hour and a minute
after its last write; the sweep here runs every minute of virtual time, which gives the same
window.
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict

from ..cluster import Cluster
from ..store import Event, Key, NotFound, Obj

_AGGREGATE_WINDOW = 600.0
_TTL = 3600.0
_SWEEP_EVERY = 60.0

_EventKey = tuple[str, str, str, str, str, str, str]


class EventRecorder:
    def __init__(self, cluster: Cluster) -> None:
        self._cluster = cluster
        # Oldest first: the last record of each event key, and the last write of each Event
        # (both moved to the end when they are written again).
        self._recent: OrderedDict[_EventKey, tuple[str, str, float]] = OrderedDict()
        self._written: OrderedDict[Key, float] = OrderedDict()
        self._seq = 0
        now = cluster.clock.now()
        for event in cluster.store.iter("events"):
            meta = event["metadata"]
            self._written[(meta.get("namespace", ""), meta["name"])] = now
        cluster.store.add_listener("events", self._on_write)
        cluster.clock.call_later(_SWEEP_EVERY, self._sweep)

    def record(
        self,
        obj: Obj,
        etype: str,
        reason: str,
        message: str,
        component: str,
        host: str = "",
        field_path: str = "",
    ) -> None:
        """Record an event about ``obj`` (as stored)."""
        clock = self._cluster.clock
        store = self._cluster.store
        now = clock.now()
        meta = obj["metadata"]
        namespace = meta.get("namespace") or "default"
        key: _EventKey = (meta.get("uid", ""), field_path, reason, message, etype, component, host)
        recent = self._recent.get(key)
        if recent is not None and now - recent[2] <= _AGGREGATE_WINDOW:
            ns, name, _ = recent

            def bump(event: Obj) -> None:
                event["count"] = int(event.get("count", 1)) + 1
                event["lastTimestamp"] = clock.timestamp(now)

            try:
                store.mutate("events", ns, name, bump)
                self._recent[key] = (ns, name, now)
                self._recent.move_to_end(key)
                return
            except NotFound:
                pass
        self._seq += 1
        name = f"{meta['name']}.{int(now * 1e9) + self._seq:x}"
        involved: Obj = {
            "apiVersion": obj.get("apiVersion", "v1"),
            "kind": obj.get("kind", ""),
            "name": meta["name"],
            "uid": meta.get("uid", ""),
            "resourceVersion": meta.get("resourceVersion", ""),
        }
        if meta.get("namespace"):
            involved["namespace"] = meta["namespace"]
        if field_path:
            involved["fieldPath"] = field_path
        source: Obj = {"component": component}
        if host:
            source["host"] = host
        event: Obj = {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": name, "namespace": namespace},
            "involvedObject": involved,
            "reason": reason,
            "message": message,
            "source": source,
            "firstTimestamp": clock.timestamp(now),
            "lastTimestamp": clock.timestamp(now),
            "count": 1,
            "type": etype,
            "eventTime": None,
            "reportingComponent": component,
            "reportingInstance": host,
        }
        store.create("events", event)
        self._recent[key] = (namespace, name, now)
        self._recent.move_to_end(key)

    def _on_write(self, change: Event) -> None:
        meta = change.obj["metadata"]
        key = (meta.get("namespace", ""), meta["name"])
        if change.type == "DELETED":
            self._written.pop(key, None)
        else:
            self._written[key] = self._cluster.clock.now()
            self._written.move_to_end(key)

    def _sweep(self) -> None:
        """Delete the Events not written for the TTL; forget records too old to aggregate."""
        clock = self._cluster.clock
        now = clock.now()
        while self._recent and now - next(iter(self._recent.values()))[2] > _AGGREGATE_WINDOW:
            self._recent.popitem(last=False)
        while self._written:
            (ns, name), written = next(iter(self._written.items()))
            if now - written < _TTL:
                break
            del self._written[(ns, name)]
            with contextlib.suppress(NotFound):
                self._cluster.store.delete("events", ns, name)
        clock.call_later(_SWEEP_EVERY, self._sweep)
