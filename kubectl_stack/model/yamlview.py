"""An object as YAML for people: managedFields stripped, Secret values never shown."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

REDACTED = "<redacted>"
_SECRET_ANNOTATIONS = ("kubectl.kubernetes.io/last-applied-configuration",)
_MAX_DEPTH = 64


def _plain(value: Any, depth: int = 0) -> Any:
    """A copy holding only what YAML can show: mappings with string keys, lists, scalars."""
    if depth > _MAX_DEPTH:
        return "…"
    if isinstance(value, Mapping):
        return {str(k): _plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v, depth + 1) for v in value]
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    return str(value)


def redact(obj: Any) -> Any:
    """A display copy of `obj`: metadata.managedFields removed; for a Secret every value of
    `data` and `stringData` (and the last-applied annotation, which embeds them) replaced by
    "<redacted>", keys kept."""
    plain = _plain(obj)
    if not isinstance(plain, dict):
        return plain
    md = plain.get("metadata")
    if isinstance(md, dict):
        md.pop("managedFields", None)
    if plain.get("kind") == "Secret":
        for key in ("data", "stringData"):
            values = plain.get(key)
            if isinstance(values, dict):
                plain[key] = dict.fromkeys(values, REDACTED)
            elif values is not None:
                plain[key] = REDACTED
        ann = md.get("annotations") if isinstance(md, dict) else None
        if isinstance(ann, dict):
            for key in _SECRET_ANNOTATIONS:
                if key in ann:
                    ann[key] = REDACTED
    return plain


def to_yaml(obj: Any) -> str:
    """The object as `kubectl get -o yaml` lays it out (field order as served, lists at their
    parent's indentation), after `redact`."""
    try:
        return yaml.safe_dump(
            redact(obj), sort_keys=False, default_flow_style=False, allow_unicode=True, width=1000
        )
    except (yaml.YAMLError, RecursionError, ValueError):
        return "# this object cannot be shown as YAML\n"
