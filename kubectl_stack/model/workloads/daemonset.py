"""DaemonSets: `kubectl rollout status` word for word (DaemonSetStatusViewer, including the
OnDelete refusal), printDaemonSet's cells, and history and undo from ControllerRevisions (see
:mod:`.revisions`)."""

from __future__ import annotations

from typing import Any

from kubectl_stack import kinds as K
from kubectl_stack.model import fields as u
from kubectl_stack.model.workloads.base import Counts, RolloutStatus, WorkloadRow, counted_row
from kubectl_stack.model.workloads.revisions import ONLY_ROLLING, RevisionedKind


def daemonset_rollout_status(daemonset: Any) -> RolloutStatus:
    """DaemonSetStatusViewer.Status, exactly (message without the trailing newline)."""
    ds = u.d(daemonset)
    name = u.name(ds)
    strategy = u.d(u.path(ds, "spec", "updateStrategy"))
    if u.s(strategy.get("type")) != "RollingUpdate":
        return RolloutStatus("", True, ONLY_ROLLING)
    status = u.d(ds.get("status"))
    if u.i(u.meta(ds).get("generation")) <= u.i(status.get("observedGeneration")):
        desired = u.i(status.get("desiredNumberScheduled"))
        updated = u.i(status.get("updatedNumberScheduled"))
        available = u.i(status.get("numberAvailable"))
        if updated < desired:
            return RolloutStatus(
                f'Waiting for daemon set "{name}" rollout to finish: {updated} out of {desired} '
                "new pods have been updated...",
                False,
                "",
                f"Waiting {updated}/{desired} updated",
            )
        if available < desired:
            return RolloutStatus(
                f'Waiting for daemon set "{name}" rollout to finish: {available} of {desired} '
                "updated pods are available...",
                False,
                "",
                f"Waiting {available}/{desired} available",
            )
        return RolloutStatus(f'daemon set "{name}" successfully rolled out', True, "")
    return RolloutStatus(
        "Waiting for daemon set spec update to be observed...",
        False,
        "",
        "Waiting for spec update",
    )


_COUNTS = Counts(
    ("status", "desiredNumberScheduled"),
    "numberReady",
    "currentNumberScheduled",
    "updatedNumberScheduled",
    "numberAvailable",
)


class DaemonSetKind(RevisionedKind):
    kind = K.DAEMONSETS
    pod_owner = K.DAEMONSETS
    no_scale = "runs one pod per node"

    def status(self, workload: Any) -> RolloutStatus:
        return daemonset_rollout_status(workload)

    def row(self, workload: Any, now: float) -> WorkloadRow:
        """printDaemonSet's cells, NODE SELECTOR included."""
        selector = u.str_map(u.path(workload, "spec", "template", "spec", "nodeSelector"))
        shown = ",".join(f"{k}={selector[k]}" for k in sorted(selector)) or "<none>"
        return counted_row(self.kind, workload, now, _COUNTS, shown)


DAEMONSET = DaemonSetKind()
