"""CustomResourceDefinitions: a CRD object stored in a cluster makes its resource served there.

The type a CRD defines is derived from its spec (group, names, scope, served versions,
subresources); a cluster serves it -- in discovery, OpenAPI and on its paths -- only while that
cluster stores the CRD, so a cluster without cert-manager simply has no ``certificates``.
"""

from __future__ import annotations

import contextlib
import re
from typing import Any

from .api import tables
from .cluster import Cluster
from .resources import BY_GR, RESOURCES, ResourceType, register_custom
from .store import Event, NotFound, Obj, Store
from .timefmt import since

CRD = "customresourcedefinitions.apiextensions.k8s.io"


def resource_type(crd: Obj) -> ResourceType | None:
    """The resource type a CRD defines, or None when its spec is unusable."""
    spec = crd.get("spec")
    if not isinstance(spec, dict):
        return None
    names = spec.get("names") or {}
    group, plural, kind = spec.get("group"), names.get("plural"), names.get("kind")
    versions = [v for v in spec.get("versions") or [] if isinstance(v, dict) and v.get("served")]
    if not (isinstance(group, str) and isinstance(plural, str) and isinstance(kind, str)):
        return None
    if not versions:
        return None
    # The storage version is what the API prefers; the rest follow in the CRD's order.
    versions.sort(key=lambda v: not v.get("storage"))
    subresources: list[str] = []
    for v in versions:
        for sub in v.get("subresources") or {}:
            if sub in ("status", "scale") and sub not in subresources:
                subresources.append(sub)
    return ResourceType(
        group,
        tuple(str(v.get("name")) for v in versions),
        plural,
        str(names.get("singular") or kind.lower()),
        kind,
        spec.get("scope", "Namespaced") == "Namespaced",
        short_names=tuple(str(s) for s in names.get("shortNames") or ()),
        categories=tuple(str(c) for c in names.get("categories") or ()),
        subresources=tuple(subresources),
    )


def _gr_of(crd: Obj) -> str:
    return str(crd["metadata"].get("name", ""))


def custom_types(store: Store) -> list[ResourceType]:
    """The custom resource types this cluster serves now (those whose CRD it stores)."""
    served = []
    for crd in store.list(CRD):
        rtype = BY_GR.get(_gr_of(crd))
        if rtype is not None and rtype.gr == _gr_of(crd):
            served.append(rtype)
    return served


_BUILT_IN = frozenset(r.gr for r in RESOURCES)


def version_schema(store: Store, rtype: ResourceType, version: str) -> Any:
    """The openAPIV3Schema of a custom resource's version (None: built in, or none given)."""
    crd = None if rtype.gr in _BUILT_IN else store.get(CRD, "", rtype.gr)
    for served in (crd or {}).get("spec", {}).get("versions") or []:
        if isinstance(served, dict) and served.get("name") == version:
            return (served.get("schema") or {}).get("openAPIV3Schema")
    return None


def is_served(store: Store, rtype: ResourceType) -> bool:
    """Whether ``rtype`` is served by this cluster: built in, or defined by a stored CRD."""
    return rtype.gr in _BUILT_IN or store.get(CRD, "", rtype.gr) is not None


class CRDController:
    """apiextensions-apiserver's part: register the type when a CRD is stored, report it
    Established, and delete its objects when the CRD goes."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster

    def start(self) -> None:
        store = self.cluster.store
        for crd in store.list(CRD):
            self._register(crd)
        store.add_listener(CRD, self._on_crd)

    def _register(self, crd: Obj) -> ResourceType | None:
        rtype = resource_type(crd)
        if rtype is None or rtype.gr != _gr_of(crd):
            return None
        register_custom(rtype)
        tables.PRINTERS[rtype.gr] = printer_columns(crd)
        self.cluster.store.add_kind(rtype.gr)
        return rtype

    def _on_crd(self, event: Event) -> None:
        if event.type == "DELETED":
            gr = _gr_of(event.obj)
            self.cluster.clock.call_later(0, lambda: self._purge(gr))
            return
        rtype = self._register(event.obj)
        if rtype is not None and not _established(event.obj):
            name = _gr_of(event.obj)
            self.cluster.clock.call_later(0, lambda: self._establish(name, rtype))

    def _establish(self, name: str, rtype: ResourceType) -> None:
        store = self.cluster.store
        now = self.cluster.clock.timestamp()

        def write(obj: Obj) -> None:
            accepted: dict[str, Any] = {
                "plural": rtype.plural,
                "singular": rtype.singular,
                "kind": rtype.kind,
                "listKind": f"{rtype.kind}List",
            }
            if rtype.short_names:
                accepted["shortNames"] = list(rtype.short_names)
            if rtype.categories:
                accepted["categories"] = list(rtype.categories)
            obj["status"] = {
                "acceptedNames": accepted,
                "conditions": [
                    _condition("NamesAccepted", "NoConflicts", "no conflicts found", now),
                    _condition(
                        "Established",
                        "InitialNamesAccepted",
                        "the initial names have been accepted",
                        now,
                    ),
                ],
                "storedVersions": [rtype.preferred_version],
            }

        with contextlib.suppress(NotFound):
            store.mutate(CRD, "", name, write)

    def _purge(self, gr: str) -> None:
        store = self.cluster.store
        if gr not in BY_GR or store.get(CRD, "", gr) is not None:
            return
        for obj in store.list(gr):
            with contextlib.suppress(NotFound):
                store.delete(gr, obj["metadata"].get("namespace", ""), obj["metadata"]["name"])


def _established(crd: Obj) -> bool:
    for cond in (crd.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "Established" and cond.get("status") == "True":
            return True
    return False


def _condition(ctype: str, reason: str, message: str, now: str) -> Obj:
    return {
        "type": ctype,
        "status": "True",
        "reason": reason,
        "message": message,
        "lastTransitionTime": now,
    }


# -- server-side printing of custom resources (additionalPrinterColumns) ----------------------

_STEP = re.compile(r"\.([^.\[]+)|\[(\d+)\]|\[\?\(@\.([\w.-]+)==[\"']([^\"']*)[\"']\)\]")


def jsonpath_first(obj: Any, path: str) -> Any:
    """The first value a CRD column's JSONPath selects (fields, ``[n]`` and
    ``[?(@.field=="value")]`` filters, as printer columns use), or None."""
    values = [obj]
    for field, index, key, wanted in _STEP.findall(path.strip().strip("{}")):
        found: list[Any] = []
        for value in values:
            if field and isinstance(value, dict) and field in value:
                found.append(value[field])
            elif index and isinstance(value, list) and int(index) < len(value):
                found.append(value[int(index)])
            elif key and isinstance(value, list):
                found += [v for v in value if isinstance(v, dict) and str(v.get(key)) == wanted]
        values = found
    return values[0] if values else None


def printer_columns(crd: Obj) -> tuple[tuple[tables.Column, ...], tables.Printer]:
    """The table columns and row printer of a CRD's storage version, as the
    apiextensions-apiserver's table convertor makes them: Name, then the additional printer
    columns (``date`` ones as an age), or Name and Age when none are declared."""
    versions = [v for v in (crd.get("spec") or {}).get("versions") or [] if isinstance(v, dict)]
    stored = next((v for v in versions if v.get("storage")), versions[0] if versions else {})
    declared = [c for c in stored.get("additionalPrinterColumns") or [] if isinstance(c, dict)]
    if not declared:
        declared = [{"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}]
    columns: list[tables.Column] = [("Name", "string", 0)] + [
        (str(c.get("name", "")), str(c.get("type", "string")), int(c.get("priority", 0) or 0))
        for c in declared
    ]

    def printer(obj: Obj, now: float) -> list[Any]:
        cells: list[Any] = [obj["metadata"]["name"]]
        for column in declared:
            value = jsonpath_first(obj, str(column.get("jsonPath", "")))
            if value is not None and column.get("type") == "date":
                value = since(value, now)
            elif value is not None and column.get("type") == "string":
                value = str(value)
            cells.append(value)
        return cells

    return tuple(columns), printer
