"""A minimal ``/openapi/v3``: enough for kubectl to see that every kind supports server-side
field validation (``fieldValidation`` on PATCH), so ``create`` and ``apply`` validate on the
server instead of downloading schemas.

Served as kube-openapi's handler3 serves it: each group-version's document is named in the
discovery document by a URL whose ``hash`` is its ETag (SHA-512 of its bytes, upper-case hex),
so a client's cache keeps a document until it changes (a CRD added or removed); a request with
that hash is cacheable for a year, one with an older hash is redirected to the current URL, and
``If-None-Match`` with the ETag is answered 304.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from email.utils import formatdate
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from ..jsonutil import dumps
from ..resources import RESOURCES, ResourceType
from .discovery import groups

_YEAR = 365 * 24 * 3600

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


def etag(data: bytes) -> str:
    return hashlib.sha512(data).hexdigest().upper()


def _url(path: str, hash_: str) -> str:
    return f"/openapi/v3/{path}?{urlencode({'hash': hash_})}"


def root(
    custom: Sequence[ResourceType] = (), hidden: frozenset[str] = frozenset()
) -> dict[str, Any]:
    paths = {}
    for group, versions in groups(custom, hidden).items():
        for version in versions:
            path = _gv_path(group, version)
            doc = group_version(path, custom)
            if doc is not None:
                paths[path] = {"serverRelativeURL": _url(path, etag(dumps(doc)))}
    return {"paths": dict(sorted(paths.items()))}


def _respond(request: web.Request, data: bytes, tag: str, headers: dict[str, str]) -> web.Response:
    headers = {"Content-Type": "application/json", "Etag": f'"{tag}"', **headers}
    if request.headers.get("If-None-Match") == f'"{tag}"':
        return web.Response(status=304, headers=headers)
    return web.Response(body=data, headers=headers)


def serve_root(
    request: web.Request, custom: Sequence[ResourceType], hidden: frozenset[str]
) -> web.Response:
    data = dumps(root(custom, hidden))
    return _respond(request, data, etag(data), {})


def serve_group_version(
    request: web.Request, path: str, custom: Sequence[ResourceType]
) -> web.Response | None:
    """The document of ``path`` (``apis/apps/v1``) with its caching headers, None if none."""
    doc = group_version(path, custom)
    if doc is None:
        return None
    data = dumps(doc)
    tag = etag(data)
    headers = {"Vary": "Accept"}
    wanted = request.query.get("hash")
    if wanted:
        if wanted != tag:
            raise web.HTTPMovedPermanently(_url(path, tag))
        headers["Cache-Control"] = "public, immutable"
        headers["Expires"] = formatdate(time.time() + _YEAR, usegmt=True).replace("GMT", "UTC")
    return _respond(request, data, tag, headers)


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
