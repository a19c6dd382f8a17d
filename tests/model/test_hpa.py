"""HPA TARGETS strings (ported from printers_test.go TestPrintHPA) and the explanation."""

from __future__ import annotations

import tracemalloc
from typing import Any

import pytest

from kubectl_stack.model.hpa import HpaHistory, condition_health, hpa_view, sparkline
from kubectl_stack.model.pods import FAILING, HEALTHY, WARNING

from .factories import NOW, stamp

SELECTOR = {"matchLabels": {"label": "value"}}


def hpa(
    metrics: list[dict[str, Any]] | None = None,
    current: list[dict[str, Any]] | None = None,
    min_replicas: int | None = 2,
    **status: Any,
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "scaleTargetRef": {"kind": "ReplicationController", "name": "some-rc"},
        "maxReplicas": 10,
    }
    if min_replicas is not None:
        spec["minReplicas"] = min_replicas
    if metrics is not None:
        spec["metrics"] = metrics
    st: dict[str, Any] = {"currentReplicas": 4, "desiredReplicas": 5, **status}
    if current is not None:
        st["currentMetrics"] = current
    return {"metadata": {"name": "some-hpa"}, "spec": spec, "status": st}


def ext(target: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "External",
        "external": {
            "metric": {"name": "some-external-metric", "selector": SELECTOR},
            "target": target,
        },
    }


def ext_cur(current: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "External",
        "external": {"metric": {"name": "some-external-metric"}, "current": current},
    }


def pods(target: str) -> dict[str, Any]:
    return {
        "type": "Pods",
        "pods": {
            "metric": {"name": "some-pods-metric"},
            "target": {"type": "AverageValue", "averageValue": target},
        },
    }


def pods_cur(value: str) -> dict[str, Any]:
    return {
        "type": "Pods",
        "pods": {"metric": {"name": "some-pods-metric"}, "current": {"averageValue": value}},
    }


def obj(target: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "Object",
        "object": {
            "describedObject": {"kind": "Service", "name": "some-service"},
            "metric": {"name": "some-service-metric"},
            "target": target,
        },
    }


def obj_cur(current: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "Object",
        "object": {
            "describedObject": {"kind": "Service", "name": "some-service"},
            "metric": {"name": "some-service-metric"},
            "current": current,
        },
    }


def res(target: dict[str, Any], kind: str = "Resource") -> dict[str, Any]:
    key = "resource" if kind == "Resource" else "containerResource"
    body: dict[str, Any] = {"name": "cpu", "target": target}
    if kind != "Resource":
        body["container"] = "application"
    return {"type": kind, key: body}


def res_cur(current: dict[str, Any], kind: str = "Resource") -> dict[str, Any]:
    key = "resource" if kind == "Resource" else "containerResource"
    return {"type": kind, key: {"name": "cpu", "current": current}}


AVG_100M = {"type": "AverageValue", "averageValue": "100m"}
VAL_100M = {"type": "Value", "value": "100m"}
UTIL_80 = {"type": "Utilization", "averageUtilization": 80}

CASES = [
    (hpa(min_replicas=None), "<none>", "<unset>"),
    (hpa([ext(AVG_100M)]), "<unknown>/100m (avg)", "2"),
    (hpa([ext(AVG_100M)], [ext_cur({"averageValue": "50m"})]), "50m/100m (avg)", "2"),
    (hpa([ext(VAL_100M)]), "<unknown>/100m", "2"),
    (hpa([ext(VAL_100M)], [ext_cur({"value": "50m"})]), "50m/100m", "2"),
    (hpa([pods("100m")]), "<unknown>/100m", "2"),
    (hpa([pods("100m")], [pods_cur("50m")]), "50m/100m", "2"),
    (hpa([obj(VAL_100M)]), "<unknown>/100m", "2"),
    (hpa([obj(VAL_100M)], [obj_cur({"value": "50m"})]), "50m/100m", "2"),
    (hpa([obj(AVG_100M)], [obj_cur({"averageValue": "50m"})]), "50m/100m (avg)", "2"),
    (hpa([res(AVG_100M)]), "cpu: <unknown>/100m", "2"),
    (hpa([res(AVG_100M)], [res_cur({"averageValue": "50m"})]), "cpu: 50m/100m", "2"),
    (hpa([res(UTIL_80)]), "cpu: <unknown>/80%", "2"),
    (
        hpa([res(UTIL_80)], [res_cur({"averageUtilization": 50, "averageValue": "10"})]),
        "cpu: 50%/80%",
        "2",
    ),
    (
        hpa(
            [res(UTIL_80, "ContainerResource")],
            [res_cur({"averageUtilization": 50}, "ContainerResource")],
        ),
        "cpu: 50%/80%",
        "2",
    ),
    (hpa([res(AVG_100M, "ContainerResource")]), "cpu: <unknown>/100m", "2"),
    (
        hpa(
            [pods("100m"), res(UTIL_80), pods("100m")],
            [pods_cur("50m"), res_cur({"averageUtilization": 50})],
        ),
        "50m/100m, cpu: 50%/80% + 1 more...",
        "2",
    ),
]


@pytest.mark.parametrize(("obj_", "targets", "min_pods"), CASES, ids=[c[1] for c in CASES])
def test_targets_match_kubectl(obj_: dict[str, Any], targets: str, min_pods: str) -> None:
    view = hpa_view(obj_, NOW)
    assert (
        view.name,
        view.reference,
        view.targets,
        view.min_pods,
        view.max_pods,
        view.replicas,
        view.age,
    ) == ("some-hpa", "ReplicationController/some-rc", targets, min_pods, 10, 4, "<unknown>")


def _cpu_hpa(current_pct: int, current: int, desired: int, min_r: int = 2) -> dict[str, Any]:
    h = hpa(
        [res({"type": "Utilization", "averageUtilization": 70})],
        [res_cur({"averageUtilization": current_pct})],
        min_replicas=min_r,
        currentReplicas=current,
        desiredReplicas=desired,
    )
    h["spec"]["maxReplicas"] = 20
    h["status"]["conditions"] = [
        {
            "type": "AbleToScale",
            "status": "True",
            "reason": "ScaleDownStabilized",
            "message": "recent recommendations were higher than current one",
        },
        {"type": "ScalingActive", "status": "True", "reason": "ValidMetricFound"},
        {"type": "ScalingLimited", "status": "False", "reason": "DesiredWithinRange"},
    ]
    return h


def test_explanation_shows_formula_and_scale_down_hold() -> None:
    view = hpa_view(_cpu_hpa(45, 3, 3), NOW)
    assert view.targets == "cpu: 45%/70%"
    assert view.explanation == (
        "45% vs 70% target: 3 × 0.64 = 1.93 → 2 replicas, held at 3 by the scale-down window (300s)"
    )
    # ScalingLimited False/DesiredWithinRange is the healthy state: nothing is clamped.
    assert [(c.type, c.status, c.ok, c.reason) for c in view.conditions] == [
        ("AbleToScale", "True", True, "ScaleDownStabilized"),
        ("ScalingActive", "True", True, "ValidMetricFound"),
        ("ScalingLimited", "False", True, "DesiredWithinRange"),
    ]
    assert view.metrics_available


@pytest.mark.parametrize(
    ("ctype", "status", "reason", "health"),
    [
        ("ScalingLimited", "False", "DesiredWithinRange", HEALTHY),
        ("ScalingLimited", "True", "TooManyReplicas", WARNING),
        ("ScalingLimited", "True", "TooFewReplicas", WARNING),
        ("AbleToScale", "True", "ReadyForNewScale", HEALTHY),
        ("AbleToScale", "False", "FailedGetScale", FAILING),
        ("ScalingActive", "False", "FailedGetResourceMetric", FAILING),
        ("ScalingActive", "False", "ScalingDisabled", WARNING),
        ("ScalingActive", "Unknown", "", WARNING),
    ],
)
def test_condition_health_knows_which_status_is_healthy(
    ctype: str, status: str, reason: str, health: str
) -> None:
    assert condition_health(ctype, status, reason) == health


def test_explanation_clamps_to_min_and_respects_tolerance() -> None:
    assert hpa_view(_cpu_hpa(20, 3, 2, min_r=2), NOW).explanation == (
        "20% vs 70% target: 3 × 0.29 = 0.86 → 1 replica, clamped to min 2"
    )
    assert hpa_view(_cpu_hpa(74, 3, 3), NOW).explanation == (
        "74% vs 70% target: within 10% tolerance → 3 replicas"
    )


def test_explanation_scales_up() -> None:
    assert (
        hpa_view(_cpu_hpa(91, 2, 3), NOW).explanation
        == "91% vs 70% target: 2 × 1.3 = 2.6 → 3 replicas"
    )


def test_missing_metrics_are_reported() -> None:
    h = hpa([res(UTIL_80)])
    h["status"]["conditions"] = [
        {"type": "ScalingActive", "status": "False", "reason": "FailedGetResourceMetric"}
    ]
    view = hpa_view(h, NOW)
    assert not view.metrics_available
    assert view.explanation == "no metric values yet: replica count unchanged"


def test_history_is_bounded_and_feeds_sparklines() -> None:
    history = HpaHistory(capacity=4)
    for t, cpu in enumerate([10, 20, 30, 40, 80, 40]):
        history = history.add(NOW + t, cpu, 3)
    assert len(history.samples) == 4
    assert history.metric_values() == (30.0, 40.0, 80.0, 40.0)
    assert sparkline(history.metric_values()) == "▁▂█▂"
    assert sparkline([1, None, 1]) == "▁ ▁"
    assert sparkline(history.replica_values(), width=2) == "▁▁"
    assert history.add(NOW - 100, 5, 1) is history


def test_history_keeps_missing_metrics_and_the_newest_sample() -> None:
    history = HpaHistory(capacity=3)
    assert history.last_time is None and history.samples == ()
    history = history.add(NOW, None, 2).add(NOW + 5, 12.5, 3).add(NOW + 10, float("inf"), 4)
    assert history.metric_values() == (None, 12.5, None)
    assert history.replica_values() == (2.0, 3.0, 4.0)
    assert history.last_time == NOW + 10
    assert [(s.time, s.metric, s.replicas) for s in history.samples] == [
        (NOW, None, 2),
        (NOW + 5, 12.5, 3),
        (NOW + 10, None, 4),
    ]
    one = HpaHistory(capacity=1).add(NOW, 1, 1).add(NOW + 1, 2, 2)
    assert one.metric_values() == (2.0,) and one.replica_values() == (2.0,)


def test_a_full_history_of_every_autoscaler_stays_small() -> None:
    # The app keeps one history per autoscaler of the cluster (1,000 at 100,000 pods), and
    # they fill in 5 minutes: as sample objects they took 7.5 MiB, a soak's growth.
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        histories = [HpaHistory(60) for _ in range(1_000)]
        for t in range(90):
            histories = [h.add(NOW + 5 * t, t + i / 1000, 3) for i, h in enumerate(histories)]
        used = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert all(len(h.samples) == 60 for h in histories)
    assert used < 2 * 2**20, f"{used / 2**20:.1f} MiB for 1,000 histories of 60 samples"


def test_history_records_hpa_samples() -> None:
    h = _cpu_hpa(45, 3, 3)
    h["metadata"]["creationTimestamp"] = stamp(60)
    history = HpaHistory().add_hpa(h, NOW)
    assert history.samples[-1].metric == 45.0 and history.samples[-1].replicas == 3
