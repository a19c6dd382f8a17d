"""``kind: Status`` errors, shaped and worded as the Kubernetes API server sends them.

kubectl prints ``Error from server (<reason>): <message>``, so the reason and message are what a
user reads; they follow the apiserver's own wording.
"""

from __future__ import annotations

from typing import Any

from ..resources import ResourceType

REASON_BY_CODE = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    406: "NotAcceptable",
    409: "Conflict",
    410: "Expired",
    415: "UnsupportedMediaType",
    422: "Invalid",
    429: "TooManyRequests",
    500: "InternalError",
    503: "ServiceUnavailable",
    504: "Timeout",
}


class ApiError(Exception):
    """An error the API server answers with a ``kind: Status`` body."""

    def __init__(
        self,
        code: int,
        message: str,
        *,
        reason: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        # "": an error the API server has no reason for (a plain Go error), sent without one.
        self.reason = REASON_BY_CODE.get(code, "Unknown") if reason is None else reason
        self.details = details

    @classmethod
    def from_status(cls, body: dict[str, Any]) -> ApiError:
        """An error whose response is an already built ``kind: Status`` body."""
        return cls(
            int(body.get("code", 500)),
            str(body.get("message", "")),
            reason=str(body.get("reason", "")) or None,
            details=body.get("details"),
        )

    def status(self) -> dict[str, Any]:
        return status_body(self.code, self.reason, self.message, self.details)


def status_body(
    code: int, reason: str, message: str, details: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A Failure ``Status`` in metav1.Status's field order (kind, apiVersion, metadata, status,
    message, reason, details, code); empty detail fields are left out, as omitempty does."""
    body: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
    }
    if reason:
        body["reason"] = reason
    kept = _details(details)
    if kept:
        body["details"] = kept
    body["code"] = code  # last, as kube-apiserver writes it (after details)
    return body


# metav1.StatusDetails's fields in order; all omitempty.
_DETAIL_FIELDS = ("name", "group", "kind", "uid", "causes", "retryAfterSeconds")


def _details(details: dict[str, Any] | None) -> dict[str, Any]:
    if not details:
        return {}
    return {k: details[k] for k in _DETAIL_FIELDS if details.get(k)}


def success_status(details: dict[str, Any]) -> dict[str, Any]:
    """finalizeDelete's answer for a registry that does not return the deleted object (no
    code: the Status it builds leaves it zero, which omitempty drops)."""
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": _details(details),
    }


def qualified(rtype: ResourceType) -> str:
    """``pods``, ``deployments.apps``: how error messages name a resource."""
    return rtype.gr


def not_found(rtype: ResourceType, name: str) -> ApiError:
    return ApiError(
        404,
        f'{qualified(rtype)} "{name}" not found',
        details={"name": name, "group": rtype.group, "kind": rtype.plural},
    )


def already_exists(rtype: ResourceType, name: str) -> ApiError:
    return ApiError(
        409,
        f'{qualified(rtype)} "{name}" already exists',
        reason="AlreadyExists",
        details={"name": name, "group": rtype.group, "kind": rtype.plural},
    )


def conflict(rtype: ResourceType, name: str) -> ApiError:
    return ApiError(
        409,
        f'Operation cannot be fulfilled on {qualified(rtype)} "{name}": the object has been '
        "modified; please apply your changes to the latest version and try again",
        reason="Conflict",
        details={"name": name, "group": rtype.group, "kind": rtype.plural},
    )


def bad_request(message: str) -> ApiError:
    return ApiError(400, message)


def invalid(kind: str, group: str, name: str, causes: list[dict[str, Any]]) -> ApiError:
    """422 with ``details.causes``; the message lists every cause as the apiserver does."""
    qualified_kind = f"{kind}.{group}" if group else kind
    texts = [f"{c.get('field', '')}: {c.get('message', '')}" for c in causes]
    summary = texts[0] if len(texts) == 1 else "[" + ", ".join(texts) + "]"
    return ApiError(
        422,
        f'{qualified_kind} "{name}" is invalid: {summary}',
        reason="Invalid",
        details={"name": name, "group": group, "kind": kind, "causes": causes},
    )


def forbidden(
    user: str,
    verb: str,
    rtype: ResourceType,
    namespace: str | None,
    name: str | None,
    subresource: str | None,
) -> ApiError:
    resource = rtype.plural + (f"/{subresource}" if subresource else "")
    subject = f'{qualified(rtype)} "{name}"' if name else qualified(rtype)
    where = f'in the namespace "{namespace}"' if namespace else "at the cluster scope"
    return ApiError(
        403,
        f'{subject} is forbidden: User "{user}" cannot {verb} resource "{resource}" '
        f'in API group "{rtype.group}" {where}',
        details={"name": name or "", "group": rtype.group, "kind": rtype.plural},
    )


def too_large_resource_version(wanted: int, current: int) -> ApiError:
    """kube-apiserver's answer to a read at a resourceVersion it has not reached
    (storage.NewTooLargeResourceVersionError): a Timeout, retry after 1 s, whose cause says
    ``ResourceVersionTooLarge`` (how clients tell it from other timeouts)."""
    return ApiError(
        504,
        f"Timeout: Too large resource version: {wanted}, current: {current}",
        reason="Timeout",
        details={
            "causes": [
                {"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}
            ],
            "retryAfterSeconds": 1,
        },
    )
