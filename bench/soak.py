"""``python -m bench.soak`` (``python -m bench --soak-hours N``): the app's memory over hours.

The embedded cluster runs the ``large`` scenario *live*, its own script included (a rollout
restart or a container restart every 5 s of virtual time, and the Events they cause), on a
virtual clock sped up ``--speed`` times, in its own process. Its Events expire an hour after
their last write, as kube-apiserver's ``--event-ttl`` does. The virtual clock starts in the past
so that it reaches the wall clock only at the end of the soak (clients never see timestamps
from the future).

The app (``python -m kubectl_stack -A`` through :mod:`bench.probe`) runs on a pty at 80x24,
showing the Stacks list (``--open-stack``: the first stack's screen). Every ``--every``
virtual minutes the benchmark reads its RSS from ``/proc``, asks the cluster how many Events,
pods and ReplicaSets it holds, then has the app count what it holds (:mod:`bench.probe`: the
objects per kind in its store, the Python allocator's blocks, object counts by type, the
lengths of the containers its objects keep). It prints one line per sample, then the table,
and what grew the most from the first sample after the first virtual hour (when Events
begin to expire) to the last. JSON goes to ``bench/results/``.

RSS and counts are robust to a busy machine; how much virtual time the cluster covers per
wall second is not (the cluster falls behind its clock when starved of CPU, and then makes
fewer changes than the scenario asks for: the Events per hour are printed).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.cluster import no_full_collections
from bench.suite import _app, _complete, _proc_cpu, _proc_rss
from bench.sync import run_main, spawn_cluster, stop
from bench.terminal import Terminal
from kubectl_stack import jsonutil

RESULTS = Path(__file__).resolve().parent / "results"
# The virtual clock ends this far behind the wall clock at the soak's end, at most.
SLACK_S = 60.0
PROBE_TIMEOUT = 120.0


@dataclass
class Options:
    hours: float = 4.0
    speed: float = 20.0
    every_minutes: float = 30.0
    pods: int = 10_000
    namespaces: int = 20
    open_stack: bool = False
    tracemalloc: int = 0  # frames; 0: off (tracing slows the app and doubles its memory)


KINDS = {"events": "events", "pods": "pods", "replicasets": "replicasets"}  # cluster -> app


@dataclass
class Sample:
    virtual_h: float
    wall_s: float
    app_rss_mb: float
    app_peak_mb: float
    app_cpu_s: float
    cluster: dict[str, float]
    app: dict[str, Any] = field(default_factory=dict)


# -- the cluster's process ------------------------------------------------------------------


def _serve(options: Options) -> int:
    """The cluster (``--serve``): prints ``KUBECONFIG=``, then answers ``go`` (start the
    clock), ``stop`` (no timer fires any more: nothing changes) and ``stats`` (JSON), one
    per stdin line, until stdin closes."""
    from kubectl_stack_sim.clock import Clock
    from kubectl_stack_sim.runner import serve
    from kubectl_stack_sim.scenario import build_cluster

    span = options.hours * 3600.0
    # Virtual time covers ``span`` in span / speed wall seconds, and ends at the wall clock
    # (less the time the app takes to sync while the clock stands still, and the slack).
    start = time.time() - span * (1.0 - 1.0 / options.speed) - SLACK_S
    deployments = max(1, options.pods // 10)

    async def run() -> None:
        loop = asyncio.get_running_loop()
        cluster = build_cluster(
            "large",
            clock=Clock(start=start),
            pods=options.pods,
            deployments=deployments,
            namespaces=options.namespaces,
        )
        cluster.clock.speed = options.speed
        no_full_collections()
        store = cluster.store
        clock_task: asyncio.Task[None] | None = None
        began: float | None = None
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp)
            served = await serve(cluster, kubeconfig_path=path / "kubeconfig", cert_dir=path)
            _reply(f"KUBECONFIG={served.kubeconfig}")
            try:
                while line := await loop.run_in_executor(None, sys.stdin.readline):
                    command = line.strip()
                    if command == "go" and clock_task is None:
                        began = cluster.clock.now()
                        clock_task = asyncio.ensure_future(cluster.clock.run())
                        _reply("ok")
                    elif command == "stop" and clock_task is not None:
                        clock_task.cancel()
                        _reply("ok")
                    elif command == "stats":
                        now = cluster.clock.now()
                        stats = {
                            "virtual_s": 0.0 if began is None else now - began,
                            "behind_wall_s": time.time() - now,
                            "events": store.count("events"),
                            "pods": store.count("pods"),
                            "replicasets": store.count("replicasets.apps"),
                            "resource_version": store.resource_version,
                            "rss_mb": _proc_rss(os.getpid())[0],
                        }
                        _reply(jsonutil.dumps(stats).decode())
                    else:
                        _reply(f"unknown command {command!r}")
            finally:
                if clock_task is not None:
                    clock_task.cancel()
                await served.server.stop()

    asyncio.run(run())
    return 0


def _reply(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


class SoakCluster:
    """:func:`_serve` in a child process."""

    def __init__(self, options: Options) -> None:
        self.proc, self.kubeconfig = spawn_cluster("bench.soak", "--serve", *_flags(options))

    def command(self, text: str) -> str:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()
        return self.proc.stdout.readline().strip()

    def stats(self) -> dict[str, float]:
        answer = self.command("stats")
        try:
            stats: dict[str, float] = jsonutil.loads(answer)
        except ValueError:
            raise SystemExit(f"the embedded cluster answered {answer!r}") from None
        return stats

    def close(self) -> None:
        stop(self.proc, grace=30.0)


def _flags(options: Options) -> list[str]:
    return [
        f"--hours={options.hours}",
        f"--speed={options.speed}",
        f"--pods={options.pods}",
        f"--namespaces={options.namespaces}",
    ]


# -- the app ----------------------------------------------------------------------------------


class Probe:
    """Asks the app under :mod:`bench.probe` for its census (SIGUSR1, then a JSON file)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.seq = 0

    def env(self, tracemalloc_frames: int) -> dict[str, str]:
        env = {"BENCH_PROBE_FILE": str(self.path)}
        if tracemalloc_frames:
            env["BENCH_PROBE_TRACEMALLOC"] = str(tracemalloc_frames)
        return env

    def ask(self, pid: int) -> dict[str, Any]:
        self.seq += 1
        os.kill(pid, signal.SIGUSR1)
        deadline = time.monotonic() + PROBE_TIMEOUT
        while time.monotonic() < deadline:
            with contextlib.suppress(FileNotFoundError, ValueError):
                figures: dict[str, Any] = jsonutil.loads(self.path.read_bytes())
                if figures.get("seq") == self.seq:
                    if "error" in figures:
                        raise SystemExit(f"the app's probe failed:\n{figures['error']}")
                    return figures
            time.sleep(0.2)
        raise SystemExit(f"the app did not answer probe {self.seq} within {PROBE_TIMEOUT:.0f} s")


def _sample(
    term: Terminal, cluster: SoakCluster, probe: Probe, started: float
) -> tuple[Sample, dict[str, float]]:
    # RSS first: the probe's own work (a full collection, a list of every object) must not
    # count in it.
    rss, peak = _proc_rss(term.pid)
    cpu = _proc_cpu(term.pid)
    stats = cluster.stats()
    sample = Sample(
        virtual_h=stats["virtual_s"] / 3600.0,
        wall_s=time.perf_counter() - started,
        app_rss_mb=rss,
        app_peak_mb=peak,
        app_cpu_s=cpu,
        cluster=stats,
        app=probe.ask(term.pid),
    )
    return sample, stats


def settle(cluster: SoakCluster, probe: Probe, pid: int, timeout: float = 60.0) -> dict[str, Any]:
    """Stop the cluster's clock, then wait until the app's store holds as many Events, pods
    and ReplicaSets as the cluster: the counts, and whether they met within ``timeout``."""
    cluster.command("stop")
    deadline = time.monotonic() + timeout
    while True:
        stats = cluster.stats()
        store = probe.ask(pid)["store"]
        counts = {k: (int(stats[k]), int(store.get(v, -1))) for k, v in KINDS.items()}
        met = all(ours == theirs for theirs, ours in counts.values())
        if met or time.monotonic() > deadline:
            return {"met": met, **{k: {"cluster": c, "app": a} for k, (c, a) in counts.items()}}
        time.sleep(1.0)


def soak(options: Options, log: Callable[[str], None]) -> tuple[list[Sample], dict[str, Any]]:
    """Run the soak; the samples (the first taken once the app has synced) and how the app's
    store compared with the cluster once the clock stopped (:func:`settle`)."""
    deployments = max(1, options.pods // 10)
    log(
        f"starting the embedded cluster: {options.pods} pods, {deployments} Deployments, "
        f"{options.hours} virtual hours at speed {options.speed:g} "
        f"(~{options.hours * 3600 / options.speed / 60:.0f} min)"
    )
    cluster = SoakCluster(options)
    samples: list[Sample] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            probe = Probe(Path(tmp) / "census.json")
            program = ["-m", "bench.probe", "-A"]
            with _app(cluster, program=program, env=probe.env(options.tracemalloc)) as term:
                shown = term.wait_for(_complete(deployments, 24, 10), 300.0)
                if shown is None:
                    raise SystemExit("no complete first screen within 300 s:\n" + _screen(term))
                log(f"first complete screen after {shown - term.started:.1f} s")
                if options.open_stack:
                    term.send(b"\r")
                    if term.wait_for(_on_screen(options, deployments), 30) is None:
                        raise SystemExit("the first stack did not open:\n" + _screen(term))
                time.sleep(2.0)
                started = time.perf_counter()
                sample, stats = _sample(term, cluster, probe, started)
                samples.append(sample)
                log(_line(sample))
                cluster.command("go")
                step = options.every_minutes * 60.0
                mark = step
                end = options.hours * 3600.0
                while mark <= end + 1e-6:
                    stats = cluster.stats()
                    if stats["virtual_s"] < mark:
                        time.sleep(min(2.0, max(0.2, (mark - stats["virtual_s"]) / options.speed)))
                        continue
                    sample, stats = _sample(term, cluster, probe, started)
                    samples.append(sample)
                    log(_line(sample))
                    mark += step
                # Still drawing after hours.
                if term.wait_for(_on_screen(options, deployments), 30) is None:
                    raise SystemExit("the app no longer shows its screen:\n" + _screen(term))
                settled = settle(cluster, probe, term.pid)
                log(f"clock stopped; the app's store against the cluster's: {settled}")
    finally:
        cluster.close()
    return samples, settled


def _on_screen(options: Options, deployments: int) -> Callable[[list[str]], bool]:
    """The soak's screen is drawn: the Stack screen's title, or the Stacks list's count."""
    if options.open_stack:
        return lambda screen: any("· Deployment ·" in line for line in screen)
    return lambda screen: f"{deployments} stacks" in screen[0]


def _screen(term: Terminal) -> str:
    return "\n".join(term.lines())


# -- the report -------------------------------------------------------------------------------

COLUMNS: tuple[tuple[str, Callable[[Sample], str]], ...] = (
    ("virtual h", lambda s: f"{s.virtual_h:.2f}"),
    ("wall min", lambda s: f"{s.wall_s / 60:.1f}"),
    ("app RSS MiB", lambda s: f"{s.app_rss_mb:.1f}"),
    ("app blocks k", lambda s: f"{s.app.get('blocks', 0) / 1000:,.0f}"),
    ("app gc objects k", lambda s: f"{s.app.get('gc_objects', 0) / 1000:,.0f}"),
    ("events cluster", lambda s: f"{s.cluster['events']:,.0f}"),
    ("events app", lambda s: f"{s.app.get('store', {}).get('events', 0):,}"),
    ("pods app", lambda s: f"{s.app.get('store', {}).get('pods', 0):,}"),
    ("RS cluster", lambda s: f"{s.cluster['replicasets']:,.0f}"),
    ("RS app", lambda s: f"{s.app.get('store', {}).get('replicasets', 0):,}"),
    ("cluster RSS MiB", lambda s: f"{s.cluster['rss_mb']:.0f}"),
)


def _line(s: Sample) -> str:
    return "  ".join(f"{name} {cell(s)}" for name, cell in COLUMNS)


def table(samples: list[Sample]) -> str:
    rows = [[name for name, _ in COLUMNS]]
    rows += [[cell(s) for _, cell in COLUMNS] for s in samples]
    widths = [max(len(r[i]) for r in rows) for i in range(len(COLUMNS))]
    return "\n".join("  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in rows)


def growth(samples: list[Sample], top: int = 12) -> str:
    """What grew the most between the first sample after one virtual hour and the last."""
    after = [s for s in samples if s.virtual_h >= 1.0]
    if len(after) < 2:
        return "(fewer than two samples after the first virtual hour: no growth to show)"
    first, last = after[0], after[-1]
    lines = [
        f"from {first.virtual_h:.2f} h to {last.virtual_h:.2f} h virtual: "
        f"RSS {last.app_rss_mb - first.app_rss_mb:+.1f} MiB, "
        f"allocator blocks {last.app['blocks'] - first.app['blocks']:+,}, "
        f"tracked objects {last.app['gc_objects'] - first.app['gc_objects']:+,}"
    ]
    for part in ("types", "containers"):
        before, now = first.app.get(part, {}), last.app.get(part, {})
        deltas = sorted(
            ((now.get(k, 0) - before.get(k, 0), k) for k in {*before, *now}),
            key=lambda d: -abs(d[0]),
        )
        lines.append(f"  {part}, largest changes (of the {len(now)} largest at either end):")
        lines += [f"    {d:+9,}  {k}  (now {now.get(k, 0):,})" for d, k in deltas[:top] if d]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__)
    parser.add_argument("--hours", type=float, default=4.0, help="virtual hours of churn")
    parser.add_argument("--speed", type=float, default=20.0, help="virtual seconds per second")
    parser.add_argument("--every", type=float, default=30.0, help="virtual minutes per sample")
    parser.add_argument("--pods", type=int, default=10_000, help="pods (10 per Deployment)")
    parser.add_argument("--namespaces", type=int, default=20)
    parser.add_argument("--open-stack", action="store_true", help="soak on a Stack screen")
    parser.add_argument(
        "--tracemalloc", type=int, default=0, metavar="FRAMES", help="trace allocations (slow)"
    )
    parser.add_argument("--out", type=Path, default=None, help="JSON file (default: results/)")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.hours <= 0 or args.speed <= 0 or args.every <= 0:
        parser.error("--hours, --speed and --every must be positive")
    options = Options(
        hours=args.hours,
        speed=args.speed,
        every_minutes=args.every,
        pods=args.pods,
        namespaces=args.namespaces,
        open_stack=args.open_stack,
        tracemalloc=args.tracemalloc,
    )
    if args.serve:
        return _serve(options)

    def log(text: str) -> None:
        sys.stderr.write(f"{time.strftime('%H:%M:%S')} {text}\n")
        sys.stderr.flush()

    commit = _commit()  # the code the app runs is the code of the start
    samples, settled = soak(options, log)
    print(table(samples))
    print(growth(samples))
    held = ", ".join(
        f"{k} {v['app']:,} of {v['cluster']:,}" for k, v in settled.items() if k != "met"
    )
    print(f"once the clock stopped, the app's store held: {held}")
    out = args.out
    if out is None:
        RESULTS.mkdir(exist_ok=True)
        out = RESULTS / f"soak-{time.strftime('%Y%m%dT%H%M%S')}.json"
    record = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "commit": commit,
        "options": asdict(options),
        "samples": [asdict(s) for s in samples],
        "settled": settled,
    }
    out.write_bytes(jsonutil.dumps_pretty(record))
    print(f"figures written to {out}")
    return 0


def _commit() -> str:
    done = subprocess.run(
        ["git", "describe", "--always", "--dirty"],
        cwd=Path(__file__).resolve().parent,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip() or "unknown"


if __name__ == "__main__":
    run_main(main)
