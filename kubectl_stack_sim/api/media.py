"""Content negotiation: which representation a client asked for in ``Accept``."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from .. import jsonutil
from .errors import ApiError


class Form(Enum):
    JSON = "json"
    TABLE = "table"
    META = "meta"  # PartialObjectMetadata / PartialObjectMetadataList


@dataclass(frozen=True)
class Negotiated:
    form: Form
    content_type: str


JSON_TYPE = "application/json"


def negotiate(accept: str | None) -> Negotiated:
    """The first representation in ``Accept`` the server can produce (406 if none)."""
    if not accept or not accept.strip():
        return Negotiated(Form.JSON, JSON_TYPE)
    for part in accept.split(","):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        params = {}
        for f in fields[1:]:
            key, _, value = f.partition("=")
            params[key.strip()] = value.strip()
        if media not in ("application/json", "application/*", "*/*"):
            continue
        kind = params.get("as")
        if kind is None:
            return Negotiated(Form.JSON, JSON_TYPE)
        if params.get("g") != "meta.k8s.io" or params.get("v") not in ("v1", "v1beta1"):
            continue
        if kind == "Table":
            return Negotiated(
                Form.TABLE, f"application/json;as=Table;v={params['v']};g=meta.k8s.io"
            )
        if kind in ("PartialObjectMetadata", "PartialObjectMetadataList"):
            return Negotiated(
                Form.META, f"application/json;as={kind};v={params['v']};g=meta.k8s.io"
            )
    raise ApiError(406, f"only the following media types are accepted: {JSON_TYPE}")


def partial_metadata(obj: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": obj.get("metadata") or {},
    }


def decode_body(raw: bytes, content_type: str) -> Any:
    """A request body as JSON (or YAML); malformed input is a 400 as kube words it."""
    if not raw.strip():
        raise ApiError(400, "the body of the request was empty")
    if "yaml" in content_type:
        import yaml

        try:
            return yaml.safe_load(raw)
        except yaml.YAMLError as exc:
            raise ApiError(400, f"error converting YAML to JSON: {exc}") from None
    try:
        return jsonutil.loads(raw)
    except ValueError as exc:
        raise ApiError(400, f"couldn't get version/kind; json parse error: {exc}") from None
