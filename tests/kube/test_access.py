"""What a user may do, asked of the server (can_i), and the view a namespace-only user gets."""

from __future__ import annotations

from kubectl_stack.kube import kinds as K
from kubectl_stack.kube.access import can_i, permissions
from kubectl_stack.kube.connection import connect
from kubectl_stack.kube.informers import Informers
from kubectl_stack.kube.store import ClusterState, SyncState
from kubectl_stack_sim.runner import RunningSim

from .conftest import options_for, populate


async def test_can_i_answers_per_user_and_namespace(sim: RunningSim) -> None:
    answers = {}
    for context in ("sim", "viewer", "dev"):
        connection = await connect(options_for(sim, context))
        try:
            answers[context] = (
                await can_i(connection, "patch", K.DEPLOYMENTS, "default"),
                await can_i(connection, "list", K.PODS, "default"),
                await can_i(connection, "get", "secrets", "default"),
                await can_i(connection, "list", K.PODS),
                await can_i(connection, "delete", "pods", "kube-system", name="x"),
                await can_i(
                    connection, "update", "deployments.apps", "default", subresource="scale"
                ),
            )
        finally:
            await connection.close()
    assert answers == {
        "sim": (True, True, True, True, True, True),
        "viewer": (False, True, False, True, False, False),
        "dev": (True, True, True, False, False, True),
    }


async def test_namespace_only_user_gets_a_working_view_of_its_namespace(sim: RunningSim) -> None:
    populate(sim)
    sim.call(
        lambda: sim.cluster.store.create(
            "configmaps", {"metadata": {"name": "elsewhere", "namespace": "kube-system"}}
        )
    )
    connection = await connect(options_for(sim, "dev"))
    state = ClusterState()
    informers = Informers(connection, state, None, seed=1)
    try:
        await informers.start()
        assert await informers.wait_synced(timeout=10)
        assert state.forbidden == frozenset()
        for kind in K.WATCHED:
            assert state.status(kind.name).state is SyncState.SYNCED, kind.name
            assert informers.informers[kind.name].namespace == "default"
        pods = state.objects(K.PODS.name)
        assert {ns for ns, _ in pods} == {"default"}
        assert ("default", "shop-1-0") in pods
        assert state.get(K.DEPLOYMENTS.name, "default", "shop") is not None
        assert ("kube-system", "elsewhere") not in state.objects(K.CONFIGMAPS.name)
        assert state.connection.state == "ok"
    finally:
        await informers.stop()
        await connection.close()
        state.close()


async def test_permissions_name_each_key_a_user_may_not_use_per_namespace(sim: RunningSim) -> None:
    denied = {}
    for context, namespace in (("sim", "default"), ("viewer", "default"), ("dev", "default")):
        connection = await connect(options_for(sim, context))
        try:
            answers = await permissions(connection, namespace)
            denied[context, namespace] = {
                (action, kind): answers.denied(action, kind)
                for action, kind in (
                    ("scale", "Deployment"),
                    ("scale", "StatefulSet"),
                    ("undo", "DaemonSet"),
                    ("restart", "Deployment"),
                    ("pause", "Deployment"),
                    ("delete_pod", "Deployment"),
                    ("logs", "Deployment"),
                )
            }
            if context == "dev":
                elsewhere = await permissions(connection, "kube-system")
                assert elsewhere.denied("scale", "Deployment") == (
                    "forbidden: deployments/scale update"
                )
        finally:
            await connection.close()
    assert set(denied["sim", "default"].values()) == {None}
    assert set(denied["dev", "default"].values()) == {None}
    assert denied["viewer", "default"] == {
        ("scale", "Deployment"): "forbidden: deployments/scale update",
        ("scale", "StatefulSet"): "forbidden: statefulsets/scale update",
        ("undo", "DaemonSet"): "forbidden: daemonsets patch",
        ("restart", "Deployment"): "forbidden: deployments patch",
        ("pause", "Deployment"): "forbidden: deployments patch",
        ("delete_pod", "Deployment"): "forbidden: pods delete",
        ("logs", "Deployment"): None,
    }
