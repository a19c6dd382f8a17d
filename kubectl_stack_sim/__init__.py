"""The embedded Kubernetes cluster: an API server and controllers on a virtual clock."""
