"""ServiceAccounts: served, printed and validated as by kube-apiserver, a ``default`` one in
every namespace (the service account controller), and pods refused for a missing one (the
ServiceAccount admission plugin); through real kubectl and the official Python client."""

from __future__ import annotations

import json
from typing import Any

import pytest
from kubernetes import client

from kubectl_stack_sim.runner import RunningSim

from .helpers import AGE, header, ok, table


@pytest.fixture
def core(official: client.ApiClient) -> client.CoreV1Api:
    return client.CoreV1Api(official)


def test_every_namespace_has_a_default_account_even_a_new_one(
    sim: RunningSim, kubectl: Any
) -> None:
    rows = table(ok(kubectl("get", "sa", "-A")))
    assert {(r["NAMESPACE"], r["NAME"], r["SECRETS"]) for r in rows} >= {
        (ns, "default", "0") for ns in ("default", "kube-system", "kube-public", "kube-node-lease")
    }
    ok(kubectl("create", "namespace", "team"))
    (row,) = table(ok(kubectl("get", "serviceaccounts", "-n", "team")))
    assert row["NAME"] == "default" and AGE.match(row["AGE"])


def test_create_get_wide_describe_delete_through_kubectl(sim: RunningSim, kubectl: Any) -> None:
    manifest = {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {"name": "build", "labels": {"team": "ci"}},
        "secrets": [{"name": "build-token"}],
        "imagePullSecrets": [{"name": "registry"}],
    }
    assert ok(kubectl("apply", "-f", "-", input=json.dumps(manifest))).strip() == (
        "serviceaccount/build created"
    )
    out = ok(kubectl("get", "sa", "build", "-o", "wide"))
    assert header(out) == ["NAME", "SECRETS", "AGE"]
    (row,) = table(out)
    assert (row["NAME"], row["SECRETS"]) == ("build", "1")
    described = ok(kubectl("describe", "sa", "build"))
    assert "Labels:              team=ci" in described
    assert "Image pull secrets:  registry" in described
    assert ok(kubectl("delete", "sa", "build")).strip() == (
        'serviceaccount "build" deleted from default namespace'
    )
    assert kubectl("get", "sa", "build").returncode == 1


def test_an_invalid_name_is_refused_as_the_api_server_words_it(kubectl: Any) -> None:
    manifest = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "Bad_Name"}}
    done = kubectl("apply", "-f", "-", input=json.dumps(manifest))
    assert done.returncode == 1
    assert 'The ServiceAccount "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name"' in (
        done.stderr
    )


def test_the_default_account_comes_back_when_deleted(sim: RunningSim, kubectl: Any) -> None:
    uid = ok(kubectl("get", "sa", "default", "-o", "jsonpath={.metadata.uid}"))
    ok(kubectl("delete", "sa", "default"))
    sim.advance(1)
    assert ok(kubectl("get", "sa", "default", "-o", "jsonpath={.metadata.uid}")) not in ("", uid)


def test_a_pod_naming_a_missing_account_is_forbidden(sim: RunningSim, kubectl: Any) -> None:
    done = kubectl(
        "run", "p", "--image=busybox", "--overrides", '{"spec":{"serviceAccountName":"nope"}}'
    )
    assert done.returncode == 1
    assert done.stderr.strip() == (
        'Error from server (Forbidden): pods "p" is forbidden: error looking up service '
        'account default/nope: serviceaccount "nope" not found'
    )
    ok(kubectl("create", "sa", "nope"))
    ok(
        kubectl(
            "run", "p", "--image=busybox", "--overrides", '{"spec":{"serviceAccountName":"nope"}}'
        )
    )


def test_a_controller_reports_the_refusal_as_failed_create(sim: RunningSim, kubectl: Any) -> None:
    ok(kubectl("create", "deployment", "web", "--image=nginx"))
    ok(
        kubectl(
            "patch",
            "deploy",
            "web",
            "-p",
            '{"spec":{"template":{"spec":{"serviceAccountName":"ghost"}}}}',
        )
    )
    sim.advance(5)
    events = json.loads(
        ok(kubectl("get", "events", "--field-selector", "reason=FailedCreate", "-o", "json"))
    )
    messages = {e["message"] for e in events["items"]}
    assert any(
        m.startswith('Error creating: pods "web-')
        and m.endswith(
            '-" is forbidden: error looking up service account default/ghost: '
            'serviceaccount "ghost" not found'
        )
        for m in messages
    ), messages


def test_official_client_creates_reads_patches_and_deletes(core: client.CoreV1Api) -> None:
    created = core.create_namespaced_service_account(
        "default", client.V1ServiceAccount(metadata=client.V1ObjectMeta(name="robot"))
    )
    assert created.metadata.uid
    read = core.read_namespaced_service_account("robot", "default")
    assert read.metadata.name == "robot" and read.secrets is None
    patched = core.patch_namespaced_service_account(
        "robot", "default", {"automountServiceAccountToken": False}
    )
    assert patched.automount_service_account_token is False
    listed = core.list_namespaced_service_account("default")
    assert {a.metadata.name for a in listed.items} == {"default", "robot"}
    deleted = core.delete_namespaced_service_account("robot", "default")
    assert isinstance(deleted, client.V1ServiceAccount) and deleted.metadata.name == "robot"
