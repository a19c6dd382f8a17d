"""A fourth workload kind that exists only in the tests: all it takes to add a kind is this one
module (its Kind, its status, its `kubectl get` cells; history and undo from
ControllerRevisions, as StatefulSets and DaemonSets keep them) and :func:`registered`, which
gives it to the registry. No other module of the app names it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from kubectl_stack import kinds as K
from kubectl_stack.kinds import Kind
from kubectl_stack.model import workloads
from kubectl_stack.model.workloads.base import RolloutStatus, WorkloadRow
from kubectl_stack.model.workloads.revisions import RevisionedKind

FAKESETS = Kind("fakesets", "example.com", "v1", "fakesets", "FakeSet", "fks", workload=True)


class FakeSetKind(RevisionedKind):
    kind = FAKESETS
    pod_owner = FAKESETS

    def status(self, workload: Any) -> RolloutStatus:
        spec, status = workload.get("spec", {}), workload.get("status", {})
        want, ready = spec.get("replicas", 0), status.get("readyReplicas", 0)
        if ready < want:
            return RolloutStatus(f"Waiting for {want - ready} fakes to be ready...", False, "")
        return RolloutStatus("fakeset rolled out", True, "")

    def row(self, workload: Any, now: float) -> WorkloadRow:
        spec, status = workload.get("spec", {}), workload.get("status", {})
        desired, ready = spec.get("replicas", 0), status.get("readyReplicas", 0)
        return WorkloadRow(
            name=workload["metadata"]["name"],
            kind=self.kind.kind,
            ready=f"{ready}/{desired}",
            desired=desired,
            current=status.get("replicas", 0),
            updated=status.get("updatedReplicas", 0),
            available=status.get("availableReplicas", 0),
            node_selector="",
            age="5m",
        )


FAKESET = FakeSetKind()


@contextmanager
def registered() -> Iterator[FakeSetKind]:
    """FakeSet known to every layer (the kinds registry and the workload interfaces) inside
    the block, and forgotten after it."""
    workloads.register(FAKESET)
    try:
        assert K.WORKLOADS["FakeSet"] is FAKESETS
        yield FAKESET
    finally:
        workloads.unregister(FAKESET)
