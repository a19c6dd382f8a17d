"""The stack model over the ecosystem scenarios' objects: StatefulSets and DaemonSets as
stacks, one set of TLS and storage findings, and the incremental summarizer agreeing with a
full summary when Certificates, claims and workloads change."""

from __future__ import annotations

from typing import Any

from kubectl_stack.model.ref import WorkloadRef
from kubectl_stack.model.stack import Summarizer, stack, summarize
from kubectl_stack_sim.runner import RunningSim

_KINDS = {
    "deployments": "deployments.apps",
    "replicasets": "replicasets.apps",
    "statefulsets": "statefulsets.apps",
    "daemonsets": "daemonsets.apps",
    "controllerrevisions": "controllerrevisions.apps",
    "pods": "pods",
    "services": "services",
    "endpointslices": "endpointslices.discovery.k8s.io",
    "ingresses": "ingresses.networking.k8s.io",
    "secrets": "secrets",
    "persistentvolumeclaims": "persistentvolumeclaims",
    "events": "events",
}


def _snapshot(sim: RunningSim, *extra: tuple[str, str]) -> dict[str, dict[Any, Any]]:
    """Every kind as the data layer's store holds it: a mapping by (namespace, name)."""

    def read() -> dict[str, dict[Any, Any]]:
        store = sim.cluster.store
        out = {}
        for key, gr in (*_KINDS.items(), *extra):
            out[key] = {
                (o["metadata"].get("namespace", ""), o["metadata"]["name"]): o
                for o in store.list(gr)
            }
        return out

    return sim.call(read)


def test_statefulset_and_daemonset_rows_have_their_own_rollout_state(
    helm_argo: RunningSim,
) -> None:
    rows = {(r.kind, r.name): r for r in summarize(_snapshot(helm_argo), 0.0)}
    sts = rows[("StatefulSet", "shop-db")]
    ds = rows[("DaemonSet", "log-agent")]
    assert (sts.rollout_label, sts.ready, sts.pods_text, sts.svc_text) == (
        "Complete",
        "3/3",
        "✓3",
        "3/3",
    )
    assert (ds.rollout_label, ds.ready, ds.up_to_date) == ("Complete", "3/3", 3)
    assert rows[("Deployment", "shop-web")].kind == "Deployment"


def test_statefulset_stack_lists_revisions_pods_and_claims(helm_argo: RunningSim) -> None:
    now = helm_argo.call(helm_argo.cluster.clock.now)
    graph = stack(_snapshot(helm_argo), WorkloadRef("StatefulSet", "default", "shop-db"), now)
    assert graph is not None
    assert graph.status.message == "partitioned roll out complete: 3 new pods have been updated..."
    assert [r.revision for r in graph.revisions] == [1] and graph.revisions[0].current
    assert [p.name for p in graph.pods] == ["shop-db-0", "shop-db-1", "shop-db-2"]
    assert [(c.name, c.phase) for c in graph.claims] == [
        (f"data-shop-db-{i}", "Bound") for i in range(3)
    ]
    assert graph.findings == ()
    assert stack(_snapshot(helm_argo), WorkloadRef("DaemonSet", "default", "shop-db"), now) is None


def test_a_lost_claim_is_one_finding_on_the_statefulset(helm_argo: RunningSim) -> None:
    def lose() -> None:
        def lost(obj: dict[str, Any]) -> None:
            obj["status"]["phase"] = "Lost"

        helm_argo.cluster.store.mutate("persistentvolumeclaims", "default", "data-shop-db-0", lost)

    helm_argo.call(lose)
    snapshot = _snapshot(helm_argo)
    graph = stack(snapshot, WorkloadRef("StatefulSet", "default", "shop-db"), 0.0)
    assert graph is not None
    assert [f.message.split(":")[0] for f in graph.findings] == ["PVC data-shop-db-0 is Lost"]
    row = next(r for r in summarize(snapshot, 0.0) if r.name == "shop-db")
    assert row.findings == 1


def test_tls_findings_are_one_set_and_the_summarizer_follows_certificates(
    tls: RunningSim,
) -> None:
    now = tls.call(tls.cluster.clock.now)
    certificates = ("certificates", "certificates.cert-manager.io")
    summarizer = Summarizer()
    snapshot = _snapshot(tls, certificates)
    row = next(r for r in summarizer(snapshot, now) if r.name == "my-app")
    # Secret missing with its Certificate not Ready (one finding, not two), and api-tls
    # expiring in 10 days.
    assert row.findings == 2
    assert summarizer(snapshot, now) == summarize(snapshot, now)

    def ready_far_away() -> None:
        def renew(obj: dict[str, Any]) -> None:
            obj["status"]["notAfter"] = "2099-01-01T00:00:00Z"

        tls.cluster.store.mutate("certificates.cert-manager.io", "default", "api-tls", renew)

    tls.call(ready_far_away)
    snapshot = {**snapshot, "certificates": _snapshot(tls, certificates)["certificates"]}
    row = next(r for r in summarizer(snapshot, now) if r.name == "my-app")
    assert row.findings == 1
    assert summarizer(snapshot, now) == summarize(snapshot, now)


def test_summarizer_agrees_with_summarize_as_a_statefulset_rolls(helm_argo: RunningSim) -> None:
    summarizer = Summarizer()
    assert summarizer(_snapshot(helm_argo), 0.0) == summarize(_snapshot(helm_argo), 0.0)

    def new_image() -> None:
        def bump(obj: dict[str, Any]) -> None:
            obj["spec"]["template"]["spec"]["containers"][0]["image"] = "postgres:16.5"

        helm_argo.cluster.store.mutate("statefulsets.apps", "default", "shop-db", bump)

    helm_argo.call(new_image)
    for _ in range(4):
        helm_argo.advance(2)
        now = helm_argo.call(helm_argo.cluster.clock.now)
        snapshot = _snapshot(helm_argo)
        assert summarizer(snapshot, now) == summarize(snapshot, now)
