"""Small helpers over API object dicts shared by admission and the controllers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubectl_stack.model._util import map_selector_matches
from kubectl_stack.model._util import selector_matches as selector_matches

Obj = dict[str, Any]

# One port of metav1.LabelSelectorAsSelector and of Service selection, shared with the model.
labels_match = map_selector_matches


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
