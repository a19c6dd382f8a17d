"""The name of one workload: a frozen value passed between layers instead of string triples."""

from __future__ import annotations

from dataclasses import dataclass

from kubectl_stack.kinds import DEFAULT_WORKLOAD

GROUP_PREFIX = "#group/"
"""Row keys starting so name a group of stacks, not a workload."""


@dataclass(frozen=True, order=True)
class WorkloadRef:
    """A workload by ``kind`` (Deployment, StatefulSet, DaemonSet), namespace and name."""

    kind: str
    namespace: str
    name: str

    @property
    def key(self) -> str:
        """The stacks list's row key: ``namespace/name`` for the default kind (Deployment),
        ``namespace/Kind/name`` for the others. :meth:`parse` reads it back."""
        if self.kind == DEFAULT_WORKLOAD.kind:
            return f"{self.namespace}/{self.name}"
        return f"{self.namespace}/{self.kind}/{self.name}"

    @classmethod
    def parse(cls, key: str) -> WorkloadRef | None:
        """The ref whose :attr:`key` is ``key``; None for a group row's key."""
        if key.startswith(GROUP_PREFIX):
            return None
        parts = key.split("/")
        if len(parts) == 3:
            return cls(parts[1], parts[0], parts[2])
        namespace, _, name = key.partition("/")
        return cls(DEFAULT_WORKLOAD.kind, namespace, name)
