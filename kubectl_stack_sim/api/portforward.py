"""``pods/portforward``: SPDY/3.1 tunnelled through a WebSocket, as kubectl 1.31+ dials it.

kubectl (client-go ``tools/portforward``, ``tunneling_connection.go``) sends a GET upgrading to
a WebSocket with the subprotocol ``SPDY/3.1+portforward.k8s.io`` and then speaks SPDY over
binary messages (:mod:`..spdy`). Per local connection it opens an *error* stream, then a *data*
stream, both with headers ``streamtype``, ``port`` and ``requestid``; each gets a SYN_REPLY
at once, and the pair is served as the kubelet's port-forward handler does: bytes to and from
the port, then FIN on both streams, with a message on the error stream if the port could not
be reached (kubectl then prints it and ends with ``lost connection to pod``).

Behind every ``containerPort`` (TCP) the pod's containers declare, a small HTTP/1.1 responder
answers any request with a text body naming the pod, its namespace, the container, its image,
the port and whether the container is ready; keep-alive is honoured. Nothing listens on any
other port: a connection there gets containerd's "connection refused" error. When the pod is
deleted the tunnel closes, as the kubelet's streams end with the pod.

The kubelet's own WebSocket protocol (``v4.channel.k8s.io``, the official Python client's) is
served too, by :class:`ChannelForwarder`.

As for exec, refusals before the upgrade (missing pod, no node, RBAC's ``create`` on
``pods/portforward``) are HTTP errors with a ``Status`` body.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import struct
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from .. import spdy
from .errors import ApiError, bad_request
from .handlers import Registry, Target
from .streaming import binary_messages, deletion, scheduled_pod

Obj = dict[str, Any]

TUNNEL = "SPDY/3.1+portforward.k8s.io"
CHANNEL = "v4.channel.k8s.io"
_MAX_REQUEST = 64 * 1024


@dataclass
class _Stream:
    headers: dict[str, str]
    inbound: asyncio.Queue[bytes | None] = field(default_factory=asyncio.Queue)


def sandbox_id(pod: Obj) -> str:
    """A stable stand-in for the pod's sandbox id (what the kubelet names the pod by)."""
    return hashlib.sha256(str(pod["metadata"].get("uid", "")).encode()).hexdigest()


def refused(pod: Obj, port: int) -> str:
    """containerd's error for a port nothing listens on, as the kubelet wraps it."""
    sandbox = sandbox_id(pod)
    netns = uuid.uuid5(uuid.NAMESPACE_OID, sandbox)
    return (
        f"error forwarding port {port} to pod {sandbox}, uid : failed to execute portforward "
        f'in network namespace "/var/run/netns/cni-{netns}": failed to connect to '
        f'localhost:{port} inside namespace "{sandbox}", IPv4: dial tcp4 127.0.0.1:{port}: '
        f"connect: connection refused IPv6 dial tcp6 [::1]:{port}: connect: connection refused "
    )


def listener(pod: Obj, port: int) -> Obj | None:
    """The container declaring TCP ``port``, if any."""
    for container in (pod.get("spec") or {}).get("containers") or []:
        for declared in container.get("ports") or []:
            if declared.get("containerPort") == port and declared.get("protocol", "TCP") == "TCP":
                return dict(container)
    return None


def page(pod: Obj, container: Obj, port: int) -> bytes:
    """What the responder answers: the pod, image and readiness (read when asked)."""
    name = container.get("name", "")
    statuses = (pod.get("status") or {}).get("containerStatuses") or []
    ready = any(s.get("name") == name and s.get("ready") for s in statuses)
    meta = pod["metadata"]
    return (
        f"pod: {meta['name']}\nnamespace: {meta.get('namespace', '')}\ncontainer: {name}\n"
        f"image: {container.get('image', '')}\nport: {port}\nready: {str(ready).lower()}\n"
    ).encode()


def _response(status: str, body: bytes, *, close: bool, head: bool = False) -> bytes:
    headers = [
        f"HTTP/1.1 {status}",
        "Content-Type: text/plain; charset=utf-8",
        f"Content-Length: {len(body)}",
    ]
    if close:
        headers.append("Connection: close")
    return ("\r\n".join(headers) + "\r\n\r\n").encode() + (b"" if head else body)


def _request(buffer: bytes) -> tuple[str, bool, int] | None:
    """(method, keep-alive, bytes used) of the first complete request in ``buffer``; None:
    incomplete. Raises ValueError for what is not HTTP/1.x."""
    end = buffer.find(b"\r\n\r\n")
    if end < 0:
        if len(buffer) > _MAX_REQUEST:
            raise ValueError("request too large")
        return None
    lines = buffer[:end].decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise ValueError("malformed request line")
    headers = {}
    for line in lines[1:]:
        key, sep, value = line.partition(":")
        if not sep:
            raise ValueError("malformed header")
        headers[key.strip().lower()] = value.strip().lower()
    length = int(headers.get("content-length", "0") or 0)
    if not 0 <= length <= _MAX_REQUEST:
        raise ValueError("bad content length")
    if len(buffer) < end + 4 + length:
        return None
    connection = headers.get("connection", "")
    keep = "close" not in connection and (parts[2] == "HTTP/1.1" or "keep-alive" in connection)
    return parts[0], keep, end + 4 + length


async def respond(
    inbound: asyncio.Queue[bytes | None],
    send: Callable[[bytes], Awaitable[None]],
    current: Callable[[], Obj | None],
    container: Obj,
    port: int,
) -> None:
    """The HTTP/1.1 responder behind ``port``: requests from ``inbound`` (None: the client
    closed), answers through ``send``, until the client closes or asks to."""
    buffer = b""
    while (chunk := await inbound.get()) is not None:
        buffer += chunk
        while True:
            try:
                parsed = _request(buffer)
            except ValueError:
                await send(_response("400 Bad Request", b"400 Bad Request", close=True))
                return
            if parsed is None:
                break
            method, keep, used = parsed
            buffer = buffer[used:]
            pod = current()
            if pod is None:
                return
            body = page(pod, container, port)
            await send(_response("200 OK", body, close=not keep, head=method == "HEAD"))
            if not keep:
                return


class _Forwarder:
    """One port-forward connection to a pod: what both protocols share."""

    def __init__(self, ws: web.WebSocketResponse, registry: Registry, pod: Obj) -> None:
        self.ws = ws
        self.registry = registry
        self.namespace = pod["metadata"].get("namespace", "")
        self.name = pod["metadata"]["name"]
        self.uid = pod["metadata"].get("uid")
        self.tasks: set[asyncio.Task[None]] = set()
        self._lock = asyncio.Lock()

    def current(self) -> Obj | None:
        """The pod now, None once it is gone (the same name with another uid is another pod)."""
        pod = self.registry.store.get("pods", self.namespace, self.name)
        if pod is None or pod["metadata"].get("uid") != self.uid:
            return None
        return pod

    def target(self, port: int) -> tuple[Obj | None, str]:
        """(the container listening on ``port``, "") or (None, the kubelet's error)."""
        pod = self.current()
        if pod is None:
            return None, f"error forwarding port {port} to pod {self.name}: pod not found"
        container = listener(pod, port)
        return (container, "") if container is not None else (None, refused(pod, port))

    async def send(self, message: bytes) -> None:
        async with self._lock:
            if not self.ws.closed:
                with contextlib.suppress(ConnectionError):
                    await self.ws.send_bytes(message)

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(work)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _watch_pod(self) -> None:
        """Close the connection when the pod is gone (the kubelet's streams end with it)."""
        pod = self.current()
        if pod is not None:
            with deletion(self.registry.store, pod) as gone:
                await gone.wait()
        await self.ws.close()


class Forwarder(_Forwarder):
    """One tunnel: the SPDY session and the port requests on it."""

    def __init__(self, ws: web.WebSocketResponse, registry: Registry, pod: Obj) -> None:
        super().__init__(ws, registry, pod)
        self.session = spdy.Session()
        self.streams: dict[int, _Stream] = {}
        self.pairs: dict[str, dict[str, int]] = {}

    async def run(self) -> None:
        watcher = asyncio.ensure_future(self._watch_pod())
        try:
            async for data in binary_messages(self.ws):
                try:
                    frames = self.session.feed(data)
                except spdy.ProtocolError:
                    await self.send(self.session.goaway_frame(0))
                    break
                for frame in frames:
                    if not await self._frame(frame):
                        return
        finally:
            watcher.cancel()
            for task in list(self.tasks):
                task.cancel()
            await self.ws.close()

    async def _frame(self, frame: spdy.Frame) -> bool:
        if frame.kind == spdy.SYN_STREAM:
            await self._open(frame)
        elif frame.kind == 0:
            stream = self.streams.get(frame.stream_id)
            if stream is not None:
                if frame.data:
                    stream.inbound.put_nowait(frame.data)
                if frame.flags & spdy.FLAG_FIN:
                    stream.inbound.put_nowait(None)
        elif frame.kind == spdy.RST_STREAM:
            stream = self.streams.get(frame.stream_id)
            if stream is not None:
                stream.inbound.put_nowait(None)
        elif frame.kind == spdy.PING:
            await self.send(self.session.ping_frame(frame))
        elif frame.kind == spdy.GOAWAY:
            return False
        return True

    async def _open(self, frame: spdy.Frame) -> None:
        headers = frame.headers
        kind = headers.get("streamtype", "")
        if kind not in ("error", "data"):
            await self.send(self.session.reset_frame(frame.stream_id, spdy.PROTOCOL_ERROR))
            return
        self.streams[frame.stream_id] = _Stream(headers)
        await self.send(self.session.reply_frame(frame.stream_id))
        pair = self.pairs.setdefault(headers.get("requestid", ""), {})
        pair[kind] = frame.stream_id
        if "error" in pair and "data" in pair:
            del self.pairs[headers.get("requestid", "")]
            self.spawn(self._forward(headers.get("port", ""), pair))

    async def _forward(self, port_text: str, pair: dict[str, int]) -> None:
        data_id, error_id = pair["data"], pair["error"]
        try:
            port = int(port_text)
            if not 0 < port < 65536:
                raise ValueError
        except ValueError:
            message = f'encountered error parsing port "{port_text}"'
        else:
            container, message = self.target(port)
            if container is not None:

                async def send(data: bytes) -> None:
                    await self.send(self.session.data_frame(data_id, data))

                inbound = self.streams[data_id].inbound
                await respond(inbound, send, self.current, container, port)
        await self.send(self.session.data_frame(data_id, b"", fin=True))
        if message:
            await self.send(self.session.data_frame(error_id, message.encode()))
        await self.send(self.session.data_frame(error_id, b"", fin=True))
        # Both streams are done on this side; a long forward must not keep them all.
        self.streams.pop(data_id, None)
        self.streams.pop(error_id, None)


class ChannelForwarder(_Forwarder):
    """The kubelet's WebSocket port-forward (``v4.channel.k8s.io``, what the official Python
    client speaks): the ``ports`` of the query, channel 2i carrying port i's data and 2i+1
    its error, each opened by the port number (2 bytes, little-endian)."""

    def __init__(
        self, ws: web.WebSocketResponse, registry: Registry, pod: Obj, ports: list[int]
    ) -> None:
        super().__init__(ws, registry, pod)
        self.ports = ports
        self.inbound: list[asyncio.Queue[bytes | None]] = [asyncio.Queue() for _ in ports]

    async def run(self) -> None:
        for index, port in enumerate(self.ports):
            for channel in (2 * index, 2 * index + 1):
                await self.send(bytes([channel]) + struct.pack("<H", port))
        served = [asyncio.ensure_future(self._serve(i, p)) for i, p in enumerate(self.ports)]
        reader = asyncio.ensure_future(self._read())
        watcher = asyncio.ensure_future(self._watch_pod())
        try:
            await asyncio.gather(*served)
        finally:
            for task in (*served, reader, watcher):
                task.cancel()
            await self.ws.close()

    async def _read(self) -> None:
        try:
            async for data in binary_messages(self.ws):
                channel = data[0] if data else -1
                if channel % 2 == 0 and channel // 2 < len(self.ports):
                    self.inbound[channel // 2].put_nowait(data[1:])
        finally:
            for queue in self.inbound:
                queue.put_nowait(None)

    async def _serve(self, index: int, port: int) -> None:
        container, message = self.target(port)
        if container is None:
            await self.send(bytes([2 * index + 1]) + message.encode())
            return

        async def send(data: bytes) -> None:
            await self.send(bytes([2 * index]) + data)

        await respond(self.inbound[index], send, self.current, container, port)


def _ports(request: web.Request) -> list[int]:
    """The ``ports`` of the query, or the kubelet's refusal (portforward NewV4Options)."""
    texts = [p for value in request.query.getall("ports", []) for p in value.split(",") if p]
    if not texts:
        raise bad_request('query parameter "port" is required')
    ports = []
    for text in texts:
        try:
            port = int(text)
        except ValueError:
            raise bad_request(f'unable to parse "{text}" as a port') from None
        if not 0 < port < 65536:
            raise bad_request(f'port "{port}" must be > 0')
        ports.append(port)
    return ports


async def serve(request: web.Request, registry: Registry, target: Target) -> web.StreamResponse:
    """port-forward to ``target`` (a pod's subresource)."""
    pod = scheduled_pod(registry, target)
    ws = web.WebSocketResponse(protocols=(TUNNEL, CHANNEL), autoping=True)
    ready = ws.can_prepare(request)
    if not ready.ok:
        raise ApiError(
            400,
            f"the embedded cluster serves port-forward over WebSocket ({TUNNEL}) only, "
            "not over a SPDY upgrade",
        )
    if ready.protocol is None:
        raise bad_request(
            f"unable to negotiate a port-forward protocol: the server supports {TUNNEL}, {CHANNEL}"
        )
    if ready.protocol == CHANNEL:
        ports = _ports(request)
        await ws.prepare(request)
        await ChannelForwarder(ws, registry, pod, ports).run()
        return ws
    await ws.prepare(request)
    await Forwarder(ws, registry, pod).run()
    return ws
