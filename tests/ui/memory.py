"""An in-memory :class:`~kubectl_stack.ui.source.Source` for UI tests: the app's screens over a
``ClusterState`` filled from plain dicts, without HTTP, informers or a cluster.

What a screen reads goes through the real source code (summaries, stacks, snapshots); only the
doors to the network are replaced: actions are recorded (and answered as done), log streams
replay given lines, namespaces and contexts come from the state.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from typing import Any

from kubectl_stack.kube import kinds as K
from kubectl_stack.kube.actions import ActionResult
from kubectl_stack.kube.describe import Described
from kubectl_stack.kube.logs import LogItem, LogLine, LogOptions
from kubectl_stack.kube.store import ClusterState, SyncState
from kubectl_stack.options import ConnectionOptions
from kubectl_stack.ui.source import Source

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


class MemorySource(Source):
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
        for kind in (*K.WATCHED, *K.OPTIONAL):
            state.replace(kind.name, None, objects.get(kind.name, ()))
            state.set_status(kind.name, SyncState.SYNCED)
            state.report_ok(kind.name)
        super().__init__(
            None,  # type: ignore[arg-type]  # no connection: nothing here talks HTTP
            state,
            None,  # type: ignore[arg-type]
            namespace=namespace,
            all_namespaces=all_namespaces,
            connection_options=ConnectionOptions(),
        )
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

    def _done(self, action: str, *args: Any) -> ActionResult:
        self.calls.append((action, args))
        return ActionResult("done", f"{action} done")

    async def scale(self, *args: Any, **kwargs: Any) -> ActionResult:  # type: ignore[override]
        return self._done("scale", *args, *kwargs.values())

    async def undo(self, *args: Any, **kwargs: Any) -> ActionResult:  # type: ignore[override]
        return self._done("undo", *args, *kwargs.values())

    async def restart(self, *args: Any, **kwargs: Any) -> ActionResult:  # type: ignore[override]
        return self._done("restart", *args, *kwargs.values())

    async def pause(self, *args: Any, **kwargs: Any) -> ActionResult:  # type: ignore[override]
        return self._done("pause", *args, *kwargs.values())

    async def delete_pod(self, *args: Any, **kwargs: Any) -> ActionResult:  # type: ignore[override]
        return self._done("delete_pod", *args, *kwargs.values())

    def log_stream(  # type: ignore[override]
        self, namespace: str, *, pod: str | None, deployment: str | None, options: LogOptions
    ) -> MemoryLogStream:
        return MemoryLogStream(self.logs)
