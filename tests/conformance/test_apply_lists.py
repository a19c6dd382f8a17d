"""``kubectl apply -f`` / ``create -f`` of ``kind: List`` documents and multi-document files
that mix kinds, as on a real cluster (kubectl validates a List against ``/openapi/v2``)."""

from __future__ import annotations

from typing import Any

from .helpers import ok

LIST = """\
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: settings}
  data: {mode: fast}
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: worker}
  spec:
    selector: {matchLabels: {app: worker}}
    template:
      metadata: {labels: {app: worker}}
      spec: {containers: [{name: worker, image: worker:1}]}
"""

MIXED = """\
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: web:1}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Secret
  metadata: {name: token, namespace: shop}
  stringData: {token: abc}
- apiVersion: autoscaling/v2
  kind: HorizontalPodAutoscaler
  metadata: {name: web, namespace: shop}
  spec:
    scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
    maxReplicas: 4
"""


def test_apply_of_a_list_creates_every_item_then_reports_unchanged(kubectl: Any) -> None:
    assert ok(kubectl("apply", "-f", "-", input=LIST)).splitlines() == [
        "configmap/settings created",
        "deployment.apps/worker created",
    ]
    assert ok(kubectl("apply", "-f", "-", input=LIST)).splitlines() == [
        "configmap/settings unchanged",
        "deployment.apps/worker unchanged",
    ]
    assert ok(kubectl("get", "cm", "settings", "-o", "jsonpath={.data.mode}")) == "fast"


def test_create_of_a_list_with_an_invalid_item_reports_the_server_error(kubectl: Any) -> None:
    bad = LIST.replace("spec:\n    selector", "spec:\n    replicas: -1\n    selector")
    result = kubectl("create", "-f", "-", input=bad)
    assert result.returncode == 1
    assert "configmap/settings created" in result.stdout
    assert 'The Deployment "worker" is invalid: spec.replicas: Invalid value: -1' in result.stderr


def test_apply_of_a_file_mixing_kinds_and_a_list(kubectl: Any) -> None:
    assert ok(kubectl("apply", "-f", "-", input=MIXED)).splitlines() == [
        "namespace/shop created",
        "deployment.apps/web created",
        "service/web created",
        "secret/token created",
        "horizontalpodautoscaler.autoscaling/web created",
    ]
    names = ok(kubectl("get", "deploy,svc,secret,hpa", "-n", "shop", "-o", "name"))
    assert names.split() == [
        "deployment.apps/web",
        "service/web",
        "secret/token",
        "horizontalpodautoscaler.autoscaling/web",
    ]
