"""Over ~500 lines on purpose: one reflector (client-go's reflector.go) is one state machine.

List-then-watch informers feeding a :class:`~.store.ClusterState`, after client-go's
reflector (tools/cache/reflector.go).

Each :class:`Informer` keeps one kind in one scope (a namespace, or all) current:

- sync with a WatchList first (``watch=1&sendInitialEvents=true&resourceVersionMatch=
  NotOlderThan``, the API server's streaming list, on by default from Kubernetes 1.34): the
  current objects arrive as ADDED events, one at a time, and a BOOKMARK annotated
  ``k8s.io/initial-events-end: "true"`` carries the version they are at; the same stream then
  goes on as the watch. No page is ever held whole, and nothing is asked twice. As client-go's
  reflector does, fall back to LIST+WATCH (for good, for this informer) when the server
  refuses the request, and also when the end bookmark does not come within
  :data:`INITIAL_EVENTS_TIMEOUT` of the last initial event or a live event (MODIFIED,
  DELETED) comes before it: servers up to 1.33 ignore ``sendInitialEvents``;
- otherwise list in pages of 500 following ``continue``, then hand the whole result to the
  store, which keeps the old objects until then and records only the differences
  (deletions missed while disconnected included);
- watch from the list's resourceVersion with ``allowWatchBookmarks=true`` and a random
  ``timeoutSeconds`` in 300-600; after a close, watch again from the last version seen, once
  a one-item list at that version (``resourceVersionMatch=NotOlderThan``) shows the server
  still has that history;
- list again, as the reflector does, on ``410 Expired`` and on any watch error that is not a
  lost connection or a 429; and list again, trusting no resourceVersion kept, when the
  server's history was reset (an etcd restore, a cluster recreated on the same address): it
  answers that check with 504 ``ResourceVersionTooLarge``, or a list, event or bookmark
  reports a resourceVersion lower than one already seen;
- on a lost connection or a 429, wait with capped exponential back-off and jitter, or the
  server's ``Retry-After`` (at most :data:`RETRY_AFTER_CAP`), then resume; ``reconnect()``
  cuts every wait short;
- notice a hung server or network within :data:`STALE_AFTER` (see :class:`Liveness`): every
  kind is then reported stale, with the time its state dates from, and reconnects; a single
  watch fallen silent while the server answers (a dead socket) is reopened after three times
  the longest gap seen between its bookmarks;
- on 403 mark the kind forbidden (other kinds keep working) and check again slowly; on 404
  mark it unavailable. A 403 across all namespaces first falls back to the context's
  namespace, so a user confined to one namespace still sees it.

The set of informers for one connection and scope is :mod:`.informers`.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import gc
import random
import time
from collections.abc import Iterator
from typing import Any

import aiohttp

from .. import jsonutil
from . import deadline
from . import kinds as K
from .connection import ApiError, Connection, ConnectionFailed, Response
from .deadline import cancel_and_wait
from .hpa import v1_as_v2
from .kinds import Kind
from .store import ClusterState, Obj, SyncState
from .trim import trim

PAGE_SIZE = 500
WATCH_TIMEOUT_RANGE = (300, 600)
# Across one connection's watches a healthy server is rarely silent for longer than this:
# kube-apiserver sends each watch a bookmark about once a minute (a dozen watches: a few a
# minute, or one burst), the embedded cluster every 5 s. A server silent for
# MISSED_BOOKMARKS - 1 intervals is asked for /version and has one more interval to answer:
# one that does not has been silent for STALE_AFTER, and every kind is stale.
BOOKMARK_INTERVAL = 10.0
MISSED_BOOKMARKS = 3
STALE_AFTER = BOOKMARK_INTERVAL * MISSED_BOOKMARKS
# The longest a server's Retry-After may keep the app waiting (3600 would be an hour stale).
RETRY_AFTER_CAP = 60.0
# client-go's reflector back-off: 800 ms doubling to 30 s, reset after 2 minutes of health.
BACKOFF_INITIAL = 0.8
BACKOFF_CAP = 30.0
FORBIDDEN_RECHECK = 60.0
# A WatchList's initial events come back to back; a server that has sent none for this long
# without its initial-events-end bookmark does not speak WatchList.
INITIAL_EVENTS_TIMEOUT = 10.0
INITIAL_EVENTS_END = "k8s.io/initial-events-end"
# Inside Informer, ``list`` names its method.
Objs = list[Obj]
Lines = list[bytes]


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


class _NewHistory(Exception):
    """The server's history is not the one our resourceVersions came from (its state was
    reset): list again and trust none of the versions kept."""


class Stalled(ConnectionFailed):
    """Nothing came from the server for too long (a hung server or network)."""


class _Silent(Exception):
    """One watch fell silent while the server still answers: open it again."""


class _NoWatchList(Exception):
    """The server does not stream lists (WatchList): list and watch instead."""


def _too_large(exc: ApiError) -> bool:
    """The server has not reached the resourceVersion asked for (client-go's
    isTooLargeResourceVersionError, older servers' wording included)."""
    details = exc.body.get("details")
    causes = details.get("causes") if isinstance(details, dict) else None
    for cause in causes if isinstance(causes, list) else ():
        if isinstance(cause, dict) and (
            cause.get("reason") == "ResourceVersionTooLarge"
            or cause.get("message") == "Too large resource version"
        ):
            return True
    return exc.status == 504 and "Too large resource version" in exc.message


def _older(version: object, than: str | None) -> bool:
    """``version`` is lower than ``than``. resourceVersions are opaque to clients, but every
    etcd-backed server issues increasing integers; anything else is never called older."""
    if than is None or not isinstance(version, str | int):
        return False
    try:
        return int(version) < int(than)
    except ValueError:
        return False


class Liveness:
    """Whether the server still answers, judged across every watch of one connection.

    Watches call :meth:`heard` whenever bytes arrive; a watch that has heard nothing for a
    while calls :meth:`verify`, which returns at once if another watch heard the server
    recently, else asks for ``/version`` (one probe shared by every watch) and raises
    :class:`Stalled` when no answer comes within ``interval``."""

    def __init__(self, connection: Connection, interval: float | None = None) -> None:
        # Read when built, not when defined: tests shorten BOOKMARK_INTERVAL.
        interval = interval or BOOKMARK_INTERVAL
        self.connection = connection
        self.interval = interval
        self.stale_after = interval * MISSED_BOOKMARKS
        self.quiet = self.stale_after - interval
        self.last_heard = time.monotonic()
        self._probe: asyncio.Task[bool] | None = None

    def heard(self) -> None:
        self.last_heard = time.monotonic()

    def wait_hint(self) -> float:
        """How long a watch may wait for data before it should :meth:`verify`."""
        return max(0.05, self.last_heard + self.quiet - time.monotonic())

    async def verify(self) -> None:
        """Return when the server answers; raise :class:`Stalled` when it does not."""
        if time.monotonic() - self.last_heard < self.quiet:
            return
        if self._probe is None or self._probe.done():
            # A context of its own: see Informers.want_metrics.
            self._probe = contextvars.Context().run(
                asyncio.create_task, self._ask(), name="informer:liveness"
            )
        if not await asyncio.shield(self._probe):
            silent = time.monotonic() - self.last_heard
            raise Stalled(f"no answer from the server for {silent:.0f}s")

    async def _ask(self) -> bool:
        try:
            await self.connection.request("GET", "/version", timeout=self.interval)
        except ApiError:
            pass  # an error is an answer too
        except ConnectionFailed:
            return False
        self.heard()
        return True

    async def stop(self) -> None:
        probe, self._probe = self._probe, None
        if probe is not None:
            await cancel_and_wait([probe])


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
            return float(min(retry_after, RETRY_AFTER_CAP))
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
        liveness: Liveness | None = None,
        watch_list: bool = True,
    ) -> None:
        self.connection = connection
        self.liveness = liveness or Liveness(connection)
        self.state = state
        self.kind = kind
        self.namespace = namespace if kind.namespaced and not kind.cluster_wide else None
        self.rng = rng or random.Random()
        self.page_size = page_size
        self.backoff = Backoff(self.rng, backoff_initial)
        # Where to look when listing across all namespaces is forbidden (the context's).
        self.fallback_namespace = fallback_namespace if kind.namespaced else None
        self.resource_version: str | None = None
        self.lists = 0  # how many (re)lists completed (WatchLists included); for tests
        # Sync with a WatchList; False once the server has refused one (see the module).
        self.watch_list = watch_list
        self.watch_list_fallback: str | None = None  # why it fell back, when it did
        self.initial_events_timeout = INITIAL_EVENTS_TIMEOUT
        self.watches = 0
        self.silences = 0  # watches reopened because they alone fell silent
        self.resets = 0  # how many times the server's history was found reset
        # The longest gap seen between two bookmarks of one watch (None: not seen yet).
        self.bookmark_gap: float | None = None
        # Epoch seconds when what this informer holds was last known current.
        self.current_at: float | None = None
        self._wake = asyncio.Event()

    # -- list ------------------------------------------------------------------------------
    def _accept(self, *, watch: bool) -> str:
        if self.kind.metadata_only:
            return K.PARTIAL_METADATA if watch else K.PARTIAL_METADATA_LIST
        return "application/json"

    async def list(self, *, new_history: bool = False) -> None:
        """One full paged list, then replace the store's view of this kind and scope
        (``new_history``: comparing every object, see :meth:`ClusterState.replace`).

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
                self.connection.request(
                    "GET", path, params=params, accept=accept, idle=self.liveness.stale_after
                )
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
        self._listed(items, rv, new_history=new_history)

    def _listed(self, items: Objs, rv: str, *, new_history: bool) -> None:
        """A complete list (paged, or a WatchList's initial events) replaces the store's."""
        self.state.replace(
            self.kind.name, self.namespace, items, prepared=True, new_history=new_history
        )
        self.resource_version = rv or None
        self.lists += 1
        self._heard()
        self.state.set_status(self.kind.name, SyncState.SYNCED)
        self.state.report_ok(self.kind.name)
        self.backoff.reset()

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
        return trim(self.kind.name, obj)

    # -- watch -----------------------------------------------------------------------------
    def _heard(self) -> None:
        self.current_at = time.time()
        self.liveness.heard()

    async def check_history(self) -> None:
        """Before resuming from the last version seen: a one-item list at that version shows
        whether this server issued it. Raises :class:`_NewHistory` when it did not (504
        ``ResourceVersionTooLarge``, or a list at a lower version from a server that does
        not check)."""
        resume = self.resource_version
        if not resume:
            return
        params = {"limit": "1", "resourceVersion": resume, "resourceVersionMatch": "NotOlderThan"}
        try:
            response = await self.connection.request(
                "GET",
                self.kind.path(self.namespace),
                params=params,
                accept=self._accept(watch=False),
                timeout=self.liveness.stale_after,
            )
        except ApiError as exc:
            if _too_large(exc):
                raise _NewHistory(exc.message) from exc
            raise
        page = response.json()
        meta = page.get("metadata") if isinstance(page, dict) else None
        listed = meta.get("resourceVersion") if isinstance(meta, dict) else None
        if _older(listed, resume):
            raise _NewHistory(f"the server lists at resourceVersion {listed}, below {resume}")
        self._heard()

    async def watch(self, *, initial: bool = False, new_history: bool = False) -> bool:
        """One watch request, applied to the store until the server closes it. True when it
        was worth having: it brought events or stayed open at least a second.

        ``initial``: a WatchList. Its initial events replace the store's view of the kind
        (``new_history`` as for :meth:`list`) at the initial-events-end bookmark, after which
        the stream goes on as a watch. Raises :class:`_NoWatchList` when the server answers
        it as a server without WatchList would (see the module).

        Raises :class:`Stalled` when the server stops answering (see :class:`Liveness`),
        and :class:`_Silent` when this watch alone falls silent although the server answers
        (its connection is gone): for MISSED_BOOKMARKS times the longest gap seen between
        its bookmarks, or, before any was seen, until its own timeout is :data:`STALE_AFTER`
        past."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        events = 0
        timeout = self.rng.randint(*WATCH_TIMEOUT_RANGE)
        params = {
            "watch": "1",
            "allowWatchBookmarks": "true",
            "timeoutSeconds": str(timeout),
        }
        if initial:
            # As client-go's watchList: from the last version known, else a consistent read.
            params["sendInitialEvents"] = "true"
            params["resourceVersionMatch"] = "NotOlderThan"
            params["resourceVersion"] = "" if new_history else self.resource_version or ""
        elif self.resource_version:
            params["resourceVersion"] = self.resource_version
        # The initial events received so far; None once they ended (or for a plain watch).
        items: Objs | None = [] if initial else None
        liveness = self.liveness
        try:
            async with self.connection.stream(
                self.kind.path(self.namespace),
                params,
                accept=self._accept(watch=True),
                headers_timeout=liveness.stale_after,
            ) as resp:
                self.watches += 1
                self._heard()
                self.state.report_ok(self.kind.name)
                buffer = b""
                heard = started
                bookmarked: float | None = None
                while True:
                    if self.bookmark_gap is None:
                        give_up = started + timeout + liveness.stale_after
                    else:
                        gap = max(self.bookmark_gap, liveness.interval)
                        give_up = heard + MISSED_BOOKMARKS * gap
                    if items is not None:
                        give_up = min(give_up, heard + self.initial_events_timeout)
                    try:
                        async with deadline.timeout(
                            min(liveness.wait_hint(), give_up - loop.time())
                        ):
                            chunk = await resp.content.readany()
                    except asyncio.TimeoutError:
                        await liveness.verify()
                        if loop.time() >= give_up:
                            if items is not None:
                                raise _NoWatchList(
                                    "no initial-events-end bookmark within "
                                    f"{self.initial_events_timeout:g}s"
                                ) from None
                            raise _Silent from None
                        continue
                    if not chunk:
                        break
                    heard = loop.time()
                    self._heard()
                    buffer += chunk
                    *lines, buffer = buffer.split(b"\n")
                    if items is not None:
                        with gc_paused():
                            rest = self._initial_events(lines, items, new_history)
                        if rest is None:
                            continue
                        lines, items = rest, None
                    for line in lines:
                        if line.strip():
                            events += 1
                            if self._apply(jsonutil.loads(line)) == "BOOKMARK":
                                if bookmarked is not None:
                                    gap = heard - bookmarked
                                    self.bookmark_gap = max(self.bookmark_gap or 0.0, gap)
                                bookmarked = heard
        except ApiError as exc:
            # client-go falls back to LIST when a WatchList fails; here only when the server
            # refused it (an expired or too-new version, throttling or a failing server would
            # fail a list just the same, and are handled as for one).
            if items is not None and exc.status not in (410, 429) and exc.status < 500:
                raise _NoWatchList(exc.kubectl_message()) from exc
            raise
        if items is not None:
            raise _NoWatchList("the stream ended before its initial-events-end bookmark")
        return events > 0 or loop.time() - started >= 1.0

    def _initial_events(self, lines: Lines, items: Objs, new_history: bool) -> Lines | None:
        """Take a WatchList's initial events from ``lines`` into ``items``. At the
        initial-events-end bookmark the list is complete (see :meth:`_listed`): returns the
        lines after it, to apply as watch events; None while the initial events go on."""
        for at, line in enumerate(lines):
            if not line.strip():
                continue
            event = jsonutil.loads(line)
            etype = event.get("type") if isinstance(event, dict) else None
            obj = event.get("object") if isinstance(event, dict) else None
            if not isinstance(obj, dict):
                continue
            if etype == "ADDED":
                items.append(self.state.prepare(self._clean(obj), self.kind.name))
            elif etype == "BOOKMARK":
                meta = obj.get("metadata") or {}
                if (meta.get("annotations") or {}).get(INITIAL_EVENTS_END) == "true":
                    self._listed(
                        items, str(meta.get("resourceVersion") or ""), new_history=new_history
                    )
                    return lines[at + 1 :]
            elif etype == "ERROR":
                self._apply(event)  # raises, as for any watch
            else:
                raise _NoWatchList(f"a {etype} event came before the initial events ended")
        return None

    def _apply(self, event: Any) -> str | None:
        """Apply one watch event to the store; its type, None when it was not one."""
        if not isinstance(event, dict):
            return None
        etype = event.get("type")
        obj = event.get("object")
        if not isinstance(obj, dict):
            return None
        if etype == "ERROR":
            code = obj.get("code")
            if code in (410, "410") or obj.get("reason") in ("Expired", "Gone"):
                raise _Expired(str(obj.get("message") or "resource version expired"))
            raise ApiError(
                int(code) if isinstance(code, int) else 500,
                str(obj.get("reason") or ""),
                str(obj.get("message") or "watch error"),
                body=obj,
            )
        rv = (obj.get("metadata") or {}).get("resourceVersion")
        if _older(rv, self.resource_version):
            raise _NewHistory(f"the server sent resourceVersion {rv} after {self.resource_version}")
        if etype in ("ADDED", "MODIFIED"):
            self.state.upsert(self.kind.name, self._clean(obj))
        elif etype == "DELETED":
            self.state.delete(self.kind.name, obj)
        elif etype != "BOOKMARK":
            return None
        if rv:
            self.resource_version = str(rv)
        return str(etype)

    # -- the loop --------------------------------------------------------------------------
    async def run(self) -> None:
        """List and watch forever (until cancelled), recovering as the module describes."""
        need_list = True
        new_history = False
        resumed = False  # the next watch resumes after one that ended
        name = self.kind.name
        while True:
            try:
                if need_list and self.watch_list:
                    lists = self.lists
                    try:
                        worth = await self.watch(initial=True, new_history=new_history)
                    finally:
                        if self.lists != lists:  # its initial events ended: listed
                            need_list = new_history = False
                            resumed = True
                    if not worth:
                        await self.sleep(self.backoff.next())
                    continue
                if need_list:
                    await self.list(new_history=new_history)
                    need_list = new_history = resumed = False
                elif resumed:
                    await self.check_history()
                resumed = True
                if await self.watch():
                    self.backoff.reset()
                else:
                    # Closed at once with nothing in it (a proxy cutting watches, say):
                    # do not hammer the server, as client-go's reflector does not.
                    await self.sleep(self.backoff.next())
            except _NoWatchList as exc:
                self.watch_list = False
                self.watch_list_fallback = str(exc)
            except _Silent:
                self.silences += 1  # resumed at once, after the history check
            except _Expired:
                need_list = True
            except _NewHistory:
                self.resets += 1
                need_list = new_history = True
            except ApiError as exc:
                if _too_large(exc):
                    self.resets += 1
                    need_list = new_history = True
                    continue
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
                    await self.sleep(FORBIDDEN_RECHECK)
                    continue
                # As the reflector: only a 429 is retried as it is; any other error lists
                # again once the back-off has passed.
                need_list = need_list or exc.status != 429
                await self._retry(exc, exc.retry_after)
            except (ConnectionFailed, aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
                await self._retry(exc, None)
            except ValueError as exc:
                # A garbled stream (bad JSON): start again from a fresh list.
                need_list = True
                await self._retry(exc, None)

    async def _retry(self, exc: BaseException, retry_after: float | None) -> None:
        delay = self.backoff.next(retry_after)
        self.state.report_retry(self.kind.name, _reason(exc), delay, self.current_at)
        await self.sleep(delay)

    async def sleep(self, delay: float) -> None:
        """Wait ``delay`` seconds, or less if :meth:`reconnect` is called meanwhile."""
        with contextlib.suppress(asyncio.TimeoutError):
            async with deadline.timeout(delay):
                await self._wake.wait()
        self._wake.clear()

    def reconnect(self) -> None:
        """Cut a retry's wait short, and start the back-off afresh."""
        self.backoff.reset()
        self._wake.set()
