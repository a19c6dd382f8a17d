"""The Stack screen's tab bar."""

from __future__ import annotations

from textual.widgets import Tabs


class StackTabs(Tabs):
    """Textual's ``Tabs``, but choosing a tab before its tabs are mounted is kept for when
    they are, not a ``ValueError``: the Stack screen built ahead can be mounted while the app
    quits, and Textual's own mount handler then validates against no tabs at all."""

    def validate_active(self, active: str) -> str:
        if active and self.tab_count == 0:
            return active
        return super().validate_active(active)
