"""``pods/exec`` and ``pods/attach`` over WebSocket, as kubectl 1.29+ speaks them first.

The protocol (``v5.channel.k8s.io``, and ``v4.channel.k8s.io`` without the close signal) is
the one the API server's stream translator serves (apimachinery ``util/remotecommand``,
client-go ``tools/remotecommand/websocket.go``): binary messages whose first byte names the
channel -- 0 stdin, 1 stdout, 2 stderr, 3 error, 4 resize (``{"Width":W,"Height":H}``) -- and,
in v5, ``[255, channel]`` to close a channel (kubectl closes stdin at its end of input). The
process ends with one ``metav1.Status`` on the error channel (``Success``, or ``Failure`` with
reason ``NonZeroExitCode`` and an ``ExitCode`` cause, which kubectl turns into its own exit
code), then a normal close.

What the API server refuses before upgrading (a missing pod, an invalid container, a pod
without a node, RBAC's ``create`` on the subresource) is an HTTP error with a ``Status`` body,
which kubectl 1.37 prints as ``unable to upgrade connection: <message>`` without retrying over
SPDY. A container that is not running fails after the upgrade, with the error the stream
translator relays from the kubelet. The sim serves these streams over WebSocket only; a SPDY
upgrade that gets past those checks is refused.

``exec`` runs the container's built-in shell (:mod:`..shell`), killed (exit code 137) if the
pod is deleted meanwhile; ``attach`` streams what the container prints from then on (its new
log lines) until the client goes or the container ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .. import container as containers
from ..deadline import timeout
from ..shell import LineDiscipline, Output, Shell
from .errors import ApiError, bad_request
from .handlers import Registry, Target
from .logs import choose_container
from .streaming import binary_messages, deletion, scheduled_pod

Obj = dict[str, Any]

V5 = "v5.channel.k8s.io"
V4 = "v4.channel.k8s.io"
STDIN, STDOUT, STDERR, ERROR, RESIZE, CLOSE = 0, 1, 2, 3, 4, 255
_FILTERS = ("cat", "grep", "head", "wc", "sort")


@dataclass(frozen=True)
class Options:
    """PodExecOptions / PodAttachOptions from the query."""

    container: str
    command: tuple[str, ...]
    stdin: bool
    stdout: bool
    stderr: bool
    tty: bool


def _flag(request: web.Request, name: str) -> bool:
    return request.query.get(name, "") in ("1", "true", "True")


def _options(request: web.Request) -> Options:
    return Options(
        container=request.query.get("container", ""),
        command=tuple(request.query.getall("command", [])),
        stdin=_flag(request, "stdin"),
        stdout=_flag(request, "stdout"),
        stderr=_flag(request, "stderr"),
        tty=_flag(request, "tty"),
    )


def running(pod: Obj, container: str) -> bool:
    status = pod.get("status") or {}
    every = (
        (status.get("containerStatuses") or [])
        + (status.get("initContainerStatuses") or [])
        + (status.get("ephemeralContainerStatuses") or [])
    )
    return any(
        s.get("name") == container and (s.get("state") or {}).get("running") is not None
        for s in every
    )


def internal_error(message: str) -> Obj:
    """apierrors.NewInternalError as the translator writes it on the error channel."""
    return {
        "metadata": {},
        "status": "Failure",
        "message": f"Internal error occurred: {message}",
        "reason": "InternalError",
        "details": {"causes": [{"message": message}]},
        "code": 500,
    }


def exit_status(command: tuple[str, ...], code: int) -> Obj:
    """The Status that ends a process: Success, or the kubelet's NonZeroExitCode."""
    if code == 0:
        return {"metadata": {}, "status": "Success"}
    return {
        "metadata": {},
        "status": "Failure",
        "message": "command terminated with non-zero exit code: error executing command "
        f"[{' '.join(command)}], exit code {code}",
        "reason": "NonZeroExitCode",
        "details": {"causes": [{"reason": "ExitCode", "message": str(code)}]},
    }


class Channels:
    """One upgraded connection: writes to channels, reads stdin and resizes."""

    def __init__(self, ws: web.WebSocketResponse, options: Options) -> None:
        self.ws = ws
        self.options = options
        self.v5 = ws.ws_protocol == V5
        self.stdin: asyncio.Queue[bytes | None] = asyncio.Queue()
        self.size = (0, 0)
        self.resized = asyncio.Event()
        self.gone = asyncio.Event()

    async def read_loop(self) -> None:
        """Demultiplex the client's messages until it closes the connection."""
        try:
            async for data in binary_messages(self.ws):
                if not data:
                    continue
                channel, payload = data[0], data[1:]
                if channel == STDIN:
                    if payload:
                        self.stdin.put_nowait(payload)
                elif channel == RESIZE:
                    self._resize(payload)
                elif channel == CLOSE and self.v5 and payload[:1] == bytes([STDIN]):
                    self.stdin.put_nowait(None)
        finally:
            self.gone.set()
            self.stdin.put_nowait(None)

    def _resize(self, payload: bytes) -> None:
        try:
            size = json.loads(payload)
            self.size = (int(size.get("Height", 0)), int(size.get("Width", 0)))
        except (ValueError, TypeError, AttributeError):
            return
        self.resized.set()

    async def write(self, fd: int, data: bytes) -> None:
        if not data or self.ws.closed:
            return
        if self.options.tty:
            data = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
            channel = STDOUT if self.options.stdout else -1
        elif fd == 1:
            channel = STDOUT if self.options.stdout else -1
        else:
            channel = STDERR if self.options.stderr else -1
        if channel >= 0:
            with contextlib.suppress(ConnectionError):
                await self.ws.send_bytes(bytes([channel]) + data)

    async def emit(self, out: Output) -> None:
        for fd, data in out.chunks:
            await self.write(fd, data)

    async def finish(self, status: Obj) -> None:
        if not self.ws.closed:
            with contextlib.suppress(ConnectionError):
                await self.ws.send_bytes(bytes([ERROR]) + json.dumps(status).encode())
        await self.ws.close()


def _reads_stdin(argv: tuple[str, ...]) -> bool:
    """Whether the command reads its standard input to the end before answering (a filter
    given no file operand)."""
    if not argv:
        return False
    name = argv[0].rsplit("/", 1)[-1]
    operands = [a for a in argv[1:] if not a.startswith("-")]
    if name == "grep":
        operands = operands[1:]
    return name in _FILTERS and not operands


async def _read_all(stdin: asyncio.Queue[bytes | None]) -> bytes:
    chunks = []
    while (data := await stdin.get()) is not None:
        chunks.append(data)
    return b"".join(chunks)


async def _interactive(shell: Shell, io: Channels) -> None:
    """An interactive shell: lines from stdin (through the tty's line discipline when there
    is one, with its prompt and echo) until ``exit`` or the end of input."""
    tty = io.options.tty
    discipline = LineDiscipline()
    pending = b""
    if tty:
        await io.write(1, shell.prompt.encode())
    while shell.exited is None:
        data = await io.stdin.get()
        shell.size = io.size
        if data is None:
            if pending.strip() and not tty:
                await io.emit(shell.run_line(pending.decode("utf-8", "replace")))
            break
        if tty:
            echo, events = discipline.feed(data)
            await io.write(1, echo)
            for event in events:
                if event is None:
                    shell.exited = shell.status
                    break
                shell.size = io.size
                await io.emit(shell.run_line(event))
                if shell.exited is not None:
                    break
                await io.write(1, shell.prompt.encode())
            continue
        pending += data
        while b"\n" in pending and shell.exited is None:
            line, pending = pending.split(b"\n", 1)
            await io.emit(shell.run_line(line.decode("utf-8", "replace")))


def not_executable(name: str) -> Obj:
    """containerd's refusal to start a program the image does not have."""
    reason = (
        f"stat {name}: no such file or directory"
        if "/" in name
        else "executable file not found in $PATH"
    )
    return internal_error(
        "error executing command in container: failed to exec in container: failed to start "
        f"exec: OCI runtime exec failed: exec failed: unable to start container process: exec: "
        f'"{name}": {reason}: unknown'
    )


async def _exec(io: Channels, box: containers.Container) -> Obj:
    """Run the command; the Status that ends it."""
    options = io.options
    shell = Shell(box, tty=options.tty)
    if not shell.executable(options.command[0]):
        return not_executable(options.command[0])
    if options.tty and io.size == (0, 0):
        # kubectl sends the terminal's size right after the upgrade.
        with contextlib.suppress(asyncio.TimeoutError):
            async with timeout(0.5):
                await io.resized.wait()
    shell.size = io.size
    stdin = b""
    if options.stdin and _reads_stdin(options.command):
        stdin = await _read_all(io.stdin)
    await io.emit(shell.run_argv(list(options.command), stdin))
    if shell.interactive and options.stdin:
        await _interactive(shell, io)
    code = shell.exited if shell.exited is not None else shell.status
    return exit_status(options.command, code)


async def _attach(io: Channels, registry: Registry, pod: Obj, container: str) -> None:
    """The container's output from now on, until the client goes or the container ends."""
    meta = pod["metadata"]
    statuses = (pod.get("status") or {}).get("containerStatuses") or []
    restarts = next(
        (int(s.get("restartCount") or 0) for s in statuses if s.get("name") == container), 0
    )
    key = (meta.get("namespace", ""), meta["name"], container)
    logs = registry.cluster.logs
    queue = logs.follow(key, restarts)
    if queue is None:
        return
    gone = asyncio.ensure_future(io.gone.wait())
    try:
        while True:
            line = asyncio.ensure_future(queue.get())
            done, _ = await asyncio.wait({line, gone}, return_when=asyncio.FIRST_COMPLETED)
            if line not in done:
                line.cancel()
                break
            item = line.result()
            if item is None:
                break
            await io.write(1, (item.text + "\n").encode())
    finally:
        gone.cancel()
        logs.unfollow(key, restarts, queue)


async def serve(request: web.Request, registry: Registry, target: Target) -> web.StreamResponse:
    """exec or attach of ``target`` (a pod's subresource)."""
    options = _options(request)
    pod = registry.get(target)
    container = choose_container(pod, options.container)
    scheduled_pod(registry, target)
    attach = target.subresource == "attach"
    if not attach and not options.command:
        raise bad_request("you must specify at least 1 command")
    if not (options.stdin or options.stdout or options.stderr):
        raise bad_request("you must specify at least 1 of stdin, stdout, stderr")
    ws = web.WebSocketResponse(protocols=(V5, V4), autoping=True)
    ready = ws.can_prepare(request)
    if not ready.ok:
        raise ApiError(
            400,
            "the embedded cluster serves exec and attach over WebSocket "
            f"({V5}) only, not over SPDY",
        )
    if ready.protocol is None:
        raise bad_request(
            f"unable to negotiate a streaming protocol: the server supports {V5}, {V4}"
        )
    await ws.prepare(request)
    io = Channels(ws, options)
    reader = asyncio.ensure_future(io.read_loop())
    try:
        if not running(pod, container):
            message = f'unable to upgrade connection: container not found ("{container}")'
            await io.finish(internal_error(message))
            return ws
        if attach:
            await _attach(io, registry, pod, container)
            await io.finish(exit_status(options.command, 0))
            return ws
        box = containers.build(registry.store, pod, container)
        with deletion(registry.store, pod) as gone:
            process = asyncio.ensure_future(_exec(io, box))
            killed = asyncio.ensure_future(gone.wait())
            await asyncio.wait({process, killed}, return_when=asyncio.FIRST_COMPLETED)
            killed.cancel()
            if not process.done():
                # The container went with its pod: the runtime killed the process (SIGKILL).
                process.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await process
                await io.finish(exit_status(options.command, 137))
                return ws
        await io.finish(process.result())
        return ws
    finally:
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader
