"""The values the stack graph is made of: one Deployment's or workload's graph (Stack,
WorkloadStack), its links (Services, Ingress routes, config references) and one stacks-list row
(StackRow). Frozen; pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kubectl_stack import kinds as K
from kubectl_stack.model.events import (
    EventRow,
)
from kubectl_stack.model.findings import Finding
from kubectl_stack.model.hpa import Hpa
from kubectl_stack.model.pods import (
    PodRow,
)
from kubectl_stack.model.storage import ClaimInfo
from kubectl_stack.model.workloads import (
    WorkloadRevision,
    WorkloadRow,
)
from kubectl_stack.model.workloads.base import RolloutStatus
from kubectl_stack.model.workloads.deployment import Rollout


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
    rollout_state: str  # rollout.COMPLETE / PROGRESSING / PAUSED / DEADLINE_EXCEEDED
    rollout_label: str  # "Waiting 4/6 updated", "Deadline exceeded", ...
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
    rollout_label: str  # "Complete", "Waiting 2/3 ready"
    progress: float  # 0..1
    revisions: tuple[WorkloadRevision, ...]  # oldest first
    pods: tuple[PodRow, ...]  # sorted by name
    services: tuple[ServiceLink, ...]
    ingresses: tuple[IngressRoute, ...]
    config: tuple[ConfigRef, ...]
    claims: tuple[ClaimInfo, ...]  # PVCs its pods use (volumeClaimTemplates included)
    findings: tuple[Finding, ...]
    events: tuple[EventRow, ...]  # about the workload, its revisions and pods; newest first
