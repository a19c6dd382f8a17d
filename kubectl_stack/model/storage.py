"""Storage behind a workload: the PersistentVolumeClaims its pods use -- phase, capacity,
storage class -- findings for claims that are Pending, Lost or missing, and the reason a pod
stuck on a volume gives.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from kubectl_stack.model import fields as u
from kubectl_stack.model.findings import ERROR, WARN, Finding


@dataclass(frozen=True)
class ClaimInfo:
    name: str
    namespace: str
    exists: bool
    phase: str  # Pending / Bound / Lost ('' when missing)
    capacity: str  # status.capacity.storage ('' until bound)
    requested: str  # spec.resources.requests.storage
    storage_class: str
    access_modes: tuple[str, ...]
    volume: str
    used_by: tuple[str, ...]  # pod names
    problem: str  # the latest Warning event about the claim ('' when none)


def claim_names(pod: Any) -> tuple[str, ...]:
    """The PVCs a pod's volumes name, in volume order."""
    out = []
    for vol in u.dicts(u.path(pod, "spec", "volumes")):
        claim = u.s(u.path(vol, "persistentVolumeClaim", "claimName"))
        if claim and claim not in out:
            out.append(claim)
    return tuple(out)


def _latest_warning(events: Sequence[Any], ns: str, name: str) -> str:
    best, best_t = "", -1.0
    for ev in u.dicts(list(events)):
        inv = u.d(ev.get("involvedObject"))
        if u.s(inv.get("kind")) != "PersistentVolumeClaim" or u.s(inv.get("name")) != name:
            continue
        if u.namespace(ev) != ns or u.s(ev.get("type")) != "Warning":
            continue
        t = u.ts(ev.get("lastTimestamp")) or u.ts(ev.get("eventTime")) or 0.0
        if t >= best_t:
            best, best_t = u.s(ev.get("message")), t
    return best


def pod_claims(
    pods: Sequence[Any], pvcs: Sequence[Any], events: Sequence[Any] = ()
) -> tuple[ClaimInfo, ...]:
    """The claims used by `pods` (one entry per claim, with every pod using it), sorted by
    name. Claims that do not exist are listed with exists=False."""
    by_key = {(u.namespace(p), u.name(p)): p for p in u.dicts(list(pvcs))}
    users: dict[tuple[str, str], list[str]] = {}
    for pod in u.dicts(list(pods)):
        for claim in claim_names(pod):
            users.setdefault((u.namespace(pod), claim), []).append(u.name(pod))
    out = []
    for (ns, name), pod_names in sorted(users.items()):
        pvc = by_key.get((ns, name))
        spec = u.d(u.d(pvc).get("spec"))
        status = u.d(u.d(pvc).get("status"))
        out.append(
            ClaimInfo(
                name=name,
                namespace=ns,
                exists=pvc is not None,
                phase=u.s(status.get("phase")),
                capacity=u.s(u.path(status, "capacity", "storage")),
                requested=u.s(u.path(spec, "resources", "requests", "storage")),
                storage_class=u.s(spec.get("storageClassName")),
                access_modes=tuple(u.s(m) for m in u.lst(spec.get("accessModes"))),
                volume=u.s(spec.get("volumeName")),
                used_by=tuple(sorted(pod_names)),
                problem=_latest_warning(events, ns, name) if pvc is not None else "",
            )
        )
    return tuple(out)


def storage_findings(claims: Sequence[ClaimInfo]) -> tuple[Finding, ...]:
    """Pending claims (warning, with the provisioner's complaint when there is one), Lost
    claims and missing claims (errors)."""
    out = []
    for c in claims:
        pods = ", ".join(c.used_by)
        if not c.exists:
            out.append(
                Finding(
                    ERROR,
                    "PersistentVolumeClaim",
                    c.name,
                    f"PVC {c.name} not found (used by {pods})",
                )
            )
        elif c.phase == "Lost":
            out.append(
                Finding(
                    ERROR,
                    "PersistentVolumeClaim",
                    c.name,
                    f"PVC {c.name} is Lost: its volume {c.volume or '?'} is gone (used by {pods})",
                )
            )
        elif c.phase != "Bound":
            detail = f": {c.problem}" if c.problem else ""
            out.append(
                Finding(
                    WARN,
                    "PersistentVolumeClaim",
                    c.name,
                    f"PVC {c.name} is {c.phase or 'not Bound'}{detail} (used by {pods})",
                )
            )
    return tuple(out)


def pod_volume_reason(pod: Any, pvcs: Sequence[Any]) -> str:
    """Why a pod is held by its volumes: "waiting for PVC data-db-0 (Pending)" for a pod not
    yet running whose claim is not Bound, "PVC data-db-0 is Lost" for any pod; '' otherwise."""
    by_key = {(u.namespace(p), u.name(p)): p for p in u.dicts(list(pvcs))}
    ns = u.namespace(pod)
    running = u.s(u.path(pod, "status", "phase")) in ("Running", "Succeeded", "Failed")
    for claim in claim_names(pod):
        pvc = by_key.get((ns, claim))
        phase = u.s(u.path(pvc, "status", "phase")) if pvc is not None else ""
        if phase == "Lost":
            return f"PVC {claim} is Lost"
        if running:
            continue
        if pvc is None:
            return f'persistentvolumeclaim "{claim}" not found'
        if phase != "Bound":
            return f"waiting for PVC {claim} ({phase or 'not Bound'})"
    return ""
