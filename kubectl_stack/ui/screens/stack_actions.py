"""The keys that act on one workload (a Deployment, StatefulSet or DaemonSet), shared by the
Stacks list and the Stack screen.

Each action asks first (dialog, with what the workload's managers -- Helm, Argo CD, Flux --
will make of it), then calls the data layer and reports the result as a notification carrying
the server's own message on failure.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.binding import Binding

from .. import present
from .dialogs import ConfirmDialog, ScaleDialog, UndoDialog

if TYPE_CHECKING:
    from ...kube.actions import ActionResult
    from .base import ClusterScreen

    _Base = ClusterScreen
else:
    _Base = object

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


class StackActions(_Base):
    """Mixin for a :class:`ClusterScreen` that knows which workload is meant."""

    def target_workload(self) -> Target | None:
        """(kind, namespace, name) of the workload the keys act on."""
        raise NotImplementedError

    def action_scope(self) -> tuple[str, str] | None:
        target = self.target_workload()
        return (target[0], target[1]) if target is not None else None

    def preferred_undo_revision(self) -> int | None:
        """The revision the undo dialog proposes; None = the previous one (kubectl's default)."""
        return None

    def _report(self, result: ActionResult) -> None:
        self.stack_app.tell(result.message, severity="information" if result.ok else "error")
        for warning in result.warnings:
            self.stack_app.tell(warning, severity="warning")
        self.refresh_data()

    def _notes(self, target: Target, action: str) -> tuple[str, ...]:
        return present.action_notes(self.source, *target, action)

    def _only_deployments(self, target: Target, what: str) -> bool:
        """True (and a notice) when ``what`` does not apply to the target's kind."""
        if target[0] == present.DEPLOYMENT:
            return False
        self.stack_app.tell(f"{what} is only for Deployments ({target[2]} is a {target[0]})")
        return True

    def action_scale(self) -> None:
        target = self.target_workload()
        if target is None or self.refuse_read_only("scale"):
            return
        kind, namespace, name = target
        if kind == "DaemonSet":
            self.stack_app.tell(f"DaemonSet {name} runs one pod per node: it has no scale")
            return
        info = present.scale_info(self.source, namespace, name, kind)
        if info is None:
            return

        def chosen(count: object) -> None:
            if isinstance(count, int):
                self._scale(target, count)

        self.app.push_screen(
            ScaleDialog(
                name, info.spec, info.ready, info.hpa_warning, self._notes(target, "scale")
            ),
            chosen,
        )

    @work(group="action")
    async def _scale(self, target: Target, count: int) -> None:
        kind, namespace, name = target
        self._report(await self.source.scale(namespace, name, count, kind))

    def action_undo(self) -> None:
        target = self.target_workload()
        if target is None or self.refuse_read_only("undo"):
            return
        kind, namespace, name = target
        info = present.undo_info(self.source, namespace, name, self.preferred_undo_revision(), kind)
        if info.problem is not None:
            self.stack_app.tell(info.problem, severity="warning")
            return

        def chosen(revision: object) -> None:
            if isinstance(revision, int):
                self._undo(target, revision)

        self.app.push_screen(
            UndoDialog(
                name,
                info.current,
                info.choices,
                info.target,
                info.diff_for,
                self._notes(target, "undo"),
            ),
            chosen,
        )

    @work(group="action")
    async def _undo(self, target: Target, revision: int) -> None:
        kind, namespace, name = target
        self._report(await self.source.undo(namespace, name, revision, kind))

    def action_restart(self) -> None:
        target = self.target_workload()
        if target is None or self.refuse_read_only("restart"):
            return
        kind, _, name = target

        def chosen(yes: object) -> None:
            if yes is True:
                self._restart(target)

        self.app.push_screen(
            ConfirmDialog(
                f"Restart {name}",
                f"Roll out new pods for {kind.lower()} {name} (rollout restart)?",
                "Restart",
                self._notes(target, "restart"),
            ),
            chosen,
        )

    @work(group="action")
    async def _restart(self, target: Target) -> None:
        kind, namespace, name = target
        self._report(await self.source.restart(namespace, name, kind))

    def action_pause(self) -> None:
        target = self.target_workload()
        if target is None or self.refuse_read_only("pause"):
            return
        if self._only_deployments(target, "pause/resume"):
            return
        _, namespace, name = target
        self._pause((namespace, name), not present.is_paused(self.source, namespace, name))

    @work(group="action")
    async def _pause(self, target: tuple[str, str], pause: bool) -> None:
        self._report(await self.source.pause(*target, pause))

    def action_logs(self) -> None:
        target = self.target_workload()
        if target is None:
            return
        if target[0] != present.DEPLOYMENT:
            # Logs of one pod at a time for these: pick it in the Pods tab.
            self.stack_app.open_stack(target[1], target[2], kind=target[0], tab="pods")
            self.stack_app.tell("choose a pod in the Pods tab, then press l")
            return
        from .logs import LogsScreen

        self.app.push_screen(LogsScreen(target[1], deployment=target[2]))

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
