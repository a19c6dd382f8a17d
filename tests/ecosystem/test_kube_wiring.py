"""The data layer on the ecosystem scenarios: the new kinds are watched, custom resources only
when discovery lists them, and StatefulSet / DaemonSet actions do what kubectl does (checked on
twins: kubectl acts on one, the data layer on the other)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from conftest import ok

from kubectl_stack.kube import actions
from kubectl_stack.kube import kinds as K
from kubectl_stack.kube.connection import Connection, connect
from kubectl_stack.kube.informers import Informers
from kubectl_stack.kube.store import ClusterState
from kubectl_stack.model.ref import WorkloadRef
from kubectl_stack.model.workloads import workload_rollout_status
from kubectl_stack.options import ConnectionOptions
from kubectl_stack_sim.runner import RunningSim

from .conftest import Kubectl, KubectlFor, get_json


async def _open(sim: RunningSim) -> Connection:
    return await connect(ConnectionOptions(kubeconfig=str(sim.kubeconfig)))


async def _watch(sim: RunningSim) -> tuple[Connection, ClusterState, Informers]:
    connection = await _open(sim)
    state = ClusterState()
    informers = Informers(connection, state, "default", seed=1)
    await informers.start()
    assert await informers.wait_synced(10)
    return connection, state, informers


async def test_workloads_revisions_and_argo_applications_are_watched(
    helm_argo: RunningSim,
) -> None:
    connection, state, informers = await _watch(helm_argo)
    try:
        assert ("default", "shop-db") in state.objects("statefulsets")
        assert ("default", "log-agent") in state.objects("daemonsets")
        owners = {
            ref["name"]
            for rev in state.objects("controllerrevisions").values()
            for ref in rev["metadata"]["ownerReferences"]
        }
        assert owners == {"shop-db", "log-agent"}
        # Argo CD keeps Applications in its own namespace: watched there although the
        # app's scope is "default".
        assert ("argocd", "shop") in state.objects("applications")
        # No cert-manager in this cluster: nothing watched for it, nothing reported.
        assert "certificates" not in informers.informers
        assert state.status("certificates").message == ""
    finally:
        await informers.stop()
        await connection.close()


async def test_certificates_are_watched_where_cert_manager_is_served(tls: RunningSim) -> None:
    connection, state, informers = await _watch(tls)
    try:
        assert {name for _, name in state.objects("certificates")} == {"api-tls", "my-app-tls"}
        assert "applications" not in informers.informers
    finally:
        await informers.stop()
        await connection.close()


@pytest.fixture
async def conn(helm_argo: RunningSim) -> AsyncIterator[Connection]:
    connection = await _open(helm_argo)
    yield connection
    await connection.close()


def _twins(sim: RunningSim, kubectl: Kubectl, kind: str, names: tuple[str, ...]) -> None:
    """Workloads of ``kind`` at revision 2 (image :2) with revision 1 (image :1) kept."""
    for name in names:
        spec: dict[str, Any] = {
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "main", "image": f"{name}:1"}]},
            },
        }
        if kind == "StatefulSet":
            spec |= {"replicas": 1, "serviceName": name}
        manifest = {"apiVersion": "apps/v1", "kind": kind, "metadata": {"name": name}}
        ok(kubectl, "apply", "-f", "-", input=_json({**manifest, "spec": spec}))
    sim.advance(5)  # revision 1 recorded before the template changes
    for name in names:
        ok(kubectl, "set", "image", f"{kind.lower()}/{name}", f"main={name}:2")


def _json(obj: Any) -> str:
    return json.dumps(obj)


def _converged(sim: RunningSim, kubectl: Kubectl, resource: str) -> None:
    for _ in range(30):
        sim.advance(5)
        if workload_rollout_status(get_json(kubectl, resource)).done:
            return
    raise AssertionError(f"{resource} did not finish its rollout")


@pytest.mark.parametrize("kind", ["StatefulSet", "DaemonSet"])
async def test_undo_matches_kubectl_rollout_undo_on_a_twin(
    conn: Connection, helm_argo: RunningSim, kubectl_for: KubectlFor, kind: str
) -> None:
    kubectl = kubectl_for(helm_argo)
    _twins(helm_argo, kubectl, kind, ("twin-a", "twin-b"))
    for name in ("twin-a", "twin-b"):
        _converged(helm_argo, kubectl, f"{kind.lower()}/{name}")
    theirs = kubectl("rollout", "undo", f"{kind.lower()}/twin-a")
    assert theirs.returncode == 0, theirs.stderr
    ours = await actions.rollout_undo(conn, WorkloadRef(kind, "default", "twin-b"))
    assert ours.ok
    assert ours.message == theirs.stdout.strip().replace("twin-a", "twin-b")
    a = get_json(kubectl, kind.lower(), "twin-a")
    b = get_json(kubectl, kind.lower(), "twin-b")
    assert b["spec"]["template"]["spec"]["containers"][0]["image"] == "twin-b:1"
    assert _json(a["spec"]["template"]).replace("twin-a", "twin-b") == _json(b["spec"]["template"])
    again = await actions.rollout_undo(conn, WorkloadRef(kind, "default", "twin-b"), to_revision=1)
    theirs = kubectl("rollout", "undo", f"{kind.lower()}/twin-a", "--to-revision=1")
    assert again.outcome == "skipped"
    assert again.message == theirs.stdout.strip().replace("twin-a", "twin-b")


async def test_scale_of_a_statefulset_shows_in_kubectl(
    conn: Connection, helm_argo: RunningSim, kubectl_for: KubectlFor
) -> None:
    kubectl = kubectl_for(helm_argo)
    current = get_json(kubectl, "sts", "shop-db")["spec"]["replicas"]
    ref = WorkloadRef("StatefulSet", "default", "shop-db")
    result = await actions.scale(conn, ref, 4, current_replicas=current)
    assert (result.outcome, result.message) == ("done", "statefulset.apps/shop-db scaled")
    assert get_json(kubectl, "sts", "shop-db")["spec"]["replicas"] == 4


@pytest.mark.parametrize(
    ("resource", "kube_kind"),
    [("statefulset/shop-db", K.STATEFULSETS), ("daemonset/log-agent", K.DAEMONSETS)],
)
async def test_restart_stamps_the_template_like_kubectl(
    conn: Connection,
    helm_argo: RunningSim,
    kubectl_for: KubectlFor,
    resource: str,
    kube_kind: K.Kind,
) -> None:
    kubectl = kubectl_for(helm_argo)
    name = resource.split("/")[1]
    # A minute back, so kubectl's own restart right after is not "within the past second".
    earlier = datetime.now() - timedelta(minutes=1)
    ref = WorkloadRef(kube_kind.kind, "default", name)
    result = await actions.rollout_restart(conn, ref, now=earlier)
    annotations = get_json(kubectl, resource)["spec"]["template"]["metadata"]["annotations"]
    assert actions.RESTARTED_AT in annotations
    assert result.message == ok(kubectl, "rollout", "restart", resource).strip()


async def test_undo_without_history_says_what_kubectl_says(
    conn: Connection, helm_argo: RunningSim, kubectl_for: KubectlFor
) -> None:
    kubectl = kubectl_for(helm_argo)
    ours = await actions.rollout_undo(conn, WorkloadRef("StatefulSet", "default", "shop-db"))
    theirs = kubectl("rollout", "undo", "statefulset/shop-db")
    assert theirs.returncode != 0
    assert ours.outcome == "refused"
    assert ours.message == theirs.stderr.strip()
