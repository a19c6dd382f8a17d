"""metrics.k8s.io pod and node metrics, as metrics-server would scrape them every 15 s.

A container's CPU is its image's idle CPU plus its share of the Deployment's load (the
scenario's load curve divided among the Deployment's running pods), with a little stable
jitter; memory is the image's working set. Objects are volatile: no resourceVersion churn.
"""

from __future__ import annotations

import contextlib
import zlib
from typing import TYPE_CHECKING

from ..quantity import format_kib, format_nanocores
from ..store import Event, NotFound, Obj
from .kubelet import NODE_MEMORY_KI, node_name

if TYPE_CHECKING:
    from . import Context

SCRAPE_SECONDS = 15.0
_POD_GR = "pods.metrics.k8s.io"
_NODE_GR = "nodes.metrics.k8s.io"
# What the node's system daemons use besides pods.
_SYSTEM_MILLICORES = 180.0
_SYSTEM_BYTES = 1.1 * 2**30


def _jitter(seed: str) -> float:
    """A stable factor in [0.95, 1.05)."""
    return 0.95 + (zlib.crc32(seed.encode()) % 1000) / 10000


class MetricsServer:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.cluster = ctx.cluster
        self._tick = 0

    def start(self) -> None:
        self.cluster.store.add_listener("pods", self._on_pod)
        self.scrape()

    def _on_pod(self, event: Event) -> None:
        if event.type == "DELETED":
            meta = event.obj["metadata"]
            with contextlib.suppress(NotFound):
                self.cluster.store.delete(_POD_GR, meta.get("namespace", ""), meta["name"])

    def scrape(self) -> None:
        """Recompute every running pod's and node's usage, then schedule the next scrape."""
        self._tick += 1
        clock = self.cluster.clock
        store = self.cluster.store
        now = clock.now()
        stamp = clock.timestamp(now)
        kubelet = self.ctx.kubelet
        running = kubelet.running_pods()
        per_deployment: dict[tuple[str, str], int] = {}
        # Traffic reaches ready pods only (through the Service's endpoints).
        for ns, _, deploy, _, ready in running:
            if ready:
                per_deployment[(ns, deploy)] = per_deployment.get((ns, deploy), 0) + 1
        loads = {key: self.ctx.load_at(key[1]) / n for key, n in per_deployment.items()}
        node_cpu = [_SYSTEM_MILLICORES] * kubelet.nodes
        node_mem = [_SYSTEM_BYTES] * kubelet.nodes
        pods: list[tuple[Obj, list[tuple[str, float, float]]]] = []
        for ns, name, deploy, containers, ready in running:
            pod = store.get("pods", ns, name)
            if pod is None:
                continue
            share = loads.get((ns, deploy), 0.0) if ready else 0.0
            usage = []
            for cname, b in containers:
                j = _jitter(f"{pod['metadata']['uid']}/{cname}/{self._tick}")
                cpu = (b.cpu_base + b.cpu_per_load * share) * j
                mem = b.memory_mib * 2**20 * (0.98 + (j - 0.95) * 0.4)
                usage.append((cname, cpu, mem))
            pods.append((pod, usage))
            node = kubelet.node_of(ns, name)
            if node is not None:
                node_cpu[node] += sum(u[1] for u in usage)
                node_mem[node] += sum(u[2] for u in usage)
        seen: set[tuple[str, str]] = set()
        for pod, usage in pods:
            meta = pod["metadata"]
            key = (meta.get("namespace", ""), meta["name"])
            seen.add(key)
            body: Obj = {
                "apiVersion": "metrics.k8s.io/v1beta1",
                "kind": "PodMetrics",
                "metadata": {
                    "name": meta["name"],
                    "namespace": key[0],
                    "creationTimestamp": stamp,
                    "labels": dict(meta.get("labels") or {}),
                },
                "timestamp": stamp,
                "window": f"{int(SCRAPE_SECONDS)}s",
                "containers": [
                    {
                        "name": cname,
                        "usage": {"cpu": format_nanocores(cpu / 1000), "memory": format_kib(mem)},
                    }
                    for cname, cpu, mem in usage
                ],
            }
            if store.get(_POD_GR, *key) is None:
                store.create(_POD_GR, body)
            else:
                store.update(_POD_GR, body)
        for obj in store.iter(_POD_GR):
            key = (obj["metadata"].get("namespace", ""), obj["metadata"]["name"])
            if key not in seen:
                store.delete(_POD_GR, *key)
        for i in range(kubelet.nodes):
            body = {
                "apiVersion": "metrics.k8s.io/v1beta1",
                "kind": "NodeMetrics",
                "metadata": {
                    "name": node_name(i),
                    "creationTimestamp": stamp,
                    "labels": {"kubernetes.io/hostname": node_name(i)},
                },
                "timestamp": stamp,
                "window": "20s",
                "usage": {
                    "cpu": format_nanocores(node_cpu[i] / 1000),
                    "memory": format_kib(min(node_mem[i], NODE_MEMORY_KI * 1024)),
                },
            }
            if store.get(_NODE_GR, "", node_name(i)) is None:
                store.create(_NODE_GR, body)
            else:
                store.update(_NODE_GR, body)
        clock.call_later(SCRAPE_SECONDS, self.scrape)
