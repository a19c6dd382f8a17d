"""The Deployment controller, ported in behaviour from pkg/controller/deployment.

One sync per Deployment change (or owned ReplicaSet change): find or create the new
ReplicaSet (template equal ignoring pod-template-hash; named ``<deploy>-<hash>``), keep the
revision annotations, then scale: proportionally when the Deployment was resized, Recreate
(old to zero first) or RollingUpdate (new up to replicas+maxSurge, old down keeping
replicas-maxUnavailable available), clean up old ReplicaSets beyond revisionHistoryLimit,
and write status counts and the Available / Progressing conditions.
"""

from __future__ import annotations

import contextlib
import math
from typing import TYPE_CHECKING, Any

from ..names import pod_template_hash
from ..objects import get_condition, owner_reference, selector_matches
from ..store import AlreadyExists, Event, NotFound, Obj, clone
from ..timefmt import parse_timestamp
from .base import Key, WorkQueue, status_of

if TYPE_CHECKING:
    from . import Context

REVISION = "deployment.kubernetes.io/revision"
REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"
HASH_LABEL = "pod-template-hash"
_NOT_COPIED = {
    REVISION,
    REVISION_HISTORY,
    DESIRED_REPLICAS,
    MAX_REPLICAS,
    "kubectl.kubernetes.io/last-applied-configuration",
    "deprecated.deployment.rollback.to",
}
_COMPONENT = "deployment-controller"


# -- arithmetic of deployment_util.go -------------------------------------------------------
def scaled_value(value: Any, total: int, round_up: bool) -> int:
    """An int-or-percent against ``total`` (GetScaledValueFromIntOrPercent)."""
    if isinstance(value, str) and value.endswith("%"):
        pct = int(value[:-1] or 0)
        exact = pct * total / 100
        return math.ceil(exact) if round_up else math.floor(exact)
    return int(value or 0)


def resolve_fenceposts(surge: Any, unavailable: Any, desired: int) -> tuple[int, int]:
    """maxSurge rounds up, maxUnavailable down; both 0 means maxUnavailable 1."""
    s = scaled_value(surge, desired, True)
    u = scaled_value(unavailable, desired, False)
    if s == 0 and u == 0:
        u = 1
    return s, u


def _replicas(obj: Obj) -> int:
    return int((obj.get("spec") or {}).get("replicas", 1))


def _rolling(d: Obj) -> Obj | None:
    strategy = (d.get("spec") or {}).get("strategy") or {}
    if strategy.get("type", "RollingUpdate") != "RollingUpdate":
        return None
    ru = strategy.get("rollingUpdate") or {}
    return {
        "maxSurge": ru.get("maxSurge", "25%"),
        "maxUnavailable": ru.get("maxUnavailable", "25%"),
    }


def max_surge(d: Obj) -> int:
    ru = _rolling(d)
    if ru is None:
        return 0
    return resolve_fenceposts(ru["maxSurge"], ru["maxUnavailable"], _replicas(d))[0]


def max_unavailable(d: Obj) -> int:
    ru = _rolling(d)
    if ru is None or _replicas(d) == 0:
        return 0
    u = resolve_fenceposts(ru["maxSurge"], ru["maxUnavailable"], _replicas(d))[1]
    return min(u, _replicas(d))


def _revision(rs: Obj) -> int:
    try:
        return int((rs["metadata"].get("annotations") or {}).get(REVISION, 0))
    except ValueError:
        return 0


def _created(obj: Obj) -> tuple[float, str]:
    meta = obj["metadata"]
    return parse_timestamp(meta.get("creationTimestamp")) or 0.0, meta["name"]


def _template_without_hash(template: Obj) -> Obj:
    copy = clone(template)
    labels = (copy.get("metadata") or {}).get("labels")
    if isinstance(labels, dict):
        labels.pop(HASH_LABEL, None)
    return copy


def _status_int(obj: Obj, key: str) -> int:
    return int(status_of(obj).get(key, 0) or 0)


class DeploymentController:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.cluster = ctx.cluster
        self.queue = WorkQueue(ctx.cluster, self.sync)
        self._deadline_timers: dict[Key, float] = {}

    def start(self) -> None:
        store = self.cluster.store
        store.add_listener("deployments.apps", self._on_deployment)
        store.add_listener("replicasets.apps", self._on_rs)
        store.add_listener("pods", self._on_pod)

    def _on_deployment(self, event: Event) -> None:
        if event.type != "DELETED":
            meta = event.obj["metadata"]
            self.queue.add((meta.get("namespace", ""), meta["name"]))

    def _on_rs(self, event: Event) -> None:
        for ref in event.obj["metadata"].get("ownerReferences") or []:
            if ref.get("kind") == "Deployment" and ref.get("controller"):
                self.queue.add((event.obj["metadata"].get("namespace", ""), ref["name"]))

    def _on_pod(self, event: Event) -> None:
        # Recreate waits for old pods to be gone: their removal must wake the Deployment.
        if event.type != "DELETED":
            return
        ns = event.obj["metadata"].get("namespace", "")
        for ref in event.obj["metadata"].get("ownerReferences") or []:
            if ref.get("kind") == "ReplicaSet":
                rs = self.cluster.store.get("replicasets.apps", ns, ref.get("name", ""))
                if rs is not None:
                    self._on_rs(Event("MODIFIED", "replicasets.apps", rs, 0))

    # -- sync --------------------------------------------------------------------------------
    def _owned_rs(self, d: Obj) -> list[Obj]:
        store = self.cluster.store
        out = []
        for key in self.ctx.rs_by_owner.dependents(d["metadata"]["uid"]):
            rs = store.get("replicasets.apps", *key)
            if rs is not None and not rs["metadata"].get("deletionTimestamp"):
                out.append(rs)
        return out

    def sync(self, key: Key) -> None:
        d = self.cluster.store.get("deployments.apps", *key)
        if d is None:
            return
        d = clone(d)
        selector = (d.get("spec") or {}).get("selector") or {}
        rs_list = [
            rs
            for rs in self._owned_rs(d)
            if selector_matches(
                selector,
                (((rs.get("spec") or {}).get("template") or {}).get("metadata") or {}).get("labels")
                or {},
            )
        ]
        spec = d.get("spec") or {}
        if d["metadata"].get("deletionTimestamp"):
            # syncStatusOnly: a Deployment being deleted only reports its ReplicaSets.
            new_rs, old = self._get_all_rs(d, rs_list, False)
            self._sync_status(d, new_rs, old, rollout=False)
            return
        self._check_paused_conditions(d)
        if spec.get("paused") or self._is_scaling_event(d, rs_list):
            self._sync_scale_only(d, rs_list)
            return
        if ((spec.get("strategy") or {}).get("type")) == "Recreate":
            self._rollout_recreate(d, rs_list)
        else:
            self._rollout_rolling(d, rs_list)

    def _check_paused_conditions(self, d: Obj) -> None:
        if not _has_deadline(d):
            return
        status = d.setdefault("status", {})
        cond = get_condition(status, "Progressing")
        if cond is not None and cond.get("reason") == "ProgressDeadlineExceeded":
            return
        paused = bool((d.get("spec") or {}).get("paused"))
        paused_cond = cond is not None and cond.get("reason") == "DeploymentPaused"
        if paused and not paused_cond:
            self._set_condition(
                status, "Progressing", "Unknown", "DeploymentPaused", "Deployment is paused"
            )
        elif not paused and paused_cond:
            self._set_condition(
                status, "Progressing", "Unknown", "DeploymentResumed", "Deployment is resumed"
            )
        else:
            return
        self._write_status(d, status)

    # -- new and old replica sets --------------------------------------------------------------
    def _find_new_rs(self, d: Obj, rs_list: list[Obj]) -> Obj | None:
        template = _template_without_hash((d.get("spec") or {}).get("template") or {})
        for rs in sorted(rs_list, key=_created):
            if _template_without_hash((rs.get("spec") or {}).get("template") or {}) == template:
                return rs
        return None

    def _get_all_rs(self, d: Obj, rs_list: list[Obj], create: bool) -> tuple[Obj | None, list[Obj]]:
        new_rs = self._find_new_rs(d, rs_list)
        old = [
            rs
            for rs in rs_list
            if new_rs is None or rs["metadata"]["uid"] != new_rs["metadata"]["uid"]
        ]
        new_rs = self._get_new_rs(d, new_rs, old, create)
        return new_rs, old

    def _get_new_rs(self, d: Obj, existing: Obj | None, old: list[Obj], create: bool) -> Obj | None:
        store = self.cluster.store
        max_old = max((_revision(rs) for rs in old), default=0)
        new_revision = str(max_old + 1)
        status = d.setdefault("status", {})
        meta = d["metadata"]
        ns = meta.get("namespace", "")
        if existing is not None:
            rs = clone(existing)
            changed = self._set_new_rs_annotations(d, rs, new_revision, True)
            min_ready = int((d.get("spec") or {}).get("minReadySeconds", 0))
            if changed or int(rs["spec"].get("minReadySeconds", 0)) != min_ready:
                # The desired-replicas annotation is left to scaling: a difference is how
                # a resize of the Deployment is recognised.
                rs["spec"]["minReadySeconds"] = min_ready
                existing = store.update("replicasets.apps", rs)
            needs_update = self._set_deployment_revision(
                d, _annotations(existing).get(REVISION, "")
            )
            if _has_deadline(d) and get_condition(status, "Progressing") is None:
                self._set_condition(
                    status,
                    "Progressing",
                    "True",
                    "FoundNewReplicaSet",
                    f'Found new replica set "{existing["metadata"]["name"]}"',
                )
                needs_update = True
            if needs_update:
                self._write_deployment(d)
            return existing
        if not create:
            return None
        template = clone((d.get("spec") or {}).get("template") or {})
        collisions = int(status.get("collisionCount", 0) or 0)
        while True:
            hash_ = pod_template_hash(template, collisions)
            tmeta = template.setdefault("metadata", {})
            tmeta.setdefault("labels", {})[HASH_LABEL] = hash_
            selector = clone((d.get("spec") or {}).get("selector") or {})
            selector.setdefault("matchLabels", {})[HASH_LABEL] = hash_
            labels = dict(tmeta["labels"])
            body: Obj = {
                "apiVersion": "apps/v1",
                "kind": "ReplicaSet",
                "metadata": {
                    "name": f"{meta['name']}-{hash_}",
                    "namespace": ns,
                    "labels": labels,
                    "ownerReferences": [owner_reference(d)],
                },
                "spec": {
                    "replicas": 0,
                    "minReadySeconds": int((d.get("spec") or {}).get("minReadySeconds", 0)),
                    "selector": selector,
                    "template": template,
                },
                "status": {"replicas": 0},
            }
            new_replicas = self._new_rs_new_replicas(d, old, None)
            body["spec"]["replicas"] = new_replicas
            self._set_new_rs_annotations(d, body, new_revision, False)
            self._set_replicas_annotations(body, _replicas(d), _replicas(d) + max_surge(d))
            try:
                created = store.create("replicasets.apps", body)
                break
            except AlreadyExists:
                clash = store.get("replicasets.apps", ns, body["metadata"]["name"])
                if clash is not None and _template_without_hash(
                    (clash.get("spec") or {}).get("template") or {}
                ) == _template_without_hash(template):
                    return clash
                collisions += 1
                status["collisionCount"] = collisions
                template = clone((d.get("spec") or {}).get("template") or {})
        if new_replicas > 0:
            self.ctx.recorder.record(
                d,
                "Normal",
                "ScalingReplicaSet",
                f"Scaled up replica set {created['metadata']['name']} from 0 to {new_replicas}",
                _COMPONENT,
            )
        self._set_deployment_revision(d, new_revision)
        if _has_deadline(d):
            self._set_condition(
                status,
                "Progressing",
                "True",
                "NewReplicaSetCreated",
                f'Created new replica set "{created["metadata"]["name"]}"',
            )
        self._write_deployment(d)
        return created

    def _set_new_rs_annotations(self, d: Obj, rs: Obj, new_revision: str, exists: bool) -> bool:
        annotations = rs["metadata"].setdefault("annotations", {})
        changed = False
        for k, v in _annotations(d).items():
            if k not in _NOT_COPIED and annotations.get(k) != v:
                annotations[k] = v
                changed = True
        old_revision = annotations.get(REVISION, "")
        try:
            old_num = int(old_revision) if old_revision else 0
        except ValueError:
            old_num = 0
        if old_num < int(new_revision):
            annotations[REVISION] = new_revision
            changed = True
            if old_revision and exists:
                history = annotations.get(REVISION_HISTORY)
                annotations[REVISION_HISTORY] = (
                    f"{history},{old_revision}" if history else old_revision
                )
        return changed

    def _set_replicas_annotations(self, rs: Obj, desired: int, max_replicas: int) -> bool:
        annotations = rs["metadata"].setdefault("annotations", {})
        before = (annotations.get(DESIRED_REPLICAS), annotations.get(MAX_REPLICAS))
        annotations[DESIRED_REPLICAS] = str(desired)
        annotations[MAX_REPLICAS] = str(max_replicas)
        return before != (str(desired), str(max_replicas))

    def _set_deployment_revision(self, d: Obj, revision: str) -> bool:
        annotations = d["metadata"].setdefault("annotations", {})
        if revision and annotations.get(REVISION) != revision:
            annotations[REVISION] = revision
            return True
        return False

    def _new_rs_new_replicas(self, d: Obj, all_rs: list[Obj], new_rs: Obj | None) -> int:
        replicas = _replicas(d)
        if _rolling(d) is None:
            return replicas
        current = sum(_replicas(rs) for rs in all_rs) + (_replicas(new_rs) if new_rs else 0)
        max_total = replicas + max_surge(d)
        new_size = _replicas(new_rs) if new_rs else 0
        if current >= max_total:
            return new_size
        scale_up = min(max_total - current, replicas - new_size)
        return new_size + max(0, scale_up)

    # -- scaling -----------------------------------------------------------------------------
    def _scale_rs(self, d: Obj, rs: Obj, new_scale: int) -> Obj:
        """Scale a ReplicaSet, update its replica annotations, and record the event."""
        size_changed = _replicas(rs) != new_scale
        copy = clone(rs)
        annotations_changed = self._set_replicas_annotations(
            copy, _replicas(d), _replicas(d) + max_surge(d)
        )
        if not size_changed and not annotations_changed:
            return rs
        old_scale = _replicas(rs)
        copy["spec"]["replicas"] = new_scale
        updated = self.cluster.store.update("replicasets.apps", copy)
        if size_changed:
            op = "up" if new_scale > old_scale else "down"
            self.ctx.recorder.record(
                d,
                "Normal",
                "ScalingReplicaSet",
                f"Scaled {op} replica set {rs['metadata']['name']} from {old_scale} to {new_scale}",
                _COMPONENT,
            )
        return updated

    def _is_scaling_event(self, d: Obj, rs_list: list[Obj]) -> bool:
        new_rs, old = self._get_all_rs(d, rs_list, False)
        for rs in _active(([new_rs] if new_rs else []) + old):
            desired = _annotations(rs).get(DESIRED_REPLICAS)
            if desired is not None and desired != str(_replicas(d)):
                return True
        return False

    def _sync_scale_only(self, d: Obj, rs_list: list[Obj]) -> None:
        new_rs, old = self._get_all_rs(d, rs_list, False)
        self._scale(d, new_rs, old)
        if (d.get("spec") or {}).get("paused"):
            self._cleanup(d, old)
        self._sync_status(d, new_rs, old, rollout=False)

    def _scale(self, d: Obj, new_rs: Obj | None, old: list[Obj]) -> None:
        replicas = _replicas(d)
        active = _active(([new_rs] if new_rs else []) + old)
        if len(active) <= 1:
            target = active[0] if active else (new_rs or (max(old, key=_created) if old else None))
            if target is not None and _replicas(target) != replicas:
                self._scale_rs(d, target, replicas)
            return
        if _saturated(d, new_rs):
            for rs in _active(old):
                self._scale_rs(d, rs, 0)
            return
        if _rolling(d) is None:
            return
        all_rs = ([new_rs] if new_rs else []) + old
        all_replicas = sum(_replicas(rs) for rs in all_rs)
        allowed = replicas + max_surge(d) if replicas > 0 else 0
        to_add = allowed - all_replicas
        if to_add == 0:
            return
        # Larger first; among equals the newer first when growing (ReplicaSetsBySizeNewer:
        # the reverse of creation order, names included), the older first when shrinking.
        ordered = sorted(active, key=_created, reverse=to_add > 0)
        ordered.sort(key=_replicas, reverse=True)
        added = 0
        sizes: dict[str, int] = {}
        for rs in ordered:
            proportion = self._proportion(rs, d, to_add, added) if to_add else 0
            sizes[rs["metadata"]["uid"]] = _replicas(rs) + proportion
            added += proportion
        leftover = to_add - added
        for i, rs in enumerate(ordered):
            uid = rs["metadata"]["uid"]
            size = sizes[uid]
            if i == 0 and leftover:
                size = max(0, size + leftover)
            self._scale_rs(d, rs, size)

    def _proportion(self, rs: Obj, d: Obj, to_add: int, added: int) -> int:
        if _replicas(rs) == 0 or to_add == 0 or to_add == added:
            return 0
        fraction = self._fraction(rs, d)
        allowed = to_add - added
        return min(fraction, allowed) if to_add > 0 else max(fraction, allowed)

    def _fraction(self, rs: Obj, d: Obj) -> int:
        if _replicas(d) == 0:
            return -_replicas(rs)
        deployment_replicas = _replicas(d) + max_surge(d)
        try:
            annotated = int(_annotations(rs).get(MAX_REPLICAS, ""))
        except ValueError:
            annotated = _status_int(d, "replicas")
        if annotated <= 0:
            annotated = max(1, _status_int(d, "replicas"))
        new_size = _replicas(rs) * deployment_replicas / annotated
        return int(math.floor(new_size + 0.5)) - _replicas(rs)

    # -- strategies --------------------------------------------------------------------------
    def _rollout_rolling(self, d: Obj, rs_list: list[Obj]) -> None:
        new_rs, old = self._get_all_rs(d, rs_list, True)
        if new_rs is None:
            return
        if self._reconcile_new_rs(d, new_rs, old):
            self._sync_status(d, self._fresh(new_rs), self._fresh_all(old), rollout=True)
            return
        new_rs = self._fresh(new_rs)
        if self._reconcile_old_rs(d, new_rs, _active(old)):
            self._sync_status(d, self._fresh(new_rs), self._fresh_all(old), rollout=True)
            return
        old = self._fresh_all(old)
        # DeploymentComplete(d, &d.Status): the status as stored before this sync.
        if self._complete(d, status_of(d)):
            self._cleanup(d, old)
        self._sync_status(d, new_rs, self._fresh_all(old), rollout=True)

    def _rollout_recreate(self, d: Obj, rs_list: list[Obj]) -> None:
        new_rs, old = self._get_all_rs(d, rs_list, False)
        active_old = _active(old)
        scaled = False
        for rs in active_old:
            if _replicas(rs) != 0:
                self._scale_rs(d, rs, 0)
                scaled = True
        if scaled:
            self._sync_status(d, new_rs, self._fresh_all(old), rollout=True)
            return
        # Wait until every old pod is gone before starting new ones.
        if any(self.ctx.replicasets.pods_of(rs) for rs in old):
            self._sync_status(d, new_rs, old, rollout=True)
            return
        if new_rs is None:
            new_rs, old = self._get_all_rs(d, rs_list, True)
        if new_rs is not None and _replicas(new_rs) != _replicas(d):
            new_rs = self._scale_rs(d, new_rs, _replicas(d))
            self._sync_status(d, new_rs, old, rollout=True)
            return
        if self._complete(d, status_of(d)):
            self._cleanup(d, old)
        self._sync_status(d, new_rs, old, rollout=True)

    def _reconcile_new_rs(self, d: Obj, new_rs: Obj, old: list[Obj]) -> bool:
        replicas = _replicas(d)
        if _replicas(new_rs) == replicas:
            return False
        if _replicas(new_rs) > replicas:
            self._scale_rs(d, new_rs, replicas)
            return True
        want = self._new_rs_new_replicas(d, old, new_rs)
        if want == _replicas(new_rs):
            return False
        self._scale_rs(d, new_rs, want)
        return True

    def _reconcile_old_rs(self, d: Obj, new_rs: Obj, old: list[Obj]) -> bool:
        old_count = sum(_replicas(rs) for rs in old)
        if old_count == 0:
            return False
        all_rs = [new_rs, *old]
        all_count = sum(_replicas(rs) for rs in all_rs)
        min_available = _replicas(d) - max_unavailable(d)
        new_unavailable = _replicas(new_rs) - _status_int(new_rs, "availableReplicas")
        max_scaled_down = all_count - min_available - new_unavailable
        if max_scaled_down <= 0:
            return False
        old, cleaned = self._cleanup_unhealthy(d, old, max_scaled_down)
        scaled = self._scale_down_old(d, [new_rs, *old], old)
        return cleaned + scaled > 0

    def _cleanup_unhealthy(self, d: Obj, old: list[Obj], max_cleanup: int) -> tuple[list[Obj], int]:
        total = 0
        out = []
        for rs in sorted(old, key=_created):
            if total >= max_cleanup or _replicas(rs) == 0:
                out.append(rs)
                continue
            unhealthy = _replicas(rs) - _status_int(rs, "availableReplicas")
            if unhealthy <= 0:
                out.append(rs)
                continue
            count = min(max_cleanup - total, unhealthy)
            out.append(self._scale_rs(d, rs, _replicas(rs) - count))
            total += count
        return out, total

    def _scale_down_old(self, d: Obj, all_rs: list[Obj], old: list[Obj]) -> int:
        min_available = _replicas(d) - max_unavailable(d)
        available = sum(_status_int(rs, "availableReplicas") for rs in all_rs)
        if available <= min_available:
            return 0
        total_down = available - min_available
        done = 0
        for rs in sorted(old, key=_created):
            if done >= total_down:
                break
            if _replicas(rs) == 0:
                continue
            count = min(_replicas(rs), total_down - done)
            self._scale_rs(d, rs, _replicas(rs) - count)
            done += count
        return done

    def _cleanup(self, d: Obj, old: list[Obj]) -> None:
        """cleanupDeployment: beyond revisionHistoryLimit old ReplicaSets (counted alive,
        whatever their size), delete the lowest revisions among those that are scaled to
        zero, have no pods and have been observed by their controller."""
        limit = (d.get("spec") or {}).get("revisionHistoryLimit")
        if limit is None:
            return
        alive = [rs for rs in old if not rs["metadata"].get("deletionTimestamp")]
        surplus = len(alive) - int(limit)
        if surplus <= 0:
            return
        for rs in sorted(alive, key=lambda r: (_revision(r), _created(r)))[:surplus]:
            if (
                _replicas(rs) != 0
                or _status_int(rs, "replicas") != 0
                or rs["metadata"].get("generation", 0) > _status_int(rs, "observedGeneration")
            ):
                continue
            with contextlib.suppress(NotFound):
                self.cluster.store.delete(
                    "replicasets.apps", rs["metadata"]["namespace"], rs["metadata"]["name"]
                )

    # -- status ------------------------------------------------------------------------------
    def _calculate_status(self, d: Obj, new_rs: Obj | None, old: list[Obj]) -> Obj:
        all_rs = ([new_rs] if new_rs else []) + old
        available = sum(_status_int(rs, "availableReplicas") for rs in all_rs)
        total = sum(_replicas(rs) for rs in all_rs)
        status: Obj = clone(status_of(d))
        status["observedGeneration"] = d["metadata"].get("generation", 1)
        status["replicas"] = sum(_status_int(rs, "replicas") for rs in all_rs)
        status["updatedReplicas"] = _status_int(new_rs, "replicas") if new_rs else 0
        status["readyReplicas"] = sum(_status_int(rs, "readyReplicas") for rs in all_rs)
        status["availableReplicas"] = available
        status["unavailableReplicas"] = max(0, total - available)
        if available >= _replicas(d) - max_unavailable(d):
            self._set_condition(
                status,
                "Available",
                "True",
                "MinimumReplicasAvailable",
                "Deployment has minimum availability.",
            )
        else:
            self._set_condition(
                status,
                "Available",
                "False",
                "MinimumReplicasUnavailable",
                "Deployment does not have minimum availability.",
            )
        # Every count is omitempty in the API.
        return {k: v for k, v in status.items() if v != 0}

    def _complete(self, d: Obj, status: Obj) -> bool:
        replicas = _replicas(d)
        return bool(
            status.get("updatedReplicas", 0) == replicas
            and status.get("replicas", 0) == replicas
            and status.get("availableReplicas", 0) == replicas
            and status.get("observedGeneration", 0) >= d["metadata"].get("generation", 1)
        )

    def _sync_status(self, d: Obj, new_rs: Obj | None, old: list[Obj], *, rollout: bool) -> None:
        status = self._calculate_status(d, new_rs, old)
        key = (d["metadata"].get("namespace", ""), d["metadata"]["name"])
        if rollout and _has_deadline(d):
            current = get_condition(status, "Progressing")
            complete_already = (
                status.get("replicas") == status.get("updatedReplicas")
                and current is not None
                and current.get("reason") == "NewReplicaSetAvailable"
            )
            name = new_rs["metadata"]["name"] if new_rs else ""
            if not complete_already and new_rs is not None:
                if self._complete(d, status):
                    self._set_condition(
                        status,
                        "Progressing",
                        "True",
                        "NewReplicaSetAvailable",
                        f'ReplicaSet "{name}" has successfully progressed.',
                    )
                elif self._progressing(d, status):
                    keep = (
                        current.get("lastTransitionTime")
                        if current and current.get("status") == "True"
                        else None
                    )
                    status["conditions"] = [
                        c for c in status.get("conditions", []) if c["type"] != "Progressing"
                    ]
                    self._set_condition(
                        status,
                        "Progressing",
                        "True",
                        "ReplicaSetUpdated",
                        f'ReplicaSet "{name}" is progressing.',
                        transition=keep,
                    )
                elif self._timed_out(d, status):
                    self._set_condition(
                        status,
                        "Progressing",
                        "False",
                        "ProgressDeadlineExceeded",
                        f'ReplicaSet "{name}" has timed out progressing.',
                    )
        if status != status_of(d):
            self._write_status(d, status)
        self._requeue_stuck(key, d, status)

    def _progressing(self, d: Obj, new: Obj) -> bool:
        old = status_of(d)
        old_old = int(old.get("replicas", 0)) - int(old.get("updatedReplicas", 0))
        new_old = int(new.get("replicas", 0)) - int(new.get("updatedReplicas", 0))
        return (
            new.get("updatedReplicas", 0) > old.get("updatedReplicas", 0)
            or new_old < old_old
            or new.get("readyReplicas", 0) > old.get("readyReplicas", 0)
            or new.get("availableReplicas", 0) > old.get("availableReplicas", 0)
        )

    def _timed_out(self, d: Obj, status: Obj) -> bool:
        cond = get_condition(status, "Progressing")
        if cond is None or cond.get("reason") == "NewReplicaSetAvailable":
            return False
        if cond.get("reason") == "ProgressDeadlineExceeded":
            return True
        since = parse_timestamp(cond.get("lastUpdateTime")) or 0.0
        deadline = int((d.get("spec") or {}).get("progressDeadlineSeconds", 600))
        return since + deadline < self.cluster.clock.now()

    def _requeue_stuck(self, key: Key, d: Obj, status: Obj) -> None:
        """Sync again when the progress deadline would pass (requeueStuckDeployment)."""
        cond = get_condition(status, "Progressing")
        if not _has_deadline(d) or cond is None or cond.get("status") != "True":
            return
        if cond.get("reason") == "NewReplicaSetAvailable" or self._complete(d, status):
            return
        since = parse_timestamp(cond.get("lastUpdateTime")) or 0.0
        deadline = int((d.get("spec") or {}).get("progressDeadlineSeconds", 600))
        when = since + deadline + 1
        if self._deadline_timers.get(key) == when:
            return
        self._deadline_timers[key] = when
        self.queue.add_after(key, max(0.0, when - self.cluster.clock.now()))

    def _set_condition(
        self,
        status: Obj,
        ctype: str,
        value: str,
        reason: str,
        message: str,
        *,
        transition: str | None = None,
    ) -> None:
        conditions = status.setdefault("conditions", [])
        current = next((c for c in conditions if c.get("type") == ctype), None)
        if (
            current is not None
            and current.get("status") == value
            and current.get("reason") == reason
        ):
            return
        now = self.cluster.clock.timestamp()
        cond = {
            "lastTransitionTime": now,
            "lastUpdateTime": now,
            "message": message,
            "reason": reason,
            "status": value,
            "type": ctype,
        }
        if transition is not None:
            cond["lastTransitionTime"] = transition
        elif current is not None and current.get("status") == value:
            cond["lastTransitionTime"] = current.get("lastTransitionTime", now)
        status["conditions"] = [c for c in conditions if c.get("type") != ctype] + [cond]

    # -- writes ------------------------------------------------------------------------------
    def _write_status(self, d: Obj, status: Obj) -> None:
        d["status"] = status
        self._store(d, annotations=False)

    def _write_deployment(self, d: Obj) -> None:
        """Store the revision annotation and status the sync has changed so far."""
        self._store(d, annotations=True)

    def _store(self, d: Obj, *, annotations: bool) -> None:
        meta = d["metadata"]
        new_annotations = dict(meta.get("annotations") or {}) if annotations else {}
        status = d.get("status") or {}

        def write(obj: Obj) -> None:
            if new_annotations:
                obj["metadata"]["annotations"] = new_annotations
            obj["status"] = status

        try:
            updated = self.cluster.store.mutate(
                "deployments.apps", meta.get("namespace", ""), meta["name"], write
            )
        except NotFound:
            return
        meta["resourceVersion"] = updated["metadata"]["resourceVersion"]

    def _fresh(self, rs: Obj) -> Obj:
        meta = rs["metadata"]
        return (
            self.cluster.store.get("replicasets.apps", meta.get("namespace", ""), meta["name"])
            or rs
        )

    def _fresh_all(self, rss: list[Obj]) -> list[Obj]:
        out = []
        for rs in rss:
            meta = rs["metadata"]
            current = self.cluster.store.get(
                "replicasets.apps", meta.get("namespace", ""), meta["name"]
            )
            if current is not None:
                out.append(current)
        return out


def _annotations(obj: Obj) -> dict[str, str]:
    return obj["metadata"].get("annotations") or {}


def _saturated(d: Obj, rs: Obj | None) -> bool:
    """IsSaturated: the ReplicaSet and its desired-replicas annotation both match the
    Deployment's replicas, and all of them are available. (Without the annotation check, a
    resize that happens to equal the new ReplicaSet's size leaves a stale annotation that
    makes every later sync a scaling event, and a rollout undone then never starts.)"""
    if rs is None:
        return False
    replicas = _replicas(d)
    return (
        _replicas(rs) == replicas
        and _annotations(rs).get(DESIRED_REPLICAS) == str(replicas)
        and _status_int(rs, "availableReplicas") == replicas
    )


def _active(rss: list[Obj]) -> list[Obj]:
    return [rs for rs in rss if _replicas(rs) > 0]


def _has_deadline(d: Obj) -> bool:
    deadline = (d.get("spec") or {}).get("progressDeadlineSeconds")
    return isinstance(deadline, int) and deadline != 2**31 - 1
