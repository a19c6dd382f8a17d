"""The embedded cluster's object storage: what etcd plus the watch cache are to a real cluster.

Objects are plain dicts shaped exactly as the API serves them, stored under their group
resource (see :mod:`.resources`) and keyed by ``(namespace, name)`` (namespace ``""`` for
cluster-scoped kinds). Stored dicts are never mutated in place: readers may keep references,
and writers pass a fresh dict (:func:`clone` one first). Every write takes the next
resourceVersion from one cluster-wide counter, and is recorded in a bounded history that
watches replay from; :meth:`Store.compact` forgets that history so that a resume from an older
version gets ``410 Expired``, as after an etcd compaction.

Everything here runs on the event loop that owns the cluster; it is not thread-safe.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from . import jsonutil
from .clock import Clock
from .resources import BY_GR

Obj = dict[str, Any]
Key = tuple[str, str]
EventType = Literal["ADDED", "MODIFIED", "DELETED"]


def clone(obj: Obj) -> Obj:
    """A deep copy of a JSON-shaped dict (much faster than ``copy.deepcopy``)."""
    result: Obj = jsonutil.loads(jsonutil.dumps(obj))
    return result


class StoreError(Exception):
    """Base of the storage errors the API layer turns into ``kind: Status`` responses."""

    code = 500
    reason = "InternalError"


class NotFound(StoreError):
    code = 404
    reason = "NotFound"


class AlreadyExists(StoreError):
    code = 409
    reason = "AlreadyExists"


class Conflict(StoreError):
    code = 409
    reason = "Conflict"


class Expired(StoreError):
    code = 410
    reason = "Expired"


@dataclass(frozen=True, slots=True)
class Event:
    """One change: the object after it (for DELETED, its last state)."""

    type: EventType
    gr: str
    obj: Obj
    rv: int
    old: Obj | None = None


class Watcher:
    """Events for one group resource (optionally one namespace) from a starting version.

    ``events`` is an unbounded queue; a consumer that falls more than ``max_backlog`` events
    behind is closed, as the API server drops watchers that cannot keep up. ``None`` in the
    queue means the watch was closed by the server side.
    """

    def __init__(self, store: Store, gr: str, namespace: str | None, max_backlog: int) -> None:
        self.store = store
        self.gr = gr
        self.namespace = namespace
        self.max_backlog = max_backlog
        self.events: asyncio.Queue[Event | None] = asyncio.Queue()
        self.closed = False

    def matches(self, event: Event) -> bool:
        if event.gr != self.gr:
            return False
        if self.namespace is None:
            return True
        return bool(event.obj["metadata"].get("namespace", "") == self.namespace)

    def push(self, event: Event) -> None:
        if self.closed:
            return
        if self.events.qsize() >= self.max_backlog:
            self.close()
            return
        self.events.put_nowait(event)

    def close(self) -> None:
        """End the watch from the server side (the consumer sees ``None``)."""
        if not self.closed:
            self.closed = True
            self.events.put_nowait(None)
            self.store._watchers.discard(self)


Listener = Callable[[Event], None]


COMPACTION_INTERVAL = 300.0
"""kube-apiserver's default ``--etcd-compaction-interval`` (5 minutes), in virtual seconds."""


class Store:
    """All objects of the embedded cluster. See the module docstring for the contract."""

    def __init__(self, clock: Clock, *, seed: int = 0, history_limit: int = 200_000) -> None:
        self.clock = clock
        self.rng = random.Random(seed)
        self._rv = 0
        self._objects: dict[str, dict[Key, Obj]] = {gr: {} for gr in BY_GR}
        self._history: deque[Event] = deque(maxlen=history_limit)
        # Versions below this one are no longer in the history (compacted or rolled out).
        self._compacted_rv = 0
        # kube-apiserver's compactor: every COMPACTION_INTERVAL it compacts etcd to the
        # revision it saw one interval earlier, so a resume finds 5-10 minutes of history.
        self._compact_at = clock.now() + COMPACTION_INTERVAL
        self._compact_to = 0
        self._watchers: set[Watcher] = set()
        self._listeners: dict[str, list[Listener]] = {}

    # -- reading ---------------------------------------------------------------------------
    @property
    def resource_version(self) -> int:
        """The newest resourceVersion handed out (the list resourceVersion)."""
        return self._rv

    @property
    def compacted_resource_version(self) -> int:
        """Versions below this one are gone from the history: resumes and continue tokens
        from before it are expired (410)."""
        return self._compacted_rv

    def add_kind(self, gr: str) -> None:
        """Make room for a kind registered after the store was made (a CRD's resource)."""
        self._objects.setdefault(gr, {})

    def get(self, gr: str, namespace: str, name: str) -> Obj | None:
        return self._objects[gr].get((namespace, name))

    def require(self, gr: str, namespace: str, name: str) -> Obj:
        obj = self.get(gr, namespace, name)
        if obj is None:
            raise NotFound(f'{BY_GR[gr].gr} "{name}" not found')
        return obj

    def list(self, gr: str, namespace: str | None = None) -> list[Obj]:
        """Objects of one kind, in one namespace or all, sorted by (namespace, name)."""
        items = self._objects[gr]
        if namespace is None:
            return [items[k] for k in sorted(items)]
        return [items[k] for k in sorted(items) if k[0] == namespace]

    def iter(self, gr: str) -> Iterator[Obj]:
        """All objects of one kind, unsorted (cheap)."""
        return iter(list(self._objects[gr].values()))

    def count(self, gr: str) -> int:
        return len(self._objects[gr])

    # -- writing ---------------------------------------------------------------------------
    def new_uid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def system_uid(self, gr: str, namespace: str, name: str) -> str:
        """A uid for an object the cluster makes for itself (bootstrap policy, a namespace's
        default ServiceAccount): unique (the next resourceVersion is part of it) but drawn
        without the seeded generator, so adding such objects leaves every scenario's random
        names as they were."""
        seed = f"{gr}/{namespace}/{name}/{self._rv + 1}"
        return str(uuid.uuid5(uuid.NAMESPACE_URL, "sim.kubectl-stack.io/" + seed))

    def _next_rv(self) -> int:
        self._rv += 1
        return self._rv

    def create(self, gr: str, obj: Obj) -> Obj:
        """Store a new object; fills uid, resourceVersion, creationTimestamp, generation."""
        rtype = BY_GR[gr]
        meta = obj.setdefault("metadata", {})
        ns = meta.get("namespace", "") if rtype.namespaced else ""
        if not rtype.namespaced:
            meta.pop("namespace", None)
        key = (ns, meta["name"])
        if key in self._objects[gr]:
            raise AlreadyExists(f'{gr} "{meta["name"]}" already exists')
        if not rtype.volatile and "uid" not in meta:  # metrics.k8s.io objects have no uid
            meta["uid"] = self.new_uid()
        meta.setdefault("creationTimestamp", self.clock.timestamp())
        if "generation" not in meta and gr not in _NO_GENERATION:
            meta["generation"] = 1
        obj.setdefault("apiVersion", rtype.api_version())
        obj.setdefault("kind", rtype.kind)
        if rtype.volatile:
            self._objects[gr][key] = obj
            return obj
        rv = self._next_rv()
        meta["resourceVersion"] = str(rv)
        self._objects[gr][key] = obj
        self._emit(Event("ADDED", gr, obj, rv))
        return obj

    def update(self, gr: str, obj: Obj, *, expected_rv: str | None = None) -> Obj:
        """Replace an object. ``expected_rv`` (the client's) must match or :class:`Conflict`."""
        rtype = BY_GR[gr]
        meta = obj["metadata"]
        key = (meta.get("namespace", "") if rtype.namespaced else "", meta["name"])
        old = self._objects[gr].get(key)
        if old is None:
            raise NotFound(f'{gr} "{meta["name"]}" not found')
        if expected_rv and expected_rv != old["metadata"].get("resourceVersion"):
            raise Conflict(
                f'Operation cannot be fulfilled on {gr} "{meta["name"]}": the object has been '
                "modified; please apply your changes to the latest version and try again"
            )
        if "uid" in old["metadata"]:
            meta["uid"] = old["metadata"]["uid"]
        meta["creationTimestamp"] = old["metadata"]["creationTimestamp"]
        if rtype.volatile:
            self._objects[gr][key] = obj
            return obj
        rv = self._next_rv()
        meta["resourceVersion"] = str(rv)
        self._objects[gr][key] = obj
        self._emit(Event("MODIFIED", gr, obj, rv, old))
        return obj

    def mutate(self, gr: str, namespace: str, name: str, change: Callable[[Obj], None]) -> Obj:
        """Clone the stored object, apply ``change`` to the clone, store it. For controllers."""
        obj = clone(self.require(gr, namespace, name))
        change(obj)
        return self.update(gr, obj)

    def delete(self, gr: str, namespace: str, name: str) -> Obj:
        """Remove an object now (finalisation and grace periods are the caller's business)."""
        rtype = BY_GR[gr]
        key = (namespace if rtype.namespaced else "", name)
        old = self._objects[gr].pop(key, None)
        if old is None:
            raise NotFound(f'{gr} "{name}" not found')
        if rtype.volatile:
            return old
        rv = self._next_rv()
        last = dict(old)
        last["metadata"] = {**old["metadata"], "resourceVersion": str(rv)}
        self._emit(Event("DELETED", gr, last, rv, old))
        return last

    # -- watching --------------------------------------------------------------------------
    def _emit(self, event: Event) -> None:
        if self._history.maxlen is not None and len(self._history) == self._history.maxlen:
            self._compacted_rv = self._history[0].rv
        self._history.append(event)
        if self.clock.now() >= self._compact_at:
            self._compact_periodically()
        for watcher in list(self._watchers):
            if watcher.matches(event):
                watcher.push(event)
        for listener in self._listeners.get(event.gr, ()):
            listener(event)
        for listener in self._listeners.get("*", ()):
            listener(event)

    def add_listener(self, gr: str, listener: Listener) -> None:
        """Call ``listener`` synchronously after every change of ``gr`` (``"*"``: of any kind)."""
        self._listeners.setdefault(gr, []).append(listener)

    def remove_listener(self, gr: str, listener: Listener) -> None:
        self._listeners.get(gr, []).remove(listener)

    def watch(
        self, gr: str, namespace: str | None, since_rv: int, *, max_backlog: int = 100_000
    ) -> Watcher:
        """Events after ``since_rv`` (replayed from history, then live).

        Raises :class:`Expired` when ``since_rv`` is older than the retained history.
        Synthetic ADDED events for a watch without a version are the API layer's job.
        """
        if since_rv < self._compacted_rv:
            raise Expired(f"too old resource version: {since_rv} ({self._compacted_rv})")
        watcher = Watcher(self, gr, namespace, max_backlog)
        for event in self._history:
            if event.rv > since_rv and watcher.matches(event):
                watcher.push(event)
        self._watchers.add(watcher)
        return watcher

    def watchers(self) -> Iterable[Watcher]:
        return tuple(self._watchers)

    def close_all_watches(self) -> int:
        """Fault injection: end every open watch (clients must resume). Returns how many."""
        watchers = list(self._watchers)
        for watcher in watchers:
            watcher.close()
        return len(watchers)

    def _compact_periodically(self) -> None:
        """What the API server's compactor does at each interval (pkg/storage/etcd3
        compact.go): compact to the revision recorded at the previous interval, then record
        the current one. Without it the history (each change with its previous object) grew
        by ~22 KB a change until ``history_limit``: a gigabyte over hours of churn."""
        while self._history and self._history[0].rv <= self._compact_to:
            self._history.popleft()
        self._compacted_rv = max(self._compacted_rv, self._compact_to)
        self._compact_to = self._rv
        self._compact_at = self.clock.now() + COMPACTION_INTERVAL

    def compact(self) -> None:
        """Forget the watch history, so resumes from any version before now get 410."""
        self._history.clear()
        self._compacted_rv = self._rv


# Kinds whose objects carry no metadata.generation in a real cluster.
_NO_GENERATION = frozenset(
    {
        "events",
        "endpoints",
        "configmaps",
        "secrets",
        "nodes",
        "namespaces",
        "endpointslices",
        "services",
        "persistentvolumeclaims",
        "persistentvolumes",
        "resourcequotas",
        "limitranges",
        "leases.coordination.k8s.io",
        "apiservices.apiregistration.k8s.io",
        "pods.metrics.k8s.io",
        "nodes.metrics.k8s.io",
    }
)
