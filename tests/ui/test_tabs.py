"""The Stack screen's tab bar survives being mounted while the app quits."""

from __future__ import annotations

import pytest
from textual.widgets import Tab, Tabs

from kubectl_stack.ui.widgets.tabs import StackTabs


def test_a_tab_chosen_before_the_tabs_are_mounted_is_kept_not_refused() -> None:
    # What Tabs' mount handler does when the app quits before the tabs themselves mounted.
    with pytest.raises(ValueError):
        Tabs(Tab("Rollout", id="tab-rollout")).validate_active("tab-rollout")
    tabs = StackTabs(Tab("Rollout", id="tab-rollout"))
    assert tabs.validate_active("tab-rollout") == "tab-rollout"


async def test_once_mounted_an_unknown_tab_is_still_refused() -> None:
    from textual.app import App, ComposeResult

    class Bar(App[None]):
        def compose(self) -> ComposeResult:
            yield StackTabs(Tab("Rollout", id="tab-rollout"), Tab("Pods", id="tab-pods"))

    async with Bar().run_test() as pilot:
        tabs = pilot.app.query_one(StackTabs)
        tabs.active = "tab-pods"
        assert tabs.active == "tab-pods"
        with pytest.raises(ValueError):
            tabs.active = "tab-nothing"


def test_a_stack_screen_without_its_panels_shows_no_tab_and_does_not_raise() -> None:
    # What its mount handler meets when the app quit while the screen was built ahead: no
    # children (it raised NoMatches on '#panel-rollout' in CI under load).
    from kubectl_stack.ui.screens.stack import StackScreen

    screen = StackScreen("default", "my-app")
    screen._show_tab("rollout")
    assert not screen.query("#panel-rollout")
