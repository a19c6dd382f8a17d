"""Kubernetes 1.37's published schemas as a strict JSON Schema validator.

The schemas are the ``v1.37.0-local-strict`` JSON Schemas the ``kubernetes-validate`` package
(PyPI, a test dependency) generates from the OpenAPI document Kubernetes publishes with each
release: every object type with ``additionalProperties: false``, its fields' types and
formats, and the ``x-kubernetes-group-version-kind`` of each kind.

They are made stricter here in the ways the API server's JSON encoder is: it never writes
``null`` for a field (optional fields are omitted), and it writes every quantity as a string
in Kubernetes' quantity syntax. The formats are checked too: RFC 3339 times, int32 and int64
ranges, base64 bytes.
"""

from __future__ import annotations

import base64
import binascii
import functools
import importlib.util
import json
import re
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker, validators
from jsonschema.exceptions import ValidationError

VERSION = "v1.37.0"

_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$")
# The pattern Kubernetes publishes for a quantity (resource.Quantity's OpenAPI pattern).
_QUANTITY = re.compile(
    r"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|"
    r"([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$"
)
QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity"


def _int_range(bits: int) -> Any:
    low, high = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1

    def check(value: object) -> bool:
        return not isinstance(value, int) or low <= value <= high

    return check


def _base64(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def _quantity(value: object) -> bool:
    return not isinstance(value, str) or bool(_QUANTITY.match(value))


def _time(value: object) -> bool:
    return not isinstance(value, str) or bool(_RFC3339.match(value))


FORMATS = FormatChecker()
FORMATS.checks("date-time")(_time)
FORMATS.checks("int32")(_int_range(32))
FORMATS.checks("int64")(_int_range(64))
FORMATS.checks("byte")(_base64)
FORMATS.checks("quantity")(_quantity)


def _no_null(node: Any) -> Any:
    """The schema without ``null`` among any node's types."""
    if isinstance(node, list):
        return [_no_null(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _no_null(value) for key, value in node.items()}
    types = out.get("type")
    if isinstance(types, list):
        kept = [t for t in types if t != "null"]
        out["type"] = kept[0] if len(kept) == 1 else kept
    return out


@functools.cache
def definitions() -> dict[str, Any]:
    """Every published definition by name (``io.k8s.api.apps.v1.Deployment``), strict."""
    # The package's data only: importing it would import its CLI's dependencies.
    spec = importlib.util.find_spec("kubernetes_validate")
    assert spec is not None and spec.submodule_search_locations, "kubernetes-validate missing"
    folder = Path(next(iter(spec.submodule_search_locations))) / "kubernetes-json-schema"
    path = folder / f"{VERSION}-local-strict" / "_definitions.json"
    defs: dict[str, Any] = _no_null(json.loads(path.read_text()))["$defs"]
    defs[QUANTITY] = {"type": "string", "format": "quantity"}
    # A metav1.Time or MicroTime that is a struct rather than a pointer (a pod condition's
    # lastProbeTime, a core Event's eventTime) is never omitted: its zero value is null.
    for name in ("Time", "MicroTime"):
        defs[META + name]["type"] = ["string", "null"]
    defs.update(_UNPUBLISHED)
    return defs


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/$defs/{META}{name}"}


def _object(required: list[str], **props: Any) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": props,
        "required": required,
        "additionalProperties": False,
    }


_STR = {"type": "string"}
META = "io.k8s.apimachinery.pkg.apis.meta.v1."
# The meta.k8s.io/v1 kinds every API server serves but the document does not describe, written
# from their Go types (k8s.io/apimachinery pkg/apis/meta/v1 types.go): ``json`` tags and
# ``omitempty`` give the properties and the required ones.
_UNPUBLISHED: dict[str, Any] = {
    META + "PartialObjectMetadata": _object(
        [], apiVersion=_STR, kind=_STR, metadata=_ref("ObjectMeta")
    ),
    META + "PartialObjectMetadataList": _object(
        ["items"],
        apiVersion=_STR,
        kind=_STR,
        metadata=_ref("ListMeta"),
        items={"type": "array", "items": _ref("PartialObjectMetadata")},
    ),
    META + "TableColumnDefinition": _object(
        ["name", "type", "format", "description", "priority"],
        name=_STR,
        type=_STR,
        format=_STR,
        description=_STR,
        priority={"type": "integer", "format": "int32"},
    ),
    META + "TableRowCondition": _object(
        ["type", "status"], type=_STR, status=_STR, reason=_STR, message=_STR
    ),
    META + "TableRow": _object(
        ["cells"],
        cells={"type": "array"},
        conditions={"type": "array", "items": _ref("TableRowCondition")},
        object={"type": "object"},
    ),
    META + "Table": _object(
        ["columnDefinitions", "rows"],
        apiVersion=_STR,
        kind=_STR,
        metadata=_ref("ListMeta"),
        columnDefinitions={"type": "array", "items": _ref("TableColumnDefinition")},
        rows={"type": "array", "items": _ref("TableRow")},
    ),
}


@functools.cache
def by_kind() -> dict[tuple[str, str, str], str]:
    """(group, version, kind) -> definition name, from ``x-kubernetes-group-version-kind``."""
    out: dict[tuple[str, str, str], str] = {}
    for name, schema in definitions().items():
        for gvk in schema.get("x-kubernetes-group-version-kind") or []:
            key = (gvk["group"], gvk["version"], gvk["kind"])
            # meta/v1 types (Status, WatchEvent ...) are listed under every group; keep the
            # first, which is the group's own.
            out.setdefault(key, name)
    return out


def _list_type(validator: Any, list_type: str, instance: Any, schema: dict[str, Any]) -> Any:
    """``x-kubernetes-list-type``: a ``map`` list has one item per key, a ``set`` no repeats
    (what structured-merge-diff refuses as "duplicate entries")."""
    if not isinstance(instance, list) or list_type not in ("map", "set"):
        return
    keys = schema.get("x-kubernetes-list-map-keys") or []
    seen: set[str] = set()
    for item in instance:
        if list_type == "map" and isinstance(item, dict):
            key = ",".join(f"{k}={json.dumps(item.get(k))}" for k in keys)
        else:
            key = json.dumps(item, sort_keys=True)
        if key in seen:
            yield ValidationError(f"duplicate entries for key [{key}]")
        seen.add(key)


_Validator = validators.extend(Draft202012Validator, {"x-kubernetes-list-type": _list_type})


@functools.cache
def validator(name: str) -> Any:
    schema = {"$defs": definitions(), "$ref": f"#/$defs/{name}"}
    return _Validator(schema, format_checker=FORMATS)


def definition_of(api_version: str, kind: str) -> str:
    group, _, version = api_version.rpartition("/")
    found = by_kind().get((group, version, kind))
    if found is None:
        raise LookupError(f"no published schema for {kind} {api_version}")
    return found


def _where(error: ValidationError) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)


def errors(value: Any, name: str, label: str) -> list[str]:
    """Every way ``value`` breaks definition ``name``, one line each, ``label`` first."""
    found = sorted(validator(name).iter_errors(value), key=lambda e: list(map(str, e.path)))
    return [f"{label}{_where(e)}: {e.message}" for e in found]
