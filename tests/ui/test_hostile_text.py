"""Cluster content can never drive the terminal or the app (issue 18, sections 1 and 2).

Whatever an object says -- escape sequences (clipboard writes, window titles, clear screen),
C1 controls, bidi overrides, Textual markup with ``@click`` actions or links, 100 KB -- every
screen shows it as text: the output holds no control sequence but Textual's own colours and
cursor moves, no hyperlink, no segment that runs an action when clicked.
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import os
import pty
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from conftest import Kubectl, ok
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from textual.app import App, ComposeResult
from textual.content import Content
from textual.pilot import Pilot
from textual.widgets import Static

from kubectl_stack.kube import kinds as K
from kubectl_stack.model.stack import summarize
from kubectl_stack.once import format_table
from kubectl_stack.options import ConnectionOptions, Options
from kubectl_stack.ui.app import StackApp, make_app
from kubectl_stack.ui.presenters import stacks as present
from kubectl_stack.ui.screens.dialogs import ConfirmDialog, PickerDialog, ScaleDialog, UndoDialog
from kubectl_stack.ui.screens.help import HelpScreen
from kubectl_stack.ui.screens.history import HistoryScreen
from kubectl_stack.ui.screens.logs import LogsScreen
from kubectl_stack.ui.screens.stack import TABS, StackScreen
from kubectl_stack.ui.screens.stacks import StacksScreen
from kubectl_stack.ui.screens.yaml import ObjectScreen
from kubectl_stack_sim.runner import RunningSim, start_sim

from .conftest import TEST_SETTINGS, build_app, synced_source, until, until_text
from .hostile import (
    CLEAR,
    HOSTILE,
    HUGE,
    INVALID_UTF8,
    LINK,
    OSC_52,
    PAUSE_CLICK,
    QUIT_CLICK,
    TITLE,
    acts_on_a_terminal,
    cycle,
    harm,
    hostile_log_line,
    hostile_text,
    poison,
)
from .memory import MemorySource
from .screen import screen_text
from .test_run_terminal import _env, _read_until

Objects = Mapping[str, Sequence[Mapping[str, Any]]]
# Below the cockpit layout's width the Events tab has the whole width for its messages.
EVENTS_WIDTH = 139


def captured(scenario: str, seconds: int) -> dict[str, list[dict[str, Any]]]:
    """Every object the app watches in ``scenario`` after ``seconds``, read once through the
    app's own data layer."""
    sim = start_sim(scenario)
    try:
        for _ in range(seconds // 5):
            sim.advance(5)

        async def capture() -> dict[str, list[dict[str, Any]]]:
            async with synced_source(sim) as source:
                return {
                    kind.name: [dict(obj) for obj in source.state.objects(kind.name).values()]
                    for kind in (*K.WATCHED, *K.OPTIONAL)
                }

        return asyncio.run(capture())
    finally:
        sim.stop()


@pytest.fixture(scope="module")
def bad_rollout() -> dict[str, list[dict[str, Any]]]:
    """Two minutes into the bad rollout: two revisions, pods failing readiness, Unhealthy
    events, an HPA, a Service and an Ingress."""
    return captured("bad-rollout", 120)


@pytest.fixture(scope="module")
def helm_argo() -> dict[str, list[dict[str, Any]]]:
    """Helm- and Argo CD-managed stacks with a StatefulSet, a DaemonSet and their claims."""
    return captured("helm-argo", 60)


def memory_app(
    objects: Objects,
    namespace: str,
    logs: Sequence[tuple[str, str, str]] = (),
    *,
    all_namespaces: bool = False,
) -> tuple[StackApp, MemorySource]:
    source = MemorySource(objects, namespace=namespace, logs=logs, all_namespaces=all_namespaces)
    app = make_app(Options(connection=ConnectionOptions()), settings=TEST_SETTINGS, source=source)
    return app, source


def deployment_of(objects: Objects) -> tuple[str, str]:
    meta = objects["deployments"][0]["metadata"]
    return meta["namespace"], meta["name"]


def pod_names(objects: Objects) -> list[str]:
    return [p["metadata"]["name"] for p in objects["pods"]]


# -- every screen ----------------------------------------------------------------------------


class Walk:
    """Visits every screen of the app, checking each for harm."""

    def __init__(self, app: StackApp, pilot: Pilot[Any]) -> None:
        self.app = app
        self.pilot = pilot
        self.seen: list[str] = []

    async def check(self, where: str) -> None:
        await self.pilot.pause()
        found = harm(self.app)
        assert not found, f"{where}: " + "\n".join(found[:10])
        self.seen.append(where)

    async def on(self, kind: type, where: str) -> None:
        await until(self.pilot, lambda: isinstance(self.app.screen, kind), where, timeout=60)
        await self.check(where)

    async def press(self, *keys: str) -> None:
        await self.pilot.press(*keys)
        await self.pilot.pause()


async def walk_every_screen(app: StackApp, pilot: Pilot[Any], objects: Objects) -> list[str]:
    walk = Walk(app, pilot)
    namespace, name = deployment_of(objects)
    await until(
        pilot,
        lambda: (
            isinstance(app.screen, StacksScreen)
            and app.screen._table is not None
            and app.screen.table.row_count > 0
        ),
        "the stacks",
        timeout=60,
    )
    await walk.check("Stacks")
    app.tell(f"a server message quoting {HOSTILE[0]}{HOSTILE[5]}", severity="error")
    await walk.check("Stacks with a notification")
    await walk.press("n")
    await walk.on(PickerDialog, "namespace picker")
    await walk.press("escape")

    app.open_stack(namespace, name)
    await until(pilot, lambda: isinstance(app.screen, StackScreen), "the stack", timeout=60)
    stack = app.screen
    assert isinstance(stack, StackScreen)
    for tab, _ in TABS:
        stack.show_tab(tab)
        await walk.check(f"Stack, {tab}")
    await walk.press("d")
    await walk.on(ObjectScreen, "describe")
    await walk.press("y")
    await walk.check("YAML")
    await walk.press("escape")

    await walk.press("s")
    await walk.on(ScaleDialog, "scale dialog")
    await walk.press("escape")
    await walk.press("r")
    await walk.on(ConfirmDialog, "restart dialog")
    await walk.press("escape")

    stack.show_tab("pods")
    await walk.press("x")
    await walk.on(ConfirmDialog, "delete pod dialog")
    await walk.press("escape")
    await walk.press("d")
    await walk.on(ObjectScreen, "pod describe")
    await walk.press("y")
    await walk.check("pod YAML")
    await walk.press("escape")
    await walk.press("l")
    await walk.on(LogsScreen, "pod logs")
    await until(pilot, lambda: bool(app.screen._lines), "log lines")  # type: ignore[attr-defined]
    await walk.check("pod logs, lines in")
    await walk.press("escape")

    await walk.press("h")
    await walk.on(HistoryScreen, "history")
    await walk.press("u")
    await walk.on(UndoDialog, "undo dialog")
    await walk.press("p")
    await walk.check("undo dialog, revisions")
    await walk.press("escape")
    await walk.press("question_mark")
    await walk.on(HelpScreen, "help (history)")
    await walk.press("escape", "escape")

    await until(pilot, lambda: isinstance(app.screen, StackScreen), "back to the stack")
    await walk.press("question_mark")
    await walk.on(HelpScreen, "help (stack)")
    await walk.press("escape", "escape")
    await until(pilot, lambda: isinstance(app.screen, StacksScreen), "back to the stacks")
    stacks = app.screen
    assert isinstance(stacks, StacksScreen)
    stacks.table.select_key(present.stack_key("Deployment", namespace, name))
    await walk.press("l")
    await walk.on(LogsScreen, "deployment logs")
    await until(pilot, lambda: bool(app.screen._lines), "log lines")  # type: ignore[attr-defined]
    await walk.check("deployment logs, lines in")
    return walk.seen


async def run_walk(objects: Objects, logs: Sequence[tuple[str, str, str]], size: Any) -> None:
    namespace, _ = deployment_of(objects)
    app, source = memory_app(objects, namespace, logs)
    async with app.run_test(size=size) as pilot:
        seen = await walk_every_screen(app, pilot, objects)
        assert len(seen) >= 20
        assert app.is_running
    assert source.calls == []
    assert app.refused_content_actions == []  # nothing in content even offered an action


def hostile_logs(objects: Objects, lines: Sequence[str]) -> list[tuple[str, str, str]]:
    pods = pod_names(objects)
    return [(pods[i % 2], "app", line) for i, line in enumerate(lines)]


@pytest.mark.parametrize(
    ("payloads", "size"),
    [(HOSTILE, (160, 48)), (HOSTILE, (EVENTS_WIDTH, 40)), (HOSTILE, (80, 24)), ((HUGE,), (80, 24))],
    ids=["payloads-wide", "payloads-tabs", "payloads-80x24", "100KB-80x24"],
)
def test_every_screen_shows_every_payload_in_every_field_harmlessly(
    bad_rollout: dict[str, list[dict[str, Any]]], payloads: Sequence[str], size: Any
) -> None:
    objects, _ = poison(bad_rollout, cycle(payloads))
    logs = hostile_logs(objects, [*payloads, INVALID_UTF8.decode(errors="replace")])
    asyncio.run(run_walk(objects, logs, size))


async def walk_workloads(objects: Objects) -> list[str]:
    """The Stack screen, describe, YAML and history of every StatefulSet and DaemonSet."""
    app, source = memory_app(objects, "", all_namespaces=True)
    async with app.run_test(size=(EVENTS_WIDTH, 30)) as pilot:
        walk = Walk(app, pilot)
        await until(pilot, lambda: isinstance(app.screen, StacksScreen), "the stacks")
        await walk.check("Stacks, all namespaces")
        for kind, store in (("StatefulSet", "statefulsets"), ("DaemonSet", "daemonsets")):
            for obj in objects[store]:
                meta = obj["metadata"]
                app.open_stack(meta["namespace"], meta["name"], kind=kind)
                await until(pilot, lambda: isinstance(app.screen, StackScreen), "the stack")
                stack = app.screen
                assert isinstance(stack, StackScreen)
                for tab, _ in TABS:
                    stack.show_tab(tab)
                    await walk.check(f"{kind}, {tab}")
                stack.show_tab("rollout")
                await walk.press("d")
                await walk.on(ObjectScreen, f"{kind} describe")
                await walk.press("y")
                await walk.check(f"{kind} YAML")
                await walk.press("escape", "h")
                await walk.on(HistoryScreen, f"{kind} history")
                await walk.press("escape", "escape")
                await until(pilot, lambda: isinstance(app.screen, StacksScreen), "the stacks")
        assert source.calls == []
        return walk.seen


def test_statefulset_and_daemonset_stacks_show_every_payload_harmlessly(
    helm_argo: dict[str, list[dict[str, Any]]],
) -> None:
    objects, _ = poison(helm_argo, cycle(HOSTILE))
    assert objects["statefulsets"] and objects["daemonsets"]
    seen = asyncio.run(walk_workloads(objects))
    assert len(seen) >= 2 * (len(TABS) + 3)


@pytest.mark.timeout(900)  # a few walks of every screen; 100 KB strings make some slow
@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.large_base_example,
        HealthCheck.data_too_large,
    ],
)
@given(data=st.data(), size=st.sampled_from([(80, 24), (160, 48)]))
def test_hostile_strings_in_any_field_never_reach_the_terminal_or_the_app(
    bad_rollout: dict[str, list[dict[str, Any]]], data: st.DataObject, size: Any
) -> None:
    objects, _ = poison(bad_rollout, lambda: data.draw(hostile_text))
    logs = hostile_logs(objects, data.draw(st.lists(hostile_log_line, min_size=1, max_size=5)))
    asyncio.run(run_walk(objects, logs, size))


@pytest.mark.timeout(600)
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data(), all_namespaces=st.booleans())
def test_once_prints_no_control_byte_from_any_field(
    bad_rollout: dict[str, list[dict[str, Any]]], data: st.DataObject, all_namespaces: bool
) -> None:
    objects, _ = poison(bad_rollout, lambda: data.draw(hostile_text))
    rows = summarize(objects, time.time())
    assert rows
    printed = format_table(rows, all_namespaces=all_namespaces)
    assert acts_on_a_terminal(printed) == ["\n"]  # its own line ends only


# -- the cases the probe found -------------------------------------------------------------


def _with(
    base: dict[str, list[dict[str, Any]]],
    *,
    event_message: str | None = None,
    image: str | None = None,
) -> dict[str, list[dict[str, Any]]]:
    objects, _ = poison(base, cycle(["x"]))  # every field plain, names renamed
    if event_message is not None:
        for event in objects["events"]:
            event["message"] = event_message
    if image is not None:
        for kind in ("deployments", "replicasets"):
            for obj in objects[kind]:
                for container in obj["spec"]["template"]["spec"]["containers"]:
                    container["image"] = image
    return objects


async def open_tab(app: StackApp, pilot: Pilot[Any], objects: Objects, tab: str) -> StackScreen:
    namespace, name = deployment_of(objects)
    await until(pilot, lambda: isinstance(app.screen, StacksScreen), "the stacks")
    app.open_stack(namespace, name, tab=tab)
    await until(pilot, lambda: isinstance(app.screen, StackScreen), "the stack")
    await pilot.pause()
    assert isinstance(app.screen, StackScreen)
    return app.screen


def position_of(app: App[Any], needle: str) -> tuple[int, int]:
    for y, line in enumerate(screen_text(app).splitlines()):
        x = line.find(needle)
        if x >= 0:
            return x, y
    raise AssertionError(f"{needle!r} not on screen:\n{screen_text(app)}")


async def test_osc_52_in_an_event_message_is_shown_and_never_written(
    bad_rollout: dict[str, list[dict[str, Any]]],
) -> None:
    objects = _with(bad_rollout, event_message=f"copy {OSC_52} done")
    app, _ = memory_app(objects, deployment_of(objects)[0])
    async with app.run_test(size=(EVENTS_WIDTH, 30)) as pilot:
        await open_tab(app, pilot, objects, "events")
        await until_text(pilot, "copy \\e]52;c;cHduZWQ=\\a done")
        assert harm(app) == []


async def test_a_title_escape_in_an_image_name_is_shown_in_the_header_and_describe(
    bad_rollout: dict[str, list[dict[str, Any]]],
) -> None:
    objects = _with(bad_rollout, image=f"my-app{TITLE}:1")
    app, _ = memory_app(objects, deployment_of(objects)[0])
    async with app.run_test(size=(160, 48)) as pilot:
        await open_tab(app, pilot, objects, "rollout")
        await until_text(pilot, "my-app\\e]0;pwned\\a:1")
        assert harm(app) == []
        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, ObjectScreen), "describe")
        await until_text(pilot, "Image:", "my-app\\e]0;pwned\\a:1")
        assert harm(app) == []


async def test_an_image_with_a_link_tag_opens_the_stack_and_is_shown_literally(
    bad_rollout: dict[str, list[dict[str, Any]]],
) -> None:
    objects = _with(bad_rollout, image=f"evil{LINK}")
    app, _ = memory_app(objects, deployment_of(objects)[0])
    async with app.run_test(size=(160, 48)) as pilot:
        await open_tab(app, pilot, objects, "rollout")
        await until_text(pilot, f"evil{LINK}")
        assert harm(app) == []
        assert app.is_running


async def test_clicking_a_pause_action_in_an_event_message_pauses_nothing(
    bad_rollout: dict[str, list[dict[str, Any]]],
) -> None:
    objects = _with(bad_rollout, event_message=f"{PAUSE_CLICK} {QUIT_CLICK}")
    app, source = memory_app(objects, deployment_of(objects)[0])
    async with app.run_test(size=(EVENTS_WIDTH, 30)) as pilot:
        await open_tab(app, pilot, objects, "events")
        await until_text(pilot, PAUSE_CLICK)
        for needle in ("pause me", "quit[/]"):
            x, y = position_of(app, needle)
            await pilot.click(offset=(x + 1, y))
            await pilot.pause()
        assert harm(app) == []
        assert app.is_running
        assert isinstance(app.screen, StackScreen)
    assert source.calls == []


async def test_a_clear_screen_in_a_log_line_is_shown_as_text(
    bad_rollout: dict[str, list[dict[str, Any]]],
) -> None:
    objects = _with(bad_rollout)
    pod = pod_names(objects)[0]
    logs = [
        (pod, "app", f"before{CLEAR}after"),
        (pod, "app", INVALID_UTF8.decode(errors="replace")),
    ]
    app, _ = memory_app(objects, deployment_of(objects)[0], logs)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, StacksScreen), "the stacks")
        app.push_screen(LogsScreen(deployment_of(objects)[0], pod=pod))
        await until_text(pilot, "before\\e[2J\\e[Hafter", "bad �� \ufffd2J \\x9B2J byte")
        assert harm(app) == []


# -- defence in depth: no action runs from content ------------------------------------------


class _Plain(App[None]):
    """A plain Textual app: what the app would be without its guard."""

    clicked = False

    def compose(self) -> ComposeResult:
        yield Static(Content.from_markup("[@click=app.mark]press[/]"))

    def action_mark(self) -> None:
        self.clicked = True


async def test_textual_runs_actions_found_in_content_which_is_why_the_app_refuses_them() -> None:
    app = _Plain()
    async with app.run_test(size=(40, 5)) as pilot:
        await pilot.click(offset=(1, 0))
        await pilot.pause()
        assert app.clicked


async def test_actions_in_content_never_run_even_from_our_own_markup(
    bad_rollout: dict[str, list[dict[str, Any]]], tmp_path: Path
) -> None:
    objects = _with(bad_rollout)
    app, source = memory_app(objects, deployment_of(objects)[0])
    markup = (
        f"[@click=screen.pause]PAUSE[/] [@click=app.screenshot('x.svg','{tmp_path}')]SHOT[/] "
        "[@click=app.quit]QUIT[/]"
    )
    async with app.run_test(size=(160, 48)) as pilot:
        stack = await open_tab(app, pilot, objects, "rollout")
        # A regression that let markup through would put this on screen.
        await stack.mount(Static(Content.from_markup(markup), id="regression"), before=0)
        await until_text(pilot, "PAUSE SHOT QUIT")
        for word in ("PAUSE", "SHOT", "QUIT"):
            x, y = position_of(app, word)
            await pilot.click(offset=(x + 1, y))
            await pilot.pause()
        assert app.is_running
        assert [a.split("(")[0] for a in app.refused_content_actions] == [
            "screen.pause",
            "app.screenshot",
            "app.quit",
        ]
    assert source.calls == []
    assert os.listdir(tmp_path) == []


# -- end to end: hostile objects created with real kubectl ----------------------------------


def _create_hostile_objects(sim: RunningSim, kubectl: Kubectl) -> None:
    """A hostile image set with ``kubectl set image`` and a hostile Event created with
    ``kubectl create`` on the seed stack's Deployment."""
    ok(kubectl, "set", "image", "deployment/my-app", f"app=my-app{TITLE}{LINK}:2")
    uid = ok(kubectl, "get", "deployment", "my-app", "-o", "jsonpath={.metadata.uid}")
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(sim.call(sim.cluster.clock.now) - 1))
    event = {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": "my-app.hostile", "namespace": "default"},
        "involvedObject": {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": "my-app",
            "namespace": "default",
            "uid": uid,
        },
        "type": "Warning",
        "reason": f"Evil{CLEAR}",
        "message": f"copy {OSC_52} {PAUSE_CLICK}",
        "count": 1,
        "firstTimestamp": stamp,
        "lastTimestamp": stamp,
        "source": {"component": "attacker"},
    }
    ok(kubectl, "create", "-f", "-", input=json.dumps(event))


async def test_hostile_event_and_image_created_with_kubectl_are_harmless_in_the_app(
    sim: RunningSim, kubectl: Kubectl
) -> None:
    _create_hostile_objects(sim, kubectl)
    app = build_app(sim, stack="my-app", synced=True)
    async with app.run_test(size=(EVENTS_WIDTH, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, StackScreen), "the stack")
        await until_text(pilot, f"my-app\\e]0;pwned\\a{LINK}:2")
        assert harm(app) == []
        stack = app.screen
        assert isinstance(stack, StackScreen)
        stack.show_tab("events")
        await until_text(pilot, "Evil\\e[2J\\e[H", "copy \\e]52;c;cHduZWQ=\\a")
        assert harm(app) == []
        x, y = position_of(app, "[@click=screen.pause]")
        await pilot.click(offset=(x + 1, y))
        await pilot.pause()
        assert app.is_running
    assert ok(kubectl, "get", "deployment", "my-app", "-o", "jsonpath={.spec.paused}") == ""


def test_the_bytes_written_to_a_real_terminal_carry_no_hostile_sequence(
    sim: RunningSim, kubectl: Kubectl, tmp_path: Path
) -> None:
    # The installed app in a pty against the cluster kubectl changed: what the terminal
    # receives holds the payloads only as visible text.
    _create_hostile_objects(sim, kubectl)
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, EVENTS_WIDTH, 0, 0))
    proc = subprocess.Popen(
        [sys.executable, "-m", "kubectl_stack", "--kubeconfig", str(sim.kubeconfig), "my-app"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=_env(tmp_path),
        start_new_session=True,
    )
    os.close(slave)
    try:
        written = _read_until(master, b"pwned\\a", 60)
        assert b"my-app\\e]0;pwned\\a" in written, written.decode(errors="replace")[-3000:]
        os.write(master, b"e")
        written += _read_until(master, b"cHduZWQ=\\a", 30)
        assert b"copy \\e]52;c;cHduZWQ=\\a" in written, written.decode(errors="replace")[-3000:]
        os.write(master, b"q")
        deadline = time.monotonic() + 30
        while proc.poll() is None and time.monotonic() < deadline:
            written += _read_until(master, b"\x1b[?1049l", 1)  # the app leaves its screen
        assert proc.poll() == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    for raw in (b"\x1b]52;", b"\x1b]0;pwned", b"\x1b[2J\x1b[H", b"\x1b]8;", b"\xc2\x9b"):
        assert raw not in written
