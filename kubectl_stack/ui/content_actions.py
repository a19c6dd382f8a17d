"""Defence in depth behind the untrusted-text boundary: no action runs from content.

Textual runs the action named in a segment's style (``[@click=app.quit]`` markup sets
``{"@click": "app.quit"}`` in its meta) when that segment is clicked, whatever action it
names: quitting, pausing a Deployment, writing a screenshot where the text chose. Cluster
strings never become markup (:mod:`.presenters.text`), and the app draws no such actions of
its own: its actions run from key bindings and from dialogs' buttons, which are widgets with
their own click handlers. So any action found in content is refused here, all of them,
rather than sorted into harmless and harmful ones. The one exception is Textual's scrollbars,
which draw themselves (no content of ours or the cluster's) and are dragged through such
actions (``grab``, ``scroll_up``, ``scroll_down``).

The hook is :class:`~.textual_internals.ContentActionHook` (Textual has no public one;
``tests/ui/test_hostile_text.py`` clicks such content and fails if a Textual upgrade moves it).
"""

from __future__ import annotations

from typing import Any, TypeVar

from textual import events, log
from textual.dom import DOMNode
from textual.scrollbar import ScrollBar

from .textual_internals import ContentActionHook

ReturnType = TypeVar("ReturnType")


class NoContentActions(ContentActionHook[ReturnType]):
    """An app on which clicking content never runs an action."""

    refused_content_actions: list[str]
    """The actions refused (for tests and the log)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.refused_content_actions = []

    def content_action(self, event_name: str, event: events.Event, namespace: DOMNode) -> bool:
        if isinstance(namespace, ScrollBar):
            return False  # Textual's own scrollbar actions
        style = getattr(event, "style", None)
        action = None if style is None else style.meta.get(f"@{event_name}")
        if action is None:
            return False
        event.stop()
        self.refused_content_actions.append(str(action))
        log.warning(f"refused the action {action!r} found in content ({event_name})")
        return True
