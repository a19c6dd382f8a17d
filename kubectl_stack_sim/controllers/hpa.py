"""The HorizontalPodAutoscaler controller (autoscaling/v2), ported in behaviour from
pkg/controller/podautoscaler: every 15 s per HPA, the replica calculator over pod resource
metrics (tolerance 0.1; pending, unready and missing pods handled as kube does), then the
behaviour: stabilization windows and scale-rate policies, min/max clamp; conditions
AbleToScale / ScalingActive / ScalingLimited with kube's reasons and messages, and
SuccessfulRescale events.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .. import admission
from ..clock import TimerHandle
from ..objects import get_condition, selector_matches
from ..quantity import format_millicores, millicores, parse
from ..store import Event, Obj, clone
from ..timefmt import parse_timestamp
from .base import Key, status_of

if TYPE_CHECKING:
    from . import Context

SYNC_PERIOD = 15.0
TOLERANCE = 0.1
CPU_INITIALIZATION_PERIOD = 300.0
INITIAL_READINESS_DELAY = 30.0
_COMPONENT = "horizontal-pod-autoscaler"


class MetricError(Exception):
    """A metric could not be computed; the message is kube's."""

    def __init__(self, reason: str, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.reason = reason
        # The longer form the controller's FailedComputeMetricsReplicas event carries.
        self.detail = detail or message


@dataclass
class PodSample:
    """What the replica calculator knows of one pod."""

    name: str
    phase: str = "Running"
    deleting: bool = False
    ready: bool = True
    ready_transition: float = 0.0
    start_time: float | None = 0.0
    request: int = 0  # summed container requests (millicores, or bytes for memory)
    usage: int | None = None  # None: no metric
    metric_time: float = 0.0
    metric_window: float = 15.0


def utilization_replicas(
    current: int,
    pods: list[PodSample],
    target_utilization: int,
    now: float,
    *,
    cpu: bool = True,
    tolerance: float = TOLERANCE,
) -> tuple[int, int, int]:
    """(proposed replicas, current utilization %, average raw usage) as
    ReplicaCalculator.GetResourceReplicas computes them. Raises :class:`MetricError`."""
    if not pods:
        raise MetricError(
            "FailedGetResourceMetric",
            "no pods returned by selector while calculating replica count",
        )
    ready_count = 0
    unready: list[PodSample] = []
    missing: list[PodSample] = []
    metrics: dict[str, int] = {}
    requests: dict[str, int] = {p.name: p.request for p in pods}
    for p in pods:
        if p.deleting or p.phase == "Failed" or p.phase == "Pending":
            continue
        if p.usage is None:
            missing.append(p)
            continue
        if cpu:
            if p.start_time is None:
                is_unready = True
            elif p.start_time + CPU_INITIALIZATION_PERIOD > now:
                is_unready = (not p.ready) or p.metric_time < p.ready_transition + p.metric_window
            else:
                is_unready = (not p.ready) and (
                    p.start_time + INITIAL_READINESS_DELAY > p.ready_transition
                )
            if is_unready:
                unready.append(p)
                continue
        ready_count += 1
        metrics[p.name] = p.usage
    if not metrics:
        raise MetricError(
            "FailedGetResourceMetric",
            "did not receive metrics for targeted pods (pods might be unready)",
        )
    ratio, utilization, raw = _utilization_ratio(metrics, requests, target_utilization)
    scale_up_with_unready = bool(unready) and ratio > 1.0
    if not scale_up_with_unready and not missing:
        if abs(1.0 - ratio) <= tolerance:
            return current, utilization, raw
        return math.ceil(ratio * ready_count), utilization, raw
    if missing:
        for p in missing:
            if ratio < 1.0:
                fallback = max(100, target_utilization)
                metrics[p.name] = requests[p.name] * fallback // 100
            elif ratio > 1.0:
                metrics[p.name] = 0
    if scale_up_with_unready:
        for p in unready:
            metrics[p.name] = 0
    new_ratio, _, _ = _utilization_ratio(metrics, requests, target_utilization)
    if (
        abs(1.0 - new_ratio) <= tolerance
        or (ratio < 1.0 and new_ratio > 1.0)
        or (ratio > 1.0 and new_ratio < 1.0)
    ):
        return current, utilization, raw
    proposal = math.ceil(new_ratio * len(metrics))
    if (new_ratio < 1.0 and proposal > current) or (new_ratio > 1.0 and proposal < current):
        return current, utilization, raw
    return proposal, utilization, raw


def _utilization_ratio(
    metrics: dict[str, int], requests: dict[str, int], target: int
) -> tuple[float, int, int]:
    total = 0
    requested = 0
    for name, usage in metrics.items():
        request = requests.get(name, 0)
        if request <= 0:
            continue
        total += usage
        requested += request
    if requested == 0:
        raise MetricError("FailedGetResourceMetric", "no metrics returned matched known pods")
    utilization = (total * 100) // requested
    return utilization / target, utilization, total // len(metrics)


def value_replicas(
    current: int, pods: list[PodSample], target_value: int, *, tolerance: float = TOLERANCE
) -> tuple[int, int]:
    """(proposed replicas, average usage) for an AverageValue target (GetRawResourceReplicas,
    the same grouping without CPU readiness rules)."""
    samples = [p for p in pods if not p.deleting and p.phase not in ("Failed", "Pending")]
    metrics = {p.name: p.usage for p in samples if p.usage is not None}
    missing = [p for p in samples if p.usage is None]
    if not metrics:
        raise MetricError(
            "FailedGetResourceMetric",
            "did not receive metrics for targeted pods (pods might be unready)",
        )
    total = sum(v for v in metrics.values() if v is not None)
    ratio = total / (target_value * len(metrics))
    avg = total // len(metrics)
    if not missing:
        if abs(1.0 - ratio) <= tolerance:
            return current, avg
        return math.ceil(total / target_value), avg
    filled = dict(metrics)
    for p in missing:
        filled[p.name] = target_value if ratio < 1.0 else 0
    new_total = sum(v for v in filled.values() if v is not None)
    new_ratio = new_total / (target_value * len(filled))
    if abs(1.0 - new_ratio) <= tolerance or (ratio < 1.0) != (new_ratio < 1.0):
        return current, avg
    proposal = math.ceil(new_ratio * len(filled))
    if (new_ratio < 1.0 and proposal > current) or (new_ratio > 1.0 and proposal < current):
        return current, avg
    return proposal, avg


@dataclass
class Behaviour:
    """One HPA's scaling state between syncs (the controller's in-memory maps)."""

    recommendations: list[tuple[float, int]] = field(default_factory=list)
    scale_up_events: list[tuple[float, int]] = field(default_factory=list)
    scale_down_events: list[tuple[float, int]] = field(default_factory=list)


def _change_in_period(events: list[tuple[float, int]], period: float, now: float) -> int:
    return sum(change for t, change in events if t > now - period)


def scale_up_limit(current: int, events: list[tuple[float, int]], rules: Obj, now: float) -> int:
    policy = rules.get("selectPolicy", "Max")
    if policy == "Disabled":
        return current
    pick = min if policy == "Min" else max
    result: int | None = None
    for p in rules.get("policies") or []:
        start = current - _change_in_period(events, float(p.get("periodSeconds", 15)), now)
        if p.get("type") == "Pods":
            proposed = start + int(p.get("value", 0))
        else:
            proposed = math.ceil(start * (1 + float(p.get("value", 0)) / 100))
        result = proposed if result is None else pick(result, proposed)
    return current if result is None else result


def scale_down_limit(current: int, events: list[tuple[float, int]], rules: Obj, now: float) -> int:
    policy = rules.get("selectPolicy", "Max")
    if policy == "Disabled":
        return current
    # "Max" picks the policy allowing the biggest change, i.e. the lowest count.
    pick = max if policy == "Min" else min
    result: int | None = None
    for p in rules.get("policies") or []:
        start = current + _change_in_period(events, float(p.get("periodSeconds", 15)), now)
        if p.get("type") == "Pods":
            proposed = start - int(p.get("value", 0))
        else:
            proposed = int(start * (1 - float(p.get("value", 0)) / 100))
        result = proposed if result is None else pick(result, proposed)
    return current if result is None else result


def normalize(
    state: Behaviour,
    behavior: Obj,
    current: int,
    proposal: int,
    min_replicas: int,
    max_replicas: int,
    now: float,
) -> tuple[int, tuple[str, str], tuple[str, str, str]]:
    """normalizeDesiredReplicasWithBehaviors: (desired, AbleToScale reason/message,
    ScalingLimited status/reason/message)."""
    up = behavior.get("scaleUp") or {}
    down = behavior.get("scaleDown") or {}
    up_cutoff = now - float(up.get("stabilizationWindowSeconds", 0) or 0)
    down_window = down.get("stabilizationWindowSeconds")
    down_cutoff = now - float(300 if down_window is None else down_window)
    up_rec = proposal
    down_rec = proposal
    old_index = None
    for i, (t, rec) in enumerate(state.recommendations):
        if t > up_cutoff:
            up_rec = min(rec, up_rec)
        if t > down_cutoff:
            down_rec = max(rec, down_rec)
        if t < up_cutoff and t < down_cutoff:
            old_index = i
    stabilized = max(current, up_rec)
    stabilized = min(stabilized, down_rec)
    if old_index is not None:
        state.recommendations[old_index] = (now, proposal)
    else:
        state.recommendations.append((now, proposal))
    if stabilized != proposal:
        able = (
            "ScaleDownStabilized",
            "recent recommendations were higher than current one, applying the highest "
            "recent recommendation",
        )
    else:
        able = ("ReadyForNewScale", "recommended size matches current size")
    desired = stabilized
    reason, message = "DesiredWithinRange", "the desired count is within the acceptable range"
    if stabilized > current:
        limit = max(scale_up_limit(current, state.scale_up_events, up, now), current)
        allowed = max_replicas
        if allowed > limit:
            allowed = limit
            limited = (
                "ScaleUpLimit",
                "the desired replica count is increasing faster than the maximum scale rate",
            )
        else:
            limited = (
                "TooManyReplicas",
                "the desired replica count is more than the maximum replica count",
            )
        if stabilized > allowed:
            desired = allowed
            reason, message = limited
    elif stabilized < current:
        limit = min(scale_down_limit(current, state.scale_down_events, down, now), current)
        allowed = min_replicas
        if allowed < limit:
            allowed = limit
            limited = (
                "ScaleDownLimit",
                "the desired replica count is decreasing faster than the maximum scale rate",
            )
        else:
            limited = (
                "TooFewReplicas",
                "the desired replica count is less than the minimum replica count",
            )
        if stabilized < allowed:
            desired = allowed
            reason, message = limited
    limited_status = "False" if desired == stabilized else "True"
    return desired, able, (limited_status, reason, message)


def record_scale(state: Behaviour, previous: int, new: int, now: float) -> None:
    if new > previous:
        state.scale_up_events.append((now, new - previous))
    elif new < previous:
        state.scale_down_events.append((now, previous - new))
    # Policies look back at most 30 minutes (the API's maximum periodSeconds).
    state.scale_up_events = [e for e in state.scale_up_events if e[0] > now - 1800]
    state.scale_down_events = [e for e in state.scale_down_events if e[0] > now - 1800]


class HPAController:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.cluster = ctx.cluster
        self._state: dict[str, Behaviour] = {}
        self._timers: dict[str, TimerHandle] = {}

    def start(self) -> None:
        for hpa in self.cluster.store.iter("horizontalpodautoscalers.autoscaling"):
            self._watch(hpa, 0)
        self.cluster.store.add_listener("horizontalpodautoscalers.autoscaling", self._on_hpa)

    def _on_hpa(self, event: Event) -> None:
        uid = event.obj["metadata"].get("uid", "")
        if event.type == "DELETED":
            timer = self._timers.pop(uid, None)
            if timer is not None:
                timer.cancel()
            self._state.pop(uid, None)
        elif event.type == "ADDED":
            self._watch(event.obj, 0)

    def _watch(self, hpa: Obj, delay: float) -> None:
        meta = hpa["metadata"]
        key = (meta.get("namespace", ""), meta["name"])
        uid = meta.get("uid", "")

        def tick() -> None:
            current = self.cluster.store.get("horizontalpodautoscalers.autoscaling", *key)
            if current is None or current["metadata"].get("uid") != uid:
                return
            self.sync(key)
            self._timers[uid] = self.cluster.clock.call_later(SYNC_PERIOD, tick)

        self._timers[uid] = self.cluster.clock.call_later(delay, tick)

    # -- one reconcile -----------------------------------------------------------------------
    def sync(self, key: Key) -> None:
        store = self.cluster.store
        hpa = store.get("horizontalpodautoscalers.autoscaling", *key)
        if hpa is None:
            return
        now = self.cluster.clock.now()
        spec = hpa.get("spec") or {}
        state = self._state.setdefault(hpa["metadata"].get("uid", ""), Behaviour())
        status: Obj = clone(status_of(hpa))
        status.setdefault("conditions", [])
        ref = spec.get("scaleTargetRef") or {}
        target_gr = {"Deployment": "deployments.apps", "ReplicaSet": "replicasets.apps"}.get(
            str(ref.get("kind")), ""
        )
        target = store.get(target_gr, key[0], str(ref.get("name", ""))) if target_gr else None
        if target is None:
            kind = target_gr or f"{str(ref.get('kind', '')).lower()}s"
            message = (
                "the HPA controller was unable to get the target's current scale: "
                f'{kind} "{ref.get("name", "")}" not found'
            )
            self._condition(status, "AbleToScale", "False", "FailedGetScale", message)
            self._event(hpa, "Warning", "FailedGetScale", message.split(": ", 1)[1])
            self._write(key, hpa, status)
            return
        self._condition(
            status,
            "AbleToScale",
            "True",
            "SucceededGetScale",
            "the HPA controller was able to get the target's current scale",
        )
        current = int((target.get("spec") or {}).get("replicas", 1))
        if not state.recommendations:
            state.recommendations.append((now, current))
        min_r = int(spec.get("minReplicas", 1))
        max_r = int(spec.get("maxReplicas", 1))
        rescale_reason = ""
        metric_statuses: list[Obj] = []
        if current == 0 and min_r != 0:
            desired = 0
            self._condition(
                status,
                "ScalingActive",
                "False",
                "ScalingDisabled",
                "scaling is disabled since the replica count of the target is zero",
            )
        elif current > max_r:
            rescale_reason = "Current number of replicas above Spec.MaxReplicas"
            desired = max_r
        elif current < min_r:
            rescale_reason = "Current number of replicas below Spec.MinReplicas"
            desired = min_r
        else:
            try:
                proposal, metric_name, metric_statuses = self._compute(hpa, target, current, now)
            except MetricError as exc:
                message = f"the HPA was unable to compute the replica count: {exc}"
                self._condition(status, "ScalingActive", "False", exc.reason, message)
                self._event(hpa, "Warning", exc.reason, str(exc))
                self._event(
                    hpa,
                    "Warning",
                    "FailedComputeMetricsReplicas",
                    f"invalid metrics (1 invalid out of 1), first error is: {exc.detail}",
                )
                status["currentReplicas"] = current
                status["desiredReplicas"] = current
                status.pop("currentMetrics", None)
                self._write(key, hpa, status)
                return
            self._condition(
                status,
                "ScalingActive",
                "True",
                "ValidMetricFound",
                f"the HPA was able to successfully calculate a replica count from {metric_name}",
            )
            desired, able, limited = normalize(
                state, spec.get("behavior") or {}, current, proposal, min_r, max_r, now
            )
            self._condition(status, "AbleToScale", "True", *able)
            self._condition(status, "ScalingLimited", *limited)
            if desired > current:
                rescale_reason = f"{metric_name} above target"
            elif desired < current:
                rescale_reason = "All metrics below target"
        if desired != current:
            self._scale_target(target_gr, target, desired)
            record_scale(state, current, desired, now)
            self._condition(
                status,
                "AbleToScale",
                "True",
                "SucceededRescale",
                f"the HPA controller was able to update the target scale to {desired}",
            )
            self._event(
                hpa, "Normal", "SuccessfulRescale", f"New size: {desired}; reason: {rescale_reason}"
            )
            status["lastScaleTime"] = self.cluster.clock.timestamp(now)
        # As the controller reports it: the target's scale before this sync's rescale.
        status["currentReplicas"] = current
        status["desiredReplicas"] = desired
        if metric_statuses:
            status["currentMetrics"] = metric_statuses
        self._write(key, hpa, status)

    def _pods(self, target: Obj, resource: str) -> list[PodSample]:
        store = self.cluster.store
        ns = target["metadata"].get("namespace", "")
        selector = (target.get("spec") or {}).get("selector") or {}
        samples = []
        for name in self._candidate_pods(target):
            pod = store.get("pods", ns, name)
            if pod is None or not selector_matches(selector, pod["metadata"].get("labels") or {}):
                continue
            status = status_of(pod)
            ready = get_condition(status, "Ready")
            request = 0
            for c in (pod.get("spec") or {}).get("containers") or []:
                value = ((c.get("resources") or {}).get("requests") or {}).get(resource)
                if value is None:
                    raise MetricError(
                        "FailedGetResourceMetric",
                        f"missing request for {resource} in container {c.get('name')} "
                        f"of Pod {name}",
                    )
                request += millicores(value) if resource == "cpu" else int(parse(value))
            metrics = store.get("pods.metrics.k8s.io", ns, name)
            usage = None
            metric_time = 0.0
            if metrics is not None:
                usage = 0
                for c in metrics.get("containers") or []:
                    raw = (c.get("usage") or {}).get(resource, "0")
                    usage += millicores(raw) if resource == "cpu" else int(parse(raw))
                metric_time = parse_timestamp(metrics.get("timestamp")) or 0.0
            samples.append(
                PodSample(
                    name=name,
                    phase=str(status.get("phase", "Pending")),
                    deleting=bool(pod["metadata"].get("deletionTimestamp")),
                    ready=ready is not None and ready.get("status") == "True",
                    ready_transition=parse_timestamp((ready or {}).get("lastTransitionTime"))
                    or 0.0,
                    start_time=parse_timestamp(status.get("startTime")),
                    request=request,
                    usage=usage,
                    metric_time=metric_time,
                )
            )
        return samples

    def _candidate_pods(self, target: Obj) -> list[str]:
        """Names of the pods the target's selector may select: its (ReplicaSets') pods when
        it owns any, else the whole namespace."""
        uid = target["metadata"].get("uid", "")
        owners = [uid]
        if target.get("kind") == "Deployment":
            owners = [
                rs["metadata"]["uid"]
                for key in self.ctx.rs_by_owner.dependents(uid)
                if (rs := self.cluster.store.get("replicasets.apps", *key)) is not None
            ]
        names = [k[1] for owner in owners for k in self.ctx.pods_by_owner.dependents(owner)]
        return names or self.ctx.pods_by_ns.names(target["metadata"].get("namespace", ""))

    def _compute(
        self, hpa: Obj, target: Obj, current: int, now: float
    ) -> tuple[int, str, list[Obj]]:
        best = -1
        best_name = ""
        statuses: list[Obj] = []
        for metric in (hpa.get("spec") or {}).get("metrics") or []:
            if metric.get("type") != "Resource":
                raise MetricError(
                    "FailedGetExternalMetric"
                    if metric.get("type") == "External"
                    else "FailedGetPodsMetric",
                    f"unable to get metric {metric.get('type')}: no custom metrics API",
                )
            resource = str((metric.get("resource") or {}).get("name", "cpu"))
            tgt = (metric.get("resource") or {}).get("target") or {}
            try:
                pods = self._pods(target, resource)
                if pods and all(p.usage is None for p in pods):
                    raise MetricError(
                        "FailedGetResourceMetric",
                        f"unable to get metrics for resource {resource}: no metrics returned "
                        "from resource metrics API",
                    )
                if tgt.get("type", "Utilization") == "Utilization":
                    proposal, util, raw = utilization_replicas(
                        current,
                        pods,
                        int(tgt.get("averageUtilization", 80)),
                        now,
                        cpu=resource == "cpu",
                    )
                    name = f"{resource} resource utilization (percentage of request)"
                    cur: Obj = {"averageUtilization": util, "averageValue": _fmt(resource, raw)}
                else:
                    target_value = (
                        millicores(tgt.get("averageValue", "0"))
                        if resource == "cpu"
                        else int(parse(tgt.get("averageValue", "0")))
                    )
                    proposal, avg = value_replicas(current, pods, max(1, target_value))
                    name = f"{resource} resource"
                    cur = {"averageValue": _fmt(resource, avg)}
            except MetricError as exc:
                message = f"failed to get {resource} utilization: {exc}"
                raise MetricError(
                    exc.reason,
                    message,
                    f"failed to get {resource} resource metric value: {message}",
                ) from exc
            statuses.append({"type": "Resource", "resource": {"name": resource, "current": cur}})
            if proposal > best:
                best, best_name = proposal, name
        if best < 0:
            raise MetricError("InvalidMetricSourceType", "no metrics to scale on")
        return best, best_name, statuses

    def _scale_target(self, gr: str, target: Obj, replicas: int) -> None:
        """Write the target's scale subresource, as the API server would (generation bump)."""
        updated = clone(target)
        updated["spec"]["replicas"] = replicas
        admitted = admission.admit(self.cluster, gr, updated, target)
        self.cluster.store.update(gr, admitted)

    def _condition(self, status: Obj, ctype: str, value: str, reason: str, message: str) -> None:
        now = self.cluster.clock.timestamp()
        conditions: list[Obj] = status.setdefault("conditions", [])
        for cond in conditions:
            if cond.get("type") == ctype:
                if cond.get("status") != value:
                    cond["lastTransitionTime"] = now
                cond.update(status=value, reason=reason, message=message)
                return
        conditions.append(
            {
                "type": ctype,
                "status": value,
                "lastTransitionTime": now,
                "reason": reason,
                "message": message,
            }
        )

    def _event(self, hpa: Obj, etype: str, reason: str, message: str) -> None:
        self.ctx.recorder.record(hpa, etype, reason, message, _COMPONENT)

    def _write(self, key: Key, hpa: Obj, status: Obj) -> None:
        status["observedGeneration"] = hpa["metadata"].get("generation", 1)
        if status == status_of(hpa):
            return

        def write(obj: Obj) -> None:
            obj["status"] = status

        self.cluster.store.mutate("horizontalpodautoscalers.autoscaling", key[0], key[1], write)


def _fmt(resource: str, value: int) -> Any:
    return format_millicores(value) if resource == "cpu" else f"{value}"
