"""The history of the workloads that keep it in ControllerRevisions (StatefulSets and
DaemonSets): revision history and `kubectl rollout undo` as a pure plan.

Ported behaviour: kubectl pkg/polymorphichelpers history.go (controlledHistory, printHistory)
and rollback.go (findHistory, the match check and the strategic merge patch of the revision's
data).
"""

from __future__ import annotations

import copy
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kubectl_stack import kinds as K
from kubectl_stack.model import fields as u
from kubectl_stack.model.duration import age
from kubectl_stack.model.pods import PodRow
from kubectl_stack.model.workloads.base import (
    RolloutState,
    RolloutStatus,
    WorkloadRow,
    rollout_state,
)
from kubectl_stack.model.workloads.templates import CHANGE_CAUSE, DiffLine, images_of, template_diff

STRATEGIC_MERGE = "application/strategic-merge-patch+json"


# -- history ------------------------------------------------------------------------------------


def owned_revisions(workload: Any, revisions: Sequence[Any]) -> list[Mapping[str, Any]]:
    """controlledHistory: the ControllerRevisions in the workload's namespace whose controller
    reference is the workload's uid and whose labels its selector selects, oldest revision
    number first."""
    obj = u.d(workload)
    owner_uid = u.uid(obj)
    if not owner_uid or not isinstance(revisions, Sequence):
        return []
    selector = u.path(obj, "spec", "selector")
    ns = u.namespace(obj)
    out = [
        r
        for r in u.dicts(list(revisions))
        if u.controller_uid(r) == owner_uid
        and u.namespace(r) == ns
        and u.selector_matches(selector, u.labels(r))
    ]
    return sorted(out, key=lambda r: (u.i(r.get("revision")), u.name(r)))


def revision_template(revision: Any) -> Mapping[str, Any]:
    """The pod template stored in a ControllerRevision's data (without `$patch`)."""
    template = dict(u.d(u.path(revision, "data", "spec", "template")))
    template.pop("$patch", None)
    return template


@dataclass(frozen=True)
class WorkloadRevision:
    """One row of `kubectl rollout history sts|ds/x`, plus what the history view shows."""

    revision: int
    name: str  # the ControllerRevision
    change_cause: str  # the CHANGE-CAUSE cell: the annotation, or "<none>"
    images: tuple[str, ...]
    created: str
    age: str
    current: bool  # the template the workload has now

    ready_text = "—"  # a ControllerRevision has no pods of its own


def revision_history(
    workload: Any, revisions: Sequence[Any], now: float
) -> tuple[WorkloadRevision, ...]:
    """The revisions `kubectl rollout history` lists, oldest first (empty where it prints
    "No rollout history found."). When two revisions share a number the last one listed wins,
    as in kubectl's map."""
    by_number: dict[int, Mapping[str, Any]] = {}
    for r in owned_revisions(workload, revisions):
        by_number[u.i(r.get("revision"))] = r
    current = _current_data(workload)
    rows = []
    for number in sorted(by_number):
        r = by_number[number]
        created = u.s(u.meta(r).get("creationTimestamp"))
        rows.append(
            WorkloadRevision(
                revision=number,
                name=u.name(r),
                change_cause=u.annots(r).get(CHANGE_CAUSE) or "<none>",
                images=images_of(revision_template(r)),
                created=created,
                age=age(created, now),
                current=_normalised(u.d(r.get("data"))) == current,
            )
        )
    return tuple(rows)


def history_text(workload: Any, revisions: Sequence[Any], now: float) -> str:
    """What `kubectl rollout history sts|ds/x` prints after its first line (the tabwriter
    table with two spaces of padding), or "No rollout history found."."""
    rows = revision_history(workload, revisions, now)
    if not rows:
        return "No rollout history found."
    width = max(len("REVISION"), *(len(str(r.revision)) for r in rows)) + 2
    lines = [f"{'REVISION':<{width}}CHANGE-CAUSE"]
    lines += [f"{r.revision!s:<{width}}{r.change_cause}" for r in rows]
    return "\n".join(lines)


# -- undo -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkloadUndoPlan:
    """What `kubectl rollout undo sts|ds/x [--to-revision=N]` would do, without doing it.

    - `error` non-empty: kubectl's error text ("unable to find specified revision N in
      history", "no last revision to roll back to"); nothing to send.
    - `skipped`: `message` is "skipped rollback (current template already matches revision N)".
    - otherwise `patch` is the strategic merge patch kubectl sends (Content-Type
      application/strategic-merge-patch+json): the revision's data, which replaces
      spec.template; `message` is "rolled back".
    """

    error: str = ""
    skipped: bool = False
    message: str = ""
    from_revision: int = 0  # the revision whose template the workload has now (0: none)
    to_revision: int = 0
    revision_name: str = ""
    patch: Mapping[str, Any] | None = None
    diff: tuple[DiffLine, ...] = ()

    content_type = STRATEGIC_MERGE

    @property
    def ok(self) -> bool:
        """A patch should be sent."""
        return not self.error and not self.skipped

    def body(self) -> dict[str, Any]:
        return dict(self.patch or {})


def undo_plan(workload: Any, revisions: Sequence[Any], to_revision: int = 0) -> WorkloadUndoPlan:
    """StatefulSetRollbacker / DaemonSetRollbacker.Rollback as a pure plan.

    `to_revision` 0 means the previous revision: the second highest number among the owned
    revisions (whatever the current template is), as kubectl's findHistory picks it."""
    if isinstance(to_revision, bool) or not isinstance(to_revision, int) or to_revision < 0:
        bad = to_revision if isinstance(to_revision, int) else -1
        return WorkloadUndoPlan(error=f"unable to find specified revision {bad} in history")
    history = owned_revisions(workload, revisions)
    if to_revision == 0 and len(history) <= 1:
        return WorkloadUndoPlan(error="no last revision to roll back to")
    target: Mapping[str, Any] | None = None
    if to_revision == 0:
        target = history[-2]
    else:
        target = next((r for r in history if u.i(r.get("revision")) == to_revision), None)
    if target is None:
        return WorkloadUndoPlan(error=f"unable to find specified revision {to_revision} in history")
    number = u.i(target.get("revision"))
    data = u.d(target.get("data"))
    current = _current_data(workload)
    from_revision = max(
        (u.i(r.get("revision")) for r in history if _normalised(u.d(r.get("data"))) == current),
        default=0,
    )
    if _normalised(data) == current:
        return WorkloadUndoPlan(
            skipped=True,
            message=f"skipped rollback (current template already matches revision {to_revision})",
            from_revision=from_revision,
            to_revision=number,
            revision_name=u.name(target),
        )
    current_template = u.d(u.path(workload, "spec", "template"))
    return WorkloadUndoPlan(
        message="rolled back",
        from_revision=from_revision,
        to_revision=number,
        revision_name=u.name(target),
        patch=copy.deepcopy(dict(data)),
        diff=template_diff(current_template, revision_template(target)),
    )


def _current_data(workload: Any) -> Any:
    template = dict(u.d(u.path(workload, "spec", "template")))
    template["$patch"] = "replace"
    return _normalised({"spec": {"template": template}})


def _normalised(value: Any) -> Any:
    """JSON-equal form: Go's typed encoding drops empty maps/lists and nulls that a stored
    revision may or may not carry, so they must not decide a match."""
    if isinstance(value, Mapping):
        out = {str(k): _normalised(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v not in (None, {}, [])}
    if isinstance(value, list):
        return [_normalised(v) for v in value]
    return value


ONLY_ROLLING = "rollout status is only available for RollingUpdate strategy type"


class RevisionedKind(ABC):
    """The history and undo shared by the kinds whose revisions are ControllerRevisions;
    a subclass gives ``kind``, ``status`` and ``row``."""

    revisions = K.CONTROLLERREVISIONS
    no_scale = ""
    pausable = False

    @abstractmethod
    def status(self, workload: Any) -> RolloutStatus: ...

    @abstractmethod
    def row(self, workload: Any, now: float) -> WorkloadRow: ...

    def revision(self, workload: Any) -> None:
        return None  # the number is in its ControllerRevisions only

    def rollout(
        self, workload: Any, owned: Sequence[Any], pods: Sequence[PodRow], now: float
    ) -> RolloutState:
        return rollout_state(self.status(workload), self.row(workload, now))

    def owned(self, workload: Any, candidates: Sequence[Any]) -> list[Mapping[str, Any]]:
        return owned_revisions(workload, candidates)

    def history(
        self, workload: Any, candidates: Sequence[Any], now: float
    ) -> tuple[WorkloadRevision, ...]:
        return revision_history(workload, candidates, now)

    def template(
        self, workload: Any, candidates: Sequence[Any], revision: int
    ) -> Mapping[str, Any] | None:
        found = [
            r for r in owned_revisions(workload, candidates) if u.i(r.get("revision")) == revision
        ]
        return revision_template(found[-1]) if found else None

    def undo_plan(
        self, workload: Any, candidates: Sequence[Any], to_revision: int
    ) -> WorkloadUndoPlan:
        return undo_plan(workload, candidates, to_revision)
