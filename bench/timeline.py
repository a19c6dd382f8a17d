"""``python -m bench.timeline``: where the first complete screen's time goes, step by step.

Runs ``kubectl stack -A`` on an 80x24 pty against ``bench.cluster`` (``--pods`` pods, one
Deployment per 10), ``--runs`` times, each in a fresh process wrapped so that it notes the
wall time since its start and its CPU time (user + system) at each step: a module of the
start path imported, the connection opened, the lists asked for, each kind's first list in
the store, the Stacks screen pushed, each refresh of the screens and each send to the
terminal. The run stops at the complete screen as ``bench.startup`` defines it
(:func:`bench.suite._complete`). Prints each run's steps, then the median CPU at each.

``--app DIR`` runs another source tree's app (its ``kubectl_stack`` first on the path) on
the same cluster, e.g. a ``git archive`` of main, for a before/after. Usage::

    python -m bench.timeline [--pods 100] [--runs 3] [--app DIR]
"""

from __future__ import annotations

import argparse
import importlib.abc
import importlib.machinery
import importlib.util
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

LOG = "BENCH_TIMELINE_LOG"  # the child's log file
STARTED = "BENCH_TIMELINE_STARTED"  # when the parent started it (epoch seconds)
# Modules whose import is a step, and what to wrap in each once it is imported.
STEPS = (
    "kubectl_stack.cli",
    "aiohttp",
    "kubectl_stack.kube.store",
    "kubectl_stack.kube.informers",
    "kubectl_stack.ui.run",
    "kubectl_stack.ui.cluster",
    "textual.app",
    "kubectl_stack.ui.app",
    "kubectl_stack.ui.driver",
    "kubectl_stack.ui.screens.stacks",
)
BIG_SEND = 3_000  # bytes: a send this big is a whole new screen (80x24)


# -- the child: the app, noting its steps ----------------------------------------------------


class _Marks:
    def __init__(self, path: str, started: float) -> None:
        self._path = path
        self._started = started
        self._seen: dict[str, int] = {}

    def __call__(self, step: str) -> None:
        n = self._seen[step] = self._seen.get(step, 0) + 1
        label = step if n == 1 else f"{step} #{n}"
        cpu = time.process_time() * 1000
        wall = (time.time() - self._started) * 1000
        with open(self._path, "a", encoding="utf-8") as log:
            log.write(f"{wall:.1f}\t{cpu:.1f}\t{label}\n")


def _wrap(
    owner: Any, name: str, mark: Callable[[str], None], step: str, once: bool = False
) -> None:
    inner = getattr(owner, name, None)
    if inner is None:
        return  # another tree's app (--app) may not have it
    calls = 0

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        result = inner(*args, **kwargs)
        calls += 1
        if calls == 1 or not once:
            mark(step)
        return result

    setattr(owner, name, wrapped)


def _wrap_async(owner: Any, name: str, mark: Callable[[str], None], step: str) -> None:
    inner = getattr(owner, name, None)
    if inner is None:
        return

    async def wrapped(*args: Any, **kwargs: Any) -> Any:
        result = await inner(*args, **kwargs)
        mark(step)
        return result

    setattr(owner, name, wrapped)


def _instrument(module: ModuleType, mark: Callable[[str], None]) -> None:
    name = module.__name__
    if name == "kubectl_stack.kube.store":
        replace = module.ClusterState.replace

        def replaced(self: Any, kind: str, *args: Any, **kwargs: Any) -> Any:
            result = replace(self, kind, *args, **kwargs)
            mark(f"{kind} in the store")
            return result

        module.ClusterState.replace = replaced
    elif name == "kubectl_stack.kube.informers":
        _wrap_async(module.Informers, "start", mark, "informers started (discovery answered)")
        _wrap(module.Informers, "_start", mark, "the first list asked for", once=True)
    elif name == "kubectl_stack.ui.cluster":
        _wrap_async(module, "open_source", mark, "connection open (open_source returned)")
    elif name == "kubectl_stack.ui.app":
        _wrap(module.StackApp, "_start", mark, "Stacks screen pushed")
        _wrap(module.StackApp, "_refresh_screens", mark, "screens refreshed")
    elif name == "kubectl_stack.ui.driver":
        flush = module.TerminalOutput.flush

        def flushed(self: Any) -> None:
            before = self._link.sent
            flush(self)
            sent = self._link.sent - before
            if sent:
                mark("whole screen sent" if sent >= BIG_SEND else "a change sent")

        module.TerminalOutput.flush = flushed


class _Finder(importlib.abc.MetaPathFinder):
    """Marks each of :data:`STEPS` imported, then instruments it."""

    def __init__(self, mark: Callable[[str], None]) -> None:
        self._mark = mark

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in STEPS:
            return None
        sys.meta_path.remove(self)
        try:
            spec = importlib.util.find_spec(fullname)
        finally:
            sys.meta_path.insert(0, self)
        loader = spec.loader if spec is not None else None
        if spec is None or not isinstance(loader, importlib.abc.Loader):
            return spec
        execute = loader.exec_module
        mark = self._mark

        def exec_module(module: ModuleType) -> None:
            execute(module)
            mark(f"{fullname} imported")
            _instrument(module, mark)

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def _child(argv: list[str]) -> int:
    mark = _Marks(os.environ[LOG], float(os.environ[STARTED]))
    mark("interpreter up")
    sys.meta_path.insert(0, _Finder(mark))
    from kubectl_stack.cli import main

    return main(argv)


# -- the parent: the cluster, the runs, the table ---------------------------------------------


def _runs(pods: int, runs: int, app: str | None) -> list[list[tuple[float, float, str]]]:
    from bench.suite import Cluster, _app, _complete

    deployments = max(1, pods // 10)
    cluster = Cluster(pods, deployments, 20)
    env = {"PYTHONPATH": app} if app else {}  # the child imports nothing of bench
    found = []
    try:
        for i in range(runs + 1):  # the first fills the bytecode cache: not counted
            with tempfile.NamedTemporaryFile("r", suffix=".log", encoding="utf-8") as log:
                program = (str(Path(__file__).resolve()), "--child", "-A")
                env.update({LOG: log.name, STARTED: repr(time.time())})
                with _app(cluster, program=program, env=env) as term:
                    shown = term.wait_for(_complete(deployments, 24, 10), 120.0)
                    if shown is None:
                        raise SystemExit(f"{pods} pods: no complete screen within 120 s")
                    cpu = _cpu_of(term.pid)
                steps = [_row(line) for line in log.read().splitlines()]
            wall = (shown - term.started) * 1000
            steps.append((wall, cpu, "complete screen seen (CPU read by the harness)"))
            if i:
                found.append(steps)
    finally:
        cluster.close()
    return found


def _cpu_of(pid: int) -> float:
    from bench.suite import _proc_cpu

    return _proc_cpu(pid) * 1000


def _row(line: str) -> tuple[float, float, str]:
    wall, cpu, step = line.split("\t", 2)
    return float(wall), float(cpu), step


def table(runs: list[list[tuple[float, float, str]]]) -> str:
    """The median CPU (ms) at each step, in the order of the first run."""
    order: list[str] = []
    cpus: dict[str, list[float]] = {}
    for steps in runs:
        for _, cpu, step in steps:
            if step not in cpus:
                order.append(step)
            cpus.setdefault(step, []).append(cpu)
    width = max(len(step) for step in order)
    lines = [f"{'step'.ljust(width)}  CPU ms (median)  runs"]
    for step in order:
        median = statistics.median(cpus[step])
        lines.append(f"{step.ljust(width)}  {median:15.0f}  {len(cpus[step])}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["--child"]:
        return _child(args[1:])
    parser = argparse.ArgumentParser(prog="python -m bench.timeline", description=__doc__)
    parser.add_argument("--pods", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--app", help="another source tree whose app to run (its root)")
    ns = parser.parse_args(args)
    found = _runs(ns.pods, ns.runs, ns.app)
    for i, steps in enumerate(found, 1):
        print(f"-- run {i}: wall ms, CPU ms, step")
        for wall, cpu, step in steps:
            print(f"{wall:8.1f} {cpu:8.1f}  {step}")
    load = os.getloadavg()
    print(f"\n{ns.pods} pods, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(table(found))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
