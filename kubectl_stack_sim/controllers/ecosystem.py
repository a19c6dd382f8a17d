"""The ecosystem's control loops (CRDs, StatefulSets, DaemonSets, PVC binding, Argo CD
self-heal, cert-manager) and the API defaulting of the kinds they own.

:class:`EcosystemControllers` is one :class:`~..cluster.Controller`; it must start after the
cluster's :class:`~.SimControllers`, whose shared context (event recorder, pod index) it uses.
"""

from __future__ import annotations

from typing import Any

from .. import admission
from ..cluster import Cluster
from ..crds import CRDController
from ..store import Obj
from .certmanager import CertManager
from .daemonset import GENERATION_ANNOTATION, DaemonSetController
from .pvc import PVCController
from .selfheal import SelfHealController
from .statefulset import StatefulSetController


class EcosystemControllers:
    def start(self, cluster: Cluster) -> None:
        from . import controllers_of

        ctx = controllers_of(cluster).ctx
        self.crds = CRDController(cluster)
        self.statefulsets = StatefulSetController(ctx)
        self.daemonsets = DaemonSetController(ctx)
        self.pvcs = PVCController(ctx)
        self.selfheal = SelfHealController(ctx)
        self.certmanager = CertManager(ctx)
        for loop in (
            self.crds,
            self.statefulsets,
            self.daemonsets,
            self.pvcs,
            self.selfheal,
            self.certmanager,
        ):
            loop.start()


def ecosystem_of(cluster: Cluster) -> EcosystemControllers:
    """The started ecosystem controllers of a cluster built by ``build_cluster``."""
    for controller in cluster.controllers:
        if isinstance(controller, EcosystemControllers):
            return controller
    raise LookupError("cluster has no ecosystem controllers")


# -- API defaulting (as the apps/v1 defaulters and registry strategies do it) ----------------


def _default_template(obj: Obj) -> None:
    # Pod template defaults are the ones Deployments get.
    admission._default_template(obj)


def _default_statefulset(cluster: Cluster, obj: Obj, old: Obj | None) -> None:
    spec = obj.setdefault("spec", {})
    if not isinstance(spec, dict):
        return
    spec.setdefault("replicas", 1)
    spec.setdefault("podManagementPolicy", "OrderedReady")
    spec.setdefault("revisionHistoryLimit", 10)
    admission.default_rolling_update(spec, "updateStrategy", partition=0)
    spec.setdefault(
        "persistentVolumeClaimRetentionPolicy", {"whenDeleted": "Retain", "whenScaled": "Retain"}
    )
    for claim in spec.get("volumeClaimTemplates") or []:
        if isinstance(claim, dict):
            claim.setdefault("apiVersion", "v1")
            claim.setdefault("kind", "PersistentVolumeClaim")
            claim.setdefault("spec", {}).setdefault("volumeMode", "Filesystem")
            claim.setdefault("status", {"phase": "Pending"})
    _default_template(obj)


def _default_daemonset(cluster: Cluster, obj: Obj, old: Obj | None) -> None:
    spec = obj.setdefault("spec", {})
    if not isinstance(spec, dict):
        return
    spec.setdefault("revisionHistoryLimit", 10)
    admission.default_rolling_update(spec, "updateStrategy", maxUnavailable=1, maxSurge=0)
    _default_template(obj)
    # The registry strategy counts template generations in this annotation.
    annotations = obj.setdefault("metadata", {}).setdefault("annotations", {})
    if old is None:
        annotations[GENERATION_ANNOTATION] = "1"
        return
    old_gen = int((old["metadata"].get("annotations") or {}).get(GENERATION_ANNOTATION, "1"))
    changed = (spec.get("template") or {}) != ((old.get("spec") or {}).get("template") or {})
    annotations[GENERATION_ANNOTATION] = str(old_gen + 1 if changed else old_gen)


def _default_storageclass(cluster: Cluster, obj: Obj, old: Obj | None) -> None:
    obj.setdefault("reclaimPolicy", "Delete")
    obj.setdefault("volumeBindingMode", "Immediate")


# -- validation: the workload checks Deployments get, with the StatefulSet rules on updates -----

_STS_MUTABLE = (
    "replicas",
    "ordinals",
    "template",
    "updateStrategy",
    "revisionHistoryLimit",
    "persistentVolumeClaimRetentionPolicy",
    "minReadySeconds",
)


def _validator(kind: str) -> Any:
    def validate(obj: Obj, old: Obj | None, errs: Any) -> None:
        before = len(errs.causes)
        # StatefulSets report a changed selector with the update rule below instead.
        admission._validate_workload(
            obj, old if kind == "daemonset" else None, errs, deployment=False
        )
        for cause in errs.causes[before:]:
            cause["message"] = cause["message"].replace(
                "invalid for replicaset", f"invalid for {kind}"
            )
        if kind == "statefulset" and old is not None:
            spec, old_spec = obj.get("spec") or {}, old.get("spec") or {}
            fixed = {k for k in set(spec) | set(old_spec) if k not in _STS_MUTABLE}
            if any(spec.get(k) != old_spec.get(k) for k in fixed):
                errs.forbidden(
                    "spec",
                    "updates to statefulset spec for fields other than 'replicas', "
                    "'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', "
                    "'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
                )

    return validate


_VALIDATORS: dict[str, Any] = {
    "statefulsets.apps": _validator("statefulset"),
    "daemonsets.apps": _validator("daemonset"),
}
for _gr, _validate in _VALIDATORS.items():
    admission._VALIDATORS.setdefault(_gr, _validate)

_DEFAULTS: dict[str, Any] = {
    "statefulsets.apps": _default_statefulset,
    "daemonsets.apps": _default_daemonset,
    "storageclasses.storage.k8s.io": _default_storageclass,
}
for _gr, _defaulter in _DEFAULTS.items():
    admission._DEFAULTERS.setdefault(_gr, _defaulter)
