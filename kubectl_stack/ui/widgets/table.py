"""A DataTable that is updated by keyed diffs, never cleared and rebuilt.

Rebuilding a table loses the cursor and the scroll position, which is exactly what a person
watching a rollout must not lose; :meth:`KeyedTable.sync` adds, updates and removes rows by key
inside one ``batch_update`` and keeps the cursor on the same row key.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from rich.text import Text
from textual import events
from textual.message import Message
from textual.widgets import DataTable, Static
from textual.widgets.data_table import CellDoesNotExist, ColumnKey, RowDoesNotExist

from .. import textual_internals as internals
from ..glyphs import GLYPHS
from ..presenters.style import draws_same

# Text only: DataTable reads a str cell as markup, and cells carry cluster strings (see
# ui.presenters.text, the untrusted-text boundary).
Cell = Text
SortKey = Callable[[Any], Any]


class KeyedTable(DataTable[Cell]):
    """A read-only table whose rows are identified by string keys."""

    DEFAULT_CSS = """
    KeyedTable { height: 1fr; }
    """

    def __init__(
        self,
        columns: Sequence[tuple[str, str]],
        *,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes, cursor_type="row", zebra_stripes=False)
        self._column_spec = [(key, GLYPHS.text(label)) for key, label in columns]
        self._rows: dict[str, tuple[Cell, ...]] = {}
        self._sort_keys: dict[str, Any] = {}
        self.sort_column: str | None = None
        self.sort_reverse = False

    class Resized(Message):
        """The table took a new size (its tab was shown, the terminal resized): which of its
        columns are cut changed."""

        def __init__(self, table: KeyedTable) -> None:
            super().__init__()
            self.table = table

    def on_mount(self) -> None:
        self._ensure_columns()

    def on_resize(self, _: events.Resize) -> None:
        self.post_message(self.Resized(self))

    def _ensure_columns(self) -> None:
        # Screens may sync before this widget's own mount handler ran.
        if not self.columns:
            for key, label in self._column_spec:
                self.add_column(label, key=key)

    def reset(self) -> None:
        """No rows, no sort, cursor and scroll on top: as new, columns kept."""
        self.clear()
        self._rows.clear()
        self._sort_keys = {}
        self.sort_column = None
        self.sort_reverse = False

    @property
    def column_keys(self) -> list[str]:
        return [key for key, _ in self._column_spec]

    @property
    def selected_key(self) -> str | None:
        """The key of the row under the cursor, or None for an empty table."""
        if not self.row_count:
            return None
        try:
            row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        except CellDoesNotExist:
            return None
        return None if row_key.value is None else str(row_key.value)

    def sync(
        self,
        rows: Mapping[str, Sequence[Cell]],
        *,
        order: Mapping[str, Any] | None = None,
    ) -> None:
        """Make the table show ``rows`` (key -> cells, in column order).

        ``order`` gives each key a sort value used when no column sort was chosen (rows are
        otherwise kept in insertion order). Changed cells are updated in place.
        """
        self._ensure_columns()
        selected = self.selected_key
        columns = self.column_keys
        # Column -> (old, new) cells that changed in it: what the widths are refitted from.
        changed: dict[str, list[tuple[Cell, Cell]]] = {}
        changed_rows: list[str] = []
        reshaped = False
        with self.app.batch_update():
            for key in [k for k in self._rows if k not in rows]:
                del self._rows[key]
                self.remove_row(key)
                reshaped = True
            for key, cells in rows.items():
                new = tuple(cells)
                old = self._rows.get(key)
                if old is new:  # the caller reuses the cells of unchanged rows
                    continue
                if old is None:
                    self.add_row(*new, key=key)
                    reshaped = True
                else:
                    differ = [
                        (column, before, after)
                        for column, before, after in zip(columns, old, new, strict=True)
                        if not draws_same(before, after)
                    ]
                    if not differ:
                        # Equal cells built anew: the table keeps the ones it holds. Keeping
                        # ``new`` here while DataTable's rows hold ``old`` kept two copies of
                        # every row the churn had touched (bench/README.md, "The 100,000-pod
                        # soak").
                        continue
                    data = internals.row_data(self, key)
                    for column, after in zip(columns, new, strict=True):
                        # Every cell, equal ones too: DataTable holds the cells kept here.
                        data[ColumnKey(column)] = after
                    for column, before, after in differ:
                        changed.setdefault(column, []).append((before, after))
                    changed_rows.append(key)
                self._rows[key] = new
            if changed_rows:
                # DataTable.update_cell repaints the whole table for every cell; repainting
                # only the changed rows (nothing for rows out of view) is what keeps a big
                # cluster's churn from redrawing, and resending, every visible line.
                internals.invalidate_lines(self)
                self._repaint(changed_rows)
            self._fit(changed, reshaped)
            order = dict(order or {})
            resort = (
                reshaped
                or (self.sort_column is None and order != self._sort_keys)
                or (self.sort_column is not None and self.sort_column in changed)
            )
            self._sort_keys = order
            if resort:
                if reshaped:
                    self._apply_sort()
                else:
                    self._reorder()
            if selected is not None:
                self._restore_cursor(selected)

    def cut_columns(self) -> list[str]:
        """Keys of the columns not wholly in view at the table's width and horizontal scroll
        (all of them before the table is laid out)."""
        left = int(self.scroll_x)
        right = left + self.scrollable_content_region.width
        x = 0
        cut: list[str] = []
        for key, column in zip(self.column_keys, self.ordered_columns, strict=False):
            width = column.get_render_width(self)
            # A column's right padding may fall outside.
            if x < left or x + width - self.cell_padding > right:
                cut.append(key)
            x += width
        return cut

    def cells_of(self, key: str, columns: Sequence[str]) -> list[tuple[str, Cell]]:
        """(column label, cell) of row ``key`` in ``columns``, in column order."""
        row = self._rows.get(key)
        if row is None:
            return []
        return [
            (label, row[i])
            for i, (column, label) in enumerate(self._column_spec)
            if column in columns
        ]

    def visible_keys(self) -> list[str]:
        """Keys of the rows in view (the cursor's scroll position and the widget's height)."""
        top = int(self.scroll_y)
        return [str(row.key.value) for row in self.ordered_rows[top : top + self.size.height]]

    def set_cells(self, column: str, cells: Mapping[str, Cell]) -> None:
        """Write ``column``'s cell of the rows in ``cells`` (key -> cell) where it differs
        from what is shown; only those rows are repainted."""
        index = self.column_keys.index(column)
        changed: list[str] = []
        cells_changed: list[tuple[Cell, Cell]] = []
        for key, cell in cells.items():
            old = self._rows.get(key)
            if old is None or draws_same(old[index], cell):
                continue
            self._rows[key] = (*old[:index], cell, *old[index + 1 :])
            internals.row_data(self, key)[ColumnKey(column)] = cell
            changed.append(key)
            cells_changed.append((old[index], cell))
        if not changed:
            return
        internals.invalidate_lines(self)
        self._repaint(changed)
        self._fit({column: cells_changed}, reshaped=False)

    def _in_view(self) -> range:
        """Row indexes in view (rows are one line high)."""
        top = int(self.scroll_y)
        return range(top, top + self.size.height)

    def _repaint(self, keys: Sequence[str]) -> None:
        """Repaint the rows ``keys`` that are in view; the others are drawn anew when they
        scroll in (the table's line caches are keyed by its update count)."""
        view = self._in_view()
        for key in keys:
            index = internals.row_line(self, key)
            if index is not None and index in view:
                self.refresh_row(index)

    def _fit(self, changed: Mapping[str, Sequence[tuple[Cell, Cell]]], reshaped: bool) -> None:
        """Size columns to their widest cell: every column when rows came or went, else the
        columns in ``changed`` (column -> its (old, new) cells), from those cells alone
        unless one of the widest cells changed. DataTable's own deferred width update
        (update_cell(update_width=True)) was seen to leave a column at its label's width
        now and then; cells here are single lines, so measuring them is cheap."""
        if not changed and not reshaped:
            return
        keys = self.column_keys
        resized = reshaped
        for column in self.columns.values():
            key = str(column.key.value)
            cells = changed.get(key)
            if not reshaped and not cells:
                continue
            width = column.content_width
            if reshaped or any(_width(before) >= width for before, _ in cells or ()):
                index = keys.index(key)
                width = max(
                    [column.label.cell_len, *(_width(row[index]) for row in self._rows.values())]
                )
            else:
                width = max(width, *(_width(after) for _, after in cells or ()))
            if column.content_width != width:
                column.content_width = width
                # DataTable recomputes its scrollable size from the widths on its next idle.
                internals.widths_changed(self)
                resized = True
        if resized:
            self.refresh()

    def sort_by(self, column: str | None, reverse: bool = False) -> None:
        """Sort by a column's text (None = the default urgency order); the cursor stays on
        its row."""
        selected = self.selected_key
        self.sort_column = column
        self.sort_reverse = reverse
        self._apply_sort()
        if selected is not None:
            self._restore_cursor(selected)

    def _ordered(self) -> list[str]:
        """Row keys in line order: the default urgency order (``order`` of the last sync) or
        the chosen column's text, natural order, maybe reversed."""
        if self.sort_column is None:
            order = self._sort_keys
            ranked = sorted(self._rows, key=lambda k: (0, order[k]) if k in order else (1, k))
        else:
            index = self.column_keys.index(self.sort_column)
            ranked = sorted(self._rows, key=lambda k: _natural(self._rows[k][index]))
            if self.sort_reverse:
                ranked.reverse()
        return ranked

    def _apply_sort(self) -> None:
        internals.reorder_rows(self, self._ordered(), range(0))
        self.refresh()

    def _reorder(self) -> None:
        """Re-sort the same rows, repainting only the lines in view that now show another
        row: a full sort repainted (and resent) every visible line whenever the order moved,
        even far out of view in a big list."""
        for line in internals.reorder_rows(self, self._ordered(), self._in_view()):
            self.refresh_row(line)

    def select_key(self, key: str) -> None:
        """Put the cursor on row ``key`` if it exists."""
        self._restore_cursor(key)

    def _restore_cursor(self, key: str) -> None:
        try:
            index = self.get_row_index(key)
        except RowDoesNotExist:
            return
        if index != self.cursor_row:
            self.move_cursor(row=index, animate=False, scroll=False)


def _width(cell: Cell) -> int:
    return cell.cell_len


def _natural(cell: Cell) -> tuple[Any, ...]:
    text = cell.plain
    head = text.strip().split(" ")[0].split("/")[0]
    try:
        return (0, float(head), text)
    except ValueError:
        return (1, 0.0, text.lower())


class DetailLine(Static):
    """The row under a table's cursor in the columns the table does not show or its width
    cuts off, as ``LABEL value`` pairs; hidden when there are none."""

    DEFAULT_CSS = """
    DetailLine { height: auto; max-height: 3; color: $text-muted; }
    DetailLine.-empty { display: none; }
    """

    _shown: Text | None = None

    def show(self, cells: Sequence[tuple[str, Cell]]) -> None:
        """Show (label, cell) pairs; cells are shown as text, never as markup."""
        text = Text()
        for label, cell in cells:
            if text:
                text.append("  ")
            text.append(f"{label} ", style="bold")
            text.append_text(cell)
        self.set_class(not text, "-empty")
        if text != self._shown:
            self._shown = text
            # A fixed height needs no layout pass (it would repaint every scrollbar).
            height = self.styles.height
            self.update(text, layout=height is None or height.is_auto)
