"""Changes the UI can make, each as kubectl makes it, each one request (never half-applied).

Every action returns an :class:`ActionResult`: ``done`` with kubectl's own success line
(``deployment.apps/web scaled``), ``refused`` with the server's Status message verbatim (or
kubectl's client-side error), ``conflict`` when someone else changed the object first (it is
re-read and reported, never overwritten), or ``skipped`` when there was nothing to do.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from ..model import workloads
from ..model.history import UndoPlan, undo_plan
from . import kinds as K
from .connection import ApiError, Connection, ConnectionFailed
from .kinds import Kind
from .store import Obj

Outcome = Literal["done", "refused", "conflict", "skipped"]
INT32_MAX = 2**31 - 1
RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"
STRATEGIC_MERGE = "application/strategic-merge-patch+json"
JSON_PATCH = "application/json-patch+json"


@dataclass(frozen=True)
class ActionResult:
    """What happened. ``message`` is the line to show; ``warnings`` are extra notices."""

    outcome: Outcome
    message: str
    warnings: tuple[str, ...] = ()
    status: int | None = None  # the HTTP status of a refusal

    @property
    def ok(self) -> bool:
        """The change was made (or was already in place)."""
        return self.outcome in ("done", "skipped")


def _refused(exc: ApiError | ConnectionFailed) -> ActionResult:
    if isinstance(exc, ApiError):
        return ActionResult("refused", exc.kubectl_message(), status=exc.status)
    return ActionResult("refused", exc.message)


def _ref(name: str, kind: Kind = K.DEPLOYMENTS) -> str:
    """kubectl's name for the object: ``deployment.apps/web``, ``statefulset.apps/db``."""
    return f"{kind.plural.removesuffix('s')}.{kind.group}/{name}" if kind.group else name


def _workload_kind(kind: Kind) -> str:
    return next((k for k, v in K.WORKLOADS.items() if v.name == kind.name), "Deployment")


def hpas_targeting(
    hpas: Iterable[Mapping[str, Any]], namespace: str, deployment: str, kind: str = "Deployment"
) -> list[Mapping[str, Any]]:
    """The HorizontalPodAutoscalers whose scaleTargetRef is this workload (of ``kind``)."""
    found = []
    for hpa in hpas:
        meta = hpa.get("metadata") or {}
        ref = (hpa.get("spec") or {}).get("scaleTargetRef") or {}
        if (
            meta.get("namespace") == namespace
            and ref.get("kind") == kind
            and ref.get("name") == deployment
        ):
            found.append(hpa)
    return found


async def scale(
    connection: Connection,
    namespace: str,
    name: str,
    replicas: Any,
    *,
    resource_version: str | None,
    hpas: Iterable[Mapping[str, Any]] = (),
    kind: Kind = K.DEPLOYMENTS,
) -> ActionResult:
    """Set a Deployment's (or StatefulSet's, with ``kind``) replicas through its ``scale``
    subresource.

    ``resource_version`` is the version the user saw: if the Deployment has changed since,
    the server answers 409 and the result is a ``conflict`` naming the current replicas.
    Non-integers and values outside 0..2147483647 are refused before anything is sent.
    An HPA targeting the Deployment produces a warning (it will set replicas back).
    """
    if isinstance(replicas, bool) or not isinstance(replicas, int):
        try:
            replicas = int(str(replicas).strip())
        except ValueError:
            return ActionResult("refused", f"invalid replica count {replicas!r}: not a number")
    if replicas < 0 or replicas > INT32_MAX:
        return ActionResult(
            "refused", f"invalid replica count {replicas}: must be between 0 and {INT32_MAX}"
        )
    warnings = []
    workload = _workload_kind(kind)
    for hpa in hpas_targeting(hpas, namespace, name, workload):
        spec = hpa.get("spec") or {}
        hpa_name = (hpa.get("metadata") or {}).get("name")
        warnings.append(
            f'HorizontalPodAutoscaler "{hpa_name}" controls this {workload} '
            f"(min {spec.get('minReplicas', 1)}, max {spec.get('maxReplicas')}): "
            "it will change the replica count again"
        )
    body: dict[str, Any] = {
        "apiVersion": "autoscaling/v1",
        "kind": "Scale",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"replicas": replicas},
    }
    if resource_version:
        body["metadata"]["resourceVersion"] = resource_version
    path = kind.path(namespace, name) + "/scale"
    try:
        await connection.request("PUT", path, body=body)
    except ApiError as exc:
        if exc.status == 409:
            return await _conflict(connection, namespace, name, exc, kind)
        return _refused(exc)
    except ConnectionFailed as exc:
        return _refused(exc)
    return ActionResult("done", f"{_ref(name, kind)} scaled", tuple(warnings))


async def _conflict(
    connection: Connection, namespace: str, name: str, exc: ApiError, kind: Kind
) -> ActionResult:
    try:
        current = await connection.get_json(kind.path(namespace, name))
        replicas = ((current or {}).get("spec") or {}).get("replicas")
        detail = f"; it now asks for {replicas} replicas. Nothing was changed"
    except (ApiError, ConnectionFailed):
        detail = ". Nothing was changed"
    return ActionResult("conflict", f"{exc.message}{detail}", status=409)


async def undo_preview(
    connection: Connection, namespace: str, name: str, to_revision: int = 0
) -> UndoPlan:
    """What ``rollout undo`` would do now (read-only), incl. the template diff.
    Raises ApiError / ConnectionFailed when the objects cannot be read."""
    deployment = await connection.get_json(K.DEPLOYMENTS.path(namespace, name))
    replicasets = await _selected(connection, deployment, K.REPLICASETS, namespace)
    return undo_plan(deployment, replicasets, to_revision)


async def _selected(connection: Connection, workload: Obj, kind: Kind, namespace: str) -> list[Obj]:
    """The ``kind`` objects of ``namespace`` that ``workload``'s matchLabels select (as
    kubectl lists them for an undo)."""
    match = ((workload.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
    selector = ",".join(f"{k}={v}" for k, v in match.items())
    params = {"labelSelector": selector} if selector else None
    listed = await connection.get_json(kind.path(namespace), params)
    items: list[Obj] = (listed or {}).get("items") or []
    return items


async def workload_undo_preview(
    connection: Connection, kind: Kind, namespace: str, name: str, to_revision: int = 0
) -> workloads.WorkloadUndoPlan:
    """What ``rollout undo`` of a StatefulSet or DaemonSet would do now (read-only): the
    workload and the ControllerRevisions its selector selects, through
    :func:`kubectl_stack.model.workloads.undo_plan`. Raises ApiError / ConnectionFailed."""
    workload = await connection.get_json(kind.path(namespace, name))
    revisions = await _selected(connection, workload, K.CONTROLLERREVISIONS, namespace)
    return workloads.undo_plan(workload, revisions, to_revision)


async def _workload_undo(
    connection: Connection, kind: Kind, namespace: str, name: str, to_revision: int
) -> ActionResult:
    try:
        plan = await workload_undo_preview(connection, kind, namespace, name, to_revision)
    except (ApiError, ConnectionFailed) as exc:
        return _refused(exc)
    if plan.error:
        return ActionResult("refused", f"error: {plan.error}")
    if plan.skipped:
        return ActionResult("skipped", f"{_ref(name, kind)} {plan.message}")
    try:
        await connection.request(
            "PATCH",
            kind.path(namespace, name),
            body=dict(plan.patch or {}),
            content_type=STRATEGIC_MERGE,
        )
    except (ApiError, ConnectionFailed) as exc:
        return _refused(exc)
    return ActionResult("done", f"{_ref(name, kind)} rolled back")


async def rollout_undo(
    connection: Connection,
    namespace: str,
    name: str,
    to_revision: int = 0,
    *,
    kind: Kind = K.DEPLOYMENTS,
) -> ActionResult:
    """kubectl rollout undo [--to-revision]. A Deployment: the client-side algorithm of
    :func:`kubectl_stack.model.history.undo_plan`, sent as one JSON patch; a StatefulSet or
    DaemonSet (``kind``): the revision's data from its ControllerRevision, sent as kubectl
    sends it, one strategic merge patch."""
    if kind.name != K.DEPLOYMENTS.name:
        return await _workload_undo(connection, kind, namespace, name, to_revision)
    try:
        plan = await undo_preview(connection, namespace, name, to_revision)
    except (ApiError, ConnectionFailed) as exc:
        return _refused(exc)
    if plan.error:
        return ActionResult("refused", f"error: {plan.error}")
    if plan.skipped:
        return ActionResult("skipped", f"{_ref(name)} {plan.message}")
    try:
        await connection.request(
            "PATCH",
            K.DEPLOYMENTS.path(namespace, name),
            body=[dict(op) for op in plan.patch],
            content_type=JSON_PATCH,
        )
    except (ApiError, ConnectionFailed) as exc:
        return _refused(exc)
    return ActionResult("done", f"{_ref(name)} rolled back")


def go_rfc3339(now: datetime | None = None) -> str:
    """Go's time.Now().Format(time.RFC3339): local time, seconds, ``Z`` for UTC."""
    stamp = (now or datetime.now()).astimezone().isoformat(timespec="seconds")
    return stamp[:-6] + "Z" if stamp.endswith("+00:00") else stamp


async def _get_deployment(connection: Connection, namespace: str, name: str) -> Any:
    return await connection.get_json(K.DEPLOYMENTS.path(namespace, name))


async def rollout_restart(
    connection: Connection,
    namespace: str,
    name: str,
    *,
    now: datetime | None = None,
    kind: Kind = K.DEPLOYMENTS,
) -> ActionResult:
    """kubectl rollout restart: stamp the pod template with restartedAt (strategic merge).
    ``kind``: a StatefulSet or DaemonSet instead of a Deployment."""
    try:
        workload = await connection.get_json(kind.path(namespace, name))
        if kind.name == K.DEPLOYMENTS.name and (workload.get("spec") or {}).get("paused"):
            return ActionResult(
                "refused",
                f'error: deployments.apps "{name}" can\'t restart paused deployment '
                "(run rollout resume first)",
            )
        patch = {
            "spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: go_rfc3339(now)}}}}
        }
        await connection.request(
            "PATCH", kind.path(namespace, name), body=patch, content_type=STRATEGIC_MERGE
        )
    except (ApiError, ConnectionFailed) as exc:
        return _refused(exc)
    return ActionResult("done", f"{_ref(name, kind)} restarted")


async def _set_paused(
    connection: Connection, namespace: str, name: str, paused: bool
) -> ActionResult:
    try:
        deployment = await _get_deployment(connection, namespace, name)
        if bool((deployment.get("spec") or {}).get("paused")) == paused:
            state = "already paused" if paused else "not paused"
            return ActionResult("skipped", f'deployments.apps "{name}" is {state}')
        await connection.request(
            "PATCH",
            K.DEPLOYMENTS.path(namespace, name),
            body={"spec": {"paused": paused}},
            content_type=STRATEGIC_MERGE,
        )
    except (ApiError, ConnectionFailed) as exc:
        return _refused(exc)
    return ActionResult("done", f"{_ref(name)} {'paused' if paused else 'resumed'}")


async def rollout_pause(connection: Connection, namespace: str, name: str) -> ActionResult:
    """kubectl rollout pause."""
    return await _set_paused(connection, namespace, name, True)


async def rollout_resume(connection: Connection, namespace: str, name: str) -> ActionResult:
    """kubectl rollout resume."""
    return await _set_paused(connection, namespace, name, False)


async def delete_pod(
    connection: Connection, namespace: str, name: str, *, uid: str | None = None
) -> ActionResult:
    """kubectl delete pod. With ``uid``, only that very pod (not a namesake created since)."""
    body: dict[str, Any] | None = None
    if uid:
        body = {"kind": "DeleteOptions", "apiVersion": "v1", "preconditions": {"uid": uid}}
    try:
        await connection.request("DELETE", K.PODS.path(namespace, name), body=body)
    except ApiError as exc:
        if exc.status == 409:
            return ActionResult("conflict", exc.message, status=409)
        return _refused(exc)
    except ConnectionFailed as exc:
        return _refused(exc)
    # kubectl 1.37's wording (older releases stopped after "deleted").
    return ActionResult("done", f'pod "{name}" deleted from {namespace} namespace')


DELETABLE: dict[str, Kind] = {
    "ReplicaSet": K.REPLICASETS,
    "ConfigMap": K.CONFIGMAPS,
    "Secret": K.SECRETS,
    "Service": K.SERVICES,
}
"""The kinds of a stack's objects the app deletes (besides pods), by ``kind``."""


async def delete_object(
    connection: Connection, kind: Kind, namespace: str, name: str, *, resource_version: str
) -> ActionResult:
    """kubectl delete of one object, only if it is still at ``resource_version`` (the version
    the user confirmed): a changed object is refused with 409 by the server, not deleted."""
    body = {
        "kind": "DeleteOptions",
        "apiVersion": "v1",
        "preconditions": {"resourceVersion": resource_version},
        # kubectl's default: the object goes at once, its dependents (a ReplicaSet's pods,
        # a Service's EndpointSlices) after it, by the garbage collector.
        "propagationPolicy": "Background",
    }
    try:
        await connection.request("DELETE", kind.path(namespace, name), body=body)
    except ApiError as exc:
        if exc.status == 409:
            return ActionResult(
                "conflict",
                f"{exc.message} — it changed since you confirmed; nothing was deleted",
                status=409,
            )
        return _refused(exc)
    except ConnectionFailed as exc:
        return _refused(exc)
    singular = kind.plural.removesuffix("s")
    what = f"{singular}.{kind.group}" if kind.group else singular
    return ActionResult("done", f'{what} "{name}" deleted from {namespace} namespace')
