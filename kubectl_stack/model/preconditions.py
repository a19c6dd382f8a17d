"""What a confirmation showed of an object, and what has changed since.

A change decided in a dialog is made only while the object still matches what the dialog
showed (DESIGN: "Mutations carry what the user saw"). :class:`Seen` records the parts of an
object a decision rests on; the fields left ``None`` are not part of that decision (a scale
rests on the replica count alone, as ``kubectl scale --current-replicas`` does; an undo on the
revision and the pod template it replaces). Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from . import fields as u
from .workloads.replicasets import REVISION_ANNOTATION
from .workloads.templates import template_diff

MAX_TEMPLATE_LINES = 3  # template changes listed before "and N more"


@dataclass(frozen=True)
class Seen:
    """The parts of one object a decision rests on (``None``: not part of it)."""

    uid: str | None = None
    revision: str | None = None  # the Deployment's revision annotation, verbatim ("" if none)
    template: Mapping[str, Any] | None = None  # spec.template as shown
    paused: bool | None = None
    replicas: int | None = None
    resource_version: str | None = None  # any change at all (a delete's precondition)

    def only(self, *names: str) -> Seen:
        """The same record keeping only the fields ``names`` (the others become None)."""
        return Seen(
            **{f.name: getattr(self, f.name) if f.name in names else None for f in fields(self)}
        )


def seen(obj: Any) -> Seen:
    """Every part of ``obj`` a decision may rest on (narrow it with :meth:`Seen.only`)."""
    spec = u.d(u.d(obj).get("spec"))
    replicas = spec.get("replicas", 1)
    return Seen(
        uid=u.uid(obj),
        revision=u.annots(obj).get(REVISION_ANNOTATION, ""),
        template=u.d(spec.get("template")),
        paused=u.b(spec.get("paused")),
        replicas=replicas if isinstance(replicas, int) and not isinstance(replicas, bool) else 1,
        resource_version=u.s(u.meta(obj).get("resourceVersion")) or None,
    )


def changes(shown: Seen, obj: Any) -> list[str]:
    """What differs between what was shown and ``obj`` now (``None``: it is gone), one short
    line per change, in the fields ``shown`` records; [] when nothing the decision rests on
    changed."""
    return difference(shown, None if obj is None else seen(obj))


def difference(shown: Seen, now: Seen | None) -> list[str]:
    """:func:`changes` between two records (``now`` None: the object is gone)."""
    if now is None:
        return ["it no longer exists"]
    if shown.uid is not None and shown.uid != now.uid:
        return ["it was deleted and created again (a new object of the same name)"]
    out: list[str] = []
    if shown.revision is not None and shown.revision != now.revision:
        out.append(f"revision {shown.revision or '<none>'} → {now.revision or '<none>'}")
    if shown.template is not None and shown.template != now.template:
        lines = template_diff(shown.template, now.template)
        out.extend(f"{line.path} {line.old} → {line.new}" for line in lines[:MAX_TEMPLATE_LINES])
        if len(lines) > MAX_TEMPLATE_LINES:
            out.append(f"and {len(lines) - MAX_TEMPLATE_LINES} more changes to the pod template")
        if not lines:
            out.append("the pod template changed")
    if shown.paused is not None and shown.paused != now.paused:
        out.append("paused → resumed" if shown.paused else "resumed → paused")
    if shown.replicas is not None and shown.replicas != now.replicas:
        out.append(f"replicas {shown.replicas} → {now.replicas}")
    if not out and shown.resource_version not in (None, now.resource_version):
        out.append(f"resourceVersion {shown.resource_version} → {now.resource_version}")
    return out
