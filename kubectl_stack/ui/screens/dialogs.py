"""Modal dialogs: scale, undo, confirm a change, pick one of a list.

Over 500 lines: the four dialogs share one live-decision base (``MutationDialog``) kept whole.

A dialog that changes the cluster (:class:`MutationDialog`) opens with the focus on Cancel and
confirms only with ``y`` or a click on its button, never with Enter. The scale dialog opens on
its replica field instead, since typing the count is what it is for, and the field is as safe
as Cancel: it takes digits only (``y`` is never a digit), and Enter in it only checks the count
and shows the change (``3 → 6 replicas: press y to scale``); the confirm button never takes the
focus by itself, so no Enter can press it.

A mutation dialog stays live while open: the app calls :meth:`MutationDialog.refresh_data` on
every cache change; when what the decision rests on changed (``Seen``), the dialog shows the
difference, puts the focus back where it opened and takes no ``y`` for a moment. Confirming runs the
screen's ``apply`` with the decision and the ``Seen`` on screen, the precondition of the change;
a conflict (the cluster moved before the cache showed it) is shown the same way and asked again.
Keys typed before a dialog was there never act on it (:meth:`Dialog.accepts`).

Dialogs hold no Kubernetes knowledge: their texts come from the screen's readers and the model.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label, OptionList, Static
from textual.widgets.option_list import Option

from ...model.preconditions import Seen, difference
from ..presenters.history import RevisionChoice
from ..presenters.text import fmt, shown
from ..widgets.text_input import TextInput

if TYPE_CHECKING:
    from ...kube.actions import ActionResult

MAX_REPLICAS = 100_000
REPLICAS_FLAG = '"--replicas" flag'


def _notes(notes: Sequence[str]) -> ComposeResult:
    """Warnings about who else will act on the object (its managers), one per line."""
    for note in notes:
        yield Static(fmt("⚠ {}", note), classes="warning managed-note")


def _lines(lines: Sequence[str | Text]) -> Text:
    body = Text()
    for i, line in enumerate(lines):
        if i:
            body.append("\n")
        body.append(line if isinstance(line, Text) else shown(line))
    return body


class Dialog(ModalScreen[object]):
    """A modal dialog: Esc closes it (and only it); keys typed before it was there are not
    for it."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog.cancel")]

    ready_at: float | None = None
    """When the dialog was mounted, a frame before it is drawn (time.monotonic, the clock of
    Textual's events). Every key of the burst that opened it was read before that."""

    def on_mount(self) -> None:
        self.ready_at = time.monotonic()

    def accepts(self, event: events.Key) -> bool:
        """Whether a key is for this dialog: typed once it was there. Keys typed ahead (``r``
        Enter in one burst) would otherwise answer a question nobody read."""
        return self.ready_at is not None and event.time >= self.ready_at

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()


@dataclass(frozen=True)
class Shown:
    """What a mutation dialog shows of its object now; ``seen`` is what the decision rests
    on. A reader returns None when the object is gone."""

    seen: Seen


S = TypeVar("S", bound=Shown)
Apply = Callable[[object, Seen], Awaitable["ActionResult"]]


class MutationDialog(Dialog, Generic[S]):
    """A dialog deciding one change. Dismisses with the :class:`ActionResult` of the change
    (None: cancelled). Subclasses compose their body and implement :meth:`show` and
    :meth:`decision`."""

    BINDINGS = [Binding("y", "confirm", "Confirm", id="dialog.confirm")]
    REARM_SECONDS = 0.6
    """After a change on screen, ``y`` waits this long: a key typed before the change was
    drawn was not decided on it."""
    dialog_id = "mutation-dialog"

    def __init__(
        self,
        title: str,
        read: Callable[[], S | None],
        apply: Apply,
        confirm_label: str,
        notes: Sequence[str] = (),
    ) -> None:
        super().__init__()
        self._title = title
        self._read = read
        self._apply = apply
        self._confirm_label = confirm_label
        self._notes_text = tuple(notes)
        self.state: S | None = read()
        self._armed_at = 0.0
        self._busy = False
        self._waiting = False  # a conflict: ask again once the cache shows the change
        self._gone = False  # "it no longer exists" is on screen

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id=self.dialog_id) as box:
            box.border_title = shown(self._title)
            yield from self.compose_body()
            yield from _notes(self._notes_text)
            yield Static("", id="dialog-changed", classes="warning hidden")
            yield Static("", id="dialog-error", classes="error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="cancel")
                yield from self.compose_buttons()
                yield Button(fmt("y {}", self._confirm_label), id="ok", variant="primary")

    def compose_body(self) -> ComposeResult:
        """What the dialog shows of the object (drawn by :meth:`show`)."""
        raise NotImplementedError

    def compose_buttons(self) -> ComposeResult:
        """Buttons between Cancel and the confirm button."""
        yield from ()

    def on_mount(self) -> None:
        self._draw()
        self.focus_first()

    def focus_first(self) -> None:
        self.query_one("#cancel", Button).focus()

    # -- live ---------------------------------------------------------------------------------

    def refresh_data(self) -> None:
        """Read the object again (the app calls this on every cache change)."""
        if self._busy:
            return
        before = self.state
        self.state = self._read()
        if before is not None and (self.state is None or self.state.seen != before.seen):
            now = None if self.state is None else self.state.seen
            self._changed(difference(before.seen, now), "changed while this was open")
        self._draw()

    def _changed(self, lines: Sequence[str], why: str) -> None:
        """Show what changed and ask again: focus on Cancel, no ``y`` for a moment."""
        self._armed_at = time.monotonic() + self.REARM_SECONDS
        self._waiting = False
        note = self.query_one("#dialog-changed", Static)
        note.update(fmt("⚠ {}: {}. Read it again before you confirm.", why, "; ".join(lines)))
        note.remove_class("hidden")
        self.focus_first()

    def _draw(self) -> None:
        ok = self.query_one("#ok", Button)
        if self.state is None:
            self.query_one("#dialog-error", Static).update(
                fmt("✗ it no longer exists: nothing to do")
            )
            ok.disabled = True
            self._gone = True
            return
        if self._gone:  # back again (re-created): the question stands anew
            self._gone = False
            self.query_one("#dialog-error", Static).update("")
        ok.disabled = False
        self.show(self.state)

    def show(self, state: S) -> None:
        """Draw ``state`` (the object as the cache has it now)."""
        raise NotImplementedError

    def decision(self) -> object | None:
        """The value to apply, or None (and a message on screen) when there is none."""
        return True

    # -- confirming ---------------------------------------------------------------------------

    def action_cancel(self) -> None:
        if self._busy:
            # Sent: what the server answers is reported, not dropped with the dialog.
            self.app.bell()
            return
        super().action_cancel()

    @property
    def armed(self) -> bool:
        """Whether ``y`` is taken now (not right after a change was drawn)."""
        return time.monotonic() >= self._armed_at

    def action_confirm(self) -> None:
        state = self.state
        if state is None or self._busy or not self.armed:
            self.app.bell()
            return
        if self._waiting:
            self.query_one("#dialog-error", Static).update(
                fmt("✗ waiting for the cluster's current state before asking again")
            )
            return
        value = self.decision()
        if value is None:
            return
        self._busy = True
        self.query_one("#ok", Button).disabled = True
        self.query_one("#dialog-error", Static).update(fmt("… sending"))
        self.run_worker(self._send(value, state.seen), group="dialog", exclusive=True)

    async def _send(self, value: object, seen: Seen) -> None:
        result = await self._apply(value, seen)
        self._busy = False
        if result.outcome != "conflict":
            self.dismiss(result)
            return
        self.query_one("#dialog-error", Static).update(fmt("✗ {}", result.message))
        self._changed(result.changes or ("the object changed",), "not done, it changed")
        # Confirming again needs the changed object on screen: until the cache shows it (it
        # may have already, while the request was out), the dialog waits.
        self._waiting = True
        self.refresh_data()

    @on(Button.Pressed, "#ok")
    def _ok_pressed(self) -> None:
        self.action_confirm()


# -- scale ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScaleShown(Shown):
    spec: int
    ready: str
    hpa_warning: str | None


def replicas_error(text: str) -> str | None:
    """Why ``text`` is not a replica count, in kubectl's words; None when it is one. Only
    ASCII digits count (``²`` and full-width digits are not numbers to kubectl either)."""
    if not (text.isascii() and text.isdigit()):
        return (
            f"invalid argument {_quoted(text)} for {REPLICAS_FLAG}: "
            f"strconv.ParseInt: parsing {_quoted(text)}: invalid syntax"
        )
    if int(text) > MAX_REPLICAS:
        return f"{int(text)} replicas is more than {MAX_REPLICAS}"
    return None


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class ScaleDialog(MutationDialog[ScaleShown]):
    """Asks for a replica count (ASCII digits only) and applies it with the spec on screen
    as precondition (kubectl's ``--current-replicas``)."""

    dialog_id = "scale-dialog"

    def compose_body(self) -> ComposeResult:
        state = self.state
        spec = str(state.spec) if state is not None else ""
        with Horizontal(classes="dialog-row"):
            yield Label("Replicas ")
            yield TextInput(spec, id="replicas", restrict=r"[0-9]*", max_length=7)
            yield Label("", id="scale-current")
        yield Static("", id="hpa-warning", classes="warning hidden")

    def focus_first(self) -> None:
        field = self.query_one("#replicas", TextInput)
        field.focus()
        field.select_all()

    def show(self, state: ScaleShown) -> None:
        self.query_one("#scale-current", Label).update(
            fmt("  spec {} · ready {}", state.spec, state.ready)
        )
        warning = self.query_one("#hpa-warning", Static)
        warning.update(fmt("⚠ {}", state.hpa_warning) if state.hpa_warning else Text())
        warning.set_class(not state.hpa_warning, "hidden")
        self._label()

    def _label(self) -> None:
        text = self.query_one("#replicas", TextInput).value
        state = self.state
        target = text if replicas_error(text) is None else "…"
        current = f"{state.spec} → " if state is not None else ""
        self.query_one("#ok", Button).label = fmt("y Scale {}{}", current, target)

    @on(TextInput.Changed, "#replicas")
    def _typed(self) -> None:
        self.query_one("#dialog-error", Static).update("")
        self._label()

    @on(TextInput.Submitted, "#replicas")
    def _entered(self) -> None:
        # Enter never confirms (``6`` Enter arrives in one burst over SSH, and a stray Enter
        # is the commonest stray key): it checks the number, says the change it would make
        # and how to make it. The focus stays in the field, a second Enter does nothing more.
        state, target = self.state, self.decision()
        if state is not None and target is not None:
            self.query_one("#dialog-error", Static).update(
                fmt("{} → {} replicas: press y to scale, Esc to cancel", state.spec, target)
            )

    def decision(self) -> object | None:
        text = self.query_one("#replicas", TextInput).value
        error = replicas_error(text)
        if error is not None:
            self.query_one("#dialog-error", Static).update(fmt("✗ {}", error))
            return None
        return int(text)


# -- undo -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UndoShown(Shown):
    current: int
    target: int  # kubectl's default: the previous revision (or the one the screen prefers)
    choices: tuple[RevisionChoice, ...]
    diff_for: Callable[[int], Sequence[str | Text]]


class UndoDialog(MutationDialog[UndoShown]):
    """Shows the diff of what an undo would change before anything happens; dismisses with
    the result of the undo to :attr:`target`, made only while the revision and template on
    screen are still the workload's."""

    dialog_id = "undo-dialog"
    BINDINGS = [Binding("p", "pick", "Pick revision", id="undo.pick")]

    def __init__(
        self,
        title: str,
        read: Callable[[], UndoShown | None],
        apply: Apply,
        notes: Sequence[str] = (),
    ) -> None:
        super().__init__(title, read, apply, "Undo", notes)
        self._picked: int | None = None

    def compose_body(self) -> ComposeResult:
        yield Static(id="undo-question")
        with VerticalScroll(id="undo-diff-box"):
            yield Static(id="undo-diff")
        choices = self.state.choices if self.state is not None else ()
        yield OptionList(*self._options(choices), id="undo-revisions", classes="hidden")

    @staticmethod
    def _options(choices: Sequence[RevisionChoice]) -> list[Option]:
        return [Option(c.label, id=str(c.revision)) for c in choices]

    def compose_buttons(self) -> ComposeResult:
        yield Button(fmt("Pick revision…"), id="pick")

    @property
    def target(self) -> int:
        state = self.state
        if state is None:
            return 0
        offered = {c.revision for c in state.choices}
        return self._picked if self._picked in offered else state.target

    def show(self, state: UndoShown) -> None:
        options = self.query_one("#undo-revisions", OptionList)
        wanted = [c.revision for c in state.choices]
        if [int(o.id or 0) for o in options.options] != wanted:
            options.clear_options()
            options.add_options(self._options(state.choices))
        revision = self.target
        self.query_one("#undo-question", Static).update(
            fmt("Roll back from revision {} to revision {}?", state.current, revision)
        )
        lines = list(state.diff_for(revision)) or ["(no change to the pod template)"]
        self.query_one("#undo-diff", Static).update(_lines(lines))
        self.query_one("#ok", Button).label = fmt("y Undo to rev {}", revision)

    def decision(self) -> object | None:
        return self.target

    def action_pick(self) -> None:
        options = self.query_one("#undo-revisions", OptionList)
        options.remove_class("hidden")
        options.focus()

    @on(Button.Pressed, "#pick")
    def _pick_pressed(self) -> None:
        self.action_pick()

    @on(OptionList.OptionHighlighted, "#undo-revisions")
    def _revision_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if not event.option_list.has_class("hidden"):  # the user is picking
            self._choose(event.option.id)

    @on(OptionList.OptionSelected, "#undo-revisions")
    def _revision_chosen(self, event: OptionList.OptionSelected) -> None:
        self._choose(event.option.id)
        self.focus_first()

    def _choose(self, option_id: str | None) -> None:
        if option_id is not None and self.state is not None:
            self._picked = int(option_id)
            self.show(self.state)


# -- confirm ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConfirmShown(Shown):
    question: str
    facts: tuple[str, ...]  # what the decision rests on, as it is now
    verb: str | None = None  # the confirm button's word when it depends on the state


class ConfirmDialog(MutationDialog[ConfirmShown]):
    """A yes/no question about one change (restart, pause, resume, delete)."""

    dialog_id = "confirm-dialog"

    def compose_body(self) -> ComposeResult:
        yield Static(id="confirm-question")
        yield Static(id="confirm-facts", classes="dim")

    def show(self, state: ConfirmShown) -> None:
        self.query_one("#confirm-question", Static).update(shown(state.question))
        self.query_one("#confirm-facts", Static).update(_lines(state.facts))
        if state.verb is not None:
            self.query_one("#ok", Button).label = fmt("y {}", state.verb)


# -- pick -------------------------------------------------------------------------------------


class _PickList(OptionList):
    """The picker's list: j/k move too, once it has the focus (Tab from the filter)."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="picker.list-down"),
        Binding("k", "cursor_up", "Up", show=False, id="picker.list-up"),
    ]


class PickerDialog(Dialog):
    """Pick one string (namespace, context, container). Dismisses with it, or None. ↑/↓ move
    the highlight while the filter has the focus (where j and k are letters of a name)."""

    BINDINGS = [
        Binding("down", "move(1)", "Down", show=False, id="picker.down"),
        Binding("up", "move(-1)", "Up", show=False, id="picker.up"),
    ]

    def __init__(self, title: str, items: Sequence[str], current: str | None) -> None:
        super().__init__()
        self._title = title
        self._items = list(items)
        self._current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="picker-dialog") as box:
            box.border_title = shown(self._title)
            yield TextInput(placeholder="type to filter", id="picker-filter")
            yield _PickList(*self._options(""), id="picker-options")

    def _options(self, needle: str) -> list[Option]:
        return [
            Option(fmt("{}{}", "● " if item == self._current else "  ", item), id=item)
            for item in self._items
            if needle.lower() in item.lower()
        ]

    def on_mount(self) -> None:
        options = self.query_one("#picker-options", OptionList)
        if self._current in self._items:
            options.highlighted = self._items.index(self._current)
        self.query_one("#picker-filter", TextInput).focus()

    def action_move(self, step: int) -> None:
        options = self.query_one("#picker-options", OptionList)
        if options.option_count:
            at = options.highlighted if options.highlighted is not None else -step
            options.highlighted = max(0, min(options.option_count - 1, at + step))

    @on(TextInput.Changed, "#picker-filter")
    def _filter(self, event: TextInput.Changed) -> None:
        options = self.query_one("#picker-options", OptionList)
        options.clear_options()
        options.add_options(self._options(event.value))
        if options.option_count:
            options.highlighted = 0

    @on(TextInput.Submitted, "#picker-filter")
    def _submit_filter(self) -> None:
        options = self.query_one("#picker-options", OptionList)
        if options.highlighted is not None:
            option = options.get_option_at_index(options.highlighted)
            self.dismiss(option.id)

    @on(OptionList.OptionSelected, "#picker-options")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)
