"""What exec, attach and port-forward share: the API server's checks before a stream is
opened, and the end of a pod's streams when the pod goes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

from aiohttp import WSMsgType, web

from ..store import Event, Store
from .errors import bad_request
from .handlers import Registry, Target

Obj = dict[str, Any]


def scheduled_pod(registry: Registry, target: Target) -> Obj:
    """The pod a stream goes to, or the API server's refusal (pkg/registry/core/pod
    strategy's streamLocation and portForwardLocation: the pod must have a node)."""
    pod = registry.get(target)
    if not (pod.get("spec") or {}).get("nodeName"):
        raise bad_request(f"pod {pod['metadata']['name']} does not have a host assigned")
    return pod


@contextmanager
def deletion(store: Store, pod: Obj) -> Iterator[asyncio.Event]:
    """An event set when ``pod`` (this uid) is deleted or already gone: the kubelet ends the
    streams of a pod it removes."""
    uid = pod["metadata"].get("uid")
    gone = asyncio.Event()

    def changed(event: Event) -> None:
        if event.type == "DELETED" and event.obj["metadata"].get("uid") == uid:
            gone.set()

    current = store.get("pods", pod["metadata"].get("namespace", ""), pod["metadata"]["name"])
    if current is None or current["metadata"].get("uid") != uid:
        gone.set()
    store.add_listener("pods", changed)
    try:
        yield gone
    finally:
        store.remove_listener("pods", changed)


async def binary_messages(ws: web.WebSocketResponse) -> AsyncIterator[bytes]:
    """The client's binary messages until it closes the connection (or it breaks); every
    streaming protocol here is binary, so other data messages are skipped."""
    while True:
        msg = await ws.receive()
        if msg.type == WSMsgType.BINARY:
            yield msg.data
        elif msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR):
            return
