"""The embedded cluster's HTTP API server: an aiohttp application serving one
:class:`~.cluster.Cluster` the way kube-apiserver would, for real kubectl and for the app.

:func:`make_app` builds the application; :class:`SimServer` runs it on a loopback port (plain
HTTP or TLS) and can stop and restart the listener on the same port (a fault tests inject).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import ssl
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from aiohttp import web
from multidict import CIMultiDict

from . import auth, deletion, jsonutil
from .api import discovery, listoptions, openapi, protobuf, reviews
from .api.errors import ApiError, forbidden, success_status
from .api.fields import FieldValidation, directive
from .api.handlers import Registry, Target
from .api.logs import serve_logs
from .api.media import JSON_TYPE, Form, decode_body, negotiate
from .api.patch import PATCH_TYPES
from .api.watch import serve_watch
from .cluster import Cluster
from .crds import custom_types, is_served, version_schema
from .resources import lookup
from .store import Store


@dataclass
class ServerSettings:
    tls: bool = False
    bookmark_interval: float = 5.0


_REGISTRY = web.AppKey("registry", Registry)
_SETTINGS = web.AppKey("settings", ServerSettings)


def _json(
    body: Any,
    status: int = 200,
    content_type: str = JSON_TYPE,
    warnings: FieldValidation | None = None,
) -> web.Response:
    # The API server's JSON encoder ends every document with a newline.
    headers = CIMultiDict({"Content-Type": content_type})
    if warnings is not None:
        headers.extend(warnings.headers())
    return web.Response(body=jsonutil.dumps(body) + b"\n", status=status, headers=headers)


def _error(exc: ApiError) -> web.Response:
    headers = {"Content-Type": JSON_TYPE}
    retry = (exc.details or {}).get("retryAfterSeconds")
    if retry:
        headers["Retry-After"] = str(retry)
    return web.Response(body=jsonutil.dumps(exc.status()) + b"\n", status=exc.code, headers=headers)


def _method_not_allowed() -> ApiError:
    return ApiError(
        405,
        "the server does not allow this method on the requested resource",
        reason="MethodNotAllowed",
    )


def _parse_target(path: str, store: Store) -> Target | None:
    """Resolve /api/v1/... and /apis/<group>/<version>/... to a Target (None: not served)."""
    parts = [unquote(p) for p in path.strip("/").split("/") if p]
    if parts[:1] == ["api"] and len(parts) >= 3:
        group, version, rest = "", parts[1], parts[2:]
    elif parts[:1] == ["apis"] and len(parts) >= 4:
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        return None
    namespace: str | None = None
    if rest[0] == "namespaces" and len(rest) >= 3 and lookup(group, rest[2]) is not None:
        namespace, rest = rest[1], rest[2:]
    rtype = lookup(group, rest[0])
    if rtype is None or version not in rtype.versions or len(rest) > 3:
        return None
    if not is_served(store, rtype):
        return None
    if namespace is not None and not rtype.namespaced:
        return None
    name = rest[1] if len(rest) >= 2 else None
    sub = rest[2] if len(rest) == 3 else None
    if sub is not None and sub not in rtype.subresources:
        return None
    return Target(rtype, version, namespace, name, sub)


def _group_version(path: str) -> str | None:
    """``group/version`` of an ``/apis/...`` or ``/openapi/v3/apis/...`` path, else None."""
    parts = path.removeprefix("/openapi/v3").strip("/").split("/")
    return f"{parts[1]}/{parts[2]}" if parts[0] == "apis" and len(parts) >= 3 else None


def _verb(method: str, target: Target, params: dict[str, str]) -> str:
    watching = params.get("watch") in ("1", "true", "True")
    if method == "GET":
        if watching:
            return "watch"
        return "get" if target.name else "list"
    if method == "POST":
        # A POST to an object is only the eviction subresource's create.
        return "create" if not target.name or target.subresource == "eviction" else ""
    if method in ("PUT", "PATCH") and not target.name:
        return ""
    return {
        "PUT": "update",
        "PATCH": "patch",
        "DELETE": "delete" if target.name else "deletecollection",
    }.get(method, "")


async def _body(request: web.Request) -> Any:
    raw = await request.read()
    content_type = request.headers.get("Content-Type", JSON_TYPE)
    if "protobuf" in content_type:
        return protobuf.decode(raw)
    if "cbor" in content_type:
        raise ApiError(
            415,
            f"the body of the request was in an unknown format - accepted media types "
            f"include: {JSON_TYPE}, application/yaml, application/vnd.kubernetes.protobuf",
            reason="UnsupportedMediaType",
        )
    return decode_body(raw, content_type)


async def _delete_options(request: web.Request, params: dict[str, str]) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if (await request.read()).strip():
        # Typed clients (kubectl drain) send DeleteOptions as protobuf.
        body = await _body(request)
        if isinstance(body, dict):
            options = body
    if params.get("gracePeriodSeconds") not in (None, ""):
        try:
            options["gracePeriodSeconds"] = int(params["gracePeriodSeconds"])
        except ValueError:
            raise ApiError(400, "invalid gracePeriodSeconds") from None
    return options


def _peer_name(request: web.Request) -> str | None:
    transport = request.transport
    if transport is None:
        return None
    cert = transport.get_extra_info("peercert")
    if not cert:
        return None
    for rdn in cert.get("subject", ()):
        for key, value in rdn:
            if key == "commonName":
                return str(value)
    return None


async def handle(request: web.Request) -> web.StreamResponse:
    registry = request.app[_REGISTRY]
    settings = request.app[_SETTINGS]
    cluster = registry.cluster
    path = request.path
    try:
        if path in ("/healthz", "/readyz", "/livez"):
            return web.Response(text="ok", content_type="text/plain")
        identity = auth.authenticate(
            cluster.users,
            request.headers.get("Authorization"),
            _peer_name(request),
            tls=settings.tls,
        )
        if identity is None:
            raise ApiError(401, "Unauthorized")
        as_user = request.headers.get("Impersonate-User")
        if as_user:
            impersonated = auth.impersonate(identity, cluster.users, as_user)
            if impersonated is None:
                raise ApiError(
                    403,
                    f'users "{as_user}" is forbidden: User "{identity.name}" cannot impersonate '
                    'resource "users" in API group "" at the cluster scope',
                )
            identity = impersonated
        faults = cluster.faults
        if faults.delay_seconds > 0:
            await asyncio.sleep(faults.delay_seconds)
        if faults.fail_requests > 0 and (path.startswith("/api") or path.startswith("/openapi")):
            faults.fail_requests -= 1
            if faults.fail_status == 429:
                raise ApiError(
                    429,
                    "Too many requests, please try again later.",
                    details={"retryAfterSeconds": faults.retry_after},
                )
            raise ApiError(faults.fail_status, "Internal error occurred: injected fault")
        return await _route(request, registry, settings, identity)
    except ApiError as exc:
        return _error(exc)


async def _route(
    request: web.Request, registry: Registry, settings: ServerSettings, identity: auth.Identity
) -> web.StreamResponse:
    path = request.path.rstrip("/") or "/"
    method = request.method
    if path == "/version":
        return _json(discovery.KUBE_VERSION)
    if path == "/api":
        host = request.host
        return _json(discovery.api_versions(host))
    custom = custom_types(registry.cluster.store)
    hidden = registry.cluster.hidden_versions
    if hidden and _group_version(path) in hidden:
        raise ApiError(404, "the server could not find the requested resource")
    if path == "/apis":
        return _json(discovery.api_group_list(custom, hidden))
    if path == "/openapi/v2":
        protobuf = openapi.V2_PROTOBUF in request.headers.get("Accept", "")
        return web.Response(
            body=openapi.v2_document(protobuf),
            content_type=openapi.V2_PROTOBUF_SERVED if protobuf else "application/json",
        )
    if path == "/openapi/v3":
        return openapi.serve_root(request, custom, hidden)
    if path.startswith("/openapi/v3/"):
        served = openapi.serve_group_version(request, path[len("/openapi/v3/") :], custom)
        if served is None:
            raise ApiError(404, "the server could not find the requested resource")
        return served
    parts = path.strip("/").split("/")
    if parts[0] == "api" and len(parts) == 2:
        doc = discovery.resource_list("", parts[1])
        if doc is None:
            raise ApiError(404, "the server could not find the requested resource")
        return _json(doc)
    if parts[0] == "apis" and len(parts) in (2, 3):
        found = (
            discovery.api_group(parts[1], custom, hidden)
            if len(parts) == 2
            else discovery.resource_list(parts[1], parts[2], custom)
        )
        if found is None:
            raise ApiError(404, "the server could not find the requested resource")
        return _json(found)
    target = _parse_target(path, registry.cluster.store)
    if target is None:
        raise ApiError(404, "the server could not find the requested resource")
    params = dict(request.query)
    dry_run = params.get("dryRun", "")
    if dry_run not in ("", "All"):
        raise ApiError(400, f'Invalid dry run value: "{dry_run}"; the only valid value is "All"')
    if dry_run:
        target = dataclasses.replace(target, dry_run=True)
    verb = _verb(method, target, params)
    if not verb:
        raise _method_not_allowed()
    allowed_verbs = target.rtype.verbs
    if target.subresource is None and verb not in allowed_verbs:
        raise _method_not_allowed()
    if target.subresource == "log" and verb != "get":
        raise _method_not_allowed()
    if target.subresource in ("status", "scale") and verb not in ("get", "update", "patch"):
        raise _method_not_allowed()
    if target.subresource == "eviction" and verb != "create":
        raise _method_not_allowed()
    ns = target.namespace if target.rtype.namespaced else None
    if target.gr == "namespaces" and target.name:
        # The API server counts a namespace's own name as the request's namespace.
        ns = target.name
    store = registry.cluster.store
    if not auth.allowed(identity, verb, target.gr, target.subresource, ns, target.name, store):
        raise forbidden(identity.name, verb, target.rtype, ns, target.name, target.subresource)
    if target.gr in auth.REVIEWS:
        return await _review(request, identity, target, store)
    return await _serve(request, registry, settings, target, verb, params)


async def _review(
    request: web.Request, identity: auth.Identity, target: Target, store: Store
) -> web.StreamResponse:
    """A self-subject review, answered from the caller's own permissions (never stored)."""
    kind = target.rtype.kind
    if "protobuf" in request.headers.get("Content-Type", ""):
        body = reviews.decode(await request.read(), kind)
    else:
        body = await _body(request)
    answer = auth.rules_review if kind == "SelfSubjectRulesReview" else auth.access_review
    return _json(answer(identity, body, store), status=201)


async def _serve(
    request: web.Request,
    registry: Registry,
    settings: ServerSettings,
    target: Target,
    verb: str,
    params: dict[str, str],
) -> web.StreamResponse:
    if target.subresource == "log":
        return await serve_logs(request, registry, target, params)
    if target.subresource == "eviction":
        return _json(registry.evict(target, await _body(request)), status=201)
    if target.subresource == "scale":
        if verb == "get":
            return _json(registry.get_scale(target))
        if verb == "update":
            return _json(registry.update(target, await _body(request)))
        return _json(registry.patch(target, _patch_type(request), await _body(request)))
    negotiated = negotiate(request.headers.get("Accept"))
    include = params.get("includeObject", "Metadata")
    if verb in ("watch", "list"):
        listoptions.validate(params, watch=verb == "watch")
    if verb == "watch":
        return await serve_watch(
            request, registry, target, params, negotiated, settings.bookmark_interval
        )
    if verb == "list":
        items, rv, token, remaining = registry.list_page(target, params)
        body = registry.list_body(target, items, rv, token, remaining, negotiated.form, include)
        return _json(body, content_type=negotiated.content_type)
    if verb == "get":
        obj = registry.get(target)
        return _json(
            registry.render_one(target, obj, negotiated.form, include),
            content_type=negotiated.content_type,
        )
    form = negotiated.form if negotiated.form is not Form.TABLE else Form.JSON
    if verb in ("create", "update", "patch"):
        store = registry.cluster.store
        schema = version_schema(store, target.rtype, target.version)
        fields = FieldValidation(directive(params, verb), schema)
        if verb == "create":
            obj = registry.create(target, await _body(request), fields)
        elif verb == "update":
            obj = registry.update(target, await _body(request), fields)
        else:
            obj = registry.patch(target, _patch_type(request), await _body(request), fields)
        rendered = registry.render_one(target, obj, form, include)
        return _json(rendered, status=201 if verb == "create" else 200, warnings=fields)
    options = await _delete_options(request, params)
    if "All" in (options.get("dryRun") or []):
        target = dataclasses.replace(target, dry_run=True)
    if verb == "delete":
        outcome = registry.delete(target, options)
        if not outcome.gone or target.gr in deletion.RETURNS_DELETED_OBJECT:
            return _json(registry.render_one(target, outcome.obj, form, include))
        return _json(success_status(deletion.success_details(target.gr, outcome.obj)))
    return _json(registry.delete_collection(target, params, options))


def _patch_type(request: web.Request) -> str:
    content_type = request.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if content_type not in PATCH_TYPES:
        raise ApiError(
            415,
            f"the body of the request was in an unknown format - accepted media types include: "
            f"{', '.join(PATCH_TYPES)}",
            reason="UnsupportedMediaType",
        )
    return content_type


def make_app(
    cluster: Cluster, *, tls: bool = False, bookmark_interval: float = 5.0
) -> web.Application:
    """The aiohttp application serving ``cluster`` (on the loop that owns the cluster)."""
    app = web.Application(client_max_size=64 * 1024 * 1024)
    app[_REGISTRY] = Registry(cluster)
    app[_SETTINGS] = ServerSettings(tls=tls, bookmark_interval=bookmark_interval)
    app.router.add_route("*", "/{tail:.*}", handle)
    return app


class SimServer:
    """Runs the app on 127.0.0.1; the listener can be stopped and restarted on its port."""

    def __init__(
        self,
        cluster: Cluster,
        *,
        port: int = 0,
        ssl_context: ssl.SSLContext | None = None,
        bookmark_interval: float = 5.0,
    ) -> None:
        self.cluster = cluster
        self.port = port
        self.ssl_context = ssl_context
        self.app = make_app(
            cluster, tls=ssl_context is not None, bookmark_interval=bookmark_interval
        )
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None

    @property
    def url(self) -> str:
        scheme = "https" if self.ssl_context is not None else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    async def start(self) -> None:
        # handler_cancellation: a client that hangs up ends its watch or log stream at once.
        self._runner = web.AppRunner(
            self.app,
            handle_signals=False,
            access_log=None,
            shutdown_timeout=0.5,
            handler_cancellation=True,
        )
        await self._runner.setup()
        await self.start_listener()

    async def start_listener(self) -> None:
        assert self._runner is not None
        if self._site is not None:
            return
        site = web.TCPSite(
            self._runner, "127.0.0.1", self.port, ssl_context=self.ssl_context, reuse_address=True
        )
        await site.start()
        self._site = site
        server = site._server
        if self.port == 0 and server is not None:
            sockets = getattr(server, "sockets", None) or []
            self.port = int(sockets[0].getsockname()[1])

    async def stop_listener(self) -> None:
        """Refuse new connections and drop open watches (clients see the server go away)."""
        if self._site is not None:
            await self._site.stop()
            self._site = None
        self.cluster.store.close_all_watches()
        # Keep-alive connections would otherwise go on being served.
        server = self._runner.server if self._runner is not None else None
        if server is not None:
            for connection in server.connections:
                connection.force_close()

    async def stop(self) -> None:
        self.cluster.store.close_all_watches()
        if self._runner is not None:
            with contextlib.suppress(Exception):
                await self._runner.cleanup()
            self._runner = None
            self._site = None
