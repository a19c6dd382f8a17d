"""The app's one door to the cluster, as the screens and presenters see it: :class:`Source`,
a protocol. :class:`~.cluster.ClusterSource` is the real one (a connection, informers and
actions over HTTP, opened by :func:`~.cluster.open_source`); UI tests use an in-memory one over
a filled :class:`~kubectl_stack.kube.store.ClusterState` (``tests/ui/memory.py``). Both read
the cache through :class:`CachedReads`, so what a screen shows is computed the same way.
Screens never talk HTTP and never import ``kube`` directly; this module holds no Kubernetes
semantics either, it only delegates.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from ..kube import actions, describe, kubectl
from ..kube import kinds as K
from ..kube.actions import ActionResult
from ..kube.logs import LogItem, LogOptions
from ..kube.store import ClusterState, SyncState
from ..model import labelselector
from ..model.events import ProbeFailures
from ..model.preconditions import Seen
from ..model.ref import WorkloadRef
from ..model.stack import Stack, StackRow, Summarizer

Key = tuple[str, str]
Obj = Mapping[str, Any]


_UNREADABLE = (SyncState.PENDING, SyncState.FORBIDDEN, SyncState.UNAVAILABLE)


class ConnectError(Exception):
    """The cluster could not be reached or the kubeconfig is unusable; ``str()`` is the one
    line to show."""


@dataclass(frozen=True)
class Status:
    """Connection state for the title bar and banner. ``banner`` None = all is well;
    ``since``: while not live, the epoch seconds the state shown dates from (None: unknown)."""

    live: bool
    banner: str | None
    since: float | None = None

    @property
    def label(self) -> str:
        """The title bar's word for it: ``● live`` or ``○ stale since 12:03:58`` (UTC, as the
        title bar's clock)."""
        if self.live:
            return "● live"
        if self.banner is None:
            return "○ connecting"
        if self.since is None:
            return "○ stale"
        return f"○ stale since {time.strftime('%H:%M:%S', time.gmtime(self.since))}"


class LogFeed(Protocol):
    """A stream of log lines: ``start()``, iterate, ``stop()`` when done."""

    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    def __aiter__(self) -> AsyncIterator[LogItem]: ...


class Source(Protocol):
    """What the screens and presenters may ask of the cluster."""

    state: ClusterState
    namespace: str
    all_namespaces: bool
    selector: str | None
    selects: Callable[[Mapping[str, str]], bool]
    workloads_elsewhere: bool

    @property
    def context(self) -> str: ...

    # reading the cache (CachedReads)
    def objects(self, kind: str, namespace: str | None = None) -> list[Obj]: ...
    def get(self, kind: str, namespace: str, name: str) -> Obj | None: ...
    def summary(self, now: float) -> tuple[StackRow, ...]: ...
    def stack(self, ref: WorkloadRef, now: float) -> Stack | None: ...
    def probe_failures(self) -> Mapping[str, tuple[ProbeFailures, ...]]: ...
    def summary_due(self, now: float) -> bool: ...
    def synced(self) -> bool: ...
    def forbidden(self) -> frozenset[str]: ...
    def kind_problem(self, kind: str) -> str | None: ...
    def hpa_owners(self, ref: WorkloadRef) -> list[Obj]: ...
    def describe_inputs(self, kind: str, namespace: str, name: str) -> tuple[str, ...]: ...

    # the connection
    def status(self, reconnect_key: str | None = None) -> Status: ...
    def scope(self) -> str: ...
    def reconnect(self) -> None: ...
    def contexts(self) -> list[str]: ...
    async def namespaces(self) -> list[str]: ...
    def denied(self, action: str, kind: str, namespace: str) -> str | None: ...
    def on_permissions(self, callback: Callable[[], None]) -> None: ...
    def subscribe(self, on_change: Callable[[], None]) -> None: ...
    def want_metrics(self, wanted: bool, namespace: str | None = None) -> None: ...
    async def close(self) -> None: ...

    # acting
    async def scale(
        self, ref: WorkloadRef, replicas: int, *, current_replicas: int | None
    ) -> ActionResult: ...
    async def undo(self, ref: WorkloadRef, revision: int, *, shown: Seen) -> ActionResult: ...
    async def restart(self, ref: WorkloadRef, *, shown: Seen) -> ActionResult: ...
    async def pause(
        self, namespace: str, name: str, pause: bool, *, shown: Seen
    ) -> ActionResult: ...
    async def delete_pod(self, namespace: str, name: str, *, uid: str | None) -> ActionResult: ...
    async def delete(self, kind: str, namespace: str, name: str, version: str) -> ActionResult: ...
    async def describe(self, kind: str, namespace: str, name: str) -> describe.Described: ...
    async def fetch(self, kind: str, namespace: str, name: str) -> Obj | str: ...
    def edit_command(self, kind: str, namespace: str, name: str) -> list[str] | None: ...
    def shell_command(self, namespace: str, pod: str, container: str) -> list[str] | None: ...
    def port_forward(
        self, namespace: str, target: str, remote: int, local: int | None
    ) -> kubectl.PortForward | None: ...
    def log_stream(
        self,
        namespace: str,
        *,
        pod: str | None,
        workload: WorkloadRef | None,
        options: LogOptions,
    ) -> LogFeed: ...


class CachedReads:
    """The reading half of a source, over its cache: every source reads through this, so
    summaries, stacks and snapshots are computed the same way in the app and in UI tests."""

    def __init__(
        self,
        state: ClusterState,
        *,
        namespace: str,
        all_namespaces: bool,
        selector: str | None = None,
    ) -> None:
        self.state = state
        self.namespace = namespace
        self.all_namespaces = all_namespaces
        self.selector = selector
        """``-l``: only workloads whose labels it selects are shown (None: all)."""
        self.selects: Callable[[Mapping[str, str]], bool] = labelselector.parse(selector or "")
        self.workloads_elsewhere = False
        """Whether, at the start, another namespace than the one watched had a workload of
        any kind (selected by ``selector``): an empty list then says where to look."""
        self._summarizer = Summarizer()
        self._summarized_version = -1

    def objects(self, kind: str, namespace: str | None = None) -> list[Obj]:
        """Every cached object of ``kind`` (a :mod:`kube.kinds` name), optionally in one
        namespace."""
        items = self.state.objects(kind)
        if namespace is None:
            return list(items.values())
        return [obj for (ns, _), obj in items.items() if ns == namespace]

    def get(self, kind: str, namespace: str, name: str) -> Obj | None:
        return self.state.get(kind, namespace, name)

    def snapshot(self) -> dict[str, Mapping[Key, Obj]]:
        """Every kind that finished its first list and may be read, by kind name."""
        out: dict[str, Mapping[Key, Obj]] = {}
        for kind in (*K.WATCHED, *K.OPTIONAL, K.POD_METRICS):
            if self.state.status(kind.name).state not in _UNREADABLE:
                out[kind.name] = self.state.objects(kind.name)
        return out

    def _changed_keys(self) -> dict[str, set[Key]] | None:
        """The keys changed, by model kind name, since the previous call (None: unknown)."""
        log = self.state.changes_since(self._summarized_version)
        if self._summarized_version < 0:
            log = None
        self._summarized_version = self.state.version
        if log is None:
            return None
        changed: dict[str, set[Key]] = {}
        for change in log:
            kind = change.kind.split(".", 1)[0].lower()
            changed.setdefault(kind, set()).add((change.namespace, change.name))
        return changed

    def summary(self, now: float) -> tuple[StackRow, ...]:
        """The model's summary of every stack (:func:`model.stack.summarize`), kept
        incrementally: a call costs the objects changed since the last look (the store's
        change log names them), not the whole cache. Shared by every screen."""
        return self._summarizer(self.snapshot(), now, self._changed_keys())

    def stack(self, ref: WorkloadRef, now: float) -> Stack | None:
        """One workload's graph (:func:`model.stack.stack`) from the same kept indexes."""
        return self._summarizer.stack(self.snapshot(), ref, now, self._changed_keys())

    def probe_failures(self) -> Mapping[str, tuple[ProbeFailures, ...]]:
        """Probe failures by pod uid (``model.events.failures_for`` reads them) as of the last
        :meth:`summary` or :meth:`stack`: kept as the events change,
        not aggregated again on each look."""
        return self._summarizer.probe_failures

    def summary_due(self, now: float) -> bool:
        """Whether the summary at ``now`` of an unchanged cache could differ from the last
        one in more than its ages (:meth:`model.stack.Summarizer.due`)."""
        return self._summarizer.due(now)

    def synced(self) -> bool:
        return self.state.synced(k.name for k in K.WATCHED)

    def forbidden(self) -> frozenset[str]:
        return self.state.forbidden

    def kind_problem(self, kind: str) -> str | None:
        """Why ``kind`` cannot be shown (forbidden, not served), or None."""
        status = self.state.status(kind)
        if status.state in (SyncState.FORBIDDEN, SyncState.UNAVAILABLE):
            return status.message or status.state.value
        return None

    def hpa_owners(self, ref: WorkloadRef) -> list[Obj]:
        """The HPAs whose scale target is this workload."""
        return actions.hpas_targeting(self.objects(K.HPAS.name, ref.namespace), ref)

    def describe_inputs(self, kind: str, namespace: str, name: str) -> tuple[str, ...]:
        """Versions of what describe reads (:func:`kube.describe.inputs`)."""
        return describe.inputs(self.state, kind, namespace, name)
