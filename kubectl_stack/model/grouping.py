"""Stacks grouped by application, when the standard labels say which application a workload
belongs to: `app.kubernetes.io/part-of` (the application), else Helm's
`meta.helm.sh/release-name` annotation (the release), else `app.kubernetes.io/instance`.
Workloads without any of them stay ungrouped (the flat view).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from kubectl_stack.model import fields as u

PART_OF = "app.kubernetes.io/part-of"
HELM_RELEASE = "meta.helm.sh/release-name"
INSTANCE = "app.kubernetes.io/instance"


@dataclass(frozen=True)
class GroupKey:
    namespace: str
    name: str
    source: str  # the label or annotation it came from

    @property
    def title(self) -> str:
        """ "shop (part-of)", "logging (Helm release)", "web (instance)"."""
        what = {PART_OF: "part-of", HELM_RELEASE: "Helm release", INSTANCE: "instance"}
        return f"{self.name} ({what.get(self.source, self.source)})"


@dataclass(frozen=True)
class Group:
    key: GroupKey
    members: tuple[tuple[str, str], ...]  # (kind, name), sorted


def group_key(workload: Any) -> GroupKey | None:
    """The application a workload belongs to, or None."""
    lbls, ann = u.labels(workload), u.annots(workload)
    ns = u.namespace(workload)
    for source, value in (
        (PART_OF, lbls.get(PART_OF)),
        (HELM_RELEASE, ann.get(HELM_RELEASE)),
        (INSTANCE, lbls.get(INSTANCE)),
    ):
        if value:
            return GroupKey(ns, value, source)
    return None


def group_workloads(
    workloads: Sequence[Any],
) -> tuple[tuple[Group, ...], tuple[tuple[str, str, str], ...]]:
    """(groups, ungrouped): groups sorted by namespace then name, each with its workloads as
    (kind, name); ungrouped as (namespace, kind, name). A workload whose key is shared with no
    other still forms a group: the label says it is an application."""
    members: dict[tuple[str, str], list[tuple[str, str]]] = {}
    keys: dict[tuple[str, str], GroupKey] = {}
    loose: list[tuple[str, str, str]] = []
    for w in u.dicts(list(workloads) if isinstance(workloads, Sequence) else []):
        kind = u.s(w.get("kind"))
        key = group_key(w)
        if key is None:
            loose.append((u.namespace(w), kind, u.name(w)))
            continue
        ident = (key.namespace, key.name)
        # part-of names the application even when another member only has its release name
        if ident not in keys or key.source == PART_OF:
            keys[ident] = key
        members.setdefault(ident, []).append((kind, u.name(w)))
    groups = tuple(Group(keys[ident], tuple(sorted(members[ident]))) for ident in sorted(members))
    return groups, tuple(sorted(loose))
