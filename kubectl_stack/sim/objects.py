"""Small helpers over API object dicts shared by admission and the controllers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Obj = dict[str, Any]


def selector_matches(selector: Any, labels: Mapping[str, Any]) -> bool:
    """Whether a metav1.LabelSelector (matchLabels + matchExpressions) selects ``labels``.

    An empty selector selects everything, as for Deployments; a malformed one selects nothing.
    """
    if not isinstance(selector, dict):
        return False
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        if not isinstance(expr, dict):
            return False
        key, op, values = str(expr.get("key")), expr.get("operator"), expr.get("values") or []
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and key in labels and labels.get(key) in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def labels_match(selector: Mapping[str, Any] | None, labels: Mapping[str, Any]) -> bool:
    """Whether a Service-style selector (a plain map) selects ``labels``; empty selects none."""
    if not selector:
        return False
    return all(labels.get(k) == v for k, v in selector.items())


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
