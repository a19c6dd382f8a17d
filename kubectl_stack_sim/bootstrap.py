"""What every cluster has before anyone deploys: system namespaces, nodes, and the
``kubernetes`` Service of the API server."""

from __future__ import annotations

from .cluster import Cluster
from .controllers.gc import root_ca_configmap
from .controllers.kubelet import make_node, node_ip
from .controllers.serviceaccounts import default_account
from .rbac import CLUSTER_BINDINGS, CLUSTER_ROLES, bootstrap_cluster_roles
from .store import Obj

SYSTEM_NAMESPACES = ("default", "kube-node-lease", "kube-public", "kube-system")


def namespace(name: str, timestamp: str | None = None) -> Obj:
    meta: Obj = {"name": name, "labels": {"kubernetes.io/metadata.name": name}}
    if timestamp:
        meta["creationTimestamp"] = timestamp
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": meta,
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"},
    }


def bootstrap(cluster: Cluster, nodes: int) -> None:
    """Create the system namespaces (with kube-root-ca.crt and the default ServiceAccount),
    ``nodes`` Ready nodes, the bootstrap ClusterRoles and the ``kubernetes`` Service with its
    Endpoints and EndpointSlice."""
    store = cluster.store
    stamp = cluster.clock.timestamp()
    for name in SYSTEM_NAMESPACES:
        store.create("namespaces", namespace(name))
        store.create("configmaps", root_ca_configmap(name))
        store.create("serviceaccounts", default_account(store, name))
    for i in range(nodes):
        store.create("nodes", make_node(i, stamp))
    for obj in bootstrap_cluster_roles():
        gr = CLUSTER_ROLES if obj["kind"] == "ClusterRole" else CLUSTER_BINDINGS
        obj["metadata"]["uid"] = store.system_uid(gr, "", obj["metadata"]["name"])
        store.create(gr, obj)
    labels = {"component": "apiserver", "provider": "kubernetes"}
    store.create(
        "services",
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "kubernetes", "namespace": "default", "labels": labels},
            "spec": {
                "clusterIP": "10.96.0.1",
                "clusterIPs": ["10.96.0.1"],
                "internalTrafficPolicy": "Cluster",
                "ipFamilies": ["IPv4"],
                "ipFamilyPolicy": "SingleStack",
                "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}],
                "sessionAffinity": "None",
                "type": "ClusterIP",
            },
            "status": {"loadBalancer": {}},
        },
    )
    apiserver = node_ip(0)
    store.create(
        "endpoints",
        {
            "apiVersion": "v1",
            "kind": "Endpoints",
            "metadata": {
                "name": "kubernetes",
                "namespace": "default",
                "labels": {"endpointslice.kubernetes.io/skip-mirror": "true"},
            },
            "subsets": [
                {
                    "addresses": [{"ip": apiserver}],
                    "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}],
                }
            ],
        },
    )
    store.create(
        "endpointslices.discovery.k8s.io",
        {
            "apiVersion": "discovery.k8s.io/v1",
            "kind": "EndpointSlice",
            "metadata": {
                "name": "kubernetes",
                "namespace": "default",
                "labels": {"kubernetes.io/service-name": "kubernetes"},
            },
            "addressType": "IPv4",
            "endpoints": [{"addresses": [apiserver], "conditions": {"ready": True}}],
            "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}],
        },
    )
