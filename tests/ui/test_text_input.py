"""TextInput: a burst of keys (one read from the terminal) leaves a field exactly as the same
keys pressed one at a time do, whatever the keys; Textual's own Input does not."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial

from hypothesis import given, settings
from hypothesis import strategies as st
from textual import events
from textual.app import App, ComposeResult
from textual.widgets import Input

from kubectl_stack.ui.widgets.text_input import TextInput

EDITING = ["backspace", "ctrl+u", "ctrl+w", "left", "right", "home", "end", "delete", "ctrl+k"]
PRINTABLE = list("ab1 -²０")
KEYS = st.lists(st.sampled_from(EDITING + PRINTABLE), max_size=12)


class Field(App[None]):
    def __init__(self, make: Callable[[], Input]) -> None:
        super().__init__()
        self.make = make

    def compose(self) -> ComposeResult:
        yield self.make()


def key(name: str) -> events.Key:
    return events.Key(name, name if len(name) == 1 else None)


async def typed(make: Callable[[], Input], keys: list[str], *, burst: bool) -> str:
    """The value of the field ``make`` builds after ``keys``, in one burst or one at a time."""
    app = Field(make)
    async with app.run_test() as pilot:
        field = app.query_one(Input)
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


@settings(max_examples=40, deadline=None)
@given(KEYS)
def test_a_burst_edits_a_field_as_the_same_keys_one_at_a_time(keys: list[str]) -> None:
    for restrict in (None, r"[0-9]*"):
        make = partial(TextInput, "x9", restrict=restrict)
        burst = asyncio.run(typed(make, keys, burst=True))
        one_by_one = asyncio.run(typed(make, keys, burst=False))
        assert burst == one_by_one


def test_textuals_input_loses_the_key_after_a_backspace_in_a_burst() -> None:
    # The upstream behaviour TextInput exists for (Textual 8.2.8): the "6" typed after the
    # backspace is inserted first and then deleted by it.
    keys = ["end", "backspace", "6"]
    assert asyncio.run(typed(lambda: Input("5"), keys, burst=True)) == ""
    assert asyncio.run(typed(lambda: TextInput("5"), keys, burst=True)) == "6"
