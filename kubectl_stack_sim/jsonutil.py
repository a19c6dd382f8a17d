"""JSON for the embedded cluster: orjson when installed, the standard library otherwise.

The simulator keeps its own copy of this small wrapper so that it imports nothing from the
app (it is the app's oracle); the krew archive runs on a plain python3 without orjson.
"""

from __future__ import annotations

import json
from typing import Any

try:
    import orjson as _orjson
except ImportError:  # pragma: no cover - exercised by the krew archive on hosts without it
    _orjson = None  # type: ignore[assignment]


def loads(data: bytes | str) -> Any:
    """Parse JSON into plain dicts and lists."""
    if _orjson is not None:
        return _orjson.loads(data)
    return json.loads(data)


def dumps(obj: Any) -> bytes:
    """Serialise to compact UTF-8 JSON bytes."""
    if _orjson is not None:
        return _orjson.dumps(obj)
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()
