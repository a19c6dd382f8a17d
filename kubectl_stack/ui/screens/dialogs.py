"""Modal dialogs: scale, undo, confirm, pick one of a list.

Dialogs only collect a decision; the screen that opened them performs the action and reports
the result. They hold no Kubernetes knowledge: texts and diffs come from the model.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

MAX_REPLICAS = 100_000


def _notes(notes: Sequence[str]) -> ComposeResult:
    """Warnings about who else will act on the object (its managers), one per line."""
    for note in notes:
        yield Static(Text(f"⚠ {note}"), classes="warning managed-note")


class _Dialog(ModalScreen[object]):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog.cancel")]

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.dismiss(None)


class ScaleDialog(_Dialog):
    """Asks for a replica count. Dismisses with the int, or None when cancelled. Anything but
    a whole number from 0 to 100000 is refused in place with a message."""

    def __init__(
        self,
        name: str,
        spec: int,
        ready: str,
        hpa_warning: str | None,
        notes: Sequence[str] = (),
    ) -> None:
        super().__init__()
        self._notes = tuple(notes)
        self._name = name
        self._spec = spec
        self._ready = ready
        self._hpa_warning = hpa_warning

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="scale-dialog") as box:
            box.border_title = f"Scale {self._name}"
            with Horizontal(classes="dialog-row"):
                yield Label("Replicas ")
                yield Input(str(self._spec), id="replicas", type="text", max_length=7)
                yield Label(f"  spec {self._spec} · ready {self._ready}", id="scale-current")
            if self._hpa_warning:
                yield Static(f"⚠ {self._hpa_warning}", id="hpa-warning", classes="warning")
            yield from _notes(self._notes)
            yield Static("", id="scale-error", classes="error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Scale", id="ok", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        field = self.query_one("#replicas", Input)
        field.focus()
        field.select_all()

    @on(Input.Submitted, "#replicas")
    @on(Button.Pressed, "#ok")
    def _submit(self) -> None:
        text = self.query_one("#replicas", Input).value.strip()
        error = self.query_one("#scale-error", Static)
        if not text.isdigit():
            error.update(f"✗ {text or 'nothing'!s} is not a whole number of replicas (0 or more)")
            return
        count = int(text)
        if count > MAX_REPLICAS:
            error.update(f"✗ {count} replicas is more than {MAX_REPLICAS}")
            return
        self.dismiss(count)


@dataclass(frozen=True)
class RevisionChoice:
    """One revision the undo dialog offers."""

    revision: int
    label: str


class UndoDialog(_Dialog):
    """Shows the diff of what an undo would change before anything happens. Dismisses with
    the chosen target revision, or None. ``diff_for(revision)`` gives the lines to show."""

    BINDINGS = [
        Binding("p", "pick", "Pick revision", id="undo.pick"),
    ]

    def __init__(
        self,
        name: str,
        current: int,
        choices: Sequence[RevisionChoice],
        target: int,
        diff_for: Callable[[int], Sequence[str | Text]],
        notes: Sequence[str] = (),
    ) -> None:
        super().__init__()
        self._notes = tuple(notes)
        self._name = name
        self._current = current
        self._choices = list(choices)
        self._target = target
        self._diff_for = diff_for

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="undo-dialog") as box:
            box.border_title = f"Undo rollout of {self._name}"
            yield Static(id="undo-question")
            yield from _notes(self._notes)
            with VerticalScroll(id="undo-diff-box"):
                yield Static(id="undo-diff")
            yield OptionList(
                *[Option(c.label, id=str(c.revision)) for c in self._choices],
                id="undo-revisions",
                classes="hidden",
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button("Undo", id="ok", variant="primary")
                yield Button("Pick revision…", id="pick")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self._show(self._target)
        self.query_one("#ok", Button).focus()

    @property
    def target(self) -> int:
        return self._target

    def _show(self, revision: int) -> None:
        self._target = revision
        self.query_one("#undo-question", Static).update(
            f"Roll back from revision {self._current} to revision {revision}?"
        )
        lines = list(self._diff_for(revision)) or ["(no change to the pod template)"]
        body = Text()
        for i, line in enumerate(lines):
            if i:
                body.append("\n")
            body.append(line if isinstance(line, Text) else Text(line))
        self.query_one("#undo-diff", Static).update(body)
        self.query_one("#ok", Button).label = f"Undo to rev {revision}"

    def action_pick(self) -> None:
        options = self.query_one("#undo-revisions", OptionList)
        options.remove_class("hidden")
        options.focus()

    @on(Button.Pressed, "#pick")
    def _pick_pressed(self) -> None:
        self.action_pick()

    @on(OptionList.OptionHighlighted, "#undo-revisions")
    def _revision_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id is not None:
            self._show(int(event.option.id))

    @on(OptionList.OptionSelected, "#undo-revisions")
    def _revision_chosen(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self._show(int(event.option.id))
        self.query_one("#ok", Button).focus()

    @on(Button.Pressed, "#ok")
    def _confirm(self) -> None:
        self.dismiss(self._target)


class ConfirmDialog(_Dialog):
    """A yes/no question. Dismisses with True, or None when cancelled."""

    BINDINGS = [Binding("y", "confirm", "Yes", id="confirm.yes")]

    def __init__(
        self, title: str, question: str, confirm_label: str, notes: Sequence[str] = ()
    ) -> None:
        super().__init__()
        self._notes = tuple(notes)
        self._title = title
        self._question = question
        self._confirm_label = confirm_label

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="confirm-dialog") as box:
            box.border_title = self._title
            yield Static(self._question, id="confirm-question")
            yield from _notes(self._notes)
            with Horizontal(classes="dialog-buttons"):
                yield Button(self._confirm_label, id="ok", variant="primary")
                yield Button("Cancel", id="cancel")

    FOCUS = "#ok"
    """The button focused when the dialog opens."""

    def on_mount(self) -> None:
        self.query_one(self.FOCUS, Button).focus()

    def action_confirm(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        self.dismiss(True)


class PickerDialog(_Dialog):
    """Pick one string (namespace, context). Dismisses with it, or None."""

    def __init__(self, title: str, items: Sequence[str], current: str | None) -> None:
        super().__init__()
        self._title = title
        self._items = list(items)
        self._current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="picker-dialog") as box:
            box.border_title = self._title
            yield Input(placeholder="type to filter", id="picker-filter")
            yield OptionList(*self._options(""), id="picker-options")

    def _options(self, needle: str) -> list[Option]:
        return [
            Option(("● " if item == self._current else "  ") + item, id=item)
            for item in self._items
            if needle.lower() in item.lower()
        ]

    def on_mount(self) -> None:
        options = self.query_one("#picker-options", OptionList)
        if self._current in self._items:
            options.highlighted = self._items.index(self._current)
        self.query_one("#picker-filter", Input).focus()

    @on(Input.Changed, "#picker-filter")
    def _filter(self, event: Input.Changed) -> None:
        options = self.query_one("#picker-options", OptionList)
        options.clear_options()
        options.add_options(self._options(event.value))
        if options.option_count:
            options.highlighted = 0

    @on(Input.Submitted, "#picker-filter")
    def _submit_filter(self) -> None:
        options = self.query_one("#picker-options", OptionList)
        if options.highlighted is not None:
            option = options.get_option_at_index(options.highlighted)
            self.dismiss(option.id)

    @on(OptionList.OptionSelected, "#picker-options")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)
