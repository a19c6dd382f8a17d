"""The three patch formats the API server accepts: JSON merge patch (RFC 7386), strategic merge
patch (as kubectl's ``apply``, ``set image``, ``rollout restart``, ``label`` and ``annotate``
send it) and JSON patch (RFC 6902, as ``rollout undo`` sends it).

Every function returns a new document and leaves its inputs untouched (stored objects are
shared and immutable).
"""

from __future__ import annotations

import copy
from typing import Any

from .errors import ApiError, bad_request

JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_PATCH = "application/strategic-merge-patch+json"
APPLY_PATCH = "application/apply-patch+yaml"
PATCH_TYPES = (JSON_PATCH, MERGE_PATCH, STRATEGIC_PATCH, APPLY_PATCH)

# Patch merge keys of the list fields kubectl patches (from the Kubernetes API types'
# `patchMergeKey` tags). Lists not named here are replaced wholesale, as for atomic lists.
_MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "volumeDevices": "devicePath",
    "imagePullSecrets": "name",
    "conditions": "type",
    "ownerReferences": "uid",
    "hostAliases": "ip",
    "topologySpreadConstraints": "topologyKey",
    "resourceClaims": "name",
}
# Primitive lists merged as sets (patchStrategy: merge).
_SET_LISTS = frozenset({"finalizers"})


def apply_patch(content_type: str, doc: dict[str, Any], patch: Any) -> dict[str, Any]:
    """Apply a patch of the given media type (without parameters) to ``doc``."""
    if content_type == JSON_PATCH:
        if not isinstance(patch, list):
            raise bad_request("json: cannot unmarshal object into Go value of type jsonpatch.Patch")
        return json_patch(doc, patch)
    if not isinstance(patch, dict):
        raise bad_request("the patch must be a JSON object")
    # Server-side apply is approximated by a strategic merge of the applied configuration
    # (no field ownership, so no apply conflicts).
    merge = merge_patch if content_type == MERGE_PATCH else strategic_merge
    result = merge(doc, patch)
    if not isinstance(result, dict):
        raise bad_request("the patch must produce a JSON object")
    return result


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: objects merge recursively, ``null`` deletes, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _merge_key_for(field: str, items: list[Any]) -> str | None:
    if field == "ports":
        # Container ports merge on containerPort, Service ports on port.
        sample = next((i for i in items if isinstance(i, dict)), {})
        return "containerPort" if "containerPort" in sample else "port"
    return _MERGE_KEYS.get(field)


def strategic_merge(target: Any, patch: Any, field: str = "") -> Any:
    """Strategic merge patch for the directives kubectl sends: keyed list merges,
    ``$patch: replace|delete``, ``$retainKeys``, ``$setElementOrder/<list>`` and
    ``$deleteFromPrimitiveList/<list>``."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    directive = patch.get("$patch")
    if directive == "replace":
        return {k: copy.deepcopy(v) for k, v in patch.items() if k != "$patch"}
    if directive == "delete":
        return None
    result = dict(target) if isinstance(target, dict) else {}
    retain = patch.get("$retainKeys")
    orders: dict[str, list[Any]] = {}
    for key, value in patch.items():
        if key in ("$patch", "$retainKeys"):
            continue
        if key.startswith("$setElementOrder/"):
            orders[key.split("/", 1)[1]] = value if isinstance(value, list) else []
            continue
        if key.startswith("$deleteFromPrimitiveList/"):
            name = key.split("/", 1)[1]
            drop = set(map(str, value or []))
            current = result.get(name)
            if isinstance(current, list):
                result[name] = [v for v in current if str(v) not in drop]
            continue
        if value is None:
            result.pop(key, None)
        elif isinstance(value, list):
            result[key] = _merge_list(key, result.get(key), value)
        elif isinstance(value, dict):
            merged = strategic_merge(result.get(key), value, key)
            if merged is None:
                result.pop(key, None)
            else:
                result[key] = merged
        else:
            result[key] = value
    for name, order in orders.items():
        if isinstance(result.get(name), list):
            result[name] = _reorder(name, result[name], order)
    if isinstance(retain, list):
        keep = set(retain)
        result = {k: v for k, v in result.items() if k in keep}
    return result


def _merge_list(field: str, current: Any, patch: list[Any]) -> list[Any]:
    if field in _SET_LISTS:
        merged = list(current) if isinstance(current, list) else []
        for item in patch:
            if item not in merged:
                merged.append(item)
        return merged
    key = _merge_key_for(field, patch)
    if key is None or not isinstance(current, list):
        return [strategic_merge(None, i, field) if isinstance(i, dict) else i for i in patch]
    # A `$patch: replace` element replaces the whole list with the remaining elements.
    if any(isinstance(i, dict) and i.get("$patch") == "replace" for i in patch):
        return [
            copy.deepcopy(i)
            for i in patch
            if not (isinstance(i, dict) and i.get("$patch") == "replace")
        ]
    merged = list(current)
    for item in patch:
        if not isinstance(item, dict) or key not in item:
            merged.append(copy.deepcopy(item))
            continue
        index = next(
            (n for n, e in enumerate(merged) if isinstance(e, dict) and e.get(key) == item[key]),
            None,
        )
        if item.get("$patch") == "delete":
            if index is not None:
                del merged[index]
            continue
        if index is None:
            cleaned = strategic_merge(None, item, field)
            merged.append(cleaned)
        else:
            merged[index] = strategic_merge(merged[index], item, field)
    return merged


def _reorder(field: str, items: list[Any], order: list[Any]) -> list[Any]:
    key = _merge_key_for(field, items)
    if key is None:
        return items

    def ident(x: Any) -> Any:
        return x.get(key) if isinstance(x, dict) else x

    rank = {ident(o): n for n, o in enumerate(order)}
    return sorted(items, key=lambda x: rank.get(ident(x), len(rank)))


# -- RFC 6902 -------------------------------------------------------------------------------


def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise bad_request(f"invalid JSON pointer: {path!r}")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _parent(doc: Any, parts: list[str], path: str) -> Any:
    cur = doc
    for part in parts[:-1]:
        if isinstance(cur, dict) and part in cur:
            cur = cur[part]
        elif isinstance(cur, list) and part.isdigit() and int(part) < len(cur):
            cur = cur[int(part)]
        else:
            raise ApiError(422, f"doc is missing path: {path}")
    return cur


def _get(doc: Any, path: str) -> Any:
    parts = _pointer(path)
    if not parts:
        return doc
    parent = _parent(doc, parts, path)
    last = parts[-1]
    if isinstance(parent, dict) and last in parent:
        return parent[last]
    if isinstance(parent, list) and last.isdigit() and int(last) < len(parent):
        return parent[int(last)]
    raise ApiError(422, f"doc is missing path: {path}")


def _add(doc: Any, path: str, value: Any) -> Any:
    parts = _pointer(path)
    if not parts:
        return value
    parent = _parent(doc, parts, path)
    last = parts[-1]
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list):
        if last == "-":
            parent.append(value)
        elif last.isdigit() and int(last) <= len(parent):
            parent.insert(int(last), value)
        else:
            raise ApiError(422, f"add operation does not apply: doc is missing path: {path}")
    else:
        raise ApiError(422, f"add operation does not apply: doc is missing path: {path}")
    return doc


def _remove(doc: Any, path: str) -> Any:
    parts = _pointer(path)
    parent = _parent(doc, parts, path)
    last = parts[-1] if parts else ""
    if isinstance(parent, dict) and last in parent:
        del parent[last]
    elif isinstance(parent, list) and last.isdigit() and int(last) < len(parent):
        del parent[int(last)]
    else:
        raise ApiError(422, f"remove operation does not apply: doc is missing path: {path}")
    return doc


def json_patch(doc: dict[str, Any], ops: list[Any]) -> dict[str, Any]:
    """Apply RFC 6902 operations (add, remove, replace, move, copy, test)."""
    result: Any = copy.deepcopy(doc)
    for op in ops:
        if not isinstance(op, dict) or "op" not in op or "path" not in op:
            raise bad_request("invalid JSON patch operation")
        kind, path = op["op"], str(op["path"])
        if kind == "add":
            result = _add(result, path, copy.deepcopy(op.get("value")))
        elif kind == "remove":
            result = _remove(result, path)
        elif kind == "replace":
            _get(result, path)
            result = _remove(result, path) if _pointer(path) else result
            result = _add(result, path, copy.deepcopy(op.get("value")))
        elif kind in ("move", "copy"):
            source = str(op.get("from", ""))
            value = copy.deepcopy(_get(result, source))
            if kind == "move":
                result = _remove(result, source)
            result = _add(result, path, value)
        elif kind == "test":
            if _get(result, path) != op.get("value"):
                raise ApiError(422, f"testing value {path} failed")
        else:
            raise bad_request(f"Unexpected kind: {kind}")
    if not isinstance(result, dict):
        raise bad_request("the patch must produce a JSON object")
    return result
