"""Deleting an object as kube-apiserver's generic registry does.

A port of the behaviour of ``registry.Store.Delete`` (k8s.io/apiserver
pkg/registry/generic/registry/store.go) with ``rest.BeforeDelete``,
``deletionFinalizersForGarbageCollection`` and ``finalizeDelete``:

- Pods are deleted gracefully: the first DELETE marks them with ``deletionTimestamp`` and
  ``deletionGracePeriodSeconds`` (the pod's own period unless the request gives one; 0 for a
  pod never scheduled or already finished, which goes at once); a later DELETE may only
  shorten the period.
- The propagation policy (or the deprecated ``orphanDependents``) puts the garbage
  collector's ``orphan`` or ``foregroundDeletion`` finalizer on the object (Background takes
  both away); an object left with finalizers is only marked (``deletionTimestamp``,
  ``deletionGracePeriodSeconds: 0``, generation bumped) and goes when the last one is removed.
- The answer is the object while it is only marked; once it is gone, the object for the
  registries that set ``ReturnDeletedObject`` and a ``Status`` (Success, details name, group,
  kind = resource, uid) for every other one.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .store import NotFound, Obj, clone

if TYPE_CHECKING:
    from .cluster import Cluster

ORPHAN = "orphan"
FOREGROUND = "foregroundDeletion"
_GC_FINALIZERS = (ORPHAN, FOREGROUND)

# The registries (pkg/registry/.../storage) that answer a DELETE with the deleted object.
RETURNS_DELETED_OBJECT = frozenset(
    {
        "pods",
        "services",
        "persistentvolumeclaims",
        "persistentvolumes",
        "resourcequotas",
        "serviceaccounts",
        "namespaces",
        "storageclasses.storage.k8s.io",
    }
)
_TERMINAL = ("Succeeded", "Failed")


@dataclass(frozen=True)
class Outcome:
    """What a DELETE did: ``obj`` is the object as stored after it (only marked) or as it was
    when it was removed (``gone``)."""

    obj: Obj
    gone: bool


def _policy(options: Obj) -> str | None:
    """Orphan, Foreground, Background or None (the kind's default: delete dependents in the
    background), with ``orphanDependents`` (deprecated) taking precedence."""
    orphan = options.get("orphanDependents")
    if isinstance(orphan, bool):
        return "Orphan" if orphan else "Background"
    policy = options.get("propagationPolicy")
    return policy if policy in ("Orphan", "Foreground", "Background") else None


def gc_finalizers(finalizers: list[str], options: Obj) -> list[str]:
    """deletionFinalizersForGarbageCollection: the object's finalizers with the garbage
    collector's own replaced as the request's policy says (kept as they are without one)."""
    policy = _policy(options)
    if policy is None:
        return finalizers
    kept = [f for f in finalizers if f not in _GC_FINALIZERS]
    if policy == "Orphan":
        kept.append(ORPHAN)
    elif policy == "Foreground":
        kept.append(FOREGROUND)
    return kept if set(kept) != set(finalizers) else finalizers


def _pod_grace(pod: Obj, requested: int | None) -> int:
    """The pod strategy's CheckGracefulDelete: the requested period, else the pod's own;
    0 for a pod never scheduled or already finished."""
    spec = pod.get("spec") or {}
    period = requested if requested is not None else spec.get("terminationGracePeriodSeconds", 30)
    phase = (pod.get("status") or {}).get("phase")
    if not spec.get("nodeName") or phase in _TERMINAL:
        return 0
    return int(period or 0)


def delete(cluster: Cluster, gr: str, namespace: str, name: str, options: Obj) -> Outcome:
    """Delete one stored object per ``options`` (DeleteOptions); raises NotFound."""
    store = cluster.store
    obj = store.require(gr, namespace, name)
    dry_run = "All" in (options.get("dryRun") or [])
    requested = options.get("gracePeriodSeconds")
    if isinstance(requested, int) and requested < 0:
        requested = 1
    elif not isinstance(requested, int) or isinstance(requested, bool):
        requested = None
    new = clone(obj)
    meta = new["metadata"]
    now = cluster.clock.now()
    graceful = False
    if gr == "pods":
        current = meta.get("deletionGracePeriodSeconds")
        if meta.get("deletionTimestamp") and current:
            if requested is None or requested >= current:
                return Outcome(obj, gone=False)  # graceful deletion already pending
            graceful = True
        elif not meta.get("deletionTimestamp"):
            graceful = True
        if graceful:
            period = requested if meta.get("deletionTimestamp") else _pod_grace(obj, requested)
            meta["deletionTimestamp"] = cluster.clock.timestamp(now + (period or 0))
            meta["deletionGracePeriodSeconds"] = period or 0
    finalizers = gc_finalizers(list(meta.get("finalizers") or []), options)
    if finalizers:
        meta["finalizers"] = finalizers
    else:
        meta.pop("finalizers", None)
    if finalizers and not graceful:
        # markAsDeleting
        if not meta.get("deletionTimestamp"):
            if int(meta.get("generation") or 0) > 0:
                meta["generation"] = int(meta["generation"]) + 1
            meta["deletionTimestamp"] = cluster.clock.timestamp(now)
        meta["deletionGracePeriodSeconds"] = 0
    if finalizers or (graceful and meta["deletionGracePeriodSeconds"] > 0):
        if dry_run or new == obj:
            return Outcome(new, gone=False)
        return Outcome(store.update(gr, new), gone=False)
    if not dry_run:
        store.delete(gr, namespace, name)
    return Outcome(obj, gone=True)


def finish_if_finalized(cluster: Cluster, gr: str, obj: Obj) -> Obj:
    """After an update: an object marked for deletion whose last finalizer went is deleted
    (its grace period, for pods, is the kubelet's to end)."""
    meta = obj["metadata"]
    finalized = meta.get("deletionTimestamp") and not meta.get("finalizers")
    if finalized and (gr != "pods" or not meta.get("deletionGracePeriodSeconds")):
        with contextlib.suppress(NotFound):
            return cluster.store.delete(gr, meta.get("namespace", ""), meta["name"])
    return obj


def remove_finalizer(cluster: Cluster, gr: str, namespace: str, name: str, finalizer: str) -> None:
    """A controller's update taking its finalizer off (the object goes if it was the last)."""
    obj = cluster.store.get(gr, namespace, name)
    if obj is None or finalizer not in (obj["metadata"].get("finalizers") or []):
        return

    def drop(o: Obj) -> None:
        rest = [f for f in o["metadata"].get("finalizers") or [] if f != finalizer]
        if rest:
            o["metadata"]["finalizers"] = rest
        else:
            o["metadata"].pop("finalizers", None)

    finish_if_finalized(cluster, gr, cluster.store.mutate(gr, namespace, name, drop))


def success_details(gr: str, obj: Obj) -> dict[str, Any]:
    """The ``details`` of finalizeDelete's Status: empty fields left out (omitempty)."""
    plural, _, group = gr.partition(".")
    meta = obj["metadata"]
    details = {"name": meta.get("name", ""), "group": group, "kind": plural, "uid": meta.get("uid")}
    return {k: v for k, v in details.items() if v}
