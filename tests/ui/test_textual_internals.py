"""The private Textual names the app relies on are fenced into one module
(:mod:`kubectl_stack.ui.textual_internals`): these tests fail loudly when a Textual upgrade
removes one of them, or when another module starts using one."""

from __future__ import annotations

import ast
import importlib
import inspect
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import textual
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey

from kubectl_stack.ui import textual_internals as internals
from kubectl_stack.ui.screens.stack import StackScreen

from .conftest import Captured, memory_app, settle, until, until_text

PACKAGE = Path(internals.__file__).resolve().parents[1]  # kubectl_stack/
FENCE = Path(internals.__file__).resolve()


def _resolve(dotted: str) -> Any:
    module, _, name = dotted.rpartition(".")
    try:
        return importlib.import_module(dotted)
    except ImportError:
        return getattr(importlib.import_module(module), name)


@cache
def _instance_names(cls: type) -> frozenset[str]:
    """Attribute names a Textual class sets on ``self`` or declares in its body."""
    names: set[str] = set(vars(cls))
    try:
        tree = ast.parse(inspect.getsource(cls))
    except (OSError, TypeError):
        return frozenset(names)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "self"
        ):
            names.add(node.attr)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return frozenset(names)


def _defines(cls: type, name: str) -> bool:
    return any(name in _instance_names(base) for base in cls.__mro__)


@pytest.mark.parametrize(("where", "names"), sorted(internals.USED.items()))
def test_every_private_textual_name_used_still_exists(where: str, names: tuple[str, ...]) -> None:
    found = _resolve(where)
    missing = [
        n
        for n in names
        if not (hasattr(found, n) or (inspect.isclass(found) and _defines(found, n)))
    ]
    assert not missing, (
        f"Textual {textual.__version__} no longer has {where}.{missing}: "
        "kubectl_stack/ui/textual_internals.py must follow it (and the pin in pyproject.toml)"
    )


def _textual_privates(cls: type) -> frozenset[str]:
    """Private (single-underscore) names the Textual classes in ``cls``'s MRO define."""
    out: set[str] = set()
    for base in cls.__mro__:
        if base.__module__.split(".")[0] == "textual":
            out |= {
                n for n in _instance_names(base) if n.startswith("_") and not n.startswith("__")
            }
    return frozenset(out)


_COMMON = (
    "textual.app.App",
    "textual.screen.Screen",
    "textual.widget.Widget",
    "textual.widgets.DataTable",
    "textual.widgets.Input",
    "textual.widgets.Footer",
    "textual.driver.Driver",
    "textual.drivers.linux_driver.LinuxDriver",
    "textual.message.Message",
    "textual.binding.BindingsMap",
)
_COMMON_PRIVATES = frozenset().union(*(_textual_privates(_resolve(c)) for c in _COMMON))
"""Private names of the Textual classes the app handles: reaching one through another object
(``node._bindings``, ``super()._broker_event``) is as private as through ``self``."""


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if p.resolve() != FENCE)


def _dotted(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def test_no_module_but_the_fence_uses_a_private_textual_name() -> None:
    """No import from a ``textual._*`` module, no private attribute of Textual reached
    through ``super()`` or another object, and no class of ours (a subclass of a Textual
    class) reading, setting or overriding a private name its Textual bases define, outside
    ``textual_internals.py``."""
    found: list[str] = []
    for path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        where = path.relative_to(PACKAGE.parent)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("textual._"):
                found.append(f"{where}:{node.lineno}: from {node.module} import")
            elif isinstance(node, ast.Import):
                found += [
                    f"{where}:{node.lineno}: import {a.name}"
                    for a in node.names
                    if a.name.startswith("textual._")
                ]
            elif (
                isinstance(node, ast.Attribute)
                and node.attr in _COMMON_PRIVATES
                and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))
            ):
                found.append(f"{where}:{node.lineno}: .{node.attr} of another object")
        if "textual" not in path.read_text(encoding="utf-8"):
            continue
        module = importlib.import_module(_dotted(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.ClassDef):
                continue
            cls = getattr(module, node.name, None)
            if not inspect.isclass(cls):
                continue
            private = _textual_privates(cls)
            if not private:
                continue
            for inner in ast.walk(node):
                name = None
                if isinstance(inner, ast.Attribute) and inner.attr in private:
                    name = inner.attr
                elif isinstance(inner, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    name = inner.name if inner.name in private else None
                elif isinstance(inner, ast.AnnAssign) and isinstance(inner.target, ast.Name):
                    name = inner.target.id if inner.target.id in private else None
                if name is not None:
                    found.append(f"{where}:{inner.lineno}: {node.name} uses Textual's {name}")
    assert not found, "private Textual names outside textual_internals.py:\n" + "\n".join(found)


class _TableApp(App[None]):
    BINDINGS = [Binding("x", "bell", "Bell")]

    def compose(self) -> ComposeResult:
        yield DataTable()


async def test_the_fenced_helpers_still_do_what_the_table_and_keys_rely_on() -> None:
    """What each helper promises, on the installed Textual: a cell written in place is the
    table's cell, a reorder moves rows (and says which lines in view now show another row),
    a node's own bindings are listed by key."""
    app = _TableApp()
    async with app.run_test() as pilot:
        table: DataTable[Text] = app.query_one(DataTable)
        table.add_column("a", key="a")
        for key in ("one", "two", "three"):
            table.add_row(Text(key), key=key)
        await pilot.pause()
        internals.row_data(table, "two")[ColumnKey("a")] = Text("TWO")
        internals.invalidate_lines(table)
        assert table.get_cell("two", "a").plain == "TWO"
        assert internals.reorder_rows(table, ["three", "two", "one"], range(3)) == [0, 2]
        assert internals.row_line(table, "three") == 0
        assert [table.get_row_at(i)[0].plain for i in range(3)] == ["three", "TWO", "one"]
        assert [b.action for b in internals.keys_of(app)["x"]] == ["bell"]


async def test_a_footer_built_anew_restyles_none_of_its_keys(
    frozen_seed: Captured, restyled: list[tuple[Any, tuple[int, int]]]
) -> None:
    """Textual's footer key widgets default to compact and the footer binds them to its own
    value: before ``quiet_footer_key``, each key of each footer built (a start, every stack
    opened) was restyled twice, once for the default and once for the binding."""
    app, _ = memory_app(frozen_seed)
    async with app.run_test(size=(80, 24)) as pilot:
        await until_text(pilot, "my-app")
        before = {id(key) for key in app.screen.query("FooterKey")}
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, StackScreen), "the stack screen")
        await settle(pilot)
        keys = list(app.screen.query("FooterKey"))
        assert keys and not any(id(key) in before for key in keys)  # a footer built anew
        assert [node for node, _ in restyled if node in keys] == []
