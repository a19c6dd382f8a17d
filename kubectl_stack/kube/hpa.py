"""HorizontalPodAutoscalers read at autoscaling/v1 (servers without v2), seen in the v2 shape
the model reads: the CPU utilization target and current value as metrics, and the conditions
the API server keeps in an annotation at v1."""

from __future__ import annotations

from typing import Any

from .. import jsonutil

Obj = dict[str, Any]
CONDITIONS_ANNOTATION = "autoscaling.alpha.kubernetes.io/conditions"
# Annotations through which v1 carries v2-only fields; none of them is user metadata.
_V2_ANNOTATIONS = frozenset(
    {
        CONDITIONS_ANNOTATION,
        "autoscaling.alpha.kubernetes.io/metrics",
        "autoscaling.alpha.kubernetes.io/current-metrics",
        "autoscaling.alpha.kubernetes.io/behavior",
    }
)


def _dict(value: Any) -> Obj:
    return value if isinstance(value, dict) else {}


def _cpu(name: str, value: Any) -> Obj:
    return {"type": "Resource", "resource": {"name": "cpu", name: value}}


def v1_as_v2(obj: Obj) -> Obj:
    """The autoscaling/v2 form of an autoscaling/v1 HPA; malformed parts are left out."""
    spec, status, metadata = (
        _dict(obj.get("spec")),
        _dict(obj.get("status")),
        _dict(obj.get("metadata")),
    )
    annotations = _dict(metadata.get("annotations"))
    v2_spec = {k: v for k, v in spec.items() if k != "targetCPUUtilizationPercentage"}
    target = spec.get("targetCPUUtilizationPercentage")
    if isinstance(target, int):
        v2_spec["metrics"] = [_cpu("target", {"type": "Utilization", "averageUtilization": target})]
    v2_status = {k: v for k, v in status.items() if k != "currentCPUUtilizationPercentage"}
    current = status.get("currentCPUUtilizationPercentage")
    if isinstance(current, int):
        v2_status["currentMetrics"] = [_cpu("current", {"averageUtilization": current})]
    try:
        conditions = jsonutil.loads(annotations.get(CONDITIONS_ANNOTATION) or "[]")
    except ValueError:
        conditions = []
    if isinstance(conditions, list) and conditions:
        v2_status["conditions"] = [c for c in conditions if isinstance(c, dict)]
    kept = {k: v for k, v in annotations.items() if k not in _V2_ANNOTATIONS}
    v2_meta = {k: v for k, v in metadata.items() if k != "annotations"}
    if kept:
        v2_meta["annotations"] = kept
    return {
        **obj,
        "apiVersion": "autoscaling/v2",
        "metadata": v2_meta,
        "spec": v2_spec,
        "status": v2_status,
    }
