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
shared object (see :class:`.interner.Interner`): readers must never mutate what they read
(copy first).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType
from typing import Any, Literal, NamedTuple

from .interner import Interner

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
