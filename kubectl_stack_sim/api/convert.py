"""Conversions between what is stored and what is served: HorizontalPodAutoscaler
autoscaling/v2 (stored) <-> autoscaling/v1, and the ``scale`` subresource's ``Scale`` view of a
Deployment or ReplicaSet."""

from __future__ import annotations

from typing import Any

from ..jsonutil import dumps
from ..labels import label_selector_string, selector_from_set

Obj = dict[str, Any]
# Where autoscaling/v1 keeps what only v2 has fields for (as the API server converts).
CONDITIONS_ANNOTATION = "autoscaling.alpha.kubernetes.io/conditions"


def _cpu_utilization_metric(metrics: list[Obj]) -> Obj | None:
    for m in metrics:
        res = m.get("resource") or {}
        if m.get("type") == "Resource" and res.get("name") == "cpu":
            return m
    return None


def hpa_v2_to_v1(obj: Obj) -> Obj:
    """The autoscaling/v1 view: only the CPU utilization target and its current value."""
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    v1_spec: Obj = {
        "scaleTargetRef": spec.get("scaleTargetRef") or {},
        "maxReplicas": spec.get("maxReplicas", 0),
    }
    if spec.get("minReplicas") is not None:
        v1_spec["minReplicas"] = spec["minReplicas"]
    cpu = _cpu_utilization_metric(spec.get("metrics") or [])
    target = ((cpu or {}).get("resource") or {}).get("target") or {}
    if target.get("averageUtilization") is not None:
        v1_spec["targetCPUUtilizationPercentage"] = target["averageUtilization"]
    v1_status: Obj = {
        "currentReplicas": status.get("currentReplicas", 0),
        "desiredReplicas": status.get("desiredReplicas", 0),
    }
    for key in ("observedGeneration", "lastScaleTime"):
        if key in status:
            v1_status[key] = status[key]
    current = _cpu_utilization_metric(status.get("currentMetrics") or [])
    util = (((current or {}).get("resource") or {}).get("current") or {}).get("averageUtilization")
    if util is not None:
        v1_status["currentCPUUtilizationPercentage"] = util
    metadata = obj.get("metadata") or {}
    if status.get("conditions"):
        annotations = {
            **(metadata.get("annotations") or {}),
            CONDITIONS_ANNOTATION: dumps(status["conditions"]).decode(),
        }
        metadata = {**metadata, "annotations": annotations}
    return {
        "kind": "HorizontalPodAutoscaler",
        "apiVersion": "autoscaling/v1",
        "metadata": metadata,
        "spec": v1_spec,
        "status": v1_status,
    }


def hpa_v1_to_v2(obj: Obj, stored: Obj | None) -> Obj:
    """A v1 write as the stored v2 object; metrics other than CPU survive from ``stored``."""
    spec = obj.get("spec") or {}
    old_spec = (stored or {}).get("spec") or {}
    old_metrics = old_spec.get("metrics") or []
    old_cpu = _cpu_utilization_metric(old_metrics)
    metrics = [m for m in old_metrics if m is not old_cpu]
    if spec.get("targetCPUUtilizationPercentage") is not None:
        metrics.insert(
            0,
            {
                "type": "Resource",
                "resource": {
                    "name": "cpu",
                    "target": {
                        "type": "Utilization",
                        "averageUtilization": spec["targetCPUUtilizationPercentage"],
                    },
                },
            },
        )
    v2_spec: Obj = {
        "scaleTargetRef": spec.get("scaleTargetRef") or {},
        "maxReplicas": spec.get("maxReplicas", 0),
    }
    if spec.get("minReplicas") is not None:
        v2_spec["minReplicas"] = spec["minReplicas"]
    if metrics:
        v2_spec["metrics"] = metrics
    if old_spec.get("behavior"):
        v2_spec["behavior"] = old_spec["behavior"]
    metadata = obj.get("metadata") or {}
    annotations = metadata.get("annotations") or {}
    if CONDITIONS_ANNOTATION in annotations:
        # A v1 client echoing what a read gave it: status is the server's, not an annotation.
        rest = {k: v for k, v in annotations.items() if k != CONDITIONS_ANNOTATION}
        metadata = {k: v for k, v in metadata.items() if k != "annotations"}
        if rest:
            metadata["annotations"] = rest
    out: Obj = {
        "kind": "HorizontalPodAutoscaler",
        "apiVersion": "autoscaling/v2",
        "metadata": metadata,
        "spec": v2_spec,
    }
    if stored is not None and "status" in stored:
        out["status"] = stored["status"]
    return out


def to_scale(obj: Obj) -> Obj:
    """The autoscaling/v1 ``Scale`` of a Deployment, ReplicaSet or ReplicationController (whose
    selector is a plain label map: labels.SelectorFromSet)."""
    meta = obj.get("metadata") or {}
    spec = obj.get("spec") or {}
    if obj.get("kind") == "ReplicationController":
        selector = str(selector_from_set(spec.get("selector") or {}))
    else:
        selector = label_selector_string(spec.get("selector"))
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            k: meta[k]
            for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
            if k in meta
        },
        "spec": {"replicas": spec.get("replicas", 0)},
        "status": {
            "replicas": (obj.get("status") or {}).get("replicas", 0),
            "selector": selector,
        },
    }
