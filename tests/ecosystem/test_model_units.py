"""Sidecars, storage, TLS expiry and grouping on hand-built objects, and every ecosystem model
function's promise never to raise on malformed input."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from kubectl_stack.model import grouping, managedby, sidecars, storage, tls, workloads


def test_native_sidecar_counts_in_ready_but_reads_as_a_sidecar() -> None:
    pod = {
        "spec": {
            "initContainers": [
                {"name": "migrate", "image": "app:1"},
                {"name": "log-shipper", "image": "vector:0.40", "restartPolicy": "Always"},
            ],
            "containers": [{"name": "app", "image": "app:1"}],
        },
        "status": {
            "initContainerStatuses": [
                {
                    "name": "migrate",
                    "ready": False,
                    "state": {"terminated": {"reason": "Completed"}},
                },
                {
                    "name": "log-shipper",
                    "ready": False,
                    "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                },
            ],
            "containerStatuses": [{"name": "app", "ready": True, "state": {"running": {}}}],
        },
    }
    readiness = sidecars.sidecar_readiness(pod)
    assert readiness.ready == "1/2"
    counts = (readiness.app_ready, readiness.app_total, readiness.sidecar_ready)
    assert counts + (readiness.sidecar_total,) == (1, 1, 0, 1)
    shipper = next(c for c in readiness.containers if c.name == "log-shipper")
    assert (shipper.kind, shipper.state) == ("native", "waiting: CrashLoopBackOff")


def test_linkerd_proxy_is_a_sidecar_and_a_pod_without_one_needs_no_explanation() -> None:
    assert sidecars.mesh_of({"name": "linkerd-proxy"}) == "linkerd"
    assert sidecars.mesh_of({"name": "proxy", "image": "docker.io/istio/proxyv2:1.24"}) == "istio"
    plain = {"spec": {"containers": [{"name": "app"}]}, "status": {}}
    assert not sidecars.sidecar_readiness(plain).has_sidecars


def _pvc(name: str, phase: str, **spec: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": "db"},
        "spec": {"resources": {"requests": {"storage": "10Gi"}}, **spec},
        "status": {"phase": phase},
    }


def _pod(phase: str, *claims: str) -> dict[str, Any]:
    return {
        "metadata": {"name": "db-0", "namespace": "db"},
        "spec": {
            "volumes": [{"name": c, "persistentVolumeClaim": {"claimName": c}} for c in claims]
        },
        "status": {"phase": phase},
    }


def test_pending_pod_says_it_waits_for_its_volume() -> None:
    pvcs = [_pvc("data-db-0", "Pending", storageClassName="fast")]
    assert storage.pod_volume_reason(_pod("Pending", "data-db-0"), pvcs) == (
        "waiting for PVC data-db-0 (Pending)"
    )
    assert storage.pod_volume_reason(_pod("Pending", "gone"), pvcs) == (
        'persistentvolumeclaim "gone" not found'
    )
    assert storage.pod_volume_reason(_pod("Running", "data-db-0"), pvcs) == ""
    lost = [_pvc("data-db-0", "Lost")]
    assert storage.pod_volume_reason(_pod("Running", "data-db-0"), lost) == "PVC data-db-0 is Lost"


def test_missing_claim_is_an_error_finding() -> None:
    claims = storage.pod_claims([_pod("Pending", "data-db-0")], [])
    assert [(f.severity, f.message) for f in storage.storage_findings(claims)] == [
        ("error", "PVC data-db-0 not found (used by db-0)")
    ]


def test_expired_certificate_is_an_error() -> None:
    ingress = {
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"tls": [{"hosts": ["shop.example.com"], "secretName": "web-tls"}]},
    }
    cert = {
        "metadata": {"name": "web-tls", "namespace": "shop"},
        "spec": {"secretName": "web-tls"},
        "status": {
            "conditions": [{"type": "Ready", "status": "True"}],
            "notAfter": "2026-01-01T00:00:00Z",
        },
    }
    secrets = [{"metadata": {"name": "web-tls", "namespace": "shop"}}]
    now = 1767225600.0 + 3 * 86400  # three days after notAfter
    statuses = tls.ingress_tls(ingress, secrets=secrets, certificates=[cert], now=now)
    assert [f.message for f in tls.tls_findings(statuses)] == [
        "Certificate web-tls expired 3d ago (notAfter 2026-01-01T00:00:00Z)"
    ]
    forbidden = tls.ingress_tls(ingress, secrets=None, certificates=None, now=now)
    assert forbidden[0].secret_exists is None and tls.tls_findings(forbidden) == ()


def _workload(name: str, kind: str, labels: dict[str, str], annotations: dict[str, str]) -> Any:
    return {
        "kind": kind,
        "metadata": {
            "name": name,
            "namespace": "shop",
            "labels": labels,
            "annotations": annotations,
        },
    }


def test_stacks_group_by_part_of_then_helm_release_then_instance() -> None:
    groups, loose = grouping.group_workloads(
        [
            _workload("web", "Deployment", {"app.kubernetes.io/part-of": "shop"}, {}),
            _workload(
                "db",
                "StatefulSet",
                {"app.kubernetes.io/instance": "shop"},
                {"meta.helm.sh/release-name": "shop"},
            ),
            _workload("agent", "DaemonSet", {"app.kubernetes.io/instance": "logging"}, {}),
            _workload("cron", "Deployment", {"app": "cron"}, {}),
        ]
    )
    assert [(g.key.title, g.members) for g in groups] == [
        ("logging (instance)", (("DaemonSet", "agent"),)),
        ("shop (part-of)", (("Deployment", "web"), ("StatefulSet", "db"))),
    ]
    assert loose == (("shop", "Deployment", "cron"),)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "metadata",
                    "spec",
                    "status",
                    "labels",
                    "annotations",
                    "name",
                    "kind",
                    "tls",
                    "containers",
                    "initContainers",
                    "volumes",
                    "conditions",
                    "updateStrategy",
                    "replicas",
                    "data",
                    "revision",
                    "template",
                    "selector",
                    "ownerReferences",
                ]
            ),
            children,
            max_size=5,
        )
    ),
    max_leaves=25,
)


@settings(max_examples=150, deadline=None)
@given(json_values, json_values)
def test_ecosystem_models_never_raise_on_malformed_objects(a: Any, b: Any) -> None:
    workloads.workload_rollout_status(a)
    workloads.statefulset_rollout_status(a)
    workloads.daemonset_rollout_status(a)
    workloads.workload_row(a, 0.0)
    workloads.revision_history(a, [b], 0.0)
    workloads.undo_plan(a, [b, b])
    managed = managedby.managed_by(a, applications=[b], helm_secrets=[b])
    managedby.action_warnings(managed, "undo", "Deployment")
    sidecars.sidecar_readiness(a)
    tls.tls_findings(tls.ingress_tls(a, secrets=[b], certificates=[b], now=0.0))
    storage.storage_findings(storage.pod_claims([a], [b], [b]))
    storage.pod_volume_reason(a, [b])
    grouping.group_workloads([a, b])
