"""The only module that touches private Textual names (``_data``, ``_row_locations``,
``textual._xterm_parser``, ``App._register``, ``App._broker_event`` ...).

Each is a debt taken on for a reason given where it is used; here each gets one small function
with a public name, so the rest of the app reads like ordinary Textual and a Textual upgrade
breaks in one place. ``tests/ui/test_textual_internals.py`` checks every name used here still
exists in the installed Textual (the pin in ``pyproject.toml`` is the minor range tested), and
that no other module of the package uses a private Textual name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import IO, Any, TypeVar

from textual import events
from textual._two_way_dict import TwoWayDict
from textual._xterm_parser import XTermParser
from textual.app import App
from textual.binding import Binding
from textual.dom import DOMNode
from textual.driver import Driver
from textual.reactive import Reactive
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable, Footer, Input
from textual.widgets.data_table import ColumnKey, RowKey

__all__ = [
    "ContentActionHook",
    "KeyFirstInput",
    "XTermParser",
    "app_of",
    "debug_of",
    "driver_output",
    "footer_ready",
    "invalidate_lines",
    "keys_of",
    "mount_screen_now",
    "quiet_footer_key",
    "reorder_rows",
    "retyped",
    "row_data",
    "row_line",
    "set_driver_output",
    "writer_thread_of",
    "skip_restyle",
    "widths_changed",
]

ReturnType = TypeVar("ReturnType")

USED = {
    "textual._two_way_dict": ("TwoWayDict",),
    "textual._xterm_parser": ("XTermParser",),
    "textual.widgets.DataTable": (
        "_data",
        "_update_count",
        "_row_locations",
        "_require_update_dimensions",
    ),
    "textual.dom.DOMNode": ("_bindings",),
    "textual.binding.BindingsMap": ("key_to_bindings",),
    "textual.app.App": ("_register", "_broker_event"),
    "textual.driver.Driver": ("_app", "_debug"),
    "textual.drivers.linux_driver.LinuxDriver": ("_file", "_writer_thread"),
    "textual.events.ScreenResume": ("refresh_styles",),
    "textual.message.Message": ("time",),
    "textual.widgets.Input": ("_on_key",),
    "textual.widgets.Footer": ("_bindings_ready",),
}
"""Every private name (module: attributes) this module relies on: the contract test's list."""


# -- DataTable: keyed diffs without a full repaint -----------------------------------------------


def row_data(table: DataTable[Any], key: str) -> dict[ColumnKey, Any]:
    """Row ``key``'s cells by column, to write in place. ``DataTable.update_cell`` repaints
    the whole table for every cell; writing here and repainting the changed rows does not.
    Follow with :func:`invalidate_lines`."""
    data: dict[ColumnKey, Any] = table._data[RowKey(key)]
    return data


def invalidate_lines(table: DataTable[Any]) -> None:
    """Drop the table's rendered-line caches (keyed by its update count) after cells or the
    row order were changed in place."""
    table._update_count += 1


def row_line(table: DataTable[Any], key: str) -> int | None:
    """The line row ``key`` is shown on (None: no such row)."""
    line: int | None = table._row_locations.get(RowKey(key))
    return line


def reorder_rows(table: DataTable[Any], keys: Sequence[str], lines: range) -> list[int]:
    """Show the rows in the order ``keys`` (every row key, once) without moving their data;
    returns the lines among ``lines`` that now show another row (the ones to repaint).
    DataTable.sort compares every cell and repaints every line."""
    before = table._row_locations
    after = TwoWayDict({RowKey(key): line for line, key in enumerate(keys)})
    table._row_locations = after
    invalidate_lines(table)
    moved = []
    for line in lines:
        key = after.get_key(line)
        if key is not None and before.get_key(line) != key:
            moved.append(line)
    return moved


def widths_changed(table: DataTable[Any]) -> None:
    """Have the table recompute its scrollable size from its columns' widths (set directly)
    on its next idle."""
    table._require_update_dimensions = True


# -- bindings and keys ---------------------------------------------------------------------------


def keys_of(node: DOMNode) -> Mapping[str, list[Binding]]:
    """``node``'s own bindings by key, after any keymap (App.set_keymap): Textual has no
    public view of one node's bindings."""
    bindings: Mapping[str, list[Binding]] = node._bindings.key_to_bindings
    return bindings


def retyped(event: events.Key) -> events.Key:
    """A new Key event for the same key, stamped with the time ``event`` was typed, to be
    posted again (a dialog opened since compares that time with its own)."""
    again = events.Key(event.key, event.character)
    again.time = event.time
    return again


class KeyFirstInput(Input):
    """An ``Input`` that sees each key before ``Input``'s own key handler: Textual calls the
    ``_on_key`` of every class in the MRO, subclass first, until one prevents the default."""

    async def _on_key(self, event: events.Key) -> None:
        await self.take_key(event)

    async def take_key(self, event: events.Key) -> None:
        """Handle ``event`` first; ``event.prevent_default()`` keeps it from ``Input``."""


def footer_ready(footer: Footer) -> bool:
    """Whether the footer has had the screen's bindings (its keys are composed from them)."""
    return bool(footer._bindings_ready)


def quiet_footer_key(widget: Widget, *, compact: bool) -> None:
    """Give a footer key widget its footer's ``compact`` before it mounts. Its own default is
    the other value, so mounting it restyled it twice (its watcher adds the class, the
    footer's binding removes it): two restyles per key, every time the footer is rebuilt."""
    reactive = getattr(type(widget), "compact", None)
    if isinstance(reactive, Reactive):
        widget.set_reactive(reactive, compact)


# -- screens -------------------------------------------------------------------------------------


def mount_screen_now(app: App[Any], screen: Screen[Any]) -> None:
    """Mount an installed screen ahead of its first push (Textual 8's own step for that), so
    the first push shows it without building it."""
    app._register(app, screen)


def skip_restyle(event: events.ScreenResume) -> None:
    """Have Textual not restyle the whole screen on this resume (its styles are current)."""
    event.refresh_styles = False


class ContentActionHook(App[ReturnType]):
    """An App whose actions found in content (a segment's ``@click`` meta) go through
    :meth:`content_action` first. Every click, mouse-down and mouse-up on a widget reaches
    ``App._broker_event``; Textual has no public hook for it."""

    def content_action(self, event_name: str, event: events.Event, namespace: DOMNode) -> bool:
        """True when the event was dealt with here (Textual then runs no action); False lets
        Textual run the content's action as it would."""
        return False

    async def _broker_event(
        self, event_name: str, event: events.Event, default_namespace: DOMNode
    ) -> bool:
        if self.content_action(event_name, event, default_namespace):
            return True
        return await super()._broker_event(event_name, event, default_namespace)


# -- the driver ----------------------------------------------------------------------------------


def app_of(driver: Driver) -> App[Any]:
    """The app a driver feeds."""
    app: App[Any] = driver._app
    return app


def debug_of(driver: Driver) -> bool:
    """Whether the driver was started in debug mode (its parser logs then)."""
    return bool(driver._debug)


def driver_output(driver: Driver) -> IO[str] | None:
    """The file a Linux driver draws to (``sys.__stderr__``)."""
    file: IO[str] | None = getattr(driver, "_file", None)
    return file


def set_driver_output(driver: Driver, file: Any) -> None:
    """Have a Linux driver draw to ``file`` instead (set before its writer thread starts)."""
    driver._file = file  # type: ignore[attr-defined]


def writer_thread_of(driver: Driver) -> Any:
    """A Linux driver's output thread (None before it starts): ``write("")`` wakes it."""
    return getattr(driver, "_writer_thread", None)
