"""Controllers of the embedded cluster (deployment, replicaset, kubelet, endpoints, HPA)."""
