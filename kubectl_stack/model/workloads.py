"""StatefulSets and DaemonSets: `kubectl rollout status` word for word, `kubectl get` columns,
revision history from ControllerRevisions and `kubectl rollout undo` as a pure plan.

Ported behaviour: kubectl pkg/polymorphichelpers rollout_status.go (StatefulSetStatusViewer,
DaemonSetStatusViewer, including partitioned updates and the OnDelete refusal), history.go
(controlledHistory, printHistory) and rollback.go (findHistory, the match check and the
strategic merge patch of the revision's data), and printers.go printStatefulSet/printDaemonSet.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kubectl_stack.model import _util as u
from kubectl_stack.model.duration import age
from kubectl_stack.model.history import DiffLine, images_of, template_diff
from kubectl_stack.model.rollout import RolloutStatus

STATEFULSET = "StatefulSet"
DAEMONSET = "DaemonSet"
CHANGE_CAUSE = "kubernetes.io/change-cause"
_ONLY_ROLLING = "rollout status is only available for RollingUpdate strategy type"


def statefulset_rollout_status(statefulset: Any) -> RolloutStatus:
    """StatefulSetStatusViewer.Status, exactly (message without the trailing newline).

    With the API's default strategy (RollingUpdate, partition 0) kubectl always takes the
    partitioned branch, so a finished rollout reads "partitioned roll out complete: ..."."""
    sts = u.d(statefulset)
    spec = u.d(sts.get("spec"))
    strategy = u.d(spec.get("updateStrategy"))
    if u.s(strategy.get("type")) != "RollingUpdate":
        return RolloutStatus("", True, _ONLY_ROLLING)
    status = u.d(sts.get("status"))
    observed = u.i(status.get("observedGeneration"))
    if observed == 0 or u.i(u.meta(sts).get("generation")) > observed:
        return RolloutStatus("Waiting for statefulset spec update to be observed...", False, "")
    replicas = u.opt_i(spec.get("replicas"))
    ready = u.i(status.get("readyReplicas"))
    updated = u.i(status.get("updatedReplicas"))
    if replicas is not None and ready < replicas:
        return RolloutStatus(f"Waiting for {replicas - ready} pods to be ready...", False, "")
    rolling = strategy.get("rollingUpdate")
    if isinstance(rolling, Mapping):
        partition = u.opt_i(rolling.get("partition"))
        if replicas is not None and partition is not None and updated < replicas - partition:
            return RolloutStatus(
                f"Waiting for partitioned roll out to finish: {updated} out of "
                f"{replicas - partition} new pods have been updated...",
                False,
                "",
            )
        return RolloutStatus(
            f"partitioned roll out complete: {updated} new pods have been updated...", True, ""
        )
    update_rev = u.s(status.get("updateRevision"))
    current_rev = u.s(status.get("currentRevision"))
    if update_rev != current_rev:
        return RolloutStatus(
            f"waiting for statefulset rolling update to complete {updated} pods at revision "
            f"{update_rev}...",
            False,
            "",
        )
    current = u.i(status.get("currentReplicas"))
    return RolloutStatus(
        f"statefulset rolling update complete {current} pods at revision {current_rev}...",
        True,
        "",
    )


def daemonset_rollout_status(daemonset: Any) -> RolloutStatus:
    """DaemonSetStatusViewer.Status, exactly (message without the trailing newline)."""
    ds = u.d(daemonset)
    name = u.name(ds)
    strategy = u.d(u.path(ds, "spec", "updateStrategy"))
    if u.s(strategy.get("type")) != "RollingUpdate":
        return RolloutStatus("", True, _ONLY_ROLLING)
    status = u.d(ds.get("status"))
    if u.i(u.meta(ds).get("generation")) <= u.i(status.get("observedGeneration")):
        desired = u.i(status.get("desiredNumberScheduled"))
        updated = u.i(status.get("updatedNumberScheduled"))
        available = u.i(status.get("numberAvailable"))
        if updated < desired:
            return RolloutStatus(
                f'Waiting for daemon set "{name}" rollout to finish: {updated} out of {desired} '
                "new pods have been updated...",
                False,
                "",
            )
        if available < desired:
            return RolloutStatus(
                f'Waiting for daemon set "{name}" rollout to finish: {available} of {desired} '
                "updated pods are available...",
                False,
                "",
            )
        return RolloutStatus(f'daemon set "{name}" successfully rolled out', True, "")
    return RolloutStatus("Waiting for daemon set spec update to be observed...", False, "")


def kind_of(workload: Any, kind: str = "") -> str:
    """StatefulSet or DaemonSet: `kind` when given, else the object's own `kind` (list items
    from a real API server have none), else told apart by their spec and status fields."""
    obj = u.d(workload)
    found = kind or u.s(obj.get("kind"))
    if found in (STATEFULSET, DAEMONSET):
        return found
    spec, status = u.d(obj.get("spec")), u.d(obj.get("status"))
    if "desiredNumberScheduled" in status or ("replicas" not in spec and "template" in spec):
        return DAEMONSET
    return STATEFULSET


def workload_rollout_status(workload: Any, kind: str = "") -> RolloutStatus:
    """The status viewer for the workload's kind (see :func:`kind_of`)."""
    if kind_of(workload, kind) == DAEMONSET:
        return daemonset_rollout_status(workload)
    return statefulset_rollout_status(workload)


# -- `kubectl get` columns ---------------------------------------------------------------------


@dataclass(frozen=True)
class WorkloadRow:
    """`kubectl get sts|ds` cells: READY is "ready/desired" for both kinds (for a DaemonSet,
    numberReady/desiredNumberScheduled); `updated` and `available` as printed for a
    DaemonSet (for a StatefulSet, status.updatedReplicas and availableReplicas)."""

    name: str
    kind: str
    ready: str
    desired: int
    current: int
    updated: int
    available: int
    node_selector: str  # DaemonSet NODE SELECTOR ("<none>"); '' for a StatefulSet
    age: str


def workload_row(workload: Any, now: float, kind: str = "") -> WorkloadRow:
    """printStatefulSet / printDaemonSet cells for one object (kind as :func:`kind_of`)."""
    obj = u.d(workload)
    status = u.d(obj.get("status"))
    created = age(u.meta(obj).get("creationTimestamp"), now)
    if kind_of(obj, kind) == DAEMONSET:
        desired = u.i(status.get("desiredNumberScheduled"))
        ready = u.i(status.get("numberReady"))
        selector = u.str_map(u.path(obj, "spec", "template", "spec", "nodeSelector"))
        return WorkloadRow(
            u.name(obj),
            DAEMONSET,
            f"{ready}/{desired}",
            desired,
            u.i(status.get("currentNumberScheduled")),
            u.i(status.get("updatedNumberScheduled")),
            u.i(status.get("numberAvailable")),
            ",".join(f"{k}={selector[k]}" for k in sorted(selector)) or "<none>",
            created,
        )
    desired = u.i(u.path(obj, "spec", "replicas"))
    return WorkloadRow(
        u.name(obj),
        STATEFULSET,
        f"{u.i(status.get('readyReplicas'))}/{desired}",
        desired,
        u.i(status.get("replicas")),
        u.i(status.get("updatedReplicas")),
        u.i(status.get("availableReplicas")),
        "",
        created,
    )


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
    to_revision: int = 0
    revision_name: str = ""
    patch: Mapping[str, Any] | None = None
    diff: tuple[DiffLine, ...] = ()

    @property
    def ok(self) -> bool:
        """A patch should be sent."""
        return not self.error and not self.skipped


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
    if _normalised(data) == _current_data(workload):
        return WorkloadUndoPlan(
            skipped=True,
            message=f"skipped rollback (current template already matches revision {to_revision})",
            to_revision=number,
            revision_name=u.name(target),
        )
    current_template = u.d(u.path(workload, "spec", "template"))
    return WorkloadUndoPlan(
        message="rolled back",
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
