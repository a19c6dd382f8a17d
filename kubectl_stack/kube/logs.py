"""Log streams: one container, or every pod of a Deployment, as ``kubectl logs`` reads them.

A :class:`LogStream` is an async iterator of :class:`LogLine` and :class:`LogNotice` items.
Notices make stream life visible: which container was chosen by default, a stream opening,
ending, reconnecting, or failing. For a Deployment every pod is followed (lines prefixed
``[pod/<name>/<container>]`` as ``kubectl logs --prefix``), pods that appear later join, and
at most ``max_streams`` requests are open at once (kubectl's ``--max-log-requests``).

Memory is bounded: the queue holds at most ``max_buffered`` items; when the reader falls
behind, the oldest are dropped and a notice says how many.

A followed stream that ends while its pod still exists is reopened from the last timestamp
seen (lines already delivered are not repeated), so container restarts continue the stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections import deque
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from . import kinds as K
from .connection import ApiError, Connection, ConnectionFailed
from .store import ClusterState

DEFAULT_CONTAINER = "kubectl.kubernetes.io/default-container"
NoticeKind = Literal["defaulted", "opened", "ended", "reconnecting", "error", "dropped", "waiting"]


@dataclass(frozen=True)
class LogLine:
    pod: str
    container: str
    text: str
    timestamp: str = ""  # RFC 3339 from the kubelet, when asked for timestamps

    @property
    def prefix(self) -> str:
        return f"[pod/{self.pod}/{self.container}]"


@dataclass(frozen=True)
class LogNotice:
    kind: NoticeKind
    message: str
    pod: str = ""
    container: str = ""


LogItem = LogLine | LogNotice


@dataclass(frozen=True)
class LogOptions:
    """kubectl logs flags. ``tail`` None = all lines; ``since`` seconds."""

    container: str | None = None
    all_containers: bool = False
    follow: bool = True
    tail: int | None = None
    since: int | None = None
    previous: bool = False
    timestamps: bool = False


def choose_container(pod: Mapping[str, Any], wanted: str | None) -> tuple[str | None, str]:
    """kubectl's container choice: the asked one, else the default-container annotation,
    else the only or first container. Returns (container, notice or "")."""
    spec = pod.get("spec") or {}
    names = [str(c.get("name")) for c in spec.get("containers") or () if isinstance(c, dict)]
    if wanted:
        return wanted, ""
    annotations = (pod.get("metadata") or {}).get("annotations") or {}
    annotated = annotations.get(DEFAULT_CONTAINER)
    if annotated and annotated in names:
        return annotated, ""
    if not names:
        return None, ""
    if len(names) == 1:
        return names[0], ""
    inits = [
        f"{c.get('name')} (init)" for c in spec.get("initContainers") or () if isinstance(c, dict)
    ]
    pod_name = (pod.get("metadata") or {}).get("name")
    notice = (
        f'Defaulted container "{names[0]}" out of: {", ".join(names + inits)}' if pod_name else ""
    )
    return names[0], notice


def _split_timestamp(line: str) -> tuple[str, str]:
    stamp, sep, rest = line.partition(" ")
    if sep and len(stamp) >= 20 and stamp[4] == "-" and stamp[10] == "T":
        return stamp, rest
    return "", line


class LogStream:
    """See the module docstring. Create, then ``start()``; iterate; ``stop()`` when done."""

    def __init__(
        self,
        connection: Connection,
        namespace: str,
        *,
        pod: str | None = None,
        deployment: str | None = None,
        state: ClusterState | None = None,
        options: LogOptions | None = None,
        max_streams: int = 5,
        max_buffered: int = 10_000,
        reconnect_delay: float = 1.0,
    ) -> None:
        if (pod is None) == (deployment is None):
            raise ValueError("give exactly one of pod or deployment")
        if deployment is not None and state is None:
            raise ValueError("following a Deployment needs the ClusterState to find its pods")
        self.connection = connection
        self.namespace = namespace
        self.pod = pod
        self.deployment = deployment
        self.state = state
        self.options = options or LogOptions()
        self.reconnect_delay = reconnect_delay
        self.max_streams = max_streams
        self._slots = asyncio.Semaphore(max_streams)
        self._buffer: deque[LogItem] = deque()
        self._max_buffered = max_buffered
        self._dropped = 0
        self._wake = asyncio.Event()
        self._tasks: dict[tuple[str, str], asyncio.Task[None]] = {}
        self._unsubscribe: Any = None
        self._closed = False

    # -- delivery --------------------------------------------------------------------------
    def _put(self, item: LogItem) -> None:
        if len(self._buffer) >= self._max_buffered:
            self._buffer.popleft()
            self._dropped += 1
        self._buffer.append(item)
        self._wake.set()

    async def __aiter__(self) -> AsyncIterator[LogItem]:
        while True:
            if self._dropped:
                dropped, self._dropped = self._dropped, 0
                yield LogNotice("dropped", f"{dropped} lines dropped: reader fell behind")
            while self._buffer:
                yield self._buffer.popleft()
            if self._closed or (not self._tasks and not self._following_deployment()):
                return
            self._wake.clear()
            await self._wake.wait()

    def _following_deployment(self) -> bool:
        return self.deployment is not None and self.options.follow and not self._closed

    # -- pods ------------------------------------------------------------------------------
    def _deployment_pods(self) -> list[Mapping[str, Any]]:
        assert self.state is not None and self.deployment is not None
        dep = self.state.get("deployments", self.namespace, self.deployment)
        if dep is None:
            return []
        dep_uid = (dep.get("metadata") or {}).get("uid")
        rs_uids = {
            (rs.get("metadata") or {}).get("uid")
            for (ns, _), rs in self.state.objects("replicasets").items()
            if ns == self.namespace and _controller_uid(rs) == dep_uid
        }
        return [
            p
            for (ns, _), p in self.state.objects("pods").items()
            if ns == self.namespace and _controller_uid(p) in rs_uids
        ]

    def _sources(self, pod: Mapping[str, Any]) -> list[str]:
        if self.options.all_containers:
            spec = pod.get("spec") or {}
            return [
                str(c.get("name"))
                for group in ("initContainers", "containers")
                for c in spec.get(group) or ()
                if isinstance(c, dict)
            ]
        container, notice = choose_container(pod, self.options.container)
        if notice:
            self._put(LogNotice("defaulted", notice, _name(pod)))
        return [container] if container else []

    def _attach(self, pod: Mapping[str, Any]) -> None:
        for container in self._sources(pod):
            key = (_name(pod), container)
            if key not in self._tasks:
                task = asyncio.create_task(self._follow(key[0], container))
                self._tasks[key] = task
                task.add_done_callback(functools.partial(self._finished, key))

    def _finished(self, key: tuple[str, str], _task: asyncio.Task[None]) -> None:
        self._tasks.pop(key, None)
        self._wake.set()

    async def start(self) -> None:
        """Open the streams (returns at once; items arrive through iteration)."""
        if self.pod is not None:
            try:
                pod = await self.connection.get_json(K.PODS.path(self.namespace, self.pod))
            except (ApiError, ConnectionFailed) as exc:
                self._put(LogNotice("error", _message(exc), self.pod))
                self._closed = True
                self._wake.set()
                return
            self._attach(pod)
            return
        assert self.state is not None
        self._on_change(0)
        if self.options.follow:
            self._unsubscribe = self.state.subscribe(self._on_change)

    def _on_change(self, _version: int) -> None:
        """Join every pod of the Deployment that has started (Pending ones have no logs)."""
        if self._closed:
            return
        for pod in self._deployment_pods():
            if (pod.get("status") or {}).get("phase") != "Pending":
                self._attach(pod)

    # -- one container ---------------------------------------------------------------------
    def _pod_gone(self, pod: str) -> bool:
        if self.state is None:
            return False
        return self.state.get("pods", self.namespace, pod) is None

    async def _follow(self, pod: str, container: str) -> None:
        opts = self.options
        last_stamp = ""
        first = True
        delay = self.reconnect_delay
        while True:
            params = {"container": container, "timestamps": "true"}
            if opts.follow:
                params["follow"] = "true"
            if opts.previous:
                params["previous"] = "true"
            if first:
                if opts.tail is not None:
                    params["tailLines"] = str(opts.tail)
                if opts.since is not None:
                    params["sinceSeconds"] = str(opts.since)
            elif last_stamp:
                params["sinceTime"] = last_stamp
            before = last_stamp
            if self._slots.locked():
                self._put(
                    LogNotice(
                        "waiting",
                        f"waiting: at most {self.max_streams} log streams are open at once",
                        pod,
                        container,
                    )
                )
            try:
                async with self._slots:
                    last_stamp = await self._read(pod, container, params, last_stamp, first)
            except (ApiError, ConnectionFailed) as exc:
                self._put(LogNotice("error", _message(exc), pod, container))
                if not opts.follow or (isinstance(exc, ApiError) and exc.status in (403, 404)):
                    return
            if not opts.follow or opts.previous or self._closed or self._pod_gone(pod):
                self._put(LogNotice("ended", "log stream ended", pod, container))
                return
            if first or last_stamp != before:
                # Say so once per outage; a container that stays down is retried quietly,
                # ever less often.
                self._put(
                    LogNotice("reconnecting", "log stream ended; reconnecting", pod, container)
                )
                delay = self.reconnect_delay
            else:
                delay = min(delay * 2, 30.0)
            first = False
            await asyncio.sleep(delay)

    async def _read(
        self,
        pod: str,
        container: str,
        params: dict[str, str],
        last_stamp: str,
        first: bool,
    ) -> str:
        path = K.PODS.path(self.namespace, pod) + "/log"
        async with self.connection.stream(path, params, accept="*/*") as resp:
            if first:
                self._put(LogNotice("opened", "log stream opened", pod, container))
            pending = b""
            while True:
                chunk = await resp.content.readany()
                if not chunk:
                    break
                pending += chunk
                *lines, pending = pending.split(b"\n")
                for raw in lines:
                    last_stamp = self._emit(pod, container, raw, last_stamp)
            if pending:
                last_stamp = self._emit(pod, container, pending, last_stamp)
        return last_stamp

    def _emit(self, pod: str, container: str, raw: bytes, last_stamp: str) -> str:
        stamp, text = _split_timestamp(raw.decode(errors="replace").rstrip("\r"))
        if stamp and last_stamp and stamp <= last_stamp:
            return last_stamp  # already delivered before a reconnect
        if self.options.timestamps and stamp:
            text = f"{stamp} {text}"
        self._put(LogLine(pod, container, text, stamp))
        return stamp or last_stamp

    async def stop(self) -> None:
        """Close every stream and wait for the tasks to end."""
        self._closed = True
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._wake.set()


def _name(obj: Mapping[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("name") or "")


def _controller_uid(obj: Mapping[str, Any]) -> str | None:
    for ref in (obj.get("metadata") or {}).get("ownerReferences") or ():
        if isinstance(ref, dict) and ref.get("controller"):
            return str(ref.get("uid"))
    return None


def _message(exc: ApiError | ConnectionFailed) -> str:
    return exc.kubectl_message() if isinstance(exc, ApiError) else exc.message
