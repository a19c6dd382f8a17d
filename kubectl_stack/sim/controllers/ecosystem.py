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
    strategy = spec.setdefault("updateStrategy", {})
    if isinstance(strategy, dict):
        strategy.setdefault("type", "RollingUpdate")
        if strategy["type"] == "RollingUpdate":
            rolling = strategy.setdefault("rollingUpdate", {})
            if isinstance(rolling, dict):
                rolling.setdefault("partition", 0)
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
    strategy = spec.setdefault("updateStrategy", {})
    if isinstance(strategy, dict):
        strategy.setdefault("type", "RollingUpdate")
        if strategy["type"] == "RollingUpdate":
            rolling = strategy.setdefault("rollingUpdate", {})
            if isinstance(rolling, dict):
                rolling.setdefault("maxUnavailable", 1)
                rolling.setdefault("maxSurge", 0)
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


_DEFAULTS: dict[str, Any] = {
    "statefulsets.apps": _default_statefulset,
    "daemonsets.apps": _default_daemonset,
    "storageclasses.storage.k8s.io": _default_storageclass,
}
for _gr, _defaulter in _DEFAULTS.items():
    admission._DEFAULTERS.setdefault(_gr, _defaulter)
