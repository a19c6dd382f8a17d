"""The DaemonSet controller (pkg/controller/daemon), on the virtual clock.

One pod per node whose labels match the template's nodeSelector. Pods carry the revision's
``controller-revision-hash`` and ``pod-template-generation`` labels and a required node
affinity for their node, as the real controller writes them. A RollingUpdate deletes old pods
while no more than ``maxUnavailable`` nodes lack an available pod; ``OnDelete`` waits for the
user. Status counts are those `kubectl get ds` and `kubectl rollout status` print.
"""

from __future__ import annotations

import contextlib
from typing import Any

from ..names import random_suffix
from ..store import Event, NotFound, Obj, clone
from .base import Key, PodOwnerController, request_pod_deletion, status_of
from .deployment import scaled_value
from .replicaset import is_available, ready_since
from .revisions import HASH_LABEL, prune, sync_update_revision, template_of

GR = "daemonsets.apps"
GENERATION_LABEL = "pod-template-generation"
GENERATION_ANNOTATION = "deprecated.daemonset.template.generation"


def target_node(pod: Obj) -> str:
    """The node a daemon pod is meant for: its required node affinity (or its nodeName)."""
    affinity = (((pod.get("spec") or {}).get("affinity") or {}).get("nodeAffinity") or {}).get(
        "requiredDuringSchedulingIgnoredDuringExecution"
    ) or {}
    for term in affinity.get("nodeSelectorTerms") or []:
        for field in term.get("matchFields") or []:
            if field.get("key") == "metadata.name" and field.get("values"):
                return str(field["values"][0])
    return str((pod.get("spec") or {}).get("nodeName") or "")


def _node_affinity(node: str) -> Obj:
    return {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [
                    {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node]}]}
                ]
            }
        }
    }


def _eligible(node: Obj, selector: dict[str, Any]) -> bool:
    labels = node["metadata"].get("labels") or {}
    return all(labels.get(k) == v for k, v in selector.items())


def _terminating(pod: Obj) -> bool:
    return bool(pod["metadata"].get("deletionTimestamp"))


class DaemonSetController(PodOwnerController):
    gr = GR
    kind = "DaemonSet"
    component = "daemonset-controller"
    keeps_revisions = True

    def start(self) -> None:
        super().start()
        self.cluster.store.add_listener("nodes", self._on_node)

    def _on_node(self, event: Event) -> None:
        # Node status heartbeats change nothing here; new, gone or relabelled nodes do.
        old_labels = (event.old or {}).get("metadata", {}).get("labels")
        if event.type != "MODIFIED" or old_labels != event.obj["metadata"].get("labels"):
            for ds in self.cluster.store.iter(GR):
                self.queue.add((ds["metadata"].get("namespace", ""), ds["metadata"]["name"]))

    def _pods(self, ds: Obj) -> list[Obj]:
        store = self.cluster.store
        ns = ds["metadata"].get("namespace", "")
        pods = []
        for key in self.ctx.pods_by_owner.dependents(ds["metadata"]["uid"]):
            pod = store.get("pods", *key)
            if pod is not None and key[0] == ns:
                pods.append(pod)
        return pods

    def _nodes(self, ds: Obj) -> list[str]:
        template = ((ds.get("spec") or {}).get("template") or {}).get("spec") or {}
        selector = template.get("nodeSelector") or {}
        return [
            n["metadata"]["name"]
            for n in self.cluster.store.list("nodes")
            if _eligible(n, selector) and not n["metadata"].get("deletionTimestamp")
        ]

    def sync(self, key: Key) -> None:
        ds = self.cluster.store.get(GR, *key)
        if ds is None or ds["metadata"].get("deletionTimestamp"):
            return
        update_rev, _ = sync_update_revision(self.cluster, ds)
        digest = str(update_rev["metadata"]["labels"].get(HASH_LABEL, ""))
        self._reconcile(ds, update_rev, digest)
        self._update_status(key, digest)
        live = {update_rev["metadata"]["name"]}
        prefix = ds["metadata"]["name"] + "-"
        live |= {
            prefix + str(p["metadata"].get("labels", {}).get(HASH_LABEL)) for p in self._pods(ds)
        }
        prune(self.cluster, ds, live)

    def _reconcile(self, ds: Obj, update_rev: Obj, digest: str) -> None:
        ns = ds["metadata"].get("namespace", "")
        nodes = self._nodes(ds)
        by_node: dict[str, list[Obj]] = {}
        for pod in self._pods(ds):
            by_node.setdefault(target_node(pod), []).append(pod)
        for node in nodes:
            live = [p for p in by_node.get(node, []) if not _terminating(p)]
            failed = [p for p in live if status_of(p).get("phase") == "Failed"]
            for pod in failed:
                request_pod_deletion(self.cluster, ns, pod["metadata"]["name"])
            if not [p for p in live if p not in failed] and not by_node.get(node):
                self._create_pod(ds, node, update_rev, digest)
            for extra in sorted(live, key=lambda p: p["metadata"]["creationTimestamp"])[1:]:
                request_pod_deletion(self.cluster, ns, extra["metadata"]["name"])
        for node, pods in by_node.items():
            if node not in nodes:
                for pod in pods:
                    request_pod_deletion(self.cluster, ns, pod["metadata"]["name"])
        strategy = (ds.get("spec") or {}).get("updateStrategy") or {}
        if strategy.get("type", "RollingUpdate") != "RollingUpdate":
            return
        max_unavailable = scaled_value(
            (strategy.get("rollingUpdate") or {}).get("maxUnavailable", 1), len(nodes), True
        )
        min_ready = float((ds.get("spec") or {}).get("minReadySeconds", 0))
        now = self.cluster.clock.now()
        unavailable = 0
        old: list[Obj] = []
        for node in nodes:
            pods = [p for p in by_node.get(node, []) if not _terminating(p)]
            if not pods or not any(is_available(p, min_ready, now) for p in pods):
                unavailable += 1
            old += [
                p for p in pods if (p["metadata"].get("labels") or {}).get(HASH_LABEL) != digest
            ]
        # Unavailable old pods go first: replacing them costs no availability.
        old.sort(key=lambda p: is_available(p, min_ready, now))
        for pod in old:
            if is_available(pod, min_ready, now):
                if unavailable >= max(1, max_unavailable):
                    break
                unavailable += 1
            request_pod_deletion(self.cluster, ns, pod["metadata"]["name"])
            self.ctx.recorder.record(
                ds,
                "Normal",
                "SuccessfulDelete",
                f"Deleted pod: {pod['metadata']['name']}",
                "daemonset-controller",
            )

    def _create_pod(self, ds: Obj, node: str, revision: Obj, digest: str) -> None:
        store = self.cluster.store
        ds_name = ds["metadata"]["name"]
        template = template_of(revision)
        tmeta = template.get("metadata") or {}
        labels = dict(tmeta.get("labels") or {})
        labels[HASH_LABEL] = digest
        annotations = ds["metadata"].get("annotations") or {}
        labels[GENERATION_LABEL] = str(annotations.get(GENERATION_ANNOTATION, "1"))
        pod_spec = clone(template.get("spec") or {})
        pod_spec["affinity"] = {**(pod_spec.get("affinity") or {}), **_node_affinity(node)}
        tolerations = list(pod_spec.get("tolerations") or [])
        for key in (
            "node.kubernetes.io/not-ready",
            "node.kubernetes.io/unreachable",
            "node.kubernetes.io/disk-pressure",
            "node.kubernetes.io/memory-pressure",
            "node.kubernetes.io/pid-pressure",
            "node.kubernetes.io/unschedulable",
        ):
            effect = "NoExecute" if key.endswith(("not-ready", "unreachable")) else "NoSchedule"
            tolerations.append({"key": key, "operator": "Exists", "effect": effect})
        pod_spec["tolerations"] = tolerations
        name = f"{ds_name}-{random_suffix(store.rng)}"
        self.create_pod(ds, self.pod_for(ds, name, labels, template, pod_spec))

    def _update_status(self, key: Key, digest: str) -> None:
        store = self.cluster.store
        ds = store.get(GR, *key)
        if ds is None:
            return
        min_ready = float((ds.get("spec") or {}).get("minReadySeconds", 0))
        now = self.cluster.clock.now()
        nodes = self._nodes(ds)
        by_node: dict[str, list[Obj]] = {}
        for pod in self._pods(ds):
            if not _terminating(pod):
                by_node.setdefault(target_node(pod), []).append(pod)
        current = ready = available = updated = misscheduled = 0
        waits: list[float] = []
        for node, pods in by_node.items():
            if node not in nodes:
                misscheduled += 1
                continue
            current += 1
            newest = max(pods, key=lambda p: p["metadata"]["creationTimestamp"])
            if ready_since(newest) is not None:
                ready += 1
                if is_available(newest, min_ready, now):
                    available += 1
                else:
                    waits.append((ready_since(newest) or now) + min_ready - now)
            if (newest["metadata"].get("labels") or {}).get(HASH_LABEL) == digest:
                updated += 1
        status: Obj = {
            "currentNumberScheduled": current,
            "numberMisscheduled": misscheduled,
            "desiredNumberScheduled": len(nodes),
            "numberReady": ready,
            "observedGeneration": ds["metadata"].get("generation", 1),
        }
        # omitempty fields of DaemonSetStatus
        if updated:
            status["updatedNumberScheduled"] = updated
        if available:
            status["numberAvailable"] = available
        if len(nodes) - available > 0:
            status["numberUnavailable"] = len(nodes) - available
        if waits:
            self.queue.add_after(key, max(0.0, min(waits)) + 0.001)
        if status != status_of(ds):

            def write(obj: Obj) -> None:
                obj["status"] = status

            with contextlib.suppress(NotFound):
                store.mutate(GR, key[0], key[1], write)
