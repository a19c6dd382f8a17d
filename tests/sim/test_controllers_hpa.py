"""HPA arithmetic against the worked examples of the Kubernetes documentation
(concepts/workloads/autoscaling/horizontal-pod-autoscale), and the controller end to end."""

from __future__ import annotations

from kubectl_stack_sim.controllers import controllers_of
from kubectl_stack_sim.controllers.hpa import (
    Behaviour,
    PodSample,
    normalize,
    utilization_replicas,
    value_replicas,
)
from kubectl_stack_sim.controllers.images import ImageBehaviour
from kubectl_stack_sim.controllers.load import LoadCurve

from .conftest import START, MakeCluster, condition, deployment, events

NOW = START + 3600
DEFAULT_BEHAVIOR = {
    "scaleUp": {
        "stabilizationWindowSeconds": 0,
        "selectPolicy": "Max",
        "policies": [
            {"type": "Pods", "value": 4, "periodSeconds": 15},
            {"type": "Percent", "value": 100, "periodSeconds": 15},
        ],
    },
    "scaleDown": {
        "stabilizationWindowSeconds": 300,
        "selectPolicy": "Max",
        "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}],
    },
}


def pod(name: str, usage: int | None, request: int = 100, **kw: object) -> PodSample:
    # Started long ago and ready: past the CPU initialization period.
    return PodSample(name=name, usage=usage, request=request, start_time=START, **kw)  # type: ignore[arg-type]


def test_doubling_when_current_is_twice_the_target() -> None:
    # Docs: current 200m, desired 100m -> the number of replicas doubles.
    assert value_replicas(1, [pod("a", 200)], 100)[0] == 2
    assert utilization_replicas(1, [pod("a", 200)], 100, NOW)[:2] == (2, 200)


def test_halving_when_current_is_half_the_target() -> None:
    # Docs: current 50m, desired 100m -> the number of replicas halves.
    assert value_replicas(2, [pod("a", 50), pod("b", 50)], 100)[0] == 1


def test_no_change_within_tolerance() -> None:
    # Ratio 1.05 is within the 0.1 tolerance: skip scaling.
    assert value_replicas(4, [pod(str(i), 105) for i in range(4)], 100)[0] == 4
    assert utilization_replicas(4, [pod(str(i), 109) for i in range(4)], 100, NOW)[0] == 4
    assert utilization_replicas(4, [pod(str(i), 111) for i in range(4)], 100, NOW)[0] == 5


def test_missing_metrics_count_as_full_request_on_scale_down() -> None:
    # Docs: pods missing metrics are assumed to use 100% of the desired value on scale down,
    # which dampens it: 2 pods at 10% alone would ask for 1 pod; with the 2 missing ones at
    # 100% the average is 55%.
    pods = [pod("a", 10), pod("b", 10), pod("c", None), pod("d", None)]
    assert utilization_replicas(4, pods, 80, NOW)[0] == 3
    # Against a 50% target the dampened ratio crosses 1.0: the controller keeps 4.
    assert utilization_replicas(4, pods, 50, NOW)[0] == 4


def test_missing_metrics_count_as_zero_on_scale_up() -> None:
    # 2 pods at 200% of request want 4 pods; 2 missing pods counted at 0 make it 4 of 4.
    pods = [pod("a", 200), pod("b", 200), pod("c", None), pod("d", None)]
    assert utilization_replicas(4, pods, 100, NOW)[0] == 4
    pods = [pod("a", 300), pod("b", 300), pod("c", None), pod("d", None)]
    assert utilization_replicas(4, pods, 100, NOW)[0] == 6


def test_unready_pods_count_as_zero_when_scaling_up() -> None:
    young = START + 3600 - 60  # started a minute ago: within the CPU initialization period
    unready = PodSample(name="u", usage=500, request=100, start_time=young, ready=False)
    # Ready pod at 200% alone would ask for 2; the unready pod's usage is ignored (0).
    assert utilization_replicas(2, [pod("a", 200), unready], 100, NOW)[0] == 2


def test_pending_and_deleting_pods_are_ignored() -> None:
    pods = [pod("a", 200), pod("p", None, phase="Pending"), pod("d", 900, deleting=True)]
    assert utilization_replicas(3, pods, 100, NOW)[0] == 2


def test_stabilization_keeps_the_highest_recommendation_for_five_minutes() -> None:
    state = Behaviour()
    desired, able, _ = normalize(state, DEFAULT_BEHAVIOR, 5, 5, 1, 10, NOW)
    assert desired == 5 and able[0] == "ReadyForNewScale"
    desired, able, _ = normalize(state, DEFAULT_BEHAVIOR, 5, 2, 1, 10, NOW + 60)
    assert desired == 5
    assert able == (
        "ScaleDownStabilized",
        "recent recommendations were higher than current one, applying the highest recent "
        "recommendation",
    )
    desired, _, _ = normalize(state, DEFAULT_BEHAVIOR, 5, 2, 1, 10, NOW + 301)
    assert desired == 2


def test_scale_up_limited_to_four_pods_or_double_per_period() -> None:
    desired, _, limited = normalize(Behaviour(), DEFAULT_BEHAVIOR, 1, 10, 1, 20, NOW)
    assert desired == 5  # max(1 + 4 pods, 1 * 200%)
    assert limited == (
        "True",
        "ScaleUpLimit",
        "the desired replica count is increasing faster than the maximum scale rate",
    )
    desired, _, _ = normalize(Behaviour(), DEFAULT_BEHAVIOR, 10, 30, 1, 40, NOW)
    assert desired == 20  # max(10 + 4, 10 * 200%)


def test_min_and_max_clamp() -> None:
    desired, _, limited = normalize(Behaviour(), DEFAULT_BEHAVIOR, 4, 9, 1, 6, NOW)
    assert desired == 6
    assert limited[1:] == (
        "TooManyReplicas",
        "the desired replica count is more than the maximum replica count",
    )
    state = Behaviour(recommendations=[(NOW - 600, 1)])
    desired, _, limited = normalize(state, DEFAULT_BEHAVIOR, 3, 1, 2, 6, NOW)
    assert desired == 2
    assert limited[1:] == (
        "TooFewReplicas",
        "the desired replica count is less than the minimum replica count",
    )


def hpa(name: str = "web", minimum: int = 1, maximum: int = 10) -> dict:
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
            "minReplicas": minimum,
            "maxReplicas": maximum,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {
                        "name": "cpu",
                        "target": {"type": "Utilization", "averageUtilization": 50},
                    },
                }
            ],
        },
    }


def test_hpa_scales_out_under_load_and_reports_why(make_cluster: MakeCluster) -> None:
    cluster = make_cluster(
        objects=[deployment(replicas=1), hpa()],
        images={"web:1": ImageBehaviour(pull_seconds=1, cpu_base=0, cpu_per_load=100)},
    )
    # 190m (±5% metric jitter) over a 100m request at a 50% target: 3.6..4.0 -> 4 replicas,
    # away from a rounding boundary so the outcome does not hang on the jitter.
    controllers_of(cluster).ctx.load["web"] = LoadCurve([(0.0, 1.9)])
    cluster.advance(400)
    d = cluster.store.require("deployments.apps", "default", "web")
    assert d["spec"]["replicas"] == 4
    status = cluster.store.require("horizontalpodautoscalers.autoscaling", "default", "web")[
        "status"
    ]
    assert status["desiredReplicas"] == 4 and status["currentReplicas"] == 4
    assert status["lastScaleTime"]
    current = status["currentMetrics"][0]["resource"]["current"]
    assert 45 <= current["averageUtilization"] <= 55
    assert condition({"status": status}, "ScalingActive")["reason"] == "ValidMetricFound"
    messages = [e["message"] for e in events(cluster, "SuccessfulRescale")]
    assert messages[0].startswith("New size: ")
    assert messages[0].endswith(
        "; reason: cpu resource utilization (percentage of request) above target"
    )


def test_hpa_without_target_reports_failed_get_scale(make_cluster: MakeCluster) -> None:
    cluster = make_cluster(objects=[hpa("ghost")])
    cluster.advance(1)
    status = cluster.store.require("horizontalpodautoscalers.autoscaling", "default", "ghost")[
        "status"
    ]
    able = condition({"status": status}, "AbleToScale")
    assert (able["status"], able["reason"]) == ("False", "FailedGetScale")
    assert able["message"].endswith('deployments.apps "ghost" not found')
