"""The informers of one connection and scope (:class:`Informers`): one
:class:`~.informer.Informer` per watched kind, the kinds a cluster serves only optionally
(found through discovery), the HPA API version it prefers, and the metrics poller
(metrics.k8s.io has no watch: polled every 15 s, only while someone asks for metrics).
``stop()`` cancels every task and returns once they have finished.
"""

from __future__ import annotations

import asyncio
import contextvars
import random
from collections.abc import Iterable

from . import deadline
from . import kinds as K
from .connection import ApiError, Connection, ConnectionFailed
from .deadline import cancel_and_wait
from .informer import BACKOFF_INITIAL, Informer, Liveness
from .kinds import Kind
from .store import ClusterState, SyncState

METRICS_PERIOD = 15.0


class MetricsPoller:
    """Pod metrics (metrics.k8s.io) every ``period`` seconds; absent API = unavailable."""

    def __init__(
        self,
        connection: Connection,
        state: ClusterState,
        namespace: str | None,
        period: float = METRICS_PERIOD,
    ) -> None:
        self.connection = connection
        self.state = state
        self.namespace = namespace
        self.period = period

    async def poll_once(self) -> None:
        """One poll; failures become the kind's status ("no metrics"), never an exception."""
        kind = K.POD_METRICS
        try:
            data = await self.connection.get_json(kind.path(self.namespace))
        except ApiError as exc:
            if exc.status == 403:
                self.state.set_status(kind.name, SyncState.FORBIDDEN, exc.message)
            else:
                self.state.set_status(kind.name, SyncState.UNAVAILABLE, "no metrics")
            return
        except ConnectionFailed as exc:
            self.state.set_status(kind.name, SyncState.UNAVAILABLE, exc.message)
            return
        items = data.get("items") if isinstance(data, dict) else None
        fresh = [i for i in items or () if isinstance(i, dict)]
        self.state.replace(kind.name, self.namespace, fresh)
        self.state.set_status(kind.name, SyncState.SYNCED)

    async def run(self) -> None:
        while True:
            await self.poll_once()
            await asyncio.sleep(self.period)


async def preferred_hpa_kind(connection: Connection) -> Kind:
    """autoscaling/v2 when the server serves it, else v1 (from discovery)."""
    try:
        group = await connection.get_json("/apis/autoscaling")
    except (ApiError, ConnectionFailed):
        return K.HPAS
    versions = [
        v.get("version") for v in (group or {}).get("versions") or () if isinstance(v, dict)
    ]
    if "v2" in versions or not versions:
        return K.HPAS
    return K.HPAS.with_version("v1")


async def served_optional_kinds(connection: Connection, kinds: Iterable[Kind]) -> list[Kind]:
    """Those of ``kinds`` (custom resources) whose group and version discovery lists, at the
    group's preferred version when the kind's own is not served. Nothing when discovery
    cannot be read: a cluster without them simply shows nothing for them."""
    try:
        groups = await connection.get_json("/apis")
    except (ApiError, ConnectionFailed):
        return []
    served: dict[str, tuple[list[str], str]] = {}
    listed = groups.get("groups") if isinstance(groups, dict) else None
    for group in listed if isinstance(listed, list) else ():
        if not isinstance(group, dict):
            continue
        versions = [
            str(v.get("version")) for v in group.get("versions") or () if isinstance(v, dict)
        ]
        preferred = str((group.get("preferredVersion") or {}).get("version") or "")
        served[str(group.get("name"))] = (versions, preferred)
    found = []
    for kind in kinds:
        versions, preferred = served.get(kind.group, ([], ""))
        if kind.version in versions:
            found.append(kind)
        elif preferred:
            found.append(kind.with_version(preferred))
    return found


class Informers:
    """Every watched kind for one connection and one scope (``namespace`` None = all).

    ``start()`` launches one informer task per kind; ``stop()`` cancels them all (and the
    metrics poller) and waits until they are gone. ``want_metrics`` turns polling on or off;
    ``reconnect()`` retries now whatever waits to retry. The informers share one
    :class:`Liveness` (``bookmark_interval`` sets its pace; tests shorten it).
    """

    def __init__(
        self,
        connection: Connection,
        state: ClusterState,
        namespace: str | None,
        *,
        kinds: Iterable[Kind] = K.WATCHED,
        optional: Iterable[Kind] = K.OPTIONAL,
        seed: int | None = None,
        backoff_initial: float = BACKOFF_INITIAL,
        bookmark_interval: float | None = None,
    ) -> None:
        self.connection = connection
        self.state = state
        self.namespace = namespace
        self.liveness = Liveness(connection, bookmark_interval)
        self.kinds = list(kinds)
        self.optional = list(optional)
        self.backoff_initial = backoff_initial
        self.rng = random.Random(seed)
        self.informers: dict[str, Informer] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._metrics_task: asyncio.Task[None] | None = None
        self._metrics_scope: str | None = None

    async def start(self) -> None:
        """Start every informer (returns at once): first those of the kinds that need no
        discovery, whose lists go out while discovery is asked (the HPA API version the server
        prefers, the optional kinds it serves: both at once), then those it resolves."""
        asking_hpa = any(kind.name == K.HPAS.name for kind in self.kinds)
        for kind in self.kinds:
            if kind.name != K.HPAS.name:
                self._start(kind)

        async def hpa() -> list[Kind]:
            return [await preferred_hpa_kind(self.connection)] if asking_hpa else []

        async def optional() -> list[Kind]:
            if not self.optional:
                return []
            return await served_optional_kinds(self.connection, self.optional)

        for kinds in await asyncio.gather(hpa(), optional()):
            for kind in kinds:
                self._start(kind)

    def _start(self, kind: Kind) -> None:
        informer = Informer(
            self.connection,
            self.state,
            kind,
            self.namespace,
            rng=random.Random(self.rng.random()),
            backoff_initial=self.backoff_initial,
            fallback_namespace=self.connection.namespace if self.namespace is None else None,
            liveness=self.liveness,
        )
        self.informers[kind.name] = informer
        self._tasks[kind.name] = asyncio.create_task(informer.run(), name=f"informer:{kind.name}")

    async def wait_synced(self, timeout: float | None = None) -> bool:
        """Wait until every kind finished its first list (or cannot be listed)."""
        names = list(self.informers)
        done = asyncio.Event()

        def check(_version: int = 0) -> None:
            if self.state.synced(names):
                done.set()

        unsubscribe = self.state.subscribe(check)
        try:
            check()
            async with deadline.timeout(timeout):
                await done.wait()
        except asyncio.TimeoutError:
            return False
        finally:
            unsubscribe()
        return True

    def want_metrics(self, wanted: bool, namespace: str | None = None) -> None:
        """Poll pod metrics while ``wanted`` (the UI asks only while it shows them), in
        ``namespace`` (the shown stack's; None: the informers' own scope). Stopping, or
        moving to another namespace, forgets the metrics polled so far: across 10,000 pods
        they would be 10,000 objects kept for nothing."""
        scope = self.namespace if namespace is None else namespace
        if self._metrics_task is not None and (not wanted or scope != self._metrics_scope):
            self._metrics_task.cancel()
            self._metrics_task = None
            self.state.replace(K.POD_METRICS.name, None, ())
        if wanted and self._metrics_task is None:
            poller = MetricsPoller(self.connection, self.state, scope)
            self._metrics_scope = scope
            # In a context of its own: a task copies its creator's context (a UI screen's,
            # for Textual), and the sockets it opens hold that context for as long as they
            # stay in the pool, keeping a closed screen alive.
            self._metrics_task = contextvars.Context().run(
                asyncio.create_task, poller.run(), name="informer:podmetrics"
            )

    def narrowed(self) -> dict[str, str]:
        """Kinds watched in one namespace although all were asked for (listing them across
        namespaces is forbidden), by kind name; kinds forbidden outright are left out."""
        if self.namespace is not None:
            return {}
        return {
            name: informer.namespace
            for name, informer in self.informers.items()
            if informer.namespace is not None
            and self.state.status(name).state is not SyncState.FORBIDDEN
        }

    def reconnect(self) -> None:
        """Every informer waiting to retry tries now (a long Retry-After, a long back-off)."""
        for informer in self.informers.values():
            informer.reconnect()

    async def stop(self) -> None:
        """Cancel every task and wait for them to finish. Idempotent."""
        tasks = list(self._tasks.values())
        if self._metrics_task is not None:
            tasks.append(self._metrics_task)
        self._tasks.clear()
        self._metrics_task = None
        await cancel_and_wait(tasks)
        await self.liveness.stop()
