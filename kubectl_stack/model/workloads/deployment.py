"""Deployments through the one workload interface: rollout status, history and undo from
ReplicaSets (:mod:`kubectl_stack.model.rollout`, :mod:`kubectl_stack.model.history`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kubectl_stack import kinds as K
from kubectl_stack.model import fields as u
from kubectl_stack.model import history as replicaset_history
from kubectl_stack.model import rollout
from kubectl_stack.model.workloads.base import WorkloadRow


class DeploymentKind:
    kind = K.DEPLOYMENTS
    revisions = K.REPLICASETS

    def status(self, workload: Any) -> rollout.RolloutStatus:
        return rollout.rollout_status(workload)

    def row(self, workload: Any, now: float) -> WorkloadRow:
        """printDeployment's cells."""
        cells = rollout.deployment_row(workload, now)
        return WorkloadRow(
            name=cells.name,
            kind=self.kind.kind,
            ready=cells.ready,
            desired=rollout.spec_replicas(workload),
            current=u.i(u.path(workload, "status", "replicas")),
            updated=cells.up_to_date,
            available=cells.available,
            node_selector="",
            age=cells.age,
        )

    def owned(self, workload: Any, candidates: Sequence[Any]) -> list[Mapping[str, Any]]:
        return replicaset_history.owned_replicasets(workload, candidates)

    def history(
        self, workload: Any, candidates: Sequence[Any], now: float
    ) -> tuple[replicaset_history.RevisionInfo, ...]:
        return replicaset_history.history(workload, candidates, now)

    def undo_plan(
        self, workload: Any, candidates: Sequence[Any], to_revision: int
    ) -> replicaset_history.UndoPlan:
        return replicaset_history.undo_plan(workload, candidates, to_revision)


DEPLOYMENT = DeploymentKind()
