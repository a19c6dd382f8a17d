"""UI test helpers: the app built by make_app against the embedded cluster, a frozen clock
(the sim's manual clock), and waiting for what a person would see; or the app over an
in-memory source (:mod:`.memory`) filled with what the app's own data layer read of a
cluster once (:func:`capture`), for screen tests that need no server."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import math
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from textual.css.stylesheet import Stylesheet
from textual.pilot import Pilot
from textual.screen import Screen

from kubectl_stack.kube import kinds as K
from kubectl_stack.kube.logs import LogLine, LogOptions
from kubectl_stack.kube.store import SyncState
from kubectl_stack.options import ConnectionOptions, Options
from kubectl_stack.settings import Settings
from kubectl_stack.ui.app import StackApp, make_app
from kubectl_stack.ui.cluster import ClusterSource, open_source
from kubectl_stack.ui.run import SWITCH_INTERVAL
from kubectl_stack_sim.runner import RunningSim, start_sim

from .memory import MemorySource
from .screen import screen_text

T = TypeVar("T")

# The user's own config file and environment must not change what tests see.
TEST_SETTINGS = Settings(show_clock=False)

# Where the frozen sim's clock starts: 2026-01-02T03:04:05Z.
FROZEN_EPOCH = 1_767_323_045.0


class _FrozenWallClock:
    """Stands in for the ``time`` module inside the sim's Clock so the manual clock starts
    at a fixed instant: creation timestamps (shown by YAML and describe) never vary."""

    monotonic = staticmethod(time.monotonic)

    @staticmethod
    def time() -> float:
        return FROZEN_EPOCH


def sim_clock(sim: RunningSim) -> Callable[[], float]:
    """The app's ``now``: the sim's virtual time, whole seconds, so every age and countdown
    on screen is a pure function of how far the test stepped the clock."""

    def now() -> float:
        return float(math.floor(sim.call(sim.cluster.clock.now)))

    return now


async def open_synced_source(connection: ConnectionOptions, options: Options) -> ClusterSource:
    """The app's connector, returning the source only once every watched kind's first list
    is in: the app's first look at the cluster is all of it.

    With the plain connector each kind's list arrives on its own, in an order that varies
    with machine load, and screens draw what has arrived so far. A table keeps its cursor
    on the same row key across updates, so the row the cursor ends on depends on that order
    (the Stack screen's Events: the HPA's events join the table only once the HPA's list is
    in; if the events list came first, they are inserted above the row under the cursor)."""
    source = await open_source(connection, options)
    if not await source.informers.wait_synced(timeout=30.0):
        await source.close()
        raise AssertionError("the informers' first lists did not all arrive within 30 s")
    return source


def build_app(
    sim: RunningSim,
    *,
    read_only: bool = False,
    context: str | None = None,
    stack: str | None = None,
    all_namespaces: bool = False,
    synced: bool = False,
) -> StackApp:
    """The app against ``sim``; ``synced``: it starts only once every kind's first list is
    in (:func:`open_synced_source`), for tests whose result must not depend on list order."""
    options = Options(
        connection=ConnectionOptions(kubeconfig=str(sim.kubeconfig), context=context),
        read_only=read_only,
        stack=stack,
        all_namespaces=all_namespaces,
    )
    return make_app(
        options,
        settings=TEST_SETTINGS,
        now=sim_clock(sim),
        connector=open_synced_source if synced else None,
    )


@dataclass(frozen=True)
class Captured:
    """What the app's data layer read of a cluster at one instant: every kind's objects (store
    kind name -> objects, pod metrics included), the app's ``now`` then, and the context and
    namespace it was connected to."""

    objects: Mapping[str, Sequence[Mapping[str, Any]]]
    now: float
    context: str
    namespace: str


@contextlib.asynccontextmanager
async def synced_source(sim: RunningSim) -> AsyncIterator[ClusterSource]:
    """The app's data layer on ``sim``, every kind's first list in; closed after."""
    options = Options(connection=ConnectionOptions(kubeconfig=str(sim.kubeconfig)))
    source = await open_synced_source(options.connection, options)
    try:
        yield source
    finally:
        await source.close()


async def read_cluster(sim: RunningSim) -> Captured:
    """Every kind the app reads of ``sim``, through the app's own data layer (so Secrets and
    ConfigMaps are metadata only, managedFields stripped, as the screens get them)."""
    async with synced_source(sim) as source:
        source.want_metrics(True)
        deadline = time.monotonic() + 30.0
        while source.state.status(K.POD_METRICS.name).state is not SyncState.SYNCED:
            if time.monotonic() > deadline:
                raise AssertionError("the pod metrics were not polled within 30 s")
            await asyncio.sleep(0.02)
        objects = {
            kind.name: [dict(obj) for obj in source.state.objects(kind.name).values()]
            for kind in (*K.WATCHED, *K.OPTIONAL, K.POD_METRICS)
        }
        return Captured(objects, sim_clock(sim)(), source.context, source.namespace)


PodLogs = Mapping[str, Sequence[tuple[str, str, str]]]
"""Pod name -> its log lines as (pod, container, text), what :class:`.memory.MemorySource`
replays."""


async def read_logs(sim: RunningSim) -> PodLogs:
    """Each pod's log lines as ``sim`` serves them, read through the app's own log stream,
    not followed (on a stopped clock no line is added)."""
    async with synced_source(sim) as source:
        logs: dict[str, list[tuple[str, str, str]]] = {}
        for namespace, pod in source.state.objects(K.PODS.name):
            stream = source.log_stream(
                namespace, pod=pod, workload=None, options=LogOptions(follow=False)
            )
            await stream.start()
            try:
                lines = logs.setdefault(pod, [])
                async for item in stream:
                    if isinstance(item, LogLine):
                        lines.append((item.pod, item.container, item.text))
            finally:
                await stream.stop()
        return logs


def on_frozen_sim(
    scenario: str,
    read: Callable[[RunningSim], Awaitable[T]],
    prepare: Callable[[RunningSim], None] | None = None,
) -> T:
    """``scenario`` on a manual clock started at :data:`FROZEN_EPOCH` (as :func:`frozen_sim`),
    after ``prepare`` (kubectl runs, clock steps), read once with ``read``."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("kubectl_stack_sim.clock.time", _FrozenWallClock)
        patch.setattr("kubectl_stack_sim.scenario.time", _FrozenWallClock)
        sim = start_sim(scenario)
        try:
            if prepare is not None:
                prepare(sim)
            return asyncio.run(read(sim))
        finally:
            sim.stop()


def capture(scenario: str, prepare: Callable[[RunningSim], None] | None = None) -> Captured:
    """``scenario`` read once by :func:`on_frozen_sim`: the cluster a memory app shows."""
    return on_frozen_sim(scenario, read_cluster, prepare)


def memory_app(
    captured: Captured,
    *,
    stack: str | None = None,
    read_only: bool = False,
    logs: Sequence[tuple[str, str, str]] = (),
    settings: Settings = TEST_SETTINGS,
) -> tuple[StackApp, MemorySource]:
    """The app over :class:`MemorySource` holding ``captured``, its clock stopped at the
    capture's ``now``: what :func:`build_app` shows of the same cluster, without a server."""
    source = MemorySource(
        captured.objects, namespace=captured.namespace, context=captured.context, logs=logs
    )
    options = Options(connection=ConnectionOptions(), read_only=read_only, stack=stack)
    now = captured.now
    app = make_app(options, settings=settings, now=lambda: now, source=source)
    return app, source


@pytest.fixture(scope="session")
def frozen_seed() -> Captured:
    """The seed scenario as :func:`frozen_sim` starts it, read once for the session."""
    return capture("seed")


_PARSED: dict[tuple[Any, ...], Any] = {}


@pytest.fixture(autouse=True, scope="session")
def css_parsed_once() -> Iterator[None]:
    """Textual parses every stylesheet afresh for each app (its parse cache is the app's
    own): ~40 ms of CPU an app start here, for the same CSS every time. Across the
    session's apps each CSS text is parsed once for the variables (theme) it is parsed
    with; a CSS error still fails the first app that reads it, and every one after."""
    original = Stylesheet._parse_rules

    def parse_rules(
        self: Stylesheet,
        css: str,
        read_from: Any,
        is_default_rules: bool = False,
        tie_breaker: int = 0,
        scope: str = "",
    ) -> Any:
        key = (css, read_from, is_default_rules, tie_breaker, scope)
        key += tuple(sorted(self._variables.items()))
        rules = _PARSED.get(key)
        if rules is None:
            rules = original(self, css, read_from, is_default_rules, tie_breaker, scope)
            _PARSED[key] = rules
        return rules

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Stylesheet, "_parse_rules", parse_rules)
        yield


@pytest.fixture(autouse=True, scope="session")
def interpreter_switches_as_the_app_runs() -> Iterator[None]:
    """``ui/run.py`` sets the interpreter's thread switch interval before it runs the app (its
    event loop and Textual's output thread share the interpreter lock); ``run_test`` skips
    ``run``, so the tests set the same: here the sim's server thread shares it too."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL)
    yield
    sys.setswitchinterval(interval)


@pytest.fixture(autouse=True, scope="session")
def no_frames_for_a_headless_terminal() -> Iterator[None]:
    """``run_test``'s terminal is headless: Textual renders every frame for it (the changed
    lines of each repaint, styled) and its driver throws the frame away. That painting was a
    third of the UI suite's CPU. Tests see the screen by rendering it whole when they look
    (:func:`.screen.screen_text`, the SVG snapshots), and the app's own output path (its
    driver and framebuffer) is tested on real terminals (``tests/e2e``, ``test_run_terminal``,
    ``test_framebuffer``). So a headless app's frames are not rendered: what is due to be
    painted is marked painted, and every other step of a screen update (layout, callbacks after
    the repaint, background screens) runs as it does on a terminal."""
    original = Screen._compositor_refresh

    def compositor_refresh(self: Screen[Any]) -> None:
        app = self.app
        if not (app.is_headless and self is app.screen and not app.is_inline):
            original(self)
            return
        self._compositor._dirty_regions.clear()
        self._dirty_widgets.clear()
        app._update_mouse_over(self)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Screen, "_compositor_refresh", compositor_refresh)
        yield


@pytest.fixture
def restyled(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, tuple[int, int]]]:
    """Every node an app restyles from now on (Textual's ``App.update_styles``: the node and
    all under it), with the terminal's size then."""
    seen: list[tuple[Any, tuple[int, int]]] = []
    update_styles = StackApp.update_styles

    def counted(self: StackApp, node: Any, animate: bool = True) -> None:
        seen.append((node, (self.size.width, self.size.height)))
        update_styles(self, node, animate)

    monkeypatch.setattr(StackApp, "update_styles", counted)
    return seen


@pytest.fixture(autouse=True, scope="session")
def snapshots_wait_for_no_slide() -> Iterator[None]:
    """Nothing slides in the app (``StackApp`` turns Textual's animations off): the snapshot's
    pilot need not wait for animations before its last looks, which it still takes."""
    import textual._doc

    screenshot = functools.partial(textual._doc.take_svg_screenshot, wait_for_animation=False)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(textual._doc, "take_svg_screenshot", screenshot)
        yield


@pytest.fixture(autouse=True)
def quick_idle_looks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Textual's pilot waits after each key until the process looks idle: a 20 ms sleep that
    used less than 1 ms of CPU, twice a key, so a test typing 300 keys waited 12 s. Looks of
    2 ms see the same idleness ten times as often. Idle is under 0.25 ms of CPU in a look:
    an idle app's look costs 0.05 to 0.12 ms (the loop waking; its 10th to 50th
    percentiles over the snapshot tests), so Textual's 5 % of 2 ms would often take idle
    for busy."""
    monkeypatch.setattr("textual._wait.SLEEP_GRANULARITY", 0.002)
    monkeypatch.setattr("textual._wait.SLEEP_IDLE", 0.00025)


@pytest.fixture(autouse=True)
def truecolor_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """The app sees a truecolour terminal whatever the one running the tests is: on 16
    colours it draws the meanings in ANSI colours (kubectl_stack.ui.theme), and TERM=xterm
    without COLORTERM counts as 16. A test of a 16-colour terminal sets its own."""
    monkeypatch.setattr("textual.constants.COLOR_SYSTEM", "truecolor")


@pytest.fixture(autouse=True)
def kubectl_for_describe(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The app's describe runs the kubectl that invoked the plugin: this venv's real kubectl,
    with a private discovery cache."""
    monkeypatch.setenv("KUBECTL_PLUGINS_CALLER", str(Path(sys.executable).parent / "kubectl"))
    monkeypatch.setenv("KUBECACHEDIR", str(tmp_path / "kube-cache"))


@pytest.fixture
def scenario_sim() -> Iterator[Callable[[str], RunningSim]]:
    """Start a named scenario on a manual clock; stopped at the end of the test."""
    started: list[RunningSim] = []

    def start(name: str, **params: Any) -> RunningSim:
        running = start_sim(name, **params)
        started.append(running)
        return running

    try:
        yield start
    finally:
        for running in started:
            running.stop()


def frozen_scenario(monkeypatch: pytest.MonkeyPatch, scenario: str) -> Iterator[RunningSim]:
    """``scenario`` on a manual clock that starts at :data:`FROZEN_EPOCH` (for fixtures)."""
    # The scenario builder picks the clock's start; the Clock reads it itself otherwise.
    monkeypatch.setattr("kubectl_stack_sim.clock.time", _FrozenWallClock)
    monkeypatch.setattr("kubectl_stack_sim.scenario.time", _FrozenWallClock)
    running = start_sim(scenario)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def frozen_sim(monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningSim]:
    """The seed scenario on a manual clock that starts at :data:`FROZEN_EPOCH`."""
    yield from frozen_scenario(monkeypatch, "seed")


async def until(
    pilot: Pilot[Any], predicate: Callable[[], bool], what: str, timeout: float = 30.0
) -> None:
    """Let the app work (watch events arrive, coalesced repaints) until ``predicate`` holds.

    The wall-clock timeout only bounds a failure: a loaded 2-core CI machine can be slow."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    wait = 0.005  # what a key's answer takes is found at once; a slow change is looked for
    while loop.time() < deadline:  # less often (each look renders the screen)
        await pilot.pause(wait)  # the app's queues processed, the screen composed
        if predicate():
            return
        wait = min(0.05, wait * 2)
    raise AssertionError(f"timed out waiting for {what}; screen:\n{screen_text(pilot.app)}")


async def settle(pilot: Pilot[Any]) -> None:
    """Wait until the screen stopped changing: no refresh of the app's is waiting for its turn
    (``StackApp`` paces them), nothing waits for the screen's next repaint
    (``call_after_refresh``), and two looks a moment apart see the same screen. A moment is
    0.02 s over memory, where nothing changes unless the app does; 0.2 s against a server,
    whose last watch event may still be on its way."""
    app = pilot.app
    served = not isinstance(getattr(app, "source", None), MemorySource)
    gap = 0.2 if served else 0.02
    previous: str | None = None
    wait = 0.0  # the first look at once: the second, a moment later, must see the same
    for _ in range(int(5 / gap) + 1):
        await pilot.pause(wait)
        wait = gap
        if getattr(app, "_refresh_timer", None) is not None or app.screen._callbacks:
            continue  # a refresh, or a step the screen takes after its next repaint, is due
        current = screen_text(app)
        if current == previous:
            return
        previous = current
    raise AssertionError(f"the screen kept changing:\n{previous}")


async def until_text(pilot: Pilot[Any], *needles: str, timeout: float = 30.0) -> str:
    """Wait until every needle is on screen; returns the screen text."""
    seen = ""

    def shown() -> bool:
        nonlocal seen
        seen = screen_text(pilot.app)  # once a look: rendering the screen is what costs
        return all(n in seen for n in needles)

    await until(pilot, shown, f"{needles!r} on screen", timeout)
    return seen


async def until_pod_selected(pilot: Pilot[Any]) -> None:
    """Wait until the stack screen's Pods panel is in use with a pod under the cursor (after
    ``right``): "Running" on screen alone can come before the cursor lands on a row, and a
    pod key pressed then rightly asks to choose a pod first."""
    from kubectl_stack.ui.screens.stack import StackScreen

    def selected() -> bool:
        screen = pilot.app.screen
        return isinstance(screen, StackScreen) and screen.selected_pod() is not None

    await until(pilot, selected, "a pod under the cursor")


async def advance(pilot: Pilot[Any], sim: RunningSim, seconds: float, step: float = 5.0) -> None:
    """Move the cluster's clock in steps, letting the app take in each step's changes."""
    left = seconds
    while left > 0:
        sim.advance(min(step, left))
        left -= step
        await pilot.pause()


def repo_root() -> Path:
    return Path(__file__).resolve().parents[2]
