"""An in-memory :class:`~kubectl_stack.ui.source.Source` for UI tests: the app's screens over a
``ClusterState`` filled from plain dicts, without HTTP, informers or a cluster.

What a screen reads goes through the real source code (:class:`CachedReads`: summaries,
stacks, snapshots); only the doors to the network are replaced: actions are recorded (and
answered as done), log streams replay given lines, namespaces and contexts come from the state.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from typing import Any

from kubectl_stack.kinds import store_key
from kubectl_stack.kube import kinds as K
from kubectl_stack.kube.actions import ActionResult
from kubectl_stack.kube.describe import Described
from kubectl_stack.kube.kubectl import PortForward
from kubectl_stack.kube.logs import LogItem, LogLine, LogOptions
from kubectl_stack.kube.store import ClusterState, SyncState
from kubectl_stack.model.preconditions import Seen
from kubectl_stack.model.ref import WorkloadRef
from kubectl_stack.ui.source import CachedReads, Status

Objects = Mapping[str, Iterable[Mapping[str, Any]]]


class MemoryLogStream:
    """Replays ``lines`` (pod, container, text) once, as a finished stream."""

    def __init__(self, lines: Sequence[tuple[str, str, str]]) -> None:
        self._lines = lines

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def __aiter__(self) -> AsyncIterator[LogItem]:
        for pod, container, text in self._lines:
            yield LogLine(pod, container, text)


class MemorySource(CachedReads):
    """The cluster is ``objects`` (store kind name -> objects); every watched kind is listed
    (synced), the connection live. ``calls`` records the actions asked for."""

    def __init__(
        self,
        objects: Objects,
        *,
        namespace: str = "default",
        all_namespaces: bool = False,
        context: str = "memory",
        logs: Sequence[tuple[str, str, str]] = (),
    ) -> None:
        state = ClusterState(max_rate=50.0)
        # Pod metrics are polled, not watched: read only when given.
        polled = (K.POD_METRICS,) if K.POD_METRICS.name in objects else ()
        for kind in (*K.WATCHED, *K.OPTIONAL, *polled):
            state.replace(kind.name, None, objects.get(kind.name, ()))
            state.set_status(kind.name, SyncState.SYNCED)
            state.report_ok(kind.name)
        super().__init__(state, namespace=namespace, all_namespaces=all_namespaces)
        self._unsubscribe: list[Callable[[], None]] = []
        self._context = context
        self.logs = list(logs)
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    @property
    def context(self) -> str:
        return self._context

    def contexts(self) -> list[str]:
        return [self._context]

    async def namespaces(self) -> list[str]:
        names = {ns for kind in ("deployments", "pods") for ns, _ in self.state.objects(kind)}
        return sorted({*names, self.namespace} - {""})

    def want_metrics(self, wanted: bool, namespace: str | None = None) -> None:
        return None

    def scope(self) -> str:
        return "all" if self.all_namespaces else self.namespace

    def denied(self, action: str, kind: str, namespace: str) -> str | None:
        return None  # no server to ask: everything is allowed, as when the answers are out

    async def fetch(self, kind: str, namespace: str, name: str) -> Mapping[str, Any] | str:
        """The stored object (nothing is trimmed here), as the server would send it."""
        obj = self.get(store_key(kind), namespace, name)
        return (
            f'{kind.lower()} "{name}" not found (it may have been deleted)' if obj is None else obj
        )

    async def describe(self, kind: str, namespace: str, name: str) -> Described:
        """What kubectl describe would print of the object's strings, raw (``path: value``
        lines): the describe screen must make them harmless as it does kubectl's output."""
        stores = [k.name for k in (*K.WATCHED, *K.OPTIONAL) if k.plural == f"{kind.lower()}s"]
        obj = next((o for o in (self.get(s, namespace, name) for s in stores) if o), None)
        if obj is None:
            return Described(error=f'Error from server (NotFound): {kind} "{name}" not found')
        lines: list[str] = []

        def walk(path: str, value: Any) -> None:
            if isinstance(value, Mapping):
                for key, item in value.items():
                    walk(f"{path}.{key}" if path else str(key), item)
            elif isinstance(value, list):
                for i, item in enumerate(value):
                    walk(f"{path}[{i}]", item)
            else:
                lines.append(f"{path}:\t{value}")
                if path.endswith(".image"):
                    lines.append(f"    Image:\t{value}")  # as kubectl describe names it

        walk("", obj)
        return Described(text="\n".join(lines))

    async def close(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()
        self.state.close()

    def status(self, reconnect_key: str | None = None) -> Status:
        return Status(True, None)

    def reconnect(self) -> None:
        return None

    def on_permissions(self, callback: Callable[[], None]) -> None:
        return None  # nothing is asked: the answers never change

    def subscribe(self, on_change: Callable[[], None]) -> None:
        self._unsubscribe.append(self.state.subscribe(lambda _version: on_change()))

    def edit_command(self, kind: str, namespace: str, name: str) -> list[str] | None:
        return None  # no kubectl to run against memory

    def shell_command(self, namespace: str, pod: str, container: str) -> list[str] | None:
        return None

    def port_forward(
        self, namespace: str, target: str, remote: int, local: int | None
    ) -> PortForward | None:
        return None

    def _done(self, action: str, *args: Any) -> ActionResult:
        self.calls.append((action, args))
        return ActionResult("done", f"{action} done")

    async def scale(
        self, ref: WorkloadRef, replicas: int, *, current_replicas: int | None
    ) -> ActionResult:
        return self._done("scale", ref, replicas, current_replicas)

    async def undo(self, ref: WorkloadRef, revision: int, *, shown: Seen) -> ActionResult:
        return self._done("undo", ref, revision, shown)

    async def restart(self, ref: WorkloadRef, *, shown: Seen) -> ActionResult:
        return self._done("restart", ref, shown)

    async def pause(self, namespace: str, name: str, pause: bool, *, shown: Seen) -> ActionResult:
        return self._done("pause", namespace, name, pause, shown)

    async def delete_pod(self, namespace: str, name: str, *, uid: str | None) -> ActionResult:
        return self._done("delete_pod", namespace, name, uid)

    async def delete(self, kind: str, namespace: str, name: str, version: str) -> ActionResult:
        return self._done("delete", kind, namespace, name, version)

    def log_stream(
        self,
        namespace: str,
        *,
        pod: str | None,
        workload: WorkloadRef | None,
        options: LogOptions,
    ) -> MemoryLogStream:
        return MemoryLogStream(self.logs)
