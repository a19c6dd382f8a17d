"""The StatefulSet controller (pkg/controller/statefulset), on the virtual clock.

Pods are ``<set>-<ordinal>`` with stable hostnames and one PersistentVolumeClaim per
volumeClaimTemplate (``<template>-<set>-<ordinal>``). With ``OrderedReady`` pods are created
lowest ordinal first and removed highest first, each waiting for the previous to be Running and
Ready; ``Parallel`` does not wait. A RollingUpdate replaces pods from the highest ordinal down
to ``partition``, one unavailable at a time; ``OnDelete`` only gives a deleted pod the new
template. Status (replicas, ready, current, updated, available, revisions) is what
``kubectl rollout status`` reads.
"""

from __future__ import annotations

import contextlib

from .. import admission
from ..store import AlreadyExists, NotFound, Obj, clone
from .base import Key, PodOwnerController, request_pod_deletion, status_of
from .replicaset import is_available, ready_since
from .revisions import HASH_LABEL, prune, sync_update_revision, template_of

GR = "statefulsets.apps"
POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name"
POD_INDEX_LABEL = "apps.kubernetes.io/pod-index"


def ordinal_of(set_name: str, pod: Obj) -> int | None:
    """The ordinal in ``<set>-<ordinal>``, or None for a name of another shape."""
    prefix, _, tail = pod["metadata"]["name"].rpartition("-")
    if prefix != set_name or not tail.isdigit():
        return None
    return int(tail)


def _running_and_ready(pod: Obj) -> bool:
    return status_of(pod).get("phase") == "Running" and ready_since(pod) is not None


def _terminating(pod: Obj) -> bool:
    return bool(pod["metadata"].get("deletionTimestamp"))


def _finished(pod: Obj) -> bool:
    return status_of(pod).get("phase") in ("Succeeded", "Failed")


class StatefulSetController(PodOwnerController):
    gr = GR
    kind = "StatefulSet"
    component = "statefulset-controller"
    keeps_revisions = True

    def _pods(self, sts: Obj) -> dict[int, Obj]:
        store = self.cluster.store
        ns = sts["metadata"].get("namespace", "")
        out: dict[int, Obj] = {}
        for key in self.ctx.pods_by_owner.dependents(sts["metadata"]["uid"]):
            pod = store.get("pods", *key)
            if pod is None or key[0] != ns:
                continue
            ordinal = ordinal_of(sts["metadata"]["name"], pod)
            if ordinal is not None:
                out[ordinal] = pod
        return out

    def sync(self, key: Key) -> None:
        sts = self.cluster.store.get(GR, *key)
        if sts is None or sts["metadata"].get("deletionTimestamp"):
            return
        update_rev, revisions = sync_update_revision(self.cluster, sts)
        by_name = {r["metadata"]["name"]: r for r in revisions}
        current_name = str(status_of(sts).get("currentRevision") or "")
        current_rev = by_name.get(current_name, update_rev)
        self._reconcile(sts, current_rev, update_rev)
        self._update_status(key, current_rev, update_rev)
        live = {current_rev["metadata"]["name"], update_rev["metadata"]["name"]}
        live |= {
            str(p["metadata"].get("labels", {}).get(HASH_LABEL)) for p in self._pods(sts).values()
        }
        prune(self.cluster, sts, live)

    def _reconcile(self, sts: Obj, current_rev: Obj, update_rev: Obj) -> None:
        spec = sts.get("spec") or {}
        replicas = int(spec.get("replicas", 1))
        ordered = spec.get("podManagementPolicy", "OrderedReady") != "Parallel"
        strategy = spec.get("updateStrategy") or {}
        rolling = strategy.get("type", "RollingUpdate") == "RollingUpdate"
        partition = int((strategy.get("rollingUpdate") or {}).get("partition") or 0)
        pods = self._pods(sts)
        ns = sts["metadata"].get("namespace", "")
        update_name = update_rev["metadata"]["name"]

        for ordinal in sorted(pods):
            if _finished(pods[ordinal]) and not _terminating(pods[ordinal]):
                request_pod_deletion(self.cluster, ns, pods[ordinal]["metadata"]["name"])
                return
        for ordinal in range(replicas):
            pod = pods.get(ordinal)
            if pod is None:
                old_side = rolling and ordinal < partition
                self._create_pod(sts, ordinal, current_rev if old_side else update_rev)
                if ordered:
                    return
                continue
            if ordered and (_terminating(pod) or not _running_and_ready(pod)):
                return
        condemned = sorted((o for o in pods if o >= replicas), reverse=True)
        for ordinal in condemned:
            victim = pods[ordinal]
            if not _terminating(victim):
                request_pod_deletion(self.cluster, ns, victim["metadata"]["name"])
                self._event(sts, "SuccessfulDelete", "delete", victim)
            if ordered:
                return
        if not rolling:
            return
        healthy = all(
            _running_and_ready(p) and not _terminating(p) for o, p in pods.items() if o < replicas
        )
        for ordinal in range(replicas - 1, partition - 1, -1):
            member = pods.get(ordinal)
            if member is None:
                return
            if (member["metadata"].get("labels") or {}).get(HASH_LABEL) != update_name:
                if _terminating(member) or not healthy:
                    return
                request_pod_deletion(self.cluster, ns, member["metadata"]["name"])
                self._event(sts, "SuccessfulDelete", "delete", member)
                return
            if not _running_and_ready(member):
                return

    def _create_pod(self, sts: Obj, ordinal: int, revision: Obj) -> None:
        store = self.cluster.store
        spec = sts.get("spec") or {}
        set_name = sts["metadata"]["name"]
        name = f"{set_name}-{ordinal}"
        template = template_of(revision)
        tmeta = template.get("metadata") or {}
        labels = dict(tmeta.get("labels") or {})
        labels[HASH_LABEL] = revision["metadata"]["name"]
        labels[POD_NAME_LABEL] = name
        labels[POD_INDEX_LABEL] = str(ordinal)
        pod_spec = clone(template.get("spec") or {})
        pod_spec["hostname"] = name
        if spec.get("serviceName"):
            pod_spec["subdomain"] = spec["serviceName"]
        volumes = [v for v in pod_spec.get("volumes") or [] if isinstance(v, dict)]
        for claim in spec.get("volumeClaimTemplates") or []:
            claim_name = (claim.get("metadata") or {}).get("name", "")
            pvc_name = f"{claim_name}-{set_name}-{ordinal}"
            self._ensure_claim(sts, claim, pvc_name)
            volumes = [v for v in volumes if v.get("name") != claim_name]
            volumes.append({"name": claim_name, "persistentVolumeClaim": {"claimName": pvc_name}})
        if volumes:
            pod_spec["volumes"] = volumes
        pod = self.pod_for(sts, name, labels, template, pod_spec)
        try:
            created = store.create("pods", admission.admit(self.cluster, "pods", pod, None))
        except (admission.Invalid, admission.Forbidden, AlreadyExists) as exc:
            self.ctx.recorder.record(
                sts,
                "Warning",
                "FailedCreate",
                f"create Pod {name} in StatefulSet {set_name} failed error: {exc}",
                "statefulset-controller",
            )
            return
        self._event(sts, "SuccessfulCreate", "create", created)

    def _ensure_claim(self, sts: Obj, claim: Obj, pvc_name: str) -> None:
        store = self.cluster.store
        ns = sts["metadata"].get("namespace", "")
        if store.get("persistentvolumeclaims", ns, pvc_name) is not None:
            return
        cmeta = claim.get("metadata") or {}
        labels = dict(cmeta.get("labels") or {})
        labels.update(((sts.get("spec") or {}).get("selector") or {}).get("matchLabels") or {})
        pvc: Obj = {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {"name": pvc_name, "namespace": ns, "labels": labels},
            "spec": clone(claim.get("spec") or {}),
        }
        if cmeta.get("annotations"):
            pvc["metadata"]["annotations"] = dict(cmeta["annotations"])
        with contextlib.suppress(AlreadyExists, admission.Invalid, admission.Forbidden):
            store.create(
                "persistentvolumeclaims",
                admission.admit(self.cluster, "persistentvolumeclaims", pvc, None),
            )
            self.ctx.recorder.record(
                sts,
                "Normal",
                "SuccessfulCreate",
                f"create Claim {pvc_name} Pod {pvc_name.split('-', 1)[-1]} in StatefulSet "
                f"{sts['metadata']['name']} success",
                "statefulset-controller",
            )

    def _event(self, sts: Obj, reason: str, verb: str, pod: Obj) -> None:
        self.ctx.recorder.record(
            sts,
            "Normal",
            reason,
            f"{verb} Pod {pod['metadata']['name']} in StatefulSet {sts['metadata']['name']} "
            "successful",
            "statefulset-controller",
        )

    def _update_status(self, key: Key, current_rev: Obj, update_rev: Obj) -> None:
        store = self.cluster.store
        sts = store.get(GR, *key)
        if sts is None:
            return
        spec = sts.get("spec") or {}
        min_ready = float(spec.get("minReadySeconds", 0))
        now = self.cluster.clock.now()
        current_name = current_rev["metadata"]["name"]
        update_name = update_rev["metadata"]["name"]
        pods = list(self._pods(sts).values())
        counts = {"replicas": 0, "ready": 0, "available": 0, "current": 0, "updated": 0}
        waits: list[float] = []
        for pod in pods:
            counts["replicas"] += 1
            if _running_and_ready(pod):
                counts["ready"] += 1
                if is_available(pod, min_ready, now):
                    counts["available"] += 1
                else:
                    waits.append((ready_since(pod) or now) + min_ready - now)
            if not _terminating(pod):
                revision = (pod["metadata"].get("labels") or {}).get(HASH_LABEL)
                counts["current"] += revision == current_name
                counts["updated"] += revision == update_name
        rolling = (spec.get("updateStrategy") or {}).get("type", "RollingUpdate") == "RollingUpdate"
        if (
            rolling
            and counts["updated"] == counts["replicas"]
            and counts["ready"] == counts["replicas"]
        ):
            counts["current"] = counts["updated"]
            current_name = update_name
        status: Obj = {
            "observedGeneration": sts["metadata"].get("generation", 1),
            "replicas": counts["replicas"],
            "readyReplicas": counts["ready"],
            "currentReplicas": counts["current"],
            "updatedReplicas": counts["updated"],
            "currentRevision": current_name,
            "updateRevision": update_name,
            "collisionCount": 0,
            "availableReplicas": counts["available"],
        }
        # The API omits zero counts (omitempty), except replicas and availableReplicas.
        for field in ("readyReplicas", "currentReplicas", "updatedReplicas"):
            if not status[field]:
                del status[field]
        if waits:
            self.queue.add_after(key, max(0.0, min(waits)) + 0.001)
        if status != status_of(sts):

            def write(obj: Obj) -> None:
                obj["status"] = status

            with contextlib.suppress(NotFound):
                store.mutate(GR, key[0], key[1], write)
