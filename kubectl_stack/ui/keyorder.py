"""Keys of one burst follow the focus that the keys before them moved.

Textual's App hands every key it reads to the widget focused *at that moment*; a binding runs
only once the key has bubbled back up to the App. When several keys arrive in one read (SSH,
fast typing), they are all handed to the same widget before the first one's binding has run:
in ``/my`` the ``m`` and ``y`` reach the table, not the filter that ``/`` opens (and ``y``
opens the YAML view). :class:`KeyRouter` remembers where each key was sent; a key that comes
back to the App after the focus moved is sent again, to the widget focused now, keeping the
time it was typed (so a dialog opened meanwhile refuses it: see ``Dialog.accepts``).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from textual import events
from textual.app import App
from textual.widget import Widget

from .textual_internals import retyped

REMEMBERED = 256  # keys in flight remembered (a key handled on the way never comes back)


class KeyRouter:
    """Where the App sent each key it read. Used by the App's ``on_event``."""

    def __init__(self) -> None:
        self._sent: OrderedDict[int, tuple[events.Key, Widget | None]] = OrderedDict()
        self._settling = False

    def sent(self, event: events.Key, target: Widget | None) -> None:
        """The App is about to hand a key read from the terminal to ``target``."""
        self._sent[id(event)] = (event, target)
        while len(self._sent) > REMEMBERED:
            self._sent.popitem(last=False)

    def back(self, app: App[Any], event: events.Key) -> bool:
        """A key came back up to the App unhandled. True when the App must not act on it
        now: an earlier key's action is still settling (Textual moves the focus with
        ``call_later``), so it is queued again behind that; or the focus has moved since it
        was sent, so it is sent again to what has the focus now."""
        if self._settling:
            app.post_message(event)
            return True
        entry = self._sent.pop(id(event), None)
        if entry is None or entry[0] is not event or entry[1] is app.focused:
            return False
        app.post_message(retyped(event))
        return True

    def acted(self, app: App[Any]) -> None:
        """The App has just acted on a key that came back: the keys behind it wait until
        what that action set in motion (a focus move, a screen) has happened."""
        if not self._settling:
            self._settling = True
            app.call_later(self._settled)

    def _settled(self) -> None:
        self._settling = False
