"""PersistentVolumes: the PV controller's volume side and its binding, and the pv-protection
controller.

As pkg/controller/volume/persistentvolume: a claim binds the smallest Available volume of its
class whose capacity covers the request, whose access modes include the claim's and whose
volume mode and selector match (or the volume its ``volumeName`` names, or the one pre-bound to
it by ``claimRef``); binding writes the volume's ``claimRef`` and the claim's ``volumeName``
with the controller's annotations, then both phases Bound. A volume with no claim is
Available; once its bound claim is gone it is Released and reclaimed by its policy: Retain
keeps it Released, Delete deletes a volume a provisioner made (one it cannot delete is Failed,
as for a plugin without a deleter), Recycle scrubs it back to Available. Every volume carries
``kubernetes.io/pv-protection`` (the StorageObjectInUseProtection admission plugin), which the
pv-protection controller takes off a volume being deleted once it is not Bound.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from .. import deletion
from ..labels import selector_matches
from ..quantity import parse as parse_quantity
from ..store import Event, NotFound, Obj
from .base import Key, WorkQueue, status_of

if TYPE_CHECKING:
    from . import Context

PVS = "persistentvolumes"
CLAIMS = "persistentvolumeclaims"
PV_PROTECTION = "kubernetes.io/pv-protection"
BOUND_BY_CONTROLLER = "pv.kubernetes.io/bound-by-controller"
BIND_COMPLETED = "pv.kubernetes.io/bind-completed"
PROVISIONED_BY = "pv.kubernetes.io/provisioned-by"
_BETA_CLASS = "volume.beta.kubernetes.io/storage-class"
_COMPONENT = "persistentvolume-controller"


def volume_class(pv: Obj) -> str:
    """GetPersistentVolumeClass: the beta annotation, else ``spec.storageClassName``."""
    annotations = pv["metadata"].get("annotations") or {}
    if _BETA_CLASS in annotations:
        return str(annotations[_BETA_CLASS])
    return str((pv.get("spec") or {}).get("storageClassName") or "")


def claim_class(pvc: Obj) -> str:
    """GetPersistentVolumeClaimClass: the beta annotation, else ``spec.storageClassName``."""
    annotations = pvc["metadata"].get("annotations") or {}
    if _BETA_CLASS in annotations:
        return str(annotations[_BETA_CLASS])
    return str((pvc.get("spec") or {}).get("storageClassName") or "")


def _requested(pvc: Obj) -> float:
    spec = pvc.get("spec") or {}
    return parse_quantity(((spec.get("resources") or {}).get("requests") or {}).get("storage", 0))


def _capacity(pv: Obj) -> float:
    return parse_quantity(((pv.get("spec") or {}).get("capacity") or {}).get("storage", 0))


def _claimed_by(pv: Obj, pvc: Obj) -> bool:
    """Whether the volume's claimRef names this claim (a pre-binding without uid counts)."""
    ref = (pv.get("spec") or {}).get("claimRef")
    if not isinstance(ref, dict):
        return False
    meta = pvc["metadata"]
    same = ref.get("name") == meta["name"] and ref.get("namespace") == meta.get("namespace")
    return same and ref.get("uid") in (None, "", meta.get("uid"))


def volume_fits(pv: Obj, pvc: Obj) -> bool:
    """checkVolumeSatisfyClaim plus the matcher's filters: same class and volume mode,
    access modes included, capacity enough, the claim's selector matching the volume."""
    spec, claim_spec = pv.get("spec") or {}, pvc.get("spec") or {}
    if volume_class(pv) != claim_class(pvc):
        return False
    if (spec.get("volumeMode") or "Filesystem") != (claim_spec.get("volumeMode") or "Filesystem"):
        return False
    if not set(claim_spec.get("accessModes") or []) <= set(spec.get("accessModes") or []):
        return False
    if _capacity(pv) < _requested(pvc):
        return False
    selector = claim_spec.get("selector")
    return selector is None or selector_matches(selector, pv["metadata"].get("labels") or {})


def find_matching_volume(volumes: list[Obj], pvc: Obj) -> Obj | None:
    """findMatchingVolume: the volume pre-bound to the claim, else the smallest available one
    that fits (volumes being deleted, claimed by others, Released or Failed are skipped)."""
    best: Obj | None = None
    for pv in volumes:
        if pv["metadata"].get("deletionTimestamp") or not volume_fits(pv, pvc):
            continue
        if _claimed_by(pv, pvc):
            return pv
        if (pv.get("spec") or {}).get("claimRef") is not None:
            continue
        if status_of(pv).get("phase") not in ("Available", "Pending", None):
            continue
        if best is None or _capacity(pv) < _capacity(best):
            best = pv
    return best


def claim_ref(pvc: Obj) -> Obj:
    meta = pvc["metadata"]
    return {
        "kind": "PersistentVolumeClaim",
        "namespace": meta.get("namespace", ""),
        "name": meta["name"],
        "uid": meta.get("uid", ""),
        "apiVersion": "v1",
        "resourceVersion": meta.get("resourceVersion", ""),
    }


class VolumeController:
    """The volume side of the PV controller and the pv-protection controller."""

    def __init__(self, ctx: Context, claims: WorkQueue) -> None:
        self.ctx = ctx
        self.cluster = ctx.cluster
        self.queue = WorkQueue(ctx.cluster, self.sync)
        self._claims = claims  # the claim side's queue, for claims a volume may now bind

    def start(self) -> None:
        store = self.cluster.store
        store.add_listener(PVS, self._on_volume)
        store.add_listener(CLAIMS, self._on_claim)
        for pv in store.iter(PVS):
            self.queue.add(("", pv["metadata"]["name"]))

    def _on_volume(self, event: Event) -> None:
        if event.type != "DELETED":
            self.queue.add(("", event.obj["metadata"]["name"]))

    def _on_claim(self, event: Event) -> None:
        name = (event.obj.get("spec") or {}).get("volumeName")
        if name:
            self.queue.add(("", str(name)))
        if event.type == "DELETED":
            # A volume pre-bound to the claim, or bound to it, is released.
            for pv in self.cluster.store.iter(PVS):
                if _claimed_by(pv, event.obj):
                    self.queue.add(("", pv["metadata"]["name"]))

    def bind(self, pv: Obj, pvc: Obj) -> None:
        """bindVolumeToClaim then bindClaimToVolume, then both phases Bound."""
        store = self.cluster.store
        pv_name = pv["metadata"]["name"]
        ns, claim_name = pvc["metadata"].get("namespace", ""), pvc["metadata"]["name"]
        ref = claim_ref(pvc)
        # A volume the user pre-bound to the claim is not marked bound-by-controller.
        annotate = not _claimed_by(pv, pvc)

        def to_claim(obj: Obj) -> None:
            obj.setdefault("spec", {})["claimRef"] = ref
            if annotate:
                obj["metadata"].setdefault("annotations", {}).setdefault(BOUND_BY_CONTROLLER, "yes")

        pv = store.mutate(PVS, "", pv_name, to_claim)
        self._set_phase(pv_name, "Bound")

        def to_volume(obj: Obj) -> None:
            annotations = obj["metadata"].setdefault("annotations", {})
            if not obj["spec"].get("volumeName"):
                annotations[BOUND_BY_CONTROLLER] = "yes"
                obj["spec"]["volumeName"] = pv_name
            annotations[BIND_COMPLETED] = "yes"

        store.mutate(CLAIMS, ns, claim_name, to_volume)
        spec = pv.get("spec") or {}

        def bound(obj: Obj) -> None:
            obj["status"] = {
                "phase": "Bound",
                "accessModes": list(spec.get("accessModes") or []),
                "capacity": dict(spec.get("capacity") or {}),
            }

        store.mutate(CLAIMS, ns, claim_name, bound)

    def _set_phase(self, name: str, phase: str, message: str | None = None) -> None:
        """updateVolumePhase; the status strategy stamps lastPhaseTransitionTime on a change."""
        pv = self.cluster.store.get(PVS, "", name)
        if pv is None or (status_of(pv).get("phase") == phase and message is None):
            return
        stamp = self.cluster.clock.timestamp()

        def write(obj: Obj) -> None:
            status = {"phase": phase, "lastPhaseTransitionTime": stamp}
            if message:
                status["message"] = message
            obj["status"] = status

        self.cluster.store.mutate(PVS, "", name, write)

    def sync(self, key: Key) -> None:
        pv = self.cluster.store.get(PVS, *key)
        if pv is None:
            return
        self._sync_phase(pv)
        pv = self.cluster.store.get(PVS, *key)
        # pv-protection: a volume being deleted goes once it is not Bound.
        if pv and pv["metadata"].get("deletionTimestamp") and status_of(pv).get("phase") != "Bound":
            deletion.remove_finalizer(self.cluster, PVS, *key, PV_PROTECTION)

    def _sync_phase(self, pv: Obj) -> None:
        """syncVolume: Available without a claim, Bound with its claim, Released (and
        reclaimed) once the claim is gone."""
        store = self.cluster.store
        name = pv["metadata"]["name"]
        phase = status_of(pv).get("phase")
        ref = (pv.get("spec") or {}).get("claimRef")
        if not isinstance(ref, dict) or not ref.get("uid"):
            # Unclaimed, or pre-bound to a claim that has not bound it yet: claims may bind.
            self._set_phase(name, "Available")
            for pvc in store.iter(CLAIMS):
                if status_of(pvc).get("phase") in (None, "", "Pending"):
                    self._claims.add(
                        (pvc["metadata"].get("namespace", ""), pvc["metadata"]["name"])
                    )
            return
        claim = store.get(CLAIMS, str(ref.get("namespace", "")), str(ref.get("name", "")))
        if claim is not None and claim["metadata"].get("uid") == ref.get("uid"):
            if (claim.get("spec") or {}).get("volumeName") == name:
                self._set_phase(name, "Bound")
            return
        if phase in ("Released", "Failed"):
            return
        self._set_phase(name, "Released")
        self._reclaim(store.require(PVS, "", name))

    def _reclaim(self, pv: Obj) -> None:
        """reclaimVolume by the volume's persistentVolumeReclaimPolicy."""
        name = pv["metadata"]["name"]
        policy = (pv.get("spec") or {}).get("persistentVolumeReclaimPolicy") or "Retain"
        if policy == "Recycle":

            def scrub(obj: Obj) -> None:
                obj["spec"].pop("claimRef", None)
                (obj["metadata"].get("annotations") or {}).pop(BOUND_BY_CONTROLLER, None)

            self.cluster.store.mutate(PVS, "", name, scrub)
            self.ctx.recorder.record(
                pv, "Normal", "VolumeRecycled", f'Volume "{name}" recycled', _COMPONENT
            )
        elif policy == "Delete":
            if (pv["metadata"].get("annotations") or {}).get(PROVISIONED_BY):
                with contextlib.suppress(NotFound):
                    deletion.delete(self.cluster, PVS, "", name, {})
                return
            message = (
                f'error getting deleter volume plugin for volume "{name}": '
                "no deletable volume plugin matched"
            )
            self._set_phase(name, "Failed", message)
            self.ctx.recorder.record(pv, "Warning", "VolumeFailedDelete", message, _COMPONENT)
