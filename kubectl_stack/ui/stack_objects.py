"""The objects of one stack that keys can reach beyond the workload (edit, describe, YAML,
delete, port-forward), and what depends on one of them, read from the stack's graph: the
Ingress routes to a Service, the pod template's uses of a ConfigMap or Secret, the pods of a
ReplicaSet. View values only; the graph is the model's."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .. import kinds as K
from ..model import fields as u
from ..model import stack as model_stack
from ..model.ref import WorkloadRef
from ..model.workloads import for_kind
from ..model.workloads import replicasets as model_replicasets
from .source import Source


@dataclass(frozen=True)
class StackObject:
    kind: str
    name: str

    @property
    def ref(self) -> str:
        """kubectl's ``kind/name`` (``service/my-app``)."""
        return f"{self.kind.lower()}/{self.name}"


def _graph(
    source: Source, kind: str, namespace: str, name: str, now: float
) -> model_stack.Stack | None:
    return source.stack(WorkloadRef(kind, namespace, name), now)


def stack_objects(
    source: Source, kind: str, namespace: str, name: str, now: float
) -> list[StackObject]:
    """The workload, then the revision objects that own its pods (a Deployment's ReplicaSets,
    newest first), its Services, Ingresses, HPAs and the ConfigMaps, Secrets and claims its
    pods use (those that exist)."""
    graph = _graph(source, kind, namespace, name, now)
    if graph is None:
        return []
    found = [StackObject(kind, name)]
    workload_kind = for_kind(kind)
    if workload_kind.pod_owner == workload_kind.revisions:
        owner = workload_kind.revisions.kind
        found += [StackObject(owner, u.name(r)) for r in reversed(graph.owned)]
    found += [StackObject("Service", svc.name) for svc in graph.services]
    found += [StackObject("Ingress", r.ingress) for r in graph.ingresses]
    found += [
        StackObject("HorizontalPodAutoscaler", u.name(hpa))
        for hpa in source.hpa_owners(WorkloadRef(kind, namespace, name))
    ]
    found += [StackObject(ref.kind, ref.name) for ref in graph.config if ref.exists is not False]
    found += [StackObject("PersistentVolumeClaim", c.name) for c in graph.claims if c.exists]
    return list(dict.fromkeys(found))


def dependents(
    source: Source, kind: str, namespace: str, name: str, now: float, target: StackObject
) -> list[str]:
    """What relies on ``target`` (an object of the stack of workload ``kind``/``name``), one
    line each, for the delete confirmation."""
    graph = _graph(source, kind, namespace, name, now)
    if graph is None:
        return []
    workload = f"{kind.lower()}/{name}"
    lines: list[str] = []
    if target.kind == "Service":
        for route in graph.ingresses:
            if route.service == target.name:
                where = f"{route.host}{route.path}" if route.path else route.host
                lines.append(f"ingress/{route.ingress} routes {where} to it")
        for svc in graph.services:
            if svc.name == target.name and svc.ready:
                lines.append(f"it sends traffic to {svc.ready} ready pod(s) of {workload}")
    elif target.kind in ("ConfigMap", "Secret"):
        for ref in graph.config:
            if ref.kind == target.kind and ref.name == target.name:
                effect = "" if ref.optional else "; new pods will not start without it"
                lines.append(f"the pod template of {workload} uses it ({', '.join(ref.uses)})")
                lines[-1] += effect
        for route in graph.ingresses:
            if target.kind == "Secret" and route.tls_secret == target.name:
                lines.append(f"ingress/{route.ingress} serves TLS for {route.host} with it")
    elif target.kind == "ReplicaSet":
        lines += _replicaset_dependents(graph, target.name, workload)
    return lines


def _replicaset_dependents(graph: model_stack.Stack, name: str, workload: str) -> list[str]:
    rs = next((r for r in graph.owned if u.name(r) == name), None)
    if rs is None:
        return []
    lines: list[str] = []
    pods = u.i(u.path(rs, "status", "replicas"))
    if pods:
        lines.append(f"its {pods} pod(s) will be deleted with it")
    current = model_replicasets.revision_of(graph.workload)
    revision = model_replicasets.revision_of(rs)
    if revision is not None and revision == current:
        lines.append(
            f"it is the current revision ({revision}) of {workload}: it will be created again"
        )
    elif revision is not None:
        lines.append(f"revision {revision} leaves the rollout history: undo cannot return to it")
    return lines


def resource_version(source: Source, kind: str, namespace: str, name: str) -> str | None:
    """The resourceVersion of the cached object (what a confirmation records), or None."""
    obj: Mapping[str, Any] | None = source.get(K.store_key(kind), namespace, name)
    version = u.path(obj, "metadata", "resourceVersion") if obj is not None else None
    return str(version) if version else None


def ports(source: Source, kind: str, namespace: str, name: str) -> Sequence[tuple[int, str]]:
    """(port, label) a forward to a Pod (its containers' ports) or a Service (its ports)
    may reach; TCP only (port-forward forwards TCP)."""
    obj = source.get(K.store_key(kind), namespace, name)
    found: list[tuple[int, str]] = []
    if kind == "Pod":
        for container in u.dicts(u.path(obj, "spec", "containers")):
            for port in u.dicts(container.get("ports")):
                number = u.opt_i(port.get("containerPort"))
                if number and u.s(port.get("protocol") or "TCP") == "TCP":
                    label = u.s(port.get("name")) or u.s(container.get("name"))
                    found.append((number, label))
    elif kind == "Service":
        for port in u.dicts(u.path(obj, "spec", "ports")):
            number = u.opt_i(port.get("port"))
            if number and u.s(port.get("protocol") or "TCP") == "TCP":
                found.append((number, u.s(port.get("name"))))
    return found
