"""Roles, ClusterRoles and their bindings: served, printed and validated as by kube-apiserver,
and they drive the embedded cluster's authorization (a RoleBinding created with kubectl grants
what it says); through real kubectl and the official Python client."""

from __future__ import annotations

import json
from typing import Any

import pytest
from kubernetes import client

from .helpers import AGE, header, ok, table

RBAC = "rbac.authorization.k8s.io"


@pytest.fixture
def rbac_api(official: client.ApiClient) -> client.RbacAuthorizationV1Api:
    return client.RbacAuthorizationV1Api(official)


def _can(kubectl: Any, *args: str) -> str:
    return kubectl("auth", "can-i", *args).stdout.strip()


def test_a_rolebinding_grants_what_its_role_says_and_no_more(kubectl: Any) -> None:
    assert _can(kubectl, "list", "pods", "--as", "bob") == "no"
    ok(kubectl("create", "role", "pod-reader", "--verb=get,list,watch", "--resource=pods,pods/log"))
    ok(kubectl("create", "rolebinding", "bob-reads", "--role=pod-reader", "--user=bob"))
    assert _can(kubectl, "list", "pods", "--as", "bob") == "yes"
    assert _can(kubectl, "get", "pods", "--subresource=log", "--as", "bob") == "yes"
    assert _can(kubectl, "delete", "pods", "--as", "bob") == "no"
    assert _can(kubectl, "list", "pods", "--as", "bob", "-n", "kube-system") == "no"
    assert table(ok(kubectl("get", "pods", "--as", "bob")))
    refused = kubectl("get", "deployments", "--as", "bob")
    assert refused.stderr.strip() == (
        'Error from server (Forbidden): deployments.apps is forbidden: User "bob" cannot list '
        'resource "deployments" in API group "apps" in the namespace "default"'
    )
    ok(kubectl("delete", "rolebinding", "bob-reads"))
    assert _can(kubectl, "list", "pods", "--as", "bob") == "no"


def test_a_clusterrolebinding_to_view_reads_everywhere_but_secrets(kubectl: Any) -> None:
    ok(kubectl("create", "clusterrolebinding", "carol-view", "--clusterrole=view", "--user=carol"))
    assert _can(kubectl, "list", "deployments", "-A", "--as", "carol") == "yes"
    assert _can(kubectl, "get", "secrets", "-n", "kube-system", "--as", "carol") == "no"
    assert _can(kubectl, "patch", "deployments", "--as", "carol") == "no"
    rules = ok(kubectl("auth", "can-i", "--list", "--as", "carol"))
    assert "deployments.apps" in rules and "secrets" not in rules


def test_get_wide_and_describe_print_as_kubectl(kubectl: Any) -> None:
    ok(kubectl("create", "role", "reader", "--verb=get", "--resource=configmaps"))
    ok(
        kubectl(
            "create",
            "rolebinding",
            "team",
            "--role=reader",
            "--user=ann",
            "--group=devs",
            "--serviceaccount=default:robot",
        )
    )
    out = ok(kubectl("get", "roles"))
    assert header(out) == ["NAME", "CREATED AT"]
    (role,) = table(out)
    assert role["NAME"] == "reader" and role["CREATED AT"].endswith("Z")
    out = ok(kubectl("get", "rolebinding", "team", "-o", "wide"))
    assert header(out) == ["NAME", "ROLE", "AGE", "USERS", "GROUPS", "SERVICEACCOUNTS"]
    (row,) = table(out)
    assert (row["ROLE"], row["USERS"], row["GROUPS"], row["SERVICEACCOUNTS"]) == (
        "Role/reader",
        "ann",
        "devs",
        "default/robot",
    )
    assert AGE.match(row["AGE"])
    described = ok(kubectl("describe", "rolebinding", "team"))
    assert "  Kind:  Role\n  Name:  reader" in described
    assert {r["NAME"] for r in table(ok(kubectl("get", "clusterroles")))} >= {
        "cluster-admin",
        "admin",
        "edit",
        "view",
    }
    ok(kubectl("delete", "role", "reader"))
    ok(kubectl("delete", "rolebinding", "team"))


def test_invalid_rules_and_bindings_get_the_api_servers_causes(kubectl: Any) -> None:
    role = {"apiVersion": f"{RBAC}/v1", "kind": "Role", "metadata": {"name": "r"}}
    role["rules"] = [{"apiGroups": [""]}]
    done = kubectl("apply", "-f", "-", input=json.dumps(role))
    assert done.returncode == 1
    assert done.stderr.strip() == (
        'The Role "r" is invalid: \n'
        "* rules[0].verbs: Required value: verbs must contain at least one value\n"
        "* rules[0].resources: Required value: resource rules must supply at least one resource"
    )
    binding = {
        "apiVersion": f"{RBAC}/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {"name": "b"},
        "roleRef": {"apiGroup": RBAC, "kind": "Role", "name": "x"},
        "subjects": [{"kind": "ServiceAccount", "name": "robot"}],
    }
    done = kubectl("apply", "-f", "-", input=json.dumps(binding))
    assert done.stderr.strip() == (
        'The ClusterRoleBinding "b" is invalid: \n'
        '* roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"\n'
        "* subjects[0].namespace: Required value"
    )
    ok(kubectl("create", "rolebinding", "fixed", "--clusterrole=view", "--user=dan"))
    changed = kubectl("patch", "rolebinding", "fixed", "-p", '{"roleRef":{"name":"edit"}}')
    assert "roleRef: Invalid value: rbac.RoleRef{" in changed.stderr
    assert "cannot change roleRef" in changed.stderr


def test_official_client_creates_reads_patches_and_deletes(
    rbac_api: client.RbacAuthorizationV1Api,
) -> None:
    rule = client.V1PolicyRule(verbs=["get"], api_groups=[""], resources=["pods"])
    rbac_api.create_namespaced_role(
        "default", client.V1Role(metadata=client.V1ObjectMeta(name="r"), rules=[rule])
    )
    rbac_api.create_namespaced_role_binding(
        "default",
        client.V1RoleBinding(
            metadata=client.V1ObjectMeta(name="rb"),
            role_ref=client.V1RoleRef(api_group=RBAC, kind="Role", name="r"),
            subjects=[client.RbacV1Subject(kind="User", name="eve")],
        ),
    )
    binding = rbac_api.read_namespaced_role_binding("rb", "default")
    assert binding.subjects[0].api_group == RBAC  # defaulted by the API server
    two = [{"verbs": ["get"], "apiGroups": [""], "resources": ["pods", "services"]}] * 2
    patched = rbac_api.patch_namespaced_role("r", "default", {"rules": two})
    assert len(patched.rules) == 2
    cluster_role = rbac_api.read_cluster_role("view")
    assert all(r.verbs == ["get", "list", "watch"] for r in cluster_role.rules)
    assert rbac_api.delete_namespaced_role_binding("rb", "default")["status"] == "Success"
    assert rbac_api.delete_namespaced_role("r", "default")["status"] == "Success"
