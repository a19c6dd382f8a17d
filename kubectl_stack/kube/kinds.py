"""The resource kinds the data layer watches, and where the API serves them."""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Kind:
    """One watched resource. ``name`` is the key the store and the UI use."""

    name: str
    group: str
    version: str
    plural: str
    namespaced: bool = True
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


DEPLOYMENTS = Kind("deployments", "apps", "v1", "deployments")
REPLICASETS = Kind("replicasets", "apps", "v1", "replicasets")
PODS = Kind("pods", "", "v1", "pods")
SERVICES = Kind("services", "", "v1", "services")
ENDPOINTSLICES = Kind("endpointslices", "discovery.k8s.io", "v1", "endpointslices")
INGRESSES = Kind("ingresses", "networking.k8s.io", "v1", "ingresses")
HPAS = Kind("horizontalpodautoscalers", "autoscaling", "v2", "horizontalpodautoscalers")
EVENTS = Kind("events", "", "v1", "events")
CONFIGMAPS = Kind("configmaps", "", "v1", "configmaps", metadata_only=True)
SECRETS = Kind("secrets", "", "v1", "secrets", metadata_only=True)
PVCS = Kind("persistentvolumeclaims", "", "v1", "persistentvolumeclaims")
STATEFULSETS = Kind("statefulsets", "apps", "v1", "statefulsets")
DAEMONSETS = Kind("daemonsets", "apps", "v1", "daemonsets")
CONTROLLERREVISIONS = Kind("controllerrevisions", "apps", "v1", "controllerrevisions")
# Custom resources, watched only when discovery lists their group (see OPTIONAL).
CERTIFICATES = Kind("certificates", "cert-manager.io", "v1", "certificates")
APPLICATIONS = Kind("applications", "argoproj.io", "v1alpha1", "applications", cluster_wide=True)
POD_METRICS = Kind("podmetrics", "metrics.k8s.io", "v1beta1", "pods", polled=True)

WATCHED: tuple[Kind, ...] = (
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
)

OPTIONAL: tuple[Kind, ...] = (CERTIFICATES, APPLICATIONS)
"""Kinds from CRDs: a cluster without them simply shows nothing for them."""

WORKLOADS = {"Deployment": DEPLOYMENTS, "StatefulSet": STATEFULSETS, "DaemonSet": DAEMONSETS}
"""The workload kinds a stack is built around, by ``kind``."""

PARTIAL_METADATA_LIST = "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io"
PARTIAL_METADATA = "application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io"
