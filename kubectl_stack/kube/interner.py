"""Equal parts of stored objects kept once (:class:`Interner`): the store
(:class:`.store.ClusterState`) keeps each object it is given as a copy whose nested dicts and
lists are shared with equal ones already stored, so thousands of sibling pods hold one spec.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable
from typing import Any

from .. import jsonutil

Obj = dict[str, Any]

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
