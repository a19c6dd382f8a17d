"""LimitRanges, in the empty ``batch`` cluster: served, defaulted, validated and printed as by
kube-apiserver (its default table: NAME, CREATED AT), and applied by the LimitRanger admission
plugin (default requests and limits, refusals in its words); through real kubectl and the
official Python client."""

from __future__ import annotations

import json
import re
from typing import Any

from kubernetes import client, config

from kubectl_stack_sim.runner import RunningSim

from .helpers import header, ok, table

LIMITS = {
    "apiVersion": "v1",
    "kind": "LimitRange",
    "metadata": {"name": "cpu-mem"},
    "spec": {
        "limits": [
            {
                "type": "Container",
                "default": {"cpu": "500m", "memory": "256Mi"},
                "defaultRequest": {"cpu": "250m"},
                "max": {"cpu": "1"},
                "min": {"cpu": "100m"},
            },
            {"type": "PersistentVolumeClaim", "max": {"storage": "5Gi"}},
        ]
    },
}


def _pod(name: str, resources: dict[str, Any]) -> str:
    container = {"name": "app", "image": "nginx:1.27", "resources": resources}
    return json.dumps(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name},
            "spec": {"containers": [container]},
        }
    )


def test_defaults_are_applied_and_bounds_enforced(batch: RunningSim, kctl: Any) -> None:
    ok(kctl("apply", "-f", "-", input=json.dumps(LIMITS)))
    out = ok(kctl("get", "limits", "-o", "wide"))
    assert header(out) == ["NAME", "CREATED AT"]
    (row,) = table(out)
    assert row["NAME"] == "cpu-mem"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", row["CREATED AT"])
    stored = json.loads(ok(kctl("get", "limits", "cpu-mem", "-o", "json")))
    # SetDefaults_LimitRangeItem: the default request of memory from its default limit.
    assert stored["spec"]["limits"][0]["defaultRequest"] == {"cpu": "250m", "memory": "256Mi"}
    described = ok(kctl("describe", "limits", "cpu-mem"))
    rows = [re.split(r"\s{2,}", line.strip()) for line in described.splitlines()[4:]]
    # kubectl walks each limit's resources through a Go map: the limits keep their order,
    # the resources within one limit come in any order.
    assert [row[0] for row in rows] == ["Container", "Container", "PersistentVolumeClaim"]
    assert sorted(rows) == [
        ["Container", "cpu", "100m", "1", "250m", "500m", "-"],
        ["Container", "memory", "-", "-", "256Mi", "256Mi", "-"],
        ["PersistentVolumeClaim", "storage", "-", "5Gi", "-", "-", "-"],
    ]

    ok(kctl("run", "small", "--image=nginx"))
    pod = json.loads(ok(kctl("get", "pod", "small", "-o", "json")))
    assert pod["spec"]["containers"][0]["resources"] == {
        "limits": {"cpu": "500m", "memory": "256Mi"},
        "requests": {"cpu": "250m", "memory": "256Mi"},
    }
    assert pod["metadata"]["annotations"]["kubernetes.io/limit-ranger"] == (
        "LimitRanger plugin set: cpu, memory request for container small; "
        "cpu, memory limit for container small"
    )
    assert pod["status"]["qosClass"] == "Burstable"

    done = kctl("apply", "-f", "-", input=_pod("big", {"limits": {"cpu": "2"}}))
    assert done.returncode == 1
    assert done.stderr.strip() == (
        'Error from server (Forbidden): error when creating "STDIN": pods "big" is forbidden: '
        "maximum cpu usage per Container is 1, but limit is 2"
    )
    tiny = {"requests": {"cpu": "50m"}, "limits": {"cpu": "50m", "memory": "64Mi"}}
    done = kctl("apply", "-f", "-", input=_pod("tiny", tiny))
    assert done.stderr.strip() == (
        'Error from server (Forbidden): error when creating "STDIN": pods "tiny" is forbidden: '
        "minimum cpu usage per Container is 100m, but request is 50m"
    )
    claim = {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": "huge"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "8Gi"}}},
    }
    done = kctl("apply", "-f", "-", input=json.dumps(claim))
    assert done.stderr.strip() == (
        'Error from server (Forbidden): error when creating "STDIN": persistentvolumeclaims '
        '"huge" is forbidden: maximum storage usage per PersistentVolumeClaim is 5Gi, '
        "but request is 8Gi"
    )
    assert ok(kctl("delete", "limits", "cpu-mem")).strip() == (
        'limitrange "cpu-mem" deleted from default namespace'
    )
    ok(kctl("apply", "-f", "-", input=_pod("big", {"limits": {"cpu": "2"}})))


def test_a_controller_meets_the_limits_in_its_events(batch: RunningSim, kctl: Any) -> None:
    ok(kctl("apply", "-f", "-", input=json.dumps(LIMITS)))
    ok(kctl("create", "deployment", "web", "--image=nginx:1.27"))
    ok(kctl("set", "resources", "deployment", "web", "--limits=cpu=3"))
    batch.advance(10)
    events = ok(kctl("get", "events", "--field-selector", "reason=FailedCreate"))
    assert "maximum cpu usage per Container is 1, but limit is 3" in events


def test_defaults_for_a_pod_are_refused(kctl: Any) -> None:
    bad = {**LIMITS, "spec": {"limits": [{"type": "Pod", "default": {"cpu": "1"}}]}}
    done = kctl("apply", "-f", "-", input=json.dumps(bad))
    assert done.returncode == 1
    assert done.stderr.strip() == (
        'The LimitRange "cpu-mem" is invalid: spec.limits[0].default: '
        "Forbidden: may not be specified when `type` is 'Pod'"
    )


def test_official_client_creates_reads_patches_and_deletes(batch: RunningSim) -> None:
    api_client = config.new_client_from_config(config_file=str(batch.kubeconfig))
    try:
        api = client.CoreV1Api(api_client)
        created = api.create_namespaced_limit_range("default", LIMITS)
        assert created.spec.limits[0].default_request["memory"] == "256Mi"
        read = api.read_namespaced_limit_range("cpu-mem", "default")
        assert read.spec.limits[1].max == {"storage": "5Gi"}
        patched = api.patch_namespaced_limit_range(
            "cpu-mem", "default", {"metadata": {"labels": {"team": "a"}}}
        )
        assert patched.metadata.labels == {"team": "a"}
        assert api.delete_namespaced_limit_range("cpu-mem", "default")["status"] == "Success"
    finally:
        api_client.close()
