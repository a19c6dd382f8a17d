"""The real :class:`~.source.Source`: an authenticated connection, informers filling the
cache, and the data layer's actions, opened by :func:`open_source`."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import replace

from ..kube import access, actions, describe, kubectl
from ..kube import kinds as K
from ..kube.actions import ActionResult
from ..kube.connection import ApiError, Connection, ConnectionFailed, check, open_connection
from ..kube.informers import Informers
from ..kube.kubeconfig import ConfigError, kubeconfig_paths, load_merged
from ..kube.logs import LogOptions, LogStream
from ..kube.store import ClusterState, SyncState
from ..model import labelselector
from ..model.preconditions import Seen
from ..model.ref import WorkloadRef
from ..options import ConnectionOptions, Options
from .source import CachedReads, ConnectError, Obj, Status

# Store notifications a second at most. The app paces its refreshes by their cost itself;
# the store's default 10/s alone delayed every change shown (bench/README.md, "Figures behind
# the comments").
NOTIFY_RATE = 50.0


class ClusterSource(CachedReads):
    """An open connection with its live cache. Create with :func:`open_source`."""

    def __init__(
        self,
        connection: Connection,
        state: ClusterState,
        informers: Informers,
        *,
        namespace: str,
        all_namespaces: bool,
        connection_options: ConnectionOptions,
        selector: str | None = None,
    ) -> None:
        super().__init__(
            state, namespace=namespace, all_namespaces=all_namespaces, selector=selector
        )
        self.connection = connection
        self.informers = informers
        self.connection_options = connection_options
        self._unsubscribe: list[Callable[[], None]] = []
        self._permissions: dict[str, access.Permissions | None] = {}  # None: being asked
        self._asking: set[asyncio.Task[None]] = set()
        self._on_permissions: Callable[[], None] = lambda: None

    @property
    def context(self) -> str:
        return self.connection.context or "(none)"

    def status(self, reconnect_key: str | None = None) -> Status:
        """Where the watches stand; the banner names ``reconnect_key`` (the key that retries
        at once) beside the wait."""
        conn = self.state.connection
        if conn.state == "retrying":
            parts = [f"⚠ watch lost ({conn.reason or 'connection lost'})"]
            retry = conn.retry_in()
            parts.append(f"retrying in {retry:.0f}s" if retry else "retrying")
            if retry and reconnect_key:
                parts[-1] += f" ({reconnect_key} now)"
            if conn.last_good is not None:
                shown = time.strftime("%H:%M:%S", time.gmtime(conn.last_good))
                parts.append(f"showing state from {shown} UTC")
            banner = " — ".join(parts[:2]) + "".join(f" · {p}" for p in parts[2:])
            return Status(False, banner, conn.last_good)
        if conn.state == "connecting":
            return Status(False, None)
        return Status(True, None)

    def scope(self) -> str:
        """The namespaces shown, for the title bar: ``shop``, ``all``, or what a user who
        may not list across namespaces sees instead (``default (-A forbidden)``, or
        ``all (secrets: default only)`` when only some kinds are confined)."""
        if not self.all_namespaces:
            return self.namespace
        narrowed = self.informers.narrowed()
        if not narrowed:
            return "all"
        namespaces = sorted(set(narrowed.values()))
        namespaced = [k.name for k in self.informers.kinds if k.namespaced and not k.cluster_wide]
        if len(namespaces) == 1 and all(
            k in narrowed or self.state.status(k).state is SyncState.FORBIDDEN for k in namespaced
        ):
            return f"{namespaces[0]} (-A forbidden)"
        kinds = sorted(narrowed)
        named = ", ".join(kinds) if len(kinds) <= 2 else f"{len(kinds)} kinds"
        return f"all ({named}: {', '.join(namespaces)} only)"

    def reconnect(self) -> None:
        """Retry now whatever waits to retry (a long Retry-After or back-off)."""
        self.informers.reconnect()

    def contexts(self) -> list[str]:
        try:
            merged = load_merged(kubeconfig_paths(self.connection_options))
        except (ConfigError, OSError):
            return [self.context]
        return sorted(merged.contexts)

    async def namespaces(self) -> list[str]:
        """Namespaces the user may list; those seen in the cache when listing is refused."""
        try:
            body = await self.connection.get_json("/api/v1/namespaces")
            names = [
                str((item.get("metadata") or {}).get("name") or "")
                for item in (body.get("items") or [])
                if isinstance(item, dict)
            ]
        except (ApiError, ConnectionFailed):
            kinds = [*K.WORKLOADS.values(), K.PODS]
            names = [ns for kind in kinds for ns, _ in self.state.objects(kind.name)]
        return sorted({n for n in [*names, self.namespace] if n})

    def denied(self, action: str, kind: str, namespace: str) -> str | None:
        """Why the user may not run ``action`` on a ``kind`` in ``namespace`` (``forbidden:
        deployments/scale update``), or None. Answers come from the server, asked once per
        namespace for every key (:func:`kube.access.permissions`); until they arrive, and when
        they cannot be had, nothing is denied (the server still decides)."""
        if namespace not in self._permissions:
            self._permissions[namespace] = None
            task = asyncio.create_task(self._ask(namespace))
            self._asking.add(task)
            task.add_done_callback(self._asking.discard)
            return None
        known = self._permissions[namespace]
        return known.denied(action, kind) if known is not None else None

    async def _ask(self, namespace: str) -> None:
        try:
            answer = await access.permissions(self.connection, namespace)
        except (ApiError, ConnectionFailed):
            answer = access.Permissions(namespace, {})
        self._permissions[namespace] = answer
        self._on_permissions()

    # -- notifications ------------------------------------------------------------------------

    def on_permissions(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` when the answers about a namespace's permissions arrive."""
        self._on_permissions = callback

    def subscribe(self, on_change: Callable[[], None]) -> None:
        """Call ``on_change`` after store changes (coalesced by the store, <= NOTIFY_RATE a
        second), and for connection status changes."""
        self._unsubscribe.append(self.state.subscribe(lambda _version: on_change()))

    def want_metrics(self, wanted: bool, namespace: str | None = None) -> None:
        """Poll pod metrics of ``namespace`` (None: the whole scope) while ``wanted``."""
        self.informers.want_metrics(wanted, namespace)

    async def close(self) -> None:
        for task in list(self._asking):
            task.cancel()
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()
        await self.informers.stop()
        await self.connection.close()
        self.state.close()

    # -- acting -------------------------------------------------------------------------------

    async def scale(
        self, ref: WorkloadRef, replicas: int, *, current_replicas: int | None
    ) -> ActionResult:
        """Scale through the scale subresource, only while the workload (a Deployment or a
        StatefulSet) still asks for ``current_replicas`` (kubectl's ``--current-replicas``)."""
        return await actions.scale(
            self.connection,
            ref,
            replicas,
            current_replicas=current_replicas,
            hpas=self.objects(K.HPAS.name, ref.namespace),
        )

    async def undo(self, ref: WorkloadRef, revision: int, *, shown: Seen) -> ActionResult:
        return await actions.rollout_undo(self.connection, ref, revision, shown=shown)

    async def restart(self, ref: WorkloadRef, *, shown: Seen) -> ActionResult:
        return await actions.rollout_restart(self.connection, ref, shown=shown)

    async def pause(self, namespace: str, name: str, pause: bool, *, shown: Seen) -> ActionResult:
        act = actions.rollout_pause if pause else actions.rollout_resume
        return await act(self.connection, namespace, name, shown=shown)

    async def delete_pod(self, namespace: str, name: str, *, uid: str | None) -> ActionResult:
        """Delete that very pod (``uid``: the one the user saw, not a namesake since)."""
        return await actions.delete_pod(self.connection, namespace, name, uid=uid)

    def kubectl_options(self) -> ConnectionOptions:
        """The flags kubectl is run with: this connection's, with the context it resolved
        (the kubeconfig's current-context may change meanwhile)."""
        options = self.connection_options
        if self.connection.context and not options.context:
            options = replace(options, context=self.connection.context)
        return options

    async def describe(self, kind: str, namespace: str, name: str) -> describe.Described:
        """``kubectl describe`` of one object, by kubectl, with this connection's flags."""
        return await describe.describe(self.kubectl_options(), kind, namespace, name)

    async def fetch(self, kind: str, namespace: str, name: str) -> Obj | str:
        """The whole object from the API server (a GET), with what the store does not keep
        of it (:mod:`kube.trim`); a one-line message when it cannot be read."""
        resource = describe.described().get(kind)
        if resource is None:
            return f"{kind} cannot be read"
        try:
            obj = await self.connection.get_json(resource.path(namespace, name))
        except ApiError as exc:
            if exc.status == 404:
                return f'{kind.lower()} "{name}" not found (it may have been deleted)'
            return exc.kubectl_message()
        except ConnectionFailed as exc:
            return str(exc)
        return obj if isinstance(obj, dict) else f"{kind} {name}: the server sent no object"

    def edit_command(self, kind: str, namespace: str, name: str) -> list[str] | None:
        """``kubectl edit`` of one object (``kind`` one of :func:`describe.described`); None
        when there is no kubectl."""
        binary = kubectl.kubectl_binary()
        if binary is None:
            return None
        resource = describe.described()[kind]
        return kubectl.edit_command(binary, self.kubectl_options(), resource, namespace, name)

    def shell_command(self, namespace: str, pod: str, container: str) -> list[str] | None:
        """``kubectl exec -it`` of a shell in one container; None when there is no kubectl."""
        binary = kubectl.kubectl_binary()
        if binary is None:
            return None
        return kubectl.exec_command(binary, self.kubectl_options(), namespace, pod, container)

    def port_forward(
        self, namespace: str, target: str, remote: int, local: int | None
    ) -> kubectl.PortForward | None:
        """A ``kubectl port-forward`` of ``target`` (``pod/NAME``, ``service/NAME``), not yet
        started; None when there is no kubectl."""
        binary = kubectl.kubectl_binary()
        if binary is None:
            return None
        command = kubectl.port_forward_command(
            binary, self.kubectl_options(), namespace, target, remote, local
        )
        return kubectl.PortForward(command, namespace, target, remote)

    async def delete(self, kind: str, namespace: str, name: str, version: str) -> ActionResult:
        """Delete one object of the stack (``kind`` one of :data:`actions.DELETABLE`) if it is
        still at resourceVersion ``version`` (what the confirmation showed)."""
        return await actions.delete_object(
            self.connection, actions.DELETABLE[kind], namespace, name, resource_version=version
        )

    def log_stream(
        self,
        namespace: str,
        *,
        pod: str | None,
        workload: WorkloadRef | None,
        options: LogOptions,
    ) -> LogStream:
        """Logs of one pod, or of every pod of a workload (new pods join as they start)."""
        return LogStream(
            self.connection,
            namespace,
            pod=pod,
            workload=workload,
            state=self.state,
            options=options,
        )


async def open_source(connection_options: ConnectionOptions, options: Options) -> ClusterSource:
    """Connect as kubectl would and start watching; raises :class:`ConnectError` with one
    line for the user."""
    try:
        connection = open_connection(connection_options)
    except ConnectionFailed as exc:
        raise ConnectError(str(exc)) from exc
    # The server's check goes out with the first lists, which do not wait a round trip (and a
    # TLS handshake) for its answer; its failure is the one the user is told.
    checking = asyncio.ensure_future(check(connection))
    # Its error is raised where it is awaited; when open_source is cancelled first, not logged.
    checking.add_done_callback(lambda done: done.cancelled() or done.exception())
    state = ClusterState(max_rate=NOTIFY_RATE)
    namespace = connection.namespace
    scope = None if options.all_namespaces else namespace
    if options.selector:
        # Read by the server first: a bad selector gets its words, what kubectl prints.
        try:
            await checking
            await _read_selector(connection, scope, options.selector)
            labelselector.parse(options.selector)
        except ApiError as exc:
            await connection.close()
            raise ConnectError(exc.kubectl_message()) from exc
        except (ConnectionFailed, ValueError) as exc:
            await connection.close()
            raise ConnectError(str(exc)) from exc
    informers = Informers(connection, state, scope)
    try:
        _, elsewhere = await asyncio.gather(
            informers.start(), _workloads_elsewhere(connection, scope, options.selector)
        )
        await checking
    except (ApiError, ConnectionFailed) as exc:
        await informers.stop()
        await connection.close()
        raise ConnectError(str(exc)) from exc
    source = ClusterSource(
        connection,
        state,
        informers,
        namespace=namespace,
        all_namespaces=options.all_namespaces,
        connection_options=connection_options,
        selector=options.selector,
    )
    source.workloads_elsewhere = elsewhere
    return source


async def _read_selector(connection: Connection, namespace: str | None, selector: str) -> None:
    """Have the API server read ``selector`` on a list of workloads: raises its refusal of a
    bad selector. A workload kind the user may not list is passed over for the next one, so
    the refusal comes only when none can be listed (the first kind's words, as before)."""
    query = {"labelSelector": selector, "limit": "1"}
    refused: ApiError | None = None
    for kind in K.WORKLOADS.values():
        try:
            await connection.get_json(kind.path(namespace), query)
        except ApiError as exc:
            if exc.status not in (403, 404):
                raise
            refused = refused or exc
        else:
            return
    if refused is not None:
        raise refused


async def _workloads_elsewhere(
    connection: Connection, namespace: str | None, selector: str | None
) -> bool:
    """Whether a namespace other than ``namespace`` has a workload of any kind the app lists
    (False when all are watched, or no cluster-wide list is allowed)."""
    if namespace is None:
        return False
    query = {
        "limit": "1",
        "labelSelector": selector or "",
        "fieldSelector": f"metadata.namespace!={namespace}",
    }

    async def some(kind: K.Kind) -> bool:
        try:
            listing = await connection.get_json(kind.path(None), query)
        except (ApiError, ConnectionFailed):
            return False
        return isinstance(listing, dict) and bool(listing.get("items"))

    return any(await asyncio.gather(*(some(kind) for kind in K.WORKLOADS.values())))
