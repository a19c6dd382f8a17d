"""APIServices: the aggregator's autoregister controller, which gives every group version the
API server serves a local APIService (kube-aggregator's apiServicesToRegister with the
kube-apiserver's priorities, labelled ``automanaged: onstart``; a CRD's group versions the
crdregistration controller's, priority 1000/100, labelled ``automanaged: "true"`` and removed
with the CRD), Available because local. metrics.k8s.io, which the embedded cluster serves
itself, is local here too (a real cluster names its metrics-server Service, with that
manifest's priority 100/100). An APIService naming a Service that does not exist is reported
unavailable as the availability controller does (ServiceNotFound); nothing is proxied."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from ..api.discovery import groups
from ..crds import CRD, custom_types
from ..resources import RESOURCES
from ..store import Event, Obj

if TYPE_CHECKING:
    from . import Context

APISERVICES = "apiservices.apiregistration.k8s.io"
AUTOMANAGED = "kube-aggregator.kubernetes.io/automanaged"
LOCAL_MESSAGE = "Local APIServices are always available"
# (groupPriorityMinimum, versionPriority) by group version: kube-apiserver's
# apiVersionPriorities over DefaultGenericAPIServicePriorities.
PRIORITIES: dict[tuple[str, str], tuple[int, int]] = {
    ("", "v1"): (18000, 1),
    ("apiregistration.k8s.io", "v1"): (18000, 15),
    ("apps", "v1"): (17800, 15),
    ("events.k8s.io", "v1"): (17750, 15),
    ("authentication.k8s.io", "v1"): (17700, 15),
    ("authorization.k8s.io", "v1"): (17600, 15),
    ("autoscaling", "v1"): (17500, 15),
    ("autoscaling", "v2"): (17500, 30),
    ("batch", "v1"): (17400, 15),
    ("certificates.k8s.io", "v1"): (17300, 15),
    ("networking.k8s.io", "v1"): (17200, 15),
    ("policy", "v1"): (17100, 15),
    ("rbac.authorization.k8s.io", "v1"): (17000, 15),
    ("storage.k8s.io", "v1"): (16800, 15),
    ("apiextensions.k8s.io", "v1"): (16700, 15),
    ("admissionregistration.k8s.io", "v1"): (16700, 15),
    ("scheduling.k8s.io", "v1"): (16600, 15),
    ("coordination.k8s.io", "v1"): (16500, 15),
    ("node.k8s.io", "v1"): (16300, 15),
    ("discovery.k8s.io", "v1"): (16200, 15),
    ("flowcontrol.apiserver.k8s.io", "v1"): (16100, 21),
    ("metrics.k8s.io", "v1beta1"): (100, 100),
}
_CRD_PRIORITY = (1000, 100)
_BUILT_IN_GROUPS = frozenset(r.group for r in RESOURCES)


def name_of(group: str, version: str) -> str:
    return f"{version}.{group}"


class AutoRegister:
    def __init__(self, ctx: Context) -> None:
        self.cluster = ctx.cluster

    def start(self) -> None:
        store = self.cluster.store
        store.add_listener(CRD, self._on_crd)
        store.add_listener(APISERVICES, self._on_apiservice)
        store.add_listener("services", self._on_service)
        self._sync(onstart=True)
        for obj in store.iter(APISERVICES):
            self._check(obj["metadata"]["name"])

    def _on_crd(self, event: Event) -> None:
        self.cluster.clock.call_later(0, lambda: self._sync(onstart=False))

    def _on_apiservice(self, event: Event) -> None:
        if event.type != "DELETED" and event.obj.get("status") == {}:
            name = event.obj["metadata"]["name"]
            self.cluster.clock.call_later(0, lambda: self._check(name))

    def _on_service(self, event: Event) -> None:
        meta = event.obj["metadata"]
        for obj in self.cluster.store.iter(APISERVICES):
            service = (obj.get("spec") or {}).get("service") or {}
            if (service.get("namespace"), service.get("name")) == (
                meta.get("namespace"),
                meta["name"],
            ):
                self.cluster.clock.call_later(0, partial(self._check, obj["metadata"]["name"]))

    def _sync(self, *, onstart: bool) -> None:
        """Create the APIServices of what is served (built-in ones only at start, as the
        autoregister controller does for ``onstart``) and remove CRD ones no longer served."""
        store = self.cluster.store
        served = groups(custom_types(store), self.cluster.hidden_versions)
        wanted: set[str] = set()
        for group, versions in served.items():
            built_in = group in _BUILT_IN_GROUPS
            if built_in and not onstart:
                continue
            for version in versions:
                name = name_of(group, version)
                wanted.add(name)
                if store.get(APISERVICES, "", name) is None:
                    priority = PRIORITIES.get((group, version), _CRD_PRIORITY)
                    label = "onstart" if built_in else "true"
                    store.create(APISERVICES, self._local(group, version, priority, label))
        for obj in store.list(APISERVICES):
            labels = obj["metadata"].get("labels") or {}
            if labels.get(AUTOMANAGED) == "true" and obj["metadata"]["name"] not in wanted:
                store.delete(APISERVICES, "", obj["metadata"]["name"])

    def _local(self, group: str, version: str, priority: tuple[int, int], label: str) -> Obj:
        store = self.cluster.store
        name = name_of(group, version)
        return {
            "apiVersion": "apiregistration.k8s.io/v1",
            "kind": "APIService",
            "metadata": {
                "name": name,
                "labels": {AUTOMANAGED: label},
                # Outside the seeded generator: scenarios' random names stay as they were.
                "uid": store.system_uid(APISERVICES, "", name),
            },
            "spec": {
                "group": group,
                "version": version,
                "groupPriorityMinimum": priority[0],
                "versionPriority": priority[1],
            },
            "status": {"conditions": [self._available("True", "Local", LOCAL_MESSAGE)]},
        }

    def _available(self, status: str, reason: str, message: str) -> Obj:
        return {
            "type": "Available",
            "status": status,
            "lastTransitionTime": self.cluster.clock.timestamp(),
            "reason": reason,
            "message": message,
        }

    def _check(self, name: str) -> None:
        """The availability controller's verdict on a created APIService."""
        store = self.cluster.store
        obj = store.get(APISERVICES, "", name)
        if obj is None:
            return
        service = (obj.get("spec") or {}).get("service")
        if not isinstance(service, dict):
            condition = self._available("True", "Local", LOCAL_MESSAGE)
        else:
            ns, svc = str(service.get("namespace", "")), str(service.get("name", ""))
            if store.get("services", ns, svc) is not None:
                return  # nothing is proxied: its availability is not simulated
            condition = self._available(
                "False", "ServiceNotFound", f'service/{svc} in "{ns}" is not present'
            )
        conditions = (obj.get("status") or {}).get("conditions") or []
        current = next((c for c in conditions if c.get("type") == "Available"), None)
        if current is not None and (current.get("status"), current.get("reason")) == (
            condition["status"],
            condition["reason"],
        ):
            return

        def write(o: Obj) -> None:
            o["status"] = {"conditions": [condition]}

        store.mutate(APISERVICES, "", name, write)
