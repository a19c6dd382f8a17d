"""The app's one door to the cluster: the data layer's connection, store, informers and
actions behind the few calls the screens make. Screens never talk HTTP and never import
``kube`` directly; this module holds no Kubernetes semantics either, it only delegates.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from ..kube import access, actions, describe, kubectl
from ..kube import kinds as K
from ..kube.actions import ActionResult
from ..kube.connection import ApiError, Connection, ConnectionFailed, connect
from ..kube.informers import Informers
from ..kube.kubeconfig import ConfigError, kubeconfig_paths, load_merged
from ..kube.logs import LogOptions, LogStream
from ..kube.store import ClusterState, SyncState
from ..model import labelselector
from ..model.events import ProbeFailures
from ..model.preconditions import Seen
from ..model.ref import WorkloadRef
from ..model.stack import Stack, StackRow, Summarizer
from ..options import ConnectionOptions, Options

Key = tuple[str, str]
Obj = Mapping[str, Any]


_UNREADABLE = (SyncState.PENDING, SyncState.FORBIDDEN, SyncState.UNAVAILABLE)
# Store notifications a second at most. The app paces its refreshes by their cost itself;
# the store's default 10/s alone added up to 100 ms to every change shown.
NOTIFY_RATE = 50.0


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


class Source:
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
        self.connection = connection
        self.state = state
        self.informers = informers
        self.namespace = namespace
        self.all_namespaces = all_namespaces
        self.connection_options = connection_options
        self.selector = selector
        """``-l``: only workloads whose labels it selects are shown (None: all)."""
        self.selects: Callable[[Mapping[str, str]], bool] = labelselector.parse(selector or "")
        self.deployments_elsewhere = False
        """Whether, at the start, another namespace than the one watched had a Deployment
        (selected by ``selector``): an empty list then says where to look."""
        self._unsubscribe: list[Callable[[], None]] = []
        self._summarizer = Summarizer()
        self._summarized_version = -1
        self._permissions: dict[str, access.Permissions | None] = {}  # None: being asked
        self._asking: set[asyncio.Task[None]] = set()
        self._on_permissions: Callable[[], None] = lambda: None

    # -- reading ------------------------------------------------------------------------------

    @property
    def context(self) -> str:
        return self.connection.context or "(none)"

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
            names = [ns for kind in ("deployments", "pods") for ns, _ in self.state.objects(kind)]
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

    def hpa_owners(self, ref: WorkloadRef) -> list[Obj]:
        """The HPAs whose scale target is this workload."""
        return actions.hpas_targeting(self.objects(K.HPAS.name, ref.namespace), ref)

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

    def describe_inputs(self, kind: str, namespace: str, name: str) -> tuple[str, ...]:
        """Versions of what describe reads (:func:`kube.describe.inputs`)."""
        return describe.inputs(self.state, kind, namespace, name)

    def log_stream(
        self,
        namespace: str,
        *,
        pod: str | None,
        deployment: str | None,
        options: LogOptions,
    ) -> LogStream:
        """Logs of one pod, or of every pod of a Deployment (new pods join as they start)."""
        return LogStream(
            self.connection,
            namespace,
            pod=pod,
            deployment=deployment,
            state=self.state,
            options=options,
        )


async def open_source(connection_options: ConnectionOptions, options: Options) -> Source:
    """Connect as kubectl would and start watching; raises :class:`ConnectError` with one
    line for the user."""
    try:
        connection = await connect(connection_options)
    except ConnectionFailed as exc:
        raise ConnectError(str(exc)) from exc
    state = ClusterState(max_rate=NOTIFY_RATE)
    namespace = connection.namespace
    scope = None if options.all_namespaces else namespace
    if options.selector:
        # Read by the server first: a bad selector gets its words, what kubectl prints.
        try:
            query = {"labelSelector": options.selector, "limit": "1"}
            await connection.get_json(K.DEPLOYMENTS.path(scope), query)
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
            informers.start(), _deployments_elsewhere(connection, scope, options.selector)
        )
    except (ApiError, ConnectionFailed) as exc:
        await connection.close()
        raise ConnectError(str(exc)) from exc
    source = Source(
        connection,
        state,
        informers,
        namespace=namespace,
        all_namespaces=options.all_namespaces,
        connection_options=connection_options,
        selector=options.selector,
    )
    source.deployments_elsewhere = elsewhere
    return source


async def _deployments_elsewhere(
    connection: Connection, namespace: str | None, selector: str | None
) -> bool:
    """Whether a namespace other than ``namespace`` has a Deployment (False when all are
    watched, or the cluster-wide list is not allowed)."""
    if namespace is None:
        return False
    query = {
        "limit": "1",
        "labelSelector": selector or "",
        "fieldSelector": f"metadata.namespace!={namespace}",
    }
    try:
        listing = await connection.get_json(K.DEPLOYMENTS.path(None), query)
    except (ApiError, ConnectionFailed):
        return False
    return isinstance(listing, dict) and bool(listing.get("items"))
