"""The one sanitiser for cluster text: escapes visible, nothing left that acts on a terminal."""

from __future__ import annotations

import unicodedata

import yaml
from hypothesis import given
from hypothesis import strategies as st
from ui.hostile import acts_on_a_terminal

from kubectl_stack.model.visible import visible


def test_osc_52_clipboard_write_is_shown_not_sent() -> None:
    assert visible("\x1b]52;c;aGk=\x07") == "\\e]52;c;aGk=\\a"


def test_window_title_clear_screen_and_cursor_moves_are_shown() -> None:
    assert visible("\x1b]0;pwned\x07") == "\\e]0;pwned\\a"
    assert visible("\x1b[2J\x1b[H\x1b[31m") == "\\e[2J\\e[H\\e[31m"


def test_c1_controls_and_del_are_escaped_in_hex() -> None:
    assert visible("a\x9b2Jb\x9d0;t\x9c\x7f") == "a\\x9B2Jb\\x9D0;t\\x9C\\x7F"
    assert visible("\x85") == "\\N"


def test_bidi_overrides_and_isolates_are_neutralised_visibly() -> None:
    assert visible("user\u202egnp.exe") == "user\\u202Egnp.exe"
    assert visible("\u2066a\u2069") == "\\u2066a\\u2069"


def test_tab_stays_and_line_breaks_are_escaped() -> None:
    assert visible("a\tb\nc\r") == "a\tb\\nc\\r"


def test_lone_surrogates_become_the_replacement_character() -> None:
    assert visible("a\ud800b") == "a\ufffdb"


def test_brackets_unicode_and_non_strings_pass_unchanged() -> None:
    assert visible("[@click=app.quit]x[/] ✓ 日本") == "[@click=app.quit]x[/] ✓ 日本"
    assert visible(3) == "3"


def test_escapes_are_the_yaml_views_escapes() -> None:
    for ch in ("\x1b", "\x00", "\x07", "\x9b", "\x01"):
        dumped = yaml.safe_dump(ch, allow_unicode=True).splitlines()[0]
        assert dumped == f'"{visible(ch)}"'


@given(st.text(alphabet=st.characters() | st.characters(categories=["Cs", "Cc", "Cf"])))
def test_nothing_that_acts_on_a_terminal_survives(text: str) -> None:
    shown = visible(text)
    assert acts_on_a_terminal(shown) == []
    assert visible(shown) == shown  # escapes are printable: sanitising twice changes nothing
    # Every category the sanitiser leaves in place is printable or a format character that
    # does not reorder text (bidi controls are escaped).
    assert all(unicodedata.category(ch) != "Cc" or ch == "\t" for ch in shown)
