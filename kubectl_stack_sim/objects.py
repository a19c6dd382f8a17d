"""Small helpers over API object dicts shared by admission and the controllers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .labels import selector_from_set
from .labels import selector_matches as selector_matches

Obj = dict[str, Any]


def labels_match(selector: Any, labels: Mapping[str, str]) -> bool:
    """Whether a Service's ``spec.selector`` selects ``labels``: the endpoint controllers skip a
    Service without a selector (nil or empty), so such a selector selects nothing."""
    if not selector or not isinstance(selector, Mapping):
        return False
    return selector_from_set(selector).matches(labels)


def controller_ref(obj: Obj) -> Obj | None:
    """The ownerReference with ``controller: true``, if any."""
    for ref in obj["metadata"].get("ownerReferences") or []:
        if ref.get("controller"):
            return dict(ref)
    return None


def owner_reference(owner: Obj) -> Obj:
    """An ownerReference to ``owner`` as controllers write them."""
    return {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


def get_condition(status: Mapping[str, Any], ctype: str) -> Obj | None:
    for cond in status.get("conditions") or []:
        if cond.get("type") == ctype:
            return dict(cond)
    return None


def key_of(obj: Obj) -> tuple[str, str]:
    meta = obj["metadata"]
    return meta.get("namespace", ""), meta["name"]
