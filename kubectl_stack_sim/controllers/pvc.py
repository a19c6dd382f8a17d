"""PersistentVolumeClaim binding: the PV controller's claim side plus a dynamic provisioner,
in one loop (its volume side is :mod:`.volumes`), and the pvc-protection controller: a claim
being deleted keeps its ``kubernetes.io/pvc-protection`` finalizer until no scheduled pod
mounts it.

A claim without a class gets the default StorageClass (retroactive default assignment), or,
with no default class, binds only class-less volumes; a claim binds the smallest fitting
Available PersistentVolume of its class (or the one its ``volumeName`` names); failing that, a
claim whose class exists is provisioned (a PersistentVolume made for it, reclaimed by the
class's policy) and Bound after ``PROVISION_SECONDS`` (for ``WaitForFirstConsumer`` classes,
once a pod using it is scheduled) with the requested capacity; a claim whose class does not
exist stays Pending with a ProvisioningFailed event, and binds when the class is created.
A scenario can make a bound claim lose its volume: the annotation
``sim.kubectl-stack.io/lose-after: "<seconds>"`` (in the manifest, or added later with
``kubectl annotate``) turns a bound claim Lost that long after it is seen, its
PersistentVolume gone.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from .. import admission, deletion
from ..admission import PVC_PROTECTION
from ..store import AlreadyExists, Event, NotFound, Obj
from .base import Key, WorkQueue, status_of
from .volumes import PROVISIONED_BY, PVS, VolumeController, claim_ref, find_matching_volume

if TYPE_CHECKING:
    from . import Context

GR = "persistentvolumeclaims"
CLASSES = "storageclasses.storage.k8s.io"
LOSE_AFTER = "sim.kubectl-stack.io/lose-after"
PROVISION_SECONDS = 2.0
_DEFAULT_ANNOTATIONS = (
    "storageclass.kubernetes.io/is-default-class",
    "storageclass.beta.kubernetes.io/is-default-class",
)


def default_class(classes: list[Obj]) -> Obj | None:
    """The default StorageClass (the newest, when several claim it, as kube picks)."""
    defaults = [
        c
        for c in classes
        if any(
            (c["metadata"].get("annotations") or {}).get(a) == "true" for a in _DEFAULT_ANNOTATIONS
        )
    ]
    defaults.sort(key=lambda c: (c["metadata"].get("creationTimestamp", ""), c["metadata"]["name"]))
    return defaults[-1] if defaults else None


def _claims(pod: Obj) -> set[str]:
    """The claims a pod's volumes name (generic ephemeral ones while it has not finished)."""
    spec = pod.get("spec") or {}
    finished = status_of(pod).get("phase") in ("Succeeded", "Failed")
    names = set()
    for vol in spec.get("volumes") or []:
        claim = (vol.get("persistentVolumeClaim") or {}).get("claimName")
        if claim:
            names.add(str(claim))
        elif vol.get("ephemeral") and not finished:
            names.add(f"{pod['metadata']['name']}-{vol.get('name', '')}")
    return names


class PVCController:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.cluster = ctx.cluster
        self.queue = WorkQueue(ctx.cluster, self.sync)
        self._reported: set[tuple[str, str, str]] = set()
        self._doomed: set[str] = set()
        self.volumes = VolumeController(ctx, self.queue)

    def start(self) -> None:
        store = self.cluster.store
        store.add_listener(GR, self._on_claim)
        store.add_listener(CLASSES, self._on_class)
        store.add_listener("pods", self._on_pod)
        self.volumes.start()
        for pvc in store.iter(GR):
            self._on_claim(Event("ADDED", GR, pvc, 0))

    def _on_claim(self, event: Event) -> None:
        if event.type == "DELETED":
            return
        meta = event.obj["metadata"]
        self.queue.add((meta.get("namespace", ""), meta["name"]))

    def _on_class(self, event: Event) -> None:
        if event.type == "DELETED":
            return
        for pvc in self.cluster.store.iter(GR):
            if status_of(pvc).get("phase") == "Pending":
                self.queue.add((pvc["metadata"].get("namespace", ""), pvc["metadata"]["name"]))

    def _on_pod(self, event: Event) -> None:
        # A new consumer may bind a WaitForFirstConsumer claim; a pod gone may free a claim
        # being deleted.
        if not (event.obj.get("spec") or {}).get("nodeName"):
            return
        ns = event.obj["metadata"].get("namespace", "")
        for claim in _claims(event.obj):
            self.queue.add((ns, claim))

    def _consumer_node(self, ns: str, claim: str) -> str | None:
        """The node of a scheduled pod that mounts the claim (pvcprotection's podUsesPVC)."""
        for pod in self.cluster.store.list("pods", ns):
            node = (pod.get("spec") or {}).get("nodeName")
            if node and claim in _claims(pod):
                return str(node)
        return None

    def sync(self, key: Key) -> None:
        store = self.cluster.store
        pvc = store.get(GR, *key)
        if pvc is None:
            return
        if pvc["metadata"].get("deletionTimestamp"):
            if self._consumer_node(*key) is None:
                deletion.remove_finalizer(self.cluster, GR, *key, PVC_PROTECTION)
            return
        spec = pvc.get("spec") or {}
        if status_of(pvc).get("phase") == "Bound":
            self._arm_loss(pvc)
            return
        if status_of(pvc).get("phase") not in (None, "", "Pending"):
            return
        if spec.get("volumeName"):
            # Bound by the user to a volume by name: bind it once it exists and is free.
            pv = store.get(PVS, "", str(spec["volumeName"]))
            if pv is not None and find_matching_volume([pv], pvc) is pv:
                self.volumes.bind(pv, pvc)
            return
        classes = store.list(CLASSES)
        class_name = spec.get("storageClassName")
        if class_name is None:
            default = default_class(classes)
            if default is not None:
                name = default["metadata"]["name"]

                def assign(obj: Obj) -> None:
                    obj["spec"]["storageClassName"] = name

                store.mutate(GR, key[0], key[1], assign)
                return
        sc = store.get(CLASSES, "", str(class_name)) if class_name else None
        node = None
        if sc is not None and sc.get("volumeBindingMode") == "WaitForFirstConsumer":
            node = self._consumer_node(*key)
            if node is None:
                self._report(
                    pvc,
                    "waiting for first consumer to be created before binding",
                    "WaitForFirstConsumer",
                    "Normal",
                )
                return
        pv = find_matching_volume(store.list(PVS), pvc)
        if pv is not None:
            self.volumes.bind(pv, pvc)
        elif not class_name:
            message = "no persistent volumes available for this claim and no storage class is set"
            self._report(pvc, message, "FailedBinding", "Normal")
        elif sc is None:
            self._report(pvc, f'storageclass.storage.k8s.io "{class_name}" not found')
        else:
            self.cluster.clock.call_later(PROVISION_SECONDS, lambda: self._provision(key, sc, node))

    def _report(
        self, pvc: Obj, message: str, reason: str = "ProvisioningFailed", etype: str = "Warning"
    ) -> None:
        marker = (pvc["metadata"].get("uid", ""), reason, message)
        if marker in self._reported:
            return
        self._reported.add(marker)
        self.ctx.recorder.record(pvc, etype, reason, message, "persistentvolume-controller")

    def _provision(self, key: Key, sc: Obj, node: str | None) -> None:
        """The provisioner: a volume of the class for the claim, pre-bound to it, then bound."""
        store = self.cluster.store
        pvc = store.get(GR, *key)
        if pvc is None or (pvc.get("spec") or {}).get("volumeName"):
            return
        provisioner = str(sc.get("provisioner", ""))

        def annotate(obj: Obj) -> None:
            annotations = obj["metadata"].setdefault("annotations", {})
            annotations["volume.beta.kubernetes.io/storage-provisioner"] = provisioner
            annotations["volume.kubernetes.io/storage-provisioner"] = provisioner
            if node:
                annotations["volume.kubernetes.io/selected-node"] = node

        with contextlib.suppress(NotFound):
            pvc = store.mutate(GR, key[0], key[1], annotate)
        spec = pvc.get("spec") or {}
        volume = f"pvc-{pvc['metadata']['uid']}"
        requested = ((spec.get("resources") or {}).get("requests") or {}).get("storage", "1Gi")
        manifest: Obj = {
            "apiVersion": "v1",
            "kind": "PersistentVolume",
            "metadata": {"name": volume, "annotations": {PROVISIONED_BY: provisioner}},
            "spec": {
                "accessModes": list(spec.get("accessModes") or ["ReadWriteOnce"]),
                "capacity": {"storage": requested},
                "claimRef": claim_ref(pvc),
                "csi": {"driver": provisioner, "volumeHandle": volume, "fsType": "ext4"},
                "persistentVolumeReclaimPolicy": sc.get("reclaimPolicy") or "Delete",
                "storageClassName": sc["metadata"]["name"],
                "volumeMode": spec.get("volumeMode") or "Filesystem",
            },
        }
        pv = admission.admit(self.cluster, PVS, manifest, None)
        # A uid outside the seeded generator: provisioning leaves scenarios' names as they were.
        pv["metadata"]["uid"] = store.system_uid(PVS, "", volume)
        try:
            pv = store.create(PVS, pv)
        except AlreadyExists:
            return
        self.volumes.bind(pv, pvc)
        self.ctx.recorder.record(
            pvc,
            "Normal",
            "ProvisioningSucceeded",
            f"Successfully provisioned volume {volume}",
            f"{provisioner}_sim",
        )
        self._arm_loss(store.require(GR, *key))

    def _arm_loss(self, pvc: Obj) -> None:
        """Schedule the scenario's volume loss once per claim (annotation read any time)."""
        uid = pvc["metadata"].get("uid", "")
        lose_after = (pvc["metadata"].get("annotations") or {}).get(LOSE_AFTER)
        if lose_after is None or uid in self._doomed:
            return
        with contextlib.suppress(ValueError, TypeError):
            delay = float(str(lose_after))
            self._doomed.add(uid)
            key = (pvc["metadata"].get("namespace", ""), pvc["metadata"]["name"])
            self.cluster.clock.call_later(delay, lambda: self._lose(key))

    def _lose(self, key: Key) -> None:
        store = self.cluster.store
        pvc = store.get(GR, *key)
        if pvc is None or status_of(pvc).get("phase") != "Bound":
            return

        def lost(obj: Obj) -> None:
            obj["status"] = {"phase": "Lost"}

        pvc = store.mutate(GR, key[0], key[1], lost)
        volume = (pvc.get("spec") or {}).get("volumeName")
        if volume and store.get(PVS, "", str(volume)) is not None:
            store.delete(PVS, "", str(volume))
        self.ctx.recorder.record(
            pvc,
            "Warning",
            "ClaimLost",
            "Bound claim has lost its PersistentVolume. Data on the volume is lost!",
            "persistentvolume-controller",
        )
