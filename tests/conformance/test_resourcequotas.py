"""ResourceQuotas, in the empty ``batch`` cluster: served, printed and validated as by
kube-apiserver, their usage kept by the quota controller and enforced by the ResourceQuota
admission plugin with its own words; through real kubectl and the official Python client."""

from __future__ import annotations

import json
from typing import Any

from kubernetes import client, config

from kubectl_stack_sim.runner import RunningSim

from .helpers import AGE, header, ok, table

QUOTA = {
    "apiVersion": "v1",
    "kind": "ResourceQuota",
    "metadata": {"name": "compute"},
    "spec": {
        "hard": {
            "pods": "2",
            "requests.cpu": "1",
            "requests.memory": "1Gi",
            "limits.cpu": "2",
            "limits.memory": "2Gi",
            "configmaps": "5",
        }
    },
}


def _pod(name: str) -> str:
    resources = {
        "requests": {"cpu": "500m", "memory": "256Mi"},
        "limits": {"cpu": "1", "memory": "512Mi"},
    }
    return json.dumps(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name},
            "spec": {
                "containers": [{"name": "app", "image": "nginx:1.27", "resources": resources}]
            },
        }
    )


def test_usage_is_counted_charged_and_enforced(batch: RunningSim, kctl: Any) -> None:
    ok(kctl("apply", "-f", "-", input=json.dumps(QUOTA)))
    batch.advance(1)
    out = ok(kctl("get", "quota", "-o", "wide"))
    assert header(out) == ["NAME", "REQUEST", "LIMIT", "AGE"]
    (row,) = table(out)
    # kube-root-ca.crt is the namespace's one ConfigMap.
    assert row["REQUEST"] == (
        "configmaps: 1/5, pods: 0/2, requests.cpu: 0/1, requests.memory: 0/1Gi"
    )
    assert row["LIMIT"] == "limits.cpu: 0/2, limits.memory: 0/2Gi"
    assert AGE.match(row["AGE"])

    done = kctl("run", "bare", "--image=nginx")
    assert done.returncode == 1
    assert done.stderr.strip() == (
        'Error from server (Forbidden): pods "bare" is forbidden: failed quota: compute: '
        "must specify limits.cpu for: bare; limits.memory for: bare; requests.cpu for: bare; "
        "requests.memory for: bare"
    )
    # A server-side dry run is checked but not charged.
    ok(kctl("apply", "--dry-run=server", "-f", "-", input=_pod("p0")))
    (row,) = table(ok(kctl("get", "quota")))
    assert row["REQUEST"].startswith("configmaps: 1/5, pods: 0/2,")
    ok(kctl("apply", "-f", "-", input=_pod("p1")))
    ok(kctl("apply", "-f", "-", input=_pod("p2")))
    # Charged at admission, before any controller ran: the third is refused at once.
    done = kctl("apply", "-f", "-", input=_pod("p3"))
    assert done.returncode == 1
    assert done.stderr.strip() == (
        'Error from server (Forbidden): error when creating "STDIN": pods "p3" is forbidden: '
        "exceeded quota: compute, requested: limits.cpu=1,pods=1,requests.cpu=500m, "
        "used: limits.cpu=2,pods=2,requests.cpu=1, limited: limits.cpu=2,pods=2,requests.cpu=1"
    )
    batch.advance(5)
    (row,) = table(ok(kctl("get", "quota")))
    assert row["REQUEST"] == (
        "configmaps: 1/5, pods: 2/2, requests.cpu: 1/1, requests.memory: 512Mi/1Gi"
    )
    assert row["LIMIT"] == "limits.cpu: 2/2, limits.memory: 1Gi/2Gi"
    described = ok(kctl("describe", "quota", "compute"))
    assert "requests.memory  512Mi  1Gi" in described and "pods             2      2" in described

    # Replenishment: a deleted pod gives its share back.
    ok(kctl("delete", "pod", "p1", "--wait=false"))
    batch.advance(40)
    (row,) = table(ok(kctl("get", "quota")))
    assert row["REQUEST"].startswith("configmaps: 1/5, pods: 1/2, requests.cpu: 500m/1")
    ok(kctl("apply", "-f", "-", input=_pod("p3")))
    ok(kctl("delete", "quota", "compute"))


def test_a_controller_meets_the_quota_in_its_events(batch: RunningSim, kctl: Any) -> None:
    quota = {**QUOTA, "spec": {"hard": {"pods": "1"}}}
    ok(kctl("apply", "-f", "-", input=json.dumps(quota)))
    batch.advance(1)
    ok(kctl("create", "deployment", "web", "--image=nginx:1.27", "--replicas=3"))
    batch.advance(10)
    (row,) = table(ok(kctl("get", "deploy", "web")))
    assert row["READY"] == "1/3"
    events = ok(kctl("get", "events", "--field-selector", "reason=FailedCreate"))
    assert (
        "is forbidden: exceeded quota: compute, requested: pods=1, used: pods=1, limited: pods=1"
        in events
    )


def test_invalid_quotas_are_refused(kctl: Any) -> None:
    bad = {**QUOTA, "spec": {"hard": {"pods": "-1"}}}
    done = kctl("apply", "-f", "-", input=json.dumps(bad))
    assert done.returncode == 1
    assert done.stderr.strip() == (
        'The ResourceQuota "compute" is invalid: '
        'spec.hard[pods]: Invalid value: "-1": must be greater than or equal to 0'
    )


def test_official_client_creates_reads_patches_and_deletes(batch: RunningSim) -> None:
    api = client.CoreV1Api(config.new_client_from_config(config_file=str(batch.kubeconfig)))
    created = api.create_namespaced_resource_quota("default", QUOTA)
    assert created.spec.hard["pods"] == "2"
    batch.advance(1)
    read = api.read_namespaced_resource_quota("compute", "default")
    assert read.status.used["pods"] == "0" and read.status.hard["limits.memory"] == "2Gi"
    patched = api.patch_namespaced_resource_quota(
        "compute", "default", {"spec": {"hard": {"pods": "9"}}}
    )
    assert patched.spec.hard["pods"] == "9"
    batch.advance(1)
    assert (
        api.read_namespaced_resource_quota_status("compute", "default").status.hard["pods"] == "9"
    )
    deleted = api.delete_namespaced_resource_quota("compute", "default")
    assert deleted.metadata.name == "compute"


def test_a_scoped_quota_counts_only_its_pods(batch: RunningSim, kctl: Any) -> None:
    ok(kctl("create", "quota", "best-effort", "--hard=pods=1", "--scopes=BestEffort"))
    batch.advance(1)
    ok(kctl("run", "bare", "--image=nginx"))
    ok(kctl("apply", "-f", "-", input=_pod("sized")))  # Burstable: not in the scope
    done = kctl("run", "bare2", "--image=nginx")
    assert done.stderr.strip() == (
        'Error from server (Forbidden): pods "bare2" is forbidden: exceeded quota: best-effort, '
        "requested: pods=1, used: pods=1, limited: pods=1"
    )
    batch.advance(5)
    quota = json.loads(ok(kctl("get", "quota", "best-effort", "-o", "json")))
    assert quota["spec"]["scopes"] == ["BestEffort"]
    assert quota["status"]["used"] == {"pods": "1"}
