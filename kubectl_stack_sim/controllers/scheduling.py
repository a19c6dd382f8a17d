"""The scheduler's filters the embedded cluster honours, and its refusal messages.

A pod fits a node when the node's labels match ``spec.nodeSelector`` and one term of its
required node affinity (``matchExpressions`` on labels, ``matchFields`` on ``metadata.name``,
as the DaemonSet controller pins its pods). Before any node is tried, every
PersistentVolumeClaim the pod mounts must exist and, unless its StorageClass binds on first
consumer, be Bound. The messages are kube-scheduler's, word for word.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..labels import node_requirement_matches
from ..store import Obj, Store

CLASSES = "storageclasses.storage.k8s.io"
NODE_MISMATCH = "node(s) didn't match Pod's node affinity/selector"


def _field_holds(expr: Mapping[str, Any], node_name: str) -> bool:
    """A matchFields requirement: only ``metadata.name`` with In or NotIn is valid
    (NodeSelectorRequirementsAsFieldSelector)."""
    values = expr.get("values") or []
    if expr.get("key") != "metadata.name" or not isinstance(values, list):
        return False
    if expr.get("operator") == "In":
        return len(values) == 1 and values[0] == node_name
    if expr.get("operator") == "NotIn":
        return len(values) == 1 and values[0] != node_name
    return False


def _term_matches(term: Any, node: Obj) -> bool:
    if not isinstance(term, dict):
        return False
    expressions = term.get("matchExpressions") or []
    fields = term.get("matchFields") or []
    if not expressions and not fields:
        return False  # an empty term selects no node
    labels = node["metadata"].get("labels") or {}
    node_name = str(node["metadata"].get("name", ""))
    return all(node_requirement_matches(e, labels) for e in expressions) and all(
        isinstance(f, dict) and _field_holds(f, node_name) for f in fields
    )


def fits(pod: Obj, node: Obj) -> bool:
    """Whether ``pod``'s nodeSelector and required node affinity admit ``node``."""
    spec = pod.get("spec") or {}
    labels = node["metadata"].get("labels") or {}
    selector = spec.get("nodeSelector") or {}
    if any(labels.get(k) != v for k, v in selector.items()):
        return False
    required = ((spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
        "requiredDuringSchedulingIgnoredDuringExecution"
    )
    if not isinstance(required, dict):
        return True
    return any(_term_matches(t, node) for t in required.get("nodeSelectorTerms") or [])


def volume_refusal(pod: Obj, store: Store) -> str:
    """Why no node can take ``pod`` because of its claims ('' when they allow scheduling)."""
    namespace = pod["metadata"].get("namespace", "")
    for volume in (pod.get("spec") or {}).get("volumes") or []:
        claim = (volume.get("persistentVolumeClaim") or {}).get("claimName")
        if not claim:
            continue
        pvc = store.get("persistentvolumeclaims", namespace, str(claim))
        if pvc is None:
            return f'persistentvolumeclaim "{claim}" not found'
        if (pvc.get("status") or {}).get("phase") == "Bound":
            continue
        class_name = (pvc.get("spec") or {}).get("storageClassName")
        sc = store.get(CLASSES, "", str(class_name)) if class_name else None
        if sc is None or sc.get("volumeBindingMode") != "WaitForFirstConsumer":
            return "pod has unbound immediate PersistentVolumeClaims"
    return ""


def unschedulable_message(total: int, reason: str, counted: bool) -> str:
    """kube-scheduler's FailedScheduling message for ``total`` nodes all refused for
    ``reason`` (``counted``: a per-node filter, else a pre-filter that refused the pod)."""
    why = f"{total} {reason}" if counted else reason
    return (
        f"0/{total} nodes are available: {why}. preemption: 0/{total} nodes are available: "
        f"{total} Preemption is not helpful for scheduling."
    )


def feasible(pod: Obj, nodes: Sequence[Obj]) -> list[int]:
    """Indices of ``nodes`` that ``pod`` fits."""
    return [i for i, node in enumerate(nodes) if fits(pod, node)]
