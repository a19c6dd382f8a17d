"""A minimal ``/openapi/v3``: enough for kubectl to see that every kind supports server-side
field validation (``fieldValidation`` on PATCH), so ``create`` and ``apply`` validate on the
server instead of downloading schemas."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..resources import RESOURCES, ResourceType
from .discovery import groups

_HASH = "sim"


def _gv_path(group: str, version: str) -> str:
    return f"api/{version}" if not group else f"apis/{group}/{version}"


def root(custom: Sequence[ResourceType] = ()) -> dict[str, Any]:
    paths = {}
    for group, versions in groups(custom).items():
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
