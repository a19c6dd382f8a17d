"""Bulk scenarios: thousands of objects created directly in their converged state, so a big
cluster starts in seconds instead of replaying every controller step."""

from __future__ import annotations

import gc
from typing import Any

from . import admission
from .bootstrap import namespace
from .cluster import Cluster
from .controllers.gc import root_ca_configmap
from .controllers.kubelet import node_ip
from .controllers.serviceaccounts import default_account
from .names import container_id, image_id, image_ref, pod_template_hash, random_suffix
from .objects import owner_reference
from .store import Obj, clone


def generate(cluster: Cluster, kind: str, params: dict[str, Any]) -> None:
    """Create the objects of a built-in bulk scenario (``large``)."""
    if kind != "large":
        raise ValueError(f"unknown generator {kind!r}")
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        _large(
            cluster,
            namespaces=int(params.get("namespaces", 20)),
            deployments=int(params.get("deployments", 1000)),
            pods=int(params.get("pods", 10000)),
            nodes=cluster.store.count("nodes"),
        )
    finally:
        # The bulk objects live as long as the cluster and hold no cycles: moved out of the
        # collector's generations, later collections stop rescanning them (a 4x saving in
        # steady-state controller time for 10,000 pods).
        gc.freeze()
        if was_enabled:
            gc.enable()


def _large(cluster: Cluster, *, namespaces: int, deployments: int, pods: int, nodes: int) -> None:
    store = cluster.store
    clock = cluster.clock
    rng = store.rng
    now = clock.now()
    per_deploy = max(1, pods // max(1, deployments))
    ns_names = [f"team-{i:02d}" for i in range(namespaces)]
    for ns in ns_names:
        store.create("namespaces", namespace(ns, clock.timestamp(now - 30 * 86400)))
        store.create("configmaps", root_ca_configmap(ns))
        store.create("serviceaccounts", default_account(store, ns))
    ip_next = [2] * nodes
    node_cpu = [0] * nodes
    for d_i in range(deployments):
        ns = ns_names[d_i % namespaces]
        name = f"svc-{d_i:04d}"
        born = now - 86400 * (1 + d_i % 20) - d_i
        labels = {"app": name, "tier": ("web", "api", "worker")[d_i % 3]}
        manifest: Obj = {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": name, "namespace": ns, "labels": dict(labels)},
            "spec": {
                "replicas": per_deploy,
                "selector": {"matchLabels": {"app": name}},
                "template": {
                    "metadata": {"labels": dict(labels)},
                    "spec": {
                        "containers": [
                            {
                                "name": "app",
                                "image": f"registry.example.com/{ns}/{name}:1.{d_i % 7}.0",
                                "ports": [{"containerPort": 8080}],
                                "resources": {
                                    "requests": {"cpu": "100m", "memory": "64Mi"},
                                    "limits": {"cpu": "500m", "memory": "256Mi"},
                                },
                                "readinessProbe": {
                                    "httpGet": {"path": "/ready", "port": 8080},
                                    "periodSeconds": 10,
                                },
                            }
                        ]
                    },
                },
            },
        }
        deploy = admission.admit(cluster, "deployments.apps", manifest, None)
        deploy["metadata"]["creationTimestamp"] = clock.timestamp(born)
        deploy["metadata"]["annotations"] = {"deployment.kubernetes.io/revision": "1"}
        stamp = clock.timestamp(born)
        deploy["status"] = {
            "observedGeneration": 1,
            "replicas": per_deploy,
            "updatedReplicas": per_deploy,
            "readyReplicas": per_deploy,
            "availableReplicas": per_deploy,
            "conditions": [
                _dcond(
                    "Available",
                    "MinimumReplicasAvailable",
                    "Deployment has minimum availability.",
                    stamp,
                ),
                _dcond(
                    "Progressing",
                    "NewReplicaSetAvailable",
                    f'ReplicaSet "{name}-HASH" has successfully progressed.',
                    stamp,
                ),
            ],
        }
        template = deploy["spec"]["template"]
        hash_ = pod_template_hash(template)
        rs_name = f"{name}-{hash_}"
        deploy["status"]["conditions"][1]["message"] = (
            f'ReplicaSet "{rs_name}" has successfully progressed.'
        )
        deploy = store.create("deployments.apps", deploy)
        rs_template = clone(template)
        rs_template["metadata"]["labels"]["pod-template-hash"] = hash_
        rs = store.create(
            "replicasets.apps",
            {
                "apiVersion": "apps/v1",
                "kind": "ReplicaSet",
                "metadata": {
                    "name": rs_name,
                    "namespace": ns,
                    "creationTimestamp": stamp,
                    "labels": dict(rs_template["metadata"]["labels"]),
                    "annotations": {
                        "deployment.kubernetes.io/desired-replicas": str(per_deploy),
                        "deployment.kubernetes.io/max-replicas": str(
                            per_deploy + max(1, -(-per_deploy // 4))
                        ),
                        "deployment.kubernetes.io/revision": "1",
                    },
                    "ownerReferences": [owner_reference(deploy)],
                },
                "spec": {
                    "replicas": per_deploy,
                    "selector": {"matchLabels": {"app": name, "pod-template-hash": hash_}},
                    "template": rs_template,
                },
                "status": {
                    "replicas": per_deploy,
                    "fullyLabeledReplicas": per_deploy,
                    "readyReplicas": per_deploy,
                    "availableReplicas": per_deploy,
                    "observedGeneration": 1,
                },
            },
        )
        first = admission.admit(
            cluster,
            "pods",
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {
                    "name": "x",
                    "namespace": ns,
                    "labels": dict(rs_template["metadata"]["labels"]),
                },
                "spec": clone(rs_template["spec"]),
            },
            None,
        )
        image = rs_template["spec"]["containers"][0]["image"]
        for _ in range(per_deploy):
            node = min(range(nodes), key=lambda i: (node_cpu[i], i))
            node_cpu[node] += 100
            pod = clone(first)
            pod_name = f"{rs_name}-{random_suffix(rng)}"
            pod_born = born + rng.uniform(0, 86400)
            pstamp = clock.timestamp(pod_born)
            ready_stamp = clock.timestamp(pod_born + 12)
            meta = pod["metadata"]
            meta.update(
                name=pod_name,
                generateName=f"{rs_name}-",
                creationTimestamp=pstamp,
                ownerReferences=[owner_reference(rs)],
            )
            pod["spec"]["nodeName"] = f"node-{node + 1}"
            ip = (
                f"10.244.{node}.{ip_next[node] % 253 + 2}"
                if ip_next[node] < 253
                else _far_ip(node, ip_next[node])
            )
            ip_next[node] += 1
            pod["status"] = {
                "conditions": [
                    _pcond("PodReadyToStartContainers", pstamp),
                    _pcond("Initialized", pstamp),
                    _pcond("Ready", ready_stamp),
                    _pcond("ContainersReady", ready_stamp),
                    _pcond("PodScheduled", pstamp),
                ],
                "containerStatuses": [
                    {
                        "containerID": container_id(rng),
                        "image": image_ref(image),
                        "imageID": image_id(image),
                        "lastState": {},
                        "name": "app",
                        "ready": True,
                        "restartCount": 0,
                        "started": True,
                        "state": {"running": {"startedAt": clock.timestamp(pod_born + 3)}},
                    }
                ],
                "hostIP": node_ip(node),
                "hostIPs": [{"ip": node_ip(node)}],
                "phase": "Running",
                "podIP": ip,
                "podIPs": [{"ip": ip}],
                "qosClass": "Burstable",
                "startTime": pstamp,
            }
            store.create("pods", pod)
        store.create(
            "services",
            admission.admit(
                cluster,
                "services",
                {
                    "apiVersion": "v1",
                    "kind": "Service",
                    "metadata": {
                        "name": name,
                        "namespace": ns,
                        "labels": {"app": name},
                        "creationTimestamp": stamp,
                    },
                    "spec": {
                        "selector": {"app": name},
                        "ports": [{"port": 80, "targetPort": 8080}],
                    },
                },
                None,
            ),
        )
        if d_i % 10 == 0:
            store.create(
                "horizontalpodautoscalers.autoscaling",
                admission.admit(
                    cluster,
                    "horizontalpodautoscalers.autoscaling",
                    {
                        "apiVersion": "autoscaling/v2",
                        "kind": "HorizontalPodAutoscaler",
                        "metadata": {"name": name, "namespace": ns},
                        "spec": {
                            "scaleTargetRef": {
                                "apiVersion": "apps/v1",
                                "kind": "Deployment",
                                "name": name,
                            },
                            "minReplicas": per_deploy,
                            "maxReplicas": per_deploy * 3,
                            "metrics": [
                                {
                                    "type": "Resource",
                                    "resource": {
                                        "name": "cpu",
                                        "target": {"type": "Utilization", "averageUtilization": 80},
                                    },
                                }
                            ],
                        },
                    },
                    None,
                ),
            )


def _far_ip(node: int, n: int) -> str:
    # More pods than a /24 holds: continue in the node's next blocks (10.244.<node+k*16>.x).
    block, host = divmod(n, 253)
    return f"10.244.{node + 16 * block}.{host + 2}"


def _dcond(ctype: str, reason: str, message: str, stamp: str) -> Obj:
    return {
        "lastTransitionTime": stamp,
        "lastUpdateTime": stamp,
        "message": message,
        "reason": reason,
        "status": "True",
        "type": ctype,
    }


def _pcond(ctype: str, stamp: str) -> Obj:
    return {"lastProbeTime": None, "lastTransitionTime": stamp, "status": "True", "type": ctype}
