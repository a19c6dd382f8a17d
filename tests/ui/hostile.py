"""Hostile cluster text for tests: the payloads of issue 18, a hypothesis strategy of such
strings, a way to put them into every field of a cluster's objects, and the checks that what
the app writes to the terminal carries none of it as a control sequence, a link or an action.
"""

from __future__ import annotations

import copy
import io
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from hypothesis import strategies as st
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.app import App
from textual.geometry import Region
from textual.widget import Widget
from textual.widgets import DataTable, OptionList, RichLog

OSC_52 = "\x1b]52;c;cHduZWQ=\x07"  # write "pwned" to the clipboard
TITLE = "\x1b]0;pwned\x07"  # set the window title
CLEAR = "\x1b[2J\x1b[H"  # clear the screen, cursor home
PAUSE_CLICK = "[@click=screen.pause]pause me[/]"
QUIT_CLICK = "[@click=app.quit]quit[/]"
LINK = "[link=https://evil.example/]img[/link]"

HOSTILE: tuple[str, ...] = (
    OSC_52,
    TITLE,
    CLEAR,
    "\x1b[31;1mred\x1b[0m",
    "\x9b2J\x9d0;c1-title\x9c",  # C1 CSI and OSC
    PAUSE_CLICK,
    QUIT_CLICK,
    "[@click=app.screenshot('x.svg','/tmp')]shot[/]",
    LINK,
    "[bold",
    "[/]",
    "\u202eevil\u202c\u2066iso\u2069",
    "\r\n\b\x00\x7f\x85\u2028",
    "\ufffd",  # what invalid UTF-8 decodes to
)
# Objects arrive as JSON, which holds no lone surrogates; log lines arrive as bytes, which
# the data layer decodes with U+FFFD for what is not UTF-8 (kube/logs).
INVALID_UTF8 = b"bad \xff\xc0 \x9b2J \xc2\x9b2J byte"
HUGE = "\x1b]52;c;" + "A" * 100_000 + "\x07"  # 100 KB

_piece = st.sampled_from(HOSTILE) | st.text(
    alphabet=st.characters(codec="utf-8")  # JSON carries no lone surrogates
    | st.characters(categories=["Cc", "Cf"], codec="utf-8"),
    max_size=6,
)
hostile_text = st.lists(_piece, min_size=1, max_size=4).map("".join) | st.just(HUGE)
"""Hostile strings: the payloads mixed with arbitrary characters, sometimes 100 KB."""
hostile_log_line = (
    hostile_text.map(str.encode) | st.binary(max_size=40) | st.just(INVALID_UTF8)
).map(lambda raw: raw.decode(errors="replace"))
"""A log line as the data layer hands it over: hostile bytes, decoded."""

Draw = Callable[[], str]


def cycle(payloads: Sequence[str]) -> Draw:
    """Every payload in turn, forever."""
    items = iter(())  # type: Iterator[str]

    def draw() -> str:
        nonlocal items
        for item in items:
            return item
        items = iter(payloads)
        return next(items)

    return draw


# -- putting them into a cluster ------------------------------------------------------------


def _name(draw: Draw, index: int) -> str:
    # Names key objects ("namespace/name" rows, no "/"), so they stay distinct and non-empty.
    return f"n{index}{draw().replace('/', '_')}"


def _replace_values(node: Any, renames: Mapping[str, str]) -> Any:
    if isinstance(node, dict):
        return {k: _replace_values(v, renames) for k, v in node.items()}
    if isinstance(node, list):
        return [_replace_values(v, renames) for v in node]
    if isinstance(node, str):
        return renames.get(node, node)
    return node


def _containers(obj: Mapping[str, Any]) -> list[dict[str, Any]]:
    spec = obj.get("spec") or {}
    template = (spec.get("template") or {}).get("spec") or spec
    return [c for c in (template.get("containers") or []) if isinstance(c, dict)]


def poison(
    base: Mapping[str, Sequence[Mapping[str, Any]]], draw: Draw
) -> tuple[dict[str, list[dict[str, Any]]], Mapping[str, str]]:
    """A copy of ``base`` (store kind -> objects) with hostile text in every field people read:
    names and namespaces (renamed consistently, so links still hold), labels, annotations,
    change causes, Helm release, images, event reasons and messages, condition reasons and
    messages, container states, node names and IPs, Service ports, Ingress hosts, HPA metric
    names. Returns it and the renames (old name -> new)."""
    objects = {kind: copy.deepcopy(list(items)) for kind, items in base.items()}
    names: set[str] = set()
    for items in objects.values():
        for obj in items:
            meta = obj.get("metadata") or {}
            names.update(v for v in (meta.get("name"), meta.get("namespace")) if v)
            if obj.get("spec", {}).get("nodeName"):
                names.add(obj["spec"]["nodeName"])
    renames = {old: _name(draw, i) for i, old in enumerate(sorted(names))}
    objects = {kind: _replace_values(items, renames) for kind, items in objects.items()}
    for kind, items in objects.items():
        for obj in items:
            meta = obj.setdefault("metadata", {})
            labels = meta.setdefault("labels", {}) or {}
            labels[draw()] = draw()
            labels["app.kubernetes.io/name"] = draw()
            labels["app.kubernetes.io/managed-by"] = "Helm"
            meta["labels"] = labels
            annotations = meta.setdefault("annotations", {}) or {}
            annotations[draw()] = draw()
            annotations["kubernetes.io/change-cause"] = draw()
            annotations["meta.helm.sh/release-name"] = draw()
            meta["annotations"] = annotations
            for container in _containers(obj):
                container["image"] = draw()
            status = obj.get("status") or {}
            for cond in status.get("conditions") or []:
                cond["reason"] = draw()
                cond["message"] = draw()
            for cs in status.get("containerStatuses") or []:
                cs["image"] = draw()
                for state in (cs.get("state") or {}, cs.get("lastState") or {}):
                    for detail in state.values():
                        if isinstance(detail, dict):
                            detail["reason"] = draw()
                            detail["message"] = draw()
            if kind == "pods":
                status["podIP"] = draw()
                status["reason"] = draw()
            if kind == "events":
                obj["reason"] = draw()
                obj["message"] = draw()
            if kind == "services":
                for port in obj.get("spec", {}).get("ports") or []:
                    port["name"] = draw()
            if kind == "ingresses":
                for rule in obj.get("spec", {}).get("rules") or []:
                    rule["host"] = draw()
                    for path in (rule.get("http") or {}).get("paths") or []:
                        path["path"] = "/" + draw()
            if kind == "horizontalpodautoscalers":
                metric = draw()
                for entry in [
                    *(obj.get("spec", {}).get("metrics") or []),
                    *(status.get("currentMetrics") or []),
                ]:
                    for source in entry.values():
                        if isinstance(source, dict) and "name" in source:
                            source["name"] = metric
    return objects, renames


# -- what reaches the terminal --------------------------------------------------------------

# What Textual itself writes between our text: colours and attributes, cursor moves.
_OWN_SEQUENCES = re.compile(r"\x1b\[[0-9;:]*[mHK]")
_BIDI = {*map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A))}
# Textual's scrollbars draw themselves with these (the only actions the app lets run from a
# segment, and only on a ScrollBar: see kubectl_stack.ui.content_actions).
_SCROLLBAR_ACTIONS = (
    {"@mouse.down": "grab"},
    {"@mouse.down": "scroll_up"},
    {"@mouse.down": "scroll_down"},
)


# C0 but tab, DEL, C1, bidi controls, line separators, lone surrogates.
_ACTS = re.compile(
    "[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029\ud800-\udfff]"
)


def acts_on_a_terminal(text: str) -> list[str]:
    """The characters of ``text`` that can act on a terminal: C0 but tab, DEL, C1, bidi
    controls, line separators, lone surrogates."""
    return sorted(set(_ACTS.findall(text)))


def terminal_output(app: App[Any]) -> tuple[str, list[Any]]:
    """The bytes (as text) a full repaint of the current screen writes to the terminal, and
    its segments."""
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    console = Console(
        file=io.StringIO(), force_terminal=True, color_system="truecolor", legacy_windows=False
    )
    segments = [segment for line in update.strips for strip in line for segment in strip]
    return update.render_segments(console), segments


def _style_harm(style: Style | str | None, text: str, app: App[Any] | None = None) -> list[str]:
    if style is None or isinstance(style, str):
        # A style name (a meaning, ui/presenters/style.py) is looked up as the app draws it.
        parse = Style.parse if app is None else app.console.get_style
        style = parse(style) if style else None
    if style is None:
        return []
    found = []
    if style.link:
        found.append(f"link {style.link!r} on {text[:40]!r}")
    actions = {k: v for k, v in style.meta.items() if k.startswith("@")}
    if actions and actions not in _SCROLLBAR_ACTIONS:
        found.append(f"action {actions!r} on {text[:40]!r}")
    return found


def _text_harm(text: str, where: str) -> list[str]:
    bad = acts_on_a_terminal(text)
    return [f"{where}: control characters {bad!r} in {text[:120]!r}"] if bad else []


def _segments_harm(segments: list[Segment], where: str) -> list[str]:
    found: list[str] = []
    for segment in segments:
        if segment.control:
            continue
        found += _text_harm(segment.text, where)
        found += _style_harm(segment.style, segment.text)
    return found


def _cell_harm(cell: object, where: str, app: App[Any]) -> list[str]:
    if not isinstance(cell, Text):
        # A DataTable, an Option or a Static reads a str as markup.
        return [f"{where}: {type(cell).__name__} {str(cell)[:80]!r}, read as markup"]
    found = _text_harm(cell.plain, where)
    for style in [cell.style, *(span.style for span in cell.spans)]:
        found += _style_harm(style, cell.plain, app)
    return found


def content_harm(app: App[Any]) -> list[str]:
    """:func:`harm` for what the screen holds out of view: every cell of every table, every
    option of every list, every line of every log buffer, every other widget drawn whole."""
    found: list[str] = []
    for widget in app.screen.query(Widget):
        name = f"{type(widget).__name__}#{widget.id}"
        if isinstance(widget, DataTable):
            for index in range(widget.row_count):
                for cell in widget.get_row_at(index):
                    found += _cell_harm(cell, name, app)
        elif isinstance(widget, OptionList):
            for index in range(widget.option_count):
                found += _cell_harm(widget.get_option_at_index(index).prompt, name, app)
        elif isinstance(widget, RichLog):
            for strip in widget.lines:
                found += _segments_harm(list(strip), name)
        elif widget.size.area and not widget.is_container:
            strips = widget.render_lines(Region(0, 0, *widget.size))
            found += _segments_harm([s for strip in strips for s in strip], name)
    return found


def harm(app: App[Any]) -> list[str]:
    """What on the current screen could act on the terminal or the app: control characters
    in the output outside Textual's own colour and cursor sequences, hyperlinks (OSC 8), and
    segments that carry an action. Empty when the screen is harmless."""
    raw, segments = terminal_output(app)
    found: list[str] = []
    lines = _OWN_SEQUENCES.sub("", raw).split("\n")
    for y, line in enumerate(lines):
        bad = acts_on_a_terminal(line)
        if bad:
            found.append(f"line {y}: control characters {bad!r} in {line[:120]!r}")
    for segment in segments:
        found += _style_harm(segment.style, segment.text)
    return found + content_harm(app)
