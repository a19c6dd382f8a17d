"""The stack graph from a snapshot shaped like the seed stack (shared/seed-stack.yaml)."""

from __future__ import annotations

import copy
from typing import Any

from kubectl_stack.model.ref import WorkloadRef
from kubectl_stack.model.stack import namespace_findings, stack, summarize

from .factories import NOW, deployment, replicaset, stamp, template


def _pod(rs: dict[str, Any], i: int, *, ready: bool = True, **extra: Any) -> dict[str, Any]:
    h = rs["metadata"]["labels"]["pod-template-hash"]
    cs: dict[str, Any] = {
        "name": "app",
        "ready": ready,
        "restartCount": 0,
        "started": True,
        "state": {"running": {"startedAt": stamp(3000)}},
    }
    cs.update(extra)
    return {
        "metadata": {
            "name": f"{rs['metadata']['name']}-{i:05d}",
            "namespace": "default",
            "uid": f"{rs['metadata']['uid']}-pod-{i}",
            "resourceVersion": str(1000 + i),
            "labels": {"app": "my-app", "pod-template-hash": h},
            "creationTimestamp": stamp(3000),
            "ownerReferences": [
                {"uid": rs["metadata"]["uid"], "controller": True, "kind": "ReplicaSet"}
            ],
        },
        "spec": {"containers": [{"name": "app"}], "nodeName": "node-1"},
        "status": {
            "phase": "Running",
            "podIPs": [{"ip": f"10.0.0.{i % 250}"}],
            "conditions": [
                {
                    "type": "Ready",
                    "status": "True" if ready else "False",
                    "lastTransitionTime": stamp(2900),
                }
            ],
            "containerStatuses": [cs],
        },
    }


def seed_snapshot() -> dict[str, Any]:
    tmpl = template(
        envFrom=[{"configMapRef": {"name": "app-config"}}],
        env=[
            {
                "name": "DATABASE_PASSWORD",
                "valueFrom": {"secretKeyRef": {"name": "app-secrets", "key": "DATABASE_PASSWORD"}},
            }
        ],
        readinessProbe={"httpGet": {"path": "/health", "port": 3000}, "periodSeconds": 10},
    )
    dep = deployment(
        tmpl=tmpl,
        strategy={"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 1}},
        created=stamp(12 * 86400),
        status={"replicas": 3, "updatedReplicas": 3, "readyReplicas": 3, "availableReplicas": 3},
    )
    rs = replicaset(dep, 1, "my-app:1.4.2", tmpl=tmpl, replicas=3, ready=3, created=stamp(3000))
    pods = [_pod(rs, i) for i in range(3)]
    svc = {
        "metadata": {"name": "my-app", "namespace": "default", "uid": "svc"},
        "spec": {
            "selector": {"app": "my-app"},
            "type": "ClusterIP",
            "ports": [{"port": 80, "targetPort": 3000, "protocol": "TCP"}],
        },
    }
    eps = {
        "metadata": {
            "name": "my-app-abcde",
            "namespace": "default",
            "labels": {"kubernetes.io/service-name": "my-app"},
        },
        "endpoints": [
            {"addresses": [p["status"]["podIPs"][0]["ip"]], "conditions": {"ready": True}}
            for p in pods
        ],
    }
    ing = {
        "metadata": {"name": "my-app", "namespace": "default"},
        "spec": {
            "rules": [
                {
                    "host": "app.mydomain.com",
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": "my-app", "port": {"number": 80}}},
                            }
                        ]
                    },
                }
            ],
            "tls": [{"hosts": ["app.mydomain.com"], "secretName": "my-app-tls"}],
        },
    }
    hpa = {
        "metadata": {"name": "my-app", "namespace": "default", "uid": "hpa"},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "my-app"},
            "minReplicas": 2,
            "maxReplicas": 20,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {
                        "name": "cpu",
                        "target": {"type": "Utilization", "averageUtilization": 70},
                    },
                }
            ],
        },
        "status": {
            "currentReplicas": 3,
            "desiredReplicas": 3,
            "currentMetrics": [
                {
                    "type": "Resource",
                    "resource": {"name": "cpu", "current": {"averageUtilization": 45}},
                }
            ],
            "conditions": [
                {"type": "ScalingActive", "status": "True", "reason": "ValidMetricFound"}
            ],
        },
    }
    return {
        "deployments": [dep],
        "replicasets": [rs],
        "pods": {(p["metadata"]["namespace"], p["metadata"]["name"]): p for p in pods},
        "services": [svc],
        "endpointslices": [eps],
        "ingresses.networking.k8s.io": [ing],
        "horizontalpodautoscalers": [hpa],
        "configmaps": [{"metadata": {"name": "app-config", "namespace": "default"}}],
        "secrets": [
            {"metadata": {"name": "app-secrets", "namespace": "default"}},
            {"metadata": {"name": "my-app-tls", "namespace": "default"}},
        ],
        "events": [],
    }


def test_seed_stack_summary_row() -> None:
    (row,) = summarize(seed_snapshot(), NOW)
    assert (row.name, row.rollout_label, row.ready, row.up_to_date, row.available) == (
        "my-app",
        "Complete",
        "3/3",
        3,
        3,
    )
    assert (row.pods_text, row.probes_text, row.hpa_targets, row.hpa_replicas) == (
        "✓3",
        "ok",
        "cpu: 45%/70%",
        "3→3",
    )
    assert (row.svc_text, row.hosts, row.findings, row.age) == (
        "3/3",
        ("app.mydomain.com",),
        0,
        "12d",
    )


def test_seed_stack_graph_links_everything() -> None:
    graph = stack(seed_snapshot(), WorkloadRef("Deployment", "default", "my-app"), NOW)
    assert graph is not None
    assert [p.status for p in graph.pods] == ["Running"] * 3
    (svc,) = graph.services
    assert (svc.name, svc.ports, svc.ready, svc.not_ready, svc.selects_pods) == (
        "my-app",
        "80→3000",
        3,
        0,
        3,
    )
    (route,) = graph.ingresses
    assert (route.host, route.path, route.service, route.port, route.tls_secret, route.tls_ok) == (
        "app.mydomain.com",
        "/",
        "my-app",
        "80",
        "my-app-tls",
        True,
    )
    assert [(c.kind, c.name, c.uses, c.exists) for c in graph.config] == [
        ("ConfigMap", "app-config", ("envFrom",), True),
        ("Secret", "app-secrets", ("env DATABASE_PASSWORD",), True),
    ]
    assert graph.hpas[0].targets == "cpu: 45%/70%"
    assert graph.findings == ()
    assert stack(seed_snapshot(), WorkloadRef("Deployment", "default", "nope"), NOW) is None


def _messages(snapshot: dict[str, Any]) -> list[str]:
    graph = stack(snapshot, WorkloadRef("Deployment", "default", "my-app"), NOW)
    assert graph is not None
    return [f.message for f in graph.findings]


def test_missing_tls_secret_and_configmap_are_findings() -> None:
    snap = seed_snapshot()
    snap["secrets"] = [{"metadata": {"name": "app-secrets", "namespace": "default"}}]
    snap["configmaps"] = []
    assert _messages(snap) == [
        "Ingress my-app TLS secret my-app-tls not found",
        "ConfigMap app-config not found (used by envFrom)",
    ]


def test_unknown_kinds_report_nothing_missing() -> None:
    snap = seed_snapshot()
    del snap["secrets"], snap["configmaps"]
    assert _messages(snap) == []


def test_service_without_ready_endpoints_and_wrong_ingress_port() -> None:
    snap = seed_snapshot()
    for ep in snap["endpointslices"][0]["endpoints"]:
        ep["conditions"]["ready"] = False
    snap["ingresses.networking.k8s.io"][0]["spec"]["rules"][0]["http"]["paths"][0]["backend"][
        "service"
    ]["port"] = {"number": 8080}
    assert _messages(snap) == [
        "Service my-app has no ready endpoints (0 of 3)",
        "Ingress my-app routes to my-app:8080, a port the Service does not have",
    ]


def test_service_with_a_typo_in_its_selector_selects_no_pod() -> None:
    snap = seed_snapshot()
    snap["services"][0]["spec"]["selector"] = {"app": "my-ap"}
    assert _messages(snap) == ["Service my-app selects no pod (selector app=my-ap)"]


def test_hpa_without_metrics_and_unbound_pvc() -> None:
    snap = seed_snapshot()
    snap["horizontalpodautoscalers"][0]["status"] = {
        "currentReplicas": 3,
        "desiredReplicas": 3,
        "conditions": [
            {"type": "ScalingActive", "status": "False", "reason": "FailedGetResourceMetric"}
        ],
    }
    snap["deployments"][0]["spec"]["template"]["spec"]["volumes"] = [
        {"name": "data", "persistentVolumeClaim": {"claimName": "data"}}
    ]
    snap["persistentvolumeclaims"] = [
        {"metadata": {"name": "data", "namespace": "default"}, "status": {"phase": "Pending"}}
    ]
    assert _messages(snap) == [
        "HPA my-app metrics unavailable: FailedGetResourceMetric",
        "PVC data is Pending, not Bound",
    ]


def test_namespace_findings_for_orphans() -> None:
    snap = seed_snapshot()
    orphan = copy.deepcopy(snap["horizontalpodautoscalers"][0])
    orphan["metadata"]["name"] = "old"
    orphan["spec"]["scaleTargetRef"]["name"] = "gone"
    snap["horizontalpodautoscalers"].append(orphan)
    assert [f.message for f in namespace_findings(snap, NOW)] == [
        "HPA old targets missing Deployment gone"
    ]


def test_urgency_sort_puts_stalled_then_failing_then_progressing() -> None:
    snap = seed_snapshot()
    base = snap["deployments"][0]
    deps = []
    for name in ("b-complete", "a-complete"):
        d = copy.deepcopy(base)
        d["metadata"].update(name=name, uid=name)
        deps.append(d)
    prog = copy.deepcopy(base)
    prog["metadata"].update(name="z-progressing", uid="prog")
    prog["status"]["updatedReplicas"] = 1
    deps.append(prog)
    failing = copy.deepcopy(base)
    failing["metadata"].update(name="y-failing", uid="fail")
    rs = replicaset(failing, 1, "my-app:1.4.2", name="fail-rs", hash_="f")
    snap["replicasets"].append(rs)
    crash = _pod(
        rs, 0, ready=False, state={"waiting": {"reason": "CrashLoopBackOff"}}, restartCount=4
    )
    snap["pods"][("default", "crash")] = crash
    stalled = copy.deepcopy(base)
    stalled["metadata"].update(name="x-stalled", uid="stalled")
    stalled["status"]["conditions"] = [
        {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}
    ]
    deps.append(stalled)
    snap["deployments"] = [*deps, failing, base]
    rows = summarize(snap, NOW)
    assert [r.name for r in rows] == [
        "x-stalled",
        "y-failing",
        "z-progressing",
        "a-complete",
        "b-complete",
        "my-app",
    ]
    assert rows[1].pods_text == "⟳1"


def big_snapshot(deployments: int = 1000, pods_per: int = 10) -> dict[str, Any]:
    seed = seed_snapshot()
    snap: dict[str, Any] = {k: [] for k in seed}
    snap["configmaps"] = seed["configmaps"]
    snap["secrets"] = seed["secrets"]
    for n in range(deployments):
        dep = copy.deepcopy(seed["deployments"][0])
        name = f"app-{n:04d}"
        dep["metadata"].update(name=name, uid=f"dep-{n}")
        dep["spec"]["replicas"] = pods_per
        dep["spec"]["template"]["metadata"]["labels"] = {"app": name}
        rs = replicaset(dep, 1, "my-app:1.4.2", name=f"{name}-rs", hash_=f"h{n}", replicas=pods_per)
        snap["deployments"].append(dep)
        snap["replicasets"].append(rs)
        for i in range(pods_per):
            snap["pods"].append(_pod(rs, i))
        svc = copy.deepcopy(seed["services"][0])
        svc["metadata"]["name"] = name
        svc["spec"]["selector"] = {"app": name}
        snap["services"].append(svc)
    return snap


def test_thousand_deployments_each_get_a_summary_with_all_their_pods() -> None:
    # How fast this is belongs to bench/, not to a timed assertion here.
    rows = summarize(big_snapshot(), NOW)
    assert len(rows) == 1000 and all(r.pod_counts["healthy"] == 10 for r in rows)


def test_a_stacks_events_are_those_of_its_namespace() -> None:
    def event(reason: str, namespace: str, involved_namespace: str | None) -> dict[str, Any]:
        involved = {"kind": "Deployment", "name": "my-app"}
        if involved_namespace is not None:
            involved["namespace"] = involved_namespace
        return {
            "metadata": {"name": reason, "namespace": namespace},
            "involvedObject": involved,
            "reason": reason,
            "message": reason,
            "type": "Normal",
            "eventTime": stamp(10),
        }

    snap = seed_snapshot()
    snap["events"] = [
        *snap.get("events", []),
        event("Here", "default", "default"),
        event("RecordedWithoutItsNamespace", "default", None),
        event("SameNameElsewhere", "staging", "staging"),
    ]
    got = stack(snap, WorkloadRef("Deployment", "default", "my-app"), NOW)
    assert got is not None
    reasons = {row.reason for row in got.events}
    assert {"Here", "RecordedWithoutItsNamespace"} <= reasons
    assert "SameNameElsewhere" not in reasons
