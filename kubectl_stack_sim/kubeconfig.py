"""The kubeconfig that points kubectl (or the app) at the embedded cluster.

Contexts: ``sim`` (current; user ``admin``), one per other scenario user with a token (always
``viewer``, and ``dev`` who may act only in namespace ``default``), and under TLS
``sim-cert``, where ``admin`` authenticates with a client certificate. Every context's
namespace is ``default``. Over plain HTTP kubectl drops bearer tokens, so non-admin users also
carry ``as: <name>`` (impersonation, which it does send).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .cluster import User

CLUSTER = "kubectl-stack-sim"
CURRENT_CONTEXT = "sim"
CERT_CONTEXT = "sim-cert"


@dataclass(frozen=True)
class ClientCert:
    user: str
    cert: Path
    key: Path


def build(
    url: str,
    users: dict[str, User],
    *,
    ca_file: Path | None = None,
    client_cert: ClientCert | None = None,
) -> dict[str, Any]:
    cluster: dict[str, Any] = {"server": url}
    if ca_file is not None:
        cluster["certificate-authority"] = str(ca_file)
    entries: list[dict[str, Any]] = []
    contexts: list[dict[str, Any]] = []
    for user in users.values():
        if not user.token:
            continue
        credentials: dict[str, Any] = {"token": user.token}
        if ca_file is None and user.name != "admin":
            # kubectl sends no bearer token over plain HTTP; impersonation headers it does
            # send, and an unauthenticated caller on loopback HTTP is the admin.
            credentials["as"] = user.name
        entries.append({"name": user.name, "user": credentials})
        context = CURRENT_CONTEXT if user.name == "admin" else user.name
        contexts.append(
            {
                "name": context,
                "context": {"cluster": CLUSTER, "user": user.name, "namespace": "default"},
            }
        )
    if "admin" not in users:
        # No admin token: over plain HTTP an unauthenticated request is the admin.
        entries.append({"name": "admin", "user": {}})
        contexts.append(
            {
                "name": CURRENT_CONTEXT,
                "context": {"cluster": CLUSTER, "user": "admin", "namespace": "default"},
            }
        )
    if client_cert is not None:
        entries.append(
            {
                "name": f"{client_cert.user}-cert",
                "user": {
                    "client-certificate": str(client_cert.cert),
                    "client-key": str(client_cert.key),
                },
            }
        )
        contexts.append(
            {
                "name": CERT_CONTEXT,
                "context": {
                    "cluster": CLUSTER,
                    "user": f"{client_cert.user}-cert",
                    "namespace": "default",
                },
            }
        )
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "preferences": {},
        "clusters": [{"name": CLUSTER, "cluster": cluster}],
        "users": entries,
        "contexts": contexts,
        "current-context": CURRENT_CONTEXT,
    }


def write(path: Path, config: dict[str, Any]) -> Path:
    """Write the kubeconfig (mode 0600: it holds credentials)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    path.chmod(0o600)
    return path
