"""Dialogs that change the cluster: decided on the object as it is now (lost-update tests with
real kubectl changing the cluster while a dialog is open), opened on Cancel, confirmed only by
``y``, deaf to keys typed ahead of them; keys of one burst applied in order in every field."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from textual import events
from textual.pilot import Pilot
from textual.widgets import Button

from kubectl_stack.kube.actions import ActionResult
from kubectl_stack.model.preconditions import Seen
from kubectl_stack.ui.screens.dialogs import (
    MAX_REPLICAS,
    ConfirmDialog,
    ConfirmShown,
    MutationDialog,
    PickerDialog,
    ScaleDialog,
    UndoDialog,
    replicas_error,
)
from kubectl_stack.ui.screens.logs import LogsScreen
from kubectl_stack.ui.screens.stack import StackScreen
from kubectl_stack.ui.screens.stacks import StacksScreen
from kubectl_stack.ui.widgets.text_input import TextInput
from kubectl_stack_sim.runner import RunningSim

from .conftest import (
    Captured,
    advance,
    build_app,
    memory_app,
    until,
    until_pod_selected,
    until_text,
)
from .screen import screen_text

Kubectl = Callable[..., Any]

KEYS = {
    "\x7f": ("backspace", None),
    "\x15": ("ctrl+u", None),
    "\r": ("enter", None),
    "\x1b": ("escape", None),
}


def key_event(char: str) -> events.Key:
    """The Key event Textual's driver makes of one character read from the terminal."""
    if char in KEYS:
        return events.Key(*KEYS[char])
    names = {"/": "slash", "&": "ampersand", "-": "minus", " ": "space"}
    return events.Key(names.get(char, char), char)


async def burst(pilot: Pilot[Any], keys: str) -> None:
    """Keys as one read from the terminal: all queued before the app handles the first one
    (``pilot.press`` waits for each key's answer, which hides ordering bugs)."""
    for char in keys:
        pilot.app.post_message(key_event(char))
    await pilot.pause()
    await asyncio.sleep(0.1)
    await pilot.pause()


def deployment(sim: RunningSim, name: str = "my-app") -> dict[str, Any]:
    return sim.call(lambda: sim.cluster.store.get("deployments.apps", "default", name))


def image(sim: RunningSim) -> str:
    return str(deployment(sim)["spec"]["template"]["spec"]["containers"][0]["image"])


def ok(kubectl: Kubectl, *args: str) -> None:
    done = kubectl(*args)
    assert done.returncode == 0, done.stderr


def focused_id(pilot: Pilot[Any]) -> str | None:
    focused = pilot.app.focused
    return None if focused is None else focused.id


async def open_dialog(pilot: Pilot[Any], key: str, kind: type) -> Any:
    await pilot.press(key)
    await until(pilot, lambda: isinstance(pilot.app.screen, kind), f"the {kind.__name__}")
    screen = pilot.app.screen
    await until(pilot, lambda: screen.ready_at is not None, "the dialog to be mounted")
    return screen


async def open_logs(pilot: Pilot[Any]) -> LogsScreen:
    """From the Stack screen the app opened on, the Logs of its pods, lines arriving."""
    app = pilot.app
    await until(pilot, lambda: isinstance(app.screen, StackScreen), "the stack screen")
    await pilot.press("l")
    await until(pilot, lambda: isinstance(app.screen, LogsScreen), "the logs screen")
    await until_text(pilot, "GET")
    assert isinstance(app.screen, LogsScreen)
    return app.screen


async def changed_on_screen(pilot: Pilot[Any], *needles: str) -> str:
    return await until_text(pilot, "changed while this was open", *needles)


@pytest.fixture(autouse=True)
def slow_rearm(monkeypatch: pytest.MonkeyPatch) -> None:
    # Long enough that a loaded machine cannot let the window pass between a change being drawn
    # and the test's next key, which would make "y is refused right after" flaky.
    monkeypatch.setattr(MutationDialog, "REARM_SECONDS", 3.0)


async def rearmed(pilot: Pilot[Any], dialog: MutationDialog[Any]) -> None:
    await until(pilot, lambda: dialog.armed, "y to be taken again")


async def refused_until_rearmed(pilot: Pilot[Any], dialog: MutationDialog[Any]) -> None:
    """Right after a change was drawn, y does nothing; a moment later it is taken."""
    await pilot.press("y")
    await pilot.pause()
    assert pilot.app.screen is dialog
    await rearmed(pilot, dialog)


# -- lost updates ---------------------------------------------------------------------------------


async def test_undo_dialog_follows_an_outside_rollout_and_undoes_to_kubectls_choice(
    sim: RunningSim, kubectl: Kubectl
) -> None:
    ok(kubectl, "set", "image", "deployment/my-app", "app=my-app:1.5.0")
    sim.advance(120)
    app = build_app(sim)
    async with app.run_test(size=(100, 30)) as pilot:
        await until_text(pilot, "my-app", "Complete")
        dialog = await open_dialog(pilot, "u", UndoDialog)
        await until_text(pilot, "revision 2 to revision 1")
        ok(kubectl, "set", "image", "deployment/my-app", "app=my-app:1.6.0")
        await advance(pilot, sim, 30)
        text = await changed_on_screen(pilot, "revision 3 to revision 2", "revision 2 → 3")
        assert "my-app:1.6.0" in text
        assert focused_id(pilot) == "cancel"
        await refused_until_rearmed(pilot, dialog)
        assert image(sim) == "my-app:1.6.0"
        await pilot.press("y")
        await until(pilot, lambda: image(sim) == "my-app:1.5.0", "revision 2's image")
    # kubectl rollout undo after revision 3 goes to revision 2: revision 3 is not lost.
    assert ("information", "deployment.apps/my-app rolled back") in app.notices


async def test_scale_dialog_follows_an_outside_scale(sim: RunningSim, kubectl: Kubectl) -> None:
    app = build_app(sim)
    async with app.run_test(size=(100, 30)) as pilot:
        await until_text(pilot, "my-app", "Complete")
        dialog = await open_dialog(pilot, "s", ScaleDialog)
        await until_text(pilot, "spec 3")
        await pilot.press("2")
        ok(kubectl, "scale", "deployment/my-app", "--replicas=5")
        await changed_on_screen(pilot, "spec 5", "replicas 3 → 5")
        await refused_until_rearmed(pilot, dialog)
        assert deployment(sim)["spec"]["replicas"] == 5
        await pilot.press("2", "y")
        await until(pilot, lambda: deployment(sim)["spec"]["replicas"] == 2, "spec 2")


async def test_restart_dialog_follows_an_outside_rollout(sim: RunningSim, kubectl: Kubectl) -> None:
    app = build_app(sim)
    async with app.run_test(size=(100, 30)) as pilot:
        await until_text(pilot, "my-app", "Complete")
        dialog = await open_dialog(pilot, "r", ConfirmDialog)
        await until_text(pilot, "rollout restart", "my-app:1.4.2")
        ok(kubectl, "set", "image", "deployment/my-app", "app=my-app:2.0.0")
        await changed_on_screen(pilot, "image my-app:1.4.2 →")
        assert focused_id(pilot) == "cancel"
        await refused_until_rearmed(pilot, dialog)
        template = deployment(sim)["spec"]["template"]["metadata"]
        assert "kubectl.kubernetes.io/restartedAt" not in (template.get("annotations") or {})
        await pilot.press("y")
        await until(
            pilot,
            lambda: (
                "kubectl.kubernetes.io/restartedAt"
                in (deployment(sim)["spec"]["template"]["metadata"].get("annotations") or {})
            ),
            "the restart",
        )
        assert image(sim) == "my-app:2.0.0"


async def test_pause_dialog_follows_an_outside_pause(sim: RunningSim, kubectl: Kubectl) -> None:
    app = build_app(sim)
    async with app.run_test(size=(100, 30)) as pilot:
        await until_text(pilot, "my-app", "Complete")
        dialog = await open_dialog(pilot, "z", ConfirmDialog)
        await until_text(pilot, "Pause the rollout", "y Pause")
        ok(kubectl, "rollout", "pause", "deployment/my-app")
        await changed_on_screen(pilot, "Resume the rollout", "y Resume", "resumed → paused")
        await refused_until_rearmed(pilot, dialog)
        assert deployment(sim)["spec"]["paused"] is True
        await pilot.press("y")  # now a resume, as the dialog says
        await until(pilot, lambda: not deployment(sim)["spec"].get("paused"), "the resume")


async def test_delete_dialog_of_a_pod_deleted_meanwhile_offers_nothing(
    sim: RunningSim, kubectl: Kubectl
) -> None:
    app = build_app(sim, stack="my-app")
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, StackScreen), "the stack screen")
        await pilot.press("right")
        await until_text(pilot, "Running")
        await until_pod_selected(pilot)
        dialog = await open_dialog(pilot, "x", ConfirmDialog)
        pod = str(dialog._title).removeprefix("Delete pod ")
        await until_text(pilot, "Running · ready 1/1")
        ok(kubectl, "delete", "pod", pod, "--grace-period=0", "--force")
        await changed_on_screen(pilot, "it no longer exists")
        assert dialog.query_one("#ok", Button).disabled
        await pilot.press("y")
        await pilot.pause()
        assert app.screen is dialog
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, StackScreen), "the dialog to close")
    assert not any(s == "error" for s, _ in app.notices)


# -- a conflict the cache had not shown yet -------------------------------------------------------


async def test_a_conflict_is_shown_and_asked_again_only_once_the_change_is_on_screen(
    sim: RunningSim,
) -> None:
    state = {"seen": Seen(replicas=3)}
    sent: list[Seen] = []

    def read() -> ConfirmShown:
        return ConfirmShown(state["seen"], "Do it?", (f"replicas {state['seen'].replicas}",))

    async def apply(_value: object, shown: Seen) -> ActionResult:
        sent.append(shown)
        if shown.replicas == 3:  # the server has moved on already
            return ActionResult("conflict", "x changed", status=409, changes=("replicas 3 → 4",))
        return ActionResult("done", "done it")

    app = build_app(sim)
    results: list[object] = []
    async with app.run_test(size=(100, 30)) as pilot:
        await until_text(pilot, "my-app", "Complete")
        dialog = ConfirmDialog("Thing", read, apply, "Do")
        app.push_screen(dialog, results.append)
        await until(pilot, lambda: dialog.ready_at is not None, "the dialog")
        await pilot.press("y")
        await until_text(pilot, "not done, it changed: replicas 3 → 4")
        assert app.screen is dialog and focused_id(pilot) == "cancel"
        await rearmed(pilot, dialog)
        await pilot.press("y")  # the cache still shows 3: no second attempt on it
        await until_text(pilot, "waiting for the cluster's current state")
        assert len(sent) == 1
        state["seen"] = Seen(replicas=4)
        dialog.refresh_data()
        await until_text(pilot, "replicas 4")
        await rearmed(pilot, dialog)
        await pilot.press("y")
        await until(pilot, lambda: bool(results), "the dialog to close")
    assert sent == [Seen(replicas=3), Seen(replicas=4)]
    assert isinstance(results[0], ActionResult) and results[0].message == "done it"


async def test_a_conflict_whose_change_the_cache_showed_meanwhile_is_asked_again_at_once(
    sim: RunningSim,
) -> None:
    state = {"seen": Seen(replicas=3)}

    def read() -> ConfirmShown:
        return ConfirmShown(state["seen"], "Do it?", (f"replicas {state['seen'].replicas}",))

    async def apply(_value: object, shown: Seen) -> ActionResult:
        if shown.replicas == 3:
            state["seen"] = Seen(replicas=4)  # the watch delivers it while the request is out
            return ActionResult("conflict", "x changed", status=409, changes=("replicas 3 → 4",))
        return ActionResult("done", "done it")

    app = build_app(sim)
    results: list[object] = []
    async with app.run_test(size=(100, 30)) as pilot:
        await until_text(pilot, "my-app", "Complete")
        dialog = ConfirmDialog("Thing", read, apply, "Do")
        app.push_screen(dialog, results.append)
        await until(pilot, lambda: dialog.ready_at is not None, "the dialog")
        await pilot.press("y")
        await until_text(pilot, "replicas 4", "changed while this was open")
        await rearmed(pilot, dialog)
        await pilot.press("y")
        await until(pilot, lambda: bool(results), "the dialog to close")


# -- stray keys -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "kind"), [("r", ConfirmDialog), ("u", UndoDialog), ("z", ConfirmDialog)]
)
async def test_keys_typed_ahead_of_a_dialog_never_answer_it(
    sim: RunningSim, kubectl: Kubectl, key: str, kind: type
) -> None:
    ok(kubectl, "set", "image", "deployment/my-app", "app=my-app:1.5.0")
    sim.advance(120)
    before = deployment(sim)
    app = build_app(sim)
    async with app.run_test(size=(100, 30)) as pilot:
        await until_text(pilot, "my-app", "Complete")
        for ahead in ("\r", "y", "y\r"):
            await burst(pilot, key + ahead)
            await until(pilot, lambda: isinstance(app.screen, kind), "the dialog")
            assert focused_id(pilot) == "cancel"
            await pilot.press("escape")
            await until(pilot, lambda: isinstance(app.screen, StacksScreen), "the dialog to close")
        dialog = await open_dialog(pilot, key, kind)
        await pilot.press("enter")  # a stray Enter on the open dialog: Cancel
        await until(pilot, lambda: app.screen is not dialog, "the dialog to close")
        assert isinstance(app.screen, StacksScreen)
    assert deployment(sim)["metadata"]["generation"] == before["metadata"]["generation"]
    assert not [n for n in app.notices if n[0] == "information" and "/my-app" in n[1]]


async def test_scale_keys_typed_ahead_never_scale(sim: RunningSim) -> None:
    app = build_app(sim)
    async with app.run_test(size=(100, 30)) as pilot:
        await until_text(pilot, "my-app", "Complete")
        await burst(pilot, "s5y")
        await until(pilot, lambda: isinstance(app.screen, ScaleDialog), "the scale dialog")
        assert app.screen.query_one("#replicas", TextInput).value == "3"
        await pilot.press("5", "enter")
        await until_text(pilot, "press y to scale")
        assert isinstance(app.screen, ScaleDialog)
        await pilot.press("escape")
    assert deployment(sim)["spec"]["replicas"] == 3


async def test_delete_keys_typed_ahead_never_delete(sim: RunningSim) -> None:
    app = build_app(sim, stack="my-app")
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, StackScreen), "the stack screen")
        await pilot.press("right")
        await until_text(pilot, "Running")
        await until_pod_selected(pilot)
        await burst(pilot, "xy\r")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the dialog")
        assert focused_id(pilot) == "cancel"
        await pilot.press("escape")
    pods = sim.call(lambda: list(sim.cluster.store.list("pods", "default")))
    assert not any(p["metadata"].get("deletionTimestamp") for p in pods)


async def test_read_only_offers_no_mutating_key_and_opens_no_dialog(sim: RunningSim) -> None:
    app = build_app(sim, read_only=True, stack="my-app")
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, StackScreen), "the stack screen")
        await pilot.press("right")
        for key in ("s", "u", "r", "z", "x"):
            await burst(pilot, key)
            assert isinstance(app.screen, StackScreen), key
        footer = {getattr(key, "action", "") for key in app.screen.query("FooterKey")}
        assert not footer & {"delete_pod", "scale", "undo", "restart", "pause"}, footer
    assert not [n for n in app.notices if n[0] == "information"]


# -- Esc closes the innermost mode ----------------------------------------------------------------


async def test_escape_in_logs_closes_the_search_then_the_filter_then_the_screen(
    sim: RunningSim,
) -> None:
    app = build_app(sim, stack="my-app")
    async with app.run_test(size=(100, 30)) as pilot:
        logs = await open_logs(pilot)
        await pilot.press("slash", *"GE", "escape")  # typing a search: Esc drops the field
        await pilot.pause()
        assert app.screen is logs and logs.query_one("#logs-search").has_class("hidden")
        await pilot.press("ampersand", *"GET", "enter", "slash", *"health", "enter")
        await until_text(pilot, "filter: GET", "search: health")
        await pilot.press("escape")
        await until(pilot, lambda: "search:" not in screen_text(app), "the search to clear")
        assert app.screen is logs and "filter: GET" in screen_text(app)
        await pilot.press("escape")
        await until(pilot, lambda: "filter:" not in screen_text(app), "the filter to clear")
        assert app.screen is logs
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, StackScreen), "back to the stack")


async def test_escape_in_the_stacks_filter_clears_it_and_keeps_the_screen(sim: RunningSim) -> None:
    app = build_app(sim)
    async with app.run_test(size=(100, 30)) as pilot:
        await until_text(pilot, "my-app", "Complete")
        await burst(pilot, "/zz\x1b")
        await until_text(pilot, "my-app")
        assert isinstance(app.screen, StacksScreen)
        assert app.screen.query_one("#filter", TextInput).value == ""


# -- bursts in text fields ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "value"),
    [("\x7f6", "6"), ("\x1512", "12"), ("9\x7f\x7f4", "4")],
)
async def test_scale_field_applies_a_burst_in_order(
    sim: RunningSim, typed: str, value: str
) -> None:
    app = build_app(sim)
    async with app.run_test(size=(100, 30)) as pilot:
        await until_text(pilot, "my-app", "Complete")
        dialog = await open_dialog(pilot, "s", ScaleDialog)
        await pilot.press("end")
        await burst(pilot, typed + "\r")
        assert dialog.query_one("#replicas", TextInput).value == value
        await until_text(pilot, "press y to scale")
        await pilot.press("y")
        await until(pilot, lambda: deployment(sim)["spec"]["replicas"] == int(value), value)


async def test_filter_field_applies_a_burst_in_order(sim: RunningSim) -> None:
    app = build_app(sim)
    async with app.run_test(size=(100, 30)) as pilot:
        await until_text(pilot, "my-app", "Complete")
        await burst(pilot, "/myx\x7f-")
        assert app.screen.query_one("#filter", TextInput).value == "my-"
        await burst(pilot, "\x15abc\x7f\x7fd")
        assert app.screen.query_one("#filter", TextInput).value == "ad"


async def test_keys_after_enter_in_a_burst_go_where_the_enter_sent_the_focus(
    sim: RunningSim,
) -> None:
    app = build_app(sim)
    async with app.run_test(size=(100, 30)) as pilot:
        await until_text(pilot, "my-app", "Complete")
        await burst(pilot, "/my\r\r")  # filter, then Enter on the table: open the stack
        await until(pilot, lambda: isinstance(app.screen, StackScreen), "the stack screen")
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, StacksScreen), "the stacks")
        assert app.screen.query_one("#filter", TextInput).value == "my"


# -- no input can raise ---------------------------------------------------------------------------


@given(st.text(max_size=12))
def test_any_replica_text_is_a_count_or_kubectls_message(text: str) -> None:
    error = replicas_error(text)
    if text.isascii() and text.isdigit() and int(text) <= MAX_REPLICAS:
        assert error is None
    else:
        assert error is not None
        if not (text.isascii() and text.isdigit()):
            assert "strconv.ParseInt: parsing" in error


HOSTILE: Sequence[str] = (
    "²",
    "０５",
    "5²",
    "٣",  # ARABIC-INDIC DIGIT THREE: isdigit(), not a number to kubectl
    "-1",
    "1e3",
    " 7",
    "[b]x[/b]",
    "[@click=app.quit]q[/]",
    "\x1b]52;c;aGk=\x07",
    "a\u202eb",
    "(",
    "*",
    "\\",
    "x" * 300,
    "label=",
    "=v",
    "a=b=c",
    "!",
)


async def test_no_text_in_any_field_can_raise(frozen_seed: Captured) -> None:
    # From memory: what is typed never reaches a server, so none is needed; every action the
    # app asks for is recorded instead (none may be).
    pod = next(p["metadata"]["name"] for p in frozen_seed.objects["pods"])
    lines = [(pod, "app", f'INFO "GET /api/items/{i} HTTP/1.1" 200') for i in range(3)]
    app, source = memory_app(frozen_seed, stack="my-app", logs=lines)
    async with app.run_test(size=(100, 30)) as pilot:
        logs = await open_logs(pilot)
        for text in HOSTILE:
            for opener, field in (("slash", "#logs-search"), ("ampersand", "#logs-filter")):
                await pilot.press(opener)
                logs.query_one(field, TextInput).insert_text_at_cursor(text)
                await pilot.press("enter", "escape")  # submitted, then cleared
                assert app.screen is logs
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, StackScreen), "the stack screen")
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, StacksScreen), "the stacks")
        stacks = app.screen
        for text in HOSTILE:
            await pilot.press("slash")
            stacks.query_one("#filter", TextInput).insert_text_at_cursor(text)
            await pilot.press("enter", "escape")
            assert app.screen is stacks
        dialog = await open_dialog(pilot, "s", ScaleDialog)
        field = dialog.query_one("#replicas", TextInput)
        for text in HOSTILE:
            field.value = ""
            app.post_message(events.Paste(text))
            for char in text[:20]:
                if char.isprintable():
                    await pilot.press(char)
            await pilot.press("enter")  # checks the number; never confirms
            assert field.value.isascii() and (field.value.isdigit() or field.value == "")
            assert app.screen is dialog
            digits = "".join(c for c in text[:20] if c in "0123456789")
            assert field.value == digits[:7]
        await pilot.press("escape")
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, PickerDialog), "the picker")
        picker = app.screen
        for text in HOSTILE:
            picker.query_one("#picker-filter", TextInput).insert_text_at_cursor(text)
            await pilot.press("down", "up", "ctrl+u")
        await pilot.press("escape")
        assert app.is_running
    assert source.calls == []
