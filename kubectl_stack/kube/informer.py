"""List-then-watch informers feeding a :class:`~.store.ClusterState`, after client-go's
reflector (tools/cache/reflector.go).

Each :class:`Informer` keeps one kind in one scope (a namespace, or all) current:

- list in pages of 500 following ``continue``, then hand the whole result to the store, which
  keeps the old objects until then and records only the differences (deletions missed while
  disconnected included);
- watch from the list's resourceVersion with ``allowWatchBookmarks=true`` and a random
  ``timeoutSeconds`` in 300-600; after a clean close, watch again from the last version seen;
- on ``410 Expired`` (in the watch stream or as a response) list again;
- on a lost connection, 5xx or 429, wait with capped exponential back-off and jitter, or
  the server's ``Retry-After``, then resume from the last version;
- on 403 mark the kind forbidden (other kinds keep working) and check again slowly; on 404
  mark it unavailable. A 403 across all namespaces first falls back to the context's
  namespace, so a user confined to one namespace still sees it.

:class:`Informers` runs the whole set for one connection and scope, plus the metrics poller
(metrics.k8s.io has no watch: polled every 15 s, only while someone asks for metrics).
``stop()`` cancels every task and returns once they have finished.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import gc
import random
from collections.abc import Iterable, Iterator
from typing import Any

import aiohttp

from .. import jsonutil
from . import kinds as K
from .connection import ApiError, Connection, ConnectionFailed, Response
from .hpa import v1_as_v2
from .kinds import Kind
from .store import ClusterState, Obj, SyncState

PAGE_SIZE = 500
WATCH_TIMEOUT_RANGE = (300, 600)
# client-go's reflector back-off: 800 ms doubling to 30 s, reset after 2 minutes of health.
BACKOFF_INITIAL = 0.8
BACKOFF_CAP = 30.0
FORBIDDEN_RECHECK = 60.0
METRICS_PERIOD = 15.0


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Run a burst of allocation without the cycle collector.

    Decoding a page of 500 pods allocates ~25,000 containers; with the collector on, its
    young-generation passes (and the full ones the growing cache triggers) triple the cost.
    API objects hold no reference cycles, so reference counting frees what is dropped; the
    collector resumes afterwards for everything else."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _Expired(Exception):
    """The version we resume from is gone: list again."""


class Backoff:
    """Capped exponential back-off with full jitter on top (up to the same again)."""

    def __init__(
        self,
        rng: random.Random,
        initial: float = BACKOFF_INITIAL,
        cap: float = BACKOFF_CAP,
    ) -> None:
        self.rng = rng
        self.initial = initial
        self.cap = cap
        self.attempt = 0

    def next(self, retry_after: float | None = None) -> float:
        """Seconds to wait before the next attempt; the server's Retry-After wins."""
        base = min(self.cap, self.initial * (2**self.attempt))
        self.attempt += 1
        delay = min(self.cap, base * (1.0 + self.rng.random()))
        if retry_after is not None and retry_after > 0:
            return float(retry_after)
        return float(delay)

    def reset(self) -> None:
        self.attempt = 0


def _reason(exc: BaseException) -> str:
    if isinstance(exc, ApiError):
        return exc.kubectl_message()
    if isinstance(exc, ConnectionFailed):
        return exc.message
    return str(exc) or type(exc).__name__


class Informer:
    """Keeps ``kind`` within ``namespace`` (None = all) mirrored in ``state``."""

    def __init__(
        self,
        connection: Connection,
        state: ClusterState,
        kind: Kind,
        namespace: str | None,
        *,
        rng: random.Random | None = None,
        page_size: int = PAGE_SIZE,
        backoff_initial: float = BACKOFF_INITIAL,
        fallback_namespace: str | None = None,
    ) -> None:
        self.connection = connection
        self.state = state
        self.kind = kind
        self.namespace = namespace if kind.namespaced and not kind.cluster_wide else None
        self.rng = rng or random.Random()
        self.page_size = page_size
        self.backoff = Backoff(self.rng, backoff_initial)
        # Where to look when listing across all namespaces is forbidden (the context's).
        self.fallback_namespace = fallback_namespace if kind.namespaced else None
        self.resource_version: str | None = None
        self.lists = 0  # how many (re)lists completed; for tests and diagnostics
        self.watches = 0

    # -- list ------------------------------------------------------------------------------
    def _accept(self, *, watch: bool) -> str:
        if self.kind.metadata_only:
            return K.PARTIAL_METADATA if watch else K.PARTIAL_METADATA_LIST
        return "application/json"

    async def list(self) -> None:
        """One full paged list, then replace the store's view of this kind and scope.

        The next page is requested before this one is decoded, so the server prepares it
        while we work; decoding and interning run with the cycle collector paused."""
        items: list[Obj] = []
        path = self.kind.path(self.namespace)
        accept = self._accept(watch=False)

        def fetch(token: str) -> asyncio.Task[Response]:
            params = {"limit": str(self.page_size)}
            if token:
                params["continue"] = token
            return asyncio.create_task(
                self.connection.request("GET", path, params=params, accept=accept)
            )

        pending: asyncio.Task[Response] | None = fetch("")
        rv = ""
        try:
            while pending is not None:
                response = await pending
                pending = None
                with gc_paused():
                    page = response.json()
                if not isinstance(page, dict):
                    page = {}
                meta = page.get("metadata") or {}
                rv = str(meta.get("resourceVersion") or rv)
                token = str(meta.get("continue") or "")
                if token:
                    pending = fetch(token)
                    # Let the request go out before the CPU-bound work below.
                    await asyncio.sleep(0)
                with gc_paused():
                    for item in page.get("items") or ():
                        if isinstance(item, dict):
                            # Interned page by page: a big list never sits in memory twice.
                            items.append(self.state.prepare(self._clean(item), self.kind.name))
                del page
        finally:
            if pending is not None:
                pending.cancel()
                with contextlib.suppress(BaseException):
                    await pending
        self.state.replace(self.kind.name, self.namespace, items, prepared=True)
        self.resource_version = rv or None
        self.lists += 1

    def _clean(self, obj: Obj) -> Obj:
        if self.kind.metadata_only:
            # Whatever the server sent, only metadata is kept (secret values never stay).
            return {
                "apiVersion": self.kind.group_version,
                "kind": obj.get("kind") or "",
                "metadata": obj.get("metadata") or {},
                **({"type": obj["type"]} if "type" in obj else {}),
            }
        if self.kind.name == K.HPAS.name and self.kind.version == "v1":
            return v1_as_v2(obj)
        return obj

    # -- watch -----------------------------------------------------------------------------
    async def watch(self) -> bool:
        """One watch request, applied to the store until the server closes it. True when it
        was worth having: it brought events or stayed open at least a second."""
        started = asyncio.get_running_loop().time()
        events = 0
        timeout = self.rng.randint(*WATCH_TIMEOUT_RANGE)
        params = {
            "watch": "1",
            "allowWatchBookmarks": "true",
            "timeoutSeconds": str(timeout),
        }
        if self.resource_version:
            params["resourceVersion"] = self.resource_version
        async with self.connection.stream(
            self.kind.path(self.namespace), params, accept=self._accept(watch=True)
        ) as resp:
            self.watches += 1
            self.state.report_ok(self.kind.name)
            buffer = b""
            while True:
                try:
                    chunk = await asyncio.wait_for(resp.content.readany(), timeout + 60)
                except asyncio.TimeoutError as exc:
                    raise ConnectionFailed("watch stalled: no data from the server") from exc
                if not chunk:
                    break
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                for line in lines:
                    if line.strip():
                        events += 1
                        self._apply(jsonutil.loads(line))
        return events > 0 or asyncio.get_running_loop().time() - started >= 1.0

    def _apply(self, event: Any) -> None:
        if not isinstance(event, dict):
            return
        etype = event.get("type")
        obj = event.get("object")
        if not isinstance(obj, dict):
            return
        if etype == "ERROR":
            code = obj.get("code")
            if code in (410, "410") or obj.get("reason") in ("Expired", "Gone"):
                raise _Expired(str(obj.get("message") or "resource version expired"))
            raise ApiError(
                int(code) if isinstance(code, int) else 500,
                str(obj.get("reason") or ""),
                str(obj.get("message") or "watch error"),
            )
        rv = (obj.get("metadata") or {}).get("resourceVersion")
        if etype in ("ADDED", "MODIFIED"):
            self.state.upsert(self.kind.name, self._clean(obj))
        elif etype == "DELETED":
            self.state.delete(self.kind.name, obj)
        elif etype != "BOOKMARK":
            return
        if rv:
            self.resource_version = str(rv)

    # -- the loop --------------------------------------------------------------------------
    async def run(self) -> None:
        """List and watch forever (until cancelled), recovering as the module describes."""
        need_list = True
        name = self.kind.name
        while True:
            try:
                if need_list:
                    await self.list()
                    need_list = False
                    self.state.set_status(name, SyncState.SYNCED)
                    self.state.report_ok(name)
                    self.backoff.reset()
                if await self.watch():
                    self.backoff.reset()
                else:
                    # Closed at once with nothing in it (a proxy cutting watches, say):
                    # do not hammer the server, as client-go's reflector does not.
                    await asyncio.sleep(self.backoff.next())
            except _Expired:
                need_list = True
            except ApiError as exc:
                if exc.status == 410:
                    need_list = True
                    continue
                if exc.status == 403 and self.namespace is None and self.fallback_namespace:
                    # A namespace-only user: show their namespace rather than nothing.
                    self.namespace = self.fallback_namespace
                    self.state.replace(name, None, ())
                    need_list = True
                    continue
                if exc.status in (403, 404):
                    # Forbidden or not served: say so, and look again now and then.
                    state = SyncState.FORBIDDEN if exc.status == 403 else SyncState.UNAVAILABLE
                    self.state.set_status(name, state, exc.message)
                    self.state.report_ok(name)
                    need_list = True
                    await asyncio.sleep(FORBIDDEN_RECHECK)
                    continue
                await self._retry(exc, exc.retry_after)
            except (ConnectionFailed, aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
                await self._retry(exc, None)
            except ValueError as exc:
                # A garbled stream (bad JSON): start again from a fresh list.
                need_list = True
                await self._retry(exc, None)

    async def _retry(self, exc: BaseException, retry_after: float | None) -> None:
        delay = self.backoff.next(retry_after)
        self.state.report_retry(self.kind.name, _reason(exc), delay)
        await asyncio.sleep(delay)


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
    metrics poller) and waits until they are gone. ``want_metrics`` turns polling on or off.
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
    ) -> None:
        self.connection = connection
        self.state = state
        self.namespace = namespace
        self.kinds = list(kinds)
        self.optional = list(optional)
        self.backoff_initial = backoff_initial
        self.rng = random.Random(seed)
        self.informers: dict[str, Informer] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._metrics_task: asyncio.Task[None] | None = None
        self._metrics_scope: str | None = None

    async def start(self) -> None:
        """Resolve versions by discovery, add the optional kinds the server serves, and
        start every informer (returns at once)."""
        resolved: list[Kind] = []
        for kind in self.kinds:
            if kind.name == K.HPAS.name:
                kind = await preferred_hpa_kind(self.connection)
            resolved.append(kind)
        if self.optional:
            resolved += await served_optional_kinds(self.connection, self.optional)
        for kind in resolved:
            informer = Informer(
                self.connection,
                self.state,
                kind,
                self.namespace,
                rng=random.Random(self.rng.random()),
                backoff_initial=self.backoff_initial,
                fallback_namespace=self.connection.namespace if self.namespace is None else None,
            )
            self.informers[kind.name] = informer
            self._tasks[kind.name] = asyncio.create_task(
                informer.run(), name=f"informer:{kind.name}"
            )

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
            await asyncio.wait_for(done.wait(), timeout)
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

    async def stop(self) -> None:
        """Cancel every task and wait for them to finish. Idempotent."""
        tasks = list(self._tasks.values())
        if self._metrics_task is not None:
            tasks.append(self._metrics_task)
        self._tasks.clear()
        self._metrics_task = None
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
