"""Events as client-go's recorder writes them: core/v1 Events, aggregated by count.

A repeat of the same event (same object, reason, message, type and source) within ten minutes
bumps ``count`` and ``lastTimestamp`` of the existing Event instead of creating a new one, as
the EventCorrelator does. Events expire after an hour like the API server's event TTL.
"""

from __future__ import annotations

import contextlib
from collections import deque

from ..cluster import Cluster
from ..store import NotFound, Obj

_AGGREGATE_WINDOW = 600.0
_TTL = 3600.0
_SWEEP_EVERY = 60.0

_EventKey = tuple[str, str, str, str, str, str, str]


class EventRecorder:
    def __init__(self, cluster: Cluster) -> None:
        self._cluster = cluster
        self._recent: dict[_EventKey, tuple[str, str, float]] = {}
        self._created: deque[tuple[float, str, str, _EventKey]] = deque()
        self._seq = 0
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
        self._created.append((now, namespace, name, key))

    def _sweep(self) -> None:
        clock = self._cluster.clock
        now = clock.now()
        while self._created and now - self._created[0][0] > _TTL:
            _, ns, name, key = self._created.popleft()
            with contextlib.suppress(NotFound):
                self._cluster.store.delete("events", ns, name)
            if self._recent.get(key, ("", "", 0.0))[1] == name:
                del self._recent[key]
        clock.call_later(_SWEEP_EVERY, self._sweep)
