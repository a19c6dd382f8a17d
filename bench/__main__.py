"""``python -m bench`` (``make bench``): the whole suite against the embedded cluster.

One cluster per size (100, 1,000, 10,000 and 30,000 pods; ``--huge`` adds 100,000), and on
it, in turn: the first complete screen in fresh processes (:mod:`bench.startup`, at 100 and
1,000 pods, before anything churns), the suite (:mod:`bench.suite`: kubectl's lists, the
app's first screen, RSS, CPU, event-to-screen and terminal bytes at 80x24 under churn 50/s
and 500/s, keys), the terminal at 200x60 and a 64 kbit/s pty (:mod:`bench.link`), the API
server's load (:mod:`bench.apiload`, at 1,000 pods) and WatchList against paginated LIST
(:mod:`bench.watchlist`, at 10,000 pods and 100,000). Then ``--help``/``--version``/
``--once`` (:mod:`bench.startup`) and the data layer's sync (:mod:`bench.sync`). Prints each
module's table, then one summary of issue 16's targets (:mod:`bench.targets`) and writes
every figure as JSON to ``bench/results/``, with the commit measured and the load average at
the start and the end. With ``--soak-hours N`` it runs the memory soak instead
(:mod:`bench.soak`). See bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench import apiload, link, soak, startup, suite, sync, targets, watchlist
from bench.sync import REPO
from kubectl_stack import jsonutil

RESULTS = Path(__file__).resolve().parent / "results"

# (figure, label, target check on the main size's figures or None)
ROWS: list[tuple[str, str]] = [
    ("kubectl_get_s", "kubectl get pods -A (s)"),
    ("kubectl_json_s", "kubectl get pods -A -o json (s)"),
    ("first_screen_s", "app: first complete screen -A (s)"),
    ("kubectl_get_rss_mb", "kubectl get pods -A peak RSS (MiB)"),
    ("rss_synced_mb", "app RSS after sync (MiB)"),
    ("rss_peak_synced_mb", "app peak RSS after sync (MiB)"),
    ("rss_after_soak_mb", "app RSS after churn soak (MiB)"),
    ("rss_peak_mb", "app peak RSS, whole run (MiB)"),
    ("cpu_idle_pct", "app CPU idle (%)"),
    ("cpu_churn_pct_50", "app CPU, churn 50/s (%)"),
    ("cpu_churn_pct_500", "app CPU, churn 500/s (%)"),
    ("cpu_ms_per_event_50", "app CPU per event, churn 50/s (ms)"),
    ("cpu_ms_per_event_500", "app CPU per event, churn 500/s (ms)"),
    ("rss_after_churn_mb", "app RSS after the churn windows (MiB)"),
    ("huge_soak_rss_first_mb", "100k soak: RSS at its start (MiB)"),
    ("huge_soak_rss_last_mb", "100k soak: RSS at its end (MiB)"),
    ("huge_soak_rss_max_mb", "100k soak: RSS, most (MiB)"),
    ("e2s_p50_ms_50", "event-to-screen p50, 50/s (ms)"),
    ("e2s_p99_ms_50", "event-to-screen p99, 50/s (ms)"),
    ("e2s_p50_ms_500", "event-to-screen p50, 500/s (ms)"),
    ("e2s_p99_ms_500", "event-to-screen p99, 500/s (ms)"),
    ("e2s_missed_50", "probes not shown within 5 s, 50/s"),
    ("e2s_missed_500", "probes not shown within 5 s, 500/s"),
    ("tty_bps_80x24_50", "terminal bytes/s 80x24, 50/s"),
    ("tty_bps_80x24_500", "terminal bytes/s 80x24, 500/s"),
    ("tty_bps_200x60_50", "terminal bytes/s 200x60, 50/s"),
    ("kubectl_watch_bps_50", "kubectl get pods -A --watch-only bytes/s, 50/s"),
    ("key_move_p50_ms", "key: cursor move p50 (ms)"),
    ("key_move_p99_ms", "key: cursor move p99 (ms)"),
    ("key_open_p50_ms", "key: open a stack p50 (ms)"),
    ("key_open_p99_ms", "key: open a stack p99 (ms)"),
    ("key_open_first_ms", "key: first stack opened (ms)"),
    ("key_open_slowest_at", "key: slowest open, its number (1-24)"),
]


def _targets(v: dict[str, float | None]) -> dict[str, tuple[str, bool | None]]:
    """Issue 6's targets as (text, met) on the main size's figures."""

    def below(name: str, limit: float) -> bool | None:
        value = v.get(name)
        return None if value is None else value < limit

    first, kubectl = v.get("first_screen_s"), v.get("kubectl_get_s")
    return {
        "first_screen_s": (
            "<= kubectl get pods -A",
            None if first is None or kubectl is None else first <= kubectl,
        ),
        "rss_peak_mb": ("< 150 MiB", below("rss_peak_mb", 150)),
        "rss_peak_synced_mb": ("< 150 MiB", below("rss_peak_synced_mb", 150)),
        "e2s_p99_ms_50": ("< 100 ms", below("e2s_p99_ms_50", 100)),
        "e2s_p99_ms_500": ("< 250 ms", below("e2s_p99_ms_500", 250)),
        "cpu_idle_pct": ("< 1 %", below("cpu_idle_pct", 1)),
        "tty_bps_80x24_50": ("<= 10 KB/s", below("tty_bps_80x24_50", 10_000)),
        "tty_bps_80x24_500": ("<= 10 KB/s", below("tty_bps_80x24_500", 10_000)),
        "tty_bps_200x60_50": ("<= 30 KB/s", below("tty_bps_200x60_50", 30_000)),
        "key_move_p99_ms": ("< 50 ms", below("key_move_p99_ms", 50)),
        "key_open_p99_ms": ("< 50 ms", below("key_open_p99_ms", 50)),
    }


def _cell(value: float | None) -> str:
    if value is None:
        return "—"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.2f}" if abs(value) < 10 else f"{value:.1f}"


def table(figures: list[suite.Figures], main_size: int) -> str:
    sizes = [f.size for f in figures]
    main = next((f.values for f in figures if f.size == main_size), {})
    targets = _targets(main)
    header = ["figure", *[f"{s:,} pods" for s in sizes], "target", ""]
    lines = [header]
    for name, label in ROWS:
        if all(name not in f.values for f in figures):
            continue
        target, met = targets.get(name, ("", None))
        verdict = "" if met is None else ("ok" if met else "MISSED")
        lines.append([label, *[_cell(f.values.get(name)) for f in figures], target, verdict])
    widths = [max(len(row[i]) for row in lines) for i in range(len(header))]
    out = []
    for row in lines:
        cells = [row[0].ljust(widths[0])]
        cells += [c.rjust(w) for c, w in zip(row[1:-2], widths[1:-2], strict=True)]
        cells += [row[-2].ljust(widths[-2]), row[-1]]
        out.append("  ".join(cells).rstrip())
    return "\n".join(out)


def _sizes(text: str, parser: argparse.ArgumentParser, flag: str) -> tuple[int, ...]:
    try:
        return tuple(int(s) for s in text.split(",") if s.strip())
    except ValueError:
        parser.error(f"{flag} must be integers: {text!r}")


def commit() -> str:
    """``git rev-parse --short HEAD``, `` (dirty)`` when the tree has changes."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    head = git("rev-parse", "--short", "HEAD") or "unknown"
    return head + (" (dirty)" if git("status", "--porcelain", "--untracked-files=no") else "")


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--sizes",
        default="100,1000,10000,30000",
        help="pod counts, comma-separated (10 per Deployment)",
    )
    parser.add_argument("--main-size", type=int, default=10_000, help="issue 6's column")
    # Defaults (None here) are FULL's, or QUICK's with --quick; a flag given wins.
    parser.add_argument("--soak", type=float, help="seconds of churn before the RSS (main size)")
    parser.add_argument("--idle", type=float, help="seconds of idle CPU sampling")
    parser.add_argument("--window", type=float, help="seconds per churn window")
    parser.add_argument("--probes", type=int, help="latency probes per rate")
    parser.add_argument("--keys", type=int, help="cursor moves and opens per size")
    parser.add_argument("--kubectl-runs", type=int, default=1)
    parser.add_argument("--startup-runs", type=int, help="fresh starts per figure")
    parser.add_argument("--api-window", type=float, help="seconds counted per bench.apiload phase")
    parser.add_argument(
        "--api-settle", type=float, help="seconds before each bench.apiload phase is counted"
    )
    parser.add_argument("--apiload-at", default="1000", help="sizes for bench.apiload")
    parser.add_argument(
        "--watchlist-at", default="10000", help="sizes for bench.watchlist (+100000 with --huge)"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="every step with the fewest samples (smoke test; QUICK)",
    )
    parser.add_argument(
        "--huge",
        action="store_true",
        help="add the 100,000-pod column (10,000 Deployments, 100 namespaces; 15-30 min)",
    )
    parser.add_argument(
        "--huge-soak",
        type=float,
        help="seconds of churn 50/s in the 100,000-pod column, RSS sampled (0: none)",
    )
    parser.add_argument("--no-sync", action="store_true", help="skip the bench.sync benchmark")
    parser.add_argument("--no-link", action="store_true", help="skip bench.link (200x60, slow pty)")
    parser.add_argument("--no-startup", action="store_true", help="skip bench.startup")
    parser.add_argument("--out", type=Path, default=None, help="JSON file (default: results/)")
    parser.add_argument(
        "--soak-hours",
        type=float,
        default=None,
        metavar="N",
        help="run only the memory soak (python -m bench.soak) over N virtual hours",
    )
    parser.add_argument(
        "--soak-speed", type=float, default=20.0, help="the soak's virtual seconds per second"
    )
    args = parser.parse_args(argv)
    args.sizes = _sizes(args.sizes, parser, "--sizes")
    args.apiload_at = _sizes(args.apiload_at, parser, "--apiload-at")
    args.watchlist_at = _sizes(args.watchlist_at, parser, "--watchlist-at")
    if args.huge:
        args.sizes = tuple(sorted({*args.sizes, suite.HUGE}))
        args.watchlist_at = (*args.watchlist_at, suite.HUGE)
    for name, value in (QUICK if args.quick else FULL).items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    return args


# The defaults of a full run and of --quick. A window of 2 s is the least that sees a
# refresh (pacing.MAX_GAP is 1 s).
FULL = {"soak": 30.0, "idle": 8.0, "window": 8.0, "probes": 20, "keys": 24}
FULL |= {"startup_runs": 5, "api_window": 20.0, "api_settle": apiload.SETTLE, "huge_soak": 300.0}
QUICK = {"soak": 0.0, "idle": 0.5, "window": 2.0, "probes": 3, "keys": 4}
QUICK |= {"startup_runs": 1, "api_window": 1.0, "api_settle": 1.0, "huge_soak": 10.0}


class Run:
    """One ``make bench``: the steps' figures as they come, and how long each took."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.options = suite.Options(
            sizes=args.sizes,
            main_size=args.main_size,
            idle_seconds=args.idle,
            window_seconds=args.window,
            probes=args.probes,
            soak_seconds=args.soak,
            kubectl_runs=args.kubectl_runs,
            keys=args.keys,
            huge_soak_seconds=args.huge_soak,
        )
        self.suite: list[suite.Figures] = []
        self.link: list[dict[str, float | None]] = []
        self.api: dict[int, dict[str, float]] = {}
        self.per_size: dict[int, dict[str, float | None]] = {}
        self.run: dict[str, float | None] = {}
        self.steps: list[tuple[str, float]] = []
        self.failed: list[str] = []

    def log(self, text: str) -> None:
        sys.stderr.write(f"{time.strftime('%H:%M:%S')} {text}\n")
        sys.stderr.flush()

    def step(self, name: str, work: Callable[[], Any]) -> Any:
        """``work()``, timed; None if it failed (logged, and listed with the summary: its
        figures are "not measured" and the run goes on to the next step)."""
        started = time.perf_counter()
        try:
            return work()
        except (Exception, SystemExit) as error:
            self.failed.append(f"{name}: {error!r}")
            self.log(f"{name} FAILED:\n{traceback.format_exc()}")
            return None
        finally:
            took = time.perf_counter() - started
            self.steps.append((name, took))
            self.log(f"{name}: {took:.0f} s")

    def size(self, pods: int) -> None:
        args, log = self.args, self.log
        values: dict[str, float | None] = {"pods": float(pods)}
        self.per_size[pods] = values
        cluster = self.step(
            f"{pods} pods: cluster",
            lambda: suite.Cluster.of_size(pods, self.options.pods_per_deployment),
        )
        if cluster is None:
            return
        try:
            if not args.no_startup and pods in targets.FIRST_SCREEN:
                env = startup.app_env()
                got = self.step(
                    f"{pods} pods: first screens",
                    lambda: startup.first_screens_on(cluster, args.startup_runs, env, log),
                )
                if got is not None:
                    self.run.update(got)  # keyed by size, for bench.startup's table
                    values["start_first_screen_s"] = got[f"first_screen_s:{pods}"]
                    values["start_kubectl_get_s"] = got[f"kubectl_get_pods_all_s:{pods}"]
            main = pods == self.options.main_size
            fig = suite.Figures(pods)
            self.suite.append(fig)
            self.step(
                f"{pods} pods: suite",
                lambda: suite.measure_size(cluster, self.options, main, log, fig),
            )
            values.update(fig.values)
            if not args.no_link:
                got = self.step(f"{pods} pods: 200x60, 64 kbit/s", lambda: self._link(cluster))
                if got:
                    self.link.extend(got)
                    values.update({k: v for k, v in got[0].items() if k.startswith(_LINK_KEYS)})
            if pods in args.apiload_at:
                api = self.step(
                    f"{pods} pods: API load",
                    lambda: apiload.measure_on(cluster, args.api_window, log, args.api_settle),
                )
                if api is not None:
                    self.api[pods] = api
                    values.update({f"api_{k}": v for k, v in api.items()})
            if pods in args.watchlist_at:
                _say(f"\nWatchList against paginated LIST (bench.watchlist, {pods:,} pods):")
                runs = 1 if args.quick or pods >= suite.HUGE else 2
                wl = self.step(
                    f"{pods} pods: WatchList against LIST",
                    lambda: watchlist.compare(cluster, runs, _say),
                )
                if wl is not None:
                    values.update({f"wl_{k}": v for k, v in wl.items()})
        finally:
            self.step(f"{pods} pods: cluster stopped", cluster.close)

    def _link(self, cluster: suite.Cluster) -> list[dict[str, float | None]]:
        args = argparse.Namespace(
            window=self.args.window,
            probes=max(2, self.args.probes // 2),
            keys=max(2, self.args.keys * 2 // 3),
            screens=[(200, 60)],
            no_slow=False,
            apps=[("", None)],
        )
        return link.measure(cluster, args, self.log)


# bench.link's figures the summary reads (its 80x24 ones are the suite's, on this cluster).
_LINK_KEYS = ("tty_bps_200x60", "e2s_p", "slow_", "kubectl_watch_bps")


def _say(text: str) -> None:
    print(text)
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if args.soak_hours is not None:
        soak_argv = [
            f"--hours={args.soak_hours}",
            f"--speed={args.soak_speed}",
            f"--pods={args.main_size}",
        ]
        return soak.main(soak_argv + ([f"--out={args.out}"] if args.out else []))
    run = Run(args)
    measured, load_start = commit(), _load()
    started_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    _say(f"make bench at {measured}, {started_at}; load average {load_start} at the start")
    startup.warm_bytecode()
    if not args.no_startup:
        figures = run.step(
            "--help, --version, --once", lambda: startup.start_paths(args.startup_runs, run.log)
        )
        run.run.update(figures)
    for pods in args.sizes:
        run.size(pods)
    _say("\n" + table(run.suite, run.options.main_size))
    if run.link:
        _say("\nterminal at 200x60 and on a 64 kbit/s pty (bench.link, same clusters):")
        _say(link.table(run.link))
    for pods, api in run.api.items():
        _say("\nAPI server load (bench.apiload, same cluster):")
        _say(apiload.table(api, pods, args.api_window))
    if run.run:
        _say("\nstart-up (bench.startup):")
        loads = {"load_before": float(load_start.split()[0]), "load_after": os.getloadavg()[0]}
        _say(startup.table({**loads, **{k: v for k, v in run.run.items() if v is not None}}))
    if not args.no_sync:
        _say("\ninitial sync of the large scenario (bench.sync):")
        run.step("bench.sync", lambda: sync.main(["--runs", "1"]))
    load_end = _load()
    sections = targets.targets(args.apiload_at, args.watchlist_at)
    text, rows = targets.summary(sections, run.per_size, run.run)
    _say(
        f"\nissue 16 targets (commit {measured}; load average {load_start} at the start, "
        f"{load_end} at the end; wall times mean something only on a quiet machine):"
    )
    _say(text)
    for failure in run.failed:
        _say(f"FAILED (its figures not measured): {failure}")
    total = sum(took for _name, took in run.steps)
    _say("\nsteps (s): " + ", ".join(f"{name} {took:.0f}" for name, took in run.steps))
    _say(f"total {total / 60:.1f} min")
    out = args.out
    if out is None:
        RESULTS.mkdir(exist_ok=True)
        out = RESULTS / f"bench-{time.strftime('%Y%m%dT%H%M%S')}.json"
    record = {
        "when": started_at,
        "commit": measured,
        "load_start": load_start,
        "load_end": load_end,
        "options": asdict(run.options),
        "figures": [asdict(f) for f in run.suite],
        "per_size": {str(k): v for k, v in run.per_size.items()},
        "run": run.run,
        "steps": [{"step": name, "seconds": round(took, 1)} for name, took in run.steps],
        "failed": run.failed,
        "issue16": rows,
        "targets": {
            k: {"target": t, "met": m}
            for k, (t, m) in _targets(
                next((f.values for f in run.suite if f.size == run.options.main_size), {})
            ).items()
        },
    }
    out.write_bytes(jsonutil.dumps_pretty(record))
    _say(f"figures written to {out}")
    return 1 if run.failed else 0


if __name__ == "__main__":
    sync.run_main(main)
