"""YAML or describe view of one object. Secret data is always redacted (by the model)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from .. import present
from ..presenters.text import fmt
from ..widgets.bars import Banner, KeysFooter, TopBar
from .base import ClusterScreen


class ObjectScreen(ClusterScreen):
    """``mode`` is ``yaml`` or ``describe``; ``y``/``d`` switch between them."""

    TITLE = "Object"
    BINDINGS = [
        Binding("escape", "back", "Back", id="object.back"),
        Binding("y", "mode('yaml')", "YAML", id="object.yaml"),
        Binding("d", "mode('describe')", "Describe", id="object.describe"),
        Binding("down,j", "scroll('down')", "Down", show=False, id="object.down"),
        Binding("up,k", "scroll('up')", "Up", show=False, id="object.up"),
    ]

    def __init__(self, kind: str, namespace: str, name: str, *, mode: str = "yaml") -> None:
        super().__init__()
        self.kind = kind
        self.namespace = namespace
        self.name_ = name
        self.mode = mode
        self.title = f"{kind} {name}"
        self._yaml_of: object | None = None
        """The object whose YAML is on screen."""

    def compose(self) -> ComposeResult:
        yield TopBar()
        yield Banner()
        yield Static(id="object-title")
        with VerticalScroll(id="object-box"):
            yield Static(id="object-body")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#object-box").focus()

    def refresh_data(self) -> None:
        self.query_one("#object-title", Static).update(
            fmt("{} · {}/{} · ns {}", self.mode, self.kind.lower(), self.name_, self.namespace)
        )
        # The YAML depends on the object alone (describe also on the clock): drawn again only
        # when it changed, not on every 1 s tick (a big object took seconds to lay out).
        obj = present.cached_object(self.source, self.kind, self.namespace, self.name_)
        if self.mode != "yaml" or obj is None or obj is not self._yaml_of:
            body = present.object_text(
                self.source, self.kind, self.namespace, self.name_, self.mode, self.stack_app.now()
            )
            self.query_one("#object-body", Static).update(body)
            self._yaml_of = obj if self.mode == "yaml" else None
        self.update_top_bar()

    def action_mode(self, mode: str) -> None:
        self.mode = mode
        self.refresh_data()

    def action_scroll(self, direction: str) -> None:
        box = self.query_one("#object-box", VerticalScroll)
        if direction == "down":
            box.scroll_down()
        else:
            box.scroll_up()

    def action_back(self) -> None:
        self.app.pop_screen()
