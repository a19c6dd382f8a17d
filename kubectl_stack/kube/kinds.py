"""The resource kinds the data layer watches, and where the API serves them: the registry of
:mod:`kubectl_stack.kinds`, plus the media types of metadata-only lists."""

from __future__ import annotations

from kubectl_stack.kinds import (
    APPLICATIONS,
    CERTIFICATES,
    CONFIGMAPS,
    CONTROLLERREVISIONS,
    DAEMONSETS,
    DEPLOYMENTS,
    ENDPOINTSLICES,
    EVENTS,
    HPAS,
    INGRESSES,
    OPTIONAL,
    POD_METRICS,
    PODS,
    PVCS,
    REPLICASETS,
    SECRETS,
    SERVICES,
    STATEFULSETS,
    WATCHED,
    WORKLOADS,
    Kind,
)

__all__ = [
    "APPLICATIONS",
    "CERTIFICATES",
    "CONFIGMAPS",
    "CONTROLLERREVISIONS",
    "DAEMONSETS",
    "DEPLOYMENTS",
    "ENDPOINTSLICES",
    "EVENTS",
    "HPAS",
    "INGRESSES",
    "OPTIONAL",
    "PARTIAL_METADATA",
    "PARTIAL_METADATA_LIST",
    "POD_METRICS",
    "PODS",
    "PVCS",
    "REPLICASETS",
    "SECRETS",
    "SERVICES",
    "STATEFULSETS",
    "WATCHED",
    "WORKLOADS",
    "Kind",
]

PARTIAL_METADATA_LIST = "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io"
PARTIAL_METADATA = "application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io"
