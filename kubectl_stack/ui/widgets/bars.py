"""One-line widgets shared by the screens: the title bar, the connection banner and the
footer of keys."""

from __future__ import annotations

import time
from typing import Any

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Static

from ..presenters.text import shown


class TopBar(Static):
    """``kubectl stack  ctx X  ns Y  ● live  12:04:31`` — where am I, is it live."""

    DEFAULT_CSS = """
    TopBar { height: 1; background: $panel; color: $text; padding: 0 1; }
    """

    _shown: str | None = None

    def show(
        self, context: str, namespace: str, live: bool, now: float | None, extra: str = ""
    ) -> None:
        """``now`` None leaves the clock out."""
        state = "● live" if live else "○ stale"
        parts = ["kubectl stack", f"ctx {context}", f"ns {namespace}", state]
        if extra:
            parts.append(extra)
        if now is not None:
            parts.append(time.strftime("%H:%M:%S UTC", time.gmtime(now)))
        text = "   ".join(parts)
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
        if text != self._shown:
            self._shown = text
            self.update(shown(text or ""))


class KeysFooter(Footer):
    """Textual's footer, rebuilt only when the keys it shows change. Textual's rebuilds all
    its key widgets whenever the screen's bindings are recomputed (every focus change): six
    times per Stack screen opened and closed, for the same keys."""

    _composed: tuple[Any, ...] | None = None

    @staticmethod
    def _keys(screen: Screen[Any]) -> tuple[Any, ...]:
        return tuple(
            (binding, enabled, tooltip)
            for (_, binding, enabled, tooltip) in screen.active_bindings.values()
            if binding.show
        )

    def compose(self) -> ComposeResult:
        self._composed = self._keys(self.screen) if self._bindings_ready else None
        yield from super().compose()

    def bindings_changed(self, screen: Screen[Any]) -> None:
        same = self._composed is not None and screen is self.screen
        if same and self._keys(screen) == self._composed:
            return
        super().bindings_changed(screen)
