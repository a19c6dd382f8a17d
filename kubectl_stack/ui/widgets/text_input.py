"""A text field that applies the keys typed in one burst in the order they were typed.

Textual 8's ``Input`` inserts a printable key the moment it receives it, but its editing keys
(Backspace, Ctrl+U, Enter...) are bindings, and a binding runs only once the key has bubbled
up to the app. Over SSH several keys arrive in one read, and the printable keys behind an
editing key are inserted before the editing key acts: ``Backspace 6`` leaves an empty field,
``Backspace -`` deletes the ``-``. :class:`TextInput` runs the bindings of its key -- its own,
then those of its screen and the app, as Textual would -- when it receives the key, and hands
a key that arrives after focus has moved on (an Enter or Esc before it in the same burst) to
whatever has the focus now.

Every text field of the app is a :class:`TextInput`.
"""

from __future__ import annotations

from textual import events
from textual.dom import DOMNode

from ..glyphs import GLYPHS
from ..textual_internals import KeyFirstInput, keys_of, retyped


class TextInput(KeyFirstInput):
    """An ``Input`` whose keys take effect in the order they were typed."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._rejected = False
        self._held: list[events.Key] | None = None

    def validate_placeholder(self, placeholder: str) -> str:
        return GLYPHS.text(placeholder)  # ``…`` is ``...`` in ASCII mode, as everywhere

    def restricted(self) -> None:
        # A character the field refuses (``restrict``, ``max_length``) may be a key bound
        # around it (``y`` confirms a dialog): take_key decides whether to ring the bell.
        self._rejected = True

    async def take_key(self, event: events.Key) -> None:
        if self._held is not None or not self._focused_now():
            # Typed after an Enter or Esc that moved on: the key belongs to what comes next.
            self._pass_on(event)
            return
        if event.is_printable and event.character is not None:
            self._rejected = False
            selection = self.selection
            if selection.is_empty:
                self.insert_text_at_cursor(event.character)
            else:
                self.replace(event.character, *selection)
            if not self._rejected:
                self._handled(event)
                return
        if await self._run_bindings(event.key):
            self._handled(event)
            return
        if self._rejected:
            self.app.bell()
            self._handled(event)
        # Any other key bubbles up as usual (nothing is bound to it on the way).

    def _focused_now(self) -> bool:
        # Not has_focus: it changes only when the Blur message is handled, behind the keys
        # already queued for this field.
        screen = self.screen
        return screen.focused is self and self.app.screen is screen

    def _handled(self, event: events.Key) -> None:
        event.stop()
        event.prevent_default()

    async def _run_bindings(self, key: str) -> bool:
        """Run the first enabled binding of ``key`` from this field up to its (modal) screen
        and the app, as Textual's App does for a key that bubbled up to it; True if one ran.
        Priority bindings were already checked by the app before the key got here."""
        for node in self.ancestors_with_self:
            for binding in keys_of(node).get(key, ()):
                if not binding.priority and await self.app.run_action(binding.action, node):
                    return True
            if node.is_modal:
                break
        return False

    async def action_submit(self) -> None:
        # The owner acts on Submitted once it has bubbled up to it; keys behind the Enter
        # wait until then, so that they reach what the owner focuses next (or this field).
        self._held = []
        await super().action_submit()
        if not self.call_later(self._behind_submitted, self):
            self._release()

    def _behind_submitted(self, node: DOMNode) -> None:
        """Follow the Submitted message up, one message queue after it at a time, and
        release the held keys at the app: by then every handler on the way has acted on it,
        and a focus it moved (``focus()`` is a callback queued on the app) is set before
        the keys come. (Released after the next repaint, they could overtake Submitted on a
        busy machine: the Enter that opens the stack went to the filter again.)"""
        parent = node.parent
        if parent is None or not parent.call_later(self._behind_submitted, parent):
            self._release()

    def _release(self) -> None:
        held, self._held = self._held or [], None
        for event in held:
            self._pass_on(event)

    def _pass_on(self, event: events.Key) -> None:
        event.stop()
        event.prevent_default()
        if self._held is not None:
            self._held.append(event)
            return
        # When it was typed: a dialog opened since refuses it.
        self.app.post_message(retyped(event))
