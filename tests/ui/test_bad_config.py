"""Bad configuration the app can live with is one warning line each, shown when it starts."""

from __future__ import annotations

from dataclasses import replace

from kubectl_stack.options import ConnectionOptions, Options
from kubectl_stack.ui.app import make_app
from kubectl_stack_sim.runner import RunningSim

from .conftest import TEST_SETTINGS, sim_clock, until_text


async def test_unknown_theme_is_a_warning_and_the_default_theme(sim: RunningSim) -> None:
    options = Options(connection=ConnectionOptions(kubeconfig=str(sim.kubeconfig)))
    app = make_app(options, settings=replace(TEST_SETTINGS, theme="nope"), now=sim_clock(sim))
    async with app.run_test(size=(100, 30)) as pilot:
        await until_text(pilot, "my-app")
        assert app.theme == "textual-dark"
        (warning,) = [text for severity, text in app.notices if severity == "warning"]
        assert warning.startswith("theme 'nope' is unknown, textual-dark used instead (")
        assert "textual-light" in warning


async def test_keymap_naming_no_key_is_a_warning_and_the_rest_applies(sim: RunningSim) -> None:
    options = Options(connection=ConnectionOptions(kubeconfig=str(sim.kubeconfig)))
    keymap = {"frobnicate": "f", "help": "f1"}
    app = make_app(options, settings=replace(TEST_SETTINGS, keymap=keymap), now=sim_clock(sim))
    async with app.run_test(size=(100, 30)) as pilot:
        await until_text(pilot, "my-app")
        assert app.notices == [("warning", "keymap: no key has the id 'frobnicate'; ignored")]
        await pilot.press("f1")
        await until_text(pilot, "Keys")
