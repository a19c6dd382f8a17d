"""Who is asking, and may they: users from the scenario, bearer tokens, client certificates,
and a small RBAC, with the self-subject reviews ``kubectl auth can-i`` sends.

Scenario roles: ``admin`` may do everything; ``viewer`` may get, list and watch (pod logs
included) but not change anything and not read secrets, like Kubernetes' ``view`` ClusterRole.
A user with a ``namespace`` holds its role only there, as a RoleBinding grants it: nothing
cluster-scoped and no request across all namespaces (reading its own Namespace object excepted,
as the API server counts a namespace's name as its namespace). Any other role (e.g. an
impersonated user nobody defined) may do nothing beyond the reviews and discovery every user
may use, unless the cluster's RBAC objects grant it more (:mod:`.rbac`: a RoleBinding created
with kubectl grants what it says).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Any

from . import rbac
from .cluster import User
from .resources import BY_GR, CONNECT_SUBRESOURCES, RESOURCES
from .store import Store

READ_VERBS = frozenset({"get", "list", "watch"})

# Open to every authenticated user (system:basic-user, system:discovery,
# system:public-info-viewer), whatever their role.
REVIEWS = frozenset(
    {
        "selfsubjectaccessreviews.authorization.k8s.io",
        "selfsubjectrulesreviews.authorization.k8s.io",
    }
)
_DISCOVERY_URLS = (
    "/api",
    "/api/*",
    "/apis",
    "/apis/*",
    "/healthz",
    "/livez",
    "/openapi",
    "/openapi/*",
    "/readyz",
    "/version",
    "/version/",
)
_BASIC_RULES = [
    {
        "verbs": ["create"],
        "apiGroups": ["authorization.k8s.io"],
        "resources": ["selfsubjectaccessreviews", "selfsubjectrulesreviews"],
    },
]
_EVERYTHING = {"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}


@dataclass(frozen=True)
class Identity:
    name: str
    role: str
    namespace: str | None = None  # the role holds only in this namespace


ANONYMOUS_ADMIN = Identity("admin", "admin")


def _identity(user: User) -> Identity:
    return Identity(user.name, user.role, user.namespace)


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
                return _identity(user)
        return None
    if cert_name:
        known = users.get(cert_name)
        return _identity(known) if known else None
    if tls:
        return None
    admin = users.get("admin")
    return _identity(admin) if admin else ANONYMOUS_ADMIN


def impersonate(caller: Identity, users: dict[str, User], name: str) -> Identity | None:
    """``--as NAME``: only an unrestricted admin may act as someone else (None: forbidden)."""
    if name == caller.name:
        return caller
    if caller.role != "admin" or caller.namespace is not None:
        return None
    user = users.get(name)
    return _identity(user) if user else Identity(name, "none")


def allowed(
    identity: Identity,
    verb: str,
    gr: str,
    subresource: str | None,
    namespace: str | None = None,
    name: str | None = None,
    store: Store | None = None,
) -> bool:
    """Whether ``identity`` may perform ``verb`` on ``gr`` (and its ``subresource``) in
    ``namespace`` (None: cluster scope or all namespaces). ``verb`` and ``gr`` may be ``*``
    as in an access review: a wildcard is allowed only where every value would be. Beyond
    the scenario's roles, the RBAC objects in ``store`` grant what they say."""
    if _role_allows(identity, verb, gr, namespace, name):
        return True
    if store is None:
        return False
    return rbac.authorize(store, identity.name, verb, gr, subresource, namespace, name) is not None


def _role_allows(
    identity: Identity, verb: str, gr: str, namespace: str | None, name: str | None
) -> bool:
    if gr in REVIEWS and verb == "create":
        return True
    if identity.namespace is not None:
        if gr == "namespaces" and name is not None:
            namespace = name  # the API server's rule for namespace objects
            # A RoleBinding of ``admin`` reads its Namespace but cannot change it.
            if verb not in READ_VERBS:
                return False
        elif not _namespaced(gr):
            return False
        if namespace != identity.namespace:
            return False
    if identity.role == "admin":
        return True
    if identity.role == "viewer":
        return gr not in ("secrets", "*") and verb in READ_VERBS
    return False


def _namespaced(gr: str) -> bool:
    rtype = BY_GR.get(gr)
    return rtype.namespaced if rtype is not None else gr == "*"


def access_review(identity: Identity, review: Any, store: Store | None = None) -> dict[str, Any]:
    """The answered SelfSubjectAccessReview (authorization.k8s.io/v1) for ``review``'s
    ``spec.resourceAttributes`` or ``spec.nonResourceAttributes``."""
    spec = review.get("spec") if isinstance(review, dict) else None
    spec = spec if isinstance(spec, dict) else {}
    attrs = spec.get("resourceAttributes")
    if isinstance(attrs, dict):
        group, resource = str(attrs.get("group") or ""), str(attrs.get("resource") or "")
        gr = f"{resource}.{group}" if group else resource
        request = (
            str(attrs.get("verb") or ""),
            gr,
            attrs.get("subresource") or None,
            attrs.get("namespace") or None,
            attrs.get("name") or None,
        )
        ok = _role_allows(identity, request[0], gr, request[3], request[4])
        grant = None
        if not ok and store is not None:
            grant = rbac.authorize(store, identity.name, *request)
            ok = grant is not None
    else:
        non_resource = spec.get("nonResourceAttributes")
        non_resource = non_resource if isinstance(non_resource, dict) else {}
        ok = _non_resource_allowed(
            identity, str(non_resource.get("verb") or ""), str(non_resource.get("path") or "")
        )
    status: dict[str, Any] = {"allowed": ok}
    if ok:
        status["reason"] = grant.reason(identity.name) if grant else _binding(identity)
    return {
        "kind": "SelfSubjectAccessReview",
        "apiVersion": "authorization.k8s.io/v1",
        "metadata": {"creationTimestamp": None},
        "spec": spec,
        "status": status,
    }


def _non_resource_allowed(identity: Identity, verb: str, path: str) -> bool:
    if identity.role == "admin" and identity.namespace is None:
        return True
    if verb != "get":
        return False
    return any(
        path == url or (url.endswith("*") and path.startswith(url[:-1])) for url in _DISCOVERY_URLS
    )


def _binding(identity: Identity) -> str:
    role = {"admin": "cluster-admin", "viewer": "view"}.get(identity.role, identity.role)
    if identity.namespace is not None:
        role = "admin" if identity.role == "admin" else role
        return (
            f'RBAC: allowed by RoleBinding "{identity.name}/{identity.namespace}" of ClusterRole '
            f'"{role}" to User "{identity.name}"'
        )
    return (
        f'RBAC: allowed by ClusterRoleBinding "{identity.name}" of ClusterRole "{role}" '
        f'to User "{identity.name}"'
    )


def rules_review(identity: Identity, review: Any, store: Store | None = None) -> dict[str, Any]:
    """The answered SelfSubjectRulesReview for ``review``'s ``spec.namespace``: the rules
    ``kubectl auth can-i --list`` prints."""
    spec = review.get("spec") if isinstance(review, dict) else None
    spec = spec if isinstance(spec, dict) else {}
    namespace = str(spec.get("namespace") or "")
    rules: list[dict[str, Any]] = list(_BASIC_RULES)
    non_resource = [{"verbs": ["get"], "nonResourceURLs": list(_DISCOVERY_URLS)}]
    applies = identity.namespace is None or identity.namespace == namespace
    if applies and identity.role == "admin":
        rules.insert(0, _EVERYTHING)
        if identity.namespace is None:
            non_resource.insert(0, {"verbs": ["*"], "nonResourceURLs": ["*"]})
    elif applies and identity.role == "viewer":
        rules.extend(_viewer_rules())
    if store is not None:
        for _, granted in rbac.grants(store, identity.name, namespace or None):
            for rule in granted:
                if isinstance(rule, dict) and rule.get("nonResourceURLs"):
                    non_resource.append(rule)
                elif isinstance(rule, dict):
                    rules.append(rule)
    return {
        "kind": "SelfSubjectRulesReview",
        "apiVersion": "authorization.k8s.io/v1",
        "metadata": {"creationTimestamp": None},
        "spec": spec,
        "status": {
            "resourceRules": rules,
            "nonResourceRules": non_resource,
            "incomplete": False,
        },
    }


def _viewer_rules() -> list[dict[str, Any]]:
    """One read rule per API group naming its resources (and their readable subresources),
    secrets left out, as the ``view`` ClusterRole lists them."""
    by_group: dict[str, list[str]] = {}
    for rtype in RESOURCES:
        if rtype.gr == "secrets" or rtype.gr in REVIEWS:
            continue
        names = by_group.setdefault(rtype.group, [])
        names.append(rtype.plural)
        names.extend(
            f"{rtype.plural}/{sub}" for sub in rtype.subresources if sub not in CONNECT_SUBRESOURCES
        )
    return [
        {"verbs": sorted(READ_VERBS), "apiGroups": [group], "resources": names}
        for group, names in by_group.items()
    ]
