"""The meanings' colours, from the Textual theme in use.

Presenters colour text by meaning, a Rich style name (``stack.success``, see
:mod:`.presenters.style`); Rich looks a style name up in its console's theme stack when a
table cell is drawn, and when text is handed to a widget (``Static.update`` turns it into
Textual content then). :class:`MeaningColours` keeps one Rich theme on the app console's stack
that gives each meaning the colour of the Textual theme variable
:data:`~.presenters.style.THEME_VARIABLES` names, and puts a new one there when the app's
theme changes, then has the widgets that hold text in the colours of then make it again.

- ``NO_COLOR``: nothing to do here; Textual's monochrome filter runs over every drawn line
  after the colours are chosen.
- ANSI themes (``ansi-dark``, ``ansi-light``): their variables are ANSI colours, which Textual
  sends as they are: the terminal's own palette.
- A 16-colour terminal (Rich's colour system ``standard``: ``TERM=xterm`` and no
  ``COLORTERM`` count as one) with any other theme: the console sends the nearest of the 16
  colours to each theme colour, and those often coincide (``textual-dark``'s warning and error
  text colours both become bright red, its success and error text colours both white). So the
  meanings take the colours of the ``ansi-dark`` theme (green, yellow, red, blue, cyan), given
  as the RGB the console sends as exactly that ANSI colour (SGR 32, 33, 31 ...). Given as ANSI
  colours, Textual's filter would first turn them into the RGB of its Monokai or Alabaster
  palette, whose nearest are off (Monokai's yellow is sent as bright red, its red as magenta;
  Alabaster's red as yellow). ``ansi-light`` would suit light themes, but its warning is
  bright red, which as RGB the console sends as red, the error's colour.
- 256 colours and truecolour: the theme's own colours (the ``text-`` variants of every
  built-in theme stay apart on 256 colours: checked with Rich's downgrade).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.style import Style
from rich.theme import Theme
from textual.app import App
from textual.color import Color
from textual.screen import Screen
from textual.widgets import Static

from .presenters.style import THEME_VARIABLES

SIXTEEN_COLOURS = "standard"
"""Rich's name for the colour system of a 16-colour terminal."""

ANSI_THEME = "ansi-dark"
"""The theme whose ANSI colours stand in on a 16-colour terminal: its meanings are the eight
base colours, which the console sends unchanged (the bright ones it may not)."""


def meaning_theme(app: App[Any]) -> Theme:
    """A Rich theme giving each meaning its colour in ``app``'s current theme and terminal."""
    sixteen = app.console.color_system == SIXTEEN_COLOURS and not app.current_theme.ansi
    if sixteen:
        stand_in = app.get_theme(ANSI_THEME)
        assert stand_in is not None, f"Textual's {ANSI_THEME} theme is built in"
        variables = stand_in.to_color_system().generate()
    else:
        variables = app.get_css_variables()
    styles = {}
    for meaning, name in THEME_VARIABLES.items():
        colour = Color.parse(variables[name])
        if sixteen:
            colour = Color(colour.r, colour.g, colour.b)  # as RGB: past Textual's ANSI filter
        styles[meaning] = Style(color=colour.rich_color)
    return Theme(styles, inherit=False)


class MeaningColours:
    """The meanings' colours on ``app``'s console, from its theme now and after a change."""

    def __init__(self, app: App[Any]) -> None:
        self._app = app
        app.console.push_theme(meaning_theme(app))

    def follow_theme(self, screens: Iterable[Screen[Any]]) -> None:
        """Take the colours of the app's theme (just changed) and draw ``screens`` with them.

        Textual has restyled them, and a restyled table draws its cells again, resolving
        their style names anew; a Static holds the content made of its text when it was
        set, in the colours of then: it is made again."""
        console = self._app.console
        console.pop_theme()
        console.push_theme(meaning_theme(self._app))
        for screen in screens:
            for widget in screen.query(Static):
                widget.content = widget.content
