"""Server-side field validation: the ``fieldValidation`` query parameter (``Strict``, ``Warn``
— the API server's default — or ``Ignore``) of create, update and patch.

The API server decodes a body into the kind's Go type; a field the type does not have is an
"unknown field" (k8s.io/apimachinery's strict decoding, paths as ``spec.template.spec.
containers[0].foo``). ``Strict`` refuses the request with every such field named, ``Warn``
drops them and says so in ``Warning`` headers, ``Ignore`` drops them silently. The handlers
word the refusal as kube-apiserver's do (staging/src/k8s.io/apiserver/pkg/endpoints/handlers:
``transformDecodeError`` for create and update, the patchers' ``field.Invalid`` on ``patch``).

Which fields a type has comes from the models the official Python client generates from
Kubernetes' published OpenAPI document (the ``kubernetes`` package every install has), read
lazily on the first write: their ``attribute_map`` names each JSON field, ``openapi_types``
its type. A custom resource's fields are its CRD version's structural schema's.
"""

from __future__ import annotations

import copy
import functools
import importlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import ApiError, bad_request, invalid

DIRECTIVES = ("Ignore", "Warn", "Strict")
# Group -> the client's prefix for model names that collide across groups.
_PREFIX = {"": "Core", "events.k8s.io": "Events", "rbac.authorization.k8s.io": "Rbac"}


@functools.cache
def _models() -> Any:
    return importlib.import_module("kubernetes.client.models")


@functools.cache
def model_of(api_version: str, kind: str) -> str | None:
    """The client's model name for a kind (``V1Deployment``), None when it has none."""
    group, _, version = api_version.rpartition("/")
    name = version[:1].upper() + version[1:] + kind
    models = _models()
    for candidate in (_PREFIX.get(group, "") + name, name):
        model = getattr(models, candidate, None)
        if model is not None and "kind" in getattr(model, "attribute_map", {}).values():
            return candidate
    return None


@functools.cache
def _fields(model_name: str) -> dict[str, str]:
    """JSON field name -> client type of one model."""
    model = getattr(_models(), model_name)
    return {json_key: model.openapi_types[attr] for attr, json_key in model.attribute_map.items()}


# Item type -> the keys of the associative lists (x-kubernetes-list-type: map) it is an item of,
# as Kubernetes 1.37 publishes them (``x-kubernetes-list-map-keys``), with the defaults of key
# fields an item may leave out. Server-side apply names a list item by these keys.
LIST_MAP_KEYS: dict[str, tuple[str, ...]] = {
    "V1Container": ("name",),
    "V1EphemeralContainer": ("name",),
    "V1EnvVar": ("name",),
    "V1ContainerPort": ("containerPort", "protocol"),
    "V1ServicePort": ("port", "protocol"),
    "V1Volume": ("name",),
    "V1VolumeMount": ("mountPath",),
    "V1VolumeDevice": ("devicePath",),
    "V1HostAlias": ("ip",),
    "V1LocalObjectReference": ("name",),
    "V1PodResourceClaim": ("name",),
    "V1PodSchedulingGate": ("name",),
    "V1TopologySpreadConstraint": ("topologyKey", "whenUnsatisfiable"),
    "V1OwnerReference": ("uid",),
    "V1Condition": ("type",),
    "V1PodCondition": ("type",),
    "V1DeploymentCondition": ("type",),
    "V1ReplicaSetCondition": ("type",),
    "V1StatefulSetCondition": ("type",),
    "V1DaemonSetCondition": ("type",),
    "V2HorizontalPodAutoscalerCondition": ("type",),
    "V1NamespaceCondition": ("type",),
    "V1NodeCondition": ("type",),
    "V1NodeAddress": ("type",),
    "V1PersistentVolumeClaimCondition": ("type",),
}
_KEY_DEFAULTS = {"protocol": "TCP"}


def _item(item: Any, keys: Sequence[str] | None, index: int) -> str:
    if not keys or not isinstance(item, dict):
        return f"[{index}]"
    values = {k: item.get(k, _KEY_DEFAULTS.get(k)) for k in keys}
    return "[" + ",".join(f"{k}={json.dumps(v)}" for k, v in values.items() if v is not None) + "]"


def unknown_fields(value: Any, type_name: str, path: str = "", keyed: bool = False) -> list[str]:
    """Paths of the fields of ``value`` its type does not have, in document order; each is
    removed from ``value`` (the API server's decoder drops what its type cannot hold).

    Paths are the strict decoder's (``spec.containers[0].foo``), or with ``keyed``
    structured-merge-diff's (``.spec.containers[name="app"].foo``, as server-side apply
    reports them)."""
    found: list[str] = []
    dot = "." if path or keyed else ""
    if type_name.startswith("List[") and isinstance(value, list):
        inner = type_name[5:-1]
        for i, item in enumerate(value):
            keys = LIST_MAP_KEYS.get(inner) if keyed else None
            found += unknown_fields(item, inner, path + _item(item, keys, i), keyed)
    elif type_name.startswith("Dict[") and isinstance(value, dict):
        inner = type_name[5:-1].split(", ", 1)[1]
        for key, item in value.items():
            found += unknown_fields(item, inner, f"{path}{dot}{key}", keyed)
    elif isinstance(value, dict) and hasattr(_models(), type_name):
        known = _fields(type_name)
        for key in list(value):
            where = f"{path}{dot}{key}"
            if key not in known:
                found.append(where)
                del value[key]
            else:
                found += unknown_fields(value[key], known[key], where, keyed)
    return found


def pruned_fields(
    value: Any, schema: Any, path: str = "", keyed: bool = False, root: bool = False
) -> list[str]:
    """:func:`unknown_fields` for a custom resource: what the structural schema of its CRD
    version prunes (apiextensions-apiserver's pruning: fields not among ``properties``, unless
    ``additionalProperties`` or ``x-kubernetes-preserve-unknown-fields`` keeps them; the root's
    and embedded resources' apiVersion, kind and metadata, the root's metadata as ObjectMeta)."""
    found: list[str] = []
    if not isinstance(schema, dict):
        return found
    dot = "." if path or keyed else ""
    if isinstance(value, dict):
        props = schema.get("properties") or {}
        extra = schema.get("additionalProperties")
        keep = schema.get("x-kubernetes-preserve-unknown-fields") is True or extra is True
        embedded = root or schema.get("x-kubernetes-embedded-resource") is True
        for key in list(value):
            where = f"{path}{dot}{key}"
            if embedded and key in ("apiVersion", "kind", "metadata"):
                if root and key == "metadata":
                    found += unknown_fields(value[key], "V1ObjectMeta", where, keyed)
            elif key in props:
                found += pruned_fields(value[key], props[key], where, keyed)
            elif isinstance(extra, dict):
                found += pruned_fields(value[key], extra, where, keyed)
            elif not keep:
                found.append(where)
                del value[key]
    elif isinstance(value, list):
        map_keys = schema.get("x-kubernetes-list-map-keys")
        keys = map_keys if keyed and schema.get("x-kubernetes-list-type") == "map" else None
        for i, item in enumerate(value):
            found += pruned_fields(item, schema.get("items"), path + _item(item, keys, i), keyed)
    return found


def check_apply(
    patch: Any, api_version: str, kind: str, namespace: str, name: str, schema: Any = None
) -> None:
    """Server-side apply of a configuration with fields its kind does not have (``schema``:
    a custom resource's) is always refused, whatever ``fieldValidation`` says
    (structured-merge-diff cannot make a typed patch of it): a 500 without a reason, worded as
    the field manager words it."""
    if not isinstance(patch, dict):
        return
    model = model_of(api_version, kind)
    if model is not None:
        paths = unknown_fields(copy.deepcopy(patch), model, keyed=True)
    elif schema is not None:
        paths = pruned_fields(copy.deepcopy(patch), schema, keyed=True, root=True)
    else:
        return
    if not paths:
        return
    errors = [f"{p}: field not declared in schema" for p in paths]
    text = errors[0] if len(errors) == 1 else "\n".join(["errors:", *("  " + e for e in errors)])
    group, _, version = api_version.rpartition("/")
    raise ApiError(
        500,
        f"failed to create typed patch object ({namespace}/{name}; {group}/{version}, "
        f"Kind={kind}): {text}",
        reason="",
    )


def directive(params: dict[str, str], verb: str) -> str:
    """The request's field validation directive (Warn when it names none); another value is
    refused as the API server validates its Create/Update/PatchOptions."""
    value = params.get("fieldValidation") or "Warn"
    if value not in DIRECTIVES:
        supported = ", ".join(f'"{v}"' for v in ("", *sorted(DIRECTIVES)))
        cause = {
            "reason": "FieldValueNotSupported",
            "message": f'Unsupported value: "{_go_quote(value)}": supported values: {supported}',
            "field": "fieldValidation",
        }
        raise invalid(f"{verb.capitalize()}Options", "meta.k8s.io", "", [cause])
    return value


def _message(paths: list[str]) -> str:
    return "strict decoding error: " + ", ".join(f'unknown field "{p}"' for p in paths)


@dataclass
class FieldValidation:
    """One request's directive and the warnings it collected."""

    directive: str = "Warn"
    # A custom resource's: its CRD version's openAPIV3Schema.
    schema: Any = None
    warnings: list[str] = field(default_factory=list)

    def _check(self, obj: Any, api_version: str, kind: str) -> list[str]:
        if not isinstance(obj, dict):
            return []
        model = model_of(api_version, kind)
        if model is not None:
            return unknown_fields(obj, model)
        if self.schema is not None:
            return pruned_fields(obj, self.schema, root=True)
        return []

    def decode(self, body: Any, api_version: str, kind: str) -> None:
        """A create or update body (of ``kind`` at ``api_version`` unless it says otherwise)."""
        if isinstance(body, dict):
            api_version = str(body.get("apiVersion") or api_version)
            kind = str(body.get("kind") or kind)
        paths = self._check(body, api_version, kind)
        if paths and self.directive == "Strict":
            version = api_version.rpartition("/")[2]
            raise bad_request(
                f'{kind} in version "{version}" cannot be handled as a {kind}: {_message(paths)}'
            )
        self._record(paths)

    def patched(self, obj: Any, api_version: str, kind: str, shown: str) -> None:
        """The object a patch produced; ``shown`` is how the refusal shows the patch (see
        :func:`patch_value`)."""
        paths = self._check(obj, api_version, kind)
        if paths and self.directive == "Strict":
            message = f'Invalid value: "{_go_quote(shown)}": {_message(paths)}'
            raise ApiError(
                422,
                f' "" is invalid: patch: {message}',
                reason="Invalid",
                details={
                    "causes": [
                        {"reason": "FieldValueInvalid", "message": message, "field": "patch"}
                    ]
                },
            )
        self._record(paths)

    def _record(self, paths: list[str]) -> None:
        if self.directive == "Warn":
            self.warnings += [f'unknown field "{p}"' for p in paths]

    def headers(self) -> list[tuple[str, str]]:
        """The response's ``Warning`` headers, one each (RFC 7234 code 299, as the API server
        sends them)."""
        return [("Warning", f'299 - "{_go_quote(w)}"') for w in self.warnings]


def patch_value(patch: Any, patched: Any, strategic: bool) -> str:
    """The value the API server's refusal quotes: a strategic merge patch as Go prints the
    decoded patch (``%+v`` of its map), the object a JSON or merge patch produced as the
    JSON its merge re-encodes (keys sorted, compact)."""
    if strategic:
        return go_print(patch)
    return json.dumps(patched, sort_keys=True, separators=(",", ":"))


def go_print(value: Any) -> str:
    """Go's ``%+v`` of a value ``encoding/json`` decoded into ``interface{}``."""
    if isinstance(value, dict):
        inner = " ".join(f"{k}:{go_print(value[k])}" for k in sorted(value))
        return f"map[{inner}]"
    if isinstance(value, list):
        return "[" + " ".join(go_print(v) for v in value) + "]"
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return _go_float(float(value))
    return str(value)


def _go_float(number: float) -> str:
    """``%v`` of a float64: the shortest form, exponent from 1e21 or below 1e-4."""
    if number == int(number) and abs(number) < 1e21:
        return str(int(number))
    text = repr(number)
    if "e" in text:
        mantissa, exponent = text.split("e")
        sign = "-" if exponent.startswith("-") else "+"
        return f"{mantissa}e{sign}{abs(int(exponent)):02d}"
    return text


def _go_quote(text: str) -> str:
    """The inside of Go's ``%q`` of ``text`` (ASCII text as the API server writes it)."""
    return json.dumps(text)[1:-1]
