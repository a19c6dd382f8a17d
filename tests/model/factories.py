"""Builders of API dicts shaped as the Kubernetes API serves them (after defaulting)."""

from __future__ import annotations

import copy
from typing import Any

NOW = 1_750_000_000.0  # 2025-06-15T15:06:40Z
T0 = "2025-06-15T15:06:40Z"


def stamp(seconds_ago: float) -> str:
    """An RFC 3339 timestamp `seconds_ago` before NOW."""
    import time

    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(NOW - seconds_ago))


def template(image: str = "my-app:1.4.2", **extra: Any) -> dict[str, Any]:
    container: dict[str, Any] = {
        "name": "app",
        "image": image,
        "ports": [{"containerPort": 3000, "protocol": "TCP"}],
        "resources": {"requests": {"cpu": "250m", "memory": "128Mi"}},
    }
    container.update(extra)
    return {
        "metadata": {"creationTimestamp": None, "labels": {"app": "my-app"}},
        "spec": {"containers": [container], "restartPolicy": "Always"},
    }


def deployment(
    name: str = "my-app",
    *,
    uid: str = "dep-uid",
    replicas: int | None = 3,
    image: str = "my-app:1.4.2",
    revision: int | None = 1,
    generation: int = 1,
    observed: int = 1,
    status: dict[str, Any] | None = None,
    paused: bool = False,
    annotations: dict[str, str] | None = None,
    tmpl: dict[str, Any] | None = None,
    strategy: dict[str, Any] | None = None,
    created: str = T0,
) -> dict[str, Any]:
    ann = dict(annotations or {})
    if revision is not None:
        ann["deployment.kubernetes.io/revision"] = str(revision)
    spec: dict[str, Any] = {
        "selector": {"matchLabels": {"app": "my-app"}},
        "template": tmpl if tmpl is not None else template(image),
        "strategy": strategy
        or {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
        "progressDeadlineSeconds": 600,
        "revisionHistoryLimit": 10,
    }
    if replicas is not None:
        spec["replicas"] = replicas
    if paused:
        spec["paused"] = True
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": name,
            "namespace": "default",
            "uid": uid,
            "generation": generation,
            "creationTimestamp": created,
            "annotations": ann,
        },
        "spec": spec,
        "status": {"observedGeneration": observed, **(status or {})},
    }


def replicaset(
    dep: dict[str, Any],
    revision: int | None,
    image: str,
    *,
    name: str | None = None,
    replicas: int = 0,
    ready: int = 0,
    created: str = T0,
    annotations: dict[str, str] | None = None,
    tmpl: dict[str, Any] | None = None,
    hash_: str | None = None,
) -> dict[str, Any]:
    h = hash_ or f"h{revision}"
    t = copy.deepcopy(tmpl if tmpl is not None else template(image))
    t["metadata"]["labels"]["pod-template-hash"] = h
    ann = dict(annotations or {})
    if revision is not None:
        ann["deployment.kubernetes.io/revision"] = str(revision)
    dname = dep["metadata"]["name"]
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": name or f"{dname}-{h}",
            "namespace": "default",
            "uid": f"rs-{h}",
            "creationTimestamp": created,
            "labels": {"app": "my-app", "pod-template-hash": h},
            "annotations": ann,
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "Deployment",
                    "name": dname,
                    "uid": dep["metadata"]["uid"],
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        },
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "my-app", "pod-template-hash": h}},
            "template": t,
        },
        "status": {"replicas": replicas, "readyReplicas": ready},
    }
