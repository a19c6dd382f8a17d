"""ClusterState: the live cache of watched objects that the UI reads.

Informers write into it; the UI reads ``objects(kind)`` and ``get(...)``, asks
``changes_since(version)`` what changed, and ``subscribe``s to be woken when something did.
Wake-ups are coalesced: however fast events arrive, a subscriber is called at most
``max_rate`` times a second (10 by default), always on the event loop, and always once more
after the last change so nothing is missed.

Objects are plain API dicts with ``metadata.managedFields`` removed (and pods without what
no reader uses: the informers' transform, :mod:`kube.trim`), keyed by
``(namespace, name)`` (namespace ``""`` for cluster-scoped kinds). Stored dicts are replaced,
never mutated, so a reader may keep a reference. Equal parts of different objects are one
shared object (see :class:`Interner`): readers must never mutate what they read (copy first).
"""

from __future__ import annotations

import asyncio
import hashlib
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType
from typing import Any, Literal, NamedTuple

from .. import jsonutil

Obj = dict[str, Any]
Key = tuple[str, str]
ChangeType = Literal["ADDED", "MODIFIED", "DELETED"]


class SyncState(str, Enum):
    """Where one kind's informer stands."""

    PENDING = "pending"  # first list not finished
    SYNCED = "synced"  # listed and watching
    FORBIDDEN = "forbidden"  # 403: the user may not list this kind
    UNAVAILABLE = "unavailable"  # the server does not serve it (e.g. no metrics-server)


@dataclass(frozen=True)
class KindStatus:
    state: SyncState
    message: str = ""


class Change(NamedTuple):
    """One entry of the change log."""

    version: int
    kind: str
    namespace: str
    name: str
    type: ChangeType


@dataclass(frozen=True)
class ConnectionStatus:
    """For the UI's banner. ``retry_at`` is on the ``time.monotonic`` scale."""

    state: Literal["connecting", "ok", "retrying"]
    reason: str = ""
    retry_at: float | None = None
    # Epoch seconds: while retrying, the oldest moment the kinds in trouble were last known
    # current (what the screen shows is from then); while ok, the last moment all was well.
    last_good: float | None = None

    def retry_in(self, now: float | None = None) -> float | None:
        """Seconds until the next attempt (None when not retrying)."""
        if self.retry_at is None:
            return None
        return max(0.0, self.retry_at - (time.monotonic() if now is None else now))


Walk = Callable[[Any], Any]


def _digest_walk(table: dict[Any, Any], capacity: int) -> Walk:
    """Interning keyed by a digest of the node's JSON (see :class:`Interner`)."""
    dumps = jsonutil.dumps
    blake2b = hashlib.blake2b
    intern_str = sys.intern

    def walk(node: Any) -> Any:
        digest = blake2b(dumps(node), digest_size=16).digest()
        found = table.get(digest)
        if found is not None:
            return found
        value: Any
        if type(node) is dict:
            value = {}
            for k, v in node.items():
                tv = type(v)
                if tv is str:
                    v = intern_str(v)
                elif tv is dict or tv is list:
                    v = walk(v)
                value[k] = v
        else:
            value = []
            for v in node:
                tv = type(v)
                if tv is str:
                    v = intern_str(v)
                elif tv is dict or tv is list:
                    v = walk(v)
                value.append(v)
        if len(table) >= capacity:
            table.clear()
        table[digest] = value
        return value

    return walk


def _digest_share(table: dict[Any, Any], capacity: int) -> Walk:
    """The table's node equal to ``node``, whose children are shared already (``node`` itself
    when there is none, then in the table), by digest as :func:`_digest_walk`."""
    dumps = jsonutil.dumps
    blake2b = hashlib.blake2b

    def share(node: Any) -> Any:
        return _keep(table, capacity, blake2b(dumps(node), digest_size=16).digest(), node)

    return share


def _keep(table: dict[Any, Any], capacity: int, key: Any, node: Any) -> Any:
    """The table's node under ``key``; ``node``, put there, when there is none."""
    found = table.get(key)
    if found is None:
        if len(table) >= capacity:
            table.clear()
        table[key] = found = node
    return found


def _item_share(table: dict[Any, Any], capacity: int) -> Walk:
    """As :func:`_digest_share`, by items as :func:`_item_walk`."""

    def share(node: Any) -> Any:
        key: list[Any]
        if type(node) is dict:
            key = []
            for k, v in node.items():
                tv = type(v)
                key += (
                    (k, id(v)) if tv is dict or tv is list else (k, v) if tv is str else (k, tv, v)
                )
        else:
            key = [None]
            for v in node:
                tv = type(v)
                key += (id(v),) if tv is dict or tv is list else (v,) if tv is str else (tv, v)
        return _keep(table, capacity, tuple(key), node)

    return share


def _item_walk(table: dict[Any, Any], capacity: int) -> Walk:
    """Interning keyed by the node's items, children by identity (see :class:`Interner`)."""
    intern_str = sys.intern

    # One flat walk with local names only: this runs for every node of every object.
    def walk(node: Any) -> Any:
        key: list[Any]
        value: Any
        if type(node) is dict:
            out: dict[str, Any] = {}
            key = []
            for k, v in node.items():
                tv = type(v)
                if tv is dict or tv is list:
                    v = walk(v)
                    key += (k, id(v))
                elif tv is str:
                    v = intern_str(v)
                    key += (k, v)
                else:
                    # The type keeps True apart from 1 and 1.0.
                    key += (k, tv, v)
                out[k] = v
            value = out
        else:
            items: list[Any] = []
            key = [None]
            for v in node:
                tv = type(v)
                if tv is dict or tv is list:
                    v = walk(v)
                    key.append(id(v))
                elif tv is str:
                    v = intern_str(v)
                    key.append(v)
                else:
                    key += (tv, v)
                items.append(v)
            value = items
        return _keep(table, capacity, tuple(key), value)

    return walk


class Interner:
    """Makes equal sub-trees of stored objects one shared object (hash-consing).

    Pods of one ReplicaSet repeat the same containers, probes, resources, tolerations and
    labels; sharing them cuts the memory of 10,000 pods by about two thirds. Nodes are
    interned from the leaves up; an equal node is found by a key:

    - with orjson, a 128-bit digest of the node's compact JSON, looked up *before* walking
      it, so a repeated sub-tree (a pod's probes, resources, tolerations) is not walked at
      all (10,000 pods: 0.65 -> 0.48 s, a smaller table too);
    - without it (the krew archive on a plain python3, where the standard library's encoder
      would cost more than it saves), a tuple of the node's items, children by identity.

    Either key keeps ``True`` apart from ``1`` and ``1.0``. The table is emptied when it
    reaches ``capacity`` entries, so it never holds more than a window of recent shapes: that
    loses some sharing, never correctness. ``managedFields`` is dropped.
    """

    def __init__(self, capacity: int = 20_000, *, by_digest: bool = jsonutil.FAST) -> None:
        table: dict[Any, Any] = {}
        if by_digest:
            self._walk, self._share = _digest_walk(table, capacity), _digest_share(table, capacity)
        else:
            self._walk, self._share = _item_walk(table, capacity), _item_share(table, capacity)

    def intern(self, obj: Obj, like: Obj | None = None) -> Obj:
        """A copy of ``obj`` whose nested dicts and lists are shared with equal ones.

        ``like`` is the version of the object stored before this one: whatever is unchanged
        in it, at any depth, is kept as it is (a pod whose readiness flips keeps the spec, the
        conditions and the container parts it shares with its siblings, even when the table
        has been emptied since), and only what changed is interned again."""
        walk, share = self._walk, self._share
        # The object and its metadata are unique: copied, not put in the table. Of their own
        # strings, the ones many objects repeat are made one.
        result: Obj = {}
        for k, v in obj.items():
            if k == "metadata" and type(v) is dict:
                before = like.get(k) if like is not None else None
                meta: Obj = {}
                for mk, mv in v.items():
                    if mk == "managedFields":
                        continue
                    if type(mv) is dict or type(mv) is list:
                        mv = _same_or(
                            mv, before.get(mk) if type(before) is dict else None, walk, share
                        )
                    elif mk in _SHARED_META and type(mv) is str:
                        mv = sys.intern(mv)
                    meta[mk] = mv
                result[k] = meta
            elif type(v) is dict or type(v) is list:
                result[k] = _same_or(v, like.get(k) if like is not None else None, walk, share)
            elif type(v) is str:
                result[k] = sys.intern(v)
            else:
                result[k] = v
        return result


# Strings of an object's metadata that its siblings repeat (its name, uid and
# resourceVersion are its own: interning those would only grow the interpreter's table).
_SHARED_META = frozenset(("namespace", "generateName", "creationTimestamp"))


def _same_or(node: Any, before: Any, walk: Walk, share: Walk) -> Any:
    """``node`` interned, keeping whatever of ``before`` (the same place in the version
    stored before) is equal to it exactly (as JSON: ``True`` is not ``1``), at any depth;
    what changed is shared with an equal node of the table (``share``)."""
    if before is None:
        return walk(node)
    if before == node and jsonutil.dumps(before) == jsonutil.dumps(node):
        return before
    kind = type(node)
    if kind is dict and type(before) is dict:
        value: Any = {}
        for k, v in node.items():
            tv = type(v)
            if tv is dict or tv is list:
                v = _same_or(v, before.get(k), walk, share)
            elif tv is str:
                v = sys.intern(v)
            value[k] = v
        return share(value)
    if kind is list and type(before) is list and len(before) == len(node):
        value = []
        for v, b in zip(node, before, strict=True):
            tv = type(v)
            if tv is dict or tv is list:
                v = _same_or(v, b, walk, share)
            elif tv is str:
                v = sys.intern(v)
            value.append(v)
        return share(value)
    return walk(node)


def key_of(obj: Obj) -> Key:
    meta = obj.get("metadata") or {}
    return (str(meta.get("namespace") or ""), str(meta.get("name") or ""))


def _rv(obj: Obj | None) -> str | None:
    if obj is None:
        return None
    rv = (obj.get("metadata") or {}).get("resourceVersion")
    return str(rv) if rv is not None else None


Callback = Callable[[int], None]


class ClusterState:
    """See the module docstring. Not thread-safe: use from the event loop that owns it.

    ``now`` and ``call_later`` default to the running loop's; tests pass a virtual clock.
    """

    def __init__(
        self,
        *,
        max_rate: float = 10.0,
        change_log: int = 20_000,
        now: Callable[[], float] | None = None,
        call_later: Callable[[float, Callable[[], None]], Any] | None = None,
    ) -> None:
        self._objects: dict[str, dict[Key, Obj]] = {}
        self._version = 0
        # Plain tuples (Change's fields): the cycle collector stops tracking those (not
        # Change instances), or every full collection would rescan all 20,000 entries.
        self._log: deque[tuple[int, str, str, str, ChangeType]] = deque(maxlen=change_log)
        self._status: dict[str, KindStatus] = {}
        self._connection = ConnectionStatus("connecting")
        self._retrying: dict[str, tuple[str, float, float | None]] = {}
        self._subscribers: list[Callback] = []
        self._min_interval = 1.0 / max_rate
        self._now = now
        self._call_later = call_later
        self._last_fire = float("-inf")
        self._pending: Any = None
        self._scheduled = False
        # Changes at or below this version may have fallen out of the bounded log.
        self._log_floor = 0
        self._interner = Interner()

    # -- reading ---------------------------------------------------------------------------
    @property
    def version(self) -> int:
        """Monotonically increasing; bumps on every stored change and status change."""
        return self._version

    def objects(self, kind: str) -> Mapping[Key, Obj]:
        """Current objects of ``kind`` by (namespace, name); a read-only live view."""
        return MappingProxyType(self._objects.setdefault(kind, {}))

    def get(self, kind: str, namespace: str, name: str) -> Obj | None:
        return self._objects.get(kind, {}).get((namespace, name))

    def changes_since(self, version: int) -> list[Change] | None:
        """Object changes after ``version``, oldest first; ``None`` when the log no longer
        reaches back that far (the caller should reread everything)."""
        if version < self._log_floor:
            return None
        newer: list[Change] = []
        for entry in reversed(self._log):
            if entry[0] <= version:
                break
            newer.append(Change(*entry))
        newer.reverse()
        return newer

    def status(self, kind: str) -> KindStatus:
        return self._status.get(kind, KindStatus(SyncState.PENDING))

    @property
    def forbidden(self) -> frozenset[str]:
        """Kinds the user may not list (the UI says so in that panel)."""
        return frozenset(k for k, s in self._status.items() if s.state is SyncState.FORBIDDEN)

    @property
    def connection(self) -> ConnectionStatus:
        return self._connection

    def synced(self, kinds: Iterable[str]) -> bool:
        """True when every one of ``kinds`` finished its first list (or cannot be listed)."""
        return all(self.status(k).state is not SyncState.PENDING for k in kinds)

    # -- subscribing -----------------------------------------------------------------------
    def subscribe(self, callback: Callback) -> Callable[[], None]:
        """Call ``callback(version)`` after changes, coalesced. Returns an unsubscriber."""
        self._subscribers.append(callback)

        def unsubscribe() -> None:
            if callback in self._subscribers:
                self._subscribers.remove(callback)

        return unsubscribe

    def _clock(self) -> float:
        if self._now is not None:
            return self._now()
        return asyncio.get_running_loop().time()

    def _schedule(self) -> None:
        if self._scheduled or not self._subscribers:
            return
        delay = max(0.0, self._last_fire + self._min_interval - self._clock())
        if self._call_later is not None:
            self._pending = self._call_later(delay, self._fire)
        else:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                return
            self._pending = loop.call_later(delay, self._fire)
        self._scheduled = True

    def _fire(self) -> None:
        self._pending = None
        self._scheduled = False
        self._last_fire = self._clock()
        for callback in list(self._subscribers):
            callback(self._version)

    def close(self) -> None:
        """Cancel a pending wake-up (when the state is thrown away)."""
        pending, self._pending = self._pending, None
        self._scheduled = False
        if pending is not None and hasattr(pending, "cancel"):
            pending.cancel()

    # -- writing (informers) ---------------------------------------------------------------
    def _bump(self) -> int:
        self._version += 1
        return self._version

    def _record(self, kind: str, key: Key, change: ChangeType) -> None:
        version = self._bump()
        if self._log.maxlen is not None and len(self._log) == self._log.maxlen:
            self._log_floor = self._log[0][0]
        self._log.append((version, kind, key[0], key[1], change))

    def prepare(self, obj: Obj, kind: str | None = None) -> Obj:
        """The object as it will be stored: managedFields gone, equal parts shared with
        other stored objects (so nothing stored may ever be mutated). With ``kind``, the
        parts it still shares with its stored version are that version's."""
        like = None if kind is None else self._objects.get(kind, {}).get(key_of(obj))
        result: Obj = self._interner.intern(obj, like)
        return result

    def upsert(self, kind: str, obj: Obj, *, prepared: bool = False) -> bool:
        """Store an ADDED/MODIFIED object. False when it is unchanged (same resourceVersion)."""
        if not prepared:
            obj = self.prepare(obj, kind)
        key = key_of(obj)
        items = self._objects.setdefault(kind, {})
        old = items.get(key)
        if old is not None and _rv(old) == _rv(obj) and _rv(obj) is not None:
            return False
        items[key] = obj
        self._record(kind, key, "MODIFIED" if old is not None else "ADDED")
        self._schedule()
        return True

    def delete(self, kind: str, obj: Obj) -> bool:
        key = key_of(obj)
        if self._objects.get(kind, {}).pop(key, None) is None:
            return False
        self._record(kind, key, "DELETED")
        self._schedule()
        return True

    def replace(
        self,
        kind: str,
        namespace: str | None,
        items: Iterable[Obj],
        *,
        prepared: bool = False,
        new_history: bool = False,
    ) -> int:
        """A relist: make ``kind`` (in ``namespace``, or everywhere) exactly ``items``,
        recording only the differences, deletions included. Returns how many changed.
        ``prepared``: the items came from :meth:`prepare` already. ``new_history``: the
        server's state was reset, so an equal resourceVersion no longer means an equal
        object (the new history reuses the numbers)."""
        current = self._objects.setdefault(kind, {})
        fresh: dict[Key, Obj] = {}
        for obj in items:
            if not prepared:
                obj = self.prepare(obj, kind)
            fresh[key_of(obj)] = obj
        changed = 0
        for key in [k for k in current if namespace is None or k[0] == namespace]:
            if key not in fresh:
                del current[key]
                self._record(kind, key, "DELETED")
                changed += 1
        for key, obj in fresh.items():
            old = current.get(key)
            same_version = old is not None and _rv(old) == _rv(obj) and _rv(obj) is not None
            if same_version and (not new_history or old == obj):
                continue
            current[key] = obj
            self._record(kind, key, "MODIFIED" if old is not None else "ADDED")
            changed += 1
        if changed:
            self._schedule()
        return changed

    def set_status(self, kind: str, state: SyncState, message: str = "") -> None:
        new = KindStatus(state, message)
        if self._status.get(kind) != new:
            self._status[kind] = new
            self._bump()
            self._schedule()

    def report_ok(self, kind: str) -> None:
        """An informer is listing/watching normally."""
        self._retrying.pop(kind, None)
        self._update_connection()

    def report_retry(
        self, kind: str, reason: str, delay: float, since: float | None = None
    ) -> None:
        """An informer lost the server and tries again in ``delay`` seconds; what it holds
        was current at ``since`` (epoch seconds; None: unknown)."""
        self._retrying[kind] = (reason, time.monotonic() + delay, since)
        self._update_connection()

    def _update_connection(self) -> None:
        old = self._connection
        if self._retrying:
            reason, retry_at, _ = max(self._retrying.values(), key=lambda r: r[1])
            known = [r[2] for r in self._retrying.values() if r[2] is not None]
            last_good = min(known) if known else old.last_good
            new = ConnectionStatus("retrying", reason, retry_at, last_good)
        else:
            new = ConnectionStatus("ok", "", None, time.time())
            if old.state == "ok":
                # Refresh last_good silently: it is not news for subscribers.
                self._connection = new
                return
        if new != old:
            self._connection = new
            self._bump()
            self._schedule()

    def clear(self) -> None:
        """Forget every object and status (after switching context or namespace)."""
        for kind, items in self._objects.items():
            for key in list(items):
                self._record(kind, key, "DELETED")
            items.clear()
        self._status.clear()
        self._retrying.clear()
        self._connection = ConnectionStatus("connecting")
        self._bump()
        self._schedule()
