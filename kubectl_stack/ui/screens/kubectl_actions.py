"""Keys that hand work to the real kubectl, or reach a stack's objects beyond its workload:
edit (``kubectl edit``), shell (``kubectl exec -it``), port-forward (``kubectl
port-forward``), the object picker that points d, y, E and delete at a Service, an Ingress, a
ConfigMap..., and delete of a stack's ReplicaSets, ConfigMaps, Secrets and Services.

Shared by the Stacks list (the workload under the cursor) and the Stack screen (its objects
and pods). Every mutating key is refused in read-only mode and dimmed when RBAC says no.
"""

from __future__ import annotations

from textual import work
from textual.binding import Binding

from ... import kinds as K
from ...kube.access import editable
from ...kube.actions import DELETABLE, ActionResult
from ...kube.kubectl import Finished, PortForward
from ...kube.logs import DEFAULT_CONTAINER
from ...model.preconditions import Seen, seen
from .. import stack_objects
from ..presenters import objects as present_objects
from ..stack_objects import StackObject
from .base import ClusterScreen
from .dialogs import ConfirmDialog, ConfirmShown, PickerDialog

BINDINGS = [
    Binding("E", "edit", "Edit", show=False, id="edit"),
    Binding("S", "shell", "Shell", show=False, id="shell"),
    Binding("F", "port_forward", "Port-forward", show=False, id="port-forward"),
]
STACK_BINDINGS = [
    Binding("o", "pick_object", "Object…", show=False, id="pick-object"),
    Binding("ctrl+d", "delete", "Delete object", show=False, id="delete-object"),
]
FORWARD_WAIT = 5.0  # seconds to wait for kubectl's "Forwarding from" line before telling


class DeleteDialog(ConfirmDialog):
    """Deleting one of the stack's objects: like every confirmation it opens on Cancel, only
    ``y`` or the button deletes, and only the version shown (its resourceVersion)."""


class KubectlActions(ClusterScreen):
    """A screen showing a workload (:meth:`~ClusterScreen.workload`) whose keys also reach the
    stack's other objects: the object the keys act on is the workload unless
    :meth:`picked_object` says otherwise."""

    picked: StackObject | None = None
    """The stack object chosen with ``o`` (None: the workload)."""

    def picked_object(self) -> StackObject | None:
        ref = self.workload()
        if ref is None:
            return None
        return self.picked or StackObject(ref.kind, ref.name)

    def scope_for(self, action: str) -> tuple[str, str] | None:
        ref = self.workload()
        if ref is None:
            return None
        if action in ("edit", "delete"):
            picked = self.picked_object()
            return (picked.kind, ref.namespace) if picked is not None else None
        return self.action_scope()

    def _tell(self, message: str, severity: str = "information") -> None:
        self.stack_app.tell(message, severity=severity)

    # -- edit ---------------------------------------------------------------------------------

    def action_edit(self) -> None:
        ref, picked = self.workload(), self.picked_object()
        if ref is None or picked is None:
            return
        if not editable(picked.kind):
            self._tell(f"edit: {picked.kind}s are not edited here (o picks another object)")
            return
        if self.refuse_read_only("edit"):
            return
        finished = self.stack_app.hand_terminal(
            self.source.edit_command(picked.kind, ref.namespace, picked.name)
        )
        if finished.ok:
            self._tell(finished.error or f"{picked.ref} edited")
        else:
            self._report_failure("edit", finished)
        self.refresh_data()

    def _report_failure(self, what: str, finished: Finished) -> None:
        reason = finished.error or f"kubectl exited with {finished.returncode}"
        self._tell(f"{what}: {reason}", "error")

    # -- the object the keys act on -----------------------------------------------------------

    def action_pick_object(self) -> None:
        ref = self.workload()
        if ref is None:
            return
        kind, namespace, name = ref.kind, ref.namespace, ref.name
        objects = stack_objects.stack_objects(self.source, kind, namespace, name, self._now())
        by_ref = {o.ref: o for o in objects}
        current = self.picked_object()

        def chosen(ref: object) -> None:
            if isinstance(ref, str) and ref in by_ref:
                picked = by_ref[ref]
                self.picked = None if picked == StackObject(kind, name) else picked
                self.refresh_bindings()
                self.update_top_bar()
                self._tell(f"d, y, E and ctrl+d act on {ref} (o to pick another)")

        self.app.push_screen(
            PickerDialog("Object", list(by_ref), current.ref if current else None), chosen
        )

    def _now(self) -> float:
        return self.stack_app.now()

    def update_top_bar(self, extra: str = "") -> None:
        picked = f"▸ {self.picked.ref}" if self.picked is not None else ""
        super().update_top_bar(extra or picked)

    # -- delete -------------------------------------------------------------------------------

    def action_delete(self) -> None:
        ref, picked = self.workload(), self.picked
        if ref is None:
            return
        if picked is None or picked.kind not in DELETABLE:
            kinds = ", ".join(f"{k}s" for k in DELETABLE)
            self._tell(f"delete: pick one of the stack's {kinds} with o first")
            return
        if self.refuse_read_only("delete"):
            return
        kind, namespace, name = ref.kind, ref.namespace, ref.name
        store = K.store_key(picked.kind)

        def read() -> ConfirmShown | None:
            obj = self.source.get(store, namespace, picked.name)
            if obj is None:
                return None
            relies = stack_objects.dependents(
                self.source, kind, namespace, name, self._now(), picked
            )
            question = f"Delete {picked.ref} from namespace {namespace}?"
            if not relies:
                question += " Nothing in this stack depends on it."
            return ConfirmShown(seen(obj).only("uid", "resource_version"), question, tuple(relies))

        async def apply(_yes: object, shown: Seen) -> ActionResult:
            result = await self.source.delete(
                picked.kind, namespace, picked.name, shown.resource_version or ""
            )
            if result.ok and self.picked == picked:
                self.picked = None
            return result

        if read() is None:
            self._tell(f"{picked.ref} is gone (deleted meanwhile?)", "warning")
            return
        self.app.push_screen(
            DeleteDialog(f"Delete {picked.ref}", read, apply, "Delete"), self.report
        )

    # -- shell --------------------------------------------------------------------------------

    def selected_pod(self) -> str | None:
        """The pod under the cursor (the Stack screen's Pods panel); None elsewhere."""
        return None

    def action_shell(self) -> None:
        ref = self.workload()
        if ref is None or self.refuse_read_only("shell"):
            return
        pod = self.selected_pod()
        if pod is None:
            self._choose_pod("S")
            return
        namespace = ref.namespace
        containers = present_objects.containers_of(self.source, namespace, pod)
        obj = self.source.get("pods", namespace, pod) or {}
        annotations = (obj.get("metadata") or {}).get("annotations") or {}
        default = annotations.get(DEFAULT_CONTAINER)
        if default in containers or len(containers) == 1:
            self._shell(namespace, pod, default if default in containers else containers[0])
        elif not containers:
            self._tell(f"pod {pod} has no containers to open a shell in", "warning")
        else:

            def chosen(container: object) -> None:
                if isinstance(container, str):
                    self._shell(namespace, pod, container)

            self.app.push_screen(PickerDialog("Container", containers, containers[0]), chosen)

    def _choose_pod(self, key: str) -> None:
        """No pod under the cursor: show where to choose one."""
        ref = self.workload()
        if ref is not None:
            self.stack_app.open_stack(ref.namespace, ref.name, kind=ref.kind, tab="pods")
        self._tell(f"choose a pod in the Pods tab, then press {key}")

    def _shell(self, namespace: str, pod: str, container: str) -> None:
        finished = self.stack_app.hand_terminal(
            self.source.shell_command(namespace, pod, container)
        )
        if finished.ok:
            self._tell(f"shell in {pod}/{container} ended")
        else:
            self._report_failure(f"shell in {pod}/{container}", finished)
        self.refresh_data()

    # -- port-forward -------------------------------------------------------------------------

    def action_port_forward(self) -> None:
        ref = self.workload()
        if ref is None or self.refuse_read_only("port_forward"):
            return
        kind, namespace, name = ref.kind, ref.namespace, ref.name
        pod = self.selected_pod()
        if pod is not None:
            sources = [StackObject("Pod", pod)]
        else:
            objects = stack_objects.stack_objects(self.source, kind, namespace, name, self._now())
            sources = [o for o in objects if o.kind == "Service"]
        offers: dict[str, tuple[StackObject, int]] = {}
        for obj in sources:
            for port, label in stack_objects.ports(self.source, obj.kind, namespace, obj.name):
                offers[f"{obj.ref} {port}" + (f" ({label})" if label else "")] = (obj, port)
        if not offers:
            where = f"pod {pod}" if pod else f"no Service of {name}"
            self._tell(f"port-forward: {where} declares no TCP port; choose a pod", "warning")
            return

        def chosen(item: object) -> None:
            if isinstance(item, str) and item in offers:
                obj, port = offers[item]
                self._forward(namespace, obj, port)

        self.app.push_screen(PickerDialog("Port-forward", list(offers), None), chosen)

    def _forward(self, namespace: str, obj: StackObject, port: int) -> None:
        # The same local port when it needs no privilege; else kubectl picks a free one.
        local = port if port >= 1024 else None
        kind = "pod" if obj.kind == "Pod" else "service"
        forward = self.source.port_forward(namespace, f"{kind}/{obj.name}", port, local)
        self.stack_app.start_forward(forward)
        if forward is not None:
            self._announce(forward)

    @work(group="forward-announce")
    async def _announce(self, forward: PortForward) -> None:
        await forward.settled(FORWARD_WAIT)
        if forward.state == "forwarding":
            self._tell(
                f"forwarding 127.0.0.1:{forward.local_port} → {forward.target}:{forward.remote}"
                " (:pf lists port-forwards)"
            )
        self.update_top_bar()
