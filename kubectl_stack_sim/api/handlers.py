"""Resource verbs: get, list, create, update, patch, delete and deletecollection, with the
``status`` and ``scale`` subresources, as the API server's generic registry performs them.

Stored objects are shared and immutable: reads serialise them as they are (no copies), writes
build a fresh dict (a clone, a decoded body or a patch result) and hand it to the store.
"""

from __future__ import annotations

import base64
import dataclasses
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from .. import admission, deletion, jsonutil
from ..cluster import Cluster
from ..controllers import disruption
from ..resources import BY_GR, ResourceType
from ..store import AlreadyExists, Conflict, NotFound, clone
from . import convert, tables
from .errors import (
    ApiError,
    already_exists,
    bad_request,
    conflict,
    invalid,
    not_found,
    qualified,
    too_large_resource_version,
)
from .fields import FieldValidation, check_apply, patch_value
from .media import Form, partial_metadata
from .patch import APPLY_PATCH, STRATEGIC_PATCH, apply_patch
from .selectors import (
    fields_match,
    labels_match,
    parse_field_selector,
    parse_label_selector,
)

Obj = dict[str, Any]

HPA = "horizontalpodautoscalers.autoscaling"
# The API server refuses to delete these (the NamespaceLifecycle admission plugin).
_UNDELETABLE_NAMESPACES = frozenset({"default", "kube-system", "kube-public"})


@dataclass(frozen=True)
class Target:
    """What a request path names."""

    rtype: ResourceType
    version: str
    namespace: str | None  # None: all namespaces (or a cluster-scoped kind)
    name: str | None
    subresource: str | None
    dry_run: bool = False  # ?dryRun=All: admit and answer, but store nothing

    @property
    def gr(self) -> str:
        return self.rtype.gr

    @property
    def api_version(self) -> str:
        return self.rtype.api_version(self.version)


class Registry:
    """The API operations on one :class:`Cluster`. Runs on the cluster's event loop."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.store = cluster.store
        self._snapshots: OrderedDict[str, tuple[int, list[Obj]]] = OrderedDict()
        self._snapshot_seq = 0

    # -- representation ---------------------------------------------------------------------
    def served(self, target: Target, obj: Obj) -> Obj:
        """The stored object as the requested version serves it."""
        if target.gr == HPA and target.version == "v1":
            return convert.hpa_v2_to_v1(obj)
        return obj

    def now(self) -> float:
        return self.cluster.clock.now()

    def row_object(self, target: Target, obj: Obj, include: str) -> Obj | None:
        if include == "None":
            return None
        if include == "Object":
            return self.served(target, obj)
        return partial_metadata(obj)

    def render_one(self, target: Target, obj: Obj, form: Form, include: str) -> Obj:
        if form is Form.TABLE:
            row = tables.row(target.gr, obj, self.now(), self.row_object(target, obj, include))
            rv = obj.get("metadata", {}).get("resourceVersion", "")
            return tables.table(target.gr, [row], rv)
        if form is Form.META:
            return partial_metadata(obj)
        return self.served(target, obj)

    # -- reading ----------------------------------------------------------------------------
    def get(self, target: Target) -> Obj:
        assert target.name is not None
        obj = self.store.get(target.gr, target.namespace or "", target.name)
        if obj is None:
            raise not_found(target.rtype, target.name)
        return obj

    def list_page(self, target: Target, params: dict[str, str]) -> tuple[list[Obj], str, str, int]:
        """Matching objects of one page: (items, resourceVersion, continue, remaining)."""
        token = params.get("continue")
        limit = _int_param(params, "limit", 0)
        if token:
            snap_id, offset, rv = _decode_continue(token)
            snapshot = self._snapshots.get(snap_id)
            if snapshot is None or rv < self.store.compacted_resource_version:
                raise ApiError(
                    410,
                    "The provided continue parameter is too old to display a consistent list "
                    "result. You can start a new list without the continue parameter, or use "
                    "the continue token in this response to retrieve the remainder of the "
                    "results. Continuing with the provided token results in an inconsistent "
                    "list - objects that were created, modified, or deleted between the time "
                    "the first chunk was returned and now may show up in the list.",
                    reason="Expired",
                )
            items = snapshot[1]
        else:
            self._check_list_version(params)
            rv, offset = self.store.resource_version, 0
            items = self.matching(target, params)
        end = offset + limit if limit > 0 else len(items)
        page = items[offset:end]
        next_token = ""
        remaining = 0
        if end < len(items):
            if not token:
                snap_id = self._remember(rv, items)
            next_token = _encode_continue(snap_id, end, rv)
            remaining = len(items) - end
        return page, str(rv), next_token, remaining

    def _check_list_version(self, params: dict[str, str]) -> None:
        wanted = params.get("resourceVersion", "")
        if wanted in ("", "0"):
            return
        number = parse_rv(wanted)
        current = self.store.resource_version
        if number > current:
            raise too_large_resource_version(number, current)
        if params.get("resourceVersionMatch") == "Exact" and number != current:
            # Only the newest state is kept, so an older exact version is gone.
            raise ApiError(410, f"too old resource version: {number} ({current})", reason="Expired")

    def _remember(self, rv: int, items: list[Obj]) -> str:
        self._snapshot_seq += 1
        snap_id = str(self._snapshot_seq)
        self._snapshots[snap_id] = (rv, items)
        while len(self._snapshots) > 64:
            self._snapshots.popitem(last=False)
        return snap_id

    def matching(self, target: Target, params: dict[str, str]) -> list[Obj]:
        labels = parse_label_selector(params.get("labelSelector"))
        fields = parse_field_selector(target.gr, params.get("fieldSelector"))
        items = self.store.list(target.gr, target.namespace)
        if labels:
            items = [o for o in items if labels_match(labels, o)]
        if fields:
            items = [o for o in items if fields_match(fields, o)]
        return items

    def list_body(
        self,
        target: Target,
        items: list[Obj],
        rv: str,
        token: str,
        remaining: int,
        form: Form,
        include: str,
    ) -> Obj:
        if form is Form.TABLE:
            now = self.now()
            rows = [
                tables.row(target.gr, o, now, self.row_object(target, o, include)) for o in items
            ]
            return tables.table(target.gr, rows, rv, continue_token=token, remaining=remaining)
        meta: Obj = {"resourceVersion": rv}
        if token:
            meta["continue"] = token
            meta["remainingItemCount"] = remaining
        if form is Form.META:
            return {
                "kind": "PartialObjectMetadataList",
                "apiVersion": "meta.k8s.io/v1",
                "metadata": meta,
                "items": [partial_metadata(o) for o in items],
            }
        if target.gr == HPA and target.version == "v1":
            items = [convert.hpa_v2_to_v1(o) for o in items]
        return {
            "kind": f"{target.rtype.kind}List",
            "apiVersion": target.api_version,
            "metadata": meta,
            "items": items,
        }

    # -- writing ----------------------------------------------------------------------------
    def _admit(self, obj: Obj, target: Target, old: Obj | None) -> Obj:
        meta = obj.get("metadata")
        if isinstance(meta, dict):
            # Empty label and annotation maps are omitted, as Go's JSON encoding does.
            for key in ("labels", "annotations"):
                if meta.get(key) == {}:
                    del meta[key]
        try:
            admitted: Obj = admission.admit(
                self.cluster, target.gr, obj, old, dry_run=target.dry_run
            )
            return admitted
        except (admission.Invalid, admission.Forbidden) as exc:
            raise ApiError.from_status(exc.status()) from None

    def _check_body_identity(self, target: Target, body: Any) -> Obj:
        if not isinstance(body, dict):
            raise bad_request("the object provided is unrecognized (must be of type object)")
        if (
            target.gr == HPA
            and target.version == "v1"
            and body.get("apiVersion") == "autoscaling/v1"
        ):
            stored = None
            name = (body.get("metadata") or {}).get("name")
            if name:
                stored = self.store.get(HPA, target.namespace or "", name)
            body = convert.hpa_v1_to_v2(body, stored)
        api_version = body.get("apiVersion")
        kind = body.get("kind")
        if (
            api_version
            and api_version != target.rtype.api_version(target.rtype.preferred_version)
            and api_version != target.api_version
        ):
            raise bad_request(
                f"the API version in the data ({api_version}) does not match the expected API "
                f"version ({target.api_version})"
            )
        if kind and kind != target.rtype.kind:
            raise bad_request(
                f"the kind in the data ({kind}) does not match the expected kind "
                f"({target.rtype.kind})"
            )
        body["apiVersion"] = target.rtype.api_version()
        body["kind"] = target.rtype.kind
        meta = body.get("metadata")
        if not isinstance(meta, dict):
            meta = body["metadata"] = {}
        if target.rtype.namespaced:
            ns = meta.get("namespace")
            if ns and ns != target.namespace:
                raise bad_request(
                    "the namespace of the provided object does not match the namespace sent "
                    "on the request"
                )
            meta["namespace"] = target.namespace
        checked: Obj = body
        return checked

    def _require_namespace(self, target: Target, name: str) -> None:
        if not target.rtype.namespaced or target.namespace is None:
            return
        ns = self.store.get("namespaces", "", target.namespace)
        if ns is None:
            raise not_found(BY_GR["namespaces"], target.namespace)
        if ns["metadata"].get("deletionTimestamp"):
            raise ApiError(
                403,
                f'{qualified(target.rtype)} "{name}" is forbidden: unable to create new content '
                f"in namespace {target.namespace} because it is being terminated",
                details={"name": name, "group": target.rtype.group, "kind": target.rtype.plural},
            )

    def create(self, target: Target, body: Any, fields: FieldValidation | None = None) -> Obj:
        if target.rtype.namespaced and target.namespace is None:
            raise ApiError(
                405,
                "the server does not allow this method on the requested resource",
                reason="MethodNotAllowed",
            )
        if fields is not None:
            fields.decode(body, target.api_version, target.rtype.kind)
        obj = self._check_body_identity(target, body)
        obj["metadata"].pop("managedFields", None)
        self._require_namespace(target, str(obj["metadata"].get("name") or ""))
        obj = self._admit(obj, target, None)
        if target.dry_run:
            meta = obj["metadata"]
            if self.store.get(target.gr, meta.get("namespace", ""), meta["name"]) is not None:
                raise already_exists(target.rtype, meta["name"])
            meta.setdefault("uid", str(uuid.uuid4()))
            meta.setdefault("creationTimestamp", self.cluster.clock.timestamp())
            return obj
        try:
            return self.store.create(target.gr, obj)
        except AlreadyExists:
            raise already_exists(target.rtype, obj["metadata"]["name"]) from None

    def update(self, target: Target, body: Any, fields: FieldValidation | None = None) -> Obj:
        assert target.name is not None
        if target.subresource == "scale":
            return self._update_scale(target, body)
        if fields is not None:
            fields.decode(body, target.api_version, target.rtype.kind)
        obj = self._check_body_identity(target, body)
        meta = obj["metadata"]
        if meta.get("name") and meta["name"] != target.name:
            raise bad_request(
                "the name of the object "
                f"({meta['name']}) does not match the name on the URL ({target.name})"
            )
        meta["name"] = target.name
        old = self.get(target)
        expected = meta.get("resourceVersion") or None
        return self._store_update(target, obj, old, expected)

    def _store_update(self, target: Target, obj: Obj, old: Obj, expected: str | None) -> Obj:
        if expected and expected != old["metadata"].get("resourceVersion"):
            raise conflict(target.rtype, target.name or "")
        obj["metadata"].pop("managedFields", None)
        if target.subresource == "status":
            # Only status changes through the status subresource (and it skips admission).
            status = obj.get("status")
            obj = clone(old)
            if status is None:
                obj.pop("status", None)
            else:
                obj["status"] = status
        else:
            obj = self._admit(obj, target, old)
        if target.dry_run:
            obj["metadata"]["resourceVersion"] = old["metadata"].get("resourceVersion", "")
            return obj
        try:
            updated = self.store.update(target.gr, obj, expected_rv=expected)
        except Conflict:
            raise conflict(target.rtype, target.name or "") from None
        except NotFound:
            raise not_found(target.rtype, target.name or "") from None
        return deletion.finish_if_finalized(self.cluster, target.gr, updated)

    def patch(
        self,
        target: Target,
        content_type: str,
        patch: Any,
        fields: FieldValidation | None = None,
    ) -> Obj:
        assert target.name is not None
        if content_type == APPLY_PATCH and fields is not None:
            sent = patch if isinstance(patch, dict) else {}
            api_version = str(sent.get("apiVersion") or target.api_version)
            kind = str(sent.get("kind") or target.rtype.kind)
            namespace = target.namespace or ""
            check_apply(patch, api_version, kind, namespace, target.name, fields.schema)
        if content_type == APPLY_PATCH and target.subresource is None:
            existing = self.store.get(target.gr, target.namespace or "", target.name)
            if existing is None:
                # Server-side apply creates what does not exist yet.
                return self.create(target, patch)
        old = self.get(target)
        if target.subresource == "scale":
            scale = apply_patch(content_type, convert.to_scale(old), patch)
            return self._update_scale(target, scale)
        served = self.served(target, old)
        doc = clone(served)
        patched = apply_patch(content_type, doc, patch)
        if fields is not None and content_type != APPLY_PATCH:
            strategic = content_type == STRATEGIC_PATCH
            shown = patch_value(patch, patched, strategic)
            fields.patched(patched, target.api_version, target.rtype.kind, shown)
        if target.gr == HPA and target.version == "v1":
            patched = convert.hpa_v1_to_v2(patched, old)
        meta = patched.get("metadata")
        if not isinstance(meta, dict):
            raise bad_request("metadata must be an object")
        if meta.get("name") != target.name:
            raise bad_request("the name of the object cannot be changed by a patch")
        patched["apiVersion"] = target.rtype.api_version()
        patched["kind"] = target.rtype.kind
        # A resourceVersion inside the patch is a precondition, as in kube.
        expected = None
        if isinstance(patch, dict) and isinstance(patch.get("metadata"), dict):
            expected = patch["metadata"].get("resourceVersion") or None
        return self._store_update(target, patched, old, expected)

    def get_scale(self, target: Target) -> Obj:
        return convert.to_scale(self.get(target))

    def _update_scale(self, target: Target, scale: Any) -> Obj:
        if not isinstance(scale, dict):
            raise bad_request("the object provided is unrecognized (must be of type Scale)")
        old = self.get(target)
        expected = (scale.get("metadata") or {}).get("resourceVersion") or None
        if expected and expected != old["metadata"].get("resourceVersion"):
            raise conflict(target.rtype, target.name or "")
        replicas = (scale.get("spec") or {}).get("replicas", 0)
        if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0:
            raise invalid(
                "Scale",
                "autoscaling",
                target.name or "",
                [
                    {
                        "reason": "FieldValueInvalid",
                        "message": f"Invalid value: {replicas}: must be greater than or equal to 0",
                        "field": "spec.replicas",
                    }
                ],
            )
        obj = clone(old)
        obj.setdefault("spec", {})["replicas"] = replicas
        main = dataclasses.replace(target, subresource=None)
        updated = self._store_update(main, obj, old, expected)
        return convert.to_scale(updated)

    def evict(self, target: Target, body: Any) -> Obj:
        """POST pods/<name>/eviction: delete the pod unless its PodDisruptionBudget forbids it
        (429 naming the budget); the answer is a Success Status with code 201."""
        assert target.name is not None
        pod = self.get(dataclasses.replace(target, subresource=None))
        if not isinstance(body, dict):
            raise bad_request("the object provided is unrecognized (must be of type Eviction)")
        named = (body.get("metadata") or {}).get("name")
        if named and named != target.name:
            raise bad_request("name in URL does not match name in Eviction object")
        options = body.get("deleteOptions") or {}
        budgets = disruption.covering(self.cluster, pod)
        finished = (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")
        if budgets and not finished and not pod["metadata"].get("deletionTimestamp"):
            if len(budgets) > 1:
                raise ApiError(
                    500,
                    "This pod has more than one PodDisruptionBudget, which the eviction "
                    "subresource does not support.",
                )
            self._spend_disruption(budgets[0], pod)
        try:
            deletion.delete(self.cluster, "pods", target.namespace or "", target.name, options)
        except NotFound:
            raise not_found(target.rtype, target.name) from None
        return {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Success",
            "code": 201,
        }

    def _spend_disruption(self, pdb: Obj, pod: Obj) -> None:
        status = pdb.get("status") or {}
        name = pdb["metadata"]["name"]
        ready = any(
            c.get("type") == "Ready" and c.get("status") == "True"
            for c in (pod.get("status") or {}).get("conditions") or []
        )
        healthy, desired = (
            int(status.get("currentHealthy") or 0),
            int(status.get("desiredHealthy") or 0),
        )
        if not ready and healthy >= desired:
            return  # an unhealthy pod of a budget that holds (IfHealthyBudget)
        if int(status.get("observedGeneration") or 0) < int(pdb["metadata"].get("generation", 1)):
            cause = f"The disruption budget {name} is still being processed by the server."
        elif int(status.get("disruptionsAllowed") or 0) <= 0:
            cause = (
                f"The disruption budget {name} needs {desired} healthy pods and has "
                f"{healthy} currently"
            )
        else:
            now = self.cluster.clock.timestamp()

            def spend(obj: Obj) -> None:
                st = obj.setdefault("status", {})
                st["disruptionsAllowed"] = int(st.get("disruptionsAllowed") or 0) - 1
                st.setdefault("disruptedPods", {})[pod["metadata"]["name"]] = now

            self.store.mutate(disruption.GR, pdb["metadata"].get("namespace", ""), name, spend)
            return
        raise ApiError(
            429,
            "Cannot evict pod as it would violate the pod's disruption budget.",
            reason="TooManyRequests",
            details={"causes": [{"reason": "DisruptionBudget", "message": cause}]},
        )

    # -- deleting ---------------------------------------------------------------------------
    def delete(self, target: Target, options: Obj) -> deletion.Outcome:
        assert target.name is not None
        obj = self.get(target)
        meta = obj["metadata"]
        pre = options.get("preconditions") or {}
        if pre.get("uid") and pre["uid"] != meta.get("uid"):
            raise ApiError(
                409,
                f"Precondition failed: UID in precondition: {pre['uid']}, UID in object meta: "
                f"{meta.get('uid')}",
                reason="Conflict",
            )
        if pre.get("resourceVersion") and pre["resourceVersion"] != meta.get("resourceVersion"):
            raise conflict(target.rtype, target.name)
        if target.gr == "namespaces":
            if target.dry_run:
                return deletion.Outcome(obj, gone=False)
            return deletion.Outcome(self._terminate_namespace(obj), gone=False)
        if target.dry_run:
            options = {**options, "dryRun": ["All"]}
        try:
            return deletion.delete(
                self.cluster, target.gr, target.namespace or "", target.name, options
            )
        except NotFound:
            raise not_found(target.rtype, target.name) from None

    def _terminate_namespace(self, ns: Obj) -> Obj:
        """Mark the namespace Terminating; the namespace controller empties and removes it."""
        name = ns["metadata"]["name"]
        if name in _UNDELETABLE_NAMESPACES:
            raise ApiError(
                403,
                f'namespaces "{name}" is forbidden: this namespace may not be deleted',
                details={"name": name, "kind": "namespaces"},
            )
        if ns["metadata"].get("deletionTimestamp"):
            return ns
        marked = clone(ns)
        marked["metadata"]["deletionTimestamp"] = self.cluster.clock.timestamp()
        marked["metadata"]["deletionGracePeriodSeconds"] = 0
        marked.setdefault("status", {})["phase"] = "Terminating"
        return self.store.update("namespaces", marked)

    def delete_collection(self, target: Target, params: dict[str, str], options: Obj) -> Obj:
        deleted = []
        for obj in self.matching(target, params):
            one = dataclasses.replace(
                target, namespace=obj["metadata"].get("namespace"), name=obj["metadata"]["name"]
            )
            try:
                deleted.append(self.delete(one, options).obj)
            except ApiError as exc:
                if exc.code != 404:
                    raise
        return {
            "kind": f"{target.rtype.kind}List",
            "apiVersion": target.api_version,
            "metadata": {"resourceVersion": str(self.store.resource_version)},
            "items": [self.served(target, o) for o in deleted],
        }


def _int_param(params: dict[str, str], key: str, default: int) -> int:
    value = params.get(key)
    if value in (None, ""):
        return default
    try:
        return int(str(value))
    except ValueError:
        raise bad_request(f"invalid value for {key}: {value!r}") from None


def parse_rv(value: str) -> int:
    """A client's resourceVersion as a number (a 400 when it is not one)."""
    try:
        return int(value)
    except ValueError:
        raise bad_request(f'invalid resource version "{value}"') from None


def _encode_continue(snap_id: str, offset: int, rv: int) -> str:
    raw = jsonutil.dumps({"v": "sim.k8s.io/v1", "s": snap_id, "o": offset, "rv": rv})
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_continue(token: str) -> tuple[str, int, int]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        data = jsonutil.loads(raw)
        return str(data["s"]), int(data["o"]), int(data["rv"])
    except (ValueError, KeyError, TypeError):
        raise bad_request(
            "continue key is not valid: incorrect encoded start resourceVersion "
            "(version meta.k8s.io/v1)"
        ) from None
