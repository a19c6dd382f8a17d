"""Protobuf bodies of the self-subject reviews ``kubectl auth can-i`` sends.

kubectl's typed authorization client posts SelfSubjectAccessReview and SelfSubjectRulesReview
as ``application/vnd.kubernetes.protobuf``. Only their ``spec`` matters (the server writes
the status), so a small field table reads it with the wire helpers of :mod:`.protobuf`.
"""

from __future__ import annotations

from typing import Any

from . import protobuf
from .errors import ApiError

# message -> field number -> JSON name, or (JSON name, nested message)
_MESSAGES: dict[str, dict[int, str | tuple[str, str]]] = {
    "SelfSubjectAccessReview": {2: ("spec", "SelfSubjectAccessReviewSpec")},
    "SelfSubjectAccessReviewSpec": {
        1: ("resourceAttributes", "ResourceAttributes"),
        2: ("nonResourceAttributes", "NonResourceAttributes"),
    },
    "ResourceAttributes": {
        1: "namespace",
        2: "verb",
        3: "group",
        4: "version",
        5: "resource",
        6: "subresource",
        7: "name",
    },
    "NonResourceAttributes": {1: "path", 2: "verb"},
    "SelfSubjectRulesReview": {2: ("spec", "SelfSubjectRulesReviewSpec")},
    "SelfSubjectRulesReviewSpec": {1: "namespace"},
}


def _message(buf: bytes, name: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for number, wire, value in protobuf._read_fields(buf):
        field = _MESSAGES[name].get(number)
        if field is None:
            continue
        if isinstance(field, tuple):
            out[field[0]] = _message(protobuf._bytes_of(wire, value, field[0]), field[1])
        else:
            text = protobuf._bytes_of(wire, value, field).decode("utf-8", "replace")
            if text:
                out[field] = text
    return out


def decode(data: bytes, kind: str) -> dict[str, Any]:
    """The JSON form of a protobuf review body of ``kind`` (its spec; status is dropped).

    Raises ApiError 400 for bytes that are not a well-formed review of that kind."""
    if not data.startswith(protobuf.MAGIC):
        raise ApiError(400, "the object provided is unrecognized: not a protobuf message")
    try:
        api_version, sent_kind, body, _ = protobuf._envelope(data[len(protobuf.MAGIC) :])
        if sent_kind != kind:
            raise ApiError(400, f"the object provided is unrecognized: expected {kind}")
        return {"kind": kind, "apiVersion": api_version, **_message(body, kind)}
    except protobuf._Malformed as exc:
        raise ApiError(400, f"the object provided is unrecognized: {exc}") from None
