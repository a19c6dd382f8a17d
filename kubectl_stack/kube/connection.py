"""Over ~500 lines on purpose: credentials, TLS and requests raise and refresh one another.

An authenticated HTTP connection to one API server, configured as kubectl would be.

:func:`connect` resolves the kubeconfig (:mod:`.kubeconfig`), obtains credentials (bearer
token, token file, client certificate, basic auth, exec plugin through the ``kubernetes``
package, OIDC through :mod:`.oidc`), builds one SSL context and one
:class:`aiohttp.ClientSession`, and checks that the server answers. Responses are parsed
into plain dicts by :mod:`kubectl_stack.jsonutil`; the generated model classes are never
built.

As kubectl does, credentials are only sent over TLS; impersonation headers always are.
Exec-plugin credentials are cached until their ``expirationTimestamp`` and refreshed before
the next request after that (or after a 401), so a watch outliving its token resumes with a
fresh one instead of failing.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import socket
import ssl
import tempfile
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from multidict import CIMultiDict

from .. import jsonutil
from ..options import ConnectionOptions
from . import oidc
from .deadline import timeout as deadline
from .kubeconfig import ConfigError, ResolvedConfig, resolve

USER_AGENT = "kubectl-stack"
# client-go's dialer gives up connecting after 30 seconds.
CONNECT_TIMEOUT = 30.0
# A token file (service account, --token-file) is re-read this often, as client-go does.
TOKEN_FILE_REFRESH = 60.0


class ConnectionFailed(ConnectionError):  # noqa: N818 - the name reads as what happened
    """The cluster cannot be used. ``message`` is one line for the user, kubectl's wording
    where kubectl has one."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigurationError(ConnectionFailed):
    """No kubeconfig, an unknown context / cluster / user, or an unusable credential."""


class Unreachable(ConnectionFailed):
    """Connection refused, name not resolved, or timed out."""


class TLSFailure(ConnectionFailed):
    """The server's certificate did not verify (or the TLS handshake failed)."""


class Unauthorized(ConnectionFailed):
    """The server rejected the credentials (401)."""


class Forbidden(ConnectionFailed):
    """The credentials are valid but may not do this (403)."""


class ApiError(Exception):
    """A ``kind: Status`` failure from the server. ``message`` is the server's, verbatim."""

    def __init__(
        self,
        status: int,
        reason: str,
        message: str,
        *,
        retry_after: float | None = None,
        body: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.message = message
        self.retry_after = retry_after
        self.body = body or {}

    def kubectl_message(self) -> str:
        """The line kubectl prints: ``Error from server (Forbidden): <message>``."""
        return f"Error from server ({self.reason or self.status}): {self.message}"


def _status_error(status: int, body: bytes, headers: Mapping[str, str]) -> ApiError:
    parsed: dict[str, Any] = {}
    with contextlib.suppress(ValueError, TypeError):
        loaded = jsonutil.loads(body) if body else {}
        if isinstance(loaded, dict):
            parsed = loaded
    reason = str(parsed.get("reason") or _REASONS.get(status, ""))
    message = str(parsed.get("message") or body.decode(errors="replace").strip() or reason)
    retry_after: float | None = None
    raw = headers.get("Retry-After")
    if raw:
        with contextlib.suppress(ValueError):
            retry_after = float(raw)
    if retry_after is None:
        details = parsed.get("details")
        if isinstance(details, dict) and isinstance(details.get("retryAfterSeconds"), int):
            retry_after = float(details["retryAfterSeconds"])
    return ApiError(status, reason, message, retry_after=retry_after, body=parsed)


_REASONS = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    410: "Expired",
    422: "Invalid",
    429: "TooManyRequests",
    500: "InternalError",
    503: "ServiceUnavailable",
    504: "Timeout",
}


def _parse_rfc3339(value: str) -> float | None:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


# -- credentials ----------------------------------------------------------------------------
@dataclass
class _Credential:
    authorization: str | None = None
    cert_pem: bytes | None = None
    key_pem: bytes | None = None
    expires: float | None = None  # epoch seconds


class Credentials:
    """Produces the Authorization header (and exec-plugin client certificates) for a user.

    Sources in client-go's precedence: explicit token / token file, client certificate,
    basic auth, auth-provider (oidc, see :mod:`.oidc`; gcp and azure are refused as kubectl
    refuses them), exec plugin (run by the ``kubernetes`` package's ExecProvider). An exec
    plugin is run only when no token or certificate was given, and re-run when its credential
    expires or is rejected.
    """

    def __init__(self, config: ResolvedConfig) -> None:
        self.config = config
        self.user = config.user
        self._cached: _Credential | None = None
        self._lock = asyncio.Lock()

    @property
    def uses_exec(self) -> bool:
        return "exec" in self.user and not self._static_auth()

    def _static_auth(self) -> bool:
        u = self.user
        return bool(
            u.get("token")
            or u.get("tokenFile")
            or u.get("client-certificate")
            or u.get("client-certificate-data")
            or u.get("username")
        )

    async def get(self) -> _Credential:
        """The current credential, refreshing it first when it has expired."""
        async with self._lock:
            cached = self._cached
            now = time.time()
            if cached is not None and (cached.expires is None or now < cached.expires):
                return cached
            self._cached = await self._load()
            return self._cached

    async def invalidate(self) -> bool:
        """Forget the credential after a 401. True when a new one may differ (worth a retry)."""
        async with self._lock:
            refreshable = (
                self.uses_exec or bool(self.user.get("tokenFile")) or ("auth-provider" in self.user)
            )
            if refreshable:
                self._cached = None
            return refreshable

    async def _load(self) -> _Credential:
        u = self.user
        if u.get("token"):
            return _Credential(authorization=f"Bearer {u['token']}")
        if u.get("tokenFile"):
            token = _read_bytes(u["tokenFile"], "token file").decode().strip()
            return _Credential(
                authorization=f"Bearer {token}", expires=time.time() + TOKEN_FILE_REFRESH
            )
        if u.get("client-certificate") or u.get("client-certificate-data"):
            return _Credential()
        if u.get("username"):
            raw = f"{u.get('username', '')}:{u.get('password', '')}".encode()
            return _Credential(authorization="Basic " + base64.b64encode(raw).decode())
        provider = u.get("auth-provider")
        if isinstance(provider, dict):
            return await self._load_auth_provider(provider)
        if isinstance(u.get("exec"), dict):
            return await self._run_exec(u["exec"])
        return _Credential()

    async def _load_auth_provider(self, provider: dict[str, Any]) -> _Credential:
        name = provider.get("name")
        if name == "azure":
            raise ConfigurationError(
                "The azure auth plugin has been removed. Please use the "
                "https://github.com/Azure/kubelogin kubectl/client-go credential plugin instead."
            )
        if name == "gcp":
            raise ConfigurationError(
                "The gcp auth plugin has been removed. Please use the "
                '"gke-gcloud-auth-plugin" kubectl/client-go credential plugin instead.'
            )
        if name != "oidc":
            raise ConfigurationError(f'no Auth Provider found for name "{name}"')
        config = provider.setdefault("config", {})
        try:
            token = await oidc.current_token(config, self.config.user_name, self.config.user_file)
        except oidc.OIDCError as exc:
            raise ConfigurationError(str(exc)) from exc
        expiry = oidc.token_expiry(token)
        return _Credential(
            authorization=f"Bearer {token}",
            expires=None if expiry is None else expiry - oidc.EXPIRY_DELTA,
        )

    async def _run_exec(self, exec_cfg: dict[str, Any]) -> _Credential:
        from kubernetes.aio.config.config_exception import ConfigException
        from kubernetes.aio.config.exec_provider import ExecProvider
        from kubernetes.aio.config.kube_config import ConfigNode

        command = str(exec_cfg.get("command", ""))
        try:
            node = ConfigNode("exec", exec_cfg)  # type: ignore[no-untyped-call]
            provider = ExecProvider(node)  # type: ignore[no-untyped-call]
            status = await provider.run()  # type: ignore[no-untyped-call]
        except FileNotFoundError as exc:
            hint = str(exec_cfg.get("installHint") or "").strip()
            message = f"exec: executable {command} not found"
            raise ConfigurationError(f"{message}. {hint}" if hint else message) from exc
        except (ConfigException, OSError) as exc:
            raise ConfigurationError(f"getting credentials: {exc}") from exc
        if not isinstance(status, dict):
            raise ConfigurationError("exec: plugin returned no status")
        expires = None
        if isinstance(status.get("expirationTimestamp"), str):
            expires = _parse_rfc3339(status["expirationTimestamp"])
        if status.get("token"):
            return _Credential(authorization=f"Bearer {status['token']}", expires=expires)
        if status.get("clientCertificateData") and status.get("clientKeyData"):
            return _Credential(
                cert_pem=str(status["clientCertificateData"]).encode(),
                key_pem=str(status["clientKeyData"]).encode(),
                expires=expires,
            )
        raise ConfigurationError(
            "exec: plugin output has neither a token nor a client certificate and key"
        )


# -- TLS -------------------------------------------------------------------------------------
def _load_cert_chain(ctx: ssl.SSLContext, cert: bytes, key: bytes) -> None:
    # ssl only loads certificates from files: write them to a private folder and remove it
    # straight after, so no key material stays on disk.
    with tempfile.TemporaryDirectory(prefix="kubectl-stack-") as tmp:
        cert_path = os.path.join(tmp, "cert.pem")
        key_path = os.path.join(tmp, "key.pem")
        for path, data in ((cert_path, cert), (key_path, key)):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
        ctx.load_cert_chain(cert_path, key_path)


def _read_bytes(path: str, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise ConfigurationError(f"unable to read {what} {path}: {exc.strerror}") from exc


def build_ssl_context(config: ResolvedConfig, credential: _Credential | None) -> ssl.SSLContext:
    """The client SSL context kubectl's transport would use for ``config``."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if config.insecure_skip_tls_verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    else:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.check_hostname = True
        try:
            if config.ca_data:
                ctx.load_verify_locations(cadata=config.ca_data.decode(errors="replace"))
            elif config.ca_file:
                ctx.load_verify_locations(
                    cadata=_read_bytes(config.ca_file, "certificate authority").decode(
                        errors="replace"
                    )
                )
            else:
                ctx.load_default_certs()
        except ssl.SSLError as exc:
            raise ConfigurationError(f"unable to load root certificates: {exc.reason}") from exc
    user = config.user
    try:
        if credential is not None and credential.cert_pem and credential.key_pem:
            _load_cert_chain(ctx, credential.cert_pem, credential.key_pem)
        elif user.get("client-certificate-data") or user.get("client-certificate"):
            cert = (
                base64.b64decode(user["client-certificate-data"])
                if user.get("client-certificate-data")
                else _read_bytes(user["client-certificate"], "client certificate")
            )
            if user.get("client-key-data"):
                key = base64.b64decode(user["client-key-data"])
            elif user.get("client-key"):
                key = _read_bytes(user["client-key"], "client key")
            else:
                raise ConfigurationError("client-key-data or client-key must be specified")
            _load_cert_chain(ctx, cert, key)
    except ssl.SSLError as exc:
        raise ConfigurationError(f"unable to load client certificate: {exc.reason}") from exc
    return ctx


# -- errors ----------------------------------------------------------------------------------
def _host_port(server: str) -> str:
    parts = urlsplit(server)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.hostname}:{port}"


def transport_error(server: str, exc: BaseException) -> ConnectionFailed:
    """Translate an aiohttp / OS failure into kubectl's one-line message."""
    where = _host_port(server)
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        reason = getattr(exc.certificate_error, "verify_message", None) or str(
            exc.certificate_error
        )
        return TLSFailure(
            f"Unable to connect to the server: tls: failed to verify certificate: {reason}"
        )
    if isinstance(exc, aiohttp.ClientConnectorSSLError | aiohttp.ClientSSLError | ssl.SSLError):
        return TLSFailure(f"Unable to connect to the server: tls: {exc}")
    if isinstance(exc, aiohttp.ClientConnectorDNSError) or (
        isinstance(exc, aiohttp.ClientConnectorError) and isinstance(exc.os_error, socket.gaierror)
    ):
        host = urlsplit(server).hostname
        return Unreachable(
            f"Unable to connect to the server: dial tcp: lookup {host}: no such host"
        )
    if isinstance(exc, aiohttp.ClientConnectorError):
        if isinstance(exc.os_error, ConnectionRefusedError):
            return Unreachable(
                f"The connection to the server {where} was refused - did you specify the "
                "right host or port?"
            )
        return Unreachable(f"Unable to connect to the server: dial tcp {where}: {exc.strerror}")
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return Unreachable(f"Unable to connect to the server: dial tcp {where}: i/o timeout")
    if isinstance(exc, asyncio.TimeoutError | aiohttp.ServerTimeoutError):
        return Unreachable(
            "Unable to connect to the server: net/http: request canceled "
            "(Client.Timeout exceeded while awaiting headers)"
        )
    if isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientOSError):
        return Unreachable(f"Unable to connect to the server: {where}: connection lost")
    return Unreachable(f"Unable to connect to the server: {exc}")


# -- the connection ----------------------------------------------------------------------------
@dataclass
class Response:
    status: int
    body: bytes
    headers: Mapping[str, str]

    def json(self) -> Any:
        return jsonutil.loads(self.body) if self.body else None


class Connection:
    """One API server, one credential, one HTTP session. Create with :func:`connect`.

    ``request`` / ``get_json`` raise :class:`ApiError` for error statuses and
    :class:`ConnectionFailed` for transport failures; ``stream`` yields an open response for
    watches and logs. ``close`` releases every socket.
    """

    def __init__(self, config: ResolvedConfig) -> None:
        self.config = config
        self.credentials = Credentials(config)
        self._ssl: ssl.SSLContext | None = None
        self._ssl_for: _Credential | None = None
        self._session: aiohttp.ClientSession | None = None

    @property
    def namespace(self) -> str:
        return self.config.namespace

    @property
    def server(self) -> str:
        return self.config.server

    @property
    def context(self) -> str | None:
        return self.config.context

    @property
    def closed(self) -> bool:
        return self._session is None or self._session.closed

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=64, enable_cleanup_closed=True)
            self._session = aiohttp.ClientSession(
                connector=connector,
                headers={"User-Agent": USER_AGENT},
                auto_decompress=True,
                trust_env=self.config.proxy_url is None,
            )
        return self._session

    async def _prepare(self) -> tuple[dict[str, str], ssl.SSLContext | bool]:
        headers: dict[str, str] = {}
        if self.config.impersonate_user:
            headers["Impersonate-User"] = self.config.impersonate_user
        if not self.config.is_tls:
            # kubectl only sends credentials over TLS.
            return headers, False
        credential = await self.credentials.get()
        if credential.authorization:
            headers["Authorization"] = credential.authorization
        if self._ssl is None or (credential.cert_pem and credential is not self._ssl_for):
            self._ssl = build_ssl_context(self.config, credential)
            self._ssl_for = credential
        return headers, self._ssl

    def _timeout(
        self, timeout: float | None, *, streaming: bool, idle: float | None = None
    ) -> aiohttp.ClientTimeout:
        total = None if streaming else (timeout if timeout is not None else self.config.timeout)
        return aiohttp.ClientTimeout(total=total, sock_connect=CONNECT_TIMEOUT, sock_read=idle)

    def _headers_with_impersonation(
        self, base: dict[str, str], extra: Mapping[str, str] | None
    ) -> CIMultiDict[str]:
        # Impersonate-Group repeats, so headers go as a list of pairs.
        pairs: list[tuple[str, str]] = list(base.items())
        pairs.extend(("Impersonate-Group", g) for g in self.config.impersonate_groups)
        if extra:
            pairs.extend(extra.items())
        return CIMultiDict(pairs)

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Any = None,
        content_type: str = "application/json",
        accept: str = "application/json",
        timeout: float | None = None,
        idle: float | None = None,
    ) -> Response:
        """Send one request and read the whole answer. Raises ApiError on >= 400.

        ``timeout`` bounds the whole request (default: ``--request-timeout``); ``idle``
        bounds each wait for the server's next bytes (a hung server or network)."""
        data = None if body is None else jsonutil.dumps(body)
        for attempt in range(2):
            base, ssl_ctx = await self._prepare()
            extra = {"Accept": accept}
            if data is not None:
                extra["Content-Type"] = content_type
            headers = self._headers_with_impersonation(base, extra)
            try:
                async with self._get_session().request(
                    method,
                    self.config.server + path,
                    params=params,
                    data=data,
                    headers=headers,
                    ssl=ssl_ctx,
                    server_hostname=self.config.tls_server_name,
                    proxy=self.config.proxy_url,
                    timeout=self._timeout(timeout, streaming=False, idle=idle),
                ) as resp:
                    payload = await resp.read()
                    status = resp.status
                    resp_headers = resp.headers
            except (aiohttp.ClientError, asyncio.TimeoutError, ssl.SSLError, OSError) as exc:
                raise transport_error(self.config.server, exc) from exc
            if status == 401 and attempt == 0 and await self.credentials.invalidate():
                continue
            if status >= 400:
                raise _status_error(status, payload, resp_headers)
            return Response(status, payload, resp_headers)
        raise AssertionError("unreachable")  # pragma: no cover

    async def get_json(
        self,
        path: str,
        params: Mapping[str, str] | None = None,
        *,
        accept: str = "application/json",
    ) -> Any:
        """GET ``path`` and return the parsed JSON body."""
        return (await self.request("GET", path, params=params, accept=accept)).json()

    @contextlib.asynccontextmanager
    async def stream(
        self,
        path: str,
        params: Mapping[str, str] | None = None,
        *,
        accept: str = "application/json",
        headers_timeout: float | None = None,
    ) -> AsyncIterator[aiohttp.ClientResponse]:
        """Open a long-lived GET (watch, follow logs). Raises ApiError on >= 400; the
        response's ``content`` yields the body as it arrives. ``headers_timeout`` bounds the
        wait for the response to begin (the body may then be silent for as long as it
        likes)."""
        for attempt in range(2):
            base, ssl_ctx = await self._prepare()
            headers = self._headers_with_impersonation(base, {"Accept": accept})
            try:
                async with deadline(headers_timeout):
                    resp = await self._get_session().get(
                        self.config.server + path,
                        params=params,
                        headers=headers,
                        ssl=ssl_ctx,
                        server_hostname=self.config.tls_server_name,
                        proxy=self.config.proxy_url,
                        timeout=self._timeout(None, streaming=True),
                    )
            except (aiohttp.ClientError, asyncio.TimeoutError, ssl.SSLError, OSError) as exc:
                raise transport_error(self.config.server, exc) from exc
            try:
                if resp.status == 401 and attempt == 0 and await self.credentials.invalidate():
                    continue
                if resp.status >= 400:
                    raise _status_error(resp.status, await resp.read(), resp.headers)
                yield resp
                return
            finally:
                resp.release()
                resp.close()
        raise AssertionError("unreachable")  # pragma: no cover

    async def close(self) -> None:
        """Close the session and every pooled socket. Safe to call twice."""
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()


async def check(connection: Connection) -> dict[str, Any]:
    """Ask the server for ``/version``; map failures to :class:`ConnectionFailed`."""
    try:
        version = await connection.get_json("/version")
    except ApiError as exc:
        if exc.status == 401:
            raise Unauthorized("You must be logged in to the server (Unauthorized)") from exc
        if exc.status == 403:
            raise Forbidden(exc.kubectl_message()) from exc
        raise ConnectionFailed(exc.kubectl_message()) from exc
    return version if isinstance(version, dict) else {}


def open_connection(
    options: ConnectionOptions, environ: dict[str, str] | None = None
) -> Connection:
    """Resolve ``options`` as kubectl would and authenticate, without asking the server
    anything yet (:func:`check` does; :func:`connect` is both).

    Raises a :class:`ConnectionFailed` subclass whose ``message`` is one line for the user.
    """
    try:
        config = resolve(options, environ)
    except ConfigError as exc:
        raise ConfigurationError(str(exc)) from exc
    return Connection(config)


async def connect(options: ConnectionOptions, environ: dict[str, str] | None = None) -> Connection:
    """Resolve ``options`` as kubectl would, authenticate, and check the server answers.

    Raises a :class:`ConnectionFailed` subclass whose ``message`` is one line for the user.
    """
    connection = open_connection(options, environ)
    try:
        await check(connection)
    except BaseException:
        await connection.close()
        raise
    return connection
