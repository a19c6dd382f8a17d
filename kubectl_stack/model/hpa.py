"""HorizontalPodAutoscalers (autoscaling/v2): `kubectl get hpa` columns, every metric type,
the conditions, a plain explanation of the desired replica count, and sparkline history.

TARGETS follows printers.go formatHPAMetrics (at most two metrics, then "+ N more...").
The explanation follows the controller (pkg/controller/podautoscaler): per metric
ratio = current / target; within the 0.1 tolerance the count stays, else
ceil(ratio × current replicas); the largest proposal wins; then min/max clamp; a lower proposal
than the current count is held by the scale-down stabilization window (300 s by default).
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kubectl_stack.model import fields as u
from kubectl_stack.model.duration import age, clock
from kubectl_stack.model.pods import FAILING, HEALTHY, WARNING

TOLERANCE = 0.1
DEFAULT_SCALE_DOWN_WINDOW = 300


@dataclass(frozen=True, kw_only=True)
class Metric:
    """One entry of spec.metrics with its matching status.currentMetrics entry."""

    type: str  # Resource / ContainerResource / Pods / Object / External
    name: str  # "cpu", "http_requests", ...
    target_type: str  # Utilization / AverageValue / Value
    current: str  # "45%", "50m", or "<unknown>"
    target: str  # "70%", "100m", "<auto>"
    text: str  # this metric's TARGETS cell part: "cpu: 45%/70%", "50m/100m (avg)"
    current_value: float | None  # a number for the formula (percent for Utilization)
    target_value: float | None


@dataclass(frozen=True)
class Condition:
    type: str  # AbleToScale / ScalingActive / ScalingLimited
    status: str  # "True" / "False" / "Unknown", as kubectl describe prints it
    reason: str
    message: str
    health: str  # pods.HEALTHY / WARNING / FAILING: see condition_health

    @property
    def ok(self) -> bool:
        """The condition is in its healthy state."""
        return self.health == HEALTHY


def condition_health(ctype: str, status: str, reason: str) -> str:
    """How an HPA condition is doing. AbleToScale and ScalingActive are healthy when True;
    ScalingLimited is healthy when False (DesiredWithinRange: the desired count needs no
    clamping) and a warning when True (the min/max or a scaling policy holds the count).
    Unknown is a warning; so is ScalingActive False/ScalingDisabled (the target is scaled to
    zero on purpose); any other False is failing (the HPA cannot scale or read metrics)."""
    if status == "Unknown" or status not in ("True", "False"):
        return WARNING
    if ctype == "ScalingLimited":
        return HEALTHY if status == "False" else WARNING
    if status == "True":
        return HEALTHY
    return WARNING if reason == "ScalingDisabled" else FAILING


@dataclass(frozen=True)
class Hpa:
    """One HPA as `kubectl get hpa` prints it plus what the Autoscaler panel explains."""

    name: str
    namespace: str
    reference: str  # REFERENCE "Deployment/my-app"
    target_kind: str
    target_name: str
    targets: str  # TARGETS, exactly kubectl's
    min_pods: str  # MINPODS ("<unset>")
    max_pods: int  # MAXPODS
    replicas: int  # REPLICAS (status.currentReplicas)
    age: str
    min_replicas: int  # effective minimum (1 when unset, the API default)
    current: int
    desired: int
    metrics: tuple[Metric, ...]
    conditions: tuple[Condition, ...]
    explanation: str  # "45% vs 70% target: 3 × 0.64 = 1.93 → 2 replicas, held at 3 by ..."
    metrics_available: bool  # ScalingActive is not False and some metric has a current value
    last_scale: float | None  # status.lastScaleTime (epoch seconds)


def _pct(value: Any) -> str:
    n = u.opt_i(value)
    return f"{n}%" if n is not None else "<unknown>"


def _metric(spec: Mapping[str, Any], status: Mapping[str, Any] | None) -> Metric:
    mtype = u.s(spec.get("type"))
    key = {
        "Resource": "resource",
        "ContainerResource": "containerResource",
        "Pods": "pods",
        "Object": "object",
        "External": "external",
    }.get(mtype)
    if key is None:
        return Metric(
            type=mtype,
            name="",
            target_type="",
            current="",
            target="",
            text="<unknown type>",
            current_value=None,
            target_value=None,
        )
    source = u.d(spec.get(key))
    target = u.d(source.get("target"))
    raw_st = status.get(key) if status is not None else None
    st = raw_st if isinstance(raw_st, Mapping) else None
    current = u.d(st.get("current")) if st is not None else u.EMPTY
    if mtype in ("Resource", "ContainerResource"):
        name = u.s(source.get("name"))
    else:
        name = u.s(u.path(source, "metric", "name"))
    avg_target = target.get("averageValue")
    if mtype in ("Resource", "ContainerResource"):
        if avg_target is not None:
            cur = _q(current.get("averageValue")) if st is not None else "<unknown>"
            tgt = _q(avg_target)
            return Metric(
                type=mtype,
                name=name,
                target_type="AverageValue",
                current=cur,
                target=tgt,
                text=f"{name}: {cur}/{tgt}",
                current_value=_float(current.get("averageValue")),
                target_value=_float(avg_target),
            )
        cur = _pct(current.get("averageUtilization")) if st is not None else "<unknown>"
        tgt_n = u.opt_i(target.get("averageUtilization"))
        tgt = f"{tgt_n}%" if tgt_n is not None else "<auto>"
        return Metric(
            type=mtype,
            name=name,
            target_type="Utilization",
            current=cur,
            target=tgt,
            text=f"{name}: {cur}/{tgt}",
            current_value=_float(current.get("averageUtilization")),
            target_value=float(tgt_n) if tgt_n is not None else None,
        )
    if mtype == "Pods":
        cur = _q(current.get("averageValue")) if st is not None else "<unknown>"
        tgt = _q(avg_target)
        return Metric(
            type=mtype,
            name=name,
            target_type="AverageValue",
            current=cur,
            target=tgt,
            text=f"{cur}/{tgt}",
            current_value=_float(current.get("averageValue")),
            target_value=_float(avg_target),
        )
    # Object and External: AverageValue targets print "(avg)".
    if avg_target is not None:
        cur = u.qty_text(current.get("averageValue")) if st is not None else ""
        cur = cur or "<unknown>"
        tgt = _q(avg_target)
        return Metric(
            type=mtype,
            name=name,
            target_type="AverageValue",
            current=cur,
            target=tgt,
            text=f"{cur}/{tgt} (avg)",
            current_value=_float(current.get("averageValue")),
            target_value=_float(avg_target),
        )
    cur = _q(current.get("value")) if st is not None else "<unknown>"
    tgt = _q(target.get("value"))
    return Metric(
        type=mtype,
        name=name,
        target_type="Value",
        current=cur,
        target=tgt,
        text=f"{cur}/{tgt}",
        current_value=_float(current.get("value")),
        target_value=_float(target.get("value")),
    )


def _q(value: Any) -> str:
    """Quantity.String() as kubectl calls it, including on a nil pointer ("<nil>")."""
    return u.qty_text(value) or "<nil>"


def _float(value: Any) -> float | None:
    q = u.quantity(value)
    if q is None:
        return None
    try:
        f = float(q)
    except (OverflowError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _metrics(hpa: Mapping[str, Any]) -> tuple[Metric, ...]:
    specs = u.dicts(u.path(hpa, "spec", "metrics"))
    statuses = u.lst(u.path(hpa, "status", "currentMetrics"))
    out = []
    for index, spec in enumerate(specs):
        status = statuses[index] if index < len(statuses) else None
        out.append(_metric(spec, status if isinstance(status, Mapping) else None))
    return tuple(out)


def targets_text(metrics: Sequence[Metric]) -> str:
    """formatHPAMetrics: "<none>", "cpu: 45%/70%", "a, b + 1 more..."."""
    if not metrics:
        return "<none>"
    shown = [m.text for m in metrics[:2]]
    text = ", ".join(shown)
    if len(metrics) > 2:
        return f"{text} + {len(metrics) - 2} more..."
    return text


def _fmt(x: float) -> str:
    text = f"{x:.2f}".rstrip("0").rstrip(".")
    return text or "0"


def _explain(
    metrics: Sequence[Metric],
    current: int,
    desired: int,
    min_r: int,
    max_r: int,
    scale_down_window: int,
) -> str:
    if current <= 0:
        return "scaling is disabled (0 replicas)" if current == 0 else ""
    proposals: list[tuple[int, str]] = []
    for m in metrics:
        if m.current_value is None or not m.target_value:
            continue
        ratio = m.current_value / m.target_value
        label = f"{m.name}: " if m.name and len(metrics) > 1 else ""
        head = f"{label}{m.current} vs {m.target} target"
        if abs(1.0 - ratio) <= TOLERANCE:
            proposals.append(
                (current, f"{head}: within {int(TOLERANCE * 100)}% tolerance → {current}")
            )
            continue
        raw = ratio * current
        proposal = math.ceil(raw)
        proposals.append(
            (proposal, f"{head}: {current} × {_fmt(ratio)} = {_fmt(raw)} → {proposal}")
        )
    if not proposals:
        return "no metric values yet: replica count unchanged"
    best, text = max(proposals, key=lambda p: p[0])
    clamped = min(max(best, min_r), max_r)
    notes = []
    if clamped != best:
        notes.append(f"clamped to {'min' if clamped > best else 'max'} {clamped}")
    if desired > clamped and clamped < current:
        notes.append(f"held at {desired} by the scale-down window ({scale_down_window}s)")
    elif desired != clamped:
        notes.append(f"controller chose {desired}")
    suffix = ", " + ", ".join(notes) if notes else ""
    noun = "replica" if best == 1 else "replicas"
    return f"{text} {noun}{suffix}"


def hpa_view(hpa: Any, now: float) -> Hpa:
    """One HPA dict (autoscaling/v2 shape; v1's targetCPUUtilizationPercentage is read too)."""
    h = u.d(hpa)
    spec = u.d(h.get("spec"))
    status = u.d(h.get("status"))
    ref = u.d(spec.get("scaleTargetRef"))
    metrics = _metrics(h)
    v1_target = u.opt_i(spec.get("targetCPUUtilizationPercentage"))
    if not metrics and v1_target is not None:
        cur = u.opt_i(status.get("currentCPUUtilizationPercentage"))
        cur_text = f"{cur}%" if cur is not None else "<unknown>"
        metrics = (
            Metric(
                type="Resource",
                name="cpu",
                target_type="Utilization",
                current=cur_text,
                target=f"{v1_target}%",
                text=f"cpu: {cur_text}/{v1_target}%",
                current_value=float(cur) if cur is not None else None,
                target_value=float(v1_target),
            ),
        )
    min_opt = u.opt_i(spec.get("minReplicas"))
    max_r = u.i(spec.get("maxReplicas"))
    current = u.i(status.get("currentReplicas"))
    desired = u.i(status.get("desiredReplicas"))
    conditions = tuple(
        Condition(
            type=u.s(c.get("type")),
            status=u.s(c.get("status")),
            reason=u.s(c.get("reason")),
            message=u.s(c.get("message")),
            health=condition_health(u.s(c.get("type")), u.s(c.get("status")), u.s(c.get("reason"))),
        )
        for c in u.dicts(status.get("conditions"))
    )
    window = u.opt_i(u.path(spec, "behavior", "scaleDown", "stabilizationWindowSeconds"))
    scaling_active = next((c for c in conditions if c.type == "ScalingActive"), None)
    metrics_available = any(m.current_value is not None for m in metrics) and (
        scaling_active is None or scaling_active.ok
    )
    return Hpa(
        name=u.name(h),
        namespace=u.namespace(h),
        reference=f"{u.s(ref.get('kind'))}/{u.s(ref.get('name'))}",
        target_kind=u.s(ref.get("kind")),
        target_name=u.s(ref.get("name")),
        targets=targets_text(metrics),
        min_pods=str(min_opt) if min_opt is not None else "<unset>",
        max_pods=max_r,
        replicas=current,
        age=age(u.meta(h).get("creationTimestamp"), now),
        min_replicas=min_opt if min_opt is not None else 1,
        current=current,
        desired=desired,
        metrics=metrics,
        conditions=conditions,
        explanation=_explain(
            metrics,
            current,
            desired,
            min_opt if min_opt is not None else 1,
            max_r if max_r > 0 else max(desired, current),
            window if window is not None else DEFAULT_SCALE_DOWN_WINDOW,
        ),
        metrics_available=metrics_available,
        last_scale=u.ts(status.get("lastScaleTime")),
    )


def scale_down_hold(hpa: Any, now: float) -> str:
    """Time left in the scale-down window since the last scale ("4m 12s left"), or ''."""
    h = hpa_view(hpa, now)
    if h.last_scale is None or h.desired <= 0:
        return ""
    window = u.opt_i(u.path(hpa, "spec", "behavior", "scaleDown", "stabilizationWindowSeconds"))
    left = h.last_scale + (window if window is not None else DEFAULT_SCALE_DOWN_WINDOW) - now
    return f"{clock(left)} left" if left > 0 else ""


@dataclass(frozen=True)
class Sample:
    time: float
    metric: float | None  # the first metric's current value (percent for utilization)
    replicas: int


_NO_METRIC = math.nan  # a sample without a metric value (the values kept are finite)


@dataclass(frozen=True, slots=True)
class HpaHistory:
    """A bounded, immutable ring of samples: `add` returns a new history keeping at most
    `capacity` of the newest samples. Samples older than the newest are ignored.

    The app keeps one per autoscaler of the cluster, sampled every few seconds: the samples
    are kept as one array of doubles (time, metric or NaN, replicas), 24 bytes a sample,
    not as objects (~130 bytes a sample: 7.5 MiB at 1,000 autoscalers of 60 samples,
    bench/README.md, "The 100,000-pod soak")."""

    capacity: int = 60
    points: array[float] = field(default_factory=lambda: array("d"), hash=False)

    @property
    def samples(self) -> tuple[Sample, ...]:
        p = self.points
        return tuple(
            Sample(p[i], None if math.isnan(p[i + 1]) else p[i + 1], int(p[i + 2]))
            for i in range(0, len(p), 3)
        )

    @property
    def last_time(self) -> float | None:
        """The newest sample's time (None: no sample yet)."""
        return self.points[-3] if self.points else None

    def add(self, time: float, metric: float | None, replicas: int) -> HpaHistory:
        if not isinstance(time, (int, float)) or isinstance(time, bool) or time != time:
            return self
        last = self.last_time
        if last is not None and time < last:
            return self
        m = (
            float(metric)
            if isinstance(metric, (int, float))
            and not isinstance(metric, bool)
            and math.isfinite(metric)
            else _NO_METRIC
        )
        r = replicas if isinstance(replicas, int) and not isinstance(replicas, bool) else 0
        cap = max(self.capacity, 1) if isinstance(self.capacity, int) else 60
        kept = self.points[max(0, len(self.points) - 3 * (cap - 1)) :] if cap > 1 else array("d")
        return HpaHistory(cap, kept + array("d", (float(time), m, float(r))))

    def add_hpa(self, hpa: Any, now: float) -> HpaHistory:
        """Record an HPA's first metric and current replicas at `now`."""
        view = hpa_view(hpa, now)
        metric = view.metrics[0].current_value if view.metrics else None
        return self.add(now, metric, view.current)

    def metric_values(self) -> tuple[float | None, ...]:
        p = self.points
        return tuple(None if math.isnan(p[i]) else p[i] for i in range(1, len(p), 3))

    def replica_values(self) -> tuple[float | None, ...]:
        return tuple(self.points[2::3])


BARS = "▁▂▃▄▅▆▇█"


def sparkline(
    values: Sequence[float | None],
    width: int | None = None,
    lo: float | None = None,
    hi: float | None = None,
) -> str:
    """▁▂▃▄▅▆▇█ for the last `width` values scaled between lo and hi (their min/max by
    default); a missing value is a space; a flat series is drawn at the bottom."""
    if not isinstance(values, Sequence):
        return ""
    vals: list[float | None] = []
    for v in values:
        if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v):
            vals.append(float(v))
        else:
            vals.append(None)
    if isinstance(width, int) and width >= 0:
        vals = vals[-width:] if width else []
    present = [v for v in vals if v is not None]
    if not present:
        return " " * len(vals)
    low = lo if isinstance(lo, (int, float)) and math.isfinite(lo) else min(present)
    high = hi if isinstance(hi, (int, float)) and math.isfinite(hi) else max(present)
    span = high - low
    out = []
    for v in vals:
        if v is None:
            out.append(" ")
            continue
        if span <= 0:
            out.append(BARS[0])
            continue
        pos = (min(max(v, low), high) - low) / span
        out.append(BARS[min(int(pos * (len(BARS) - 1) + 0.5), len(BARS) - 1)])
    return "".join(out)
