"""Every public model function accepts arbitrary JSON without raising, and the model layer
never pulls in Textual."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kubectl_stack.model import (
    duration,
    events,
    hpa,
    pods,
    probes,
    stack,
    yamlview,
)
from kubectl_stack.model.ref import WorkloadRef
from kubectl_stack.model.workloads import base, replicasets, templates
from kubectl_stack.model.workloads import deployment as rollout

from .factories import NOW, deployment, replicaset

# Real field names make the generated dicts reach deep into the code paths.
FIELDS = [
    "metadata",
    "spec",
    "status",
    "name",
    "namespace",
    "uid",
    "labels",
    "annotations",
    "ownerReferences",
    "controller",
    "creationTimestamp",
    "deletionTimestamp",
    "generation",
    "observedGeneration",
    "replicas",
    "updatedReplicas",
    "readyReplicas",
    "availableReplicas",
    "conditions",
    "type",
    "reason",
    "message",
    "lastUpdateTime",
    "lastTransitionTime",
    "template",
    "containers",
    "initContainers",
    "containerStatuses",
    "initContainerStatuses",
    "state",
    "waiting",
    "running",
    "terminated",
    "lastState",
    "restartCount",
    "ready",
    "started",
    "exitCode",
    "signal",
    "finishedAt",
    "phase",
    "podIPs",
    "ip",
    "nodeName",
    "readinessGates",
    "conditionType",
    "readinessProbe",
    "livenessProbe",
    "httpGet",
    "port",
    "path",
    "scheme",
    "tcpSocket",
    "exec",
    "command",
    "grpc",
    "selector",
    "matchLabels",
    "matchExpressions",
    "key",
    "operator",
    "values",
    "strategy",
    "rollingUpdate",
    "maxSurge",
    "maxUnavailable",
    "paused",
    "progressDeadlineSeconds",
    "scaleTargetRef",
    "kind",
    "metrics",
    "resource",
    "target",
    "averageUtilization",
    "averageValue",
    "value",
    "currentMetrics",
    "current",
    "minReplicas",
    "maxReplicas",
    "currentReplicas",
    "desiredReplicas",
    "pods",
    "external",
    "object",
    "containerResource",
    "involvedObject",
    "count",
    "firstTimestamp",
    "lastTimestamp",
    "eventTime",
    "series",
    "lastObservedTime",
    "rules",
    "http",
    "paths",
    "backend",
    "service",
    "number",
    "tls",
    "secretName",
    "hosts",
    "endpoints",
    "envFrom",
    "env",
    "valueFrom",
    "configMapRef",
    "secretKeyRef",
    "volumes",
    "persistentVolumeClaim",
    "claimName",
    "deployment.kubernetes.io/revision",
    "pod-template-hash",
    "data",
    "kind",
    "restartPolicy",
    "resources",
    "limits",
    "requests",
    "cpu",
    "ports",
    "targetPort",
]
TIMES = st.sampled_from(
    ["2025-06-15T15:06:40Z", "2025-06-15T15:00:00.123456Z", "bogus", "9999-99-99T99:99:99Z"]
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | TIMES
    | st.sampled_from(
        [
            "True",
            "False",
            "Running",
            "Pending",
            "Always",
            "25%",
            "1%",
            "500m",
            "Deployment",
            "Pod",
            "Readiness probe failed: 503",
            "Unhealthy",
            "CrashLoopBackOff",
            "Resource",
            "Pods",
            "Object",
            "External",
            "ContainerResource",
            "Utilization",
            "AverageValue",
            "Value",
            "Secret",
        ]
    )
)
JSON = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=6), children, max_size=6)
    ),
    max_leaves=40,
)
OBJ = st.dictionaries(st.sampled_from(FIELDS), JSON, max_size=6) | JSON
RELAXED = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
# Whole snapshots are costly to generate; fewer of them still reach every kind.
SNAPSHOTS = settings(RELAXED, max_examples=40)


@RELAXED
@given(OBJ, OBJ, st.lists(OBJ, max_size=3), JSON)
def test_object_functions_are_total(a: Any, b: Any, many: list[Any], x: Any) -> None:
    row = pods.pod_row(a, NOW)
    pods.pod_row(a, NOW, (events.ProbeFailures("Readiness", "", 3, NOW, "m"),))
    probes.describe_probe(a)
    probes.container_probes(a, NOW)
    probes.short_failure(x)
    events.event_row(a, NOW)
    events.events_for(many, NOW, uids={"u"}, objects={("Pod", "p")}, namespace="default")
    table = events.unhealthy_by_pod(many)
    events.failures_for(a, table)
    rollout.rollout_status(a, 1)
    rollout.deployment_row(a, NOW)
    rollout.budget(a)
    rollout.resolve_fenceposts(x, x, 3)
    rollout.rollout(a, many, [row], NOW)
    rollout.current_replicaset(a, many)
    base.progress_bar(x if isinstance(x, float) else 0.5)
    replicasets.history(a, many, NOW)
    replicasets.undo_plan(a, many)
    replicasets.undo_plan(a, many, 2)
    templates.template_diff(a, b)
    templates.templates_equal(a, b)
    replicasets.revision_of(a)
    replicasets.revision_template(a, many, 1)
    view = hpa.hpa_view(a, NOW)
    hpa.targets_text(view.metrics)
    hpa.scale_down_hold(a, NOW)
    hpa.HpaHistory(capacity=3).add_hpa(a, NOW).add(NOW + 1, x, 2)
    yamlview.to_yaml(a)
    yamlview.redact(b)


@SNAPSHOTS
@given(
    st.dictionaries(
        st.sampled_from(list(stack.KINDS) + ["other"]), st.lists(OBJ, max_size=3) | OBJ, max_size=8
    )
)
def test_stack_functions_are_total(snapshot: dict[str, Any]) -> None:
    stack.summarize(snapshot, NOW)
    stack.namespace_findings(snapshot, NOW)
    stack.stack(snapshot, WorkloadRef("Deployment", "", ""), NOW)
    for row in stack.summarize(snapshot, NOW)[:2]:
        stack.stack(snapshot, WorkloadRef(row.kind, row.namespace, row.name), NOW)


@RELAXED
@given(st.lists(JSON, max_size=20), JSON)
def test_number_functions_are_total(values: list[Any], x: Any) -> None:
    hpa.sparkline(values, width=x if isinstance(x, int) else None)
    for f in (duration.human_duration, duration.short_human_duration, duration.clock):
        f(x)
    duration.age(x, NOW)


def test_well_formed_deployment_survives_malformed_replicasets() -> None:
    dep = deployment()
    broken = replicaset(dep, 2, "x")
    broken["spec"]["template"] = ["not", "a", "template"]
    broken["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = "two"
    assert replicasets.undo_plan(dep, [broken, None, 7]).error.startswith("no rollout history")  # type: ignore[list-item]


def test_core_layers_never_import_textual() -> None:
    code = textwrap.dedent(
        """
        import sys
        import kubectl_stack.model, kubectl_stack.kube, kubectl_stack_sim
        import kubectl_stack.model.stack, kubectl_stack.model.yamlview
        assert "textual" not in sys.modules, sorted(m for m in sys.modules if "textual" in m)
        """
    )
    repo = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=repo
    )
    assert result.returncode == 0, result.stderr


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out.extend(_paths(v, (*prefix, k)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out.extend(_paths(v, (*prefix, i)))
    return out


def _seed() -> dict[str, Any]:
    from .test_stack import seed_snapshot

    snap = seed_snapshot()
    snap["pods"] = list(snap["pods"].values())
    snap["events"] = [
        {
            "involvedObject": {"kind": "Pod", "uid": snap["pods"][0]["metadata"]["uid"]},
            "reason": "Unhealthy",
            "message": "Readiness probe failed: HTTP probe failed with statuscode: 503",
            "count": 4,
            "lastTimestamp": "2025-06-15T15:06:30Z",
        }
    ]
    return snap


SEED_PATHS = [p for p in _paths(_seed()) if len(p) > 1]


@SNAPSHOTS
@given(st.lists(st.tuples(st.sampled_from(SEED_PATHS), JSON), min_size=1, max_size=4))
def test_damaged_seed_stack_never_raises(damage: list[tuple[tuple[Any, ...], Any]]) -> None:
    snap = _seed()
    for where, junk in damage:
        parent: Any = snap
        for step in where[:-1]:
            try:
                parent = parent[step]
            except (KeyError, IndexError, TypeError):
                break
        else:
            with contextlib.suppress(IndexError, TypeError):
                parent[where[-1]] = junk
    for row in stack.summarize(snap, NOW):
        graph = stack.stack(snap, WorkloadRef(row.kind, row.namespace, row.name), NOW)
        assert graph is not None
        replicasets.undo_plan(graph.workload, snap["replicasets"])
    stack.namespace_findings(snap, NOW)
    for pod in snap["pods"] if isinstance(snap["pods"], list) else []:
        probes.container_probes(pod, NOW)
