"""The keys that act on one Deployment, shared by the Stacks list and the Stack screen.

Each action asks first (dialog), then calls the data layer and reports the result as a
notification carrying the server's own message on failure.
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


class StackActions(_Base):
    """Mixin for a :class:`ClusterScreen` that knows which Deployment is meant."""

    def target_deployment(self) -> tuple[str, str] | None:
        raise NotImplementedError

    def preferred_undo_revision(self) -> int | None:
        """The revision the undo dialog proposes; None = the previous one (kubectl's default)."""
        return None

    def _report(self, result: ActionResult) -> None:
        self.stack_app.tell(result.message, severity="information" if result.ok else "error")
        for warning in result.warnings:
            self.stack_app.tell(warning, severity="warning")
        self.refresh_data()

    def action_scale(self) -> None:
        target = self.target_deployment()
        if target is None or self.refuse_read_only("scale"):
            return
        info = present.scale_info(self.source, *target)
        if info is None:
            return

        def chosen(count: object) -> None:
            if isinstance(count, int):
                self._scale(target, count)

        self.app.push_screen(
            ScaleDialog(target[1], info.spec, info.ready, info.hpa_warning), chosen
        )

    @work(group="action")
    async def _scale(self, target: tuple[str, str], count: int) -> None:
        self._report(await self.source.scale(*target, count))

    def action_undo(self) -> None:
        target = self.target_deployment()
        if target is None or self.refuse_read_only("undo"):
            return
        info = present.undo_info(self.source, *target, self.preferred_undo_revision())
        if info.problem is not None:
            self.stack_app.tell(info.problem, severity="warning")
            return

        def chosen(revision: object) -> None:
            if isinstance(revision, int):
                self._undo(target, revision)

        self.app.push_screen(
            UndoDialog(target[1], info.current, info.choices, info.target, info.diff_for),
            chosen,
        )

    @work(group="action")
    async def _undo(self, target: tuple[str, str], revision: int) -> None:
        self._report(await self.source.undo(*target, revision))

    def action_restart(self) -> None:
        target = self.target_deployment()
        if target is None or self.refuse_read_only("restart"):
            return

        def chosen(yes: object) -> None:
            if yes is True:
                self._restart(target)

        self.app.push_screen(
            ConfirmDialog(
                f"Restart {target[1]}",
                f"Roll out new pods for deployment {target[1]} (rollout restart)?",
                "Restart",
            ),
            chosen,
        )

    @work(group="action")
    async def _restart(self, target: tuple[str, str]) -> None:
        self._report(await self.source.restart(*target))

    def action_pause(self) -> None:
        target = self.target_deployment()
        if target is None or self.refuse_read_only("pause"):
            return
        self._pause(target, not present.is_paused(self.source, *target))

    @work(group="action")
    async def _pause(self, target: tuple[str, str], pause: bool) -> None:
        self._report(await self.source.pause(*target, pause))

    def action_logs(self) -> None:
        target = self.target_deployment()
        if target is not None:
            from .logs import LogsScreen

            self.app.push_screen(LogsScreen(target[0], deployment=target[1]))

    def action_history(self) -> None:
        target = self.target_deployment()
        if target is not None:
            from .history import HistoryScreen

            self.app.push_screen(HistoryScreen(*target))

    def action_describe(self) -> None:
        self._show_object("describe")

    def action_yaml(self) -> None:
        self._show_object("yaml")

    def selected_object(self) -> tuple[str, str, str] | None:
        """(kind, namespace, name) that d and y show; the Deployment by default."""
        target = self.target_deployment()
        return None if target is None else ("Deployment", *target)

    def _show_object(self, mode: str) -> None:
        obj = self.selected_object()
        if obj is not None:
            from .yaml import ObjectScreen

            self.app.push_screen(ObjectScreen(*obj, mode=mode))

    def action_events(self) -> None:
        target = self.target_deployment()
        if target is not None:
            from .stack import StackScreen

            self.app.push_screen(StackScreen(*target, tab="events"))
