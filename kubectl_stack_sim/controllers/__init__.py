"""Controllers of the embedded cluster: deployment, replicaset, replication controller,
scheduler+kubelet, endpoints, Job, CronJob, disruption (PodDisruptionBudgets), HPA,
metrics-server, garbage collector, root CA publisher, namespace deletion, service accounts,
resource quotas, node leases, APIService autoregistration and the scenario script.

:func:`make_controllers` returns the one :class:`SimControllers` a cluster runs; after
``cluster.start()`` its attributes give tests and scenarios the individual loops.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..cluster import Cluster
from .apiservices import AutoRegister
from .base import NamespaceIndex, OwnerIndex
from .cronjob import CronJobController
from .deployment import DeploymentController
from .disruption import DisruptionController
from .endpoints import EndpointsController
from .events import EventRecorder
from .gc import GarbageCollector, RootCAPublisher
from .hpa import HPAController
from .images import ImageBehaviour
from .job import JobController
from .kubelet import Kubelet
from .leases import NodeLeases
from .load import LoadCurve
from .metrics import MetricsServer
from .namespaces import NamespaceController
from .replicaset import ReplicaSetController, ReplicationManager
from .resourcequota import ResourceQuotaController
from .script import ScriptRunner, Step
from .serviceaccounts import ServiceAccountsController

__all__ = ["Context", "SimControllers", "controllers_of", "make_controllers"]


@dataclass
class Context:
    """State the controllers of one cluster share."""

    cluster: Cluster
    images: dict[str, ImageBehaviour]
    load: dict[str, LoadCurve]
    recorder: EventRecorder
    pods_by_owner: OwnerIndex
    rs_by_owner: OwnerIndex
    pods_by_ns: NamespaceIndex
    script_start: float = 0.0
    load_override: dict[str, float] = field(default_factory=dict)
    # Set once the controllers exist (they reference each other through the context).
    kubelet: Kubelet = field(init=False)
    replicasets: ReplicaSetController = field(init=False)

    def load_at(self, deployment: str) -> float:
        """The Deployment's current load: a scripted override, else its curve (or ``*``'s)."""
        if deployment in self.load_override:
            return self.load_override[deployment]
        curve = self.load.get(deployment) or self.load.get("*")
        if curve is None:
            return 1.0
        return curve.at(self.cluster.clock.now() - self.script_start)


class SimControllers:
    """Every control loop of a cluster, started together (the cluster's one Controller)."""

    def __init__(
        self, images: dict[str, ImageBehaviour], load: dict[str, LoadCurve], nodes: int
    ) -> None:
        self.images = images
        self.load = load
        self.nodes = nodes

    def start(self, cluster: Cluster) -> None:
        ctx = Context(
            cluster=cluster,
            images=self.images,
            load=self.load,
            recorder=EventRecorder(cluster),
            pods_by_owner=OwnerIndex(cluster, "pods"),
            rs_by_owner=OwnerIndex(cluster, "replicasets.apps"),
            pods_by_ns=NamespaceIndex(cluster, "pods"),
            # Until the script begins, every load curve stays at its first point.
            script_start=float("inf"),
        )
        self.ctx = ctx
        self.kubelet = ctx.kubelet = Kubelet(ctx, self.nodes)
        self.replicasets = ctx.replicasets = ReplicaSetController(ctx)
        self.replication = ReplicationManager(ctx)
        self.deployments = DeploymentController(ctx)
        self.endpoints = EndpointsController(ctx)
        self.hpa = HPAController(ctx)
        self.metrics = MetricsServer(ctx)
        self.gc = GarbageCollector(ctx)
        self.root_ca = RootCAPublisher(ctx)
        self.namespaces = NamespaceController(ctx)
        self.serviceaccounts = ServiceAccountsController(ctx)
        self.jobs = JobController(ctx)
        self.cronjobs = CronJobController(ctx)
        self.disruption = DisruptionController(ctx)
        self.quotas = ResourceQuotaController(ctx)
        self.node_leases = NodeLeases(ctx)
        self.apiservices = AutoRegister(ctx)
        self.script = ScriptRunner(ctx)
        for loop in (
            self.serviceaccounts,
            self.jobs,
            self.cronjobs,
            self.disruption,
            self.quotas,
            self.node_leases,
            self.apiservices,
            self.kubelet,
            self.replicasets,
            self.replication,
            self.deployments,
            self.endpoints,
            self.hpa,
            self.metrics,
            self.gc,
            self.root_ca,
            self.namespaces,
        ):
            loop.start()

    def begin_script(self, steps: list[Step]) -> None:
        self.script.begin(steps)


def make_controllers(
    images: dict[str, ImageBehaviour], load: dict[str, LoadCurve], nodes: int = 3
) -> list[SimControllers]:
    return [SimControllers(images, load, nodes)]


def controllers_of(cluster: Cluster) -> SimControllers:
    """The started controllers of a cluster built by :func:`..scenario.build_cluster`."""
    for controller in cluster.controllers:
        if isinstance(controller, SimControllers):
            return controller
    raise LookupError("cluster has no simulated controllers")
