"""Messages exchanged inside the app."""

from __future__ import annotations

from textual.message import Message


class StateChanged(Message):
    """The cluster state changed (already coalesced by the store; a burst of these still
    collapses into one repaint)."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, StateChanged)


class ConnectionChanged(Message):
    """The connection status changed (lost, retrying, resumed)."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ConnectionChanged)


class ActionFinished(Message):
    """A mutating action returned; ``message`` is the server's text on failure."""

    def __init__(self, ok: bool, message: str) -> None:
        super().__init__()
        self.ok = ok
        self.message = message
