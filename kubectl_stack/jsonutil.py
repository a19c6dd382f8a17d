"""JSON for bulk data: orjson when installed, the standard library otherwise.

orjson is a compiled extension; the krew archive runs on a host's plain python3, so every
module reads and writes JSON through here rather than importing orjson directly.
"""

from __future__ import annotations

import json
from typing import Any

try:
    import orjson as _orjson
except ImportError:  # pragma: no cover - exercised by the krew archive on hosts without it
    _orjson = None  # type: ignore[assignment]


FAST = _orjson is not None
"""Whether the compiled encoder is here (serialising is cheap enough to use as a key)."""


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


def dumps_pretty(obj: Any) -> bytes:
    """Serialise indented by two spaces (for people)."""
    if _orjson is not None:
        return _orjson.dumps(obj, option=_orjson.OPT_INDENT_2)
    return json.dumps(obj, indent=2, ensure_ascii=False).encode()
