"""The keys that act on one workload (a Deployment, StatefulSet or DaemonSet), shared by the
Stacks list, the Stack screen and History: :class:`WorkloadActions`, whose operations take the
:class:`~kubectl_stack.model.ref.WorkloadRef` they act on. A screen binds the keys to thin
``action_*`` methods that pass the workload under its cursor, or the one it shows, as a Python
value: never as a Textual action string, which would be built out of names the cluster chose.

Each action asks first, in a live dialog showing the workload as it is now and what its
managers -- Helm, Argo CD, Flux -- will make of the change; the change is sent with what the
dialog showed as its precondition (:class:`~kubectl_stack.model.preconditions.Seen`) and
reported as a notification carrying the server's own message on failure.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from textual.binding import Binding

from ...kube.actions import ActionResult
from ...model import fields as u
from ...model.pods import pod_row
from ...model.preconditions import Seen, seen
from ...model.ref import WorkloadRef
from ...model.workloads import for_kind
from ..presenters import actions as present_actions
from ..presenters import history as present_history
from ..presenters import objects as present_objects
from ..stack_objects import StackObject
from .base import ClusterScreen
from .dialogs import (
    ConfirmDialog,
    ConfirmShown,
    Dialog,
    ScaleDialog,
    ScaleShown,
    UndoDialog,
    UndoShown,
)

if TYPE_CHECKING:
    from ..source import Source

BINDINGS = [
    Binding("s", "scale", "Scale", id="scale"),
    Binding("u", "undo", "Undo", id="undo"),
    Binding("r", "restart", "Restart", id="restart"),
    Binding("z", "pause", "Pause/resume", show=False, id="pause"),
    Binding("l", "logs", "Logs", id="logs"),
    Binding("h", "history", "History", id="history"),
    Binding("d", "describe", "Describe", show=False, id="describe"),
    Binding("y", "yaml", "YAML", show=False, id="yaml"),
    Binding("e", "events", "Events", show=False, id="events"),
]


def _template_facts(obj: Mapping[str, Any], kind: str) -> tuple[str, ...]:
    """What a restart or pause rests on, as ``kubectl get`` would show it."""
    spec = u.d(obj.get("spec"))
    status = u.d(obj.get("status"))
    containers = u.dicts(u.d(u.d(spec.get("template")).get("spec")).get("containers"))
    images = ", ".join(u.s(c.get("image")) for c in containers) or "<none>"
    revision = for_kind(kind).revision(obj)
    facts = [images if revision is None else f"revision {revision or '<none>'} · {images}"]
    desired = u.i(spec.get("replicas"), 1) if "replicas" in spec else None
    ready = u.i(status.get("readyReplicas"))
    facts.append(f"ready {ready}/{desired}" if desired is not None else f"ready {ready}")
    if u.b(spec.get("paused")):
        facts.append("⏸ rollout paused")
    return tuple(facts)


class WorkloadActions:
    """What the workload keys do, each operation on the workload it is given: it asks first in
    a dialog pushed over ``screen``, which is told what the change came to."""

    def __init__(self, screen: ClusterScreen) -> None:
        self.screen = screen

    @property
    def source(self) -> Source:
        return self.screen.source

    def _tell(self, message: str, severity: str = "information") -> None:
        self.screen.stack_app.tell(message, severity=severity)

    def _push(self, dialog: Dialog) -> None:
        self.screen.app.push_screen(dialog, self.screen.report)

    def _notes(self, ref: WorkloadRef, action: str) -> tuple[str, ...]:
        return present_actions.action_notes(self.source, ref.kind, ref.namespace, ref.name, action)

    def _workload(self, ref: WorkloadRef) -> Mapping[str, Any] | None:
        return present_objects.workload(self.source, ref.kind, ref.namespace, ref.name)

    # -- scale --------------------------------------------------------------------------------

    def scale(self, ref: WorkloadRef) -> None:
        if self.screen.refuse_read_only("scale", ref):
            return
        kind, namespace, name = ref.kind, ref.namespace, ref.name
        no_scale = for_kind(kind).no_scale
        if no_scale:
            self._tell(f"{kind} {name} {no_scale}: it has no scale")
            return

        def read() -> ScaleShown | None:
            info = present_actions.scale_info(self.source, namespace, name, kind)
            obj = self._workload(ref)
            if info is None or obj is None:
                return None
            return ScaleShown(seen(obj).only("replicas"), info.spec, info.ready, info.hpa_warning)

        async def apply(count: object, shown: Seen) -> ActionResult:
            assert isinstance(count, int)
            return await self.source.scale(ref, count, current_replicas=shown.replicas)

        if read() is None:
            return
        self._push(ScaleDialog(f"Scale {name}", read, apply, "Scale", self._notes(ref, "scale")))

    # -- undo ---------------------------------------------------------------------------------

    def undo(self, ref: WorkloadRef, preferred: int | None = None) -> None:
        """Undo the rollout of ``ref``; the dialog proposes revision ``preferred`` (None: the
        previous one, kubectl's default)."""
        if self.screen.refuse_read_only("undo", ref):
            return
        kind, namespace, name = ref.kind, ref.namespace, ref.name
        info = present_history.undo_info(self.source, namespace, name, preferred, kind)
        if info.problem is not None:
            self._tell(info.problem, severity="warning")
            return

        def read() -> UndoShown | None:
            obj = self._workload(ref)
            if obj is None:
                return None
            # What the undo rests on: the template, and the revision the object records.
            records = for_kind(kind).revision(obj) is not None
            parts = ("uid", "revision", "template") if records else ("uid", "template")
            now = present_history.undo_info(self.source, namespace, name, preferred, kind)
            if now.problem is not None:
                problem = now.problem
                return UndoShown(seen(obj).only(*parts), 0, 0, (), lambda _r: [problem])
            return UndoShown(
                seen(obj).only(*parts), now.current, now.target, now.choices, now.diff_for
            )

        async def apply(revision: object, shown: Seen) -> ActionResult:
            assert isinstance(revision, int)
            return await self.source.undo(ref, revision, shown=shown)

        self._push(UndoDialog(f"Undo rollout of {name}", read, apply, self._notes(ref, "undo")))

    # -- restart and pause --------------------------------------------------------------------

    def restart(self, ref: WorkloadRef) -> None:
        if self.screen.refuse_read_only("restart", ref):
            return
        kind, name = ref.kind, ref.name

        def read() -> ConfirmShown | None:
            obj = self._workload(ref)
            if obj is None:
                return None
            question = f"Roll out new pods for {kind.lower()} {name} (rollout restart)?"
            facts = _template_facts(obj, kind)
            return ConfirmShown(seen(obj).only("uid", "template", "paused"), question, facts)

        async def apply(_yes: object, shown: Seen) -> ActionResult:
            return await self.source.restart(ref, shown=shown)

        if read() is None:
            return
        self._push(
            ConfirmDialog(f"Restart {name}", read, apply, "Restart", self._notes(ref, "restart"))
        )

    def pause(self, ref: WorkloadRef) -> None:
        if self.screen.refuse_read_only("pause", ref):
            return
        kind, namespace, name = ref.kind, ref.namespace, ref.name
        if not for_kind(kind).pausable:
            self._tell(f"pause/resume is only for Deployments ({name} is a {kind})")
            return

        def read() -> ConfirmShown | None:
            obj = self._workload(ref)
            if obj is None:
                return None
            shown = seen(obj).only("uid", "paused", "template")
            if shown.paused:
                question = (
                    f"Resume the rollout of deployment {name}? "
                    "The pod template below rolls out as it is now."
                )
            else:
                question = f"Pause the rollout of deployment {name} (changes wait until resumed)?"
            verb = "Resume" if shown.paused else "Pause"
            return ConfirmShown(shown, question, _template_facts(obj, kind), verb)

        async def apply(_yes: object, shown: Seen) -> ActionResult:
            return await self.source.pause(namespace, name, not shown.paused, shown=shown)

        if read() is None:
            return
        self._push(ConfirmDialog(f"Pause/resume {name}", read, apply, "Pause/resume"))

    def delete_pod(self, namespace: str, pod: str, owner: str) -> None:
        """Ask before deleting one pod; only that very pod (its uid) is deleted."""

        def read() -> ConfirmShown | None:
            obj = self.source.get("pods", namespace, pod)
            if obj is None:
                return None
            row = pod_row(obj, self.screen.stack_app.now())
            question = f"Delete pod {pod}? Its {owner} will create a replacement."
            facts = (f"{row.status} · ready {row.ready} · restarts {row.restarts} · {row.node}",)
            return ConfirmShown(seen(obj).only("uid"), question, facts)

        async def apply(_yes: object, shown: Seen) -> ActionResult:
            return await self.source.delete_pod(namespace, pod, uid=shown.uid)

        if read() is None:
            return
        self._push(ConfirmDialog(f"Delete pod {pod}", read, apply, "Delete"))

    # -- screens about the workload -----------------------------------------------------------

    def logs(self, ref: WorkloadRef) -> None:
        from .logs import LogsScreen

        self.screen.app.push_screen(LogsScreen(ref.namespace, workload=ref))

    def history(self, ref: WorkloadRef) -> None:
        from .history import HistoryScreen

        self.screen.app.push_screen(HistoryScreen(ref))

    def events(self, ref: WorkloadRef) -> None:
        self.screen.stack_app.open_stack(ref.namespace, ref.name, kind=ref.kind, tab="events")

    def describe(self, ref: WorkloadRef, obj: StackObject | None = None) -> None:
        """``kubectl describe`` of ``obj`` in the workload's namespace (a pod, an object of its
        stack); None: of the workload itself."""
        self._show(ref, "describe", obj)

    def yaml(self, ref: WorkloadRef, obj: StackObject | None = None) -> None:
        """The YAML of ``obj`` in the workload's namespace; None: of the workload itself."""
        self._show(ref, "yaml", obj)

    def _show(self, ref: WorkloadRef, mode: str, obj: StackObject | None) -> None:
        from .yaml import ObjectScreen

        kind, name = (ref.kind, ref.name) if obj is None else (obj.kind, obj.name)
        self.screen.app.push_screen(ObjectScreen(kind, ref.namespace, name, mode=mode))


def on_workload(
    operation: Callable[[WorkloadActions, WorkloadRef], None],
) -> Callable[[ClusterScreen], None]:
    """A screen's ``action_*`` method for a workload key: ``operation`` on the workload the
    screen's keys act on now (:meth:`ClusterScreen.workload`), nothing when there is none.
    The screen binds the key to it as ``action_scale = on_workload(WorkloadActions.scale)``."""

    def action(screen: ClusterScreen) -> None:
        ref = screen.workload()
        if ref is not None:
            operation(WorkloadActions(screen), ref)

    return action
