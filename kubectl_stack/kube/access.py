"""What the signed-in user may do, asked as ``kubectl auth can-i`` asks: a
SelfSubjectAccessReview (authorization.k8s.io/v1) answered by the API server."""

from __future__ import annotations

from typing import Any

from .connection import Connection
from .kinds import Kind

REVIEW_PATH = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"


async def can_i(
    connection: Connection,
    verb: str,
    resource: Kind | str,
    namespace: str | None = None,
    *,
    name: str | None = None,
    subresource: str | None = None,
) -> bool:
    """Whether the server allows ``verb`` on ``resource`` in ``namespace`` (None: cluster
    scope / all namespaces) for this connection's user, impersonation included.

    ``resource`` is a watched :class:`Kind` or ``plural[.group]`` (``"deployments.apps"``).
    Raises the connection's ApiError or ConnectionFailed when the question cannot be asked."""
    if isinstance(resource, Kind):
        group, plural = resource.group, resource.plural
    else:
        plural, _, group = resource.partition(".")
    attributes: dict[str, Any] = {"verb": verb, "group": group, "resource": plural}
    for key, value in (("namespace", namespace), ("name", name), ("subresource", subresource)):
        if value:
            attributes[key] = value
    review = {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SelfSubjectAccessReview",
        "spec": {"resourceAttributes": attributes},
    }
    answer = (await connection.request("POST", REVIEW_PATH, body=review)).json()
    status = answer.get("status") if isinstance(answer, dict) else None
    return isinstance(status, dict) and status.get("allowed") is True
