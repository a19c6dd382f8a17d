"""Everything the embedded cluster serves has the shape of Kubernetes' published OpenAPI
schemas: each object of every built-in kind, in every scenario, walked against the models the
official Python client (37) generates from the Kubernetes 1.37 OpenAPI document — no field the
schema does not have, and each value of the schema's type.

Custom resources and metrics.k8s.io are not in that document and are not checked here."""

from __future__ import annotations

import json
import re
import urllib.request
from typing import Any

import pytest
from kubernetes.client import models

from kubectl_stack_sim.resources import RESOURCES, ResourceType
from kubectl_stack_sim.runner import RunningSim, start_sim
from kubectl_stack_sim.scenario import create_object

_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
_GROUP_PREFIX = {"": "Core", "events.k8s.io": "Events"}


def _model(rtype: ResourceType, version: str, suffix: str = "") -> Any:
    name = version[0].upper() + version[1:] + rtype.kind + suffix
    prefix = _GROUP_PREFIX.get(rtype.group, "")
    for candidate in (prefix + name, name):
        found = getattr(models, candidate, None)
        if found is not None:
            return found
    raise LookupError(f"no model for {rtype.gr} {version}")


def check(value: Any, type_name: str, path: str, errors: list[str]) -> None:
    """Walk ``value`` against a model type of the generated client."""
    if value is None:
        return
    if type_name.startswith("List["):
        if not isinstance(value, list):
            errors.append(f"{path}: {value!r} is not a list")
            return
        for i, item in enumerate(value):
            check(item, type_name[5:-1], f"{path}[{i}]", errors)
    elif type_name.startswith("Dict["):
        if not isinstance(value, dict):
            errors.append(f"{path}: {value!r} is not a map")
            return
        inner = type_name[5:-1].split(", ", 1)[1]
        for key, item in value.items():
            check(item, inner, f"{path}.{key}", errors)
    elif type_name in ("str", "bytes"):  # bytes: base64 text in JSON
        if not isinstance(value, str):
            errors.append(f"{path}: {value!r} is not a string")
    elif type_name == "int":
        if not isinstance(value, int) or isinstance(value, bool):
            errors.append(f"{path}: {value!r} is not an integer")
    elif type_name == "float":
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            errors.append(f"{path}: {value!r} is not a number")
    elif type_name == "bool":
        if not isinstance(value, bool):
            errors.append(f"{path}: {value!r} is not a boolean")
    elif type_name == "datetime":
        if not isinstance(value, str) or not _RFC3339.match(value):
            errors.append(f"{path}: {value!r} is not an RFC 3339 time")
    elif type_name == "object":
        pass  # IntOrString, RawExtension, free-form JSON
    else:
        model = getattr(models, type_name)
        if not isinstance(value, dict):
            errors.append(f"{path}: {value!r} is not an object ({type_name})")
            return
        by_json = {json_key: attr for attr, json_key in model.attribute_map.items()}
        for key, item in value.items():
            attr = by_json.get(key)
            if attr is None:
                errors.append(f"{path}.{key}: unknown field of {type_name}")
                continue
            check(item, model.openapi_types[attr], f"{path}.{key}", errors)


def _get(sim: RunningSim, path: str) -> Any:
    with urllib.request.urlopen(sim.url + path, timeout=10) as resp:
        return json.load(resp)


CHECKED = [
    r
    for r in RESOURCES
    if not r.volatile and "list" in r.verbs and r.group != "apiextensions.k8s.io"
]


# Objects of the kinds no scenario starts with: a finished Job, a failed one, a CronJob, a
# NetworkPolicy, a PodDisruptionBudget, RBAC, a ReplicationController, a PersistentVolume, a
# ResourceQuota, a LimitRange.
EXTRA = [
    {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "backoffLimit": 0,
            "template": {
                "spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": image}]}
            },
        },
    }
    for name, image in (("done", "task:ok"), ("broken", "task:fail"))
] + [
    {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "tick", "namespace": "default"},
        "spec": {
            "schedule": "* * * * *",
            "jobTemplate": {
                "spec": {
                    "template": {
                        "spec": {
                            "restartPolicy": "OnFailure",
                            "containers": [{"name": "c", "image": "task:ok"}],
                        }
                    }
                }
            },
        },
    },
    {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "deny", "namespace": "default"},
        "spec": {"podSelector": {}, "egress": [{"ports": [{"port": 53}]}]},
    },
    {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": "all", "namespace": "default"},
        "spec": {"maxUnavailable": "10%", "selector": {"matchLabels": {"app": "none"}}},
    },
    {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": {"name": "readers", "namespace": "default"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
        "subjects": [{"kind": "User", "name": "ann"}, {"kind": "ServiceAccount", "name": "x"}],
    },
    {
        "apiVersion": "v1",
        "kind": "ReplicationController",
        "metadata": {"name": "rc", "namespace": "default"},
        "spec": {
            "replicas": 2,
            "template": {
                "metadata": {"labels": {"app": "rc"}},
                "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]},
            },
        },
    },
    {
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {"name": "static"},
        "spec": {
            "capacity": {"storage": "1Gi"},
            "accessModes": ["ReadWriteOnce"],
            "hostPath": {"path": "/data"},
        },
    },
    {
        "apiVersion": "v1",
        "kind": "ResourceQuota",
        "metadata": {"name": "counts", "namespace": "default"},
        "spec": {"hard": {"pods": "10", "requests.memory": "1Gi", "count/jobs.batch": "5"}},
    },
    {
        "apiVersion": "v1",
        "kind": "LimitRange",
        "metadata": {"name": "defaults", "namespace": "default"},
        "spec": {"limits": [{"type": "Container", "max": {"memory": "4Gi"}}]},
    },
]


@pytest.mark.parametrize(
    "scenario", ["seed", "crashloop", "bad-rollout", "helm-argo", "mesh", "batch"]
)
def test_every_served_object_fits_the_published_schema(scenario: str) -> None:
    sim = start_sim(scenario)
    try:
        if scenario == "batch":
            for obj in EXTRA:
                sim.call(lambda o=obj: create_object(sim.cluster, o))
        sim.advance(120)
        errors: list[str] = []
        counted = 0
        for rtype in CHECKED:
            for version in rtype.versions:
                prefix = f"/apis/{rtype.group}/{version}" if rtype.group else "/api/v1"
                body = _get(sim, f"{prefix}/{rtype.plural}")
                check(body, _model(rtype, version, "List").__name__, rtype.gr, errors)
                counted += len(body["items"])
        assert counted > 20
        assert errors == []
    finally:
        sim.stop()


def test_the_walk_flags_unknown_fields_and_wrong_types() -> None:
    errors: list[str] = []
    pod = {
        "metadata": {"name": "p", "labels": {"a": 1}},
        "spec": {"containers": [{"name": "c", "ports": [{"containerPort": "80"}]}], "bogus": 1},
        "status": {"conditions": [{"type": "Ready", "lastTransitionTime": "yesterday"}]},
    }
    check(pod, "V1Pod", "pod", errors)
    assert errors == [
        "pod.metadata.labels.a: 1 is not a string",
        "pod.spec.containers[0].ports[0].containerPort: '80' is not an integer",
        "pod.spec.bogus: unknown field of V1PodSpec",
        "pod.status.conditions[0].lastTransitionTime: 'yesterday' is not an RFC 3339 time",
    ]
