"""What the confirm dialogs of the workload keys show before a change: the counts the scale
dialog offers and who else owns them, and what a workload's managers will make of a change."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...model import managedby as model_managedby
from ...model.ref import WorkloadRef
from ..source import Source
from .objects import managed_by, workload


def action_notes(
    source: Source, kind: str, namespace: str, name: str, action: str
) -> tuple[str, ...]:
    """What a confirm dialog says before ``action`` (scale / undo / restart / delete) on a
    managed workload; () when nothing will fight the change."""
    return model_managedby.action_warnings(managed_by(source, kind, namespace, name), action, kind)


@dataclass(frozen=True)
class ScaleInfo:
    spec: int
    ready: str
    hpa_warning: str | None


def _int(value: Any, default: int = 0) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def scale_info(source: Source, namespace: str, name: str, kind: str) -> ScaleInfo | None:
    """The counts the scale dialog shows, and who else owns the count."""
    dep = workload(source, kind, namespace, name)
    if dep is None:
        return None
    spec = dep.get("spec") or {}
    status = dep.get("status") or {}
    replicas = _int(spec.get("replicas"), 1)
    warning = None
    for hpa in source.hpa_owners(WorkloadRef(kind, namespace, name)):
        hpa_spec = hpa.get("spec") or {}
        hpa_name = (hpa.get("metadata") or {}).get("name", "")
        low = _int(hpa_spec.get("minReplicas"), 1)
        high = _int(hpa_spec.get("maxReplicas"))
        warning = (
            f"HPA {hpa_name} owns this count ({low}–{high}) and will set it back "
            "at its next sync (about 15 s)."
        )
    return ScaleInfo(replicas, f"{_int(status.get('readyReplicas'))}/{replicas}", warning)
