"""Changes the UI can make, each as kubectl makes it, each one request (never half-applied).

Every action returns an :class:`ActionResult`: ``done`` with kubectl's own success line
(``deployment.apps/web scaled``), ``refused`` with the server's Status message verbatim (or
kubectl's client-side error), ``conflict`` when the object no longer matches what the user saw
when deciding (:class:`~kubectl_stack.model.preconditions.Seen`; the differences are named and
nothing is written), or ``skipped`` when there was nothing to do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from ..model import preconditions, workloads
from ..model.preconditions import Seen
from ..model.ref import WorkloadRef
from ..model.workloads.replicasets import JSON_PATCH, REVISION_ANNOTATION
from ..model.workloads.revisions import STRATEGIC_MERGE
from . import kinds as K
from .connection import ApiError, Connection, ConnectionFailed
from .kinds import Kind
from .store import Obj

Outcome = Literal["done", "refused", "conflict", "skipped"]
INT32_MAX = 2**31 - 1
RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"
MERGE_PATCH = "application/merge-patch+json"
# Writes retried after a 409 whose object still matches what the user saw (kubectl's
# RetryOnConflict backs off 5 times too): a status update landed between read and write.
CONFLICT_RETRIES = 5


@dataclass(frozen=True)
class ActionResult:
    """What happened. ``message`` is the line to show; ``warnings`` are extra notices."""

    outcome: Outcome
    message: str
    warnings: tuple[str, ...] = ()
    status: int | None = None  # the HTTP status of a refusal
    changes: tuple[str, ...] = ()  # a conflict: what differs from what the user saw

    @property
    def ok(self) -> bool:
        """The change was made (or was already in place)."""
        return self.outcome in ("done", "skipped")


def _refused(exc: ApiError | ConnectionFailed) -> ActionResult:
    if isinstance(exc, ApiError):
        return ActionResult("refused", exc.kubectl_message(), status=exc.status)
    return ActionResult("refused", exc.message)


def _ref(name: str, kind: Kind) -> str:
    """kubectl's name for the object: ``deployment.apps/web``, ``statefulset.apps/db``."""
    return f"{kind.plural.removesuffix('s')}.{kind.group}/{name}" if kind.group else name


def hpas_targeting(hpas: Iterable[Mapping[str, Any]], ref: WorkloadRef) -> list[Mapping[str, Any]]:
    """The HorizontalPodAutoscalers whose scaleTargetRef is this workload."""
    found = []
    for hpa in hpas:
        meta = hpa.get("metadata") or {}
        target = (hpa.get("spec") or {}).get("scaleTargetRef") or {}
        if (
            meta.get("namespace") == ref.namespace
            and target.get("kind") == ref.kind
            and target.get("name") == ref.name
        ):
            found.append(hpa)
    return found


async def scale(
    connection: Connection,
    ref: WorkloadRef,
    replicas: Any,
    *,
    current_replicas: int | None = None,
    hpas: Iterable[Mapping[str, Any]] = (),
) -> ActionResult:
    """Set a workload's replicas (a Deployment's, a StatefulSet's) through its ``scale``
    subresource, as ``kubectl scale`` does.

    ``current_replicas`` is the count the user saw (kubectl's ``--current-replicas``): the
    scale is read, and when its replicas differ the result is a ``conflict`` ("Expected
    replicas to be 1, was 5") and nothing is sent; otherwise it is written back with the
    version read, again after a 409 from a change in between. Without it, one merge patch.
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
    kind, workload = K.WORKLOADS[ref.kind], ref.kind
    for hpa in hpas_targeting(hpas, ref):
        spec = hpa.get("spec") or {}
        hpa_name = (hpa.get("metadata") or {}).get("name")
        warnings.append(
            f'HorizontalPodAutoscaler "{hpa_name}" controls this {workload} '
            f"(min {spec.get('minReplicas', 1)}, max {spec.get('maxReplicas')}): "
            "it will change the replica count again"
        )
    path = kind.path(ref.namespace, ref.name) + "/scale"
    try:
        if current_replicas is None:
            body = {"spec": {"replicas": replicas}}
            await connection.request("PATCH", path, body=body, content_type=MERGE_PATCH)
        else:
            conflict = await _scale_if(connection, path, current_replicas, replicas)
            if conflict is not None:
                return conflict
    except (ApiError, ConnectionFailed) as exc:
        return _refused(exc)
    return ActionResult("done", f"{_ref(ref.name, kind)} scaled", tuple(warnings))


async def _scale_if(
    connection: Connection, path: str, current: int, replicas: int
) -> ActionResult | None:
    """kubectl's ScaleCondition with a precondition: read, compare, update with the version
    read; a 409 (the object changed in between, if only its status) starts over. Returns
    the conflict, or None once written. Raises ApiError / ConnectionFailed."""
    for attempt in range(CONFLICT_RETRIES):
        scale_obj = await connection.get_json(path)
        have = ((scale_obj or {}).get("spec") or {}).get("replicas", 0)
        if have != current:
            return ActionResult(
                "conflict",
                f"Expected replicas to be {current}, was {have}",
                status=409,
                changes=(f"replicas {current} → {have}",),
            )
        scale_obj.setdefault("spec", {})["replicas"] = replicas
        try:
            await connection.request("PUT", path, body=scale_obj)
        except ApiError as exc:
            if exc.status != 409 or attempt == CONFLICT_RETRIES - 1:
                raise
            continue
        return None
    return None  # not reached: the last attempt returns or raises


def _conflict(kind: Kind, name: str, lines: Iterable[str]) -> ActionResult:
    """Nothing was changed because the object no longer matches what the user saw."""
    listed = tuple(lines)
    return ActionResult(
        "conflict",
        f"{_ref(name, kind)} changed since it was shown: {'; '.join(listed)}. Nothing was changed",
        status=409,
        changes=listed,
    )


async def _changed(
    connection: Connection, kind: Kind, namespace: str, name: str, shown: Seen, exc: ApiError
) -> ActionResult:
    """The server refused a write guarded by what the user saw (a failed JSON-patch test, a
    delete precondition): the object is read again and the differences named. When nothing
    the user saw has changed, the refusal was about something else and is reported as is."""
    try:
        current: Any = await connection.get_json(kind.path(namespace, name))
    except ApiError as read_error:
        if read_error.status != 404:
            return _refused(read_error)
        current = None
    except ConnectionFailed as read_error:
        return _refused(read_error)
    lines = preconditions.changes(shown, current)
    return _conflict(kind, name, lines) if lines else _refused(exc)


Build = Callable[[Obj], "tuple[Any, str] | ActionResult"]


async def _patch_checked(
    connection: Connection,
    kind: Kind,
    namespace: str,
    name: str,
    shown: Seen | None,
    build: Build,
    *,
    first: Obj | None = None,
) -> ActionResult | None:
    """Read the object (``first``: as just read); when it no longer matches ``shown``, the
    conflict. Otherwise send the patch ``build`` makes of it (a body and its content type, or a
    result instead), guarded by what the user saw: a JSON patch by ``test`` operations (a
    refusal names what changed), any other patch by the version read (starting over after a
    409 while it still matches). None once sent. Raises ApiError / ConnectionFailed."""
    path = kind.path(namespace, name)
    for attempt in range(CONFLICT_RETRIES):
        obj = first if first is not None and attempt == 0 else await connection.get_json(path)
        if shown is not None:
            lines = preconditions.changes(shown, obj)
            if lines:
                return _conflict(kind, name, lines)
        built = build(obj)
        if isinstance(built, ActionResult):
            return built
        body, content_type = built
        json_patch = content_type == JSON_PATCH
        if shown is not None and json_patch:
            body = [*_tests(shown), *body]
        elif shown is not None:
            version = ((obj.get("metadata") or {}).get("resourceVersion")) or ""
            body = {
                **body,
                "metadata": {**(body.get("metadata") or {}), "resourceVersion": version},
            }
        try:
            await connection.request("PATCH", path, body=body, content_type=content_type)
        except ApiError as exc:
            if shown is not None and json_patch and exc.status == 422:
                return await _changed(connection, kind, namespace, name, shown, exc)
            retry = shown is not None and not json_patch and attempt < CONFLICT_RETRIES - 1
            if exc.status == 409 and retry:
                continue
            raise
        return None
    return None  # not reached: the last attempt returns or raises


async def undo_preview(
    connection: Connection, ref: WorkloadRef, to_revision: int = 0
) -> workloads.UndoPlan:
    """What ``rollout undo`` would do now (read-only), incl. the template diff: the workload
    and the revisions (ReplicaSets, ControllerRevisions) its selector selects, through its
    kind's undo plan. Raises ApiError / ConnectionFailed when they cannot be read."""
    workload_kind = workloads.for_kind(ref.kind)
    workload, candidates = await _undo_inputs(connection, workload_kind, ref)
    return workload_kind.undo_plan(workload, candidates, to_revision)


async def _undo_inputs(
    connection: Connection, workload_kind: workloads.WorkloadKind, ref: WorkloadRef
) -> tuple[Obj, list[Obj]]:
    """The workload, and the objects of ``ref.namespace`` that keep its revisions and that its
    matchLabels select (as kubectl lists them for an undo)."""
    workload = await connection.get_json(workload_kind.kind.path(ref.namespace, ref.name))
    match = ((workload.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
    selector = ",".join(f"{k}={v}" for k, v in match.items())
    params = {"labelSelector": selector} if selector else None
    listed = await connection.get_json(workload_kind.revisions.path(ref.namespace), params)
    items: list[Obj] = (listed or {}).get("items") or []
    return workload, items


def _tests(shown: Seen) -> list[dict[str, Any]]:
    """RFC 6902 ``test`` operations that make a JSON patch apply only to the object the user
    saw: the same uid, revision and pod template (the server refuses the patch otherwise)."""
    ops: list[dict[str, Any]] = []
    if shown.uid:
        ops.append({"op": "test", "path": "/metadata/uid", "value": shown.uid})
    if shown.revision:
        path = "/metadata/annotations/" + REVISION_ANNOTATION.replace("~", "~0").replace("/", "~1")
        ops.append({"op": "test", "path": path, "value": shown.revision})
    if shown.template is not None:
        ops.append({"op": "test", "path": "/spec/template", "value": shown.template})
    return ops


async def rollout_undo(
    connection: Connection,
    ref: WorkloadRef,
    to_revision: int = 0,
    *,
    shown: Seen | None = None,
) -> ActionResult:
    """kubectl rollout undo [--to-revision] of any workload kind: its kind's undo plan, sent
    as kubectl sends it (a Deployment: one JSON patch of the template and annotations; a
    StatefulSet or DaemonSet: the revision's data, one strategic merge patch).

    ``shown``: what the user saw (its revision and pod template); the undo is made only while
    the workload still matches it -- otherwise a ``conflict`` naming what changed (a rollout
    made meanwhile would otherwise be lost: the undo replaces the template)."""
    workload_kind = workloads.for_kind(ref.kind)
    kind = workload_kind.kind
    try:
        workload, candidates = await _undo_inputs(connection, workload_kind, ref)

        def build(obj: Obj) -> tuple[Any, str] | ActionResult:
            plan = workload_kind.undo_plan(obj, candidates, to_revision)
            if plan.error:
                return ActionResult("refused", f"error: {plan.error}")
            if plan.skipped:
                return ActionResult("skipped", f"{_ref(ref.name, kind)} {plan.message}")
            return plan.body(), plan.content_type

        early = await _patch_checked(
            connection, kind, ref.namespace, ref.name, shown, build, first=workload
        )
    except (ApiError, ConnectionFailed) as exc:
        return _refused(exc)
    return early or ActionResult("done", f"{_ref(ref.name, kind)} rolled back")


def go_rfc3339(now: datetime | None = None) -> str:
    """Go's time.Now().Format(time.RFC3339): local time, seconds, ``Z`` for UTC."""
    stamp = (now or datetime.now()).astimezone().isoformat(timespec="seconds")
    return stamp[:-6] + "Z" if stamp.endswith("+00:00") else stamp


async def rollout_restart(
    connection: Connection,
    ref: WorkloadRef,
    *,
    now: datetime | None = None,
    shown: Seen | None = None,
) -> ActionResult:
    """kubectl rollout restart: stamp the pod template with restartedAt (strategic merge).
    ``shown``: made only while the workload still matches what the user saw (else a
    ``conflict``). A paused rollout is refused, as kubectl refuses it."""
    kind, name = K.WORKLOADS[ref.kind], ref.name
    pausable = workloads.for_kind(ref.kind).pausable

    def build(workload: Obj) -> tuple[Any, str] | ActionResult:
        if pausable and (workload.get("spec") or {}).get("paused"):
            return ActionResult(
                "refused",
                f'error: deployments.apps "{name}" can\'t restart paused deployment '
                "(run rollout resume first)",
            )
        stamp = {RESTARTED_AT: go_rfc3339(now)}
        return {"spec": {"template": {"metadata": {"annotations": stamp}}}}, STRATEGIC_MERGE

    try:
        early = await _patch_checked(connection, kind, ref.namespace, name, shown, build)
    except (ApiError, ConnectionFailed) as exc:
        return _refused(exc)
    return early or ActionResult("done", f"{_ref(name, kind)} restarted")


async def _set_paused(
    connection: Connection, namespace: str, name: str, paused: bool, shown: Seen | None
) -> ActionResult:
    def build(deployment: Obj) -> tuple[Any, str] | ActionResult:
        if bool((deployment.get("spec") or {}).get("paused")) == paused:
            state = "already paused" if paused else "not paused"
            return ActionResult("skipped", f'deployments.apps "{name}" is {state}')
        return {"spec": {"paused": paused}}, STRATEGIC_MERGE

    try:
        early = await _patch_checked(connection, K.DEPLOYMENTS, namespace, name, shown, build)
    except (ApiError, ConnectionFailed) as exc:
        return _refused(exc)
    done = "paused" if paused else "resumed"
    return early or ActionResult("done", f"{_ref(name, K.DEPLOYMENTS)} {done}")


async def rollout_pause(
    connection: Connection, namespace: str, name: str, *, shown: Seen | None = None
) -> ActionResult:
    """kubectl rollout pause (only while the Deployment matches ``shown``)."""
    return await _set_paused(connection, namespace, name, True, shown)


async def rollout_resume(
    connection: Connection, namespace: str, name: str, *, shown: Seen | None = None
) -> ActionResult:
    """kubectl rollout resume (only while the Deployment matches ``shown``: a resume rolls
    out the template as it is, so a change made meanwhile is asked about first)."""
    return await _set_paused(connection, namespace, name, False, shown)


async def delete_pod(
    connection: Connection, namespace: str, name: str, *, uid: str | None = None
) -> ActionResult:
    """kubectl delete pod. With ``uid``, only that very pod (not a namesake created since:
    then a ``conflict`` saying so)."""
    body: dict[str, Any] | None = None
    if uid:
        body = {"kind": "DeleteOptions", "apiVersion": "v1", "preconditions": {"uid": uid}}
    try:
        await connection.request("DELETE", K.PODS.path(namespace, name), body=body)
    except ApiError as exc:
        if exc.status == 409 and uid:
            return await _changed(connection, K.PODS, namespace, name, Seen(uid=uid), exc)
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
