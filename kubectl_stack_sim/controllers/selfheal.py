"""A simulated Argo CD application controller with automated sync and self-heal.

Deployments and StatefulSets are tracked by an Application when they carry its instance
label (``argocd.argoproj.io/instance``) or tracking-id annotation
(``argocd.argoproj.io/tracking-id: <app>:apps/Deployment:<ns>/<name>``). What a workload
looked like when the controller first saw it stands for the state in Git. When an
Application with ``spec.syncPolicy.automated.selfHeal: true`` sees ``spec.replicas`` or
``spec.template`` drift from it, it marks itself OutOfSync and, ``SELF_HEAL_SECONDS`` later
(Argo CD's default self-heal timeout; an Application annotation
``sim.kubectl-stack.io/self-heal-seconds`` overrides it), writes the Git state back and records
the sync as Argo CD does: events on the Application and its status.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from ..crds import custom_types
from ..store import Event, NotFound, Obj, clone

if TYPE_CHECKING:
    from . import Context

APPLICATIONS = "applications.argoproj.io"
WORKLOADS = ("deployments.apps", "statefulsets.apps")
# A tracked workload: (group resource, namespace, name).
Tracked = tuple[str, str, str]
INSTANCE_LABEL = "argocd.argoproj.io/instance"
TRACKING_ANNOTATION = "argocd.argoproj.io/tracking-id"
DELAY_ANNOTATION = "sim.kubectl-stack.io/self-heal-seconds"
SELF_HEAL_SECONDS = 5.0
COMPONENT = "argocd-application-controller"


def app_of(obj: Obj) -> str | None:
    """The Argo CD Application tracking ``obj``, by annotation first, then label."""
    meta = obj.get("metadata") or {}
    tracking = (meta.get("annotations") or {}).get(TRACKING_ANNOTATION)
    if isinstance(tracking, str) and ":" in tracking:
        return tracking.split(":", 1)[0]
    label = (meta.get("labels") or {}).get(INSTANCE_LABEL)
    return str(label) if label else None


def _desired(d: Obj) -> dict[str, Any]:
    spec = d.get("spec") or {}
    return {"replicas": spec.get("replicas"), "template": clone(spec.get("template") or {})}


class SelfHealController:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.cluster = ctx.cluster
        self._git: dict[Tracked, dict[str, Any]] = {}
        self._pending: set[Tracked] = set()

    def start(self) -> None:
        store = self.cluster.store
        for gr in WORKLOADS:
            for obj in store.iter(gr):
                self._remember(gr, obj)
            store.add_listener(gr, self._on_workload)

    def _remember(self, gr: str, obj: Obj) -> None:
        if app_of(obj) is not None:
            meta = obj["metadata"]
            self._git.setdefault((gr, meta.get("namespace", ""), meta["name"]), _desired(obj))

    def _application(self, name: str) -> Obj | None:
        store = self.cluster.store
        # A cluster without Argo CD's CRD has no Applications (and no table for them).
        if not any(t.gr == APPLICATIONS for t in custom_types(store)):
            return None
        for app in store.iter(APPLICATIONS):
            if app["metadata"]["name"] == name:
                return app
        return None

    def _on_workload(self, event: Event) -> None:
        obj = event.obj
        meta = obj["metadata"]
        key = (event.gr, meta.get("namespace", ""), meta["name"])
        if event.type == "DELETED":
            self._git.pop(key, None)
            return
        if key not in self._git:
            self._remember(event.gr, obj)
            return
        app_name = app_of(obj)
        if app_name is None or key in self._pending or _desired(obj) == self._git[key]:
            return
        app = self._application(app_name)
        automated = (((app or {}).get("spec") or {}).get("syncPolicy") or {}).get("automated")
        if app is None or not isinstance(automated, dict) or not automated.get("selfHeal"):
            return
        delay = SELF_HEAL_SECONDS
        with contextlib.suppress(ValueError, TypeError):
            delay = float(str((app["metadata"].get("annotations") or {}).get(DELAY_ANNOTATION)))
        self._pending.add(key)
        self._set_sync(app, "OutOfSync")
        self.cluster.clock.call_later(delay, lambda: self._heal(key, app_name))

    def _heal(self, key: Tracked, app_name: str) -> None:
        self._pending.discard(key)
        store = self.cluster.store
        git = self._git.get(key)
        app = self._application(app_name)
        gr, namespace, name = key
        if git is None or app is None or store.get(gr, namespace, name) is None:
            return
        revision = str(((app.get("spec") or {}).get("source") or {}).get("targetRevision", "HEAD"))
        self.ctx.recorder.record(
            app,
            "Normal",
            "OperationStarted",
            f"Initiated automated sync to '{revision}'",
            COMPONENT,
        )

        def revert(obj: Obj) -> None:
            spec = obj.setdefault("spec", {})
            if git["replicas"] is None:
                spec.pop("replicas", None)
            else:
                spec["replicas"] = git["replicas"]
            spec["template"] = clone(git["template"])
            # A spec change is a new generation, as the API server would count it.
            obj["metadata"]["generation"] = int(obj["metadata"].get("generation", 1)) + 1

        with contextlib.suppress(NotFound):
            store.mutate(gr, namespace, name, revert)
        self.ctx.recorder.record(
            app,
            "Normal",
            "OperationCompleted",
            f"Sync operation to {revision} succeeded",
            COMPONENT,
        )
        fresh = self._application(app_name)
        if fresh is not None:
            self._set_sync(fresh, "Synced")

    def _set_sync(self, app: Obj, state: str) -> None:
        def write(obj: Obj) -> None:
            status = obj.setdefault("status", {})
            status.setdefault("sync", {})["status"] = state
            status.setdefault("health", {"status": "Healthy"})
            status["reconciledAt"] = self.cluster.clock.timestamp()

        with contextlib.suppress(NotFound, KeyError):
            self.cluster.store.mutate(
                APPLICATIONS, app["metadata"].get("namespace", ""), app["metadata"]["name"], write
            )
