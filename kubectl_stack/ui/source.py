"""The app's one door to the cluster: the data layer's connection, store and actions behind
the few calls the screens make. Screens never talk HTTP and never import ``kube`` directly.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..options import ConnectionOptions, Options

Key = tuple[str, str]


class ConnectError(Exception):
    """The cluster could not be reached or the kubeconfig is unusable; ``str()`` is the one
    line to show."""


@dataclass(frozen=True)
class Result:
    """What a mutating action did: ``message`` is the server's own words on failure."""

    ok: bool
    message: str
