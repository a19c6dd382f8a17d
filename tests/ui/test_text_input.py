"""TextInput: a burst of keys (one read from the terminal) leaves a field exactly as the same
keys pressed one at a time do, whatever the keys; Textual's own Input does not."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from textual import events
from textual.app import App, ComposeResult
from textual.containers import Container
from textual.pilot import Pilot
from textual.widgets import Input

from kubectl_stack.ui.widgets.text_input import TextInput

EDITING = ["backspace", "ctrl+u", "ctrl+w", "left", "right", "home", "end", "delete", "ctrl+k"]
PRINTABLE = list("ab1 -²０")
KEYS = st.lists(st.sampled_from(EDITING + PRINTABLE), max_size=12)


class Fields(App[None]):
    """The fields ``makes`` builds, side by side on one screen."""

    def __init__(self, *makes: Callable[[], Input]) -> None:
        super().__init__()
        self.makes = makes

    def compose(self) -> ComposeResult:
        for make in self.makes:
            yield make()


def key(name: str) -> events.Key:
    return events.Key(name, name if len(name) == 1 else None)


async def type_into(pilot: Pilot[Any], field: Input, keys: list[str], *, burst: bool) -> str:
    """The value of ``field`` after ``keys``, in one burst or one at a time."""
    app = pilot.app
    field.focus()
    await pilot.pause()
    if burst:
        for name in keys:
            app.post_message(key(name))
    else:
        for name in keys:
            app.post_message(key(name))
            await pilot.pause()
    await pilot.pause()
    await asyncio.sleep(0.02)
    await pilot.pause()
    return field.value


async def typed(make: Callable[[], Input], keys: list[str], *, burst: bool) -> str:
    """The value of the field ``make`` builds after ``keys``, in one burst or one at a time."""
    app = Fields(make)
    async with app.run_test() as pilot:
        return await type_into(pilot, app.query_one(Input), keys, burst=burst)


@settings(max_examples=40, deadline=None)
@given(KEYS)
def test_a_burst_edits_a_field_as_the_same_keys_one_at_a_time(keys: list[str]) -> None:
    # One app per example, one field per way of typing (a new app per field and way took
    # four app starts an example).
    makes = [partial(TextInput, "x9", restrict=restrict) for restrict in (None, r"[0-9]*")]

    async def both() -> tuple[list[str], list[str]]:
        app = Fields(*makes, *makes)
        async with app.run_test() as pilot:
            fields = list(app.query(Input))
            burst = [await type_into(pilot, f, keys, burst=True) for f in fields[:2]]
            one_by_one = [await type_into(pilot, f, keys, burst=False) for f in fields[2:]]
            return burst, one_by_one

    burst, one_by_one = asyncio.run(both())
    assert burst == one_by_one


def test_textuals_input_loses_the_key_after_a_backspace_in_a_burst() -> None:
    # The upstream behaviour TextInput exists for (Textual 8.2.8): the "6" typed after the
    # backspace is inserted first and then deleted by it.
    keys = ["end", "backspace", "6"]
    assert asyncio.run(typed(lambda: Input("5"), keys, burst=True)) == ""
    assert asyncio.run(typed(lambda: TextInput("5"), keys, burst=True)) == "6"


class _SlowToPassOn(Container):
    """A container whose own handler of Submitted takes a while, as a busy machine makes
    any handler on the way: the message reaches the screen and the app that late."""

    async def on_input_submitted(self) -> None:
        await asyncio.sleep(0.3)


class _FormWithNext(App[None]):
    """Enter in the first field moves on to the second (the app's filter moves to its
    table the same way)."""

    def compose(self) -> ComposeResult:
        with _SlowToPassOn():
            yield TextInput(id="first")
        yield TextInput(id="second")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "first":
            self.query_one("#second").focus()


async def test_keys_behind_an_enter_wait_for_every_handler_of_it_on_the_way() -> None:
    """A key typed right behind an Enter goes where the Enter's handlers send the focus,
    however long the Submitted message takes to get to them (it was released at the next
    repaint, which came first on a busy machine)."""
    app = _FormWithNext()
    async with app.run_test() as pilot:
        first = app.query_one("#first", TextInput)
        second = app.query_one("#second", TextInput)
        first.focus()
        await pilot.pause()
        for name in ("a", "enter", "b"):
            app.post_message(key(name))
        await asyncio.sleep(0.5)
        await pilot.pause()
        assert (first.value, second.value) == ("a", "b")
        assert app.focused is second
