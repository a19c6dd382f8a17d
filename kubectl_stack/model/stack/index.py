"""The snapshot index: every object looked up more than once, built in one pass per kind
(the snapshot's shape is described in :mod:`kubectl_stack.model.stack`). Pure."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from functools import cached_property
from typing import Any

from kubectl_stack import kinds as K
from kubectl_stack.model import fields as u
from kubectl_stack.model.events import (
    ProbeFailures,
    events_by_namespace,
    unhealthy_by_pod,
)
from kubectl_stack.model.stack.views import IngressRoute
from kubectl_stack.model.workloads import REGISTRY, WorkloadKind

KINDS = tuple(
    k.name
    for k in (
        K.DEPLOYMENTS,
        K.REPLICASETS,
        K.PODS,
        K.SERVICES,
        K.ENDPOINTSLICES,
        K.INGRESSES,
        K.HPAS,
        K.CONFIGMAPS,
        K.SECRETS,
        K.PVCS,
        K.EVENTS,
        K.STATEFULSETS,
        K.DAEMONSETS,
        K.CERTIFICATES,
    )
)
"""The snapshot kinds the stacks are built from (store keys of :mod:`kubectl_stack.kinds`)."""


def _workloads() -> list[WorkloadKind]:
    """Every registered workload kind, read from the registry when asked (a kind registered
    later is seen)."""
    return list(REGISTRY.values())


def _revision_keys() -> tuple[str, ...]:
    """Store keys of the objects that keep the workloads' revisions (ReplicaSets,
    ControllerRevisions)."""
    return tuple(dict.fromkeys(k.revisions.name for k in _workloads()))


def snapshot_kinds() -> tuple[str, ...]:
    """:data:`KINDS` and the store keys of every registered workload kind and its revisions."""
    workloads = (k.kind.name for k in _workloads())
    return tuple(dict.fromkeys((*KINDS, *workloads, *_revision_keys())))


_ABSENT = object()


def _raw(snapshot: Any, kind: str) -> Any:
    """The snapshot's value for ``kind`` as given, or ``_ABSENT``."""
    if not isinstance(snapshot, Mapping):
        return _ABSENT
    for key, v in snapshot.items():
        if isinstance(key, str) and key.split(".", 1)[0].lower() == kind:
            return v
    return _ABSENT


def _objects(snapshot: Any, kind: str) -> list[Mapping[str, Any]] | None:
    value = _raw(snapshot, kind)
    if value is _ABSENT:
        return None
    if isinstance(value, Mapping):
        value = list(value.values())
    if not isinstance(value, Iterable) or isinstance(value, (str, bytes)):
        return []
    return [o for o in value if isinstance(o, Mapping)]


def _hpa_target(hpa: Mapping[str, Any]) -> tuple[str, str] | None:
    """The (kind, name) of the workload an HPA scales (None for a target that is not a
    registered workload kind)."""
    ref = u.d(u.path(hpa, "spec", "scaleTargetRef"))
    kind = u.s(ref.get("kind"))
    return (kind, u.s(ref.get("name"))) if kind in REGISTRY else None


def group_kinds() -> dict[str, tuple[str, ...]]:
    """Parts of the index, each rebuilt only from the kinds that feed it (see Summarizer)."""
    return {"revisions": _revision_keys(), **_GROUP_KINDS}


_GROUP_KINDS = {
    "links": (
        "services",
        "endpointslices",
        "ingresses",
        "configmaps",
        "secrets",
        "persistentvolumeclaims",
        "certificates",
    ),
    "hpas": ("horizontalpodautoscalers",),
    "events": ("events",),
}


_GROUP_ATTRS = {
    "revisions": ("revisions_by_owner",),
    "links": (
        "services",
        "slices",
        "ingresses",
        "certificates",
        "ingress_names",
        "svc_by_pair",
        "svc_names",
        "slices_by_svc",
        "routes_by_svc",
        "routes_to_missing",
        "names",
    ),
    "hpas": ("hpas", "hpa_by_target"),
    "events": ("unhealthy", "events_by_ns"),
}


_NOT_YET: dict[str, list[Mapping[str, Any]]] = {}  # events_by_ns until a stack asks


class _Index:
    """Everything looked up more than once, built in one pass per kind. With ``reuse``, the
    groups of :func:`group_kinds` not named in ``stale`` are taken from that earlier index;
    ``workload_at``: the workloads by (kind, namespace, name), when the caller keeps them;
    ``unhealthy``: the events' probe failures by pod, when the caller keeps them."""

    def __init__(
        self,
        snapshot: Any,
        now: float,
        pods_by_owner: Mapping[str, Iterable[Mapping[str, Any]]] | None = None,
        reuse: _Index | None = None,
        stale: Iterable[str] = tuple(_GROUP_ATTRS),
        workload_at: Mapping[tuple[str, str, str], Mapping[str, Any]] | None = None,
        unhealthy: Mapping[str, tuple[ProbeFailures, ...]] | None = None,
    ) -> None:
        self.now = now
        self._snapshot = snapshot
        self._workload_at = workload_at
        self._unhealthy = unhealthy
        self.pods_by_owner: Mapping[str, Iterable[Mapping[str, Any]]]
        if pods_by_owner is None:
            by_owner: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
            controller_uid = u.controller_uid
            for pod in _objects(snapshot, "pods") or ():
                owner = controller_uid(pod)
                if owner:
                    by_owner[owner].append(pod)
            self.pods_by_owner = by_owner
        else:
            self.pods_by_owner = pods_by_owner
        stale = set(stale)
        for group, attrs in _GROUP_ATTRS.items():
            if reuse is None or group in stale:
                getattr(self, f"_index_{group}")(snapshot)
            else:
                for attr in attrs:
                    setattr(self, attr, getattr(reuse, attr))

    @cached_property
    def workloads(self) -> list[tuple[WorkloadKind, Mapping[str, Any]]]:
        """Every workload with its kind, kind by kind in the registry's order, each in
        snapshot order (built on first use: a kept index looks workloads up by key)."""
        return [
            (k, obj) for k in _workloads() for obj in _objects(self._snapshot, k.kind.name) or ()
        ]

    def workload(self, kind: WorkloadKind, namespace: str, name: str) -> Mapping[str, Any] | None:
        if self._workload_at is not None:
            return self._workload_at.get((kind.kind.kind, namespace, name))
        return next(
            (
                o
                for k, o in self.workloads
                if k is kind and u.namespace(o) == namespace and u.name(o) == name
            ),
            None,
        )

    def owned(self, kind: WorkloadKind, uid: str) -> list[Mapping[str, Any]]:
        """The revision objects (of ``kind``'s revisions kind) whose controller is ``uid``."""
        return self.revisions_by_owner.get((kind.revisions.name, uid), [])

    def _index_revisions(self, snapshot: Any) -> None:
        self.revisions_by_owner: dict[tuple[str, str], list[Mapping[str, Any]]] = defaultdict(list)
        for key in _revision_keys():
            for obj in _objects(snapshot, key) or ():
                owner = u.controller_uid(obj)
                if owner:
                    self.revisions_by_owner[(key, owner)].append(obj)

    def _index_links(self, snapshot: Any) -> None:
        self.services = _objects(snapshot, "services")
        self.slices = _objects(snapshot, "endpointslices")
        self.ingresses = _objects(snapshot, "ingresses")
        self.certificates = _objects(snapshot, "certificates")
        self.ingress_names: dict[str, dict[str, Mapping[str, Any]]] = defaultdict(dict)
        for ing in self.ingresses or []:
            self.ingress_names[u.namespace(ing)][u.name(ing)] = ing
        # Services indexed by one selector pair: a Service can only select labels containing it.
        self.svc_by_pair: dict[tuple[str, str, str], list[Mapping[str, Any]]] = defaultdict(list)
        self.svc_names: dict[str, dict[str, Mapping[str, Any]]] = defaultdict(dict)
        for svc in self.services or []:
            ns = u.namespace(svc)
            self.svc_names[ns][u.name(svc)] = svc
            selector = u.str_map(u.path(svc, "spec", "selector"))
            if selector:
                k, v = min(selector.items())
                self.svc_by_pair[(ns, k, v)].append(svc)
        self.slices_by_svc: dict[tuple[str, str], list[Mapping[str, Any]]] = defaultdict(list)
        for sl in self.slices or []:
            svc_name = u.labels(sl).get("kubernetes.io/service-name", "")
            if svc_name:
                self.slices_by_svc[(u.namespace(sl), svc_name)].append(sl)
        self.names: dict[str, dict[str, dict[str, Mapping[str, Any]]] | None] = {}
        for kind in ("configmaps", "secrets", "persistentvolumeclaims"):
            objs = _objects(snapshot, kind)
            if objs is None:
                self.names[kind] = None
                continue
            by_ns: dict[str, dict[str, Mapping[str, Any]]] = defaultdict(dict)
            for o in objs:
                by_ns[u.namespace(o)][u.name(o)] = o
            self.names[kind] = by_ns
        self.routes_by_svc: dict[tuple[str, str], list[IngressRoute]] = defaultdict(list)
        self.routes_to_missing: dict[str, list[IngressRoute]] = defaultdict(list)
        self._index_ingresses()

    def _index_hpas(self, snapshot: Any) -> None:
        self.hpas = _objects(snapshot, "horizontalpodautoscalers")
        self.hpa_by_target: dict[tuple[str, str, str], list[Mapping[str, Any]]] = defaultdict(list)
        for h in self.hpas or []:
            target = _hpa_target(h)
            if target is not None:
                self.hpa_by_target[(u.namespace(h), target[0], target[1])].append(h)

    def _index_events(self, snapshot: Any) -> None:
        self.unhealthy: Mapping[str, tuple[ProbeFailures, ...]] = (
            unhealthy_by_pod(_objects(snapshot, "events") or [])
            if self._unhealthy is None
            else self._unhealthy
        )
        self.events_by_ns = _NOT_YET

    def in_ns_events(self, namespace: str) -> list[Mapping[str, Any]]:
        """The events about ``namespace``. A stack's events are in its namespace: a Stack
        refresh walks those, not the whole scope's; grouped the first time a stack asks
        after the events changed (the Stacks list never needs them grouped)."""
        if self.events_by_ns is _NOT_YET:
            self.events_by_ns = events_by_namespace(_objects(self._snapshot, "events") or [])
        return self.events_by_ns.get(namespace, [])

    def exists(self, kind: str, namespace: str, name: str) -> bool | None:
        table = self.names.get(kind)
        if table is None:
            return None
        return name in table.get(namespace, {})

    def _index_ingresses(self) -> None:
        for ing in self.ingresses or []:
            ns = u.namespace(ing)
            spec = u.d(ing.get("spec"))
            tls_hosts: dict[str, str] = {}
            for tls in u.dicts(spec.get("tls")):
                secret = u.s(tls.get("secretName"))
                for host in u.lst(tls.get("hosts")):
                    if isinstance(host, str):
                        tls_hosts[host] = secret
            backends: list[tuple[str, str, Mapping[str, Any]]] = []
            default = u.d(spec.get("defaultBackend"))
            if default:
                backends.append(("*", "", default))
            for rule in u.dicts(spec.get("rules")):
                host = u.s(rule.get("host")) or "*"
                for p in u.dicts(u.path(rule, "http", "paths")):
                    backends.append((host, u.s(p.get("path")) or "/", u.d(p.get("backend"))))
            for host, path, backend in backends:
                service = u.d(backend.get("service"))
                svc_name = u.s(service.get("name"))
                if not svc_name:
                    continue
                port = u.d(service.get("port"))
                port_text = (
                    str(u.i(port.get("number")))
                    if u.opt_i(port.get("number")) is not None
                    else u.s(port.get("name"))
                )
                secret = tls_hosts.get(host, "")
                tls_ok = self.exists("secrets", ns, secret) if secret else None
                svc = self.svc_names.get(ns, {}).get(svc_name)
                route = IngressRoute(
                    ingress=u.name(ing),
                    host=host,
                    path=path,
                    service=svc_name,
                    port=port_text,
                    tls_secret=secret,
                    tls_ok=tls_ok,
                    service_ok=svc is not None or self.services is None,
                )
                self.routes_by_svc[(ns, svc_name)].append(route)
                if svc is None:
                    self.routes_to_missing[ns].append(route)


def _services_for(index: _Index, ns: str, lbls: Mapping[str, str]) -> list[Mapping[str, Any]]:
    seen: dict[int, Mapping[str, Any]] = {}
    for k, v in lbls.items():
        for svc in index.svc_by_pair.get((ns, k, v), ()):
            if u.map_selector_matches(u.str_map(u.path(svc, "spec", "selector")), lbls):
                seen[id(svc)] = svc
    return sorted(seen.values(), key=u.name)


def _endpoint_counts(index: _Index, ns: str, svc: str) -> tuple[int, int]:
    ready = not_ready = 0
    for sl in index.slices_by_svc.get((ns, svc), ()):
        for ep in u.dicts(sl.get("endpoints")):
            flag = u.path(ep, "conditions", "ready")
            # EndpointConditions.ready: nil means ready.
            if flag is None or flag is True:
                ready += 1
            else:
                not_ready += 1
    return ready, not_ready
