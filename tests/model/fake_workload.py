"""A fourth workload kind that exists only in the tests: all it takes to add a kind is its
entry in the kinds registry and this one module (its status, its `kubectl get` cells; history
and undo from ControllerRevisions, as StatefulSets and DaemonSets keep them)."""

from __future__ import annotations

from typing import Any

from kubectl_stack.kinds import Kind
from kubectl_stack.model.workloads.base import RolloutStatus, WorkloadRow
from kubectl_stack.model.workloads.revisions import RevisionedKind

FAKESETS = Kind("fakesets", "example.com", "v1", "fakesets", "FakeSet", "fks", workload=True)


class FakeSetKind(RevisionedKind):
    kind = FAKESETS

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
