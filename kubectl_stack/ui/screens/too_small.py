"""Shown instead of the app while the terminal is smaller than the app can use."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Static

MIN_WIDTH = 80
MIN_HEIGHT = 24


class TooSmallScreen(Screen[None]):
    """A plain notice with the size needed; the app pops it once the terminal is big enough.
    Only quit is bound, so nothing can be triggered blind."""

    BINDINGS = [("q,ctrl+c", "app.quit", "Quit")]

    def __init__(self, check_size: Callable[[], None]) -> None:
        """``check_size`` is called on every resize; it pops this screen when big enough."""
        super().__init__()
        self._check_size = check_size

    def compose(self) -> ComposeResult:
        yield Static(id="too-small-text")

    def on_mount(self) -> None:
        self.show_size()

    def on_resize(self) -> None:
        self.show_size()
        self._check_size()

    def show_size(self) -> None:
        width, height = self.app.size
        self.query_one("#too-small-text", Static).update(
            f"Terminal too small: {width}x{height}\n"
            f"kubectl stack needs at least {MIN_WIDTH}x{MIN_HEIGHT}.\n"
            "Enlarge the window, or press q to quit."
        )
