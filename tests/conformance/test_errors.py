"""Error paths print what kubectl prints against a real API server."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kubectl_stack_sim.runner import RunningSim, start_sim

from .helpers import ok

BAD_SELECTOR = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: broken
spec:
  replicas: 1
  selector:
    matchLabels:
      app: one
  template:
    metadata:
      labels:
        app: two
    spec:
      containers:
        - name: app
          image: nginx
"""


def test_not_found(kubectl: Any) -> None:
    result = kubectl("get", "deploy", "nope")
    assert result.returncode == 1
    assert result.stderr == 'Error from server (NotFound): deployments.apps "nope" not found\n'


def test_invalid_object_lists_the_causes(kubectl: Any) -> None:
    negative = kubectl("patch", "deploy", "my-app", "-p", '{"spec":{"replicas":-1}}')
    assert negative.returncode == 1
    assert negative.stderr == (
        'The Deployment "my-app" is invalid: spec.replicas: Invalid value: -1: '
        "must be greater than or equal to 0\n"
    )
    mismatch = kubectl("apply", "-f", "-", input=BAD_SELECTOR)
    assert mismatch.returncode == 1
    assert mismatch.stderr.startswith(
        'The Deployment "broken" is invalid: spec.template.metadata.labels: Invalid value:'
    )
    assert "`selector` does not match template `labels`" in mismatch.stderr


def test_conflict_on_a_stale_resource_version(kubectl: Any) -> None:
    stale = json.loads(ok(kubectl("get", "deploy", "my-app", "-o", "json")))
    ok(kubectl("label", "deploy", "my-app", "bump=1"))
    stale["spec"]["replicas"] = 4
    result = kubectl("replace", "-f", "-", input=json.dumps(stale))
    assert result.returncode == 1
    assert result.stderr.startswith(
        'Error from server (Conflict): error when replacing "STDIN": Operation cannot be '
        'fulfilled on deployments.apps "my-app": the object has been modified; please apply '
        "your changes to the latest version and try again"
    )


def test_viewer_may_read_but_not_change_nor_read_secrets(kubectl: Any) -> None:
    assert "my-app" in ok(kubectl("--context", "viewer", "get", "deploy"))
    secrets = kubectl("--context", "viewer", "get", "secrets")
    assert secrets.returncode == 1
    assert secrets.stderr == (
        'Error from server (Forbidden): secrets is forbidden: User "viewer" cannot list '
        'resource "secrets" in API group "" in the namespace "default"\n'
    )
    scale = kubectl("--context", "viewer", "scale", "deploy/my-app", "--replicas=1")
    assert scale.returncode == 1
    assert (
        'User "viewer" cannot patch resource "deployments/scale" in API group "apps"'
        in scale.stderr
    )


def test_bad_field_selector_is_a_bad_request(kubectl: Any) -> None:
    result = kubectl("get", "pods", "--field-selector", "spec.color=blue")
    assert result.returncode == 1
    assert result.stderr == (
        'Error from server (BadRequest): Unable to find "/v1, Resource=pods" that match label '
        'selector "", field selector "spec.color=blue": field label not supported: spec.color\n'
    )


def test_method_not_allowed(kubectl: Any) -> None:
    result = kubectl("delete", "--raw", "/api/v1/namespaces/default/pods/x/log")
    assert result.returncode == 1
    assert (
        "MethodNotAllowed" in result.stderr
        or "the server does not allow this method" in result.stderr
    )


def test_expired_watch_version_gets_410(sim: RunningSim, kubectl: Any) -> None:
    sim.call(sim.cluster.store.compact)
    out = ok(
        kubectl(
            "get",
            "--raw",
            "/api/v1/namespaces/default/pods?watch=1&resourceVersion=1&timeoutSeconds=1",
        )
    )
    event = json.loads(out.splitlines()[0])
    assert event["type"] == "ERROR"
    assert (event["object"]["code"], event["object"]["reason"]) == (410, "Expired")


def test_tls_requires_credentials(kubectl_for: Callable[[Path], Any]) -> None:
    with start_sim("empty", tls=True) as secured:
        run = kubectl_for(secured.kubeconfig)
        assert "default" in ok(run("get", "ns"))
        assert "default" in ok(run("--context", "sim-cert", "get", "ns"))
        denied = run("--context", "viewer", "get", "secrets")
        assert 'User "viewer" cannot list resource "secrets"' in denied.stderr
        anonymous = run("--token", "wrong", "get", "ns")
        assert anonymous.returncode == 1
        assert anonymous.stderr.strip().endswith(
            "error: You must be logged in to the server (Unauthorized)"
        )
        assert secured.url.startswith("https://127.0.0.1:")
