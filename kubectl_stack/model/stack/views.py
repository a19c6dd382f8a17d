"""The values the stack graph is made of: one workload's graph (Stack), its links (Services,
Ingress routes, config references) and one stacks-list row (StackRow). Frozen; pure."""

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
from kubectl_stack.model.workloads.base import Progress, Revision, RolloutStatus, WorkloadRow


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
    """One workload, of any kind, and everything linked to it."""

    kind: str  # Deployment, StatefulSet, DaemonSet, ... (a registered workload kind)
    namespace: str
    name: str
    uid: str
    workload: Mapping[str, Any]
    status: RolloutStatus  # kubectl rollout status's verdict
    row: WorkloadRow  # kubectl get's cells
    rollout: Progress  # as in its StackRow (a Deployment's: its whole Rollout)
    owned: tuple[Mapping[str, Any], ...]  # its revision objects (ReplicaSets...), oldest first
    revisions: tuple[Revision, ...]  # kubectl rollout history's, oldest first
    pods: tuple[PodRow, ...]  # sorted by name
    services: tuple[ServiceLink, ...]
    ingresses: tuple[IngressRoute, ...]
    hpas: tuple[Hpa, ...]
    config: tuple[ConfigRef, ...]
    claims: tuple[ClaimInfo, ...]  # PVCs its pods use (volumeClaimTemplates included)
    findings: tuple[Finding, ...]
    events: tuple[EventRow, ...]  # about it, its revision objects, pods and HPAs; newest first


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
    kind: str = K.DEFAULT_WORKLOAD.kind  # or StatefulSet / DaemonSet / ...

    @property
    def display_name(self) -> str:
        """The name as the stacks list shows it (:func:`kubectl_stack.kinds.display_name`)."""
        return K.display_name(self.kind, self.name)
