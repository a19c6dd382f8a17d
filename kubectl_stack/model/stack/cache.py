"""The incremental summary: a CACHE, stateful on purpose. :class:`Summarizer` keeps the
previous snapshot's objects, its index groups and its rows, and on each call rebuilds only the
stacks a change may alter (or whose time-dependent cells are due); it answers exactly what the
pure :func:`~kubectl_stack.model.stack.summary.summarize` would. It holds state between
calls: one per caller."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from kubectl_stack.model import fields as u
from kubectl_stack.model.duration import age
from kubectl_stack.model.events import (
    ProbeFailures,
    UnhealthyIndex,
)
from kubectl_stack.model.ref import WorkloadRef
from kubectl_stack.model.stack.graph import _build, _stack, stack
from kubectl_stack.model.stack.index import (
    _ABSENT,
    _hpa_target,
    _Index,
    _raw,
    _revision_keys,
    group_kinds,
    snapshot_kinds,
)
from kubectl_stack.model.stack.summary import (
    _age_until,
    _row,
    summarize,
    urgency_key,
)
from kubectl_stack.model.stack.views import Stack, StackRow
from kubectl_stack.model.workloads import REGISTRY

Change = tuple[Any, Any, Any]  # (key, old object or None, new object or None)
Key = tuple[str, str, str]  # a workload's (kind, namespace, name)


def _diff(
    seen: dict[Any, Any], current: Mapping[Any, Any], keys: Iterable[Any] | None = None
) -> list[Change]:
    """Every entry of ``current`` that is not the very object in ``seen`` and every entry
    gone, as (key, old, new); afterwards ``seen`` holds what ``current`` holds. ``keys``:
    the only keys that may have changed (compared alone; None compares everything)."""
    changes: list[Change] = []
    get = seen.get
    if keys is not None:
        for key in keys:
            old = get(key, _ABSENT)
            obj = current.get(key, _ABSENT)
            if old is obj:
                continue
            if obj is _ABSENT:
                del seen[key]
            else:
                seen[key] = obj
            changes.append((key, None if old is _ABSENT else old, None if obj is _ABSENT else obj))
        return changes
    for key, obj in current.items():
        old = get(key, _ABSENT)
        if old is not obj:
            changes.append((key, None if old is _ABSENT else old, obj))
            seen[key] = obj
    if len(seen) != len(current):
        for key in [k for k in seen if k not in current]:
            changes.append((key, seen.pop(key), None))
    return changes


class _OwnerIndex:
    """Pods by controller uid, patched with the changes :func:`_diff` finds."""

    def __init__(self) -> None:
        self.seen: dict[Any, Any] = {}
        self._owner: dict[Any, str] = {}
        self.by_owner: dict[str, dict[Any, Mapping[str, Any]]] = {}

    def update(self, pods: Mapping[Any, Any], keys: Iterable[Any] | None = None) -> list[Change]:
        """Take in the pods' changes since the last call (only ``keys`` when given) and
        return them."""
        changes = _diff(self.seen, pods, keys)
        for key, _old, new in changes:
            owner = self._owner.pop(key, "")
            bucket = self.by_owner.get(owner)
            if bucket is not None:
                bucket.pop(key, None)
                if not bucket:
                    del self.by_owner[owner]
            owner = u.controller_uid(new) if isinstance(new, Mapping) else ""
            if owner:
                self._owner[key] = owner
                self.by_owner.setdefault(owner, {})[key] = new
        return changes

    def lists(self) -> Mapping[str, Iterable[Mapping[str, Any]]]:
        return _Buckets(self.by_owner)


class _Buckets(Mapping[str, Iterable[Mapping[str, Any]]]):
    """Owner uid -> its pods, a live view of :class:`_OwnerIndex` (copying the buckets cost
    O(owners) on every summary)."""

    def __init__(self, by_owner: Mapping[str, Mapping[Any, Mapping[str, Any]]]) -> None:
        self._by_owner = by_owner

    def __getitem__(self, owner: str) -> Iterable[Mapping[str, Any]]:
        return self._by_owner[owner].values()

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_owner)

    def __len__(self) -> int:
        return len(self._by_owner)


@dataclass
class _Cached:
    row: StackRow
    uid: str
    since: float  # computed at this time
    until: float  # valid (objects unchanged) up to this time
    age_until: float
    obj: Mapping[str, Any]  # the workload object it was computed from


class Summarizer:
    """:func:`summarize` for a caller that asks again and again (a live screen).

    Each call returns exactly what ``summarize(snapshot, now)`` returns, but recomputes only
    the stacks whose objects changed since the previous call (found by comparing each kind's
    mapping with the previous one object by object), or whose pod health depends on a time
    window that has since passed; an unchanged call returns the previous tuple itself. Relies
    on the snapshot's objects being replaced, never mutated in place, as the data layer's
    store guarantees. Snapshots whose kinds are not mappings are summarized from scratch."""

    def __init__(self) -> None:
        self._shape: tuple[bool, ...] | None = None
        self._reset()

    def _reset(self) -> None:
        self._pods = _OwnerIndex()
        self._unhealthy = UnhealthyIndex()
        self._seen: dict[str, dict[Any, Any]] = {}
        self._index: _Index | None = None
        self._revision_owner: dict[str, str] = {}
        self._cache: dict[Key, _Cached] = {}
        # Workloads by key, and the cached stacks by uid and by namespace: what a change
        # names leads to the stacks it may alter without a pass over every workload.
        self._workload_at: dict[Key, Mapping[str, Any]] = {}
        self._keys_by_uid: dict[str, set[Key]] = {}
        self._keys_by_ns: dict[str, set[Key]] = {}
        self._latest = float("-inf")  # the newest time a cached stack was computed at
        self._rows: tuple[StackRow, ...] = ()
        self._summarized = False
        self._taken = False
        self._next_check = float("inf")
        self._next_due = float("inf")
        # Changes taken in but not yet applied: index groups to rebuild, and the stacks the
        # changes may alter (by key, uid, a pod's owner uid, namespace) until the next summary.
        self._stale: set[str] = set(group_kinds())
        self._keys: set[Key] = set()
        self._uids: set[str] = set()
        self._pod_owners: set[str] = set()
        self._namespaces: set[str] = set()

    def _take_in(self, snapshot: Any, changed: Mapping[str, Iterable[Any]] | None) -> bool:
        """Diff the snapshot against the previous one and note what changed; False when the
        snapshot is not shaped as the store serves it (kinds as mappings). ``changed``: the
        keys, by kind, that may have changed since the previous call (None: any)."""
        raws = {kind: _raw(snapshot, kind) for kind in snapshot_kinds()}
        if any(v is not _ABSENT and not isinstance(v, Mapping) for v in raws.values()):
            self._shape = None
            self._reset()
            return False
        shape = tuple(v is _ABSENT for v in raws.values())
        if shape != self._shape:
            self._reset()
            self._shape = shape
        if not self._taken:
            changed = None  # nothing seen yet: every object is new
        self._taken = True
        workload_kinds = {k.kind.name: k.kind.kind for k in REGISTRY.values()}
        revision_kinds = frozenset(_revision_keys())
        groups = group_kinds()
        for kind, raw in raws.items():
            if raw is _ABSENT:
                continue
            keys = None if changed is None else changed.get(kind, ())
            if kind == "pods":
                changes = self._pods.update(raw, keys)
            else:
                changes = _diff(self._seen.setdefault(kind, {}), raw, keys)
            if not changes:
                continue
            if kind == "events":
                self._unhealthy.update(changes)
            elif kind in workload_kinds:
                at, named = self._workload_at, workload_kinds[kind]
                for _key, old, _new in changes:
                    if isinstance(old, Mapping):
                        at.pop((named, u.namespace(old), u.name(old)), None)
                for _key, _old, new in changes:
                    if isinstance(new, Mapping):
                        at[(named, u.namespace(new), u.name(new))] = new
            self._stale.update(g for g, kinds in groups.items() if kind in kinds)
            for _key, old, new in changes:
                for obj in (old, new):
                    if isinstance(obj, Mapping):
                        self._affected(kind, obj, workload_kinds, revision_kinds)
        return True

    def _indexed(self, snapshot: Any, now: float) -> _Index:
        """The index of the snapshot last taken in, at ``now``: only the groups whose kinds
        changed are rebuilt, pods come from the per-owner index."""
        index = _Index(
            snapshot,
            now,
            self._pods.lists(),
            self._index,
            self._stale,
            self._workload_at,
            self._unhealthy.table,
        )
        if "revisions" in self._stale or self._index is None:
            self._revision_owner = {
                u.uid(r): owner
                for (_key, owner), objs in index.revisions_by_owner.items()
                for r in objs
            }
        self._index = index
        self._stale = set()
        return index

    def __call__(
        self, snapshot: Any, now: float, changed: Mapping[str, Iterable[Any]] | None = None
    ) -> tuple[StackRow, ...]:
        """``changed``, when the caller knows it (the store's change log): the keys, by kind
        ("pods", "deployments", ...), that may have changed since the previous call of any
        method here; only those objects are compared. None compares every object."""
        if not self._take_in(snapshot, changed):
            return summarize(snapshot, now)
        affected = bool(self._keys or self._uids or self._pod_owners or self._namespaces)
        if self._summarized and not affected and not (self._next_check < now or now < self._latest):
            return self._rows
        index = self._indexed(snapshot, now)
        keys, namespaces = self._keys, self._namespaces
        # A pod's owner is a revision object (a ReplicaSet: its workload's uid is looked up)
        # or the workload itself.
        uids = self._uids | {self._revision_owner.get(r, r) for r in self._pod_owners}
        uids.discard("")
        self._keys, self._uids, self._pod_owners, self._namespaces = set(), set(), set(), set()
        if not self._summarized or self._next_check < now or now < self._latest:
            # A time window passed (or the clock went back): look at every stack.
            candidates: Iterable[Key] = {*self._workload_at, *self._cache}
            self._next_check = self._next_due = float("inf")
        else:
            # Only the stacks the changes name; the others keep their rows.
            named = set(keys)
            for uid in uids:
                named.update(self._keys_by_uid.get(uid, ()))
            for ns in namespaces:
                named.update(self._keys_by_ns.get(ns, ()))
            candidates = named
        for key in candidates:
            self._update(index, key, now, key in keys or key[1] in namespaces, uids)
        rows = [hit.row for hit in self._cache.values()]
        self._latest = max(self._latest, now)
        self._summarized = True
        rows.sort(key=urgency_key)
        self._rows = tuple(rows)
        return self._rows

    def _update(
        self,
        index: _Index,
        key: Key,
        now: float,
        named: bool,
        uids: set[str],
    ) -> None:
        """Bring the cached row of the workload at ``key`` up to date at ``now``: rebuilt
        when ``named`` by a change, its uid is among ``uids``, or its inputs' validity
        ended; only its AGE moved when that alone changed; dropped when it is gone."""
        hit = self._cache.get(key)
        obj = self._workload_at.get(key)
        kind = REGISTRY.get(key[0])
        if obj is None or kind is None:
            if hit is not None:
                self._forget(key, hit)
            return
        if (
            hit is None
            or named
            or not hit.since <= now <= hit.until
            or hit.uid in uids
            or hit.obj is not obj
        ):
            if hit is not None:
                self._forget(key, hit)
            built = _build(index, kind, obj, detail=False)
            row = _row(built)
            created = u.meta(obj).get("creationTimestamp")
            age_until = _age_until(created, now, row.age)
            hit = _Cached(row, row.uid, now, built.horizon, age_until, obj)
            self._cache[key] = hit
            self._keys_by_uid.setdefault(hit.uid, set()).add(key)
            self._keys_by_ns.setdefault(key[1], set()).add(key)
        elif now > hit.age_until:
            created = u.meta(obj).get("creationTimestamp")
            shown = age(created, now)
            if shown != hit.row.age:
                hit.row = replace(hit.row, age=shown)
            hit.age_until = _age_until(created, now, shown)
        self._next_check = min(self._next_check, hit.until, hit.age_until)
        self._next_due = min(self._next_due, hit.until)

    def _forget(self, key: Key, hit: _Cached) -> None:
        del self._cache[key]
        for table, at in ((self._keys_by_uid, hit.uid), (self._keys_by_ns, key[1])):
            keys = table.get(at)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del table[at]

    @property
    def probe_failures(self) -> Mapping[str, tuple[ProbeFailures, ...]]:
        """The probe failures by pod (:func:`unhealthy_by_pod` of every event) as of the last
        call here, kept change by change: what the stacks were built with. Read-only."""
        return self._unhealthy.table

    def due(self, now: float) -> bool:
        """Whether a summary at ``now`` of an unchanged snapshot could differ from the last
        one in more than the AGE texts: a health, rollout or certificate window has passed
        (or the clock went back). A caller showing ages itself may skip the summary otherwise."""
        return not self._summarized or self._next_due < now or now < self._latest

    def stack(
        self,
        snapshot: Any,
        ref: WorkloadRef,
        now: float,
        changed: Mapping[str, Iterable[Any]] | None = None,
    ) -> Stack | None:
        """Exactly :func:`stack`, from the indexes kept here: costs what changed since the
        last call plus the one stack, not the whole snapshot. ``changed`` as for a call."""
        if not self._take_in(snapshot, changed):
            return stack(snapshot, ref, now)
        return _stack(self._indexed(snapshot, now), ref)

    def _affected(
        self,
        kind: str,
        obj: Mapping[str, Any],
        workload_kinds: Mapping[str, str],
        revision_kinds: frozenset[str],
    ) -> None:
        """Note which stacks a change of ``obj`` (of store key ``kind``) may alter: by
        workload key, workload uid (of a revision object), a pod's owner uid, or whole
        namespace (Services and what links to them). ``workload_kinds``: the workloads'
        kinds by store key; ``revision_kinds``: the store keys of their revision objects."""
        ns = u.namespace(obj)
        if kind in workload_kinds:
            self._keys.add((workload_kinds[kind], ns, u.name(obj)))
        elif kind in revision_kinds:
            self._uids.add(u.controller_uid(obj))
        elif kind == "pods":
            self._pod_owners.add(u.controller_uid(obj))
        elif kind == "horizontalpodautoscalers":
            target = _hpa_target(obj)
            if target is not None:
                self._keys.add((target[0], ns, target[1]))
        elif kind == "events":
            if obj.get("reason") == "Unhealthy":
                # A probe failure counts for the pod it names (failures_for: by uid, else by
                # namespace/name): the stack of the pod of that name, when it is that pod.
                involved = u.d(obj.get("involvedObject"))
                ns = u.s(involved.get("namespace")) or ns
                uid = u.s(involved.get("uid"))
                pod = self._pods.seen.get((ns, u.s(involved.get("name"))))
                if pod is not None and (not uid or u.uid(pod) == uid):
                    self._pod_owners.add(u.controller_uid(pod))
                elif pod is not None or uid:
                    # Some other pod may carry that uid: every stack of the namespace.
                    self._namespaces.add(ns)
        else:
            self._namespaces.add(ns)
