"""Who is asking, and may they: users from the scenario, bearer tokens, client certificates,
and a two-role RBAC.

Roles: ``admin`` may do everything; ``viewer`` may get, list and watch (pod logs included) but
not change anything and not read secrets, like Kubernetes' ``view`` ClusterRole. Any other role
(e.g. an impersonated user nobody defined) may do nothing.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from .cluster import User

READ_VERBS = frozenset({"get", "list", "watch"})


@dataclass(frozen=True)
class Identity:
    name: str
    role: str


ANONYMOUS_ADMIN = Identity("admin", "admin")


def authenticate(
    users: dict[str, User], authorization: str | None, cert_name: str | None, *, tls: bool
) -> Identity | None:
    """The caller, or None when the credentials are missing (over TLS) or wrong (401).

    Over plain HTTP a request without credentials is the admin, so a bare kubeconfig works;
    a bearer token still selects its user (the ``viewer`` context works over HTTP too).
    """
    if authorization:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        token = token.strip()
        for user in users.values():
            if user.token and hmac.compare_digest(user.token, token):
                return Identity(user.name, user.role)
        return None
    if cert_name:
        known = users.get(cert_name)
        return Identity(known.name, known.role) if known else None
    if tls:
        return None
    admin = users.get("admin")
    return Identity(admin.name, admin.role) if admin else ANONYMOUS_ADMIN


def impersonate(caller: Identity, users: dict[str, User], name: str) -> Identity | None:
    """``--as NAME``: only an admin may act as someone else (None: forbidden)."""
    if name == caller.name:
        return caller
    if caller.role != "admin":
        return None
    user = users.get(name)
    return Identity(name, user.role if user else "none")


def allowed(identity: Identity, verb: str, gr: str, subresource: str | None) -> bool:
    """Whether ``identity`` may perform ``verb`` on ``gr`` (and its ``subresource``)."""
    if identity.role == "admin":
        return True
    if identity.role == "viewer":
        if gr == "secrets":
            return False
        return verb in READ_VERBS
    return False
