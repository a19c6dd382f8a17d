"""A Deployment's history from its ReplicaSets and `kubectl rollout undo`, computed
client-side as kubectl does.

Ported behaviour (kubernetes/kubectl pkg/polymorphichelpers/history.go, rollback.go and
pkg/util/deployment): a Deployment's history is its ReplicaSets controlled by its uid (and
selected by its selector); each ReplicaSet's `deployment.kubernetes.io/revision` annotation is its
revision. Undo picks the previous revision (or the requested one), refuses a paused Deployment,
skips when the template already matches, and otherwise sends an RFC 6902 JSON patch replacing
`/spec/template` (minus the pod-template-hash label) and `/metadata/annotations`.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from kubectl_stack.model import fields as u
from kubectl_stack.model.duration import age
from kubectl_stack.model.workloads.templates import (
    CHANGE_CAUSE,
    POD_TEMPLATE_HASH,
    DiffLine,
    images_of,
    template_diff,
    template_of,
    templates_equal,
)

REVISION_ANNOTATION = "deployment.kubernetes.io/revision"
JSON_PATCH = "application/json-patch+json"

# rollback.go annotationsToSkip: kept from the Deployment, never copied from the ReplicaSet.
ANNOTATIONS_TO_SKIP = frozenset(
    {
        "kubectl.kubernetes.io/last-applied-configuration",
        REVISION_ANNOTATION,
        "deployment.kubernetes.io/revision-history",
        "deployment.kubernetes.io/desired-replicas",
        "deployment.kubernetes.io/max-replicas",
        "deprecated.deployment.rollback.to",
    }
)

_INT64 = re.compile(r"^[+-]?\d{1,19}$")


def revision_of(obj: Any) -> int | None:
    """deploymentutil.Revision: the revision annotation as an int; 0 when absent.

    None when the annotation is present but not a base-10 int64 (kubectl skips such objects).
    """
    raw = u.meta(obj).get("annotations")
    if not isinstance(raw, Mapping) or REVISION_ANNOTATION not in raw:
        return 0
    value = raw.get(REVISION_ANNOTATION)
    if type(value) is str and value.isascii() and value.isdigit() and len(value) < 19:
        return int(value)
    if not isinstance(value, str) or not _INT64.match(value):
        return None
    number = int(value)
    if not -(2**63) <= number < 2**63:
        return None
    return number


def owned_replicasets(deployment: Any, replicasets: Sequence[Any]) -> list[Mapping[str, Any]]:
    """The ReplicaSets whose controller reference is this Deployment's uid and that its selector
    selects, sorted by creation time then name (deploymentutil.listReplicaSets + sort)."""
    dep_uid = u.uid(deployment)
    if not dep_uid or not isinstance(replicasets, Sequence):
        return []
    dep_ns = u.namespace(deployment)
    selector = u.path(deployment, "spec", "selector")
    owned = [
        rs
        for rs in replicasets
        if isinstance(rs, Mapping)
        and u.controller_uid(rs) == dep_uid
        and u.namespace(rs) == dep_ns
        and u.selector_matches(selector, u.labels(rs))
    ]
    owned.sort(key=lambda rs: (u.ts(u.meta(rs).get("creationTimestamp")) or 0.0, u.name(rs)))
    return owned


def find_new_replicaset(deployment: Any, replicasets: Sequence[Any]) -> Mapping[str, Any] | None:
    """deploymentutil.FindNewReplicaSet: the oldest owned ReplicaSet whose template equals the
    Deployment's (ignoring the hash label); None while it does not exist yet."""
    template = template_of(deployment)
    for rs in owned_replicasets(deployment, replicasets):
        if templates_equal(template_of(rs), template):
            return rs
    return None


@dataclass(frozen=True)
class RevisionInfo:
    """One row of `kubectl rollout history deployment/x`, plus what the history view shows."""

    revision: int
    replicaset: str
    change_cause: str  # kubectl's CHANGE-CAUSE cell: the annotation, or "<none>"
    images: tuple[str, ...]
    created: str  # RFC 3339 as served ('' when unknown)
    age: str  # HumanDuration since created, or "<unknown>"
    replicas: int  # the ReplicaSet's spec.replicas
    ready: int  # the ReplicaSet's status.readyReplicas
    current: bool  # this is the Deployment's new (current-template) ReplicaSet

    @property
    def name(self) -> str:
        return self.replicaset

    @property
    def ready_text(self) -> str:
        return f"{self.ready}/{self.replicas}"


def _walked(
    deployment: Any, replicasets: Sequence[Any]
) -> tuple[list[Mapping[str, Any]], Mapping[str, Any] | None]:
    """The owned ReplicaSets in the order kubectl walks them (the old ones, then the new
    one), and the new one (None before it exists)."""
    new_rs = find_new_replicaset(deployment, replicasets)
    new_uid = u.uid(new_rs) if new_rs is not None else None
    owned = owned_replicasets(deployment, replicasets)
    ordered = [rs for rs in owned if new_rs is None or u.uid(rs) != new_uid]
    if new_rs is not None:
        ordered.append(new_rs)
    return ordered, new_rs


def history(deployment: Any, replicasets: Sequence[Any], now: float) -> tuple[RevisionInfo, ...]:
    """The revision history, oldest first, exactly the revisions `kubectl rollout history` lists
    (an empty tuple where kubectl says "No rollout history found.")."""
    ordered, new_rs = _walked(deployment, replicasets)
    new_uid = u.uid(new_rs) if new_rs is not None else None
    # A later duplicate revision wins.
    by_rev: dict[int, RevisionInfo] = {}
    for rs in ordered:
        rev = revision_of(rs)
        if rev is None:
            continue
        template = template_of(rs)
        cause = u.annots(rs).get(CHANGE_CAUSE, "") or u.annots(template).get(CHANGE_CAUSE, "")
        created = u.s(u.meta(rs).get("creationTimestamp"))
        by_rev[rev] = RevisionInfo(
            revision=rev,
            replicaset=u.name(rs),
            change_cause=cause or "<none>",
            images=images_of(template),
            created=created,
            age=age(created, now),
            replicas=u.i(u.path(rs, "spec", "replicas"), 1),
            ready=u.i(u.path(rs, "status", "readyReplicas")),
            current=new_uid is not None and u.uid(rs) == new_uid,
        )
    return tuple(by_rev[r] for r in sorted(by_rev))


@dataclass(frozen=True)
class UndoPlan:
    """What `kubectl rollout undo deployment/x [--to-revision=N]` would do, without doing it.

    Exactly one of three outcomes:
    - `error` non-empty: kubectl's error text; nothing to send.
    - `skipped`: `message` is "skipped rollback (current template already matches revision N)".
    - otherwise `patch` is the JSON patch kubectl sends (Content-Type application/json-patch+json)
      and `message` is "rolled back" (kubectl prints "deployment.apps/x rolled back").
    """

    error: str = ""
    skipped: bool = False
    message: str = ""
    from_revision: int = 0
    to_revision: int = 0
    replicaset: str = ""
    template: Mapping[str, Any] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    patch: tuple[Mapping[str, Any], ...] = ()
    diff: tuple[DiffLine, ...] = ()

    content_type = JSON_PATCH

    @property
    def ok(self) -> bool:
        """A patch should be sent."""
        return not self.error and not self.skipped

    def body(self) -> list[dict[str, Any]]:
        return [dict(op) for op in self.patch]


def _revision_not_found(revision: int) -> str:
    return f"unable to find specified revision {revision} in history"


def undo_plan(deployment: Any, replicasets: Sequence[Any], to_revision: int = 0) -> UndoPlan:
    """kubectl's DeploymentRollbacker.Rollback as a pure plan (see UndoPlan).

    `replicasets` may be every ReplicaSet in the namespace: only those controlled by the
    Deployment's uid and matched by its selector count. Error texts are kubectl's:
    "unable to find specified revision 5 in history", "no rollout history found for deployment
    \"x\"", "you cannot rollback a paused deployment; resume it first with 'kubectl rollout
    resume' and try again". As in kubectl, the skip message quotes the requested revision
    (0 when none was given).
    """
    if isinstance(to_revision, bool) or not isinstance(to_revision, int):
        return UndoPlan(error=_revision_not_found(-1))
    if to_revision < 0:
        return UndoPlan(error=_revision_not_found(to_revision))
    dep = u.d(deployment)
    current_rev = revision_of(dep) or 0
    ordered, _new_rs = _walked(dep, replicasets)

    target: Mapping[str, Any] | None = None
    target_rev = 0
    latest: Mapping[str, Any] | None = None
    latest_rev = -1
    previous: Mapping[str, Any] | None = None
    previous_rev = -1
    for rs in ordered:
        rev = revision_of(rs)
        if rev is None:
            continue
        if to_revision == 0:
            if latest_rev < rev:
                previous, previous_rev = latest, latest_rev
                latest, latest_rev = rs, rev
            elif previous_rev < rev:
                previous, previous_rev = rs, rev
        elif to_revision == rev:
            target, target_rev = rs, rev
            break
    if to_revision > 0 and target is None:
        return UndoPlan(error=_revision_not_found(to_revision), from_revision=current_rev)
    if to_revision == 0:
        if previous is None:
            return UndoPlan(
                error=f'no rollout history found for deployment "{u.name(dep)}"',
                from_revision=current_rev,
            )
        target, target_rev = previous, previous_rev
    if target is None:  # unreachable: both branches above return or set a target
        return UndoPlan(error=_revision_not_found(to_revision))
    base = UndoPlan(from_revision=current_rev, to_revision=target_rev, replicaset=u.name(target))
    if u.path(dep, "spec", "paused") is True:
        return replace(
            base,
            error="you cannot rollback a paused deployment; resume it first with "
            "'kubectl rollout resume' and try again",
        )
    target_template = template_of(target)
    current_template = template_of(dep)
    if templates_equal(target_template, current_template):
        return replace(
            base,
            skipped=True,
            message=f"skipped rollback (current template already matches revision {to_revision})",
        )
    template = copy.deepcopy(dict(target_template))
    md = template.get("metadata")
    if isinstance(md, dict) and isinstance(md.get("labels"), dict):
        md["labels"].pop(POD_TEMPLATE_HASH, None)
    dep_ann = u.annots(dep)
    new_ann: dict[str, str] = {k: dep_ann[k] for k in ANNOTATIONS_TO_SKIP if k in dep_ann}
    for k, v in u.annots(target).items():
        if k not in ANNOTATIONS_TO_SKIP:
            new_ann[k] = v
    new_ann = dict(sorted(new_ann.items()))
    patch = (
        {"op": "replace", "path": "/spec/template", "value": template},
        {"op": "replace", "path": "/metadata/annotations", "value": new_ann},
    )
    return replace(
        base,
        message="rolled back",
        template=template,
        annotations=new_ann,
        patch=patch,
        diff=template_diff(current_template, target_template),
    )


def revision_template(
    deployment: Any, replicasets: Sequence[Any], revision: int
) -> Mapping[str, Any] | None:
    """The pod template of one revision (what `rollout history --revision=N` describes), or None."""
    for info_rs in owned_replicasets(deployment, replicasets):
        if revision_of(info_rs) == revision:
            return template_of(info_rs)
    return None
