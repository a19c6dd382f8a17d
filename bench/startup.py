"""``python -m bench.startup``: how fast ``kubectl stack`` starts, in figures that hold on a
busy machine as well as on a quiet one.

- **Import CPU** (user + system time of the process, not wall time): of the modules each
  start path needs (``--help``: :mod:`kubectl_stack.cli`; ``--once``: :mod:`kubectl_stack.once`;
  the app: :mod:`kubectl_stack.ui.app`), the least over ``--runs`` fresh processes, next to
  ``-X importtime``'s heaviest imports of ``--once``.
- **Wall and CPU** of ``--help``, ``--version`` and ``--once`` (against ``kubectl stack sim
  --scenario seed`` in its own process), next to ``kubectl get pods`` / ``get deployments``
  on the same server: median and least over ``--runs``.
- **First complete screen** with ``-A`` at ``--sizes`` pods (default 100 and 1,000, against
  ``bench.cluster``): wall time from the start of the process to the screen the suite waits
  for (:func:`bench.suite._complete`), and the app's CPU time at that moment (user + system,
  read from ``/proc``), next to ``kubectl get pods -A`` on the same cluster: median and least
  over ``--runs``.
- The load average before and after: wall figures taken on a loaded machine say little
  about the targets (issue 16), CPU figures much more.

Every app process runs with compiled bytecode, as an installed wheel does (pip compiles it):
``PYTHONDONTWRITEBYTECODE`` is dropped and ``PYTHONPYCACHEPREFIX`` points into
``bench/results/``, warmed once. Without it every start compiles the app from source
(40-130 ms of ``model.stack`` alone).
"""

from __future__ import annotations

import argparse
import compileall
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from bench.sync import REPO, spawn_cluster, stop
from bench.sync import measure as run

if TYPE_CHECKING:
    from bench.suite import Cluster

KUBECTL = str(Path(sys.executable).parent / "kubectl")
PYCACHE = Path(REPO) / "bench" / "results" / "pycache"
# (figure, label, target in seconds or None)
TARGETS = {
    "help_s": 0.100,
    "version_s": 0.100,
    "once_s": 0.250,
    "first_screen_s:100": 0.350,
    "first_screen_s:1000": 0.500,
}
SIZES = (100, 1_000)


def app_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment to run the app in: compiled bytecode kept in ``bench/results``."""
    env = {k: v for k, v in (os.environ if base is None else base).items()}
    # Empty, not absent: callers merge this over os.environ (bench.suite._app), where this
    # machine sets it; an empty value is "off" to Python.
    env["PYTHONDONTWRITEBYTECODE"] = ""
    env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    env["PYTHONPATH"] = REPO
    return env


def warm_bytecode() -> None:
    """Compile the app and the embedded cluster into :data:`PYCACHE` (once; cheap after)."""
    PYCACHE.mkdir(parents=True, exist_ok=True)
    previous = sys.pycache_prefix
    sys.pycache_prefix = str(PYCACHE)
    try:
        for package in ("kubectl_stack", "kubectl_stack_sim"):
            compileall.compile_dir(str(Path(REPO) / package), quiet=1)
    finally:
        sys.pycache_prefix = previous


def import_cpu_ms(module: str, env: Mapping[str, str]) -> float:
    """CPU milliseconds one fresh interpreter spends importing ``module``."""
    code = (
        "import time; t = time.process_time(); import " + module + "; "
        "print((time.process_time() - t) * 1000)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=dict(env), check=True
    )
    return float(done.stdout)


def heaviest_imports(module: str, env: Mapping[str, str], top: int = 8) -> list[tuple[str, int]]:
    """``-X importtime``'s slowest imports of ``module`` (cumulative microseconds, wall)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        capture_output=True,
        text=True,
        env=dict(env),
        check=True,
    )
    rows = []
    for line in done.stderr.splitlines():
        parts = [p.strip() for p in line.removeprefix("import time:").split("|")]
        if len(parts) == 3 and parts[1].isdigit():
            rows.append((parts[2], int(parts[1])))
    return sorted(rows, key=lambda r: -r[1])[:top]


def first_screens(
    pods: int, runs: int, env: Mapping[str, str], log: Callable[[str], None]
) -> dict[str, float]:
    """:func:`first_screens_on` a cluster of its own."""
    from bench.suite import Cluster

    cluster = Cluster.of_size(pods)
    try:
        return first_screens_on(cluster, runs, env, log)
    finally:
        cluster.close()


def first_screens_on(
    cluster: Cluster, runs: int, env: Mapping[str, str], log: Callable[[str], None]
) -> dict[str, float]:
    """The first complete screen with ``-A`` on ``cluster`` (not churned yet: the screen
    waits for every pod ready), ``runs`` times (the first run, which fills the bytecode
    cache of what the warm-up did not import, is not counted), next to ``kubectl get pods
    -A``."""
    from bench.suite import _app, _complete

    pods, deployments = cluster.pods, cluster.deployments
    walls: list[float] = []
    cpus: list[float] = []
    for i in range(runs + 1):
        with _app(cluster) as term:
            cpu_then: list[float] = []
            seen = _noting_cpu(_complete(deployments, 24, 10), term.pid, cpu_then)
            shown = term.wait_for(seen, 120.0)
            if shown is None:
                raise SystemExit(f"{pods} pods: no complete screen within 120 s")
            if i:
                walls.append(shown - term.started)
                cpus.append(cpu_then[0])
    with tempfile.TemporaryDirectory(prefix="bench-kubectl-cache-") as cache:
        served = {**env, "KUBECONFIG": cluster.kubeconfig, "KUBECACHEDIR": cache}
        argv = [KUBECTL, "get", "pods", "-A"]
        run(argv, served)  # discovery cached, as on a workstation
        kubectl = [run(argv, served)[0] for _ in range(runs)]
    log(
        f"first complete screen -A, {pods} pods: wall {_stats(walls)} s · "
        f"CPU {_stats(cpus)} s · kubectl get pods -A {_stats(kubectl)} s"
    )
    return {
        f"first_screen_s:{pods}": statistics.median(walls),
        f"first_screen_cpu_s:{pods}": statistics.median(cpus),
        f"first_screen_least_s:{pods}": min(walls),
        f"kubectl_get_pods_all_s:{pods}": statistics.median(kubectl),
    }


def _noting_cpu(
    complete: Callable[[list[str]], bool], pid: int, out: list[float]
) -> Callable[[list[str]], bool]:
    """``complete``, noting the app's CPU seconds when it first holds: read as the output
    that completes the screen comes in, not after the wait returns (the app goes on
    working meanwhile)."""
    from bench.suite import _proc_cpu

    def seen(screen: list[str]) -> bool:
        if complete(screen):
            out.append(_proc_cpu(pid))
            return True
        return False

    return seen


def _stats(samples: list[float]) -> str:
    return f"median {statistics.median(samples):.3f}  least {min(samples):.3f}"


def measure(
    runs: int, log: Callable[[str], None], sizes: tuple[int, ...] = SIZES
) -> dict[str, float]:
    """Every figure of the module's docstring, printed as it comes; returns them."""
    env = app_env()
    load_before = os.getloadavg()
    log(f"load average {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}")
    figures = start_paths(runs, log)
    for pods in sizes:
        figures.update(first_screens(pods, runs, env, log))
    load_after = os.getloadavg()
    figures["load_before"] = load_before[0]
    figures["load_after"] = load_after[0]
    log(f"load average {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}")
    return figures


def start_paths(runs: int, log: Callable[[str], None]) -> dict[str, float]:
    """Import CPU of each start path; wall and CPU of ``--help``, ``--version`` and
    ``--once`` next to kubectl."""
    env = app_env()
    warm_bytecode()
    figures: dict[str, float] = {}
    for module in ("kubectl_stack.cli", "kubectl_stack.once", "kubectl_stack.ui.app"):
        least = min(import_cpu_ms(module, env) for _ in range(runs))
        figures[f"import_cpu_ms:{module}"] = least
        log(f"import {module}: {least:.1f} ms CPU (least of {runs})")
    for name, micros in heaviest_imports("kubectl_stack.once", env):
        log(f"  -X importtime, --once: {name:<32} {micros / 1000:7.1f} ms cumulative (wall)")
    app = [sys.executable, "-m", "kubectl_stack"]
    for flag in ("--help", "--version"):
        samples = [run([*app, flag], env) for _ in range(runs)]
        walls = [s[0] for s in samples]
        cpus = [s[1] for s in samples]
        key = flag.strip("-")
        figures[f"{key}_s"] = statistics.median(walls)
        figures[f"{key}_cpu_s"] = statistics.median(cpus)
        log(f"{flag}: wall {_stats(walls)} s · CPU {_stats(cpus)} s  (target < 0.100 s)")
    proc, kubeconfig = spawn_cluster("kubectl_stack", "sim", "--scenario", "seed", "--port", "0")
    try:
        with tempfile.TemporaryDirectory(prefix="bench-kubectl-cache-") as cache:
            served = {**env, "KUBECONFIG": kubeconfig, "KUBECACHEDIR": cache}
            commands = {
                "once": [*app, "--once"],
                "kubectl_get_pods": [KUBECTL, "get", "pods"],
                "kubectl_get_deployments": [KUBECTL, "get", "deployments"],
            }
            run(commands["kubectl_get_pods"], served)  # kubectl's discovery cache, warmed
            for name, argv in commands.items():
                samples = [run(argv, served) for _ in range(runs)]
                walls = [s[0] for s in samples]
                cpus = [s[1] for s in samples]
                figures[f"{name}_s"] = statistics.median(walls)
                figures[f"{name}_cpu_s"] = statistics.median(cpus)
                figures[f"{name}_rss_mb"] = max(s[2] for s in samples)
                target = "  (target <= 0.25 s)" if name == "once" else ""
                log(f"{name}: wall {_stats(walls)} s · CPU {_stats(cpus)} s{target}")
    finally:
        stop(proc)
    return figures


def _verdict(wall: float | None, limit: float | None) -> str:
    if limit is None or wall is None:
        return ""
    return f"<= {limit:g} s " + ("ok" if wall <= limit else "MISSED")


def table(figures: Mapping[str, float]) -> str:
    """The figures with their targets; wall verdicts only mean something on a quiet machine."""
    rows = [
        ("import CPU, --help path (ms)", figures.get("import_cpu_ms:kubectl_stack.cli"), ""),
        ("import CPU, --once path (ms)", figures.get("import_cpu_ms:kubectl_stack.once"), ""),
        ("import CPU, app path (ms)", figures.get("import_cpu_ms:kubectl_stack.ui.app"), ""),
    ]
    for key, label in (
        ("help", "--help"),
        ("version", "--version"),
        ("once", "--once, seed scenario"),
        ("kubectl_get_pods", "kubectl get pods, same server"),
        ("kubectl_get_deployments", "kubectl get deployments, same server"),
    ):
        wall = figures.get(f"{key}_s")
        rows.append((f"{label}: wall (s)", wall, _verdict(wall, TARGETS.get(f"{key}_s"))))
        rows.append((f"{label}: CPU (s)", figures.get(f"{key}_cpu_s"), ""))
    for pods in sorted({int(k.split(":")[1]) for k in figures if k.startswith("first_screen_s:")}):
        wall = figures.get(f"first_screen_s:{pods}")
        verdict = _verdict(wall, TARGETS.get(f"first_screen_s:{pods}"))
        rows.append((f"first complete screen -A, {pods:,} pods: wall (s)", wall, verdict))
        least = figures.get(f"first_screen_least_s:{pods}")
        rows.append(("  least (s)", least, ""))
        rows.append(("  app CPU by then (s)", figures.get(f"first_screen_cpu_s:{pods}"), ""))
        kubectl = figures.get(f"kubectl_get_pods_all_s:{pods}")
        rows.append(("  kubectl get pods -A, same cluster (s)", kubectl, ""))
    rows.append(("load average (1 min) before · after", figures.get("load_before"), ""))
    rows.append(("", figures.get("load_after"), ""))
    width = max(len(r[0]) for r in rows)
    out = []
    for label, value, verdict in rows:
        cell = "—" if value is None else f"{value:.3f}" if value < 10 else f"{value:.1f}"
        out.append(f"{label.ljust(width)}  {cell:>8}  {verdict}".rstrip())
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.startup", description=__doc__)
    parser.add_argument("--runs", type=int, default=7, help="fresh processes per figure")
    parser.add_argument(
        "--sizes",
        default=",".join(str(n) for n in SIZES),
        help="pod counts for the first complete screen, comma-separated (empty: none)",
    )
    args = parser.parse_args(argv)
    sizes = tuple(int(n) for n in args.sizes.split(",") if n.strip())

    def log(text: str) -> None:
        sys.stderr.write(text + "\n")
        sys.stderr.flush()

    print(table(measure(args.runs, log, sizes)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
