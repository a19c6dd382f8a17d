"""Watch streams: one JSON event per line over a chunked response.

Semantics follow the API server's watch cache: without a resourceVersion (or with "0") the
stream starts with a synthetic ADDED for every current object; from a version it replays
history, or sends one ERROR event with a 410 ``Expired`` Status when that version is older than
the retained history. BOOKMARKs (``allowWatchBookmarks``) carry only kind, apiVersion and
metadata.resourceVersion.

A version the server has not reached yet (a client resuming after the cluster's state was
reset) is answered as kube-apiserver's watch cache answers it (cacher.go, cache_watcher.go): a
plain watch is accepted and delivers nothing at or below that version, bookmarks included, so it
stays silent until the server's history passes it; a WatchList (``sendInitialEvents=true``)
waits up to 3 s for the server to catch up, then ends with an ERROR event carrying the 504
``ResourceVersionTooLarge`` Status. ``timeoutSeconds`` is wall-clock time, as for a real server (a
fraction of a second is accepted too, which keeps tests quick).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from aiohttp import web

from .. import jsonutil
from ..deadline import timeout as within
from ..store import Event, Expired, Watcher
from . import tables
from .errors import status_body, too_large_resource_version
from .handlers import Registry, Target, parse_rv
from .listoptions import watch_list
from .media import Form, Negotiated, partial_metadata
from .selectors import fields_match, labels_match, parse_field_selector, parse_label_selector

Obj = dict[str, Any]

DEFAULT_TIMEOUT = 1800.0
# How long a WatchList waits for the server to reach its resourceVersion (the watch cache's
# blockTimeout).
BLOCK_TIMEOUT = 3.0
# Initial events of a WatchList serialised per write.
INITIAL_CHUNK = 200


class WatchStream:
    """Serialises one watch's events in the negotiated representation."""

    def __init__(self, registry: Registry, target: Target, form: Form, include: str) -> None:
        self.registry = registry
        self.target = target
        self.form = form
        self.include = include
        self._columns_sent = False

    def encode(self, kind: str, obj: Obj) -> bytes:
        if self.form is Form.TABLE:
            row = tables.row(
                self.target.gr,
                obj,
                self.registry.now(),
                self.registry.row_object(self.target, obj, self.include),
            )
            rv = obj.get("metadata", {}).get("resourceVersion", "")
            body: Obj = tables.table(self.target.gr, [row], rv, with_columns=not self._columns_sent)
            self._columns_sent = True
        elif self.form is Form.META:
            body = partial_metadata(obj)
        else:
            body = self.registry.served(self.target, obj)
        return jsonutil.dumps({"type": kind, "object": body}) + b"\n"

    def bookmark(self, rv: int, *, initial_events_end: bool = False) -> bytes:
        meta: Obj = {"resourceVersion": str(rv)}
        if initial_events_end:
            meta["annotations"] = {"k8s.io/initial-events-end": "true"}
        obj = {
            "kind": self.target.rtype.kind,
            "apiVersion": self.target.api_version,
            "metadata": meta,
        }
        return jsonutil.dumps({"type": "BOOKMARK", "object": obj}) + b"\n"


def _truthy(value: str | None) -> bool:
    return value in ("1", "true", "True")


async def serve_watch(
    request: web.Request,
    registry: Registry,
    target: Target,
    params: dict[str, str],
    negotiated: Negotiated,
    bookmark_interval: float,
) -> web.StreamResponse:
    store = registry.store
    labels = parse_label_selector(params.get("labelSelector"))
    fields = parse_field_selector(target.gr, params.get("fieldSelector"))
    if target.name:
        # A watch on one object is a watch on its kind with a name field selector.
        fields = fields + parse_field_selector(target.gr, f"metadata.name={target.name}")
    include = params.get("includeObject", "Metadata")
    stream = WatchStream(registry, target, negotiated.form, include)
    rv_param = params.get("resourceVersion", "")
    send_initial, end_bookmark = watch_list(params)
    timeout = DEFAULT_TIMEOUT
    if params.get("timeoutSeconds"):
        with contextlib.suppress(ValueError):
            timeout = float(params["timeoutSeconds"])
    bookmarks = _truthy(params.get("allowWatchBookmarks"))

    def matches(obj: Obj | None) -> bool:
        return obj is not None and labels_match(labels, obj) and fields_match(fields, obj)

    wanted = 0 if rv_param in ("", "0") else parse_rv(rv_param)
    if send_initial and wanted > store.resource_version:
        await _wait_for_version(registry, wanted)
    # Initial events are the current state, so the stream goes on from the current version.
    # (Without them, "" and "0" start the watch at the newest version.)
    since = store.resource_version if send_initial or rv_param in ("", "0") else wanted
    response = web.StreamResponse(headers={"Content-Type": negotiated.content_type})
    response.enable_chunked_encoding()
    watcher: Watcher | None = None
    error: bytes | None = None
    try:
        if send_initial and wanted > since:
            too_large = too_large_resource_version(wanted, since)
            error = jsonutil.dumps({"type": "ERROR", "object": too_large.status()}) + b"\n"
        else:
            watcher = store.watch(target.gr, target.namespace, since)
    except Expired as exc:
        error = (
            jsonutil.dumps({"type": "ERROR", "object": status_body(410, "Expired", str(exc))})
            + b"\n"
        )
    # The state the initial events show: references to the stored objects, which are never
    # changed in place, so this is a snapshot at ``since`` however long the sending takes.
    initial = (
        [obj for obj in store.list(target.gr, target.namespace) if matches(obj)]
        if watcher is not None and send_initial
        else []
    )
    try:
        await response.prepare(request)
        if error is not None:
            await response.write(error)
            return response
        assert watcher is not None
        await _send_initial(response, stream, initial)
        if send_initial and end_bookmark:
            await response.write(stream.bookmark(since, initial_events_end=True))
        await _pump(
            response,
            watcher,
            stream,
            matches,
            (timeout, bookmark_interval if bookmarks else None, since),
            registry,
        )
    except ConnectionResetError:
        # The client hung up (before the headers, or during the stream).
        return response
    finally:
        if watcher is not None:
            watcher.close()
    with contextlib.suppress(ConnectionResetError):
        await response.write_eof()
    return response


async def _send_initial(response: web.StreamResponse, stream: WatchStream, objs: list[Obj]) -> None:
    """The initial ADDED events, :data:`INITIAL_CHUNK` objects a write: what is serialised
    at once stays small at any size (100,000 pods are ~300 MB of JSON), and each write waits
    for the client to read, as the API server's watch cache streams them."""
    for start in range(0, len(objs), INITIAL_CHUNK):
        chunk = objs[start : start + INITIAL_CHUNK]
        await response.write(b"".join(stream.encode("ADDED", obj) for obj in chunk))


async def _wait_for_version(registry: Registry, wanted: int) -> None:
    store = registry.store
    reached = asyncio.Event()

    def check(_event: Event) -> None:
        if store.resource_version >= wanted:
            reached.set()

    store.add_listener("*", check)
    try:
        with contextlib.suppress(asyncio.TimeoutError):
            async with within(BLOCK_TIMEOUT):
                await reached.wait()
    finally:
        store.remove_listener("*", check)


async def _pump(
    response: web.StreamResponse,
    watcher: Watcher,
    stream: WatchStream,
    matches: Any,
    timing: tuple[float, float | None, int],
    registry: Registry,
) -> None:
    """``timing``: the watch's timeout, its bookmark interval (None: no bookmarks), and the
    version it started from. Nothing at or below that version is sent (it may be ahead of
    the store: see the module docstring), and no bookmark goes back below it."""
    timeout, bookmark_interval, floor = timing
    bookmarks = bookmark_interval is not None
    bookmark_interval = bookmark_interval or 0.0
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    next_bookmark = loop.time() + bookmark_interval
    while True:
        now = loop.time()
        if now >= deadline:
            return
        wait = deadline - now
        if bookmarks:
            wait = min(wait, max(0.0, next_bookmark - now))
        try:
            async with within(wait):
                event = await watcher.events.get()
        except asyncio.TimeoutError:
            if bookmarks and loop.time() >= next_bookmark:
                current = registry.store.resource_version
                if watcher.events.empty() and current >= floor:
                    await response.write(stream.bookmark(current))
                next_bookmark = loop.time() + bookmark_interval
            continue
        batch = [event]
        while not watcher.events.empty():
            batch.append(watcher.events.get_nowait())
        chunks = []
        closed = False
        for ev in batch:
            if ev is None:
                closed = True
                break
            if ev.rv <= floor:
                continue
            line = _translate(ev, stream, matches)
            if line:
                chunks.append(line)
        if chunks:
            await response.write(b"".join(chunks))
        if closed:
            return


def _translate(event: Event, stream: WatchStream, matches: Any) -> bytes | None:
    """A store event as the filtered watch sees it: an object that stops matching the
    selector is DELETED for this watch, one that starts matching is ADDED."""
    now = matches(event.obj)
    if event.type == "MODIFIED":
        before = matches(event.old)
        if now and before:
            return stream.encode("MODIFIED", event.obj)
        if now:
            return stream.encode("ADDED", event.obj)
        if before:
            return stream.encode("DELETED", event.obj)
        return None
    if now:
        return stream.encode(event.type, event.obj)
    return None
