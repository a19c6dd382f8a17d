"""The one registry of resource kinds every layer reads: the ``kind`` as objects spell it, the
store key the cache and the model use, the API group, version and plural the data layer lists
and watches, kubectl's short name, and whether a stack is built around it (a workload).

Pure: no I/O, imports nothing of the app. The embedded cluster keeps its own table on purpose
(it stays independent of the app).
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Kind:
    """One resource. ``name`` is the key the store, the model's snapshots and the UI use."""

    name: str
    group: str
    version: str
    plural: str
    kind: str = ""  # as in an object's ``kind`` ("Deployment")
    short: str = ""  # kubectl's short name ("deploy"), '' when it has none
    namespaced: bool = True
    # A stack is built around it (Deployment, StatefulSet, DaemonSet).
    workload: bool = False
    # List and watch as PartialObjectMetadata: values (of Secrets) never reach memory.
    metadata_only: bool = False
    # metrics.k8s.io has no watch: polled while someone asks for it.
    polled: bool = False
    # Watched in every namespace whatever the app's scope: Argo CD keeps its Applications in
    # its own namespace, not in the workloads'.
    cluster_wide: bool = False

    @property
    def group_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    def path(self, namespace: str | None, name: str | None = None) -> str:
        """The collection (or object) URL path, in one namespace or across all."""
        root = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        ns = f"/namespaces/{namespace}" if namespace and self.namespaced else ""
        tail = f"/{name}" if name else ""
        return f"{root}{ns}/{self.plural}{tail}"

    def with_version(self, version: str) -> Kind:
        return replace(self, version=version)


def _k(name: str, group: str, version: str, kind: str, short: str = "", **flags: bool) -> Kind:
    return Kind(name, group, version, name, kind, short, **flags)


DEPLOYMENTS = _k("deployments", "apps", "v1", "Deployment", "deploy", workload=True)
REPLICASETS = _k("replicasets", "apps", "v1", "ReplicaSet", "rs")
PODS = _k("pods", "", "v1", "Pod", "po")
SERVICES = _k("services", "", "v1", "Service", "svc")
ENDPOINTSLICES = _k("endpointslices", "discovery.k8s.io", "v1", "EndpointSlice")
INGRESSES = _k("ingresses", "networking.k8s.io", "v1", "Ingress", "ing")
HPAS = _k("horizontalpodautoscalers", "autoscaling", "v2", "HorizontalPodAutoscaler", "hpa")
EVENTS = _k("events", "", "v1", "Event", "ev")
CONFIGMAPS = _k("configmaps", "", "v1", "ConfigMap", "cm", metadata_only=True)
SECRETS = _k("secrets", "", "v1", "Secret", metadata_only=True)
PVCS = _k("persistentvolumeclaims", "", "v1", "PersistentVolumeClaim", "pvc")
STATEFULSETS = _k("statefulsets", "apps", "v1", "StatefulSet", "sts", workload=True)
DAEMONSETS = _k("daemonsets", "apps", "v1", "DaemonSet", "ds", workload=True)
CONTROLLERREVISIONS = _k("controllerrevisions", "apps", "v1", "ControllerRevision")
# Custom resources, watched only when discovery lists their group (see OPTIONAL).
CERTIFICATES = _k("certificates", "cert-manager.io", "v1", "Certificate", "cert")
APPLICATIONS = _k(
    "applications", "argoproj.io", "v1alpha1", "Application", "app", cluster_wide=True
)
POD_METRICS = Kind("podmetrics", "metrics.k8s.io", "v1beta1", "pods", "PodMetrics", polled=True)

DEFAULT_WORKLOAD = DEPLOYMENTS
"""The kind a bare workload name means (``kubectl stack NAME``, the stacks list's keys and
names), as ``kubectl rollout status NAME`` takes a Deployment."""

WATCHED: list[Kind] = [
    DEPLOYMENTS,
    REPLICASETS,
    PODS,
    SERVICES,
    ENDPOINTSLICES,
    INGRESSES,
    HPAS,
    EVENTS,
    CONFIGMAPS,
    SECRETS,
    PVCS,
    STATEFULSETS,
    DAEMONSETS,
    CONTROLLERREVISIONS,
]
"""What the data layer lists and watches; :func:`register` adds to it."""

OPTIONAL: tuple[Kind, ...] = (CERTIFICATES, APPLICATIONS)
"""Kinds from CRDs: a cluster without them simply shows nothing for them."""

ALL: tuple[Kind, ...] = (*WATCHED, *OPTIONAL, POD_METRICS)
"""The kinds built in (a registered kind is in :data:`BY_KIND`, not here)."""

BY_KIND: dict[str, Kind] = {k.kind: k for k in ALL}
"""Every kind by its ``kind`` ("Deployment" -> DEPLOYMENTS)."""

WORKLOADS: dict[str, Kind] = {k.kind: k for k in ALL if k.workload}
"""The workload kinds a stack is built around, by ``kind``."""


def register(kind: Kind) -> None:
    """Make ``kind`` known to every layer: watched by the data layer, found by its ``kind``
    and, when it is a workload, listed among :data:`WORKLOADS`. A new workload kind also
    needs its interface in :mod:`kubectl_stack.model.workloads` (``workloads.register``)."""
    if kind not in WATCHED:
        WATCHED.append(kind)
    BY_KIND[kind.kind] = kind
    if kind.workload:
        WORKLOADS[kind.kind] = kind


def unregister(kind: Kind) -> None:
    """Undo :func:`register` (a test's kind)."""
    if kind in WATCHED:
        WATCHED.remove(kind)
    for table in (BY_KIND, WORKLOADS):
        if table.get(kind.kind) is kind:
            del table[kind.kind]


def workload_named(word: str) -> Kind | None:
    """The workload kind a kubectl TYPE names, read as kubectl's REST mapper reads it: the
    resource is the short name (as written: ``deploy``, not ``Deploy``) or, in any case, the
    singular or the plural (``deployment``, ``StatefulSet``, ``DAEMONSETS``), optionally
    followed by ``.GROUP`` or ``.VERSION.GROUP`` (``statefulset.apps``, ``deployments.v1.apps``).
    None for anything else."""
    resource, _, qualifier = word.partition(".")
    for kind in WORKLOADS.values():
        named = resource == kind.short or resource.lower() in (kind.kind.lower(), kind.plural)
        if named and _qualifies(kind, qualifier):
            return kind
    return None


def _qualifies(kind: Kind, qualifier: str) -> bool:
    """Whether what follows the resource's first dot fits ``kind``: its group, or its version
    and group; an empty part matches any (apimachinery's ParseResourceArg, read by the REST
    mapper: ``deployment.``, ``deployments..apps`` and ``deployment.v1.`` all name it)."""
    if qualifier in ("", kind.group):
        return True
    version, dot, group = qualifier.partition(".")
    return bool(dot) and version in ("", kind.version) and group in ("", kind.group)


def parse_workload(arg: str) -> tuple[Kind | None, str]:
    """``NAME`` or kubectl's ``TYPE/NAME`` (``sts/db``, ``deployment.apps/web``): the kind it
    names (None for a bare name) and the name. Raises ValueError, in kubectl's words where
    kubectl has some, for a malformed argument or a TYPE that is no workload kind."""
    if "/" not in arg:
        return None, arg
    if arg.count("/") > 1:
        raise ValueError("arguments in resource/name form may not have more than one slash")
    word, _, name = arg.partition("/")
    if not word or not name:
        raise ValueError("arguments in resource/name form must have a single resource and name")
    kind = workload_named(word)
    if kind is None:
        known = ", ".join(k.kind.lower() for k in WORKLOADS.values())
        raise ValueError(f'"{word}" is not a workload kind (a stack is one of: {known})')
    return kind, name


def display_name(kind: str, name: str) -> str:
    """A workload's name as the app shows it: kubectl's short resource name before every kind
    but the default one (``sts/db``, ``ds/agent``), the bare name for Deployments."""
    found = WORKLOADS.get(kind)
    if found is None or found is DEFAULT_WORKLOAD:
        return name
    return f"{found.short}/{name}"


def store_key(kind: str) -> str:
    """The store key of an object ``kind`` ("StatefulSet" -> "statefulsets"); a key already
    given as one passes through."""
    found = BY_KIND.get(kind)
    return found.name if found is not None else kind
