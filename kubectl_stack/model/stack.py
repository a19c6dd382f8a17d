"""The stack graph (DESIGN.md): a Deployment with its ReplicaSets and Pods, the Services that
select them (with endpoint readiness from EndpointSlices), the Ingresses routing to those
Services, the HPAs scaling it, the ConfigMaps / Secrets / PVCs its pod template references, and
the broken links between them as findings. Plus one summary row per stack and the urgency sort.

Input is a snapshot: a mapping from kind ("deployments", "replicasets", "pods", "services",
"endpointslices", "ingresses", "horizontalpodautoscalers", "configmaps", "secrets",
"persistentvolumeclaims", "events"; group-qualified names such as "deployments.apps" work too)
to the objects, as a list or as a mapping whose values are the objects. A kind missing from the
snapshot (forbidden or not yet synced) is unknown: nothing is reported missing because of it.
Secrets are read for their names only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

from kubectl_stack import kinds as K
from kubectl_stack.model import _util as u
from kubectl_stack.model.duration import age
from kubectl_stack.model.events import (
    EventRow,
    ProbeFailures,
    UnhealthyIndex,
    events_by_namespace,
    events_for,
    failures_for,
    unhealthy_by_pod,
)
from kubectl_stack.model.findings import ERROR, WARN, Finding
from kubectl_stack.model.hpa import Hpa, hpa_view
from kubectl_stack.model.pods import (
    FAILING,
    HEALTH_CLASSES,
    HEALTHY,
    PROGRESSING,
    RECENT_PROBE_FAILURE_SECONDS,
    RECENT_RESTART_SECONDS,
    TERMINATING,
    WARNING,
    PodRow,
    pod_row,
)
from kubectl_stack.model.rollout import (
    COMPLETE,
    DEADLINE_EXCEEDED,
    STALLED,
    Rollout,
    RolloutStatus,
    rollout,
)
from kubectl_stack.model.rollout import (
    PROGRESSING as ROLLOUT_PROGRESSING,
)
from kubectl_stack.model.storage import ClaimInfo, pod_claims, storage_findings
from kubectl_stack.model.tls import EXPIRY_WARNING_DAYS, ingress_tls, tls_findings
from kubectl_stack.model.workloads import (
    WorkloadRevision,
    WorkloadRow,
    for_kind,
    revision_history,
)

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
WORKLOAD_KINDS = {k.name: k.kind for k in K.WORKLOADS.values() if k is not K.DEPLOYMENTS}
"""Snapshot kinds of the workloads other than Deployments, and their ``kind``."""


def _other_workloads() -> list[tuple[str, str]]:
    """(kind, store key) of the registered workload kinds other than Deployments, read from
    the registry when asked (a kind registered later is seen)."""
    return [(k.kind, k.name) for k in K.WORKLOADS.values() if k is not K.DEPLOYMENTS]


@dataclass(frozen=True)
class ServiceLink:
    name: str
    type: str  # ClusterIP / NodePort / LoadBalancer / ExternalName
    ports: str  # "80→3000, 443→https"
    ready: int  # ready endpoints (EndpointSlices)
    not_ready: int
    selects_pods: int  # pods of this stack its selector matches


@dataclass(frozen=True)
class IngressRoute:
    ingress: str
    host: str  # "*" when the rule has no host
    path: str  # "/" ('' for a default backend)
    service: str
    port: str  # "80" or a port name
    tls_secret: str  # '' when the host is not under TLS
    tls_ok: bool | None  # the TLS secret exists (None when unknown)
    service_ok: bool


@dataclass(frozen=True)
class ConfigRef:
    kind: str  # ConfigMap / Secret / PersistentVolumeClaim
    name: str
    uses: tuple[str, ...]  # "envFrom", "env DATABASE_PASSWORD", "volume config", ...
    optional: bool
    exists: bool | None  # None when that kind is not visible
    phase: str  # PVC status.phase ('' otherwise)


@dataclass(frozen=True)
class Stack:
    """One Deployment and everything linked to it."""

    namespace: str
    name: str
    uid: str
    deployment: Mapping[str, Any]
    replicasets: tuple[Mapping[str, Any], ...]  # owned, oldest first
    pods: tuple[PodRow, ...]  # sorted by name
    rollout: Rollout
    services: tuple[ServiceLink, ...]
    ingresses: tuple[IngressRoute, ...]
    hpas: tuple[Hpa, ...]
    config: tuple[ConfigRef, ...]
    findings: tuple[Finding, ...]
    events: tuple[EventRow, ...]  # about the Deployment, its ReplicaSets and Pods; newest first


@dataclass(frozen=True)
class StackRow:
    """One line of the stacks screen."""

    namespace: str
    name: str
    uid: str
    rollout_state: str  # rollout.COMPLETE / PROGRESSING / STALLED / PAUSED / DEADLINE_EXCEEDED
    rollout_label: str  # "Progressing 4/6", "Stalled: readiness", ...
    progress: float  # 0..1
    ready: str  # READY "5/6"
    up_to_date: int
    available: int
    pod_counts: Mapping[str, int]  # health class -> count (every class present)
    crash_looping: int  # pods in CrashLoopBackOff (also counted as failing)
    pods_text: str  # "✓5 ◐1 ✗1"
    failing_probes: int  # pods whose readiness is currently failing
    probes_text: str  # "ok", "✗1", or "—" when the template declares no probe
    hpa_targets: str  # "cpu: 45%/70%" or "—"
    hpa_replicas: str  # "6→6" (current→desired) or ''
    svc_ready: int  # ready endpoints over the stack's Services
    svc_total: int
    svc_text: str  # "3/3" or "—"
    hosts: tuple[str, ...]  # ingress hosts
    findings: int
    age: str
    urgency: int  # 0 stalled, 1 failing, 2 progressing, 3 otherwise (sort key, then name)
    kind: str = "Deployment"  # or StatefulSet / DaemonSet

    @property
    def display_name(self) -> str:
        """The name as the stacks list shows it: kubectl's short resource name before
        StatefulSets and DaemonSets (``sts/db``, ``ds/agent``), the bare name for Deployments."""
        found = K.WORKLOADS.get(self.kind)
        if found is None or found is K.DEPLOYMENTS:
            return self.name
        return f"{found.short}/{self.name}"


@dataclass(frozen=True)
class WorkloadStack:
    """One StatefulSet or DaemonSet and everything linked to it. ``status`` is
    ``kubectl rollout status``'s verdict; ``row`` its ``kubectl get`` cells."""

    kind: str  # StatefulSet / DaemonSet
    namespace: str
    name: str
    uid: str
    workload: Mapping[str, Any]
    status: RolloutStatus
    row: WorkloadRow
    rollout_state: str  # rollout.COMPLETE / PROGRESSING, as in its StackRow
    rollout_label: str  # "Complete", "Progressing 2/3"
    progress: float  # 0..1
    revisions: tuple[WorkloadRevision, ...]  # oldest first
    pods: tuple[PodRow, ...]  # sorted by name
    services: tuple[ServiceLink, ...]
    ingresses: tuple[IngressRoute, ...]
    config: tuple[ConfigRef, ...]
    claims: tuple[ClaimInfo, ...]  # PVCs its pods use (volumeClaimTemplates included)
    findings: tuple[Finding, ...]
    events: tuple[EventRow, ...]  # about the workload, its revisions and pods; newest first


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


def _hpa_target(hpa: Mapping[str, Any]) -> str | None:
    """The name of the Deployment an HPA scales (None for other targets)."""
    ref = u.d(u.path(hpa, "spec", "scaleTargetRef"))
    return u.s(ref.get("name")) if u.s(ref.get("kind")) == "Deployment" else None


# Parts of the index, each rebuilt only from the kinds that feed it (see Summarizer).
_GROUP_KINDS = {
    "replicasets": ("replicasets",),
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
    "replicasets": ("replicasets", "rs_by_owner"),
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
    groups of ``_GROUP_KINDS`` not named in ``stale`` are taken from that earlier index;
    ``unhealthy``: the events' probe failures by pod, when the caller keeps them."""

    def __init__(
        self,
        snapshot: Any,
        now: float,
        pods_by_owner: Mapping[str, Iterable[Mapping[str, Any]]] | None = None,
        reuse: _Index | None = None,
        stale: Iterable[str] = tuple(_GROUP_KINDS),
        deployment_at: Mapping[tuple[str, str], Mapping[str, Any]] | None = None,
        unhealthy: Mapping[str, tuple[ProbeFailures, ...]] | None = None,
    ) -> None:
        self.now = now
        self._snapshot = snapshot
        self._deployment_at = deployment_at
        self._unhealthy = unhealthy
        self.workloads = [
            (kind, obj) for kind, key in _other_workloads() for obj in _objects(snapshot, key) or ()
        ]
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
    def deployments(self) -> list[Mapping[str, Any]]:
        """Every Deployment, in snapshot order (built on first use: a kept index looks
        Deployments up by key instead)."""
        return _objects(self._snapshot, "deployments") or []

    def deployment(self, namespace: str, name: str) -> Mapping[str, Any] | None:
        if self._deployment_at is not None:
            return self._deployment_at.get((namespace, name))
        return next(
            (d for d in self.deployments if u.namespace(d) == namespace and u.name(d) == name),
            None,
        )

    def _index_replicasets(self, snapshot: Any) -> None:
        self.replicasets = _objects(snapshot, "replicasets") or []
        self.rs_by_owner: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
        for rs in self.replicasets:
            owner = u.controller_uid(rs)
            if owner:
                self.rs_by_owner[owner].append(rs)

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
        self.hpa_by_target: dict[tuple[str, str], list[Mapping[str, Any]]] = defaultdict(list)
        for h in self.hpas or []:
            target = _hpa_target(h)
            if target is not None:
                self.hpa_by_target[(u.namespace(h), target)].append(h)

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


def _port_text(svc: Mapping[str, Any]) -> str:
    parts = []
    for p in u.dicts(u.path(svc, "spec", "ports")):
        port = u.i(p.get("port"))
        target = p.get("targetPort")
        target_text = str(target) if isinstance(target, (int, str)) and target != "" else ""
        parts.append(f"{port}→{target_text}" if target_text else str(port))
    return ", ".join(parts)


def _container_port_names(template: Mapping[str, Any]) -> tuple[set[str], set[int]]:
    names: set[str] = set()
    numbers: set[int] = set()
    for key in ("containers", "initContainers"):
        for c in u.dicts(u.path(template, "spec", key)):
            for p in u.dicts(c.get("ports")):
                if u.s(p.get("name")):
                    names.add(u.s(p.get("name")))
                if u.opt_i(p.get("containerPort")) is not None:
                    numbers.add(u.i(p.get("containerPort")))
    return names, numbers


def _config_refs(
    index: _Index, ns: str, template: Mapping[str, Any]
) -> tuple[tuple[ConfigRef, ...], list[Finding]]:
    uses: dict[tuple[str, str], list[str]] = defaultdict(list)
    optional: dict[tuple[str, str], bool] = {}

    def add(kind: str, name: str, use: str, opt: Any) -> None:
        if not name:
            return
        key = (kind, name)
        if use not in uses[key]:
            uses[key].append(use)
        optional[key] = optional.get(key, True) and opt is True

    spec = u.d(template.get("spec"))
    for ckey in ("initContainers", "containers"):
        for c in u.dicts(spec.get(ckey)):
            for ef in u.dicts(c.get("envFrom")):
                cm = u.d(ef.get("configMapRef"))
                add("ConfigMap", u.s(cm.get("name")), "envFrom", cm.get("optional"))
                sec = u.d(ef.get("secretRef"))
                add("Secret", u.s(sec.get("name")), "envFrom", sec.get("optional"))
            for env in u.dicts(c.get("env")):
                vf = u.d(env.get("valueFrom"))
                var = u.s(env.get("name"))
                cmk = u.d(vf.get("configMapKeyRef"))
                add("ConfigMap", u.s(cmk.get("name")), f"env {var}", cmk.get("optional"))
                sk = u.d(vf.get("secretKeyRef"))
                add("Secret", u.s(sk.get("name")), f"env {var}", sk.get("optional"))
    for vol in u.dicts(spec.get("volumes")):
        vname = u.s(vol.get("name"))
        cm = u.d(vol.get("configMap"))
        add("ConfigMap", u.s(cm.get("name")), f"volume {vname}", cm.get("optional"))
        sec = u.d(vol.get("secret"))
        add("Secret", u.s(sec.get("secretName")), f"volume {vname}", sec.get("optional"))
        pvc = u.d(vol.get("persistentVolumeClaim"))
        add("PersistentVolumeClaim", u.s(pvc.get("claimName")), f"volume {vname}", False)
        for src in u.dicts(u.path(vol, "projected", "sources")):
            pcm = u.d(src.get("configMap"))
            add("ConfigMap", u.s(pcm.get("name")), f"volume {vname}", pcm.get("optional"))
            psec = u.d(src.get("secret"))
            add("Secret", u.s(psec.get("name")), f"volume {vname}", psec.get("optional"))
    table_kind = {
        "ConfigMap": "configmaps",
        "Secret": "secrets",
        "PersistentVolumeClaim": "persistentvolumeclaims",
    }
    refs: list[ConfigRef] = []
    findings: list[Finding] = []
    for (kind, name), used in uses.items():
        exists = index.exists(table_kind[kind], ns, name)
        phase = ""
        if kind == "PersistentVolumeClaim" and exists:
            table = index.names.get("persistentvolumeclaims") or {}
            phase = u.s(u.path(table.get(ns, {}).get(name), "status", "phase"))
            if phase != "Bound":
                state = f"{phase}, not Bound" if phase else "not Bound"
                findings.append(Finding(WARN, kind, name, f"PVC {name} is {state}"))
        opt = optional.get((kind, name), False)
        if exists is False and not opt:
            findings.append(
                Finding(ERROR, kind, name, f"{kind} {name} not found (used by {', '.join(used)})")
            )
        refs.append(ConfigRef(kind, name, tuple(used), opt, exists, phase))
    return tuple(refs), findings


def _hpa_findings(view: Hpa) -> list[Finding]:
    if view.metrics_available or not view.metrics:
        return []
    active = next((c for c in view.conditions if c.type == "ScalingActive"), None)
    why = f": {active.reason}" if active is not None and active.reason else ""
    return [
        Finding(
            WARN, "HorizontalPodAutoscaler", view.name, f"HPA {view.name} metrics unavailable{why}"
        )
    ]


@dataclass
class _Built:
    """Per-deployment pieces shared by the summary and the detail view."""

    dep: Mapping[str, Any]
    ns: str
    name: str
    rss: list[Mapping[str, Any]]
    pod_objs: list[Mapping[str, Any]]
    rows: list[PodRow]
    rollout: Rollout
    services: list[ServiceLink]
    routes: list[IngressRoute]
    hpas: list[Hpa]
    config: tuple[ConfigRef, ...]
    findings: list[Finding]
    counts: dict[str, int]
    crash: int
    failing_probes: int
    has_probes: bool
    horizon: float  # the summary stays valid until this time (inputs unchanged)


def _is_plainly_healthy(pod: Mapping[str, Any], failures: tuple[ProbeFailures, ...]) -> bool:
    """The common case decided cheaply: running, Ready, every container ready and never
    restarted, not being deleted, no probe failures on record. Anything unusual (including
    any malformed field) answers False and gets the full pod_row treatment."""
    if failures or type(pod) is not dict:
        return False
    md = pod.get("metadata")
    status = pod.get("status")
    if type(md) is not dict or type(status) is not dict or "deletionTimestamp" in md:
        return False
    if status.get("phase") != "Running":
        return False
    conditions = status.get("conditions")
    statuses = status.get("containerStatuses")
    if type(conditions) is not list or type(statuses) is not list or not statuses:
        return False
    ready = False
    for cond in conditions:
        if type(cond) is not dict:
            return False
        if cond.get("type") == "Ready":
            ready = cond.get("status") == "True"
    if not ready:
        return False
    for cs in statuses:
        if type(cs) is not dict or cs.get("ready") is not True or cs.get("restartCount") != 0:
            return False
    init = status.get("initContainerStatuses")
    if init is None:
        return True
    if type(init) is not list:
        return False
    return all(type(cs) is dict and cs.get("restartCount") == 0 for cs in init)


def _raw_labels(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    """The labels mapping as stored (no copy); values are compared, never trusted as str."""
    return u.d(u.meta(obj).get("labels"))


def _labels_match(have: Mapping[str, Any], wanted: tuple[tuple[str, str], ...]) -> bool:
    return all(have.get(k) == v for k, v in wanted)


def _owned(
    index: _Index, dep: Mapping[str, Any]
) -> tuple[list[Mapping[str, Any]], list[Mapping[str, Any]]]:
    """The Deployment's ReplicaSets (snapshot order) and their pods."""
    ns = u.namespace(dep)
    dep_uid = u.uid(dep)
    if not dep_uid:
        return [], []
    rss = [rs for rs in index.rs_by_owner.get(dep_uid, ()) if u.namespace(rs) == ns]
    pod_objs: list[Mapping[str, Any]] = []
    for rs in rss:
        pod_objs.extend(index.pods_by_owner.get(u.uid(rs), ()))
    return rss, pod_objs


def _health_horizon(row: PodRow, failures: tuple[ProbeFailures, ...], now: float) -> float:
    """Until when the pod's health class stays as computed at ``now``: health depends on time
    only through the recent-restart and recent-probe-failure windows."""
    horizon = float("inf")
    if row.restart_count and row.last_restart is not None:
        end = row.last_restart + RECENT_RESTART_SECONDS
        if end >= now:
            horizon = end
    for f in failures:
        if f.last_seen is not None:
            end = f.last_seen + RECENT_PROBE_FAILURE_SECONDS
            if now <= end < horizon:
                horizon = end
    return horizon


@dataclass
class _Health:
    rows: list[PodRow]
    counts: dict[str, int]
    crash: int
    failing_probes: int
    horizon: float


def _pod_health(index: _Index, pod_objs: Iterable[Mapping[str, Any]], detail: bool) -> _Health:
    """Pod rows (all of them with ``detail``, else only the unusual ones), health counts,
    crash loops, failing readiness probes, and until when that stays true."""
    counts = dict.fromkeys(HEALTH_CLASSES, 0)
    rows: list[PodRow] = []
    crash = 0
    failing_probes = 0
    horizon = float("inf")
    unhealthy = index.unhealthy
    for pod in pod_objs:
        failures = failures_for(pod, unhealthy) if unhealthy else ()
        if not detail and not failures and _is_plainly_healthy(pod, failures):
            counts[HEALTHY] += 1
            continue
        row = pod_row(pod, index.now, failures)
        rows.append(row)
        horizon = min(horizon, _health_horizon(row, failures, index.now))
        counts[row.health] += 1
        if row.status == "CrashLoopBackOff":
            crash += 1
        if not row.pod_ready and row.reason.startswith("Readiness probe"):
            failing_probes += 1
    # By name, so the failing pod a rollout names does not depend on the snapshot's order.
    rows.sort(key=lambda r: r.name)
    return _Health(rows, counts, crash, failing_probes, horizon)


def _has_probes(template: Mapping[str, Any]) -> bool:
    return any(
        isinstance(c.get("readinessProbe"), Mapping) or isinstance(c.get("livenessProbe"), Mapping)
        for c in u.dicts(u.path(template, "spec", "containers"))
    )


def _build(index: _Index, dep: Mapping[str, Any], *, detail: bool) -> _Built:
    ns = u.namespace(dep)
    name = u.name(dep)
    owned_rss, pod_objs = _owned(index, dep)
    rss = sorted(
        owned_rss,
        key=lambda rs: (u.ts(u.meta(rs).get("creationTimestamp")) or 0.0, u.name(rs)),
    )
    health = _pod_health(index, pod_objs, detail)
    template = u.d(u.path(dep, "spec", "template"))
    rollout_ = rollout(dep, rss, health.rows, index.now)
    services, routes, findings, horizon = _links(
        index, ns, name, template, pod_objs, rollout_.desired, detail
    )
    hpas = [hpa_view(h, index.now) for h in index.hpa_by_target.get((ns, name), ())]
    for view in hpas:
        findings.extend(_hpa_findings(view))
    refs, ref_findings = _config_refs(index, ns, template)
    findings.extend(ref_findings)
    return _Built(
        dep=dep,
        ns=ns,
        name=name,
        rss=rss,
        pod_objs=pod_objs,
        rows=health.rows,
        rollout=rollout_,
        services=services,
        routes=routes,
        hpas=hpas,
        config=refs,
        # Identical findings (one per port, say) are shown once.
        findings=list(dict.fromkeys(findings)),
        counts=health.counts,
        crash=health.crash,
        failing_probes=health.failing_probes,
        has_probes=_has_probes(template),
        horizon=min(health.horizon, horizon),
    )


def _links(
    index: _Index,
    ns: str,
    name: str,
    template: Mapping[str, Any],
    pod_objs: list[Mapping[str, Any]],
    desired: int,
    detail: bool,
) -> tuple[list[ServiceLink], list[IngressRoute], list[Finding], float]:
    """The Services selecting the workload's pods, the Ingress routes to them and the broken
    links among them (TLS included), and until when those findings hold."""
    findings: list[Finding] = []
    horizon = float("inf")
    # Services whose selector matches the pod template's labels.
    tmpl_labels = u.labels(template)
    port_names, port_numbers = _container_port_names(template)
    services: list[ServiceLink] = []
    routes: list[IngressRoute] = []
    for svc in _services_for(index, ns, tmpl_labels) if index.services is not None else []:
        sname = u.name(svc)
        selector = u.str_map(u.path(svc, "spec", "selector"))
        wanted = tuple(selector.items())
        matching = (p for p in pod_objs if _labels_match(_raw_labels(p), wanted))
        # The summary only needs to know whether any pod is selected.
        selects = sum(1 for _ in matching) if detail else int(next(matching, None) is not None)
        ready, not_ready = _endpoint_counts(index, ns, sname)
        services.append(
            ServiceLink(
                sname,
                u.s(u.path(svc, "spec", "type")) or "ClusterIP",
                _port_text(svc),
                ready,
                not_ready,
                selects,
            )
        )
        if desired > 0 and selects == 0:
            findings.append(Finding(ERROR, "Service", sname, f"Service {sname} selects no pod"))
        elif desired > 0 and ready == 0 and index.slices is not None:
            findings.append(
                Finding(
                    ERROR,
                    "Service",
                    sname,
                    f"Service {sname} has no ready endpoints (0 of {ready + not_ready})",
                )
            )
        for p in u.dicts(u.path(svc, "spec", "ports")):
            target = p.get("targetPort")
            if isinstance(target, str) and target and target not in port_names:
                findings.append(
                    Finding(
                        ERROR,
                        "Service",
                        sname,
                        f"Service {sname} targetPort {target} matches no container port",
                    )
                )
            elif (
                isinstance(target, int)
                and not isinstance(target, bool)
                and port_numbers
                and target not in port_numbers
            ):
                findings.append(
                    Finding(
                        WARN,
                        "Service",
                        sname,
                        f"Service {sname} targetPort {target} is not a declared container port",
                    )
                )
        svc_ports = u.dicts(u.path(svc, "spec", "ports"))
        for route in index.routes_by_svc.get((ns, sname), ()):
            routes.append(route)
            numbers = {str(u.i(p.get("port"))) for p in svc_ports}
            names = {u.s(p.get("name")) for p in svc_ports if u.s(p.get("name"))}
            if route.port and route.port not in numbers and route.port not in names:
                findings.append(
                    Finding(
                        ERROR,
                        "Ingress",
                        route.ingress,
                        f"Ingress "
                        f"{route.ingress} routes to {sname}:{route.port}, "
                        "a port the Service does not have",
                    )
                )
    # A Service named after the Deployment whose selector misses its pods is a broken link
    # (a typo in the selector), not a stranger.
    same_name = index.svc_names.get(ns, {}).get(name) if index.services is not None else None
    if same_name is not None and all(s.name != name for s in services):
        selector = u.str_map(u.path(same_name, "spec", "selector"))
        ready, not_ready = _endpoint_counts(index, ns, name)
        services.append(
            ServiceLink(
                name,
                u.s(u.path(same_name, "spec", "type")) or "ClusterIP",
                _port_text(same_name),
                ready,
                not_ready,
                0,
            )
        )
        shown = ",".join(f"{k}={v}" for k, v in sorted(selector.items())) or "<none>"
        findings.append(
            Finding(ERROR, "Service", name, f"Service {name} selects no pod (selector {shown})")
        )
    # Routes to a Service that does not exist are pinned on the stack of the same name.
    for route in index.routes_to_missing.get(ns, ()):
        if route.service == name and index.services is not None:
            routes.append(route)
            findings.append(
                Finding(
                    ERROR,
                    "Ingress",
                    route.ingress,
                    f"Ingress {route.ingress} routes to missing Service {route.service}",
                )
            )
    # TLS of every Ingress routing here: its secret, and its cert-manager Certificate when
    # the cluster serves them (one finding per problem, the Certificate's reason included).
    secrets = index.names.get("secrets")
    in_ns = None if secrets is None else list(secrets.get(ns, {}).values())
    for ingress in dict.fromkeys(r.ingress for r in routes):
        statuses = ingress_tls(
            index.ingress_names.get(ns, {}).get(ingress),
            secrets=in_ns,
            certificates=index.certificates,
            now=index.now,
        )
        findings.extend(tls_findings(statuses))
        for st in statuses:
            if st.expires_in is not None:
                end = index.now + st.expires_in
                for change in (end - EXPIRY_WARNING_DAYS * 86400.0, end):
                    if change > index.now:
                        horizon = min(horizon, change)
    return services, routes, findings, horizon


_SYMBOLS = ((HEALTHY, "✓"), (PROGRESSING, "◐"), (WARNING, "⚠"), (FAILING, "✗"), (TERMINATING, "◌"))


def _pods_text(counts: Mapping[str, int], crash: int) -> str:
    parts = []
    for cls, sym in _SYMBOLS:
        n = counts.get(cls, 0) - (crash if cls == FAILING else 0)
        if n > 0:
            parts.append(f"{sym}{n}")
    if crash:
        parts.append(f"⟳{crash}")
    return " ".join(parts) if parts else "—"


def _urgency(state: str, counts: Mapping[str, int]) -> int:
    if state in (STALLED, DEADLINE_EXCEEDED):
        return 0
    if counts.get(FAILING, 0) > 0:
        return 1
    if state == ROLLOUT_PROGRESSING:
        return 2
    return 3


def _row(index: _Index, b: _Built) -> StackRow:
    ready_eps = sum(s.ready for s in b.services)
    total_eps = sum(s.ready + s.not_ready for s in b.services)
    hpa = b.hpas[0] if b.hpas else None
    hosts = tuple(dict.fromkeys(r.host for r in b.routes if r.path or r.host != "*"))
    probes_text = "ok" if b.has_probes else "—"
    if b.failing_probes:
        probes_text = f"✗{b.failing_probes}"
    return StackRow(
        namespace=b.ns,
        name=b.name,
        uid=u.uid(b.dep),
        rollout_state=b.rollout.state,
        rollout_label=b.rollout.label,
        progress=b.rollout.progress,
        ready=f"{b.rollout.ready}/{b.rollout.desired}",
        up_to_date=b.rollout.updated,
        available=b.rollout.available,
        pod_counts=dict(b.counts),
        crash_looping=b.crash,
        pods_text=_pods_text(b.counts, b.crash),
        failing_probes=b.failing_probes,
        probes_text=probes_text,
        hpa_targets=hpa.targets if hpa is not None else "—",
        hpa_replicas=f"{hpa.current}→{hpa.desired}" if hpa is not None else "",
        svc_ready=ready_eps,
        svc_total=total_eps,
        svc_text=f"{ready_eps}/{total_eps}" if b.services else "—",
        hosts=hosts,
        findings=len(b.findings),
        age=age(u.meta(b.dep).get("creationTimestamp"), index.now),
        urgency=_urgency(b.rollout.state, b.counts),
    )


def urgency_key(row: StackRow) -> tuple[int, str, str]:
    """Sort key: stalled, failing, progressing, the rest; then by name and namespace."""
    return (row.urgency, row.name, row.namespace)


def summarize(snapshot: Any, now: float) -> tuple[StackRow, ...]:
    """One StackRow per Deployment in the snapshot, sorted by urgency then name."""
    index = _Index(snapshot, now)
    rows = [_row(index, _build(index, dep, detail=False)) for dep in index.deployments]
    rows += [_workload_summary(index, kind, obj)[0] for kind, obj in index.workloads]
    rows.sort(key=urgency_key)
    return tuple(rows)


@dataclass
class _BuiltWorkload:
    health: _Health
    status: RolloutStatus
    row: WorkloadRow
    services: list[ServiceLink]
    routes: list[IngressRoute]
    config: tuple[ConfigRef, ...]
    claims: tuple[ClaimInfo, ...]
    findings: list[Finding]
    pod_objs: list[Mapping[str, Any]]
    horizon: float


def _build_workload(
    index: _Index, kind: str, obj: Mapping[str, Any], *, detail: bool
) -> _BuiltWorkload:
    ns = u.namespace(obj)
    name = u.name(obj)
    owner = u.uid(obj)
    pod_objs = (
        [p for p in index.pods_by_owner.get(owner, ()) if u.namespace(p) == ns] if owner else []
    )
    health = _pod_health(index, pod_objs, detail)
    row = for_kind(kind).row(obj, index.now)
    template = u.d(u.path(obj, "spec", "template"))
    services, routes, findings, horizon = _links(
        index, ns, name, template, pod_objs, row.desired, detail
    )
    refs, ref_findings = _config_refs(index, ns, template)
    findings.extend(ref_findings)
    # Claims of the pods themselves: a StatefulSet's come from its volumeClaimTemplates, which
    # the template does not name. Claims the template names are reported by _config_refs.
    pvcs = index.names.get("persistentvolumeclaims")
    named = {r.name for r in refs if r.kind == "PersistentVolumeClaim"}
    claims: tuple[ClaimInfo, ...] = ()
    if pvcs is not None:
        claims = pod_claims(pod_objs, list(pvcs.get(ns, {}).values()), index.in_ns_events(ns))
        findings.extend(storage_findings([c for c in claims if c.name not in named]))
    return _BuiltWorkload(
        health,
        for_kind(kind).status(obj),
        row,
        services,
        routes,
        refs,
        claims,
        list(dict.fromkeys(findings)),
        pod_objs,
        min(horizon, health.horizon),
    )


def _workload_state(status: RolloutStatus, row: WorkloadRow) -> tuple[str, str, float]:
    """(state, label, progress) of a StatefulSet / DaemonSet rollout: Complete when kubectl's
    status viewer says done, else Progressing with updated/desired pods."""
    if status.done:
        return COMPLETE, "Complete", 1.0
    progress = min(row.updated, row.available) / row.desired if row.desired else 0.0
    return ROLLOUT_PROGRESSING, f"Progressing {row.updated}/{row.desired}", progress


def _workload_summary(index: _Index, kind: str, obj: Mapping[str, Any]) -> tuple[StackRow, float]:
    """The stacks-list row of a StatefulSet or DaemonSet, and until when it holds."""
    b = _build_workload(index, kind, obj, detail=False)
    row = b.row
    state, label, progress = _workload_state(b.status, row)
    ready_eps = sum(s.ready for s in b.services)
    total_eps = sum(s.ready + s.not_ready for s in b.services)
    h = b.health
    probes_text = "ok" if _has_probes(u.d(u.path(obj, "spec", "template"))) else "—"
    if h.failing_probes:
        probes_text = f"✗{h.failing_probes}"
    summary = StackRow(
        namespace=u.namespace(obj),
        name=u.name(obj),
        uid=u.uid(obj),
        rollout_state=state,
        rollout_label=label,
        progress=progress,
        ready=row.ready,
        up_to_date=row.updated,
        available=row.available,
        pod_counts=dict(h.counts),
        crash_looping=h.crash,
        pods_text=_pods_text(h.counts, h.crash),
        failing_probes=h.failing_probes,
        probes_text=probes_text,
        hpa_targets="—",
        hpa_replicas="",
        svc_ready=ready_eps,
        svc_total=total_eps,
        svc_text=f"{ready_eps}/{total_eps}" if b.services else "—",
        hosts=tuple(dict.fromkeys(r.host for r in b.routes if r.path or r.host != "*")),
        findings=len(b.findings),
        age=row.age,
        urgency=_urgency(state, h.counts),
        kind=kind,
    )
    created = u.meta(obj).get("creationTimestamp")
    return summary, min(b.horizon, _age_until(created, index.now, row.age))


def workload_stack(
    snapshot: Any, kind: str, namespace: str, name: str, now: float
) -> WorkloadStack | None:
    """The full graph of one StatefulSet or DaemonSet (None when it is not in the snapshot).
    Revisions come from the snapshot's "controllerrevisions"."""
    return _workload_stack(_Index(snapshot, now), snapshot, kind, namespace, name)


def _workload_stack(
    index: _Index, snapshot: Any, kind: str, namespace: str, name: str
) -> WorkloadStack | None:
    now = index.now
    obj = next(
        (
            o
            for k, o in index.workloads
            if k == kind and u.namespace(o) == namespace and u.name(o) == name
        ),
        None,
    )
    if obj is None:
        return None
    b = _build_workload(index, kind, obj, detail=True)
    revisions = _objects(snapshot, for_kind(kind).revisions.name) or []
    uids = {u.uid(obj)} | {u.uid(p) for p in b.pod_objs} | {u.uid(r) for r in revisions}
    uids.discard("")
    events = events_for(index.in_ns_events(namespace), now, uids=uids, objects={(kind, name)})
    state, label, progress = _workload_state(b.status, b.row)
    return WorkloadStack(
        kind=kind,
        namespace=namespace,
        name=name,
        uid=u.uid(obj),
        workload=obj,
        status=b.status,
        row=b.row,
        rollout_state=state,
        rollout_label=label,
        progress=progress,
        revisions=revision_history(obj, revisions, now),
        pods=tuple(b.health.rows),
        services=tuple(b.services),
        ingresses=tuple(b.routes),
        config=b.config,
        claims=b.claims,
        findings=tuple(b.findings),
        events=events,
    )


Change = tuple[Any, Any, Any]  # (key, old object or None, new object or None)


def _diff(
    seen: dict[Any, Any], current: Mapping[Any, Any], keys: Iterable[Any] | None = None
) -> list[Change]:
    """Every entry of ``current`` that is not the very object in ``seen`` and every entry
    gone, as (key, old, new); afterwards ``seen`` holds what ``current`` holds. ``keys``:
    the only keys that may have changed (compared alone; None compares everything)."""
    changes: list[Change] = []
    get = seen.get
    if keys is not None:
        for key in keys:
            old = get(key, _ABSENT)
            obj = current.get(key, _ABSENT)
            if old is obj:
                continue
            if obj is _ABSENT:
                del seen[key]
            else:
                seen[key] = obj
            changes.append((key, None if old is _ABSENT else old, None if obj is _ABSENT else obj))
        return changes
    for key, obj in current.items():
        old = get(key, _ABSENT)
        if old is not obj:
            changes.append((key, None if old is _ABSENT else old, obj))
            seen[key] = obj
    if len(seen) != len(current):
        for key in [k for k in seen if k not in current]:
            changes.append((key, seen.pop(key), None))
    return changes


class _OwnerIndex:
    """Pods by controller uid, patched with the changes :func:`_diff` finds."""

    def __init__(self) -> None:
        self.seen: dict[Any, Any] = {}
        self._owner: dict[Any, str] = {}
        self.by_owner: dict[str, dict[Any, Mapping[str, Any]]] = {}

    def update(self, pods: Mapping[Any, Any], keys: Iterable[Any] | None = None) -> list[Change]:
        """Take in the pods' changes since the last call (only ``keys`` when given) and
        return them."""
        changes = _diff(self.seen, pods, keys)
        for key, _old, new in changes:
            owner = self._owner.pop(key, "")
            bucket = self.by_owner.get(owner)
            if bucket is not None:
                bucket.pop(key, None)
                if not bucket:
                    del self.by_owner[owner]
            owner = u.controller_uid(new) if isinstance(new, Mapping) else ""
            if owner:
                self._owner[key] = owner
                self.by_owner.setdefault(owner, {})[key] = new
        return changes

    def lists(self) -> Mapping[str, Iterable[Mapping[str, Any]]]:
        return _Buckets(self.by_owner)


class _Buckets(Mapping[str, Iterable[Mapping[str, Any]]]):
    """Owner uid -> its pods, a live view of :class:`_OwnerIndex` (copying the buckets cost
    O(owners) on every summary)."""

    def __init__(self, by_owner: Mapping[str, Mapping[Any, Mapping[str, Any]]]) -> None:
        self._by_owner = by_owner

    def __getitem__(self, owner: str) -> Iterable[Mapping[str, Any]]:
        return self._by_owner[owner].values()

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_owner)

    def __len__(self) -> int:
        return len(self._by_owner)


def _age_until(created: Any, now: float, shown: str) -> float:
    """When the AGE text ``shown`` at ``now`` may next change: its last unit (1s, 1m, 1h, 1d)
    from the creation time; "<unknown>" never changes, anything else odd is rechecked in 1s."""
    t = u.ts(created)
    if t is None:
        return float("inf")
    unit = {"s": 1, "m": 60, "h": 3600, "d": 86400}.get(shown[-1:], 0)
    if not unit or now < t:
        return now + 1.0
    return t + ((now - t) // unit + 1) * unit


@dataclass
class _Cached:
    row: StackRow
    uid: str
    since: float  # computed at this time
    until: float  # valid (objects unchanged) up to this time
    age_until: float
    dep: Mapping[str, Any]  # the Deployment object it was computed from


class Summarizer:
    """:func:`summarize` for a caller that asks again and again (a live screen).

    Each call returns exactly what ``summarize(snapshot, now)`` returns, but recomputes only
    the stacks whose objects changed since the previous call (found by comparing each kind's
    mapping with the previous one object by object), or whose pod health depends on a time
    window that has since passed; an unchanged call returns the previous tuple itself. Relies
    on the snapshot's objects being replaced, never mutated in place, as the data layer's
    store guarantees. Snapshots whose kinds are not mappings are summarized from scratch."""

    def __init__(self) -> None:
        self._shape: tuple[bool, ...] | None = None
        self._reset()

    def _reset(self) -> None:
        self._pods = _OwnerIndex()
        self._unhealthy = UnhealthyIndex()
        self._seen: dict[str, dict[Any, Any]] = {}
        self._index: _Index | None = None
        self._rs_owner: dict[str, str] = {}
        self._cache: dict[tuple[str, str], _Cached] = {}
        # Deployments by key, and the cached stacks by uid and by namespace: what a change
        # names leads to the stacks it may alter without a pass over every Deployment.
        self._deployment_at: dict[tuple[str, str], Mapping[str, Any]] = {}
        self._keys_by_uid: dict[str, set[tuple[str, str]]] = {}
        self._keys_by_ns: dict[str, set[tuple[str, str]]] = {}
        self._latest = float("-inf")  # the newest time a cached stack was computed at
        self._rows: tuple[StackRow, ...] = ()
        self._summarized = False
        self._taken = False
        self._next_check = float("inf")
        self._next_due = float("inf")
        # Changes taken in but not yet applied: index groups to rebuild, and the stacks the
        # changes may alter (by key, uid, ReplicaSet uid, namespace) until the next summary.
        self._stale: set[str] = set(_GROUP_KINDS)
        self._keys: set[tuple[str, str]] = set()
        self._uids: set[str] = set()
        self._rs_uids: set[str] = set()
        self._namespaces: set[str] = set()

    def _take_in(self, snapshot: Any, changed: Mapping[str, Iterable[Any]] | None) -> bool:
        """Diff the snapshot against the previous one and note what changed; False when the
        snapshot is not shaped as the store serves it (kinds as mappings). ``changed``: the
        keys, by kind, that may have changed since the previous call (None: any)."""
        raws = {kind: _raw(snapshot, kind) for kind in KINDS}
        if any(v is not _ABSENT and not isinstance(v, Mapping) for v in raws.values()):
            self._shape = None
            self._reset()
            return False
        shape = tuple(v is _ABSENT for v in raws.values())
        if shape != self._shape:
            self._reset()
            self._shape = shape
        if not self._taken:
            changed = None  # nothing seen yet: every object is new
        self._taken = True
        for kind, raw in raws.items():
            if raw is _ABSENT:
                continue
            keys = None if changed is None else changed.get(kind, ())
            if kind == "pods":
                changes = self._pods.update(raw, keys)
            else:
                changes = _diff(self._seen.setdefault(kind, {}), raw, keys)
            if not changes:
                continue
            if kind == "events":
                self._unhealthy.update(changes)
            elif kind == "deployments":
                at = self._deployment_at
                for _key, old, _new in changes:
                    if isinstance(old, Mapping):
                        at.pop((u.namespace(old), u.name(old)), None)
                for _key, _old, new in changes:
                    if isinstance(new, Mapping):
                        at[(u.namespace(new), u.name(new))] = new
            self._stale.update(g for g, kinds in _GROUP_KINDS.items() if kind in kinds)
            for _key, old, new in changes:
                for obj in (old, new):
                    if isinstance(obj, Mapping):
                        _affected(
                            kind,
                            obj,
                            self._keys,
                            self._uids,
                            self._rs_uids,
                            self._namespaces,
                            self._pods.seen,
                        )
        return True

    def _indexed(self, snapshot: Any, now: float) -> _Index:
        """The index of the snapshot last taken in, at ``now``: only the groups whose kinds
        changed are rebuilt, pods come from the per-owner index."""
        index = _Index(
            snapshot,
            now,
            self._pods.lists(),
            self._index,
            self._stale,
            self._deployment_at,
            self._unhealthy.table,
        )
        if "replicasets" in self._stale or self._index is None:
            self._rs_owner = {
                u.uid(rs): owner for owner, rss in index.rs_by_owner.items() for rs in rss
            }
        self._index = index
        self._stale = set()
        return index

    def __call__(
        self, snapshot: Any, now: float, changed: Mapping[str, Iterable[Any]] | None = None
    ) -> tuple[StackRow, ...]:
        """``changed``, when the caller knows it (the store's change log): the keys, by kind
        ("pods", "deployments", ...), that may have changed since the previous call of any
        method here; only those objects are compared. None compares every object."""
        if not self._take_in(snapshot, changed):
            return summarize(snapshot, now)
        affected = bool(self._keys or self._uids or self._rs_uids or self._namespaces)
        if self._summarized and not affected and not (self._next_check < now or now < self._latest):
            return self._rows
        index = self._indexed(snapshot, now)
        keys, namespaces = self._keys, self._namespaces
        uids = self._uids | {self._rs_owner.get(r, "") for r in self._rs_uids}
        uids.discard("")
        self._keys, self._uids, self._rs_uids, self._namespaces = set(), set(), set(), set()
        if not self._summarized or self._next_check < now or now < self._latest:
            # A time window passed (or the clock went back): look at every stack.
            candidates: Iterable[tuple[str, str]] = {*self._deployment_at, *self._cache}
            self._next_check = self._next_due = float("inf")
        else:
            # Only the stacks the changes name; the others keep their rows.
            named = set(keys)
            for uid in uids:
                named.update(self._keys_by_uid.get(uid, ()))
            for ns in namespaces:
                named.update(self._keys_by_ns.get(ns, ()))
            candidates = named
        for key in candidates:
            self._update(index, key, now, key in keys or key[0] in namespaces, uids)
        rows = [hit.row for hit in self._cache.values()]
        # StatefulSets and DaemonSets are few: recomputed whenever anything changed.
        for kind, obj in index.workloads:
            row, until = _workload_summary(index, kind, obj)
            rows.append(row)
            self._next_check = min(self._next_check, until)
            self._next_due = min(self._next_due, until)
        self._latest = max(self._latest, now)
        self._summarized = True
        rows.sort(key=urgency_key)
        self._rows = tuple(rows)
        return self._rows

    def _update(
        self,
        index: _Index,
        key: tuple[str, str],
        now: float,
        named: bool,
        uids: set[str],
    ) -> None:
        """Bring the cached row of the Deployment at ``key`` up to date at ``now``: rebuilt
        when ``named`` by a change, its uid is among ``uids``, or its inputs' validity
        ended; only its AGE moved when that alone changed; dropped when it is gone."""
        hit = self._cache.get(key)
        dep = self._deployment_at.get(key)
        if dep is None:
            if hit is not None:
                self._forget(key, hit)
            return
        if (
            hit is None
            or named
            or not hit.since <= now <= hit.until
            or hit.uid in uids
            or hit.dep is not dep
        ):
            if hit is not None:
                self._forget(key, hit)
            built = _build(index, dep, detail=False)
            row = _row(index, built)
            created = u.meta(dep).get("creationTimestamp")
            age_until = _age_until(created, now, row.age)
            hit = _Cached(row, row.uid, now, built.horizon, age_until, dep)
            self._cache[key] = hit
            self._keys_by_uid.setdefault(hit.uid, set()).add(key)
            self._keys_by_ns.setdefault(key[0], set()).add(key)
        elif now > hit.age_until:
            created = u.meta(dep).get("creationTimestamp")
            shown = age(created, now)
            if shown != hit.row.age:
                hit.row = replace(hit.row, age=shown)
            hit.age_until = _age_until(created, now, shown)
        self._next_check = min(self._next_check, hit.until, hit.age_until)
        self._next_due = min(self._next_due, hit.until)

    def _forget(self, key: tuple[str, str], hit: _Cached) -> None:
        del self._cache[key]
        for table, at in ((self._keys_by_uid, hit.uid), (self._keys_by_ns, key[0])):
            keys = table.get(at)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del table[at]

    @property
    def probe_failures(self) -> Mapping[str, tuple[ProbeFailures, ...]]:
        """The probe failures by pod (:func:`unhealthy_by_pod` of every event) as of the last
        call here, kept change by change: what the stacks were built with. Read-only."""
        return self._unhealthy.table

    def due(self, now: float) -> bool:
        """Whether a summary at ``now`` of an unchanged snapshot could differ from the last
        one in more than the AGE texts: a health, rollout or certificate window has passed
        (or the clock went back). A caller showing ages itself may skip the summary otherwise."""
        return not self._summarized or self._next_due < now or now < self._latest

    def stack(
        self,
        snapshot: Any,
        namespace: str,
        name: str,
        now: float,
        changed: Mapping[str, Iterable[Any]] | None = None,
    ) -> Stack | None:
        """Exactly :func:`stack`, from the indexes kept here: costs what changed since the
        last call plus the one stack, not the whole snapshot. ``changed`` as for a call."""
        if not self._take_in(snapshot, changed):
            return stack(snapshot, namespace, name, now)
        return _stack(self._indexed(snapshot, now), namespace, name)

    def workload_stack(
        self,
        snapshot: Any,
        kind: str,
        namespace: str,
        name: str,
        now: float,
        changed: Mapping[str, Iterable[Any]] | None = None,
    ) -> WorkloadStack | None:
        """Exactly :func:`workload_stack`, from the indexes kept here."""
        if not self._take_in(snapshot, changed):
            return workload_stack(snapshot, kind, namespace, name, now)
        return _workload_stack(self._indexed(snapshot, now), snapshot, kind, namespace, name)


def _affected(
    kind: str,
    obj: Mapping[str, Any],
    keys: set[tuple[str, str]],
    uids: set[str],
    rs_uids: set[str],
    namespaces: set[str],
    pods: Mapping[Any, Any],
) -> None:
    """Note which stacks a change of ``obj`` may alter: by Deployment key, Deployment uid,
    ReplicaSet uid (of a pod) or whole namespace (Services and what links to them). ``pods``:
    the pods taken in, by (namespace, name)."""
    if kind == "deployments":
        keys.add((u.namespace(obj), u.name(obj)))
    elif kind == "replicasets":
        uids.add(u.controller_uid(obj))
    elif kind == "pods":
        rs_uids.add(u.controller_uid(obj))
    elif kind == "horizontalpodautoscalers":
        target = _hpa_target(obj)
        if target is not None:
            keys.add((u.namespace(obj), target))
    elif kind == "events":
        if obj.get("reason") == "Unhealthy":
            # A probe failure counts for the pod it names (failures_for: by uid, else by
            # namespace/name): the stack of the pod of that name, when it is that pod.
            involved = u.d(obj.get("involvedObject"))
            ns = u.s(involved.get("namespace")) or u.namespace(obj)
            uid = u.s(involved.get("uid"))
            pod = pods.get((ns, u.s(involved.get("name"))))
            if pod is not None and (not uid or u.uid(pod) == uid):
                rs_uids.add(u.controller_uid(pod))
            elif pod is not None or uid:
                # Some other pod may carry that uid: every stack of the namespace.
                namespaces.add(ns)
    else:
        namespaces.add(u.namespace(obj))


def stack(snapshot: Any, namespace: str, name: str, now: float) -> Stack | None:
    """The full graph of one Deployment (None when it is not in the snapshot)."""
    return _stack(_Index(snapshot, now), namespace, name)


def _stack(index: _Index, namespace: str, name: str) -> Stack | None:
    now = index.now
    dep = index.deployment(namespace, name)
    if dep is None:
        return None
    b = _build(index, dep, detail=True)
    uids = {u.uid(dep)} | {u.uid(rs) for rs in b.rss} | {u.uid(p) for p in b.pod_objs}
    uids.discard("")
    hpa_uids = {u.uid(h) for h in index.hpa_by_target.get((b.ns, b.name), ())} - {""}
    objects = {("Deployment", b.name)} | {("ReplicaSet", u.name(rs)) for rs in b.rss}
    events = events_for(index.in_ns_events(b.ns), now, uids=uids | hpa_uids, objects=objects)
    return Stack(
        namespace=b.ns,
        name=b.name,
        uid=u.uid(dep),
        deployment=dep,
        replicasets=tuple(b.rss),
        pods=tuple(b.rows),
        rollout=b.rollout,
        services=tuple(b.services),
        ingresses=tuple(b.routes),
        hpas=tuple(b.hpas),
        config=b.config,
        findings=tuple(b.findings),
        events=events,
    )


def namespace_findings(snapshot: Any, now: float) -> tuple[Finding, ...]:
    """Broken links that belong to no stack: HPAs whose target Deployment is missing, Ingress
    routes to Services that do not exist and match no Deployment's name."""
    index = _Index(snapshot, now)
    dep_names = {(u.namespace(d), u.name(d)) for d in index.deployments}
    out: list[Finding] = []
    for (ns, target), hpas in index.hpa_by_target.items():
        if (ns, target) not in dep_names:
            for h in hpas:
                out.append(
                    Finding(
                        ERROR,
                        "HorizontalPodAutoscaler",
                        u.name(h),
                        f"HPA {u.name(h)} targets missing Deployment {target}",
                    )
                )
    if index.services is not None:
        for ns, routes in index.routes_to_missing.items():
            for r in routes:
                if (ns, r.service) not in dep_names:
                    out.append(
                        Finding(
                            ERROR,
                            "Ingress",
                            r.ingress,
                            f"Ingress {r.ingress} routes to missing Service {r.service}",
                        )
                    )
    return tuple(dict.fromkeys(out))
