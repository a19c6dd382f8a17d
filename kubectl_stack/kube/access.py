"""What the signed-in user may do, asked as ``kubectl auth can-i`` asks: a
SelfSubjectAccessReview (authorization.k8s.io/v1) answered by the API server.

:func:`permissions` asks, once per namespace, for everything the app's mutating keys need, so
the UI can show a key the user may not use as unavailable, with the reason, before it is
pressed."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import kinds as K
from .actions import DELETABLE
from .connection import Connection
from .describe import described
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


@dataclass(frozen=True)
class Need:
    """One permission an action needs: ``verb`` on ``kind`` (its ``subresource``)."""

    verb: str
    kind: Kind
    subresource: str = ""

    def __str__(self) -> str:
        sub = f"/{self.subresource}" if self.subresource else ""
        return f"{self.kind.plural}{sub} {self.verb}"


_EDITABLE_OTHERS = ("HorizontalPodAutoscaler", "Service", "Ingress", "ConfigMap")


def editable(kind: str) -> bool:
    """Whether ``kubectl edit`` is offered for ``kind``: every workload kind and the objects
    above (never Secrets: the editor would show their values)."""
    return kind in K.WORKLOADS or kind in _EDITABLE_OTHERS


def need(action: str, kind: str) -> Need | None:
    """What ``action`` (a mutating key's action) sends to an object of ``kind``, as the
    request the data layer or kubectl makes: scale PUTs the scale subresource; undo, restart
    and pause patch the workload; edit patches the object; delete deletes it; delete_pod
    deletes a pod; shell and port_forward create pods/exec and pods/portforward (a Service's
    forward goes to one of its pods). None: not a mutation."""
    workload = K.WORKLOADS.get(kind)
    if action == "delete_pod":
        return Need("delete", K.PODS)
    if action == "shell":
        return Need("create", K.PODS, "exec")
    if action == "port_forward":
        return Need("create", K.PODS, "portforward")
    if action == "edit" and editable(kind):
        return Need("patch", described()[kind])
    if action == "delete" and kind in DELETABLE:
        return Need("delete", DELETABLE[kind])
    if workload is None:
        return None
    if action == "scale":
        return Need("update", workload, "scale")
    if action in ("undo", "restart", "pause"):
        return Need("patch", workload)
    return None


ACTIONS = (
    "scale",
    "undo",
    "restart",
    "pause",
    "delete_pod",
    "edit",
    "delete",
    "shell",
    "port_forward",
)


def needs() -> tuple[Need, ...]:
    """Every permission a key may need, asked together once per namespace."""
    return tuple(
        dict.fromkeys(n for a in ACTIONS for k in described() if (n := need(a, k)) is not None)
    )


@dataclass(frozen=True)
class Permissions:
    """The server's answers for :func:`needs` in one namespace. A question that could not be
    asked is not a refusal: the key stays available and the server decides."""

    namespace: str
    allowed: Mapping[Need, bool]

    def denied(self, action: str, kind: str) -> str | None:
        """Why ``action`` on a ``kind`` may not be used (``forbidden: deployments/scale
        update``), or None."""
        wanted = need(action, kind)
        if wanted is None or self.allowed.get(wanted, True):
            return None
        return f"forbidden: {wanted}"


async def permissions(connection: Connection, namespace: str) -> Permissions:
    """Ask the server about every key's permission in ``namespace``, concurrently (one
    SelfSubjectAccessReview each, as ``kubectl auth can-i`` asks: exact, impersonation and
    every authorizer included)."""
    asked = needs()
    answers = await asyncio.gather(
        *(
            can_i(connection, n.verb, n.kind, namespace, subresource=n.subresource or None)
            for n in asked
        ),
        return_exceptions=True,
    )
    allowed = {n: a for n, a in zip(asked, answers, strict=True) if isinstance(a, bool)}
    for answer in answers:
        if isinstance(answer, BaseException) and not isinstance(answer, Exception):
            raise answer  # cancelled: not an answer
    return Permissions(namespace, allowed)
