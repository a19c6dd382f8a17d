"""StatefulSets: `kubectl rollout status` word for word (StatefulSetStatusViewer, including
partitioned updates and the OnDelete refusal), printStatefulSet's cells, and history and undo
from ControllerRevisions (see :mod:`.revisions`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubectl_stack import kinds as K
from kubectl_stack.model import fields as u
from kubectl_stack.model.workloads.base import Counts, RolloutStatus, WorkloadRow, counted_row
from kubectl_stack.model.workloads.revisions import ONLY_ROLLING, RevisionedKind


def statefulset_rollout_status(statefulset: Any) -> RolloutStatus:
    """StatefulSetStatusViewer.Status, exactly (message without the trailing newline).

    With the API's default strategy (RollingUpdate, partition 0) kubectl always takes the
    partitioned branch, so a finished rollout reads "partitioned roll out complete: ..."."""
    sts = u.d(statefulset)
    spec = u.d(sts.get("spec"))
    strategy = u.d(spec.get("updateStrategy"))
    if u.s(strategy.get("type")) != "RollingUpdate":
        return RolloutStatus("", True, ONLY_ROLLING)
    status = u.d(sts.get("status"))
    observed = u.i(status.get("observedGeneration"))
    if observed == 0 or u.i(u.meta(sts).get("generation")) > observed:
        return RolloutStatus(
            "Waiting for statefulset spec update to be observed...",
            False,
            "",
            "Waiting for spec update",
        )
    replicas = u.opt_i(spec.get("replicas"))
    ready = u.i(status.get("readyReplicas"))
    updated = u.i(status.get("updatedReplicas"))
    if replicas is not None and ready < replicas:
        return RolloutStatus(
            f"Waiting for {replicas - ready} pods to be ready...",
            False,
            "",
            f"Waiting {ready}/{replicas} ready",
        )
    rolling = strategy.get("rollingUpdate")
    if isinstance(rolling, Mapping):
        partition = u.opt_i(rolling.get("partition"))
        if replicas is not None and partition is not None and updated < replicas - partition:
            return RolloutStatus(
                f"Waiting for partitioned roll out to finish: {updated} out of "
                f"{replicas - partition} new pods have been updated...",
                False,
                "",
                f"Waiting {updated}/{replicas - partition} updated",
            )
        return RolloutStatus(
            f"partitioned roll out complete: {updated} new pods have been updated...", True, ""
        )
    update_rev = u.s(status.get("updateRevision"))
    current_rev = u.s(status.get("currentRevision"))
    if update_rev != current_rev:
        return RolloutStatus(
            f"waiting for statefulset rolling update to complete {updated} pods at revision "
            f"{update_rev}...",
            False,
            "",
            f"Waiting {updated} updated",
        )
    current = u.i(status.get("currentReplicas"))
    return RolloutStatus(
        f"statefulset rolling update complete {current} pods at revision {current_rev}...",
        True,
        "",
    )


_COUNTS = Counts(
    ("spec", "replicas"), "readyReplicas", "replicas", "updatedReplicas", "availableReplicas"
)


class StatefulSetKind(RevisionedKind):
    kind = K.STATEFULSETS
    pod_owner = K.STATEFULSETS

    def status(self, workload: Any) -> RolloutStatus:
        return statefulset_rollout_status(workload)

    def row(self, workload: Any, now: float) -> WorkloadRow:
        """printStatefulSet's cells."""
        return counted_row(self.kind, workload, now, _COUNTS)


STATEFULSET = StatefulSetKind()
