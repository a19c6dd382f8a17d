"""A simulated scheduler and kubelet over a few nodes.

The scheduler binds each new pod to the node with the least requested CPU among those its
nodeSelector and required node affinity admit, once its claims allow it (else the pod stays
Pending, PodScheduled=False, with kube-scheduler's FailedScheduling event, and is tried again
when a node or claim changes: see :mod:`.scheduling`). The kubelet then
runs the pod as a real one reports it: sandbox and pod IP, image pull (or ErrImagePull and
ImagePullBackOff), container start, startup/readiness/liveness probes on their periods and
thresholds, crashes with kubelet's back-off (10 s doubling to 5 min, reset after 10 min of
calm), OOM kills, log lines per container instance, and graceful termination once the API
server has marked the pod for deletion. Every status write builds the whole pod status, in
the order and shape kubelet writes it.

Work is driven by clock timers per pod; a healthy ready container costs nothing until
something happens to it.
"""

from __future__ import annotations

import contextlib
import functools
import heapq
import ipaddress
import itertools
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..clock import TimerHandle
from ..names import container_id, fnv32a, image_id, image_ref
from ..quantity import millicores
from ..store import Event, NotFound, Obj
from ..timefmt import go_duration, parse_timestamp
from .images import ImageBehaviour, behaviour_of
from .logs import log_lines
from .scheduling import NODE_MISMATCH, feasible, unschedulable_message, volume_refusal

if TYPE_CHECKING:
    from . import Context

_BACKOFF_INITIAL = 10.0
_BACKOFF_MAX = 300.0
_PLEG_DELAY = 1.0  # kubelet notices a container exit on its next relist
_SANDBOX_SECONDS = 1.0
_NODE_STATUS_EVERY = 300.0  # nodeStatusReportFrequency: heartbeats otherwise go to Leases
_KUBELET_VERSION = "v1.34.1"
NODE_CPU_MILLIS = 4000
NODE_MEMORY_KI = 16373684


def node_name(i: int) -> str:
    return f"node-{i + 1}"


def node_ip(i: int) -> str:
    return f"172.18.0.{i + 2}"


def make_node(i: int, timestamp: str) -> Obj:
    """A Ready node object as a kind-like cluster reports it."""
    name = node_name(i)
    h = fnv32a(name.encode())
    conditions = [
        (
            "MemoryPressure",
            "False",
            "KubeletHasSufficientMemory",
            "kubelet has sufficient memory available",
        ),
        ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
        ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
        ("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
    ]
    resources = {
        "cpu": str(NODE_CPU_MILLIS // 1000),
        "ephemeral-storage": "102625208Ki",
        "hugepages-1Gi": "0",
        "hugepages-2Mi": "0",
        "memory": f"{NODE_MEMORY_KI}Ki",
        "pods": "110",
    }
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "labels": {
                "beta.kubernetes.io/arch": "amd64",
                "beta.kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
            },
            "annotations": {
                "node.alpha.kubernetes.io/ttl": "0",
                "volumes.kubernetes.io/controller-managed-attach-detach": "true",
            },
        },
        "spec": {
            "podCIDR": f"10.244.{i}.0/24",
            "podCIDRs": [f"10.244.{i}.0/24"],
            "providerID": f"kind://docker/sim/{name}",
        },
        "status": {
            "addresses": [
                {"address": node_ip(i), "type": "InternalIP"},
                {"address": name, "type": "Hostname"},
            ],
            "allocatable": dict(resources),
            "capacity": dict(resources),
            "conditions": [
                {
                    "lastHeartbeatTime": timestamp,
                    "lastTransitionTime": timestamp,
                    "message": message,
                    "reason": reason,
                    "status": status,
                    "type": ctype,
                }
                for ctype, status, reason, message in conditions
            ],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "architecture": "amd64",
                "bootID": f"{h:08x}-0000-4000-8000-{h:012x}",
                "containerRuntimeVersion": "containerd://2.1.3",
                "kernelVersion": "6.8.0-1021-generic",
                "kubeProxyVersion": "",
                "kubeletVersion": _KUBELET_VERSION,
                "machineID": f"{h:08x}" * 4,
                "operatingSystem": "linux",
                "osImage": "Debian GNU/Linux 12 (bookworm)",
                "systemUUID": f"{h:08x}-0000-4000-8000-{h:012x}",
            },
        },
    }


@dataclass
class _Container:
    name: str
    image: str
    spec: Obj
    behaviour: ImageBehaviour
    index: int
    restart_count: int = 0
    state: Obj = field(default_factory=lambda: {"waiting": {"reason": "ContainerCreating"}})
    last_state: Obj = field(default_factory=dict)
    ready: bool = False
    started: bool = False
    cid: str = ""
    running_since: float | None = None
    image_ready: bool = False
    # probe bookkeeping: consecutive successes/failures per probe kind
    successes: dict[str, int] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)
    backoff: float = 0.0
    backoff_updated: float = 0.0
    pull_backoff: float = 0.0
    timers: dict[str, TimerHandle] = field(default_factory=dict)

    @property
    def field_path(self) -> str:
        return f"spec.containers{{{self.name}}}"


@dataclass
class _Pod:
    namespace: str
    name: str
    uid: str
    node: int
    ip: str = ""
    start_time: str = ""
    containers: list[_Container] = field(default_factory=list)
    transitions: dict[str, tuple[bool, str]] = field(default_factory=dict)
    sandbox_ready: bool = False
    terminating: bool = False
    cpu_request: int = 0
    deployment: str = ""  # the owning Deployment's name (load and metrics are per Deployment)
    restart_policy: str = "Always"
    timers: dict[str, TimerHandle] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str]:
        return self.namespace, self.name


class Kubelet:
    """Scheduler plus kubelets for ``nodes`` nodes, driven by pod events and clock timers."""

    def __init__(self, ctx: Context, nodes: int) -> None:
        self.ctx = ctx
        self.cluster = ctx.cluster
        self.nodes = nodes
        self.pods: dict[tuple[str, str], _Pod] = {}
        self._node_cpu = [0] * nodes
        self._node_ips: list[set[str]] = [set() for _ in range(nodes)]
        self._node_images: list[set[str]] = [set() for _ in range(nodes)]
        self._log_heap: list[tuple[float, int, _Pod, _Container, int, int]] = []
        self._log_ids = itertools.count()
        self._log_timer: TimerHandle | None = None
        # Pods the scheduler could not place, with the message it last reported.
        self._unschedulable: dict[tuple[str, str], str] = {}

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> None:
        for pod in self.cluster.store.iter("pods"):
            self._adopt(pod)
        self.cluster.store.add_listener("pods", self._on_pod)
        self.cluster.store.add_listener("nodes", self._retry_unschedulable)
        self.cluster.store.add_listener("persistentvolumeclaims", self._retry_unschedulable)
        self.cluster.clock.call_later(_NODE_STATUS_EVERY, self._report_nodes)

    def _report_nodes(self) -> None:
        """Each kubelet's periodic node status: unchanged conditions, fresh heartbeats."""
        stamp = self.cluster.clock.timestamp()

        def beat(node: Obj) -> None:
            for cond in (node.get("status") or {}).get("conditions") or []:
                cond["lastHeartbeatTime"] = stamp

        for i in range(self.nodes):
            if self.cluster.store.get("nodes", "", node_name(i)) is not None:
                self.cluster.store.mutate("nodes", "", node_name(i), beat)
        self.cluster.clock.call_later(_NODE_STATUS_EVERY, self._report_nodes)

    def _on_pod(self, event: Event) -> None:
        pod = event.obj
        key = (pod["metadata"].get("namespace", ""), pod["metadata"]["name"])
        rt = self.pods.get(key)
        if event.type == "DELETED":
            self._unschedulable.pop(key, None)
            if rt is not None and rt.uid == pod["metadata"].get("uid"):
                self._forget(rt)
            return
        if rt is None or rt.uid != pod["metadata"].get("uid"):
            if event.type == "ADDED":
                node = _node_index(pod, self.nodes)
                if node is not None:
                    # Created with spec.nodeName: no scheduler, that node's kubelet runs it.
                    uid = pod["metadata"].get("uid", "")
                    self.cluster.clock.call_later(0, lambda: self._run_pod(key, uid, node))
                elif not (pod.get("spec") or {}).get("nodeName"):
                    self.cluster.clock.call_later(0, lambda: self._schedule(key))
            return
        if pod["metadata"].get("deletionTimestamp") and not rt.terminating:
            self._terminate_pod(rt, pod)

    def _adopt(self, pod: Obj) -> None:
        """Take over a pod created already running (bulk scenarios): runtime state from its
        status, no start-up work."""
        spec = pod.get("spec") or {}
        idx = _node_index(pod, self.nodes)
        if idx is None:
            return
        status = pod.get("status") or {}
        meta = pod["metadata"]
        rt = _Pod(meta.get("namespace", ""), meta["name"], meta.get("uid", ""), idx)
        rt.ip = status.get("podIP", "")
        rt.start_time = status.get("startTime", "")
        rt.sandbox_ready = bool(rt.ip)
        rt.cpu_request = _cpu_request(spec)
        rt.deployment = deployment_of(pod)
        rt.restart_policy = str(spec.get("restartPolicy", "Always"))
        for cond in status.get("conditions") or []:
            rt.transitions[cond["type"]] = (
                cond.get("status") == "True",
                cond.get("lastTransitionTime", ""),
            )
        statuses = {c.get("name"): c for c in status.get("containerStatuses") or []}
        for i, cspec in enumerate(spec.get("containers") or []):
            c = self._new_container(cspec, i)
            cs = statuses.get(cspec.get("name"), {})
            c.restart_count = int(cs.get("restartCount", 0))
            c.state = cs.get("state") or c.state
            c.last_state = cs.get("lastState") or {}
            c.ready = bool(cs.get("ready"))
            c.started = bool(cs.get("started"))
            c.cid = cs.get("containerID", "")
            running = c.state.get("running")
            if running:
                c.running_since = parse_timestamp(running.get("startedAt"))
                c.image_ready = True
            rt.containers.append(c)
            self._node_images[idx].add(c.image)
        self.pods[rt.key] = rt
        self._node_cpu[idx] += rt.cpu_request
        if rt.ip:
            self._node_ips[idx].add(rt.ip)
        for c in rt.containers:
            if c.running_since is not None:
                self._after_start(rt, c, resumed=True)

    def _forget(self, rt: _Pod) -> None:
        for handle in rt.timers.values():
            handle.cancel()
        for c in rt.containers:
            for handle in c.timers.values():
                handle.cancel()
        self.pods.pop(rt.key, None)
        self._node_cpu[rt.node] -= rt.cpu_request
        self._node_ips[rt.node].discard(rt.ip)
        self.cluster.logs.forget(rt.namespace, rt.name)

    def _new_container(self, cspec: Obj, index: int) -> _Container:
        image = str(cspec.get("image", ""))
        return _Container(
            str(cspec.get("name", "")),
            image,
            cspec,
            behaviour_of(self.ctx.images, image),
            index,
        )

    # -- scheduling --------------------------------------------------------------------------
    def _schedule(self, key: tuple[str, str]) -> None:
        pod = self.cluster.store.get("pods", *key)
        if pod is None or (pod.get("spec") or {}).get("nodeName"):
            return
        if pod["metadata"].get("deletionTimestamp"):
            self._unschedulable.pop(key, None)
            return
        refusal = volume_refusal(pod, self.cluster.store)
        candidates: list[int] = []
        if not refusal:
            candidates = feasible(pod, [self._node_obj(i) for i in range(self.nodes)])
        if not candidates:
            message = (
                unschedulable_message(self.nodes, refusal, counted=False)
                if refusal
                else unschedulable_message(self.nodes, NODE_MISMATCH, counted=True)
            )
            self._refuse(key, message)
            return
        self._unschedulable.pop(key, None)
        idx = min(candidates, key=lambda i: (self._node_cpu[i], i))
        name = node_name(idx)
        now_ts = self.cluster.clock.timestamp()

        def bind(obj: Obj) -> None:
            obj["spec"]["nodeName"] = name
            obj.setdefault("status", {})["conditions"] = [
                {
                    "lastProbeTime": None,
                    "lastTransitionTime": now_ts,
                    "status": "True",
                    "type": "PodScheduled",
                }
            ]

        pod = self.cluster.store.mutate("pods", key[0], key[1], bind)
        self.ctx.recorder.record(
            pod,
            "Normal",
            "Scheduled",
            f"Successfully assigned {key[0]}/{key[1]} to {name}",
            "default-scheduler",
        )
        self._run_pod(key, pod["metadata"].get("uid", ""), idx)

    def _node_obj(self, idx: int) -> Obj:
        # A cluster built without Node objects still has its nodes, named and unlabelled.
        found = self.cluster.store.get("nodes", "", node_name(idx))
        return found if found is not None else {"metadata": {"name": node_name(idx)}}

    def _refuse(self, key: tuple[str, str], message: str) -> None:
        """Leave the pod Pending with PodScheduled=False, as kube-scheduler reports it."""
        if self._unschedulable.get(key) == message:
            return
        self._unschedulable[key] = message
        now_ts = self.cluster.clock.timestamp()

        def unschedulable(obj: Obj) -> None:
            status = obj.setdefault("status", {})
            status["phase"] = "Pending"
            status["conditions"] = [
                {
                    "lastProbeTime": None,
                    "lastTransitionTime": now_ts,
                    "message": message,
                    "reason": "Unschedulable",
                    "status": "False",
                    "type": "PodScheduled",
                }
            ]

        pod = self.cluster.store.mutate("pods", key[0], key[1], unschedulable)
        self.ctx.recorder.record(pod, "Warning", "FailedScheduling", message, "default-scheduler")

    def _retry_unschedulable(self, event: Event) -> None:
        """A node or claim changed: the scheduler tries its unschedulable pods again."""
        for key in list(self._unschedulable):
            self.cluster.clock.call_later(0, functools.partial(self._schedule, key))

    def _run_pod(self, key: tuple[str, str], uid: str, idx: int) -> None:
        """The node's kubelet takes a pod bound to it: first status, then the sandbox."""
        pod = self.cluster.store.get("pods", *key)
        if pod is None or pod["metadata"].get("uid") != uid or key in self.pods:
            return
        spec = pod.get("spec") or {}
        now_ts = self.cluster.clock.timestamp()
        rt = _Pod(key[0], key[1], uid, idx)
        rt.cpu_request = _cpu_request(spec)
        rt.deployment = deployment_of(pod)
        rt.restart_policy = str(spec.get("restartPolicy", "Always"))
        rt.transitions["PodScheduled"] = (True, now_ts)
        rt.containers = [
            self._new_container(c, i) for i, c in enumerate(spec.get("containers") or [])
        ]
        self.pods[key] = rt
        self._node_cpu[idx] += rt.cpu_request
        # The kubelet's first sync: startTime, hostIP, containers creating.
        rt.start_time = now_ts
        for t in ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady"):
            rt.transitions[t] = (t == "Initialized", now_ts)
        self._write_status(rt)
        self._later(rt, "sandbox", _SANDBOX_SECONDS, lambda: self._sandbox_ready(rt))

    def _allocate_ip(self, idx: int) -> str:
        net = ipaddress.ip_network(f"10.244.{idx}.0/24")
        used = self._node_ips[idx]
        for n in range(2, 255):
            ip = str(net.network_address + n)
            if ip not in used:
                used.add(ip)
                return ip
        return str(net.network_address + 254)

    def _sandbox_ready(self, rt: _Pod) -> None:
        rt.ip = self._allocate_ip(rt.node)
        rt.sandbox_ready = True
        self._transition(rt, "PodReadyToStartContainers", True)
        self._write_status(rt)
        for c in rt.containers:
            self._ensure_image(rt, c)

    # -- images and start --------------------------------------------------------------------
    def _ensure_image(self, rt: _Pod, c: _Container) -> None:
        if rt.terminating:
            return
        pod = self._pod_obj(rt)
        if pod is None:
            return
        node_images = self._node_images[rt.node]
        policy = c.spec.get("imagePullPolicy", "IfNotPresent")
        if c.image in node_images and policy != "Always" and not c.behaviour.missing:
            self._event(
                rt, c, "Normal", "Pulled", f'Container image "{c.image}" already present on machine'
            )
            self._create_and_start(rt, c)
            return
        self._event(rt, c, "Normal", "Pulling", f'Pulling image "{c.image}"')
        self._later_c(c, "pull", c.behaviour.pull_seconds, lambda: self._pulled(rt, c))

    def _pulled(self, rt: _Pod, c: _Container) -> None:
        if rt.terminating:
            return
        ref = image_ref(c.image)
        if c.behaviour.missing:
            error = (
                f'rpc error: code = NotFound desc = failed to pull and unpack image "{ref}": '
                f'failed to resolve reference "{ref}": {ref}: not found'
            )
            self._event(rt, c, "Warning", "Failed", f'Failed to pull image "{c.image}": {error}')
            self._event(rt, c, "Warning", "Failed", "Error: ErrImagePull")
            c.state = {"waiting": {"reason": "ErrImagePull", "message": error}}
            self._write_status(rt)
            c.pull_backoff = (
                _BACKOFF_INITIAL if not c.pull_backoff else min(c.pull_backoff * 2, _BACKOFF_MAX)
            )
            self._later_c(c, "pull", _PLEG_DELAY, lambda: self._pull_backoff(rt, c, error))
            return
        took = c.behaviour.pull_seconds
        size = 20_000_000 + fnv32a(ref.encode()) % 200_000_000
        self._event(
            rt,
            c,
            "Normal",
            "Pulled",
            f'Successfully pulled image "{c.image}" in {go_duration(took)} '
            f"({go_duration(took)} including waiting). Image size: {size} bytes.",
        )
        self._node_images[rt.node].add(c.image)
        self._create_and_start(rt, c)

    def _pull_backoff(self, rt: _Pod, c: _Container, error: str) -> None:
        if rt.terminating:
            return
        self._event(rt, c, "Normal", "BackOff", f'Back-off pulling image "{c.image}"')
        self._event(rt, c, "Warning", "Failed", "Error: ImagePullBackOff")
        c.state = {
            "waiting": {
                "reason": "ImagePullBackOff",
                "message": f'Back-off pulling image "{c.image}": ErrImagePull: {error}',
            }
        }
        self._write_status(rt)
        self._later_c(c, "pull", c.pull_backoff, lambda: self._retry_pull(rt, c))

    def _retry_pull(self, rt: _Pod, c: _Container) -> None:
        self._event(rt, c, "Normal", "Pulling", f'Pulling image "{c.image}"')
        self._later_c(c, "pull", c.behaviour.pull_seconds, lambda: self._pulled(rt, c))

    def _create_and_start(self, rt: _Pod, c: _Container) -> None:
        now = self.cluster.clock.now()
        c.cid = container_id(self.cluster.store.rng)
        c.image_ready = True
        c.running_since = now
        c.state = {"running": {"startedAt": self.cluster.clock.timestamp(now)}}
        c.started = "startupProbe" not in c.spec
        c.successes.clear()
        c.failures.clear()
        self._event(rt, c, "Normal", "Created", f"Created container: {c.name}")
        self._event(rt, c, "Normal", "Started", f"Started container {c.name}")
        if "readinessProbe" not in c.spec and c.started:
            c.ready = True
        self._write_status(rt)
        self._after_start(rt, c, resumed=False)

    def _after_start(self, rt: _Pod, c: _Container, *, resumed: bool) -> None:
        """Timers of a running container: probes, log lines, its scripted exit."""
        b = c.behaviour
        started = c.running_since or self.cluster.clock.now()
        if not resumed:
            for line in log_lines(b.log_style, c.name, started, 0, self.cluster.store.rng):
                self.cluster.logs.write(self._log_key(rt, c), c.restart_count, started, line)
        if b.log_style != "none" and b.log_interval > 0:
            self._schedule_log(rt, c, 1)
        for kind in ("startupProbe", "readinessProbe", "livenessProbe"):
            probe = c.spec.get(kind)
            needed = kind == "startupProbe" or not (
                (kind == "readinessProbe" and c.ready and b.readiness_status < 400)
                or (kind == "livenessProbe" and b.liveness_status < 400)
            )
            if isinstance(probe, dict) and needed:
                self._start_probe(rt, c, kind, probe)
        if b.oom_after is not None:
            self._later_c(c, "exit", b.oom_after, lambda: self.kill(rt, c, "OOMKilled", 137))
        elif b.crash_after is not None:
            reason = "Completed" if b.exit_code == 0 else "Error"
            self._later_c(c, "exit", b.crash_after, lambda: self.kill(rt, c, reason, b.exit_code))

    def _schedule_log(self, rt: _Pod, c: _Container, seq: int) -> None:
        # One pump timer serves every container's log lines: thousands of containers would
        # otherwise mean thousands of clock timers.
        now = self.cluster.clock.now()
        due = max(now, c.running_since or now) + c.behaviour.log_interval
        heapq.heappush(self._log_heap, (due, next(self._log_ids), rt, c, c.restart_count, seq))
        if self._log_timer is None or self._log_timer.when > due:
            if self._log_timer is not None:
                self._log_timer.cancel()
            self._log_timer = self.cluster.clock.call_at(due, self._pump_logs)

    def _pump_logs(self) -> None:
        self._log_timer = None
        now = self.cluster.clock.now()
        heap = self._log_heap
        rng = self.cluster.store.rng
        while heap and heap[0][0] <= now:
            due, _, rt, c, instance, seq = heapq.heappop(heap)
            if c.running_since is None or c.restart_count != instance or rt.terminating:
                continue
            if self.pods.get(rt.key) is not rt:
                continue
            b = c.behaviour
            for line in log_lines(b.log_style, c.name, due, seq, rng, b.readiness_status):
                self.cluster.logs.write(self._log_key(rt, c), instance, due, line)
            # Never catch up on lines missed while the clock jumped: one line per wake-up.
            nxt = due + c.behaviour.log_interval
            if nxt <= now:
                nxt = now + c.behaviour.log_interval
            heapq.heappush(heap, (nxt, next(self._log_ids), rt, c, instance, seq + 1))
        if heap:
            # Batch lines falling due within the next second into one wake-up.
            self._log_timer = self.cluster.clock.call_at(
                max(heap[0][0], now + 1.0), self._pump_logs
            )

    # -- probes ------------------------------------------------------------------------------
    def _start_probe(self, rt: _Pod, c: _Container, kind: str, probe: Obj) -> None:
        period = float(probe.get("periodSeconds", 10))
        instance = c.restart_count

        def tick() -> None:
            if c.restart_count != instance or c.running_since is None or rt.terminating:
                return
            if self._probe(rt, c, kind, probe):
                self._later_c(c, kind, period, tick)

        self._later_c(c, kind, period, tick)

    def _probe_result(self, rt: _Pod, c: _Container, kind: str, probe: Obj) -> str | None:
        """``None`` for success, else kubelet's failure output."""
        now = self.cluster.clock.now()
        up = now - (c.running_since or now) >= c.behaviour.start_seconds
        status = (
            c.behaviour.liveness_status if kind == "livenessProbe" else c.behaviour.readiness_status
        )
        if kind == "startupProbe":
            status = 200
        if "httpGet" in probe:
            http = probe["httpGet"]
            port = http.get("port", "")
            url = (
                f"{str(http.get('scheme', 'HTTP')).lower()}://{rt.ip}:{port}{http.get('path', '/')}"
            )
            if not up:
                return f'Get "{url}": dial tcp {rt.ip}:{port}: connect: connection refused'
            if status >= 400:
                return f"HTTP probe failed with statuscode: {status}"
            return None
        if "tcpSocket" in probe:
            port = probe["tcpSocket"].get("port", "")
            return None if up else f"dial tcp {rt.ip}:{port}: connect: connection refused"
        if not up or status >= 400:
            return "command terminated with non-zero exit code: exit status 1"
        return None

    def _probe(self, rt: _Pod, c: _Container, kind: str, probe: Obj) -> bool:
        """Run one probe; returns whether the worker keeps ticking."""
        now = self.cluster.clock.now()
        if kind != "startupProbe" and not c.started:
            return True
        if now - (c.running_since or now) < float(probe.get("initialDelaySeconds", 0)):
            return True
        output = self._probe_result(rt, c, kind, probe)
        word = {
            "startupProbe": "Startup",
            "readinessProbe": "Readiness",
            "livenessProbe": "Liveness",
        }[kind]
        if output is None:
            c.failures[kind] = 0
            c.successes[kind] = c.successes.get(kind, 0) + 1
            if c.successes[kind] < int(probe.get("successThreshold", 1)):
                return True
            if kind == "startupProbe":
                c.started = True
                if "readinessProbe" not in c.spec:
                    c.ready = True
                self._write_status(rt)
                return False
            if kind == "readinessProbe":
                if not c.ready:
                    c.ready = True
                    self._write_status(rt)
                # A healthy endpoint stays healthy until the container changes.
                return c.behaviour.readiness_status >= 400
            return c.behaviour.liveness_status >= 400
        c.successes[kind] = 0
        c.failures[kind] = c.failures.get(kind, 0) + 1
        self._event(rt, c, "Warning", "Unhealthy", f"{word} probe failed: {output}")
        if c.failures[kind] < int(probe.get("failureThreshold", 3)):
            return True
        if kind == "readinessProbe":
            if c.ready:
                c.ready = False
                self._write_status(rt)
            return True
        what = "liveness" if kind == "livenessProbe" else "startup"
        self._event(
            rt,
            c,
            "Normal",
            "Killing",
            f"Container {c.name} failed {what} probe, will be restarted",
        )
        self.kill(rt, c, "Error", 137)
        return False

    # -- exits and restarts ------------------------------------------------------------------
    def kill(self, rt: _Pod, c: _Container, reason: str, exit_code: int) -> None:
        """The container's process ends (crash, OOM, failed probe); kubelet restarts it
        subject to the crash-loop back-off."""
        if c.running_since is None or rt.terminating:
            return
        now = self.cluster.clock.now()
        terminated = {
            "containerID": c.cid,
            "exitCode": exit_code,
            "finishedAt": self.cluster.clock.timestamp(now),
            "reason": reason,
            "startedAt": self.cluster.clock.timestamp(c.running_since),
        }
        for name in ("exit", "readinessProbe", "livenessProbe", "startupProbe"):
            handle = c.timers.pop(name, None)
            if handle is not None:
                handle.cancel()
        self.cluster.logs.end(self._log_key(rt, c), c.restart_count)
        c.running_since = None
        c.state = {"terminated": terminated}
        c.last_state = {"terminated": dict(terminated)}
        c.ready = False
        c.started = False
        self._write_status(rt)
        self._later_c(c, "restart", _PLEG_DELAY, lambda: self._sync_restart(rt, c, now))

    def _sync_restart(self, rt: _Pod, c: _Container, finished: float) -> None:
        if rt.terminating:
            return
        policy = rt.restart_policy
        exit_code = int(c.state.get("terminated", {}).get("exitCode", 1))
        if policy == "Never" or (policy == "OnFailure" and exit_code == 0):
            return  # stays terminated; the pod's phase follows from its containers
        now = self.cluster.clock.now()
        expired = finished - c.backoff_updated > 2 * _BACKOFF_MAX
        if c.backoff and not expired and now - finished < c.backoff:
            pod_id = f"{rt.name}_{rt.namespace}({rt.uid})"
            c.state = {
                "waiting": {
                    "reason": "CrashLoopBackOff",
                    "message": f"back-off {go_duration(c.backoff)} restarting failed "
                    f"container={c.name} pod={pod_id}",
                }
            }
            self._event(
                rt,
                c,
                "Warning",
                "BackOff",
                f"Back-off restarting failed container {c.name} in pod {pod_id}",
            )
            self._write_status(rt)
            wait = finished + c.backoff - now
            self._later_c(c, "restart", wait, lambda: self._sync_restart(rt, c, finished))
            return
        c.backoff = (
            _BACKOFF_INITIAL if not c.backoff or expired else min(c.backoff * 2, _BACKOFF_MAX)
        )
        c.backoff_updated = now
        c.restart_count += 1
        self._event(
            rt, c, "Normal", "Pulled", f'Container image "{c.image}" already present on machine'
        )
        self._create_and_start(rt, c)

    def restart_container(self, namespace: str, name: str, exit_code: int = 1) -> bool:
        """Make the first container of a running pod exit (scenario churn). Returns whether
        there was a running container to stop."""
        rt = self.pods.get((namespace, name))
        if rt is None or not rt.containers or rt.containers[0].running_since is None:
            return False
        self.kill(rt, rt.containers[0], "Error", exit_code)
        return True

    # -- termination -------------------------------------------------------------------------
    def _terminate_pod(self, rt: _Pod, pod: Obj) -> None:
        rt.terminating = True
        for handle in rt.timers.values():
            handle.cancel()
        grace = float(pod["metadata"].get("deletionGracePeriodSeconds") or 0)
        stop = 0.0
        for c in rt.containers:
            for handle in c.timers.values():
                handle.cancel()
            c.timers.clear()
            if c.running_since is not None:
                self._event(rt, c, "Normal", "Killing", f"Stopping container {c.name}")
                stop = max(stop, c.behaviour.stop_seconds)
        key = rt.key
        uid = rt.uid

        def remove() -> None:
            current = self.cluster.store.get("pods", *key)
            if current is not None and current["metadata"].get("uid") == uid:
                with contextlib.suppress(NotFound):
                    self.cluster.store.delete("pods", *key)

        self.cluster.clock.call_later(min(stop, grace), remove)

    # -- status ------------------------------------------------------------------------------
    def _transition(self, rt: _Pod, ctype: str, value: bool) -> None:
        current = rt.transitions.get(ctype)
        if current is None or current[0] != value:
            rt.transitions[ctype] = (value, self.cluster.clock.timestamp())

    def _pod_obj(self, rt: _Pod) -> Obj | None:
        pod = self.cluster.store.get("pods", rt.namespace, rt.name)
        if pod is None or pod["metadata"].get("uid") != rt.uid:
            return None
        return pod

    def _write_status(self, rt: _Pod) -> None:
        pod = self._pod_obj(rt)
        if pod is None:
            return
        unready = [c.name for c in rt.containers if not c.ready]
        self._transition(rt, "ContainersReady", not unready)
        self._transition(rt, "Ready", not unready)
        conditions = []
        for ctype in (
            "PodReadyToStartContainers",
            "Initialized",
            "Ready",
            "ContainersReady",
            "PodScheduled",
        ):
            value, when = rt.transitions.get(ctype, (False, ""))
            cond: Obj = {
                "lastProbeTime": None,
                "lastTransitionTime": when,
                "status": "True" if value else "False",
                "type": ctype,
            }
            if not value and ctype in ("Ready", "ContainersReady"):
                cond["message"] = f"containers with unready status: [{' '.join(unready)}]"
                cond["reason"] = "ContainersNotReady"
            conditions.append(cond)
        statuses = []
        never_started = 0
        for c in rt.containers:
            cs: Obj = {
                "image": image_ref(c.image) if c.image_ready else c.image,
                "imageID": image_id(c.image) if c.image_ready else "",
                "lastState": c.last_state,
                "name": c.name,
                "ready": c.ready,
                "restartCount": c.restart_count,
                "started": c.started,
                "state": c.state,
            }
            if c.cid:
                cs["containerID"] = c.cid
            statuses.append(cs)
            if "waiting" in c.state and not c.last_state:
                never_started += 1
        node = rt.node
        status: Obj = {
            "conditions": conditions,
            "containerStatuses": statuses,
            "hostIP": node_ip(node),
            "hostIPs": [{"ip": node_ip(node)}],
            "phase": self._phase(rt, never_started),
            "qosClass": (pod.get("status") or {}).get("qosClass", "BestEffort"),
            "startTime": rt.start_time,
        }
        if rt.ip:
            status["podIP"] = rt.ip
            status["podIPs"] = [{"ip": rt.ip}]

        def write(obj: Obj) -> None:
            obj["status"] = status

        self.cluster.store.mutate("pods", rt.namespace, rt.name, write)

    def _phase(self, rt: _Pod, never_started: int) -> str:
        """Kubelet's getPhase for one pod."""
        if never_started:
            return "Pending"
        if rt.restart_policy == "Always":
            return "Running"
        exits = []
        for c in rt.containers:
            terminated = c.state.get("terminated")
            if terminated is None:
                return "Running"
            exits.append(int(terminated.get("exitCode", 1)))
        if rt.restart_policy == "OnFailure" and any(exits):
            return "Running"  # the failed ones restart
        return "Failed" if any(exits) else "Succeeded"

    # -- helpers -----------------------------------------------------------------------------
    def _event(self, rt: _Pod, c: _Container, etype: str, reason: str, message: str) -> None:
        pod = self._pod_obj(rt)
        if pod is not None:
            self.ctx.recorder.record(
                pod, etype, reason, message, "kubelet", node_name(rt.node), c.field_path
            )

    def _log_key(self, rt: _Pod, c: _Container) -> tuple[str, str, str]:
        return rt.namespace, rt.name, c.name

    def _later(self, rt: _Pod, name: str, delay: float, fn: Any) -> None:
        old = rt.timers.pop(name, None)
        if old is not None:
            old.cancel()
        rt.timers[name] = self.cluster.clock.call_later(delay, fn)

    def _later_c(self, c: _Container, name: str, delay: float, fn: Any) -> None:
        old = c.timers.pop(name, None)
        if old is not None:
            old.cancel()
        c.timers[name] = self.cluster.clock.call_later(delay, fn)

    def random_running_pod(self, rng: random.Random) -> tuple[str, str] | None:
        """A pod picked at random among a few samples that has a running container."""
        keys = list(self.pods)
        for _ in range(20):
            if not keys:
                return None
            rt = self.pods[keys[rng.randrange(len(keys))]]
            if not rt.terminating and any(c.running_since is not None for c in rt.containers):
                return rt.key
        return None

    def running_pods(
        self,
    ) -> list[tuple[str, str, str, list[tuple[str, ImageBehaviour]], bool]]:
        """(namespace, name, deployment, [(container, behaviour)], ready) of pods with
        running containers; ``ready``: every container ready, so the pod gets traffic."""
        out = []
        for rt in self.pods.values():
            if rt.terminating:
                continue
            running = []
            ready = True
            for c in rt.containers:
                if c.running_since is not None:
                    running.append((c.name, c.behaviour))
                ready = ready and c.ready
            if running:
                out.append((rt.namespace, rt.name, rt.deployment, running, ready))
        return out

    def node_of(self, namespace: str, name: str) -> int | None:
        rt = self.pods.get((namespace, name))
        return None if rt is None else rt.node


def _node_index(pod: Obj, nodes: int) -> int | None:
    """The index of the simulated node a pod is bound to, if it is one of ours."""
    name = str((pod.get("spec") or {}).get("nodeName") or "")
    if not name.startswith("node-") or not name[5:].isdigit():
        return None
    idx = int(name[5:]) - 1
    return idx if 0 <= idx < nodes else None


def deployment_of(pod: Obj) -> str:
    """The name of the Deployment a ReplicaSet pod belongs to (``<deploy>-<hash>-<id>``)."""
    for ref in pod["metadata"].get("ownerReferences") or []:
        if ref.get("kind") == "ReplicaSet":
            return str(ref.get("name", "")).rsplit("-", 1)[0]
    return str(pod["metadata"]["name"])


def _cpu_request(spec: Obj) -> int:
    total = 0
    for c in spec.get("containers") or []:
        req = ((c.get("resources") or {}).get("requests") or {}).get("cpu")
        total += millicores(req) if req is not None else 0
    return total
