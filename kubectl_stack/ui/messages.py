"""Messages exchanged inside the app."""

from __future__ import annotations

from textual.message import Message


class StateChanged(Message):
    """The cluster state changed (already coalesced by the store; a burst of these still
    collapses into one repaint)."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, StateChanged)
