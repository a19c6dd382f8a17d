"""One-line widgets shared by the screens: the title bar and the connection banner."""

from __future__ import annotations

import time

from textual.widgets import Static


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
            self.update(text, layout=False)


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
            self.update(text or "")
