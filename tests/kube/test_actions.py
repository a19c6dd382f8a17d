"""Each action's effect, checked with real kubectl against the same embedded cluster."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from kubectl_stack import jsonutil
from kubectl_stack.kube import actions
from kubectl_stack.kube.connection import Connection, connect
from kubectl_stack.kube.kinds import DEPLOYMENTS
from kubectl_stack.model.preconditions import Seen, seen
from kubectl_stack.model.ref import WorkloadRef
from kubectl_stack_sim.runner import RunningSim

from .conftest import options_for, populate

SHOP = WorkloadRef("Deployment", "default", "shop")

Kubectl = Callable[..., Any]


def add_revisioned_deployment(sim: RunningSim, name: str) -> None:
    """A Deployment at revision 2 (image v2) with its revision-1 ReplicaSet (image v1), as
    the deployment controller leaves them after one rollout."""

    def template(image: str, hash_: str | None) -> dict[str, Any]:
        labels = {"app": name, **({"pod-template-hash": hash_} if hash_ else {})}
        return {
            "metadata": {"labels": labels},
            "spec": {"containers": [{"name": "app", "image": image}]},
        }

    def write() -> None:
        store = sim.cluster.store
        dep = store.create(
            "deployments.apps",
            {
                "metadata": {
                    "name": name,
                    "namespace": "default",
                    "annotations": {"deployment.kubernetes.io/revision": "2"},
                },
                "spec": {
                    "replicas": 2,
                    "selector": {"matchLabels": {"app": name}},
                    "template": template(f"{name}:2", None),
                },
            },
        )
        for revision, hash_ in ((1, "aaa111"), (2, "bbb222")):
            store.create(
                "replicasets.apps",
                {
                    "metadata": {
                        "name": f"{name}-{hash_}",
                        "namespace": "default",
                        "labels": {"app": name, "pod-template-hash": hash_},
                        "annotations": {
                            "deployment.kubernetes.io/revision": str(revision),
                            "kubernetes.io/change-cause": f"release {revision}",
                        },
                        "ownerReferences": [
                            {
                                "apiVersion": "apps/v1",
                                "kind": "Deployment",
                                "name": name,
                                "uid": dep["metadata"]["uid"],
                                "controller": True,
                            }
                        ],
                    },
                    "spec": {
                        "replicas": 0 if revision == 1 else 2,
                        "selector": {"matchLabels": {"app": name, "pod-template-hash": hash_}},
                        "template": template(f"{name}:{revision}", hash_),
                    },
                },
            )

    sim.call(write)


@pytest.fixture
async def conn(sim: RunningSim) -> AsyncIterator[Connection]:
    populate(sim)
    connection = await connect(options_for(sim))
    yield connection
    await connection.close()


def deployment(kubectl: Kubectl, name: str) -> dict[str, Any]:
    done = kubectl("get", "deployment", name, "-o", "json")
    assert done.returncode == 0, done.stderr
    return dict(jsonutil.loads(done.stdout))


async def test_undo_matches_kubectl_rollout_undo_on_a_twin(
    conn: Connection, sim: RunningSim, kubectl: Kubectl
) -> None:
    add_revisioned_deployment(sim, "twin-a")
    add_revisioned_deployment(sim, "twin-b")
    theirs = kubectl("rollout", "undo", "deployment/twin-a")
    assert theirs.returncode == 0, theirs.stderr
    ours = await actions.rollout_undo(conn, WorkloadRef("Deployment", "default", "twin-b"))
    assert ours.ok
    assert ours.message == theirs.stdout.strip().replace("twin-a", "twin-b")
    a, b = deployment(kubectl, "twin-a"), deployment(kubectl, "twin-b")
    as_b = jsonutil.loads(jsonutil.dumps(a["spec"]["template"]).replace(b"twin-a", b"twin-b"))
    assert b["spec"]["template"] == as_b
    assert b["spec"]["template"]["spec"]["containers"][0]["image"] == "twin-b:1"
    assert b["metadata"]["annotations"] == a["metadata"]["annotations"]
    history_a = kubectl("rollout", "history", "deployment/twin-a").stdout
    history_b = kubectl("rollout", "history", "deployment/twin-b").stdout
    assert history_b == history_a.replace("twin-a", "twin-b")


async def test_undo_to_the_current_template_is_skipped(
    conn: Connection, sim: RunningSim, kubectl: Kubectl
) -> None:
    add_revisioned_deployment(sim, "same")
    version = deployment(kubectl, "same")["metadata"]["resourceVersion"]
    result = await actions.rollout_undo(
        conn, WorkloadRef("Deployment", "default", "same"), to_revision=2
    )
    assert result.outcome == "skipped"
    assert result.message == (
        "deployment.apps/same skipped rollback (current template already matches revision 2)"
    )
    assert deployment(kubectl, "same")["metadata"]["resourceVersion"] == version


async def test_scale_shows_in_kubectl_get_deploy(conn: Connection, kubectl: Kubectl) -> None:
    current = deployment(kubectl, "shop")["spec"]["replicas"]
    result = await actions.scale(conn, SHOP, 4, current_replicas=current)
    assert (result.outcome, result.message) == ("done", "deployment.apps/shop scaled")
    listed = kubectl("get", "deploy", "shop", "--no-headers").stdout
    assert listed.split()[1].endswith("/4")


async def test_scale_after_an_outside_scale_conflicts_as_kubectl_current_replicas_does(
    conn: Connection, kubectl: Kubectl
) -> None:
    seen = deployment(kubectl, "shop")["spec"]["replicas"]
    assert kubectl("scale", "deploy", "shop", "--replicas=5").returncode == 0
    result = await actions.scale(conn, SHOP, 9, current_replicas=seen)
    theirs = kubectl("scale", "deploy", "shop", "--replicas=9", f"--current-replicas={seen}")
    assert result.outcome == "conflict"
    assert f"error: {result.message}" == theirs.stderr.strip()
    assert result.changes == (f"replicas {seen} → 5",)
    assert deployment(kubectl, "shop")["spec"]["replicas"] == 5


async def test_scale_goes_through_status_changes_that_keep_the_count(
    conn: Connection, sim: RunningSim, kubectl: Kubectl
) -> None:
    # Only the count is the precondition: the status moving between read and write (a 409
    # for the version read) is retried, as kubectl's ScaleCondition does.
    seen = deployment(kubectl, "shop")["spec"]["replicas"]
    real = conn.request
    bumped = False

    async def status_moves_first(method: str, path: str, **kwargs: Any) -> Any:
        nonlocal bumped
        if method == "PUT" and not bumped:
            bumped = True
            sim.call(
                lambda: sim.cluster.store.update(
                    "deployments.apps",
                    {
                        **sim.cluster.store.get("deployments.apps", "default", "shop"),
                        "status": {"observedGeneration": 99},
                    },
                )
            )
        return await real(method, path, **kwargs)

    conn.request = status_moves_first  # type: ignore[method-assign]
    result = await actions.scale(conn, SHOP, 4, current_replicas=seen)
    assert bumped
    assert (result.outcome, result.message) == ("done", "deployment.apps/shop scaled")
    assert deployment(kubectl, "shop")["spec"]["replicas"] == 4


@pytest.mark.parametrize("bad", [-1, "many", 2**31])
async def test_scale_refuses_out_of_range_input(
    conn: Connection, kubectl: Kubectl, bad: Any
) -> None:
    version = deployment(kubectl, "shop")["metadata"]["resourceVersion"]
    result = await actions.scale(conn, SHOP, bad)
    assert result.outcome == "refused"
    assert deployment(kubectl, "shop")["metadata"]["resourceVersion"] == version


async def test_scale_warns_when_an_hpa_controls_the_deployment(conn: Connection) -> None:
    hpa = {
        "metadata": {"name": "shop", "namespace": "default"},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "shop"},
            "minReplicas": 2,
            "maxReplicas": 8,
        },
    }
    result = await actions.scale(conn, SHOP, 5, hpas=[hpa])
    assert result.ok
    assert result.warnings == (
        'HorizontalPodAutoscaler "shop" controls this Deployment (min 2, max 8): '
        "it will change the replica count again",
    )


async def test_restart_stamps_the_template_like_kubectl(conn: Connection, kubectl: Kubectl) -> None:
    result = await actions.rollout_restart(conn, SHOP)
    assert result.message == "deployment.apps/shop restarted"
    annotations = deployment(kubectl, "shop")["spec"]["template"]["metadata"]["annotations"]
    assert actions.RESTARTED_AT in annotations


async def test_pause_and_resume_say_what_kubectl_says(
    conn: Connection, sim: RunningSim, kubectl: Kubectl
) -> None:
    add_revisioned_deployment(sim, "twin")
    for verb, act in (("pause", actions.rollout_pause), ("resume", actions.rollout_resume)):
        ours = await act(conn, "default", "shop")
        theirs = kubectl("rollout", verb, "deployment/twin")
        assert ours.message == theirs.stdout.strip().replace("twin", "shop")
        again = await act(conn, "default", "shop")
        theirs = kubectl("rollout", verb, "deployment/twin")
        assert f"error: {again.message}" == theirs.stderr.strip().replace("twin", "shop")
    assert not deployment(kubectl, "shop")["spec"].get("paused")


async def test_restart_of_a_paused_deployment_is_refused(
    conn: Connection, kubectl: Kubectl
) -> None:
    await actions.rollout_pause(conn, "default", "shop")
    result = await actions.rollout_restart(conn, SHOP)
    theirs = kubectl("rollout", "restart", "deployment/shop")
    assert result.outcome == "refused"
    assert result.message == theirs.stderr.strip()


async def test_delete_pod_like_kubectl(conn: Connection, kubectl: Kubectl) -> None:
    result = await actions.delete_pod(conn, "default", "shop-1-0")
    theirs = kubectl("delete", "pod", "shop-1-1", "--wait=false")
    assert result.message == theirs.stdout.strip().replace("shop-1-1", "shop-1-0")
    gone = kubectl("get", "pod", "shop-1-0", "-o", "json")
    assert gone.returncode != 0 or "deletionTimestamp" in gone.stdout


async def test_viewer_is_refused_every_action_and_nothing_changes(
    sim: RunningSim, kubectl: Kubectl
) -> None:
    populate(sim)
    add_revisioned_deployment(sim, "twin")
    before = {n: deployment(kubectl, n) for n in ("shop", "twin")}
    pods_before = kubectl("get", "pods", "-o", "name").stdout
    viewer = await connect(options_for(sim, "viewer"))
    try:
        results = [
            await actions.scale(viewer, SHOP, 1),
            await actions.rollout_undo(viewer, WorkloadRef("Deployment", "default", "twin")),
            await actions.rollout_restart(viewer, SHOP),
            await actions.rollout_pause(viewer, "default", "shop"),
            await actions.delete_pod(viewer, "default", "shop-1-0"),
        ]
    finally:
        await viewer.close()
    for result in results:
        assert result.outcome == "refused"
        assert result.status == 403
        assert result.message.startswith("Error from server (Forbidden): ")
        assert 'User "viewer" cannot' in result.message
    assert {n: deployment(kubectl, n) for n in ("shop", "twin")} == before
    assert kubectl("get", "pods", "-o", "name").stdout == pods_before


async def test_undo_preview_lists_the_template_change(conn: Connection, sim: RunningSim) -> None:
    add_revisioned_deployment(sim, "preview")
    plan = await actions.undo_preview(conn, WorkloadRef("Deployment", "default", "preview"))
    assert plan.ok and plan.to_revision == 1
    assert [(d.old, d.new) for d in plan.diff if "image" in d.path] == [("preview:2", "preview:1")]
    current = await conn.get_json(DEPLOYMENTS.path("default", "preview"))
    assert current["spec"]["template"]["spec"]["containers"][0]["image"] == "preview:2"


TWIN = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: default
spec:
  replicas: 2
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      containers:
      - name: web
        image: nginx:1.25
"""


async def test_undo_after_a_real_rollout_matches_kubectl(
    conn: Connection, sim: RunningSim, kubectl: Kubectl
) -> None:
    for name in ("real-a", "real-b"):
        assert kubectl("apply", "-f", "-", input=TWIN.format(name=name)).returncode == 0
    sim.advance(30)
    for name in ("real-a", "real-b"):
        done = kubectl("set", "image", f"deployment/{name}", "web=nginx:1.26")
        assert done.returncode == 0, done.stderr
    for _ in range(12):
        sim.advance(10)
    theirs = kubectl("rollout", "undo", "deployment/real-a")
    ours = await actions.rollout_undo(conn, WorkloadRef("Deployment", "default", "real-b"))
    assert ours.message == theirs.stdout.strip().replace("real-a", "real-b")
    for _ in range(12):
        sim.advance(10)
    a, b = deployment(kubectl, "real-a"), deployment(kubectl, "real-b")
    assert b["spec"]["template"] == jsonutil.loads(
        jsonutil.dumps(a["spec"]["template"]).replace(b"real-a", b"real-b")
    )
    assert b["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.25"
    assert b["metadata"]["annotations"] == jsonutil.loads(
        jsonutil.dumps(a["metadata"]["annotations"]).replace(b"real-a", b"real-b")
    )
    history_a = kubectl("rollout", "history", "deployment/real-a").stdout
    history_b = kubectl("rollout", "history", "deployment/real-b").stdout
    assert history_b == history_a.replace("real-a", "real-b")
    assert "3 " in history_b  # the undo became revision 3, as with kubectl


@pytest.mark.parametrize(("revision", "pause"), [(7, False), (0, True)])
async def test_undo_refusals_say_what_kubectl_says(
    conn: Connection, sim: RunningSim, kubectl: Kubectl, revision: int, pause: bool
) -> None:
    add_revisioned_deployment(sim, "ref-a")
    add_revisioned_deployment(sim, "ref-b")
    if pause:
        for name in ("ref-a", "ref-b"):
            assert kubectl("rollout", "pause", f"deployment/{name}").returncode == 0
    flags = [f"--to-revision={revision}"] if revision else []
    theirs = kubectl("rollout", "undo", "deployment/ref-a", *flags)
    ours = await actions.rollout_undo(
        conn, WorkloadRef("Deployment", "default", "ref-b"), to_revision=revision
    )
    assert theirs.returncode != 0
    assert ours.outcome == "refused"
    assert ours.message == theirs.stderr.strip().replace("ref-a", "ref-b")


# -- lost updates: a change made by someone else between the dialog and the confirmation ---------


def shown(kubectl: Kubectl, name: str, *parts: str) -> Seen:
    """What a dialog showed of deployment ``name`` (the parts the decision rests on)."""
    # Fixtures write straight into the store; the first write through the API adds the
    # defaults a real apiserver would have added at creation, which is no one's change.
    touched = kubectl("annotate", f"deployment/{name}", "test/touched=1", "--overwrite")
    assert touched.returncode == 0, touched.stderr
    return seen(deployment(kubectl, name)).only(*parts)


def image_of(kubectl: Kubectl, name: str) -> str:
    return str(deployment(kubectl, name)["spec"]["template"]["spec"]["containers"][0]["image"])


@pytest.mark.parametrize("between", [False, True], ids=["before-its-read", "after-its-read"])
async def test_undo_after_an_outside_rollout_conflicts_and_keeps_that_rollout(
    conn: Connection, sim: RunningSim, kubectl: Kubectl, between: bool
) -> None:
    # The dialog said "revision 2 → 1"; someone's `kubectl set image` lands before the undo
    # reads the Deployment, or between that read and its patch (then the patch's RFC 6902
    # tests on the uid, revision and template shown make the server refuse it).
    add_revisioned_deployment(sim, "lost")
    decided_on = shown(kubectl, "lost", "uid", "revision", "template")
    real = conn.request

    def outside_change() -> None:
        assert kubectl("set", "image", "deployment/lost", "app=lost:3").returncode == 0

    async def change_before_patch(method: str, path: str, **kwargs: Any) -> Any:
        if method == "PATCH":
            outside_change()
        return await real(method, path, **kwargs)

    if between:
        conn.request = change_before_patch  # type: ignore[method-assign]
    else:
        outside_change()
    result = await actions.rollout_undo(
        conn, WorkloadRef("Deployment", "default", "lost"), 1, shown=decided_on
    )
    assert result.outcome == "conflict", result.message
    assert "containers[app].image lost:2 → lost:3" in result.changes
    assert result.message.endswith("Nothing was changed")
    assert image_of(kubectl, "lost") == "lost:3"


async def test_undo_with_what_is_still_shown_rolls_back(
    conn: Connection, sim: RunningSim, kubectl: Kubectl
) -> None:
    add_revisioned_deployment(sim, "fresh")
    decided_on = shown(kubectl, "fresh", "uid", "revision", "template")
    assert kubectl("scale", "deployment/fresh", "--replicas=4").returncode == 0  # not shown
    result = await actions.rollout_undo(
        conn, WorkloadRef("Deployment", "default", "fresh"), 1, shown=decided_on
    )
    assert (result.outcome, result.message) == ("done", "deployment.apps/fresh rolled back")
    assert image_of(kubectl, "fresh") == "fresh:1"


async def test_restart_after_an_outside_rollout_conflicts(
    conn: Connection, kubectl: Kubectl
) -> None:
    decided_on = shown(kubectl, "shop", "uid", "template", "paused")
    assert kubectl("set", "image", "deployment/shop", "app=shop:2").returncode == 0
    result = await actions.rollout_restart(conn, SHOP, shown=decided_on)
    assert result.outcome == "conflict"
    assert result.changes == ("containers[app].image shop:1 → shop:2",)
    annotations = deployment(kubectl, "shop")["spec"]["template"]["metadata"].get("annotations")
    assert actions.RESTARTED_AT not in (annotations or {})


async def test_pause_after_an_outside_pause_conflicts(conn: Connection, kubectl: Kubectl) -> None:
    decided_on = shown(kubectl, "shop", "uid", "paused", "template")
    assert kubectl("rollout", "pause", "deployment/shop").returncode == 0
    result = await actions.rollout_pause(conn, "default", "shop", shown=decided_on)
    assert result.outcome == "conflict"
    assert result.changes == ("resumed → paused",)


async def test_resume_after_a_template_change_while_paused_conflicts(
    conn: Connection, kubectl: Kubectl
) -> None:
    # A resume rolls out the template as it is: one changed after the dialog is asked about.
    assert kubectl("rollout", "pause", "deployment/shop").returncode == 0
    decided_on = shown(kubectl, "shop", "uid", "paused", "template")
    assert kubectl("set", "image", "deployment/shop", "app=shop:9").returncode == 0
    result = await actions.rollout_resume(conn, "default", "shop", shown=decided_on)
    assert result.outcome == "conflict"
    assert result.changes == ("containers[app].image shop:1 → shop:9",)
    assert deployment(kubectl, "shop")["spec"]["paused"] is True
    again = await actions.rollout_resume(
        conn, "default", "shop", shown=shown(kubectl, "shop", "uid", "paused", "template")
    )
    assert (again.outcome, again.message) == ("done", "deployment.apps/shop resumed")


POD = """
apiVersion: v1
kind: Pod
metadata:
  name: shop-1-0
  namespace: default
spec:
  containers:
  - name: app
    image: shop:1
"""


async def test_delete_of_a_pod_replaced_by_a_namesake_conflicts(
    conn: Connection, kubectl: Kubectl
) -> None:
    done = kubectl("get", "pod", "shop-1-0", "-o", "json")
    uid = jsonutil.loads(done.stdout)["metadata"]["uid"]
    gone = kubectl("delete", "pod", "shop-1-0", "--grace-period=0", "--force")
    assert gone.returncode == 0, gone.stderr
    assert kubectl("create", "-f", "-", input=POD).returncode == 0
    result = await actions.delete_pod(conn, "default", "shop-1-0", uid=uid)
    assert result.outcome == "conflict"
    assert result.changes == ("it was deleted and created again (a new object of the same name)",)
    again = jsonutil.loads(kubectl("get", "pod", "shop-1-0", "-o", "json").stdout)
    assert not again["metadata"].get("deletionTimestamp")
