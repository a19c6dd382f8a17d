"""Real kubectl against the embedded cluster for StatefulSets, DaemonSets, ControllerRevisions,
PVCs and StorageClasses: printed columns, describe, and rollout status / history / undo --
with the model's rollout status and undo checked against what kubectl does on the same
objects."""

from __future__ import annotations

import json

from conftest import ok

from kubectl_stack.model.workloads import history_text, undo_plan, workload_rollout_status
from kubectl_stack_sim.runner import RunningSim

from .conftest import Kubectl, KubectlFor, get_json


def _columns(output: str) -> list[list[str]]:
    return [line.split() for line in output.strip().splitlines()]


def test_get_prints_kubectls_columns_for_the_new_kinds(
    helm_argo: RunningSim, kubectl_for: KubectlFor
) -> None:
    kubectl = kubectl_for(helm_argo)
    sts = _columns(ok(kubectl, "get", "sts", "-o", "wide"))
    assert sts[0] == ["NAME", "READY", "AGE", "CONTAINERS", "IMAGES"]
    assert sts[1][:2] == ["shop-db", "3/3"] and sts[1][3:] == ["postgres", "postgres:16.4"]
    ds = _columns(ok(kubectl, "get", "ds"))
    assert ds[0] == [
        "NAME",
        "DESIRED",
        "CURRENT",
        "READY",
        "UP-TO-DATE",
        "AVAILABLE",
        "NODE",
        "SELECTOR",
        "AGE",
    ]
    assert ds[1][:7] == ["log-agent", "3", "3", "3", "3", "3", "<none>"]
    revisions = _columns(ok(kubectl, "get", "controllerrevisions"))
    assert revisions[0] == ["NAME", "CONTROLLER", "REVISION", "AGE"]
    owners = sorted(r[1:3] for r in revisions[1:])
    assert owners == [["daemonset.apps/log-agent", "1"], ["statefulset.apps/shop-db", "1"]]
    pvcs = _columns(ok(kubectl, "get", "pvc"))
    assert [r[:2] for r in pvcs[1:]] == [[f"data-shop-db-{i}", "Bound"] for i in range(3)]
    assert all(r[3:6] == ["10Gi", "RWO", "standard"] for r in pvcs[1:])
    classes = _columns(ok(kubectl, "get", "storageclass"))
    assert classes[1][:6] == [
        "standard",
        "(default)",
        "rancher.io/local-path",
        "Delete",
        "Immediate",
        "false",
    ]


def test_describe_works_for_statefulset_daemonset_and_pvc(
    helm_argo: RunningSim, kubectl_for: KubectlFor
) -> None:
    kubectl = kubectl_for(helm_argo)
    sts = ok(kubectl, "describe", "sts", "shop-db")
    assert "Replicas:               3 desired | 3 total" in sts
    assert "Pods Status:    3 Running / 0 Waiting / 0 Succeeded / 0 Failed" in sts
    ds = ok(kubectl, "describe", "ds", "log-agent")
    assert "Desired Number of Nodes Scheduled: 3" in ds
    assert "Number of Nodes Scheduled with Up-to-date Pods: 3" in ds
    pvc = ok(kubectl, "describe", "pvc", "data-shop-db-0")
    assert "Used By:       shop-db-0" in pvc
    assert "Successfully provisioned volume pvc-" in pvc


def _status_pair(kubectl: Kubectl, resource: str) -> tuple[str, str]:
    """(what the model says, what kubectl prints) for the same object at the same instant."""
    model = workload_rollout_status(get_json(kubectl, resource))
    done = kubectl("rollout", "status", resource, "--watch=false")
    printed = done.stdout.strip() if done.returncode == 0 else done.stderr.strip()
    expected = model.message if not model.error else f"error: {model.error}"
    return expected, printed


def _follow(sim: RunningSim, kubectl: Kubectl, resource: str, steps: int, dt: float) -> list[str]:
    """Step the clock, requiring at each step that the model's status equals kubectl's."""
    seen = []
    for _ in range(steps):
        expected, printed = _status_pair(kubectl, resource)
        assert printed == expected
        seen.append(printed)
        sim.advance(dt)
    return seen


def _detach_from_argo_cd(kubectl: Kubectl) -> None:
    """shop-db belongs to the self-healing Argo CD app, which would revert a manual rollout."""
    ok(kubectl, "annotate", "sts", "shop-db", "argocd.argoproj.io/tracking-id-")


def _partition(kubectl: Kubectl, value: int) -> None:
    patch = {"spec": {"updateStrategy": {"rollingUpdate": {"partition": value}}}}
    ok(kubectl, "patch", "sts", "shop-db", "-p", json.dumps(patch))


def test_statefulset_rollout_status_equals_kubectl_through_a_partitioned_update(
    helm_argo: RunningSim, kubectl_for: KubectlFor
) -> None:
    kubectl = kubectl_for(helm_argo)
    _detach_from_argo_cd(kubectl)
    _partition(kubectl, 1)
    ok(kubectl, "set", "image", "sts/shop-db", "postgres=postgres:16.5")
    seen = _follow(helm_argo, kubectl, "sts/shop-db", 14, 1.5)
    _partition(kubectl, 0)
    seen += _follow(helm_argo, kubectl, "sts/shop-db", 8, 1.5)
    assert "Waiting for statefulset spec update to be observed..." in seen
    assert any(s.startswith("Waiting for 1 pods to be ready") for s in seen)
    assert "partitioned roll out complete: 2 new pods have been updated..." in seen
    assert seen[-1] == "partitioned roll out complete: 3 new pods have been updated..."
    pods = get_json(kubectl, "pods", "-l", "app.kubernetes.io/name=db")["items"]
    assert {c["image"] for p in pods for c in p["spec"]["containers"]} == {"postgres:16.5"}


def test_on_delete_statefulset_status_is_kubectls_error(
    helm_argo: RunningSim, kubectl_for: KubectlFor
) -> None:
    kubectl = kubectl_for(helm_argo)
    patch = '{"spec":{"updateStrategy":{"type":"OnDelete","rollingUpdate":null}}}'
    ok(kubectl, "patch", "sts", "shop-db", "-p", patch)
    expected, printed = _status_pair(kubectl, "sts/shop-db")
    assert (
        printed
        == expected
        == ("error: rollout status is only available for RollingUpdate strategy type")
    )


def test_daemonset_rollout_status_equals_kubectl_during_an_update(
    helm_argo: RunningSim, kubectl_for: KubectlFor
) -> None:
    kubectl = kubectl_for(helm_argo)
    image = "fluent-bit=cr.fluentbit.io/fluent/fluent-bit:3.2.0"
    ok(kubectl, "set", "image", "ds/log-agent", image)
    seen = _follow(helm_argo, kubectl, "ds/log-agent", 12, 1.0)
    assert "Waiting for daemon set spec update to be observed..." in seen
    assert any("out of 3 new pods have been updated" in s for s in seen)
    assert seen[-1] == 'daemon set "log-agent" successfully rolled out'


def _twins(run: Kubectl, kind: str) -> None:
    for twin in ("twin-a", "twin-b"):
        labels = {"app": twin}
        spec: dict[str, object] = {
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "main", "image": "busybox:1.36"}]},
            },
        }
        if kind == "StatefulSet":
            spec.update(replicas=2, serviceName=twin)
        manifest = {
            "apiVersion": "apps/v1",
            "kind": kind,
            "metadata": {"name": twin},
            "spec": spec,
        }
        ok(run, "apply", "-f", "-", input=json.dumps(manifest))


def _undo_on_twins(sim: RunningSim, kubectl_for: KubectlFor, kind: str, resource: str) -> None:
    kubectl = kubectl_for(sim)
    _twins(kubectl, kind)
    sim.advance(20)
    for image in ("busybox:1.37", "busybox:1.38"):
        for twin in ("twin-a", "twin-b"):
            ok(kubectl, "set", "image", f"{resource}/{twin}", f"main={image}")
        sim.advance(20)
    out = ok(kubectl, "rollout", "undo", f"{resource}/twin-a", "--to-revision=1")
    assert out.strip() == f"{resource}.apps/twin-a rolled back"
    twin_b = get_json(kubectl, resource, "twin-b")
    revisions = get_json(kubectl, "controllerrevisions")["items"]
    plan = undo_plan(twin_b, revisions, to_revision=1)
    assert plan.ok and plan.message == "rolled back"
    ok(kubectl, "patch", resource, "twin-b", "--type=strategic", "-p", json.dumps(plan.patch))
    sim.advance(20)
    a = get_json(kubectl, resource, "twin-a")
    b = get_json(kubectl, resource, "twin-b")
    relabel = json.dumps(a["spec"]["template"]).replace("twin-a", "twin-b")
    assert json.loads(relabel) == b["spec"]["template"]
    assert b["spec"]["template"]["spec"]["containers"][0]["image"] == "busybox:1.36"
    history_a = ok(kubectl, "rollout", "history", f"{resource}/twin-a").splitlines()[1:]
    history_b = ok(kubectl, "rollout", "history", f"{resource}/twin-b").splitlines()[1:]
    assert history_a == history_b
    revisions = get_json(kubectl, "controllerrevisions")["items"]
    now = sim.call(sim.cluster.clock.now)
    assert history_text(b, revisions, now).splitlines() == [ln for ln in history_b if ln]


def test_statefulset_undo_matches_kubectl_rollout_undo_on_a_twin(
    helm_argo: RunningSim, kubectl_for: KubectlFor
) -> None:
    _undo_on_twins(helm_argo, kubectl_for, "StatefulSet", "statefulset")


def test_daemonset_undo_matches_kubectl_rollout_undo_on_a_twin(
    helm_argo: RunningSim, kubectl_for: KubectlFor
) -> None:
    _undo_on_twins(helm_argo, kubectl_for, "DaemonSet", "daemonset")


def test_custom_resources_are_served_only_where_their_crd_exists(
    sim: RunningSim, helm_argo: RunningSim, kubectl_for: KubectlFor
) -> None:
    seed = ok(kubectl_for(sim), "api-resources")
    assert "argoproj.io" not in seed
    kubectl = kubectl_for(helm_argo)
    assert "applications   app,apps     argoproj.io/v1alpha1   true         Application" in ok(
        kubectl, "api-resources", "--api-group=argoproj.io"
    )
    assert _columns(ok(kubectl, "get", "applications", "-n", "argocd"))[1][0] == "shop"
    ok(kubectl, "delete", "crd", "applications.argoproj.io")
    helm_argo.advance(1)
    # kubectl's cached discovery still knows the kind, so the server's 404 shows through.
    gone = kubectl("get", "applications", "-n", "argocd")
    assert gone.returncode != 0
    assert "the server could not find the requested resource" in gone.stderr
    assert "applications" not in ok(kubectl, "api-resources", "--api-group=argoproj.io")


def test_undo_skips_and_refusals_read_as_kubectl_prints_them(
    helm_argo: RunningSim, kubectl_for: KubectlFor
) -> None:
    kubectl = kubectl_for(helm_argo)
    revisions = get_json(kubectl, "controllerrevisions")["items"]
    for resource in ("statefulset/shop-db", "daemonset/log-agent"):
        obj = get_json(kubectl, resource)
        for to_revision in (1, 0, 4):
            plan = undo_plan(obj, revisions, to_revision)
            done = kubectl("rollout", "undo", resource, f"--to-revision={to_revision}")
            if plan.error:
                assert (done.returncode, done.stderr.strip()) == (1, f"error: {plan.error}")
            else:
                kind, name = resource.split("/")
                assert plan.skipped
                assert done.stdout.strip() == f"{kind}.apps/{name} {plan.message}"


def test_invalid_statefulsets_are_refused_with_the_apiservers_messages(
    helm_argo: RunningSim, kubectl_for: KubectlFor
) -> None:
    kubectl = kubectl_for(helm_argo)
    manifest = {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": "bad"},
        "spec": {
            "serviceName": "bad",
            "selector": {"matchLabels": {"app": "bad"}},
            "template": {
                "metadata": {"labels": {"app": "other"}},
                "spec": {"containers": [{"name": "c", "image": "busybox"}]},
            },
        },
    }
    mismatch = kubectl("apply", "-f", "-", input=json.dumps(manifest))
    assert mismatch.stderr.strip() == (
        'The StatefulSet "bad" is invalid: spec.template.metadata.labels: Invalid value: '
        'map[string]string{"app":"other"}: `selector` does not match template `labels`'
    )
    rename = kubectl("patch", "sts", "shop-db", "-p", '{"spec":{"serviceName":"x"}}')
    assert rename.returncode == 1
    assert rename.stderr.startswith(
        'The StatefulSet "shop-db" is invalid: spec: Forbidden: updates to statefulset spec '
        "for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy',"
    )
