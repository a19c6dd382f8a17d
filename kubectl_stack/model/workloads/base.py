"""One interface per workload kind, as kubectl's ``pkg/polymorphichelpers`` has one
``StatusViewer`` / ``HistoryViewer`` / ``Rollbacker`` per kind behind ``StatusViewerFor(kind)``:
callers look the kind up (:func:`kubectl_stack.model.workloads.for_kind`) and never branch on it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from kubectl_stack.kinds import Kind
from kubectl_stack.model.history import DiffLine
from kubectl_stack.model.rollout import RolloutStatus


@dataclass(frozen=True, kw_only=True)
class WorkloadRow:
    """`kubectl get` cells of one workload: READY is "ready/desired" (for a DaemonSet,
    numberReady/desiredNumberScheduled); `updated` and `available` as printed (for a
    StatefulSet, status.updatedReplicas and availableReplicas)."""

    name: str
    kind: str
    ready: str
    desired: int
    current: int
    updated: int
    available: int
    node_selector: str  # DaemonSet NODE SELECTOR ("<none>"); '' for the other kinds
    age: str


class Revision(Protocol):
    """One row of `kubectl rollout history`, whatever object keeps the revision."""

    @property
    def revision(self) -> int: ...
    @property
    def change_cause(self) -> str: ...
    @property
    def images(self) -> tuple[str, ...]: ...
    @property
    def age(self) -> str: ...
    @property
    def current(self) -> bool: ...


class UndoPlan(Protocol):
    """What `kubectl rollout undo` would do, without doing it: an error, a skip, or the patch
    (``body`` sent with ``content_type``) kubectl sends."""

    @property
    def error(self) -> str: ...
    @property
    def skipped(self) -> bool: ...
    @property
    def message(self) -> str: ...
    @property
    def to_revision(self) -> int: ...
    @property
    def diff(self) -> tuple[DiffLine, ...]: ...
    @property
    def ok(self) -> bool: ...
    @property
    def content_type(self) -> str: ...
    def body(self) -> Any: ...


class WorkloadKind(Protocol):
    """Everything the app knows about one workload kind. ``revisions``: the kind of the objects
    that keep its history (ReplicaSets, ControllerRevisions), listed by its selector."""

    @property
    def kind(self) -> Kind: ...
    @property
    def revisions(self) -> Kind: ...

    def status(self, workload: Any) -> RolloutStatus:
        """`kubectl rollout status`'s verdict (StatusViewer.Status)."""
        ...

    def row(self, workload: Any, now: float) -> WorkloadRow:
        """`kubectl get`'s cells."""
        ...

    def owned(self, workload: Any, candidates: Sequence[Any]) -> list[Mapping[str, Any]]:
        """The revision objects among ``candidates`` the workload controls, oldest first."""
        ...

    def history(self, workload: Any, candidates: Sequence[Any], now: float) -> Sequence[Revision]:
        """The revisions `kubectl rollout history` lists, oldest first (HistoryViewer)."""
        ...

    def undo_plan(self, workload: Any, candidates: Sequence[Any], to_revision: int) -> UndoPlan:
        """`kubectl rollout undo [--to-revision]` as a pure plan (Rollbacker.Rollback)."""
        ...
