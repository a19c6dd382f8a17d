"""Discovery documents (the legacy, per group-version format kubectl falls back to) and
``/version``.

Every resource is listed with its verbs, short names, categories (``all``) and subresources,
which is what ``kubectl api-resources``, ``kubectl get all`` and resource-name resolution read.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..resources import RESOURCES, ResourceType

KUBE_VERSION = {
    "major": "1",
    "minor": "37",
    "emulationMajor": "1",
    "emulationMinor": "37",
    "minCompatibilityMajor": "1",
    "minCompatibilityMinor": "36",
    "gitVersion": "v1.37.0",
    "gitCommit": "0000000000000000000000000000000000000000",
    "gitTreeState": "clean",
    "buildDate": "2026-08-26T00:00:00Z",
    "goVersion": "go1.26.0",
    "compiler": "gc",
    "platform": "linux/amd64",
}

# Subresource -> (group, version, kind, verbs) when it differs from the parent resource.
_SUBRESOURCE_KINDS = {"scale": ("autoscaling", "v1", "Scale")}
_SUBRESOURCE_VERBS = {
    "status": ["get", "patch", "update"],
    "scale": ["get", "patch", "update"],
    "attach": ["create", "get"],
    "exec": ["create", "get"],
    "portforward": ["create", "get"],
}
# The options kinds the streaming subresources take (served without group and version).
_OPTIONS_KINDS = {
    "attach": "PodAttachOptions",
    "exec": "PodExecOptions",
    "portforward": "PodPortForwardOptions",
}


def groups(
    custom: Sequence[ResourceType] = (), hidden: frozenset[str] = frozenset()
) -> dict[str, list[str]]:
    """Served API groups (``""`` = core) and their versions, preferred first; ``custom`` are
    the cluster's CRD-defined types (see :mod:`..crds`), ``hidden`` group versions
    (``autoscaling/v2``) are left out."""
    out: dict[str, list[str]] = {}
    for r in (*RESOURCES, *custom):
        versions = out.setdefault(r.group, [])
        for v in r.versions:
            if v not in versions and r.api_version(v) not in hidden:
                versions.append(v)
    return out


def api_versions(server_address: str) -> dict[str, Any]:
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [
            {"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}
        ],
    }


def _group(name: str, versions: list[str]) -> dict[str, Any]:
    gvs = [{"groupVersion": f"{name}/{v}", "version": v} for v in versions]
    return {"name": name, "versions": gvs, "preferredVersion": gvs[0]}


def api_group_list(
    custom: Sequence[ResourceType] = (), hidden: frozenset[str] = frozenset()
) -> dict[str, Any]:
    return {
        "kind": "APIGroupList",
        "apiVersion": "v1",
        "groups": [_group(g, vs) for g, vs in groups(custom, hidden).items() if g and vs],
    }


def api_group(
    name: str, custom: Sequence[ResourceType] = (), hidden: frozenset[str] = frozenset()
) -> dict[str, Any] | None:
    versions = groups(custom, hidden).get(name)
    if not name or not versions:
        return None
    return {"kind": "APIGroup", "apiVersion": "v1", **_group(name, versions)}


def _entry(r: ResourceType) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": r.plural,
        "singularName": r.singular,
        "namespaced": r.namespaced,
        "kind": r.kind,
        "verbs": list(r.verbs),
    }
    if r.short_names:
        entry["shortNames"] = list(r.short_names)
    if r.categories:
        entry["categories"] = list(r.categories)
    return entry


def resource_list(
    group: str, version: str, custom: Sequence[ResourceType] = ()
) -> dict[str, Any] | None:
    """The APIResourceList of one group-version, or None when it is not served."""
    served = [r for r in (*RESOURCES, *custom) if r.group == group and version in r.versions]
    if not served:
        return None
    resources: list[dict[str, Any]] = []
    for r in served:
        resources.append(_entry(r))
        for sub in r.subresources:
            entry: dict[str, Any] = {
                "name": f"{r.plural}/{sub}",
                "singularName": "",
                "namespaced": r.namespaced,
                "kind": _OPTIONS_KINDS.get(sub, r.kind),
                "verbs": _SUBRESOURCE_VERBS.get(sub, ["get"]),
            }
            if sub in _SUBRESOURCE_KINDS:
                g, v, k = _SUBRESOURCE_KINDS[sub]
                entry.update(group=g, version=v, kind=k)
            resources.append(entry)
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": f"{group}/{version}" if group else version,
        "resources": resources,
    }
