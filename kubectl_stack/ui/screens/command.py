"""The ``:`` command bar (k9s' jumps): ``:stack NAME``, ``:ns NAME``, ``:ctx NAME``,
``:deploy`` / ``:sts`` / ``:ds`` (the Stacks list of one kind), ``:stacks`` (every kind),
``:pf`` (port-forwards), ``:q``. Tab completes what the dimmed suggestion shows; the line under
the field lists what matches. Names come from the cache, the namespaces the user may list and
the kubeconfig's contexts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Input, Static

from ... import kinds as K
from ..presenters.text import shown
from ..widgets.text_input import TextInput

if TYPE_CHECKING:
    from ..app import StackApp
    from ..source import Source
    from .stacks import StacksScreen


def _kind_commands() -> list[str]:
    """One command per workload kind, its short name (``deploy``, ``sts``, ``ds``)."""
    return [k.short or k.plural for k in K.WORKLOADS.values()]


def commands() -> list[str]:
    """The command verbs, as completed."""
    return ["stack", "ns", "ctx", *_kind_commands(), "stacks", "pf", "q"]


def usage() -> str:
    return (
        f"commands: stack NAME, ns NAME|all, ctx NAME, {', '.join(_kind_commands())}, stacks, pf, q"
    )


SHOWN_MATCHES = 6


class _Completer(Suggester):
    """Suggests the first candidate that extends what was typed (candidates may grow while
    the bar is open: namespaces arrive from the server)."""

    def __init__(self, candidates: list[str]) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.candidates = candidates

    async def get_suggestion(self, value: str) -> str | None:
        return next((c for c in matches(self.candidates, value) if c != value), None)


def matches(candidates: list[str], typed: str) -> list[str]:
    """The candidates that extend ``typed`` (case-insensitively), in order."""
    folded = typed.casefold()
    return [c for c in candidates if c.casefold().startswith(folded)]


def workloads(source: Source) -> list[tuple[str, str, str]]:
    """(kind, namespace, name) of every workload in the app's scope, sorted by name."""
    scope = None if source.all_namespaces else source.namespace
    found = [
        (kind, ns, name)
        for kind, registered in K.WORKLOADS.items()
        for obj in source.objects(registered.name, scope)
        for ns, name in [_key(obj)]
    ]
    return sorted(found, key=lambda w: (w[2], w[1], w[0]))


def _key(obj: object) -> tuple[str, str]:
    meta = obj.get("metadata") if isinstance(obj, dict) else None
    meta = meta if isinstance(meta, dict) else {}
    return str(meta.get("namespace") or ""), str(meta.get("name") or "")


class CommandBar(ModalScreen[object]):
    """Dismisses with the command line typed (without the ``:``), or None on escape."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="command.cancel"),
        Binding("tab", "complete", "Complete", priority=True, id="command.complete"),
    ]

    def __init__(self, source: Source) -> None:
        super().__init__()
        self._source = source
        self._candidates = commands()
        for _kind, namespace, name in workloads(source):
            self._candidates.append(
                f"stack {namespace}/{name}" if source.all_namespaces else f"stack {name}"
            )
        self._candidates += [f"ctx {c}" for c in source.contexts()]

    def compose(self) -> ComposeResult:
        with Vertical(id="command-bar"):
            yield TextInput(
                placeholder=" · ".join(("stack NAME", "ns NAME", "ctx NAME", *_kind_commands()))
                + " · pf · q",
                id="command-input",
                suggester=_Completer(self._candidates),
            )
            yield Static(Text(usage()), id="command-matches")

    def on_mount(self) -> None:
        self.query_one("#command-input", Input).focus()
        self._load_namespaces()

    @work(group="command-namespaces")
    async def _load_namespaces(self) -> None:
        names = await self._source.namespaces()
        self._candidates += [f"ns {n}" for n in names] + ["ns all"]
        fields = self.query("#command-input")
        if fields:  # else the bar was dismissed (Enter) before the names came
            self._show_matches(fields.first(Input).value)

    @on(Input.Changed, "#command-input")
    def _changed(self, event: Input.Changed) -> None:
        self._show_matches(event.value)

    def _show_matches(self, typed: str) -> None:
        found = matches(self._candidates, typed.strip()) if typed.strip() else []
        text = "   ".join(found[:SHOWN_MATCHES]) if found else usage()
        if len(found) > SHOWN_MATCHES:
            text += f"   … {len(found) - SHOWN_MATCHES} more"
        # Names are the cluster's: through the sanitiser, never markup.
        matched = shown(text)
        matched.no_wrap = True
        self.query_one("#command-matches", Static).update(matched)

    def action_complete(self) -> None:
        field = self.query_one("#command-input", Input)
        field.cursor_position = len(field.value)
        field.action_cursor_right()  # at the end, this takes the suggestion

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted, "#command-input")
    def _submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)


def run_command(app: StackApp, line: str) -> None:
    """Do what a command line says; an unknown or incomplete one is told, never guessed."""
    words = line.strip().removeprefix(":").split()
    source = app.source
    if not words or source is None:
        return
    verb, arg = words[0].lower(), (words[1] if len(words) > 1 else None)
    if verb in ("q", "q!", "quit"):
        app.exit()
    elif (named := K.workload_named(verb)) is not None or verb == "stacks":
        stacks = _to_stacks(app)
        if stacks is not None:
            stacks.show_kind(named.kind if named is not None else None)
    elif verb in ("stack", "st"):
        _open_stack(app, source, arg)
    elif verb in ("ns", "namespace"):
        if arg is None:
            app.tell("ns: which namespace? (:ns NAME, or :ns all)", severity="warning")
        elif arg in ("all", "-A"):
            app.switch_namespace(source.namespace, all_namespaces=True)
        else:
            app.switch_namespace(arg, all_namespaces=False)
    elif verb in ("ctx", "context"):
        if arg is None or arg not in source.contexts():
            known = ", ".join(source.contexts())
            app.tell(
                f"ctx: no context {arg or ''!r} in the kubeconfig ({known})", severity="warning"
            )
        else:
            app.switch_context(arg)
    elif verb in ("pf", "forwards", "portforwards"):
        from .forwards import ForwardsScreen

        app.push_screen(ForwardsScreen())
    else:
        app.tell(f"unknown command {verb!r} — {usage()}", severity="warning")


def _to_stacks(app: StackApp) -> StacksScreen | None:
    """Back to the Stacks screen (the screens above it closed)."""
    from .stacks import StacksScreen

    if not any(isinstance(s, StacksScreen) for s in app.screen_stack):
        return None
    while not isinstance(app.screen, StacksScreen):
        app.pop_screen()
    return app.screen


def _open_stack(app: StackApp, source: Source, arg: str | None) -> None:
    if arg is None:
        app.tell("stack: which one? (:stack NAME)", severity="warning")
        return
    namespace, _, name = arg.rpartition("/")
    found = [w for w in workloads(source) if w[2] == name and (not namespace or w[1] == namespace)]
    if not found:
        where = "any namespace" if source.all_namespaces else f"namespace {source.namespace}"
        app.tell(f"stack: no workload named {name!r} in {where}", severity="warning")
        return
    kind, ns, name = found[0]
    if _to_stacks(app) is not None:
        app.open_stack(ns, name, kind=kind)
