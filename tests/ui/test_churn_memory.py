"""What the Stacks screen holds under churn: one copy of each row's cells.

A pod change rebuilds its stack's row, with cells equal to the ones shown for every column
it did not change. The table kept the old cells and the screen the new ones: two copies of
every row the churn had touched, up to 10,000 rows at 100,000 pods (bench/README.md, "The
100,000-pod soak").
"""

from __future__ import annotations

from typing import Any

from rich.text import Text

from kubectl_stack.ui.presenters.style import reuse_cells
from kubectl_stack.ui.screens.stacks import StacksScreen
from kubectl_stack.ui.widgets.table import KeyedTable

from .conftest import Captured, memory_app, until, until_text


async def test_a_row_rebuilt_by_a_pod_change_keeps_the_cells_the_table_shows(
    frozen_seed: Captured,
) -> None:
    app, source = memory_app(frozen_seed)
    async with app.run_test(size=(80, 24)) as pilot:
        await until_text(pilot, "my-app")
        screen = app.screen
        assert isinstance(screen, StacksScreen) and screen.view is not None
        table = screen.query_one(KeyedTable)
        key = next(k for k in screen.view.rows if k.endswith("/my-app"))
        shown = table.get_row(key)
        # A change the row does not show: a label on one of its pods.
        pod = next(
            p
            for p in source.state.objects("pods").values()
            if p["metadata"]["name"].startswith("my-app-")
        )
        meta: dict[str, Any] = dict(pod["metadata"])
        meta["labels"] = {**meta.get("labels", {}), "churned": "yes"}
        meta["resourceVersion"] = f"{meta['resourceVersion']}1"
        before = screen.view
        assert source.state.upsert("pods", {**pod, "metadata": meta})
        await until(pilot, lambda: screen.view is not before, "the refresh after the change")
        held = table.get_row(key)  # what DataTable draws from
        kept = [cell for _, cell in table.cells_of(key, table.column_keys)]
        viewed = screen.view.rows[key]  # what the screen's presenter keeps
        assert [str(c) for c in held] == [str(c) for c in shown]
        # One copy of each cell: the very ones shown before the change.
        for column, cells in (("kept", kept), ("viewed", viewed), ("held", held)):
            assert all(a is b for a, b in zip(cells, shown, strict=True)), column


def test_reused_cells_are_those_that_draw_the_same() -> None:
    before = (Text("a"), Text("1/2", style="red"), Text("x"))
    same = (Text("a"), Text("1/2", style="red"), Text("x"))
    assert reuse_cells(before, same) is before
    # The base style alone differs: Text.__eq__ would call them equal, they draw apart.
    restyled = (Text("a"), Text("1/2", style="green"), Text("y"))
    kept = reuse_cells(before, restyled)
    assert kept[0] is before[0]
    assert kept[1] is restyled[1] and kept[2] is restyled[2]
    assert reuse_cells(before, same[:2]) == same[:2]


async def test_a_cell_that_changes_colour_alone_is_drawn_anew(frozen_seed: Captured) -> None:
    # Text.__eq__ leaves a cell's base style out: a state told by colour alone was kept old.
    app, _ = memory_app(frozen_seed)
    async with app.run_test(size=(80, 24)):
        table = KeyedTable([("name", "NAME"), ("ready", "READY")])
        await app.screen.mount(table)
        table.sync({"a": (Text("a"), Text("1/2", style="red"))})
        table.sync({"a": (Text("a"), Text("1/2", style="green"))})
        assert table.get_row("a")[1].style == "green"
        table.set_cells("ready", {"a": Text("1/2", style="blue")})
        assert table.get_row("a")[1].style == "blue"
