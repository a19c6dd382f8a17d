"""Handing work to the real kubectl: the terminal for a shell or an edit, the background for
port-forwards. The app part (:class:`KubectlTools`, mixed into the app) owns the forwards, so
they outlive the screen that started them, and ends them when the app ends."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING

from textual.app import App, SuspendNotSupported

from ..kube.kubectl import NOT_FOUND, Finished, PortForward, run_in_terminal


class KubectlTools(App[int]):
    """The app's base: :meth:`hand_terminal` and the port-forwards."""

    forwards: list[PortForward]
    """Every port-forward started, in order; those ended stay listed until removed."""

    if TYPE_CHECKING:

        def tell(self, message: str, *, severity: str = "information") -> None: ...

    def hand_terminal(self, command: Sequence[str] | None) -> Finished:
        """Give the terminal to ``command`` (None: there is no kubectl) and take it back
        when it exits, whatever happens: the screen, mouse mode and keys are restored by
        Textual's resume, also when the command fails or cannot start."""
        if command is None:
            return Finished(None, NOT_FOUND)
        try:
            with self.suspend():
                finished = run_in_terminal(command)
        except SuspendNotSupported:
            return Finished(None, "this terminal cannot be handed over to kubectl")
        self.refresh(layout=True)
        return finished

    def start_forward(self, forward: PortForward | None) -> None:
        """Start ``forward`` in the background and keep it listed (None: no kubectl)."""
        if forward is None:
            self.tell(f"port-forward: {NOT_FOUND}", severity="error")
            return
        self.forwards.append(forward)
        self.run_worker(self._run_forward(forward), group="forwards")

    async def _run_forward(self, forward: PortForward) -> None:
        await forward.start()
        if forward.state != "broken":
            await forward.wait()
        if forward.state == "broken":
            reason = forward.reason or f"kubectl exited with {forward.returncode}"
            self.tell(f"port-forward {forward.target} ended: {reason}", severity="error")
        self.refresh_bindings()
        screen = self.screen
        update = getattr(screen, "update_top_bar", None)
        if callable(update) and screen.is_mounted:
            update()

    def forwards_summary(self) -> str:
        """``⇄ 2 forwards`` (``1 broken``) for the title bar; '' when there are none."""
        live = sum(f.state in ("starting", "forwarding") for f in self.forwards)
        broken = sum(f.state == "broken" for f in self.forwards)
        if not live and not broken:
            return ""
        text = f"⇄ {live} forward{'s' if live != 1 else ''}"
        return text + (f" ({broken} broken)" if broken else "")

    async def stop_forwards(self) -> None:
        """End every port-forward (the app is quitting)."""
        await asyncio.gather(*(f.stop() for f in self.forwards), return_exceptions=True)
