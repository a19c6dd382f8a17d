"""A minimal ``/openapi/v3``: enough for kubectl to see that every kind supports server-side
field validation (``fieldValidation`` on PATCH), so ``create`` and ``apply`` validate on the
server instead of downloading schemas."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..jsonutil import dumps
from ..resources import RESOURCES, ResourceType
from .discovery import groups

_HASH = "sim"

V2_PROTOBUF = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"
# What kube-openapi answers with: Go's mime parser rejects the '@' of the requested type.
V2_PROTOBUF_SERVED = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"


def _pb_string(field: int, value: bytes) -> bytes:
    # Every field here is short, so its length fits one varint byte.
    return bytes([field << 3 | 2, len(value)]) + value


def v2_document(protobuf: bool) -> bytes:
    """A schema-less ``/openapi/v2`` document (gnostic protobuf or JSON).

    kubectl validates a ``kind: List`` against the v2 models, never the v3 documents; a v2
    document without definitions makes it skip client-side schema checks for every item, and
    the server still validates each object as it is created."""
    if protobuf:
        info = _pb_string(1, b"Kubernetes") + _pb_string(2, b"v1.37.0")
        return _pb_string(1, b"2.0") + _pb_string(2, info)
    return dumps({"swagger": "2.0", "info": {"title": "Kubernetes", "version": "v1.37.0"}})


def _gv_path(group: str, version: str) -> str:
    return f"api/{version}" if not group else f"apis/{group}/{version}"


def root(
    custom: Sequence[ResourceType] = (), hidden: frozenset[str] = frozenset()
) -> dict[str, Any]:
    paths = {}
    for group, versions in groups(custom, hidden).items():
        for version in versions:
            path = _gv_path(group, version)
            paths[path] = {"serverRelativeURL": f"/openapi/v3/{path}?hash={_HASH}"}
    return {"paths": paths}


def group_version(path: str, custom: Sequence[ResourceType] = ()) -> dict[str, Any] | None:
    """The OpenAPI v3 document of one group-version path (``apis/apps/v1``), or None."""
    parts = path.strip("/").split("/")
    if len(parts) == 2 and parts[0] == "api":
        group, version = "", parts[1]
    elif len(parts) == 3 and parts[0] == "apis":
        group, version = parts[1], parts[2]
    else:
        return None
    served = [r for r in (*RESOURCES, *custom) if r.group == group and version in r.versions]
    if not served:
        return None
    params = [
        {
            "name": "fieldValidation",
            "in": "query",
            "schema": {"type": "string", "uniqueItems": True},
        },
        {"name": "dryRun", "in": "query", "schema": {"type": "string", "uniqueItems": True}},
        {"name": "fieldManager", "in": "query", "schema": {"type": "string", "uniqueItems": True}},
    ]
    paths: dict[str, Any] = {}
    for r in served:
        prefix = "/" + _gv_path(group, version)
        scope = "/namespaces/{namespace}" if r.namespaced else ""
        gvk = {"group": group, "version": version, "kind": r.kind}
        op = {
            "operationId": f"patch{r.kind}",
            "parameters": params,
            "x-kubernetes-action": "patch",
            "x-kubernetes-group-version-kind": gvk,
            "responses": {"200": {"description": "OK"}},
        }
        if "patch" in r.verbs:
            paths[f"{prefix}{scope}/{r.plural}/{{name}}"] = {"patch": op}
    return {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "v1.37.0"},
        "paths": paths,
        "components": {"schemas": {}},
    }
