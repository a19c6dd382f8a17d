"""Server-side field validation (``fieldValidation``) through real kubectl and plain HTTP:
``kubectl create``/``apply`` (``--validate=strict``, kubectl's default) are refused with
kube-apiserver's strict decoding error, ``--validate=warn`` prints the API server's warnings
and drops the fields, ``--validate=false`` drops them silently. The expected texts are the
API server's wording (apiserver endpoints/handlers rest.go ``transformDecodeError``, patch.go,
apimachinery's strict decoding errors), not the simulator's output."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

from kubectl_stack_sim.api.fields import go_print, model_of
from kubectl_stack_sim.resources import RESOURCES
from kubectl_stack_sim.runner import RunningSim

from .helpers import ok

MANIFEST = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: typo
spec:
  replicas: 1
  replica: 2
  selector:
    matchLabels: {app: typo}
  template:
    metadata:
      labels: {app: typo}
    spec:
      containers:
        - name: app
          image: nginx
          imagePullPolice: Always
"""
UNKNOWN = (
    'strict decoding error: unknown field "spec.replica", '
    'unknown field "spec.template.spec.containers[0].imagePullPolice"'
)


def _write(tmp_path: Path, text: str = MANIFEST) -> str:
    path = tmp_path / "typo.yaml"
    path.write_text(text)
    return str(path)


def test_create_and_apply_refuse_unknown_fields_by_default(kubectl: Any, tmp_path: Path) -> None:
    path = _write(tmp_path)
    for verb in ("create", "apply"):
        result = kubectl(verb, "-f", path)
        assert result.returncode == 1
        assert result.stderr == (
            f'Error from server (BadRequest): error when creating "{path}": Deployment in '
            f'version "v1" cannot be handled as a Deployment: {UNKNOWN}\n'
        )
    assert "NotFound" in kubectl("get", "deploy", "typo").stderr


def test_validate_warn_prints_the_servers_warnings_and_drops_the_fields(
    kubectl: Any, tmp_path: Path
) -> None:
    result = kubectl("apply", "--validate=warn", "-f", _write(tmp_path))
    assert result.returncode == 0
    assert result.stdout == "deployment.apps/typo created\n"
    assert result.stderr == (
        'Warning: unknown field "spec.replica"\n'
        'Warning: unknown field "spec.template.spec.containers[0].imagePullPolice"\n'
    )
    stored = json.loads(ok(kubectl("get", "deploy", "typo", "-o", "json")))
    assert "replica" not in stored["spec"]
    assert stored["spec"]["replicas"] == 1
    container = stored["spec"]["template"]["spec"]["containers"][0]
    assert "imagePullPolice" not in container
    assert container["imagePullPolicy"] == "Always"  # the default for a :latest image


def test_validate_false_drops_unknown_fields_silently(kubectl: Any, tmp_path: Path) -> None:
    result = kubectl("create", "--validate=false", "-f", _write(tmp_path))
    assert (result.returncode, result.stderr) == (0, "")
    assert "replica" not in json.loads(ok(kubectl("get", "deploy", "typo", "-o", "json")))["spec"]


def test_apply_to_an_existing_object_is_refused_on_the_patch(kubectl: Any, tmp_path: Path) -> None:
    ok(kubectl("create", "deployment", "typo", "--image=nginx"))
    result = kubectl("apply", "-f", _write(tmp_path, MANIFEST.replace("  replica: 2\n", "")))
    assert result.returncode == 1
    assert result.stderr.startswith("Warning: resource deployments/typo is missing the ")
    # The strategic merge patch as the API server prints the decoded map (Go's %+v).
    assert result.stderr.endswith(
        'The request is invalid: patch: Invalid value: "map[metadata:map[annotations:map['
        'kubectl.kubernetes.io/last-applied-configuration:{\\"apiVersion\\":\\"apps/v1\\",'
        '\\"kind\\":\\"Deployment\\",\\"metadata\\":{\\"annotations\\":{},\\"name\\":\\"typo\\",'
        '\\"namespace\\":\\"default\\"},\\"spec\\":{\\"replicas\\":1,\\"selector\\":'
        '{\\"matchLabels\\":{\\"app\\":\\"typo\\"}},\\"template\\":{\\"metadata\\":{\\"labels\\":'
        '{\\"app\\":\\"typo\\"}},\\"spec\\":{\\"containers\\":[{\\"image\\":\\"nginx\\",'
        '\\"imagePullPolice\\":\\"Always\\",\\"name\\":\\"app\\"}]}}}}\\n]] '
        "spec:map[template:map[spec:map[$setElementOrder/containers:[map[name:app]] "
        "containers:[map[image:nginx "
        'imagePullPolice:Always name:app]]]]]]": strict decoding error: unknown field '
        '"spec.template.spec.containers[0].imagePullPolice"\n'
    )


def _post(sim: RunningSim, path: str, body: Any, method: str = "POST", ctype: str = "") -> Any:
    request = urllib.request.Request(
        sim.url + path,
        data=json.dumps(body).encode(),
        method=method,
        headers={"Content-Type": ctype or "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status, resp.headers.get_all("Warning") or [], json.load(resp)
    except urllib.error.HTTPError as err:
        return err.code, err.headers.get_all("Warning") or [], json.load(err)


CONFIGMAP = {
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": {"name": "cm", "labels": {"a": "b"}, "color": "red"},
    "data": {"k": "v"},
    "date": {"k": "v"},
}
CMS = "/api/v1/namespaces/default/configmaps"


def test_without_a_directive_the_server_warns_one_header_per_field(sim: RunningSim) -> None:
    status, warnings, body = _post(sim, CMS, CONFIGMAP)
    assert status == 201
    assert warnings == [
        '299 - "unknown field \\"metadata.color\\""',
        '299 - "unknown field \\"date\\""',
    ]
    assert "date" not in body and "color" not in body["metadata"]
    assert body["data"] == {"k": "v"}


def test_ignore_drops_quietly_and_strict_refuses_updates_and_patches(sim: RunningSim) -> None:
    status, warnings, _ = _post(sim, CMS + "?fieldValidation=Ignore", CONFIGMAP)
    assert (status, warnings) == (201, [])
    update = {**CONFIGMAP, "metadata": {"name": "cm", "colour": 1}}
    status, _, body = _post(sim, CMS + "/cm?fieldValidation=Strict", update, "PUT")
    assert (status, body["reason"]) == (400, "BadRequest")
    assert body["message"] == (
        'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: '
        'unknown field "metadata.colour", unknown field "date"'
    )
    patch = {"data": {"x": "1"}, "binary": None, "immutable": True, "dat": [1.5, 2e21]}
    status, _, body = _post(
        sim, CMS + "/cm?fieldValidation=Strict", patch, "PATCH", "application/merge-patch+json"
    )
    assert (status, body["reason"]) == (422, "Invalid")
    cause = body["details"]["causes"][0]
    assert cause["field"] == "patch"
    assert cause["message"].endswith(': strict decoding error: unknown field "dat"')
    assert body["message"] == ' "" is invalid: patch: ' + cause["message"]


def test_an_unknown_directive_is_refused_as_the_options_are(sim: RunningSim) -> None:
    status, _, body = _post(sim, CMS + "?fieldValidation=strict", CONFIGMAP)
    assert status == 422
    assert body["message"] == (
        'CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: '
        '"strict": supported values: "", "Ignore", "Strict", "Warn"'
    )


def test_patches_are_printed_as_go_prints_a_decoded_map() -> None:
    decoded = {"b": [1, 2.5, 1e21, None, True], "a": {"z": "x y", "c": 0.0001}}
    assert go_print(decoded) == "map[a:map[c:0.0001 z:x y] b:[1 2.5 1e+21 <nil> true]]"
    assert go_print({"n": 0.00001}) == "map[n:1e-05]"


def test_server_side_apply_refuses_unknown_fields_whatever_the_directive(
    kubectl: Any, tmp_path: Path
) -> None:
    # structured-merge-diff names list items by their keys, with a key's default when absent.
    manifest = MANIFEST.replace(
        "image: nginx", "image: nginx\n          ports: [{containerPort: 80, hostPot: 1}]"
    )
    result = kubectl("apply", "--server-side", "-f", _write(tmp_path, manifest))
    assert result.returncode == 1
    assert result.stderr == (
        "Error from server: failed to create typed patch object (default/typo; apps/v1, "
        "Kind=Deployment): errors:\n"
        "  .spec.replica: field not declared in schema\n"
        '  .spec.template.spec.containers[name="app"].imagePullPolice: field not declared in '
        "schema\n"
        '  .spec.template.spec.containers[name="app"].ports[containerPort=80,protocol="TCP"]'
        ".hostPot: field not declared in schema\n"
    )
    configmap = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\nsops: {mac: x}\n"
    result = kubectl("apply", "--server-side", "--validate=false", "-f", "-", input=configmap)
    assert result.returncode == 1
    assert result.stderr == (
        "Error from server: failed to create typed patch object (default/cm; /v1, "
        "Kind=ConfigMap): .sops: field not declared in schema\n"
    )
    assert "NotFound" in kubectl("get", "deploy", "typo").stderr


WIDGET_CRD = """apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget}
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                size: {type: integer}
                labels: {type: object, additionalProperties: {type: string}}
                extra: {type: object, x-kubernetes-preserve-unknown-fields: true}
                parts:
                  type: array
                  x-kubernetes-list-type: map
                  x-kubernetes-list-map-keys: [name]
                  items:
                    type: object
                    properties: {name: {type: string}}
"""
WIDGET = """apiVersion: example.com/v1
kind: Widget
metadata: {name: w}
spec:
  size: 2
  colour: red
  labels: {any: thing}
  extra: {anything: [1, 2]}
  parts: [{name: a, weight: 3}]
"""


def test_custom_resources_are_validated_against_their_crds_schema(
    kubectl: Any, sim: RunningSim, tmp_path: Path
) -> None:
    ok(kubectl("apply", "-f", "-", input=WIDGET_CRD))
    sim.advance(2)
    result = kubectl("apply", "-f", "-", input=WIDGET)
    assert result.returncode == 1
    assert result.stderr == (
        'Error from server (BadRequest): error when creating "STDIN": Widget in version "v1" '
        'cannot be handled as a Widget: strict decoding error: unknown field "spec.colour", '
        'unknown field "spec.parts[0].weight"\n'
    )
    result = kubectl("apply", "--server-side", "-f", "-", input=WIDGET)
    assert result.stderr == (
        "Error from server: failed to create typed patch object (default/w; example.com/v1, "
        "Kind=Widget): errors:\n"
        "  .spec.colour: field not declared in schema\n"
        '  .spec.parts[name="a"].weight: field not declared in schema\n'
    )
    result = kubectl("apply", "--validate=warn", "-f", "-", input=WIDGET)
    assert result.returncode == 0
    assert result.stderr == (
        'Warning: unknown field "spec.colour"\nWarning: unknown field "spec.parts[0].weight"\n'
    )
    spec = json.loads(ok(kubectl("get", "widget", "w", "-o", "json")))["spec"]
    assert spec == {
        "size": 2,
        "labels": {"any": "thing"},
        "extra": {"anything": [1, 2]},
        "parts": [{"name": "a"}],
    }


def test_every_writable_built_in_kind_has_its_fields_known() -> None:
    """A kind added to the sim is field-validated too: the client's models name it."""
    writable = [
        (r.api_version(v), r.kind)
        for r in RESOURCES
        if {"create", "update", "patch"} & set(r.verbs)
        for v in r.versions
    ]
    assert len(writable) > 25
    assert [gvk for gvk in writable if model_of(*gvk) is None] == []
