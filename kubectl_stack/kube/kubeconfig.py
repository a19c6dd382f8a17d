"""Kubeconfig resolution exactly as kubectl (client-go's clientcmd) does it.

Loading rules: ``--kubeconfig`` (must exist) or the ``KUBECONFIG`` list (missing files are
skipped, duplicates ignored) or ``~/.kube/config``. Files are merged so that the *first* file
to define a cluster, user or context name wins that whole entry, and the first file that sets
``current-context`` wins it. Relative file paths inside a file are resolved against that file's
folder. Flags then override the chosen context, cluster and user the way clientcmd's
``ConfigOverrides`` do. No I/O beyond reading the files; credentials are not run here.
"""

from __future__ import annotations

import base64
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..options import ConnectionOptions

RECOMMENDED_HOME_FILE = Path("~/.kube/config")
SERVICE_ACCOUNT_DIR = Path("/var/run/secrets/kubernetes.io/serviceaccount")

# Keys holding file paths, per section, resolved relative to the file that defines them.
_CLUSTER_PATH_KEYS = ("certificate-authority",)
_USER_PATH_KEYS = ("client-certificate", "client-key", "tokenFile")


class ConfigError(Exception):
    """The kubeconfig cannot give a usable configuration. ``str()`` is the user's message."""


@dataclass
class ResolvedConfig:
    """Everything needed to reach and authenticate to one API server."""

    server: str
    namespace: str
    namespace_overridden: bool = False
    context: str | None = None
    cluster_name: str | None = None
    user_name: str | None = None
    # The file that defines the user (refreshed OIDC tokens are written back there).
    user_file: str | None = None
    ca_file: str | None = None
    ca_data: bytes | None = None
    insecure_skip_tls_verify: bool = False
    tls_server_name: str | None = None
    proxy_url: str | None = None
    # The user's auth section after flag overrides (may carry exec / auth-provider / token).
    user: dict[str, Any] = field(default_factory=dict)
    impersonate_user: str | None = None
    impersonate_groups: list[str] = field(default_factory=list)
    timeout: float | None = None  # seconds; None = no limit (kubectl's "0")
    in_cluster: bool = False

    @property
    def is_tls(self) -> bool:
        return self.server.lower().startswith("https://")


# -- durations -------------------------------------------------------------------------------
_DURATION_UNITS = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "μs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
}
_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
_TIMEOUT_ERROR = (
    "Invalid timeout value. Timeout must be a single integer in seconds, or an integer "
    "followed by a corresponding time unit (e.g. 1s | 2m | 3h)"
)


def parse_request_timeout(value: str | None) -> float | None:
    """kubectl's ``--request-timeout``: a bare integer is seconds, otherwise a Go duration
    (``500ms``, ``1m30s``). ``"0"`` or unset means no limit (``None``). Raises ConfigError."""
    if value is None or value == "":
        return None
    text = value.strip()
    if re.fullmatch(r"-?\d+", text):
        seconds = float(int(text))
    else:
        sign = 1.0
        if text[:1] in "+-":
            sign = -1.0 if text[0] == "-" else 1.0
            text = text[1:]
        pos = 0
        total = 0.0
        for match in _DURATION_PART.finditer(text):
            if match.start() != pos:
                break
            total += float(match.group(1)) * _DURATION_UNITS[match.group(2)]
            pos = match.end()
        if pos != len(text) or not text:
            raise ConfigError(_TIMEOUT_ERROR)
        seconds = sign * total
    if seconds < 0:
        raise ConfigError(_TIMEOUT_ERROR)
    return None if seconds == 0 else seconds


# -- loading ---------------------------------------------------------------------------------
def kubeconfig_paths(
    options: ConnectionOptions, environ: dict[str, str] | None = None
) -> list[Path]:
    """The files kubectl would read, in precedence order (may include missing ones)."""
    env = os.environ if environ is None else environ
    if options.kubeconfig:
        return [Path(options.kubeconfig).expanduser()]
    listed = env.get("KUBECONFIG", "")
    if listed:
        seen: list[Path] = []
        for part in listed.split(os.pathsep):
            if part and Path(part).expanduser() not in seen:
                seen.append(Path(part).expanduser())
        return seen
    home = env.get("HOME")
    base = Path(home) / ".kube" / "config" if home else RECOMMENDED_HOME_FILE.expanduser()
    return [base]


def _read_file(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"error loading config file {str(path)!r}: {exc.strerror}") from exc
    try:
        text = raw.decode("utf-8")  # as kubectl reads it, whatever the locale
    except UnicodeDecodeError as exc:
        # go-yaml's words, which kubectl prints.
        what = {
            "invalid continuation byte": "invalid trailing UTF-8 octet",
            "unexpected end of data": "incomplete UTF-8 octet sequence",
        }.get(exc.reason, "invalid leading UTF-8 octet")
        raise ConfigError(f"error loading config file {str(path)!r}: yaml: {what}") from exc
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        first = str(exc).splitlines()[0] if str(exc) else "invalid YAML"
        raise ConfigError(f"error loading config file {str(path)!r}: {first}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"error loading config file {str(path)!r}: not a kubeconfig")
    return data


def _resolve_paths(entry: dict[str, Any], keys: tuple[str, ...], base: Path) -> dict[str, Any]:
    out = dict(entry)
    for key in keys:
        value = out.get(key)
        if isinstance(value, str) and value and not os.path.isabs(value):
            out[key] = str((base / Path(value).expanduser()).resolve())
    exec_cfg = out.get("exec")
    if isinstance(exec_cfg, dict):
        # client-go resolves a relative exec command (one with a path separator) too.
        command = exec_cfg.get("command")
        if isinstance(command, str) and os.sep in command and not os.path.isabs(command):
            out["exec"] = {**exec_cfg, "command": str((base / command).resolve())}
    return out


@dataclass
class MergedConfig:
    """The merge of every kubeconfig file, as ``kubectl config view --merge`` shows it."""

    clusters: dict[str, dict[str, Any]] = field(default_factory=dict)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    contexts: dict[str, dict[str, Any]] = field(default_factory=dict)
    current_context: str = ""
    files: list[str] = field(default_factory=list)
    user_files: dict[str, str] = field(default_factory=dict)


def _named(items: Any, inner: str) -> list[tuple[str, dict[str, Any]]]:
    out: list[tuple[str, dict[str, Any]]] = []
    if not isinstance(items, list):
        return out
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            value = item.get(inner)
            out.append((item["name"], value if isinstance(value, dict) else {}))
    return out


def load_merged(paths: list[Path], *, explicit: bool = False) -> MergedConfig:
    """Merge kubeconfig files with kubectl's precedence (first definition wins)."""
    merged = MergedConfig()
    for path in paths:
        if not path.exists():
            if explicit:
                raise ConfigError(f"stat {path}: no such file or directory")
            continue
        data = _read_file(path)
        base = path.resolve().parent
        merged.files.append(str(path))
        for name, cluster in _named(data.get("clusters"), "cluster"):
            merged.clusters.setdefault(name, _resolve_paths(cluster, _CLUSTER_PATH_KEYS, base))
        for name, user in _named(data.get("users"), "user"):
            if name not in merged.users:
                merged.users[name] = _resolve_paths(user, _USER_PATH_KEYS, base)
                merged.user_files[name] = str(path)
        for name, context in _named(data.get("contexts"), "context"):
            merged.contexts.setdefault(name, context)
        current = data.get("current-context")
        if not merged.current_context and isinstance(current, str) and current:
            merged.current_context = current
    return merged


def _decode_data(value: Any) -> bytes | None:
    if not value:
        return None
    try:
        return base64.b64decode(str(value), validate=False)
    except ValueError as exc:
        raise ConfigError(f"illegal base64 data in kubeconfig: {exc}") from exc


def in_cluster_possible(environ: dict[str, str] | None = None) -> bool:
    """client-go's test: service host and port set and the token file present."""
    env = os.environ if environ is None else environ
    token = SERVICE_ACCOUNT_DIR / "token"
    return bool(
        env.get("KUBERNETES_SERVICE_HOST")
        and env.get("KUBERNETES_SERVICE_PORT")
        and token.is_file()
    )


def _in_cluster(options: ConnectionOptions, env: dict[str, str]) -> ResolvedConfig:
    host = env["KUBERNETES_SERVICE_HOST"]
    if ":" in host:
        host = f"[{host}]"
    server = options.server or f"https://{host}:{env['KUBERNETES_SERVICE_PORT']}"
    namespace = options.namespace or env.get("POD_NAMESPACE") or ""
    if not namespace:
        try:
            namespace = (SERVICE_ACCOUNT_DIR / "namespace").read_text().strip()
        except OSError:
            namespace = ""
    user: dict[str, Any] = {"tokenFile": str(SERVICE_ACCOUNT_DIR / "token")}
    if options.token:
        user = {"token": options.token}
    return ResolvedConfig(
        server=server,
        namespace=namespace or "default",
        namespace_overridden=bool(options.namespace),
        ca_file=options.certificate_authority or str(SERVICE_ACCOUNT_DIR / "ca.crt"),
        user=user,
        impersonate_user=options.as_user,
        impersonate_groups=list(options.as_groups),
        timeout=parse_request_timeout(options.request_timeout),
        in_cluster=True,
    )


def resolve(options: ConnectionOptions, environ: dict[str, str] | None = None) -> ResolvedConfig:
    """Resolve kubeconfig files and flags into one :class:`ResolvedConfig` as kubectl would.

    Raises :class:`ConfigError` with kubectl's wording when no configuration exists, a named
    context, cluster or user is missing, or the cluster has no server.
    """
    env = dict(os.environ if environ is None else environ)
    timeout = parse_request_timeout(options.request_timeout)
    paths = kubeconfig_paths(options, env)
    merged = load_merged(paths, explicit=bool(options.kubeconfig))
    no_files = not merged.files and not options.kubeconfig and not env.get("KUBECONFIG")
    if no_files and in_cluster_possible(env):
        return _in_cluster(options, env)
    if not merged.files and not options.server:
        where = ", ".join(str(p) for p in paths)
        raise ConfigError(
            f"no kubeconfig found (looked for {where}); set KUBECONFIG or pass --kubeconfig"
        )

    context_name = options.context or merged.current_context
    if context_name and context_name not in merged.contexts:
        raise ConfigError(
            f"Error in configuration: context was not found for specified context: {context_name}"
        )
    context = dict(merged.contexts.get(context_name, {}))
    cluster_name = options.cluster or context.get("cluster") or ""
    user_name = options.user or context.get("user") or ""
    if options.user and options.user not in merged.users:
        raise ConfigError(f'auth info "{options.user}" does not exist')

    cluster = dict(merged.clusters.get(cluster_name, {}))
    user = dict(merged.users.get(user_name, {}))

    # Cluster overrides, with clientcmd's special cases for CA vs insecure and server name.
    if options.server:
        cluster["server"] = options.server
    if options.insecure_skip_tls_verify or options.certificate_authority:
        cluster["insecure-skip-tls-verify"] = options.insecure_skip_tls_verify
        cluster.pop("certificate-authority-data", None)
        cluster.pop("certificate-authority", None)
        if options.certificate_authority:
            cluster["certificate-authority"] = str(
                Path(options.certificate_authority).expanduser().resolve()
            )
    if options.tls_server_name or options.server:
        cluster["tls-server-name"] = options.tls_server_name or ""

    # User overrides: an explicit token or certificate means "authenticate with this".
    if options.token:
        user["token"] = options.token
    if options.client_certificate:
        user.pop("client-certificate-data", None)
        user["client-certificate"] = str(Path(options.client_certificate).expanduser().resolve())
    if options.client_key:
        user.pop("client-key-data", None)
        user["client-key"] = str(Path(options.client_key).expanduser().resolve())

    server = str(cluster.get("server") or "")
    if not server:
        if not context_name and not options.cluster:
            files = ", ".join(merged.files)
            raise ConfigError(
                f"no current context is set in {files}; pass --context or run "
                "kubectl config use-context"
            )
        raise ConfigError(f'no server found for cluster "{cluster_name}"')
    if cluster.get("certificate-authority") and cluster.get("insecure-skip-tls-verify"):
        raise ConfigError(
            "specifying a root certificates file with the insecure flag is not allowed"
        )

    namespace = options.namespace or str(context.get("namespace") or "") or "default"
    impersonate = options.as_user or user.get("as") or None
    groups = list(options.as_groups) or [str(g) for g in user.get("as-groups") or []]
    return ResolvedConfig(
        server=server.rstrip("/"),
        namespace=namespace,
        namespace_overridden=bool(options.namespace),
        context=context_name or None,
        cluster_name=cluster_name or None,
        user_name=user_name or None,
        user_file=merged.user_files.get(user_name),
        ca_file=cluster.get("certificate-authority") or None,
        ca_data=_decode_data(cluster.get("certificate-authority-data")),
        insecure_skip_tls_verify=bool(cluster.get("insecure-skip-tls-verify")),
        tls_server_name=cluster.get("tls-server-name") or None,
        proxy_url=cluster.get("proxy-url") or None,
        user=user,
        impersonate_user=impersonate,
        impersonate_groups=groups,
        timeout=timeout,
    )
