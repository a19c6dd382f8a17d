"""The keys that act on one workload (a Deployment, StatefulSet or DaemonSet), shared by the
Stacks list and the Stack screen.

Each action asks first, in a live dialog showing the workload as it is now and what its
managers -- Helm, Argo CD, Flux -- will make of the change; the change is sent with what the
dialog showed as its precondition (:class:`~kubectl_stack.model.preconditions.Seen`) and
reported as a notification carrying the server's own message on failure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from textual.binding import Binding

from ...model import fields as u
from ...model.pods import pod_row
from ...model.preconditions import Seen, seen
from ...model.ref import WorkloadRef
from ...model.workloads import for_kind
from ..presenters import actions as present_actions
from ..presenters import history as present_history
from ..presenters import objects as present_objects
from .base import ClusterScreen
from .dialogs import (
    ConfirmDialog,
    ConfirmShown,
    ScaleDialog,
    ScaleShown,
    UndoDialog,
    UndoShown,
)

if TYPE_CHECKING:
    from ...kube.actions import ActionResult

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


Target = tuple[str, str, str]  # (kind, namespace, name)


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


class StackActions(ClusterScreen):
    """A :class:`ClusterScreen` that knows which workload is meant (:meth:`target_workload`):
    the keys that act on it."""

    def target_workload(self) -> Target | None:
        """(kind, namespace, name) of the workload the keys act on."""
        raise NotImplementedError

    def action_scope(self) -> tuple[str, str] | None:
        target = self.target_workload()
        return (target[0], target[1]) if target is not None else None

    def preferred_undo_revision(self) -> int | None:
        """The revision the undo dialog proposes; None = the previous one (kubectl's default)."""
        return None

    def _report(self, result: object) -> None:
        """Tell what a dialog's change came to (None: it was cancelled)."""
        if result is None:
            return
        done: ActionResult = result  # type: ignore[assignment]
        self.stack_app.tell(done.message, severity="information" if done.ok else "error")
        for warning in done.warnings:
            self.stack_app.tell(warning, severity="warning")
        self.refresh_data()

    def _notes(self, target: Target, action: str) -> tuple[str, ...]:
        return present_actions.action_notes(self.source, *target, action)

    def _not_pausable(self, target: Target) -> bool:
        """True (and a notice) when the target's kind has no rollout pause."""
        if for_kind(target[0]).pausable:
            return False
        self.stack_app.tell(f"pause/resume is only for Deployments ({target[2]} is a {target[0]})")
        return True

    def _workload(self, target: Target) -> Mapping[str, Any] | None:
        return present_objects.workload(self.source, *target)

    # -- scale --------------------------------------------------------------------------------

    def action_scale(self) -> None:
        target = self.target_workload()
        if target is None or self.refuse_read_only("scale"):
            return
        kind, namespace, name = target
        no_scale = for_kind(kind).no_scale
        if no_scale:
            self.stack_app.tell(f"{kind} {name} {no_scale}: it has no scale")
            return

        def read() -> ScaleShown | None:
            info = present_actions.scale_info(self.source, namespace, name, kind)
            obj = self._workload(target)
            if info is None or obj is None:
                return None
            return ScaleShown(seen(obj).only("replicas"), info.spec, info.ready, info.hpa_warning)

        async def apply(count: object, shown: Seen) -> ActionResult:
            assert isinstance(count, int)
            return await self.source.scale(
                WorkloadRef(*target), count, current_replicas=shown.replicas
            )

        if read() is None:
            return
        dialog = ScaleDialog(f"Scale {name}", read, apply, "Scale", self._notes(target, "scale"))
        self.app.push_screen(dialog, self._report)

    # -- undo ---------------------------------------------------------------------------------

    def action_undo(self) -> None:
        target = self.target_workload()
        if target is None or self.refuse_read_only("undo"):
            return
        kind, namespace, name = target
        preferred = self.preferred_undo_revision()
        info = present_history.undo_info(self.source, namespace, name, preferred, kind)
        if info.problem is not None:
            self.stack_app.tell(info.problem, severity="warning")
            return

        def read() -> UndoShown | None:
            obj = self._workload(target)
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
            return await self.source.undo(WorkloadRef(*target), revision, shown=shown)

        self.app.push_screen(
            UndoDialog(f"Undo rollout of {name}", read, apply, self._notes(target, "undo")),
            self._report,
        )

    # -- restart and pause --------------------------------------------------------------------

    def action_restart(self) -> None:
        target = self.target_workload()
        if target is None or self.refuse_read_only("restart"):
            return
        kind, namespace, name = target

        def read() -> ConfirmShown | None:
            obj = self._workload(target)
            if obj is None:
                return None
            question = f"Roll out new pods for {kind.lower()} {name} (rollout restart)?"
            facts = _template_facts(obj, kind)
            return ConfirmShown(seen(obj).only("uid", "template", "paused"), question, facts)

        async def apply(_yes: object, shown: Seen) -> ActionResult:
            return await self.source.restart(WorkloadRef(*target), shown=shown)

        if read() is None:
            return
        self.app.push_screen(
            ConfirmDialog(
                f"Restart {name}", read, apply, "Restart", self._notes(target, "restart")
            ),
            self._report,
        )

    def action_pause(self) -> None:
        target = self.target_workload()
        if target is None or self.refuse_read_only("pause"):
            return
        if self._not_pausable(target):
            return
        kind, namespace, name = target

        def read() -> ConfirmShown | None:
            obj = self._workload(target)
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
        self.app.push_screen(
            ConfirmDialog(f"Pause/resume {name}", read, apply, "Pause/resume"),
            self._report,
        )

    def confirm_delete_pod(self, namespace: str, pod: str, owner: str) -> None:
        """Ask before deleting one pod; only that very pod (its uid) is deleted."""

        def read() -> ConfirmShown | None:
            obj = self.source.get("pods", namespace, pod)
            if obj is None:
                return None
            row = pod_row(obj, self.stack_app.now())
            question = f"Delete pod {pod}? Its {owner} will create a replacement."
            facts = (f"{row.status} · ready {row.ready} · restarts {row.restarts} · {row.node}",)
            return ConfirmShown(seen(obj).only("uid"), question, facts)

        async def apply(_yes: object, shown: Seen) -> ActionResult:
            return await self.source.delete_pod(namespace, pod, uid=shown.uid)

        if read() is None:
            return
        self.app.push_screen(
            ConfirmDialog(f"Delete pod {pod}", read, apply, "Delete"), self._report
        )

    def action_logs(self) -> None:
        target = self.target_workload()
        if target is None:
            return
        from .logs import LogsScreen

        self.app.push_screen(LogsScreen(target[1], workload=WorkloadRef(*target)))

    def action_history(self) -> None:
        target = self.target_workload()
        if target is not None:
            from .history import HistoryScreen

            self.app.push_screen(HistoryScreen(target[1], target[2], kind=target[0]))

    def action_describe(self) -> None:
        self._show_object("describe")

    def action_yaml(self) -> None:
        self._show_object("yaml")

    def selected_object(self) -> tuple[str, str, str] | None:
        """(kind, namespace, name) that d and y show; the workload by default."""
        return self.target_workload()

    def _show_object(self, mode: str) -> None:
        obj = self.selected_object()
        if obj is not None:
            from .yaml import ObjectScreen

            self.app.push_screen(ObjectScreen(*obj, mode=mode))

    def action_events(self) -> None:
        target = self.target_workload()
        if target is not None:
            self.stack_app.open_stack(target[1], target[2], kind=target[0], tab="events")
