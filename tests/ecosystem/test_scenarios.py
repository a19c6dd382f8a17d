"""The ecosystem scenarios as a user meets them through kubectl: Argo CD self-heal reverting a
manual scale, mesh sidecar readiness, TLS and PVC findings that appear and clear."""

from __future__ import annotations

import json
from pathlib import Path

import trustme
from conftest import ok

from kubectl_stack.model.managedby import action_warnings, managed_by
from kubectl_stack.model.sidecars import sidecar_readiness
from kubectl_stack.model.storage import pod_claims, storage_findings
from kubectl_stack.model.tls import ingress_tls, tls_findings
from kubectl_stack_sim.runner import RunningSim

from .conftest import Kubectl, KubectlFor, get_json


def test_self_heal_reverts_a_manual_scale_after_the_delay(
    helm_argo: RunningSim, kubectl_for: KubectlFor
) -> None:
    kubectl = kubectl_for(helm_argo)
    deployment = get_json(kubectl, "deploy", "shop-web")
    apps = get_json(kubectl, "applications", "-A")["items"]
    secrets = get_json(kubectl, "secrets")["items"]
    managed = managed_by(deployment, applications=apps, helm_secrets=secrets)
    assert action_warnings(managed, "scale", "Deployment")[0] == (
        "Argo CD app `shop` manages this Deployment: self-heal will revert a manual scale"
    )
    assert action_warnings(managed, "undo", "Deployment")[1].startswith(
        "Helm release `shop` rev 7: an undo here is not a helm rollback"
    )

    ok(kubectl, "scale", "deploy/shop-web", "--replicas=5")
    helm_argo.advance(4)
    assert get_json(kubectl, "deploy", "shop-web")["spec"]["replicas"] == 5
    app = get_json(kubectl, "application", "shop", "-n", "argocd")
    assert app["status"]["sync"]["status"] == "OutOfSync"
    helm_argo.advance(2)
    assert get_json(kubectl, "deploy", "shop-web")["spec"]["replicas"] == 2
    app = get_json(kubectl, "application", "shop", "-n", "argocd")
    assert app["status"]["sync"]["status"] == "Synced"
    events = ok(
        kubectl, "get", "events", "-n", "argocd", "--field-selector", "involvedObject.name=shop"
    )
    assert "Initiated automated sync to '1.4.2'" in events
    assert "Sync operation to 1.4.2 succeeded" in events
    helm_argo.advance(30)
    pods = get_json(kubectl, "pods", "-l", "app.kubernetes.io/name=web")["items"]
    assert len([p for p in pods if not p["metadata"].get("deletionTimestamp")]) == 2


def test_self_heal_also_reverts_a_statefulset_of_the_app(
    helm_argo: RunningSim, kubectl_for: KubectlFor
) -> None:
    kubectl = kubectl_for(helm_argo)
    ok(kubectl, "scale", "sts/shop-db", "--replicas=5")
    helm_argo.advance(6)
    assert get_json(kubectl, "sts", "shop-db")["spec"]["replicas"] == 3
    helm_argo.advance(30)
    assert ok(kubectl, "get", "sts", "shop-db").split()[-2] == "3/3"


def test_scaling_a_flux_workload_is_not_reverted_by_the_sim_but_is_warned_about(
    helm_argo: RunningSim, kubectl_for: KubectlFor
) -> None:
    kubectl = kubectl_for(helm_argo)
    managed = managed_by(get_json(kubectl, "deploy", "billing"))
    assert action_warnings(managed, "scale", "Deployment") == (
        "Flux Kustomization `flux-system/billing` manages this Deployment: its next "
        "reconciliation reverts a manual scale",
    )


def test_mesh_sidecar_readiness_reads_app_ready_sidecar_not(
    mesh: RunningSim, kubectl_for: KubectlFor
) -> None:
    kubectl = kubectl_for(mesh)
    printed = {
        cols[0]: cols[1]
        for cols in (line.split() for line in ok(kubectl, "get", "pods").splitlines()[1:])
    }
    summaries = {}
    for pod in get_json(kubectl, "pods")["items"]:
        readiness = sidecar_readiness(pod)
        assert readiness.ready == printed[pod["metadata"]["name"]]
        summaries[pod["metadata"]["labels"]["app"]] = (
            readiness.ready,
            readiness.app_ready == readiness.app_total,
            readiness.sidecar_ready == readiness.sidecar_total,
        )
    # (READY, app ready, sidecar ready)
    assert summaries == {"checkout": ("2/2", True, True), "payments": ("1/2", True, False)}


def _tls_findings(run: Kubectl, now: float) -> list[str]:
    secrets = get_json(run, "secrets")["items"]
    certs = get_json(run, "certificates")["items"]
    out = []
    for ingress in get_json(run, "ingress")["items"]:
        statuses = ingress_tls(ingress, secrets=secrets, certificates=certs, now=now)
        out += [f.message for f in tls_findings(statuses)]
    return sorted(out)


def test_tls_finding_appears_and_clears_when_the_secret_is_created_with_kubectl(
    tls: RunningSim, kubectl_for: KubectlFor, tmp_path: Path
) -> None:
    kubectl = kubectl_for(tls)
    now = tls.call(tls.cluster.clock.now)
    findings = _tls_findings(kubectl, now)
    assert findings[0].startswith("Certificate api-tls expires in 9d")
    assert findings[1] == (
        "Ingress my-app TLS secret my-app-tls not found (Certificate my-app-tls not Ready: "
        "DoesNotExist: Issuing certificate as Secret does not exist)"
    )

    cert = trustme.CA().issue_cert("app.mydomain.com")
    crt, key = tmp_path / "tls.crt", tmp_path / "tls.key"
    cert.cert_chain_pems[0].write_to_path(str(crt))
    cert.private_key_pem.write_to_path(str(key))
    # `kubectl create secret tls` posts protobuf, which the embedded cluster does not speak;
    # the same Secret goes through `apply` as JSON.
    manifest = ok(
        kubectl,
        "create",
        "secret",
        "tls",
        "my-app-tls",
        f"--cert={crt}",
        f"--key={key}",
        "--dry-run=client",
        "-o",
        "json",
    )
    ok(kubectl, "apply", "-f", "-", input=manifest)
    tls.advance(1)
    findings = _tls_findings(kubectl, tls.call(tls.cluster.clock.now))
    assert len(findings) == 1 and findings[0].startswith("Certificate api-tls expires in")
    ready = get_json(kubectl, "certificate", "my-app-tls")["status"]["conditions"][0]
    assert (ready["type"], ready["status"]) == ("Ready", "True")
    # The CRD's printer columns, as cert-manager declares them.
    rows = [line.split()[:3] for line in ok(kubectl, "get", "certificates").splitlines()]
    assert rows == [
        ["NAME", "READY", "SECRET"],
        ["api-tls", "True", "api-tls"],
        ["my-app-tls", "True", "my-app-tls"],
    ]


def test_tls_without_cert_manager_reports_only_the_secret(
    sim: RunningSim, kubectl_for: KubectlFor
) -> None:
    kubectl = kubectl_for(sim)
    assert kubectl("get", "certificates").returncode != 0
    ingress = get_json(kubectl, "ingress", "my-app")
    statuses = ingress_tls(
        ingress, secrets=get_json(kubectl, "secrets")["items"], certificates=None, now=0.0
    )
    assert [f.message for f in tls_findings(statuses)] == [
        "Ingress my-app TLS secret my-app-tls not found"
    ]


_REPORTER = [
    {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": "reports"},
        "spec": {
            "storageClassName": "fast",
            "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": "5Gi"}},
        },
    },
    {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "reporter"},
        "spec": {
            "containers": [{"name": "main", "image": "busybox:1.36"}],
            "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "reports"}}],
        },
    },
]

_FAST = {
    "apiVersion": "storage.k8s.io/v1",
    "kind": "StorageClass",
    "metadata": {"name": "fast"},
    "provisioner": "ebs.csi.aws.com",
}


def _storage_findings(run: Kubectl) -> list[str]:
    pods = get_json(run, "pods")["items"]
    pvcs = get_json(run, "pvc")["items"]
    events = get_json(run, "events")["items"]
    return [f.message for f in storage_findings(pod_claims(pods, pvcs, events))]


def test_pvc_pending_finding_appears_and_clears_when_the_class_is_created(
    helm_argo: RunningSim, kubectl_for: KubectlFor
) -> None:
    kubectl = kubectl_for(helm_argo)
    for manifest in _REPORTER:
        ok(kubectl, "apply", "-f", "-", input=json.dumps(manifest))
    helm_argo.advance(3)
    assert _storage_findings(kubectl) == [
        'PVC reports is Pending: storageclass.storage.k8s.io "fast" not found (used by reporter)'
    ]
    ok(kubectl, "apply", "-f", "-", input=json.dumps(_FAST))
    helm_argo.advance(3)
    assert _storage_findings(kubectl) == []
    pvc = get_json(kubectl, "pvc", "reports")
    assert (pvc["status"]["phase"], pvc["status"]["capacity"]["storage"]) == ("Bound", "5Gi")


def test_pvc_lost_on_demand_is_an_error_finding(
    helm_argo: RunningSim, kubectl_for: KubectlFor
) -> None:
    kubectl = kubectl_for(helm_argo)
    assert _storage_findings(kubectl) == []
    ok(kubectl, "annotate", "pvc", "data-shop-db-0", "sim.kubectl-stack.io/lose-after=5")
    helm_argo.advance(6)
    findings = _storage_findings(kubectl)
    assert len(findings) == 1
    assert findings[0].startswith("PVC data-shop-db-0 is Lost: its volume pvc-")
    assert findings[0].endswith("is gone (used by shop-db-0)")
    assert "ClaimLost" in ok(kubectl, "describe", "pvc", "data-shop-db-0")
