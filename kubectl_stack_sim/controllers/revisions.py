"""ControllerRevisions, as StatefulSet and DaemonSet controllers keep them
(k8s.io/kubernetes pkg/controller/history): each distinct pod template is stored once as the
strategic-merge patch ``{"spec": {"template": {..., "$patch": "replace"}}}`` that
``kubectl rollout undo`` sends back; a template that returns takes the next revision number
instead of a new object; history beyond ``revisionHistoryLimit`` is pruned.
"""

from __future__ import annotations

import contextlib

from ..cluster import Cluster
from ..names import _canonical_bytes, _sorted, fnv32a, safe_encode
from ..objects import owner_reference
from ..store import AlreadyExists, NotFound, Obj, clone

GR = "controllerrevisions.apps"
HASH_LABEL = "controller-revision-hash"


def revision_patch(owner: Obj) -> Obj:
    """The revision data of a StatefulSet or DaemonSet (its template, replace directive),
    shaped as the controller's bytes are: the typed template re-marshalled through a map, so
    keys sorted (and no null creationTimestamp: ObjectMeta omits a zero one). kubectl's undo
    compares these bytes with its own encoding of the live object to decide "skipped
    rollback"."""
    template = clone((owner.get("spec") or {}).get("template") or {})
    template["$patch"] = "replace"
    data: Obj = _sorted({"spec": {"template": template}})
    return data


def template_of(revision: Obj) -> Obj:
    """The pod template a revision stores (without the patch directive)."""
    template = clone(((revision.get("data") or {}).get("spec") or {}).get("template") or {})
    template.pop("$patch", None)
    return template


def revision_hash(data: Obj, collision_count: int = 0) -> str:
    """HashControllerRevision: FNV-32a over the data, then the collision count, encoded."""
    h = fnv32a(_canonical_bytes(data))
    if collision_count:
        h = fnv32a(collision_count.to_bytes(4, "little"), h)
    return safe_encode(str(h))


def owned_revisions(cluster: Cluster, owner: Obj) -> list[Obj]:
    """The owner's revisions, oldest revision number first."""
    uid = owner["metadata"].get("uid")
    ns = owner["metadata"].get("namespace", "")
    mine = [
        r
        for r in cluster.store.list(GR, ns)
        if any(
            ref.get("controller") and ref.get("uid") == uid
            for ref in r["metadata"].get("ownerReferences") or []
        )
    ]
    return sorted(mine, key=lambda r: (int(r.get("revision") or 0), r["metadata"]["name"]))


def sync_update_revision(cluster: Cluster, owner: Obj) -> tuple[Obj, list[Obj]]:
    """The revision matching the owner's template now (created, or renumbered to be the
    newest when an older one matches), and every owned revision after the change."""
    store = cluster.store
    revisions = owned_revisions(cluster, owner)
    data = revision_patch(owner)
    newest = max((int(r.get("revision") or 0) for r in revisions), default=0)
    equal = [r for r in revisions if r.get("data") == data]
    if equal:
        found = equal[-1]
        if int(found.get("revision") or 0) != newest:

            def renumber(obj: Obj) -> None:
                obj["revision"] = newest + 1

            found = store.mutate(GR, *_key(found), renumber)
        return found, owned_revisions(cluster, owner)
    template_labels = ((owner["spec"].get("template") or {}).get("metadata") or {}).get("labels")
    labels = dict(template_labels or {})
    collisions = int((owner.get("status") or {}).get("collisionCount") or 0)
    digest = revision_hash(data, collisions)
    labels[HASH_LABEL] = digest
    revision: Obj = {
        "apiVersion": "apps/v1",
        "kind": "ControllerRevision",
        "metadata": {
            "name": f"{owner['metadata']['name'][:223]}-{digest}",
            "namespace": owner["metadata"].get("namespace", ""),
            "labels": labels,
            "ownerReferences": [owner_reference(owner)],
        },
        "data": data,
        "revision": newest + 1,
    }
    # Both controllers copy the owner's annotations (kubernetes.io/change-cause included).
    if owner["metadata"].get("annotations"):
        revision["metadata"]["annotations"] = dict(owner["metadata"]["annotations"])
    try:
        created = store.create(GR, revision)
    except AlreadyExists:
        # A hash collision with another template: kube bumps collisionCount and retries.
        created = store.require(GR, revision["metadata"]["namespace"], revision["metadata"]["name"])
    return created, owned_revisions(cluster, owner)


def prune(cluster: Cluster, owner: Obj, live: set[str]) -> None:
    """Delete the oldest revisions beyond ``revisionHistoryLimit`` that no pod uses
    (``live``: revision names in use, always kept)."""
    limit = int((owner.get("spec") or {}).get("revisionHistoryLimit", 10))
    revisions = [r for r in owned_revisions(cluster, owner) if r["metadata"]["name"] not in live]
    excess = len(revisions) - limit
    for r in revisions[: max(0, excess)]:
        with contextlib.suppress(NotFound):
            cluster.store.delete(GR, *_key(r))


def delete_all(cluster: Cluster, owner: Obj) -> None:
    """Remove the revisions of a deleted owner (what the garbage collector does for them)."""
    for r in owned_revisions(cluster, owner):
        with contextlib.suppress(NotFound):
            cluster.store.delete(GR, *_key(r))


def _key(obj: Obj) -> tuple[str, str]:
    return obj["metadata"].get("namespace", ""), obj["metadata"]["name"]
