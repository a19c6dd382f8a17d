"""Request bodies in Kubernetes' protobuf encoding, for the kinds kubectl's typed clients
create (``kubectl create namespace|configmap|secret|deployment|serviceaccount``).

kubectl sends those as ``application/vnd.kubernetes.protobuf`` and does not fall back to
JSON, so the server decodes them: the ``k8s\\0`` envelope (runtime.Unknown), then the object
by the field numbers of k8s.io/api's generated.proto. Fields not listed here are skipped.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from .errors import ApiError

MAGIC = b"k8s\x00"

# A field: (json name, kind, nested schema for messages). Kinds: s string, b bytes (base64),
# i varint int, ? bool, m message, ms map<string,string>, mb map<string,bytes>,
# mq map<string,Quantity>, rs repeated string, rm repeated message, ios IntOrString,
# t Time, q Quantity.
Field = tuple[str, str, "Schema | None"]
Schema = dict[int, Field]

_TIME: Schema = {}
_OWNER: Schema = {
    1: ("kind", "s", None),
    3: ("name", "s", None),
    4: ("uid", "s", None),
    5: ("apiVersion", "s", None),
    6: ("controller", "?", None),
    7: ("blockOwnerDeletion", "?", None),
}
_META: Schema = {
    1: ("name", "s", None),
    2: ("generateName", "s", None),
    3: ("namespace", "s", None),
    6: ("resourceVersion", "s", None),
    11: ("labels", "ms", None),
    12: ("annotations", "ms", None),
    13: ("ownerReferences", "rm", _OWNER),
    14: ("finalizers", "rs", None),
}
_SELECTOR_REQ: Schema = {
    1: ("key", "s", None),
    2: ("operator", "s", None),
    3: ("values", "rs", None),
}
_SELECTOR: Schema = {1: ("matchLabels", "ms", None), 2: ("matchExpressions", "rm", _SELECTOR_REQ)}
_PORT: Schema = {
    1: ("name", "s", None),
    2: ("hostPort", "i", None),
    3: ("containerPort", "i", None),
    4: ("protocol", "s", None),
    5: ("hostIP", "s", None),
}
_ENV: Schema = {1: ("name", "s", None), 2: ("value", "s", None)}
_RESOURCES: Schema = {1: ("limits", "mq", None), 2: ("requests", "mq", None)}
_CONTAINER: Schema = {
    1: ("name", "s", None),
    2: ("image", "s", None),
    3: ("command", "rs", None),
    4: ("args", "rs", None),
    5: ("workingDir", "s", None),
    6: ("ports", "rm", _PORT),
    7: ("env", "rm", _ENV),
    8: ("resources", "m", _RESOURCES),
    13: ("terminationMessagePath", "s", None),
    14: ("imagePullPolicy", "s", None),
    16: ("stdin", "?", None),
    17: ("stdinOnce", "?", None),
    18: ("tty", "?", None),
    20: ("terminationMessagePolicy", "s", None),
}
_POD_SPEC: Schema = {
    2: ("containers", "rm", _CONTAINER),
    3: ("restartPolicy", "s", None),
    4: ("terminationGracePeriodSeconds", "i", None),
    6: ("dnsPolicy", "s", None),
    7: ("nodeSelector", "ms", None),
    8: ("serviceAccountName", "s", None),
    10: ("nodeName", "s", None),
    19: ("schedulerName", "s", None),
    20: ("initContainers", "rm", _CONTAINER),
}
_TEMPLATE: Schema = {1: ("metadata", "m", _META), 2: ("spec", "m", _POD_SPEC)}
_ROLLING: Schema = {1: ("maxUnavailable", "ios", None), 2: ("maxSurge", "ios", None)}
_STRATEGY: Schema = {1: ("type", "s", None), 2: ("rollingUpdate", "m", _ROLLING)}
_DEPLOYMENT_SPEC: Schema = {
    1: ("replicas", "i", None),
    2: ("selector", "m", _SELECTOR),
    3: ("template", "m", _TEMPLATE),
    4: ("strategy", "m", _STRATEGY),
    5: ("minReadySeconds", "i", None),
    6: ("revisionHistoryLimit", "i", None),
    7: ("paused", "?", None),
    9: ("progressDeadlineSeconds", "i", None),
}
_LOCAL_REF: Schema = {1: ("name", "s", None)}

KINDS: dict[str, Schema] = {
    "Namespace": {1: ("metadata", "m", _META), 2: ("spec", "m", {1: ("finalizers", "rs", None)})},
    "ConfigMap": {
        1: ("metadata", "m", _META),
        2: ("data", "ms", None),
        3: ("binaryData", "mb", None),
        4: ("immutable", "?", None),
    },
    "Secret": {
        1: ("metadata", "m", _META),
        2: ("data", "mb", None),
        3: ("type", "s", None),
        4: ("stringData", "ms", None),
        5: ("immutable", "?", None),
    },
    "ServiceAccount": {
        1: ("metadata", "m", _META),
        3: ("imagePullSecrets", "rm", _LOCAL_REF),
        4: ("automountServiceAccountToken", "?", None),
    },
    "Deployment": {1: ("metadata", "m", _META), 2: ("spec", "m", _DEPLOYMENT_SPEC)},
}


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data):
            raise ValueError("truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def _fields(data: bytes) -> list[tuple[int, int, Any]]:
    """(field number, wire type, value) triples; length-delimited values are bytes."""
    out: list[tuple[int, int, Any]] = []
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        value: Any
        if wire == 0:
            value, pos = _varint(data, pos)
        elif wire == 2:
            length, pos = _varint(data, pos)
            value, pos = data[pos : pos + length], pos + length
        elif wire == 1:
            value, pos = data[pos : pos + 8], pos + 8
        elif wire == 5:
            value, pos = data[pos : pos + 4], pos + 4
        else:
            raise ValueError(f"unsupported wire type {wire}")
        out.append((number, wire, value))
    return out


def _signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def _map_entry(raw: bytes) -> tuple[str, bytes]:
    key, value = "", b""
    for number, _, v in _fields(raw):
        if number == 1:
            key = v.decode()
        elif number == 2:
            value = v
    return key, value


def _quantity(raw: bytes) -> str:
    return next((v.decode() for n, _, v in _fields(raw) if n == 1), "0")


def _int_or_string(raw: bytes) -> Any:
    kind, number, text = 0, 0, ""
    for n, _, v in _fields(raw):
        if n == 1:
            kind = v
        elif n == 2:
            number = _signed(v)
        elif n == 3:
            text = v.decode()
    return text if kind == 1 else number


def _time(raw: bytes) -> str | None:
    seconds = next((_signed(v) for n, _, v in _fields(raw) if n == 1), None)
    if seconds is None:
        return None
    return datetime.fromtimestamp(seconds, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# Pointer fields: present only when set, so a zero is meaningful.
_POINTERS = frozenset(
    {
        "replicas",
        "revisionHistoryLimit",
        "progressDeadlineSeconds",
        "terminationGracePeriodSeconds",
        "immutable",
        "automountServiceAccountToken",
    }
)

_SCALARS: dict[str, Callable[[Any], Any]] = {
    "s": lambda v: v.decode(),
    "b": lambda v: base64.b64encode(v).decode(),
    "i": _signed,
    "?": bool,
    "ios": _int_or_string,
    "t": _time,
    "q": _quantity,
}


def _message(raw: bytes, schema: Schema) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for number, _, value in _fields(raw):
        field = schema.get(number)
        if field is None:
            continue
        name, kind, sub = field
        if kind == "m":
            out[name] = _message(value, sub or {})
        elif kind == "rm":
            out.setdefault(name, []).append(_message(value, sub or {}))
        elif kind == "rs":
            out.setdefault(name, []).append(value.decode())
        elif kind in ("ms", "mb", "mq"):
            key, item = _map_entry(value)
            converted = {
                "ms": lambda b: b.decode(),
                "mb": lambda b: base64.b64encode(b).decode(),
                "mq": _quantity,
            }[kind](item)
            out.setdefault(name, {})[key] = converted
        else:
            decoded = _SCALARS[kind](value)
            # Go writes zero values of non-pointer fields, which JSON would have omitted.
            if decoded not in ("", None, 0, False) or name in _POINTERS:
                out[name] = decoded
    return out


def decode(body: bytes) -> dict[str, Any]:
    """The JSON form of a protobuf request body (415 for kinds not listed in :data:`KINDS`)."""
    try:
        if not body.startswith(MAGIC):
            raise ValueError("missing the k8s protobuf envelope")
        api_version = kind = ""
        raw = b""
        for number, _, value in _fields(body[len(MAGIC) :]):
            if number == 1:
                for n, _, v in _fields(value):
                    if n == 1:
                        api_version = v.decode()
                    elif n == 2:
                        kind = v.decode()
            elif number == 2:
                raw = value
        schema = KINDS.get(kind)
        if schema is None:
            raise ApiError(
                415,
                f"the protobuf encoding of {kind or 'this object'} is not supported by this "
                "server; send application/json",
                reason="UnsupportedMediaType",
            )
        obj = _message(raw, schema)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, f"unable to decode protobuf body: {exc}") from None
    return {"apiVersion": api_version, "kind": kind, **obj}
