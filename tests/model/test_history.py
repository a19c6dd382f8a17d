"""Revision history and undo, checked against kubectl's own history/rollback behaviour."""

from __future__ import annotations

import copy

from kubectl_stack.model.workloads.replicasets import history, undo_plan
from kubectl_stack.model.workloads.templates import template_diff

from .factories import NOW, deployment, replicaset, stamp, template


def _moons() -> tuple[dict, list[dict]]:
    """kubectl's TestViewDeploymentHistory fixture: revisions 1-4, causes on 3 and 4."""
    dep = deployment("moons", image="foo:4", revision=4)
    rss = []
    for rev in range(1, 5):
        ann = {}
        if rev == 3:
            ann["kubernetes.io/change-cause"] = "foo change cause"
        elif rev == 4:
            ann["kubernetes.io/change-cause"] = "bar change cause"
        rss.append(
            replicaset(dep, rev, f"foo:{rev}", created=stamp(1000 - rev * 100), annotations=ann)
        )
    return dep, rss


def test_history_lists_revisions_with_change_causes_like_kubectl() -> None:
    dep, rss = _moons()
    rows = history(dep, rss, NOW)
    assert [(r.revision, r.change_cause) for r in rows] == [
        (1, "<none>"),
        (2, "<none>"),
        (3, "foo change cause"),
        (4, "bar change cause"),
    ]
    assert rows[-1].images == ("foo:4",)
    assert rows[-1].current and not rows[0].current
    assert rows[0].age == "15m"


def test_history_ignores_replicasets_of_other_controllers() -> None:
    dep, rss = _moons()
    stranger = copy.deepcopy(rss[0])
    stranger["metadata"]["ownerReferences"][0]["uid"] = "someone-else"
    stranger["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = "9"
    assert [r.revision for r in history(dep, [*rss, stranger], NOW)] == [1, 2, 3, 4]


def test_history_is_empty_without_replicasets() -> None:
    assert history(deployment(), [], NOW) == ()


def test_undo_restores_previous_image() -> None:
    dep, rss = _moons()
    plan = undo_plan(dep, rss)
    assert plan.ok and plan.message == "rolled back"
    assert (plan.from_revision, plan.to_revision) == (4, 3)
    assert plan.template["spec"]["containers"][0]["image"] == "foo:3"
    assert "pod-template-hash" not in plan.template["metadata"]["labels"]
    assert [op["path"] for op in plan.patch] == ["/spec/template", "/metadata/annotations"]
    assert all(op["op"] == "replace" for op in plan.patch)
    assert [line.text for line in plan.diff] == ["containers[app].image   foo:4 → foo:3"]


def test_undo_to_revision_picks_that_replicaset() -> None:
    dep, rss = _moons()
    plan = undo_plan(dep, rss, to_revision=1)
    assert plan.ok and plan.to_revision == 1
    assert plan.template["spec"]["containers"][0]["image"] == "foo:1"


def test_undo_to_missing_revision_is_kubectls_error() -> None:
    dep, rss = _moons()
    assert undo_plan(dep, rss, to_revision=5).error == (
        "unable to find specified revision 5 in history"
    )
    assert undo_plan(dep, rss, to_revision=-1).error == (
        "unable to find specified revision -1 in history"
    )


def test_undo_with_a_single_revision_has_no_history() -> None:
    dep = deployment()
    plan = undo_plan(dep, [replicaset(dep, 1, "my-app:1.4.2")])
    assert plan.error == 'no rollout history found for deployment "my-app"'
    assert not plan.ok


def test_undo_refuses_a_paused_deployment() -> None:
    dep, rss = _moons()
    dep["spec"]["paused"] = True
    assert undo_plan(dep, rss).error == (
        "you cannot rollback a paused deployment; resume it first with "
        "'kubectl rollout resume' and try again"
    )


def test_undo_is_skipped_when_template_already_matches() -> None:
    dep = deployment(image="foo:1", revision=3)
    rss = [replicaset(dep, 1, "foo:1"), replicaset(dep, 2, "foo:2", hash_="x")]
    # The current template equals revision 1's: rolling back to it changes nothing.
    plan = undo_plan(dep, rss, to_revision=1)
    assert plan.skipped and not plan.ok and plan.patch == ()
    assert plan.message == "skipped rollback (current template already matches revision 1)"


def test_undo_copies_replicaset_annotations_but_keeps_skipped_ones_from_deployment() -> None:
    dep = deployment(
        image="foo:2",
        revision=2,
        annotations={
            "kubectl.kubernetes.io/last-applied-configuration": "{dep}",
            "team": "payments",
        },
    )
    old = replicaset(
        dep,
        1,
        "foo:1",
        annotations={
            "kubernetes.io/change-cause": "first",
            "deployment.kubernetes.io/desired-replicas": "3",
            "deployment.kubernetes.io/max-replicas": "4",
            "kubectl.kubernetes.io/last-applied-configuration": "{rs}",
        },
    )
    plan = undo_plan(dep, [old, replicaset(dep, 2, "foo:2")])
    assert plan.annotations == {
        "deployment.kubernetes.io/revision": "2",
        "kubectl.kubernetes.io/last-applied-configuration": "{dep}",
        "kubernetes.io/change-cause": "first",
    }
    assert plan.patch[1]["value"] == plan.annotations


def test_undo_treats_equal_quantities_as_the_same_template() -> None:
    dep = deployment(tmpl=template("foo:1", resources={"limits": {"cpu": "0.5"}}), revision=3)
    rss = [
        replicaset(dep, 1, "foo:1", tmpl=template("foo:1", resources={"limits": {"cpu": "500m"}})),
        replicaset(dep, 2, "foo:2", hash_="b"),
    ]
    assert undo_plan(dep, rss, to_revision=1).skipped


def test_template_diff_names_env_resources_and_probes() -> None:
    current = template(
        "my-app:1.5.0",
        env=[{"name": "LOG_LEVEL", "value": "debug"}],
        readinessProbe={"httpGet": {"path": "/ready", "port": 3000}},
    )
    target = template(
        "my-app:1.4.2",
        env=[{"name": "LOG_LEVEL", "value": "info"}],
        readinessProbe={"httpGet": {"path": "/health", "port": 3000}},
    )
    target["spec"]["containers"][0]["resources"]["requests"]["cpu"] = "0.25"
    lines = [line.text for line in template_diff(current, target)]
    assert lines == [
        "containers[app].image   my-app:1.5.0 → my-app:1.4.2",
        "containers[app].env.LOG_LEVEL.value   debug → info",
        "containers[app].readinessProbe.httpGet.path   /ready → /health",
    ]
