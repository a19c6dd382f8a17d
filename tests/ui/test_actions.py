"""Each key flow against the embedded cluster, the effect checked through the API; the flows
that must change nothing (read-only, bad input) from memory, where every action the app asks
for is recorded: none may be."""

from __future__ import annotations

from textual.widget import Widget

from kubectl_stack.ui.app import StackApp
from kubectl_stack.ui.screens.dialogs import ConfirmDialog, PickerDialog, ScaleDialog, UndoDialog
from kubectl_stack.ui.screens.help import HelpScreen
from kubectl_stack.ui.screens.stack import StackScreen
from kubectl_stack.ui.screens.stacks import StacksScreen
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


def deployment(sim: RunningSim, name: str = "my-app") -> dict:
    return sim.call(lambda: sim.cluster.store.get("deployments.apps", "default", name))


def pods(sim: RunningSim) -> list[dict]:
    return sim.call(lambda: list(sim.cluster.store.list("pods", "default")))


def image(dep: dict) -> str:
    return dep["spec"]["template"]["spec"]["containers"][0]["image"]


async def test_scale_sets_spec_replicas_and_warns_about_the_hpa(sim: RunningSim) -> None:
    app = build_app(sim)
    async with app.run_test(size=(80, 24)) as pilot:
        await until_text(pilot, "my-app", "Complete")
        await pilot.press("s")
        await until(pilot, lambda: isinstance(app.screen, ScaleDialog), "the scale dialog")
        text = screen_text(app)
        assert "spec 3" in text
        assert "HPA my-app owns this count" in text
        await pilot.press("5", "enter")
        await until_text(pilot, "press y to scale")
        assert deployment(sim)["spec"]["replicas"] == 3  # Enter never confirms
        await pilot.press("y")
        await until(pilot, lambda: deployment(sim)["spec"]["replicas"] == 5, "spec.replicas 5")
        assert ("information", "deployment.apps/my-app scaled") in app.notices


async def test_scale_dialog_refuses_bad_input(frozen_seed: Captured) -> None:
    app, source = memory_app(frozen_seed)
    async with app.run_test(size=(80, 24)) as pilot:
        await until_text(pilot, "my-app", "Complete")
        await pilot.press("s")
        await until(pilot, lambda: isinstance(app.screen, ScaleDialog), "the scale dialog")
        await pilot.press("backspace", "y")
        await until_text(pilot, 'invalid argument "" for "--replicas" flag')
        assert isinstance(app.screen, ScaleDialog)
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, StacksScreen), "the dialog to close")
    assert source.calls == []


async def test_undo_shows_the_diff_then_restores_previous_image(sim: RunningSim, kubectl) -> None:
    done = kubectl("set", "image", "deployment/my-app", "app=my-app:1.5.0")
    assert done.returncode == 0, done.stderr
    app = build_app(sim)
    async with app.run_test(size=(80, 24)) as pilot:
        await until_text(pilot, "my-app")
        await advance(pilot, sim, 120)
        await until_text(pilot, "Complete")
        await pilot.press("u")
        await until(pilot, lambda: isinstance(app.screen, UndoDialog), "the undo dialog")
        text = await until_text(pilot, "revision 2 to revision 1")
        assert "my-app:1.5.0" in text and "my-app:1.4.2" in text
        assert image(deployment(sim)) == "my-app:1.5.0"  # nothing happened before confirming
        await pilot.press("enter")  # on Cancel
        await until(pilot, lambda: isinstance(app.screen, StacksScreen), "the dialog to close")
        assert image(deployment(sim)) == "my-app:1.5.0"
        await pilot.press("u")
        await until_text(pilot, "revision 2 to revision 1")
        await pilot.press("y")
        await until(pilot, lambda: image(deployment(sim)) == "my-app:1.4.2", "the old image")
        assert ("information", "deployment.apps/my-app rolled back") in app.notices


async def test_restart_creates_a_new_revision(sim: RunningSim) -> None:
    app = build_app(sim)
    async with app.run_test(size=(80, 24)) as pilot:
        await until_text(pilot, "my-app", "Complete")
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the confirm dialog")
        await pilot.press("y")
        annotations = "kubectl.kubernetes.io/restartedAt"
        await until(
            pilot,
            lambda: (
                annotations
                in (deployment(sim)["spec"]["template"]["metadata"].get("annotations") or {})
            ),
            "the restartedAt annotation",
        )
        await advance(pilot, sim, 5)
        revision = deployment(sim)["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
        assert revision == "2"


async def test_deleted_pod_is_replaced(sim: RunningSim) -> None:
    before = {p["metadata"]["name"] for p in pods(sim)}
    app = build_app(sim, stack="my-app")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, StackScreen), "the stack screen")
        await pilot.press("right")
        await until_text(pilot, "Running")
        await until_pod_selected(pilot)
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the confirm dialog")
        await pilot.press("y")
        await until(
            pilot,
            lambda: any(p["metadata"].get("deletionTimestamp") for p in pods(sim)),
            "the pod to be marked for deletion",
        )
        await advance(pilot, sim, 60)
        after = {p["metadata"]["name"] for p in pods(sim)}
        assert len(after) == 3
        assert len(after - before) == 1
        assert any("deleted" in text for _, text in app.notices)


async def test_read_only_refuses_every_mutation(frozen_seed: Captured) -> None:
    app, source = memory_app(frozen_seed, read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        text = await until_text(pilot, "my-app", "Complete")
        assert "Scale" not in text and "Undo" not in text
        for key in ("s", "u", "r", "z"):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, StacksScreen), key
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, StackScreen), "the stack screen")
        await pilot.press("right", "x", "s")
        await pilot.pause()
        assert isinstance(app.screen, StackScreen)
        assert "Delete pod" not in screen_text(app)
    assert source.calls == []


def footer_key(app: StackApp, action: str) -> Widget:
    return next(k for k in app.screen.query("FooterKey") if getattr(k, "action", "") == action)


def footer_shows(app: StackApp, action: str, *, disabled: bool) -> bool:
    """The footer shows ``action``'s key, dimmed or not (it may be between two builds)."""
    return any(
        getattr(k, "action", "") == action and k.disabled is disabled
        for k in app.screen.query("FooterKey")
    )


async def test_viewer_sees_the_keys_it_may_not_use_with_the_reason_before_any_dialog(
    sim: RunningSim,
) -> None:
    app = build_app(sim, context="viewer")
    async with app.run_test(size=(120, 40)) as pilot:
        await until_text(pilot, "my-app", "Complete")
        await until(
            pilot, lambda: footer_shows(app, "scale", disabled=True), "s Scale shown unavailable"
        )
        assert footer_key(app, "undo").disabled and footer_key(app, "restart").disabled
        assert not footer_key(app, "logs").disabled
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen), "the help screen")
        assert isinstance(app.screen, HelpScreen)
        described = {description for _, description in app.screen.keys}
        assert "Scale — forbidden: deployments/scale update" in described
        assert "Restart — forbidden: deployments patch" in described
        assert "Logs" in described
        await pilot.press("escape")
        await pilot.press("s")
        await until(
            pilot,
            lambda: ("warning", "scale: forbidden: deployments/scale update") in app.notices,
            "the reason, at once",
        )
        assert not isinstance(app.screen, ScaleDialog)

        # Another context asks again: the admin may scale.
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, PickerDialog), "the context picker")
        await pilot.press(*"sim", "enter")
        await until_text(pilot, "ctx sim", "my-app")
        await until(pilot, lambda: footer_shows(app, "scale", disabled=False), "s Scale available")
        await pilot.press("s")
        await until(pilot, lambda: isinstance(app.screen, ScaleDialog), "the scale dialog")
    assert deployment(sim)["spec"]["replicas"] == 3


async def test_undo_can_pick_an_older_revision(sim: RunningSim, kubectl) -> None:
    for version in ("1.5.0", "1.6.0"):
        assert kubectl("set", "image", "deployment/my-app", f"app=my-app:{version}").returncode == 0
        sim.advance(120)
    app = build_app(sim)
    async with app.run_test(size=(80, 24)) as pilot:
        await until_text(pilot, "my-app", "Complete")
        await pilot.press("u")
        await until_text(pilot, "revision 3 to revision 2", "my-app:1.5.0")
        await pilot.press("p", "down", "enter")
        text = await until_text(pilot, "revision 3 to revision 1")
        assert "my-app:1.4.2" in text
        await pilot.press("y")
        await until(pilot, lambda: image(deployment(sim)) == "my-app:1.4.2", "revision 1's image")


async def test_viewer_is_told_which_kinds_it_may_not_list(sim: RunningSim) -> None:
    app = build_app(sim, context="viewer", stack="my-app")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, StackScreen), "the stack screen")
        await pilot.press("right", "right", "right")
        await until_text(pilot, "⚠ secrets not shown", "svc/my-app")
