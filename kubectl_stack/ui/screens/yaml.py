"""YAML or describe view of one object. Secret data is always redacted (by the model).

The YAML is the cached object's, drawn again when it changes; for a kind the store keeps
trimmed (:mod:`kube.trim`: pods), the whole object is read from the API server instead,
in a worker, each time the cached one changes, so the view never omits what the server holds.

Describe is ``kubectl describe`` itself (:mod:`kube.describe`), run in a worker: the screen
shows kubectl's text verbatim as plain text, runs it again when what it describes changes (the
object, its events), and says in one line when kubectl is absent or fails.
"""

from __future__ import annotations

import time

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from ...kube import trim
from ..presenters import objects as present_objects
from ..presenters.text import document, fmt, shown
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
        Binding("left,h", "scroll('left')", "Left", show=False, id="object.left"),
        Binding("right,l", "scroll('right')", "Right", show=False, id="object.right"),
    ]

    def __init__(self, kind: str, namespace: str, name: str, *, mode: str = "yaml") -> None:
        super().__init__()
        self.kind = kind
        self.namespace = namespace
        self.name_ = name
        self.mode = mode
        self.title = f"{kind} {name}"
        self.described: Text | None = None
        """The describe text or error shown (None: kubectl has not answered yet)."""
        self._described_inputs: tuple[str, ...] | None = None
        self._described_at = ""
        self._yaml_of: object | None = None
        """The cached object whose YAML is on screen (or was read again from the server)."""
        self._fetched_at = ""

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
        self.query_one("#object-body").set_class(self.mode == "describe", "-describe")
        if self.mode == "describe":
            self._refresh_describe()
        else:
            # The YAML depends on the object alone: drawn again only when it changed, not on
            # every 1 s tick (a big object took seconds to lay out).
            obj = present_objects.cached_object(self.source, self.kind, self.namespace, self.name_)
            trimmed = trim.trims(present_objects.store_kind(self.kind))
            if trimmed and obj is not None:
                if obj is not self._yaml_of:
                    self._yaml_of = obj
                    self._fetched_at = ""
                    # A read already under way is replaced: its answer would be older.
                    self.run_worker(self._fetch(), group="fetch", exclusive=True)
                self._show_title(self._fetched_at or " · reading it from the API server…")
            else:
                self._show_title("")
                if obj is None or obj is not self._yaml_of:
                    self.query_one("#object-body", Static).update(
                        present_objects.yaml_of(self.kind, self.name_, obj)
                    )
                    self._yaml_of = obj
        self.update_top_bar()

    async def _fetch(self) -> None:
        obj = await self.source.fetch(self.kind, self.namespace, self.name_)
        at = time.strftime("%H:%M:%S UTC", time.gmtime(self.stack_app.now()))
        self._fetched_at = f" · {'failed' if isinstance(obj, str) else 'read'} at {at}"
        if self.mode == "yaml" and self.is_mounted:
            self.query_one("#object-body", Static).update(
                present_objects.yaml_of(self.kind, self.name_, obj)
            )
            self._show_title(self._fetched_at)

    def _show_title(self, extra: str) -> None:
        title = fmt("{} · {}/{} · ns {}", self.mode, self.kind.lower(), self.name_, self.namespace)
        self.query_one("#object-title", Static).update(title.append_text(shown(extra)))

    # -- describe -----------------------------------------------------------------------------

    def _refresh_describe(self) -> None:
        inputs = self.source.describe_inputs(self.kind, self.namespace, self.name_)
        if inputs != self._described_inputs:
            self._described_inputs = inputs
            # A run already under way is replaced: its answer would describe older state.
            self.run_worker(self._describe(), group="describe", exclusive=True)
        if self.described is None:
            self._show_title(" · running kubectl describe…")
            self.query_one("#object-body", Static).update("")
        else:
            self._show_title(f" · kubectl describe {self._described_at}")

    async def _describe(self) -> None:
        result = await self.source.describe(self.kind, self.namespace, self.name_)
        at = time.strftime("%H:%M:%S UTC", time.gmtime(self.stack_app.now()))
        if result.error:
            self.described = shown(result.error)
            self._described_at = f"failed at {at}"
        else:
            # kubectl's own text, its lines through the sanitiser (line breaks kept).
            self.described = Text(document(result.text), no_wrap=True, overflow="ignore")
            self._described_at = f"at {at}"
        if self.mode == "describe" and self.is_mounted:
            self.query_one("#object-body", Static).update(self.described)
            self._show_title(f" · kubectl describe {self._described_at}")

    # -- keys ---------------------------------------------------------------------------------

    def action_mode(self, mode: str) -> None:
        self.mode = mode
        self._yaml_of = None  # the body shows the other mode now: draw the YAML again
        if mode == "describe":
            self._described_inputs = None  # asked again: run kubectl again
            if self.described is not None:
                self.query_one("#object-body", Static).update(self.described)
        self.refresh_data()

    def action_scroll(self, direction: str) -> None:
        box = self.query_one("#object-box", VerticalScroll)
        getattr(box, f"scroll_{direction}")()

    def action_back(self) -> None:
        self.app.pop_screen()
