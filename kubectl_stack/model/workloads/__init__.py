"""The workload kinds a stack is built around, one module each behind one interface
(:class:`~kubectl_stack.model.workloads.base.WorkloadKind`), looked up by kind as kubectl's
``StatusViewerFor(kind)``: callers never branch on the kind.

Adding a kind: one module with its :class:`~kubectl_stack.kinds.Kind` (``workload=True``) and
its interface, listed in :data:`REGISTRY` here (or given to :func:`register`, as the tests'
fake fourth kind is): every layer finds it from there.
"""

from __future__ import annotations

from typing import Any

from kubectl_stack import kinds as K
from kubectl_stack.model import fields as u
from kubectl_stack.model.workloads.base import (
    Revision,
    RolloutStatus,
    UndoPlan,
    WorkloadKind,
    WorkloadRow,
)
from kubectl_stack.model.workloads.daemonset import DAEMONSET, daemonset_rollout_status
from kubectl_stack.model.workloads.deployment import DEPLOYMENT
from kubectl_stack.model.workloads.revisions import (
    WorkloadRevision,
    WorkloadUndoPlan,
    history_text,
    owned_revisions,
    revision_history,
    revision_template,
    undo_plan,
)
from kubectl_stack.model.workloads.statefulset import STATEFULSET, statefulset_rollout_status
from kubectl_stack.model.workloads.templates import CHANGE_CAUSE

__all__ = [
    "CHANGE_CAUSE",
    "REGISTRY",
    "Revision",
    "UndoPlan",
    "WorkloadKind",
    "WorkloadRevision",
    "WorkloadRow",
    "WorkloadUndoPlan",
    "daemonset_rollout_status",
    "for_kind",
    "register",
    "unregister",
    "history_text",
    "kind_of",
    "owned_revisions",
    "revision_history",
    "revision_template",
    "statefulset_rollout_status",
    "undo_plan",
    "workload_rollout_status",
    "workload_row",
]

REGISTRY: dict[str, WorkloadKind] = {k.kind.kind: k for k in (DEPLOYMENT, STATEFULSET, DAEMONSET)}
"""Every workload kind by its ``kind`` ("Deployment")."""


def register(workload_kind: WorkloadKind) -> None:
    """Add a workload kind to every layer: its :class:`~kubectl_stack.kinds.Kind` to the
    kinds registry (watched, named, listed as a workload) and its interface here."""
    K.register(workload_kind.kind)
    REGISTRY[workload_kind.kind.kind] = workload_kind


def unregister(workload_kind: WorkloadKind) -> None:
    """Undo :func:`register`."""
    REGISTRY.pop(workload_kind.kind.kind, None)
    K.unregister(workload_kind.kind)


def for_kind(kind: str) -> WorkloadKind:
    """The interface of ``kind`` (KeyError for a kind that is not a workload)."""
    return REGISTRY[kind]


def kind_of(workload: Any, kind: str = "") -> str:
    """StatefulSet or DaemonSet: `kind` when given, else the object's own `kind` (list items
    from a real API server have none), else told apart by their spec and status fields."""
    obj = u.d(workload)
    found = kind or u.s(obj.get("kind"))
    if found in (STATEFULSET.kind.kind, DAEMONSET.kind.kind):
        return found
    spec, status = u.d(obj.get("spec")), u.d(obj.get("status"))
    if "desiredNumberScheduled" in status or ("replicas" not in spec and "template" in spec):
        return DAEMONSET.kind.kind
    return STATEFULSET.kind.kind


def workload_rollout_status(workload: Any, kind: str = "") -> RolloutStatus:
    """The status viewer for the workload's kind (see :func:`kind_of`)."""
    return for_kind(kind_of(workload, kind)).status(workload)


def workload_row(workload: Any, now: float, kind: str = "") -> WorkloadRow:
    """The `kubectl get` cells of a StatefulSet or DaemonSet (kind as :func:`kind_of`)."""
    return for_kind(kind_of(workload, kind)).row(workload, now)
