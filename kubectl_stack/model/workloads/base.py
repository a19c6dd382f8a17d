"""One interface per workload kind, as kubectl's ``pkg/polymorphichelpers`` has one
``StatusViewer`` / ``HistoryViewer`` / ``Rollbacker`` per kind behind ``StatusViewerFor(kind)``:
callers look the kind up (:func:`kubectl_stack.model.workloads.for_kind`) and never branch on it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from kubectl_stack.kinds import Kind
from kubectl_stack.model import fields as u
from kubectl_stack.model.duration import age
from kubectl_stack.model.pods import PodRow
from kubectl_stack.model.workloads.templates import DiffLine

COMPLETE = "complete"
PROGRESSING = "progressing"  # kubectl rollout status is still "Waiting for ..."
PAUSED = "paused"
DEADLINE_EXCEEDED = "deadline-exceeded"  # Progressing False/ProgressDeadlineExceeded: stalled


@dataclass(frozen=True)
class RolloutStatus:
    """What `kubectl rollout status deployment/x --watch=false` prints and whether it is done.

    `message` has no trailing newline; when `error` is set kubectl prints `error: <error>` and
    exits non-zero (message is then ''). `waiting` says in a few words what kubectl is
    waiting for ("Waiting 1/3 updated", "Waiting 2 old pending", "Waiting 2/3 available",
    "Waiting for spec update"; '' when it is not waiting)."""

    message: str
    done: bool
    error: str
    waiting: str = ""


def progress_bar(fraction: float, width: int = 8) -> str:
    """▰▰▰▱▱ for a fraction in [0, 1] (clamped; NaN counts as 0)."""
    if not isinstance(fraction, (int, float)) or fraction != fraction:
        fraction = 0.0
    width = max(int(width), 0) if isinstance(width, int) else 8
    filled = round(max(0.0, min(float(fraction), 1.0)) * width)
    return "▰" * filled + "▱" * (width - filled)


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


@dataclass(frozen=True)
class Counts:
    """Where a kind keeps the counts `kubectl get` prints: ``desired`` a path from the object,
    the others fields of its status."""

    desired: tuple[str, ...]
    ready: str
    current: str
    updated: str
    available: str
    desired_unset: int = 0  # the API's default when ``desired`` is unset


def counted_row(
    kind: Kind, workload: Any, now: float, counts: Counts, node_selector: str = ""
) -> WorkloadRow:
    """The `kubectl get` cells of a workload whose counts are where ``counts`` says (READY
    is ready/desired)."""
    obj = u.d(workload)
    status = u.d(obj.get("status"))
    desired = u.i(u.path(obj, *counts.desired), counts.desired_unset)
    return WorkloadRow(
        name=u.name(obj),
        kind=kind.kind,
        ready=f"{u.i(status.get(counts.ready))}/{desired}",
        desired=desired,
        current=u.i(status.get(counts.current)),
        updated=u.i(status.get(counts.updated)),
        available=u.i(status.get(counts.available)),
        node_selector=node_selector,
        age=age(u.meta(obj).get("creationTimestamp"), now),
    )


class Progress(Protocol):
    """A rollout as the stacks list sorts and draws it: a state (:data:`COMPLETE`,
    :data:`PROGRESSING`, :data:`PAUSED`, :data:`DEADLINE_EXCEEDED`), its label ("Complete",
    "Waiting 2/3 ready"), how far (0..1), and kubectl rollout status's verdict."""

    @property
    def state(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def progress(self) -> float: ...
    @property
    def status(self) -> RolloutStatus: ...


@dataclass(frozen=True)
class RolloutState:
    """The :class:`Progress` of a kind whose status viewer and counts say it all."""

    state: str
    label: str
    progress: float
    status: RolloutStatus


def rollout_state(status: RolloutStatus, row: WorkloadRow) -> RolloutState:
    """Complete when kubectl's status viewer says done, else what it waits for, in short
    ("Waiting 2/3 ready"; from the counts when the viewer has no short word)."""
    if status.done:
        return RolloutState(COMPLETE, "Complete", 1.0, status)
    progress = min(row.updated, row.available) / row.desired if row.desired else 0.0
    label = status.waiting or f"Waiting {row.updated}/{row.desired} updated"
    return RolloutState(PROGRESSING, label, progress, status)


class Revision(Protocol):
    """One row of `kubectl rollout history`, whatever object keeps the revision."""

    @property
    def revision(self) -> int: ...
    @property
    def name(self) -> str: ...  # the object keeping it (ReplicaSet, ControllerRevision)
    @property
    def ready_text(self) -> str: ...  # its pods, "2/3" ("—" for an object without pods)
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
    def from_revision(self) -> int: ...
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
    @property
    def no_scale(self) -> str: ...  # why it has no scale subresource ('' when it has one)
    @property
    def pausable(self) -> bool: ...  # kubectl rollout pause / resume (ObjectPauserFn)
    @property
    def pod_owner(self) -> Kind: ...  # what controls its pods: itself or its revisions

    def status(self, workload: Any) -> RolloutStatus:
        """`kubectl rollout status`'s verdict (StatusViewer.Status)."""
        ...

    def row(self, workload: Any, now: float) -> WorkloadRow:
        """`kubectl get`'s cells."""
        ...

    def revision(self, workload: Any) -> int | None:
        """The revision the object records of itself (a Deployment's revision annotation; 0
        when absent or unreadable), None for a kind whose object records none."""
        ...

    def rollout(
        self, workload: Any, owned: Sequence[Any], pods: Sequence[PodRow], now: float
    ) -> Progress:
        """Its rollout for the stacks list and the Stack screen; ``owned``: its revision
        objects, ``pods``: rows of its pods (those out of the ordinary at least)."""
        ...

    def owned(self, workload: Any, candidates: Sequence[Any]) -> list[Mapping[str, Any]]:
        """The revision objects among ``candidates`` the workload controls, oldest first."""
        ...

    def history(self, workload: Any, candidates: Sequence[Any], now: float) -> Sequence[Revision]:
        """The revisions `kubectl rollout history` lists, oldest first (HistoryViewer)."""
        ...

    def template(
        self, workload: Any, candidates: Sequence[Any], revision: int
    ) -> Mapping[str, Any] | None:
        """The pod template revision ``revision`` keeps (`rollout history --revision=N`)."""
        ...

    def undo_plan(self, workload: Any, candidates: Sequence[Any], to_revision: int) -> UndoPlan:
        """`kubectl rollout undo [--to-revision]` as a pure plan (Rollbacker.Rollback)."""
        ...
