"""The Logs screen shows what ``kubectl logs --timestamps`` prints, line for line, for every
container of every pod of every scenario.

What is compared: the Logs screen of one pod and container, opened as a person would, with
timestamps on (``t``), follow off (``f``) and wrap off (``w``, so one log line is one screen
line). The screen's own formatting is stripped in exactly two ways: the padding RichLog adds
after a line (trailing spaces) and the screen's notices, which are the lines that do not start
with the server's RFC 3339 timestamp (``[ended] …``). A container kubectl cannot read (waiting,
no node) must show kubectl's own error line as the screen's notice instead.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from conftest import kubectl_runner
from textual.widgets import RichLog

from kubectl_stack.kube.logs import stamp_nanos
from kubectl_stack.ui.screens.logs import LogsScreen
from kubectl_stack_sim.runner import RunningSim
from kubectl_stack_sim.scenario import available

from .conftest import build_app, until

# empty and batch start with no pod at all (batch is an empty cluster for the Jobs tests).
SCENARIOS = [name for name in available() if name not in ("empty", "batch")]
# Every pod of a small instance of the big scenario (its 10,000 pods write no logs anyway).
PARAMS: dict[str, dict[str, Any]] = {"large": {"namespaces": 2, "deployments": 4, "pods": 12}}


def containers(sim: RunningSim) -> list[tuple[str, str, str]]:
    """(namespace, pod, container) of every container, init containers included."""

    def collect() -> list[tuple[str, str, str]]:
        out = []
        for pod in sim.cluster.store.list("pods"):
            spec = pod.get("spec") or {}
            for group in ("initContainers", "containers"):
                for c in spec.get(group) or ():
                    meta = pod["metadata"]
                    out.append((meta["namespace"], meta["name"], c["name"]))
        return sorted(out)

    return sim.call(collect)


def screen_lines(log: RichLog) -> list[str]:
    return ["".join(seg.text for seg in strip).rstrip(" ") for strip in log.lines]


def log_lines(lines: list[str]) -> list[str]:
    return [line for line in lines if stamp_nanos(line.partition(" ")[0]) is not None]


@pytest.mark.parametrize("scenario", SCENARIOS)
async def test_logs_screen_equals_kubectl_logs_timestamps_for_every_container(
    scenario: str,
    scenario_sim: Callable[..., RunningSim],
    kubectl_path: Path,
    tmp_path: Path,
) -> None:
    sim = scenario_sim(scenario, **PARAMS.get(scenario, {}))
    kubectl = kubectl_runner(kubectl_path, sim.kubeconfig, tmp_path / "cache")
    targets = containers(sim)
    assert targets, f"{scenario} has no pods"

    # kubectl's answers, the first alone (it fills the discovery cache), the rest four at a
    # time: the clock is stopped, so they cannot change.
    def logs(target: tuple[str, str, str]) -> subprocess.CompletedProcess[str]:
        namespace, pod, container = target
        return kubectl("logs", "-n", namespace, pod, "-c", container, "--timestamps")

    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = [logs(targets[0]), *pool.map(logs, targets[1:])]
    app = build_app(sim, all_namespaces=True)
    compared = 0
    async with app.run_test(size=(200, 50)) as pilot:
        await until(pilot, lambda: app.source is not None and app.source.synced(), "the cache")
        for (namespace, pod, container), done in zip(targets, answers, strict=True):
            screen = LogsScreen(namespace, pod=pod, container=container)
            await app.push_screen(screen)
            await pilot.press("t", "f", "w")
            log = screen.query_one(RichLog)
            where = f"{scenario} {namespace}/{pod} -c {container}"
            if done.returncode == 0:
                expected = done.stdout.splitlines()
                # The screen starts with the last log_tail_lines lines, kubectl with all.
                assert len(expected) < app.settings.log_tail_lines
                await until(
                    pilot,
                    lambda: len(log_lines(screen_lines(log))) >= len(expected),  # noqa: B023
                    f"{len(expected)} lines of {where}",
                )
                await pilot.pause(0.2)  # nothing more may arrive: the clock is stopped
                assert log_lines(screen_lines(log)) == expected, where
                compared += len(expected)
            else:
                error = done.stderr.splitlines()[0]
                await until(
                    pilot,
                    lambda: any(error in line for line in screen_lines(log)),  # noqa: B023
                    f"kubectl's error {error!r} on the screen of {where}",
                )
                assert log_lines(screen_lines(log)) == [], where
            app.pop_screen()
            await pilot.pause()
    if scenario != "large":
        assert compared > 0
