"""Log streams: one container, or every pod of a workload, as ``kubectl logs`` reads them.

A :class:`LogStream` is an async iterator of :class:`LogLine` and :class:`LogNotice` items.
Notices make stream life visible: which container was chosen by default, a stream opening,
ending, reconnecting, or failing. For a workload of any kind every pod is followed (found
through the kind's own ownership: a Deployment's ReplicaSets, a StatefulSet's or DaemonSet's
own controller reference; lines prefixed ``[pod/<name>/<container>]`` as ``kubectl logs
--prefix``), pods that appear later join, and at most ``max_streams`` requests are open at once
(kubectl's ``--max-log-requests``).

Memory is bounded: the queue holds at most ``max_buffered`` items; when the reader falls
behind, the oldest are dropped and a notice says how many.

A followed stream that ends or drops while its pod still exists is reopened from the second
of the last line delivered (``sinceTime`` carries whole seconds between the API server and the
kubelet), so container restarts and lost connections continue the stream. What the server sends
again is skipped against what was delivered: lines stamped before the last delivered
timestamp, and at that timestamp the lines already delivered with it, in order. Lines logged
in the same instant (a stack trace, a burst) are therefore neither dropped nor repeated.
Timestamps are compared as instants, never as strings (RFC 3339 with nanoseconds trims
trailing zeros: ``.1Z`` is later than ``.12Z`` as text, earlier as time).
"""

from __future__ import annotations

import asyncio
import calendar
import functools
import re
import time
from collections import deque
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import aiohttp

from ..model import fields as u
from ..model import workloads
from ..model.ref import WorkloadRef
from . import kinds as K
from .connection import ApiError, Connection, ConnectionFailed, transport_error
from .deadline import cancel_and_wait
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


_STAMP = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?"
    r"(?:Z|([+-])(\d{2}):(\d{2}))"
)


def stamp_nanos(stamp: str) -> int | None:
    """An RFC 3339 timestamp (any fraction up to nanoseconds, any offset) as nanoseconds since
    the epoch, or None when ``stamp`` is not one."""
    m = _STAMP.fullmatch(stamp)
    if m is None:
        return None
    year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
    try:
        whole = calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0))
    except (ValueError, OverflowError):
        return None
    if m[8]:
        offset = (int(m[9]) * 60 + int(m[10])) * 60
        whole -= offset if m[8] == "+" else -offset
    return whole * 1_000_000_000 + int((m[7] or "").ljust(9, "0"))


def _split_timestamp(line: str) -> tuple[str, int | None, str]:
    """(stamp, its instant, the rest) of a line the server prefixed with its timestamp;
    ("", None, line) when the line does not start with one."""
    stamp, sep, rest = line.partition(" ")
    nanos = stamp_nanos(stamp) if sep else None
    if nanos is None:
        return "", None, line
    return stamp, nanos, rest


def _since_time(nanos: int) -> str:
    """``sinceTime`` for the second holding ``nanos``: whole seconds, as client-go sends a
    metav1.Time and as the API server passes it on to the kubelet."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(nanos // 1_000_000_000))


@dataclass
class _Delivered:
    """What one container's stream has delivered, to skip what a reopened stream repeats."""

    nanos: int | None = None  # the last delivered line's instant
    texts: list[str] = field(default_factory=list)  # the lines delivered at that instant
    catching_up: bool = False  # a reopened stream: still inside what was delivered
    skipped: int = 0  # of ``texts``, how many the reopened stream has sent again

    def reopened(self) -> None:
        self.catching_up = self.nanos is not None
        self.skipped = 0

    def seen(self, nanos: int | None, text: str) -> bool:
        """Whether this line was delivered before; records it as delivered if not."""
        if self.catching_up and nanos is not None and self.nanos is not None:
            if nanos < self.nanos:
                return True
            if nanos == self.nanos and self.skipped < len(self.texts):
                if self.texts[self.skipped] == text:
                    self.skipped += 1
                    return True
                if self.skipped == 0:
                    # Before the delivered run at this instant: lines the first read's
                    # tailLines left out, not to be shown after the fact.
                    return True
        self.catching_up = False
        if nanos is None:
            return False
        if nanos != self.nanos:
            self.nanos, self.texts = nanos, []
        self.texts.append(text)
        return False


class LogStream:
    """See the module docstring. Create, then ``start()``; iterate; ``stop()`` when done."""

    def __init__(
        self,
        connection: Connection,
        namespace: str,
        *,
        pod: str | None = None,
        workload: WorkloadRef | None = None,
        state: ClusterState | None = None,
        options: LogOptions | None = None,
        max_streams: int = 5,
        max_buffered: int = 10_000,
        reconnect_delay: float = 1.0,
    ) -> None:
        if (pod is None) == (workload is None):
            raise ValueError("give exactly one of pod or workload")
        if workload is not None and state is None:
            raise ValueError("following a workload needs the ClusterState to find its pods")
        self.connection = connection
        self.namespace = namespace
        self.pod = pod
        self.workload = workload
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
            if self._closed or (not self._tasks and not self._following_workload()):
                return
            self._wake.clear()
            await self._wake.wait()

    def _following_workload(self) -> bool:
        return self.workload is not None and self.options.follow and not self._closed

    # -- pods ------------------------------------------------------------------------------
    def _in_namespace(self, kind: K.Kind) -> list[Mapping[str, Any]]:
        assert self.state is not None
        return [o for (ns, _), o in self.state.objects(kind.name).items() if ns == self.namespace]

    def _workload_pods(self) -> list[Mapping[str, Any]]:
        """The pods of the workload: those its kind's pod owner controls, that is the
        workload itself or (a Deployment's ReplicaSets) the revision objects it owns."""
        assert self.state is not None and self.workload is not None
        kind = workloads.for_kind(self.workload.kind)
        obj = self.state.get(kind.kind.name, self.namespace, self.workload.name)
        if obj is None:
            return []
        owners: list[Mapping[str, Any]] = [obj]
        if kind.pod_owner == kind.revisions:
            owners = kind.owned(obj, self._in_namespace(kind.revisions))
        uids = {u.uid(owner) for owner in owners} - {""}
        return [p for p in self._in_namespace(K.PODS) if u.controller_uid(p) in uids]

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
        """Join every pod of the workload that has started (Pending ones have no logs)."""
        if self._closed:
            return
        for pod in self._workload_pods():
            if (pod.get("status") or {}).get("phase") != "Pending":
                self._attach(pod)

    # -- one container ---------------------------------------------------------------------
    def _pod_gone(self, pod: str) -> bool:
        if self.state is None:
            return False
        return self.state.get("pods", self.namespace, pod) is None

    async def _follow(self, pod: str, container: str) -> None:
        opts = self.options
        delivered = _Delivered()
        first = True
        delay = self.reconnect_delay
        while True:
            params = {"container": container, "timestamps": "true"}
            if opts.follow:
                params["follow"] = "true"
            if opts.previous:
                params["previous"] = "true"
            if delivered.nanos is None:
                # Nothing shown yet (first read, or the container had not started): start
                # as asked.
                if opts.tail is not None:
                    params["tailLines"] = str(opts.tail)
                if opts.since is not None:
                    params["sinceSeconds"] = str(opts.since)
            else:
                params["sinceTime"] = _since_time(delivered.nanos)
            before = delivered.nanos
            delivered.reopened()
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
                    await self._read(pod, container, params, delivered, first)
            except (ApiError, ConnectionFailed) as exc:
                self._put(LogNotice("error", _message(exc), pod, container))
                if not opts.follow or (isinstance(exc, ApiError) and exc.status in (403, 404)):
                    return
            if not opts.follow or opts.previous or self._closed or self._pod_gone(pod):
                self._put(LogNotice("ended", "log stream ended", pod, container))
                return
            if first or delivered.nanos != before:
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
        delivered: _Delivered,
        first: bool,
    ) -> None:
        path = K.PODS.path(self.namespace, pod) + "/log"
        async with self.connection.stream(path, params, accept="*/*") as resp:
            if first:
                self._put(LogNotice("opened", "log stream opened", pod, container))
            pending = b""
            while True:
                try:
                    chunk = await resp.content.readany()
                except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
                    # Dropped mid-stream: a partial last line is left for the reopened
                    # stream to send whole.
                    raise transport_error(self.connection.config.server, exc) from exc
                if not chunk:
                    break
                pending += chunk
                *lines, pending = pending.split(b"\n")
                for raw in lines:
                    self._emit(pod, container, raw, delivered)
            if pending:
                self._emit(pod, container, pending, delivered)

    def _emit(self, pod: str, container: str, raw: bytes, delivered: _Delivered) -> None:
        stamp, nanos, text = _split_timestamp(raw.decode(errors="replace").rstrip("\r"))
        if delivered.seen(nanos, text):
            return
        if self.options.timestamps and stamp:
            text = f"{stamp} {text}"
        self._put(LogLine(pod, container, text, stamp))

    async def stop(self) -> None:
        """Close every stream and wait for the tasks to end."""
        self._closed = True
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        await cancel_and_wait(list(self._tasks.values()))
        self._wake.set()


def _name(obj: Mapping[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("name") or "")


def _message(exc: ApiError | ConnectionFailed) -> str:
    return exc.kubectl_message() if isinstance(exc, ApiError) else exc.message
