"""The resource types the embedded cluster serves, and how they are named.

A resource is stored once under its *group resource* (``pods``, ``deployments.apps``) whatever
version it is served at; the API layer converts between served versions where they differ
(autoscaling/v1 and v2 HorizontalPodAutoscalers).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
READ_VERBS = ("get", "list")
# Subresources that stream (exec, attach, port-forward): authorized as create, never read.
CONNECT_SUBRESOURCES = ("attach", "exec", "portforward")


@dataclass(frozen=True)
class ResourceType:
    group: str
    versions: tuple[str, ...]  # served versions, preferred first
    plural: str
    singular: str
    kind: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ALL_VERBS
    subresources: tuple[str, ...] = ()
    # Kept outside the watch history and resourceVersion sequence (metrics.k8s.io).
    volatile: bool = field(default=False)

    @property
    def gr(self) -> str:
        """Group resource, the storage key: ``pods``, ``deployments.apps``."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def preferred_version(self) -> str:
        return self.versions[0]

    def api_version(self, version: str | None = None) -> str:
        v = version or self.preferred_version
        return f"{self.group}/{v}" if self.group else v


def _core(
    plural: str, singular: str, kind: str, namespaced: bool = True, **kw: Any
) -> ResourceType:
    return ResourceType("", ("v1",), plural, singular, kind, namespaced, **kw)


RESOURCES: tuple[ResourceType, ...] = (
    _core(
        "namespaces",
        "namespace",
        "Namespace",
        False,
        short_names=("ns",),
        verbs=("create", "delete", "get", "list", "patch", "update", "watch"),
        subresources=("status",),
    ),
    _core("nodes", "node", "Node", False, short_names=("no",), subresources=("status",)),
    _core(
        "pods",
        "pod",
        "Pod",
        short_names=("po",),
        categories=("all",),
        subresources=("status", "log", "eviction", *CONNECT_SUBRESOURCES),
    ),
    _core(
        "services",
        "service",
        "Service",
        short_names=("svc",),
        categories=("all",),
        subresources=("status",),
    ),
    _core(
        "replicationcontrollers",
        "replicationcontroller",
        "ReplicationController",
        short_names=("rc",),
        categories=("all",),
        subresources=("scale", "status"),
    ),
    _core("endpoints", "endpoints", "Endpoints", short_names=("ep",)),
    _core("limitranges", "limitrange", "LimitRange", short_names=("limits",)),
    _core(
        "resourcequotas",
        "resourcequota",
        "ResourceQuota",
        short_names=("quota",),
        subresources=("status",),
    ),
    _core("events", "event", "Event", short_names=("ev",)),
    _core("configmaps", "configmap", "ConfigMap", short_names=("cm",)),
    _core("secrets", "secret", "Secret"),
    _core("serviceaccounts", "serviceaccount", "ServiceAccount", short_names=("sa",)),
    _core(
        "persistentvolumeclaims",
        "persistentvolumeclaim",
        "PersistentVolumeClaim",
        short_names=("pvc",),
        subresources=("status",),
    ),
    _core(
        "persistentvolumes",
        "persistentvolume",
        "PersistentVolume",
        False,
        short_names=("pv",),
        subresources=("status",),
    ),
    ResourceType(
        "apps",
        ("v1",),
        "deployments",
        "deployment",
        "Deployment",
        True,
        short_names=("deploy",),
        categories=("all",),
        subresources=("scale", "status"),
    ),
    ResourceType(
        "apps",
        ("v1",),
        "replicasets",
        "replicaset",
        "ReplicaSet",
        True,
        short_names=("rs",),
        categories=("all",),
        subresources=("scale", "status"),
    ),
    ResourceType(
        "apps",
        ("v1",),
        "statefulsets",
        "statefulset",
        "StatefulSet",
        True,
        short_names=("sts",),
        categories=("all",),
        subresources=("scale", "status"),
    ),
    ResourceType(
        "apps",
        ("v1",),
        "daemonsets",
        "daemonset",
        "DaemonSet",
        True,
        short_names=("ds",),
        categories=("all",),
        subresources=("status",),
    ),
    ResourceType(
        "apps", ("v1",), "controllerrevisions", "controllerrevision", "ControllerRevision", True
    ),
    ResourceType(
        "batch", ("v1",), "jobs", "job", "Job", True, categories=("all",), subresources=("status",)
    ),
    ResourceType(
        "batch",
        ("v1",),
        "cronjobs",
        "cronjob",
        "CronJob",
        True,
        short_names=("cj",),
        categories=("all",),
        subresources=("status",),
    ),
    ResourceType(
        "policy",
        ("v1",),
        "poddisruptionbudgets",
        "poddisruptionbudget",
        "PodDisruptionBudget",
        True,
        short_names=("pdb",),
        subresources=("status",),
    ),
    ResourceType("rbac.authorization.k8s.io", ("v1",), "roles", "role", "Role", True),
    ResourceType(
        "rbac.authorization.k8s.io", ("v1",), "rolebindings", "rolebinding", "RoleBinding", True
    ),
    ResourceType(
        "rbac.authorization.k8s.io", ("v1",), "clusterroles", "clusterrole", "ClusterRole", False
    ),
    ResourceType(
        "rbac.authorization.k8s.io",
        ("v1",),
        "clusterrolebindings",
        "clusterrolebinding",
        "ClusterRoleBinding",
        False,
    ),
    ResourceType(
        "storage.k8s.io",
        ("v1",),
        "storageclasses",
        "storageclass",
        "StorageClass",
        False,
        short_names=("sc",),
    ),
    ResourceType(
        "apiextensions.k8s.io",
        ("v1",),
        "customresourcedefinitions",
        "customresourcedefinition",
        "CustomResourceDefinition",
        False,
        short_names=("crd", "crds"),
        categories=("api-extensions",),
        subresources=("status",),
    ),
    ResourceType(
        "apiregistration.k8s.io",
        ("v1",),
        "apiservices",
        "apiservice",
        "APIService",
        False,
        categories=("api-extensions",),
        subresources=("status",),
    ),
    ResourceType(
        "autoscaling",
        ("v2", "v1"),
        "horizontalpodautoscalers",
        "horizontalpodautoscaler",
        "HorizontalPodAutoscaler",
        True,
        short_names=("hpa",),
        categories=("all",),
        subresources=("status",),
    ),
    ResourceType(
        "networking.k8s.io",
        ("v1",),
        "ingresses",
        "ingress",
        "Ingress",
        True,
        short_names=("ing",),
        subresources=("status",),
    ),
    ResourceType(
        "networking.k8s.io",
        ("v1",),
        "networkpolicies",
        "networkpolicy",
        "NetworkPolicy",
        True,
        short_names=("netpol",),
    ),
    ResourceType(
        "discovery.k8s.io", ("v1",), "endpointslices", "endpointslice", "EndpointSlice", True
    ),
    ResourceType("coordination.k8s.io", ("v1",), "leases", "lease", "Lease", True),
    # Answered from the caller's permissions, never stored (see auth.review).
    ResourceType(
        "authorization.k8s.io",
        ("v1",),
        "selfsubjectaccessreviews",
        "selfsubjectaccessreview",
        "SelfSubjectAccessReview",
        False,
        verbs=("create",),
    ),
    ResourceType(
        "authorization.k8s.io",
        ("v1",),
        "selfsubjectrulesreviews",
        "selfsubjectrulesreview",
        "SelfSubjectRulesReview",
        False,
        verbs=("create",),
    ),
    ResourceType(
        "metrics.k8s.io",
        ("v1beta1",),
        "pods",
        "",
        "PodMetrics",
        True,
        verbs=READ_VERBS,
        volatile=True,
    ),
    ResourceType(
        "metrics.k8s.io",
        ("v1beta1",),
        "nodes",
        "",
        "NodeMetrics",
        False,
        verbs=READ_VERBS,
        volatile=True,
    ),
)

BY_GR: dict[str, ResourceType] = {r.gr: r for r in RESOURCES}


def register_custom(rtype: ResourceType) -> None:
    """Make a CustomResourceDefinition's resource type known to storage and admission.

    Whether a cluster *serves* it is decided per cluster by :mod:`.crds` (the CRD object must
    exist there); this registry only maps the group resource to its type."""
    if rtype.gr in BY_GR and BY_GR[rtype.gr] in RESOURCES:
        return
    BY_GR[rtype.gr] = rtype


def lookup(group: str, plural: str) -> ResourceType | None:
    """The resource type served at ``/apis/<group>/<v>/<plural>`` (``group`` "" for /api)."""
    return BY_GR.get(f"{plural}.{group}" if group else plural)


def by_kind(api_version: str, kind: str) -> ResourceType | None:
    """The resource type of a manifest's ``apiVersion`` and ``kind``."""
    group, _, version = api_version.rpartition("/")
    for r in list(BY_GR.values()):
        if r.group == group and r.kind == kind and version in r.versions:
            return r
    return None
