"""Deployment rollouts: `kubectl rollout status` word for word, `kubectl get deploy` columns,
progress numbers, the rolling-update budget, the progress deadline, and a state a person can
sort by (Complete / Waiting / Paused / Deadline exceeded).

Ported behaviour: kubectl pkg/polymorphichelpers/rollout_status.go (DeploymentStatusViewer),
printers.go printDeployment, deploymentutil.ResolveFenceposts (surge rounds up, unavailable
rounds down, both zero makes unavailable 1) and the deployment controller's progress check
(progress.go syncRolloutStatus, deploymentutil.DeploymentTimedOut): the deadline counts from
the Progressing condition's lastUpdateTime, is not checked once the condition says the new
ReplicaSet is available, and is not run at all while the Deployment is paused (the condition
is then Unknown/DeploymentPaused).
History and undo come from its ReplicaSets (:mod:`.replicasets`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kubectl_stack import kinds as K
from kubectl_stack.model import fields as u
from kubectl_stack.model.duration import age, clock
from kubectl_stack.model.pods import FAILING, PodRow
from kubectl_stack.model.workloads import replicasets
from kubectl_stack.model.workloads.base import (
    COMPLETE,
    DEADLINE_EXCEEDED,
    PAUSED,
    PROGRESSING,
    Counts,
    RolloutStatus,
    WorkloadRow,
    counted_row,
)
from kubectl_stack.model.workloads.replicasets import revision_of
from kubectl_stack.model.workloads.templates import templates_equal

TIMED_OUT_REASON = "ProgressDeadlineExceeded"
NEW_RS_AVAILABLE_REASON = "NewReplicaSetAvailable"
PAUSED_REASON = "DeploymentPaused"
REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
_MAX_INT32 = 2**31 - 1


def rollout_status(deployment: Any, revision: int = 0) -> RolloutStatus:
    """DeploymentStatusViewer.Status, exactly."""
    dep = u.d(deployment)
    name = u.name(dep)
    if isinstance(revision, int) and not isinstance(revision, bool) and revision > 0:
        current = revision_of(dep)
        if current is None:
            value = u.annots(dep).get("deployment.kubernetes.io/revision", "")
            return RolloutStatus(
                "",
                False,
                f'cannot get the revision of deployment "{name}": strconv.ParseInt: '
                f'parsing "{value}": invalid syntax',
            )
        if revision != current:
            return RolloutStatus(
                "",
                False,
                f"desired revision ({revision}) is different from the running revision ({current})",
            )
    status = u.d(dep.get("status"))
    generation = u.i(u.meta(dep).get("generation"))
    observed = u.i(status.get("observedGeneration"))
    if generation <= observed:
        cond = _condition(dep, "Progressing")
        if cond is not None and cond.get("reason") == TIMED_OUT_REASON:
            return RolloutStatus("", False, f'deployment "{name}" exceeded its progress deadline')
        spec_replicas = u.opt_i(u.path(dep, "spec", "replicas"))
        updated = u.i(status.get("updatedReplicas"))
        replicas = u.i(status.get("replicas"))
        available = u.i(status.get("availableReplicas"))
        if spec_replicas is not None and updated < spec_replicas:
            return RolloutStatus(
                f'Waiting for deployment "{name}" rollout to finish: {updated} out of '
                f"{spec_replicas} new replicas have been updated...",
                False,
                "",
                f"Waiting {updated}/{spec_replicas} updated",
            )
        if replicas > updated:
            return RolloutStatus(
                f'Waiting for deployment "{name}" rollout to finish: {replicas - updated} old '
                "replicas are pending termination...",
                False,
                "",
                f"Waiting {replicas - updated} old pending",
            )
        if available < updated:
            return RolloutStatus(
                f'Waiting for deployment "{name}" rollout to finish: {available} of {updated} '
                "updated replicas are available...",
                False,
                "",
                f"Waiting {available}/{updated} available",
            )
        return RolloutStatus(f'deployment "{name}" successfully rolled out', True, "")
    return RolloutStatus(
        "Waiting for deployment spec update to be observed...",
        False,
        "",
        "Waiting for spec update",
    )


def _condition(dep: Mapping[str, Any], ctype: str) -> Mapping[str, Any] | None:
    for cond in u.dicts(u.path(dep, "status", "conditions")):
        if cond.get("type") == ctype:
            return cond
    return None


@dataclass(frozen=True)
class DeploymentRow:
    """`kubectl get deploy -o wide` cells."""

    name: str
    ready: str  # READY "2/3" (readyReplicas/spec.replicas)
    up_to_date: int  # UP-TO-DATE
    available: int  # AVAILABLE
    age: str  # AGE
    containers: str  # wide: CONTAINERS "app,sidecar"
    images: str  # wide: IMAGES
    selector: str  # wide: SELECTOR "app=my-app"


def spec_replicas(deployment: Any) -> int:
    """spec.replicas as the API defaults it (1 when unset)."""
    return u.i(u.path(deployment, "spec", "replicas"), 1)


def deployment_row(deployment: Any, now: float) -> DeploymentRow:
    """printDeployment's cells for one Deployment dict."""
    dep = u.d(deployment)
    status = u.d(dep.get("status"))
    containers = u.dicts(u.path(dep, "spec", "template", "spec", "containers"))
    return DeploymentRow(
        name=u.name(dep),
        ready=f"{u.i(status.get('readyReplicas'))}/{spec_replicas(dep)}",
        up_to_date=u.i(status.get("updatedReplicas")),
        available=u.i(status.get("availableReplicas")),
        age=age(u.meta(dep).get("creationTimestamp"), now),
        containers=",".join(u.s(c.get("name")) for c in containers),
        images=",".join(u.s(c.get("image")) for c in containers),
        selector=u.format_selector(u.path(dep, "spec", "selector")),
    )


@dataclass(frozen=True)
class Budget:
    """The rolling-update budget resolved for the desired replica count."""

    strategy: str  # "RollingUpdate" / "Recreate"
    max_surge: int
    max_unavailable: int
    max_pods: int  # desired + surge
    min_available: int  # desired - unavailable, never below 0
    text: str  # "≤ 4 pods (3 + surge 1) · ≥ 2 available (3 − 1)" ('' for Recreate)


def resolve_fenceposts(max_surge: Any, max_unavailable: Any, desired: int) -> tuple[int, int]:
    """deploymentutil.ResolveFenceposts: surge from int-or-percent rounded up, unavailable
    rounded down; if both resolve to 0, unavailable becomes 1. Unset values count as 0; an
    unparsable value also counts as 0 (kube reports an error there)."""
    surge = 0 if max_surge is None else u.int_or_percent(max_surge, desired, True) or 0
    unavailable = (
        0 if max_unavailable is None else u.int_or_percent(max_unavailable, desired, False) or 0
    )
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def budget(deployment: Any) -> Budget:
    """The Deployment's surge/unavailable budget and the bounds they imply."""
    dep = u.d(deployment)
    desired = spec_replicas(dep)
    strategy = u.d(u.path(dep, "spec", "strategy"))
    stype = u.s(strategy.get("type")) or "RollingUpdate"
    if stype == "Recreate":
        return Budget("Recreate", 0, desired, desired, 0, "")
    rolling = strategy.get("rollingUpdate")
    # The API server defaults both to 25% when rollingUpdate is omitted.
    if isinstance(rolling, Mapping):
        raw_surge, raw_unavail = rolling.get("maxSurge"), rolling.get("maxUnavailable")
    else:
        raw_surge, raw_unavail = "25%", "25%"
    surge, unavailable = resolve_fenceposts(raw_surge, raw_unavail, desired)
    max_pods = desired + surge
    min_available = max(desired - unavailable, 0)
    text = (
        f"≤ {max_pods} pods ({desired} + surge {surge}) · "
        f"≥ {min_available} available ({desired} − {unavailable})"
    )
    return Budget(stype, surge, unavailable, max_pods, min_available, text)


@dataclass(frozen=True)
class Rollout:
    """Everything the Rollout panel and the stacks row need about one Deployment."""

    state: str  # COMPLETE / PROGRESSING / PAUSED / DEADLINE_EXCEEDED
    label: str  # "Complete", "Waiting 4/6 updated", "Paused", "Deadline exceeded", ...
    status: RolloutStatus  # kubectl rollout status's verdict
    desired: int
    total: int  # status.replicas (all ReplicaSets)
    updated: int
    ready: int
    available: int
    unavailable: int
    old_pending: int  # old replicas pending termination (status.replicas - updated)
    terminating: int  # status.terminatingReplicas when the server reports it
    new_available: int  # available pods of the new ReplicaSet
    progress: float  # 0..1, new available / desired (1 when complete)
    budget: Budget
    revision: int
    new_replicaset: str  # '' until the controller creates it
    elapsed: float | None  # seconds since the rollout began (see rollout_start)
    elapsed_text: str  # "1m 12s elapsed" ('' when unknown or no rollout is under way)
    deadline_left: float | None  # seconds until ProgressDeadlineExceeded (None when n/a)
    deadline_text: str  # "progress deadline in 8m 48s" / "progress deadline exceeded" / ''
    failing_pod: str  # first failing pod of the new ReplicaSet ('' when none)
    failing_reason: str  # its reason ("Readiness probe failed: ... (×6, last 4s ago)")
    failing_count: int  # failing pods of the new ReplicaSet


def _owned(dep: Mapping[str, Any], replicasets: Sequence[Any]) -> list[Mapping[str, Any]]:
    """The ReplicaSets among ``replicasets`` that the Deployment controls."""
    dep_uid = u.uid(dep)
    if not dep_uid or not isinstance(replicasets, Sequence):
        return []
    return [rs for rs in replicasets if isinstance(rs, Mapping) and u.controller_uid(rs) == dep_uid]


def current_replicaset(deployment: Any, replicasets: Sequence[Any]) -> Mapping[str, Any] | None:
    """The Deployment's new ReplicaSet among its owned ones: the one whose revision equals the
    Deployment's (the controller keeps them equal), else the oldest with an equal template."""
    dep = u.d(deployment)
    owned = _owned(dep, replicasets)
    dep_rev = revision_of(dep)
    if dep_rev:
        for rs in owned:
            if revision_of(rs) == dep_rev:
                return rs
    template = u.path(dep, "spec", "template")
    owned.sort(key=lambda rs: (u.ts(u.meta(rs).get("creationTimestamp")) or 0.0, u.name(rs)))
    for rs in owned:
        if templates_equal(u.path(rs, "spec", "template"), template):
            return rs
    return None


def rollout_start(
    deployment: Any,
    new_rs: Mapping[str, Any] | None,
    replicasets: Sequence[Any],
    new_pods: Sequence[PodRow],
) -> float | None:
    """When the rollout under way began (epoch seconds); None when no rollout is under way or
    its start cannot be told from the objects. ``new_rs`` is :func:`current_replicaset`.

    No rollout is under way once the Progressing condition says the new ReplicaSet is
    available (the controller then checks no progress: what kubectl still waits for is a
    scale-up or a replaced pod), nor, without that condition, while no old pod is left.
    A rollout starts when its new ReplicaSet is created. A ReplicaSet brought back by a
    rollback (it carries a revision-history annotation) is as old as its revision: that
    rollout started when it created its first pod after the newest other ReplicaSet was
    made (a rollback comes after the revision it leaves), or, before it has one, when the
    controller found it (Progressing FoundNewReplicaSet); a rollback that kept older pods
    has no start to tell."""
    dep = u.d(deployment)
    cond = _condition(dep, "Progressing")
    status = u.d(dep.get("status"))
    if cond is not None:
        if cond.get("reason") == NEW_RS_AVAILABLE_REASON:
            return None
    elif u.i(status.get("replicas")) <= u.i(status.get("updatedReplicas")):
        return None
    if new_rs is None:
        return None
    if REVISION_HISTORY not in u.annots(new_rs):
        return u.ts(u.meta(new_rs).get("creationTimestamp"))
    others = [
        u.ts(u.meta(rs).get("creationTimestamp")) or 0.0
        for rs in _owned(dep, replicasets)
        if u.uid(rs) != u.uid(new_rs)
    ]
    after = max(others, default=0.0)
    created = [p.created for p in new_pods if p.created is not None and p.created >= after]
    if created:
        return min(created)
    if cond is not None and cond.get("reason") == "FoundNewReplicaSet":
        return u.ts(cond.get("lastUpdateTime"))
    return None


def rollout(
    deployment: Any,
    replicasets: Sequence[Any],
    pods: Sequence[PodRow],
    now: float,
) -> Rollout:
    """The rollout of one Deployment. `replicasets` may hold any ReplicaSets (only those the
    Deployment controls count); `pods` are PodRows (pods.pod_row) of the Deployment's pods,
    used to spot new pods failing while old ones serve."""
    dep = u.d(deployment)
    status = u.d(dep.get("status"))
    verdict = rollout_status(dep)
    desired = spec_replicas(dep)
    updated = u.i(status.get("updatedReplicas"))
    total = u.i(status.get("replicas"))
    available = u.i(status.get("availableReplicas"))
    new_rs = current_replicaset(dep, replicasets)
    new_uid = u.uid(new_rs) if new_rs is not None else ""
    new_available = (
        u.i(u.path(new_rs, "status", "availableReplicas"))
        if new_rs is not None
        else min(updated, available)
    )
    pod_rows = [p for p in pods if isinstance(p, PodRow)] if isinstance(pods, Sequence) else []
    new_pods = [p for p in pod_rows if new_uid and p.owner_uid == new_uid]
    failing = next((p for p in new_pods if p.health == FAILING), None)

    cond = _condition(dep, "Progressing")
    deadline_s = u.opt_i(u.path(dep, "spec", "progressDeadlineSeconds"))
    timed_out = cond is not None and cond.get("reason") == TIMED_OUT_REASON
    # The controller does not run the progress check of a paused Deployment: no countdown
    # from the time it was paused (Progressing Unknown/DeploymentPaused), nor while the pause
    # it has not yet observed or the resume it has not yet recorded are pending.
    paused = u.path(dep, "spec", "paused") is True or (
        cond is not None and cond.get("reason") == PAUSED_REASON
    )
    deadline_left: float | None = None
    if (
        not verdict.done
        and not timed_out
        and not paused
        and cond is not None
        and cond.get("reason") != NEW_RS_AVAILABLE_REASON
        and deadline_s is not None
        and deadline_s != _MAX_INT32
    ):
        since = u.ts(cond.get("lastUpdateTime"))
        if since is not None:
            deadline_left = since + deadline_s - now
    if timed_out:
        deadline_text = "progress deadline exceeded"
    elif deadline_left is not None:
        deadline_text = (
            f"progress deadline in {clock(deadline_left)}"
            if deadline_left > 0
            else "progress deadline passed"
        )
    else:
        deadline_text = ""
    started = None if verdict.done else rollout_start(dep, new_rs, replicasets, new_pods)
    elapsed = None if started is None else max(now - started, 0.0)

    progress = 1.0 if verdict.done else (min(new_available, desired) / desired if desired else 0.0)
    if u.path(dep, "spec", "paused") is True:
        state, label = PAUSED, "Paused"
    elif timed_out and u.i(u.meta(dep).get("generation")) <= u.i(status.get("observedGeneration")):
        state, label = DEADLINE_EXCEEDED, "Deadline exceeded"
    elif verdict.done:
        state, label = COMPLETE, "Complete"
    else:
        state, label = PROGRESSING, verdict.waiting
    return Rollout(
        state=state,
        label=label,
        status=verdict,
        desired=desired,
        total=total,
        updated=updated,
        ready=u.i(status.get("readyReplicas")),
        available=available,
        unavailable=u.i(status.get("unavailableReplicas")),
        old_pending=max(total - updated, 0),
        terminating=u.i(status.get("terminatingReplicas")),
        new_available=new_available,
        progress=max(0.0, min(progress, 1.0)),
        budget=budget(dep),
        revision=revision_of(dep) or 0,
        new_replicaset=u.name(new_rs) if new_rs is not None else "",
        elapsed=elapsed,
        elapsed_text=f"{clock(elapsed)} elapsed" if elapsed is not None else "",
        deadline_left=deadline_left,
        deadline_text=deadline_text,
        failing_pod=failing.name if failing is not None else "",
        failing_reason=failing.reason if failing is not None else "",
        failing_count=sum(1 for p in new_pods if p.health == FAILING),
    )


_COUNTS = Counts(
    ("spec", "replicas"), "readyReplicas", "replicas", "updatedReplicas", "availableReplicas", 1
)


class DeploymentKind:
    kind = K.DEPLOYMENTS
    revisions = K.REPLICASETS
    no_scale = ""
    pausable = True
    pod_owner = K.REPLICASETS

    def status(self, workload: Any) -> RolloutStatus:
        return rollout_status(workload)

    def row(self, workload: Any, now: float) -> WorkloadRow:
        """printDeployment's counts (:func:`deployment_row` has the wide cells)."""
        return counted_row(self.kind, workload, now, _COUNTS)

    def revision(self, workload: Any) -> int:
        return revision_of(workload) or 0

    def rollout(
        self, workload: Any, owned: Sequence[Any], pods: Sequence[PodRow], now: float
    ) -> Rollout:
        return rollout(workload, owned, pods, now)

    def owned(self, workload: Any, candidates: Sequence[Any]) -> list[Mapping[str, Any]]:
        return replicasets.owned_replicasets(workload, candidates)

    def history(
        self, workload: Any, candidates: Sequence[Any], now: float
    ) -> tuple[replicasets.RevisionInfo, ...]:
        return replicasets.history(workload, candidates, now)

    def template(
        self, workload: Any, candidates: Sequence[Any], revision: int
    ) -> Mapping[str, Any] | None:
        return replicasets.revision_template(workload, candidates, revision)

    def undo_plan(
        self, workload: Any, candidates: Sequence[Any], to_revision: int
    ) -> replicasets.UndoPlan:
        return replicasets.undo_plan(workload, candidates, to_revision)


DEPLOYMENT = DeploymentKind()
