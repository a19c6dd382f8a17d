"""What the informers keep of a Pod: client-go's informer transform (``SetTransform``).

Of 100,000 pods, the parts each pod holds alone are what costs memory; the store's interning
(:class:`~kubectl_stack.kube.interner.Interner`) shares everything siblings repeat. What makes a
pod's conditions and container statuses its own is mostly what no screen reads: the times
of the conditions other than Ready, the container and image ids, the time each running
container started, the mounts kubelet repeats in the status. Those are not stored, so the
rest is shared with the pod's siblings (at 100,000 pods: ~2 KB a pod).

Kept: everything the model reads (``tests/kube/test_trim.py`` compares the model's every
output on the seed scenarios with and without trimming), and everything of other kinds.
Not kept (:data:`DROPPED`): a screen that shows a whole pod (the YAML view) asks the API
server for it (``Source.fetch``); ``kubectl describe`` is kubectl's own request.
"""

from __future__ import annotations

from typing import Any

from . import kinds as K

Obj = dict[str, Any]

_STATUS_LISTS = ("containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses")
# Of a container status: ids, and what kubelet repeats of the spec (a pod's own volume mount
# names make it unique) or of the node.
_CONTAINER_DROPPED = frozenset(
    ("containerID", "imageID", "volumeMounts", "allocatedResources", "resources", "user")
)
# The one condition whose time a screen shows ("ready since").
_TIMED_CONDITION = "Ready"

DROPPED = (
    "status.conditions[type != Ready].lastTransitionTime",
    "status.conditions[].lastProbeTime",
    *(f"status.{key}[].{field}" for key in _STATUS_LISTS for field in sorted(_CONTAINER_DROPPED)),
    *(f"status.{key}[].state.running.startedAt" for key in _STATUS_LISTS),
)
"""What is not stored of a Pod, for people (the tests and the YAML view's note)."""


def trims(kind: str) -> bool:
    """Whether stored objects of ``kind`` (a store kind name) lack fields the server sent."""
    return kind == K.PODS.name


def trim(kind: str, obj: Obj) -> Obj:
    """``obj`` as stored: for a Pod a copy without :data:`DROPPED` (``obj`` is not changed);
    anything else as it is."""
    if not trims(kind):
        return obj
    status = obj.get("status")
    if type(status) is not dict:
        return obj
    slim: Obj = dict(status)
    conditions = status.get("conditions")
    if type(conditions) is list:
        slim["conditions"] = [_condition(c) for c in conditions]
    for key in _STATUS_LISTS:
        statuses = status.get(key)
        if type(statuses) is list:
            slim[key] = [_container(c) for c in statuses]
    return {**obj, "status": slim}


def _condition(cond: Any) -> Any:
    if type(cond) is not dict:
        return cond
    timed = cond.get("type") == _TIMED_CONDITION
    return {
        k: v
        for k, v in cond.items()
        if k != "lastProbeTime" and (timed or k != "lastTransitionTime")
    }


def _container(status: Any) -> Any:
    if type(status) is not dict:
        return status
    slim = {k: v for k, v in status.items() if k not in _CONTAINER_DROPPED}
    state = slim.get("state")
    if type(state) is dict and type(state.get("running")) is dict:
        running = {k: v for k, v in state["running"].items() if k != "startedAt"}
        slim["state"] = {**state, "running": running}
    return slim
