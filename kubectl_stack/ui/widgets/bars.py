"""One-line widgets shared by the screens: the title bar, the connection banner and the
footer of keys."""

from __future__ import annotations

import time
from typing import Any

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Static

from ..glyphs import GLYPHS
from ..presenters.text import shown
from ..textual_internals import footer_ready, quiet_footer_key


class TopBar(Static):
    """``kubectl stack  ctx X  ns Y  ● live  12:04:31`` — where am I, is it live (or
    ``○ stale since 12:03:58``)."""

    DEFAULT_CSS = """
    TopBar { height: 1; background: $panel; color: $text; padding: 0 1; }
    """

    _shown: str | None = None

    def show(
        self, context: str, namespace: str, state: str, now: float | None, extra: str = ""
    ) -> None:
        """``state``: ``● live`` or what stands instead; ``now`` None leaves the clock out."""
        parts = ["kubectl stack", f"ctx {context}", f"ns {namespace}", state]
        if extra:
            parts.append(extra)
        if now is not None:
            parts.append(time.strftime("%H:%M:%S UTC", time.gmtime(now)))
        text = GLYPHS.text("   ".join(parts))
        # Called every second: no repaint unless the printed text changes, and no layout
        # (one line high always; a layout pass repaints every scrollbar on the screen).
        if text != self._shown:
            self._shown = text
            self.update(shown(text), layout=False)


class Banner(Static):
    """The connection trouble banner; hidden while the watches are healthy."""

    DEFAULT_CSS = """
    Banner { height: auto; background: $warning; color: $text; padding: 0 1; display: none; }
    Banner.-shown { display: block; }
    """

    _shown: str | None = None

    def show(self, text: str | None) -> None:
        """``text`` None hides the banner."""
        self.set_class(text is not None, "-shown")
        text = None if text is None else GLYPHS.text(text)
        if text != self._shown:
            self._shown = text
            self.update(shown(text or ""))


class KeysFooter(Footer):
    """Textual's footer, rebuilt only when the keys it shows change. Textual's rebuilds all
    its key widgets whenever the screen's bindings are recomputed (every focus change): six
    times per Stack screen opened and closed, for the same keys. The Help key is pinned to
    the right end, so a narrow terminal cuts other keys, never ``? Help``."""

    DEFAULT_CSS = """
    KeysFooter FooterKey.-pinned { dock: right; }
    """

    _composed: tuple[Any, ...] | None = None

    @staticmethod
    def _keys(screen: Screen[Any]) -> tuple[Any, ...]:
        return tuple(
            (binding, enabled, tooltip, _unavailable(screen, binding.action))
            for (_, binding, enabled, tooltip) in screen.active_bindings.values()
            if binding.show
        )

    def compose(self) -> ComposeResult:
        self._composed = self._keys(self.screen) if footer_ready(self) else None
        for widget in super().compose():
            # The footer's key widgets carry their binding's action (FooterKey is private). A
            # key the user may not use (RBAC) is shown dimmed; pressing it says why.
            action = getattr(widget, "action", None)
            if isinstance(action, str) and _unavailable(self.screen, action):
                widget.disabled = True
            if action == "help":
                widget.add_class("-pinned", update=False)  # styled when it mounts
            quiet_footer_key(widget, compact=self.compact)
            yield widget

    def bindings_changed(self, screen: Screen[Any]) -> None:
        if not self._unchanged(screen):
            super().bindings_changed(screen)

    async def recompose(self) -> None:
        # Textual queues one rebuild per bindings change: several come at once while a
        # screen mounts and takes its focus, and all but the first find the keys as shown.
        if self.is_attached and not self._unchanged(self.screen):
            await super().recompose()

    def _unchanged(self, screen: Screen[Any]) -> bool:
        """Whether the footer shows ``screen``'s keys as they are now."""
        same = self._composed is not None and screen is self.screen
        return same and self._keys(screen) == self._composed


def _unavailable(screen: Screen[Any], action: str) -> str | None:
    """The screen's reason why ``action`` may not be used (``ClusterScreen.unavailable``)."""
    unavailable = getattr(screen, "unavailable", None)
    return unavailable(action) if callable(unavailable) else None
