"""Sidecars: mesh proxies (istio-proxy, linkerd-proxy) and native sidecars (restartable init
containers), so that a pod's "1/2" reads as "app ready, sidecar not".

kubectl's READY counts regular containers plus restartable init containers; this module
splits the same count into the application's containers and the sidecars.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kubectl_stack.model import fields as u

ISTIO = "istio"
LINKERD = "linkerd"
NATIVE = "native"

_MESH_NAMES = {"istio-proxy": ISTIO, "linkerd-proxy": LINKERD}
_MESH_IMAGES = (("istio/proxyv2", ISTIO), ("linkerd/proxy", LINKERD), ("linkerd2-proxy", LINKERD))


def mesh_of(container: Any) -> str:
    """ "istio" / "linkerd" when a container spec is that mesh's proxy, else ''."""
    c = u.d(container)
    by_name = _MESH_NAMES.get(u.s(c.get("name")))
    if by_name:
        return by_name
    image = u.s(c.get("image"))
    return next((mesh for part, mesh in _MESH_IMAGES if part in image), "")


@dataclass(frozen=True)
class ContainerReadiness:
    name: str
    sidecar: bool
    kind: str  # "istio" / "linkerd" / "native" for sidecars ('' for app containers)
    ready: bool
    state: str  # "running" / "waiting: CrashLoopBackOff" / "terminated: Error" / "unknown"


@dataclass(frozen=True)
class SidecarReadiness:
    """App and sidecar readiness of one pod. `ready` is kubectl's READY cell."""

    containers: tuple[ContainerReadiness, ...]
    app_ready: int
    app_total: int
    sidecar_ready: int
    sidecar_total: int

    @property
    def ready(self) -> str:
        return f"{self.app_ready + self.sidecar_ready}/{self.app_total + self.sidecar_total}"

    @property
    def has_sidecars(self) -> bool:
        return self.sidecar_total > 0


def _state(status: Mapping[str, Any]) -> str:
    state = u.d(status.get("state"))
    if "running" in state:
        return "running"
    for key in ("waiting", "terminated"):
        if key in state:
            reason = u.s(u.d(state.get(key)).get("reason"))
            return f"{key}: {reason}" if reason else key
    return "unknown"


def sidecar_readiness(pod: Any) -> SidecarReadiness:
    """Per-container readiness of a pod, sidecars told apart from the app (never raises)."""
    spec = u.d(u.d(pod).get("spec"))
    status = u.d(u.d(pod).get("status"))
    statuses = {u.s(s.get("name")): s for s in u.dicts(status.get("containerStatuses"))}
    init_statuses = {u.s(s.get("name")): s for s in u.dicts(status.get("initContainerStatuses"))}
    rows: list[ContainerReadiness] = []
    for c in u.dicts(spec.get("initContainers")):
        if u.s(c.get("restartPolicy")) != "Always":
            continue
        name = u.s(c.get("name"))
        st = u.d(init_statuses.get(name))
        rows.append(
            ContainerReadiness(name, True, mesh_of(c) or NATIVE, u.b(st.get("ready")), _state(st))
        )
    for c in u.dicts(spec.get("containers")):
        name = u.s(c.get("name"))
        st = u.d(statuses.get(name))
        mesh = mesh_of(c)
        rows.append(ContainerReadiness(name, bool(mesh), mesh, u.b(st.get("ready")), _state(st)))
    app = [r for r in rows if not r.sidecar]
    side = [r for r in rows if r.sidecar]
    return SidecarReadiness(
        containers=tuple(rows),
        app_ready=sum(r.ready for r in app),
        app_total=len(app),
        sidecar_ready=sum(r.ready for r in side),
        sidecar_total=len(side),
    )
