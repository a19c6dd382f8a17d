"""kubectl stack: a live terminal view of Kubernetes application stacks."""

__version__ = "0.1.0"
