"""``kubectl auth can-i`` (SelfSubjectAccessReview / SelfSubjectRulesReview) and what each
scenario user may do: admin everything, viewer reads but no secrets and no changes, dev
everything but only in namespace default."""

from __future__ import annotations

from typing import Any

from .helpers import ok, table


def _can(kubectl: Any, *args: str) -> str:
    result = kubectl("auth", "can-i", *args)
    answer = result.stdout.strip()
    assert result.returncode == (0 if answer == "yes" else 1), result.stderr
    return answer


def test_admin_can_do_everything(kubectl: Any) -> None:
    assert _can(kubectl, "create", "deployments") == "yes"
    assert _can(kubectl, "delete", "secrets", "-A") == "yes"
    assert _can(kubectl, "list", "namespaces") == "yes"
    rules = table(ok(kubectl("auth", "can-i", "--list")))
    assert {"Resources": "*.*", "Non-Resource URLs": "[]", "Resource Names": "[]"}.items() <= (
        rules[0].items()
    )
    assert rules[0]["Verbs"] == "[*]"


def test_viewer_reads_everything_but_secrets_and_changes_nothing(kubectl: Any) -> None:
    viewer = ("--context", "viewer")
    assert _can(kubectl, *viewer, "get", "pods") == "yes"
    assert _can(kubectl, *viewer, "list", "deployments.apps", "-A") == "yes"
    assert _can(kubectl, *viewer, "watch", "horizontalpodautoscalers") == "yes"
    assert _can(kubectl, *viewer, "get", "pods", "--subresource=log") == "yes"
    assert _can(kubectl, *viewer, "get", "secrets") == "no"
    for verb, resource in [("create", "deployments"), ("delete", "pods"), ("patch", "services")]:
        assert _can(kubectl, *viewer, verb, resource) == "no"
    assert _can(kubectl, *viewer, "update", "deployments", "--subresource=scale") == "no"
    rows = {r["Resources"]: r for r in table(ok(kubectl(*viewer, "auth", "can-i", "--list")))}
    assert rows["pods"]["Verbs"] == "[get list watch]"
    assert rows["deployments.apps/scale"]["Verbs"] == "[get list watch]"
    assert "secrets" not in rows and "*.*" not in rows
    assert rows["selfsubjectaccessreviews.authorization.k8s.io"]["Verbs"] == "[create]"


def test_dev_may_do_everything_but_only_in_namespace_default(kubectl: Any) -> None:
    dev = ("--context", "dev")
    assert _can(kubectl, *dev, "create", "deployments") == "yes"
    assert _can(kubectl, *dev, "delete", "secrets") == "yes"
    assert _can(kubectl, *dev, "get", "pods", "-n", "kube-system") == "no"
    assert _can(kubectl, *dev, "list", "pods", "-A") == "no"
    assert _can(kubectl, *dev, "list", "namespaces") == "no"
    assert _can(kubectl, *dev, "get", "nodes") == "no"
    assert "*.*" in ok(kubectl(*dev, "auth", "can-i", "--list"))
    assert "*.*" not in ok(kubectl(*dev, "auth", "can-i", "--list", "-n", "kube-system"))


def test_dev_works_in_default_and_gets_the_apiservers_refusals_elsewhere(kubectl: Any) -> None:
    dev = ("--context", "dev")
    assert "my-app" in ok(kubectl(*dev, "get", "deploy"))
    assert ok(kubectl(*dev, "scale", "deploy", "my-app", "--replicas=2")).strip() == (
        "deployment.apps/my-app scaled"
    )
    assert ok(kubectl(*dev, "get", "ns", "default", "-o", "name")).strip() == "namespace/default"
    namespaces = kubectl(*dev, "get", "namespaces")
    assert namespaces.returncode == 1
    assert namespaces.stderr.strip() == (
        'Error from server (Forbidden): namespaces is forbidden: User "dev" cannot list '
        'resource "namespaces" in API group "" at the cluster scope'
    )
    everywhere = kubectl(*dev, "get", "pods", "-A")
    assert 'pods is forbidden: User "dev" cannot list resource "pods" in API group "" at the ' in (
        everywhere.stderr
    )
    elsewhere = kubectl(*dev, "delete", "ns", "default")
    assert 'cannot delete resource "namespaces" in API group "" in the namespace "default"' in (
        elsewhere.stderr
    )
