"""``python -m bench`` (``make bench``): the whole suite against the embedded cluster.

Prints one table (a column per cluster size) with the targets of issue 6 checked on the main
size, writes the figures as JSON to ``bench/results/`` and then runs the initial-sync
benchmark (:mod:`bench.sync`). With ``--soak-hours N`` it runs the memory soak instead
(:mod:`bench.soak`: N virtual hours of the ``large`` scenario live, Events expiring). See
bench/README.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import asdict
from pathlib import Path

from bench import apiload, link, soak, startup, suite, sync
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


def huge_verdicts(figures: list[suite.Figures]) -> list[str]:
    """Issue 16's targets at 100,000 pods, on that column's figures."""
    out = []
    for fig in figures:
        if fig.size < suite.HUGE:
            continue
        v = fig.values
        first, kubectl = v.get("first_screen_s"), v.get("kubectl_get_s")
        checks = [
            (
                "first complete screen <= 0.5x kubectl get pods -A",
                None if first is None or kubectl is None else first <= 0.5 * kubectl,
            ),
            ("RSS after sync < 500 MiB", _below(v.get("rss_synced_mb"), 500)),
            ("event-to-screen p99 at 50/s < 250 ms", _below(v.get("e2s_p99_ms_50"), 250)),
        ]
        first_rss, last_rss = v.get("huge_soak_rss_first_mb"), v.get("huge_soak_rss_last_mb")
        if first_rss is not None and last_rss is not None:
            # "Flat": within 2 % of where it started.
            checks.append(("RSS flat over the soak (+2 % at most)", last_rss <= 1.02 * first_rss))
        for text, met in checks:
            verdict = "not measured" if met is None else ("ok" if met else "MISSED")
            out.append(f"{fig.size:,} pods: {text}: {verdict}")
    return out


def _below(value: float | None, limit: float) -> bool | None:
    return None if value is None else value < limit


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--sizes",
        default="1000,10000,30000",
        help="pod counts, comma-separated (10 per Deployment)",
    )
    parser.add_argument("--main-size", type=int, default=10_000)
    parser.add_argument("--soak", type=float, default=30.0, help="seconds of churn before the RSS")
    parser.add_argument("--idle", type=float, default=8.0, help="seconds of idle CPU sampling")
    parser.add_argument("--window", type=float, default=8.0, help="seconds per churn window")
    parser.add_argument("--probes", type=int, default=20, help="latency probes per rate")
    parser.add_argument("--kubectl-runs", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="main-size extras off (smoke)")
    parser.add_argument(
        "--huge",
        action="store_true",
        help="add the 100,000-pod column (10,000 Deployments, 100 namespaces; 15-30 min)",
    )
    parser.add_argument(
        "--huge-soak",
        type=float,
        default=300.0,
        help="seconds of churn 50/s in the 100,000-pod column, RSS sampled (0: none)",
    )
    parser.add_argument("--no-sync", action="store_true", help="skip the bench.sync benchmark")
    parser.add_argument(
        "--link-sizes",
        default="100,1000",
        help="pod counts for bench.link (terminal and API bytes, slow link; issue 16); "
        "100000 runs only on a quiet machine; empty: skip",
    )
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
    if args.soak_hours is not None:
        soak_argv = [
            f"--hours={args.soak_hours}",
            f"--speed={args.soak_speed}",
            f"--pods={args.main_size}",
        ]
        return soak.main(soak_argv + ([f"--out={args.out}"] if args.out else []))
    try:
        sizes = tuple(int(s) for s in args.sizes.split(",") if s.strip())
    except ValueError:
        parser.error(f"--sizes must be integers: {args.sizes!r}")
    if args.huge and suite.HUGE not in sizes:
        sizes = (*sizes, suite.HUGE)
    options = suite.Options(
        sizes=sizes,
        main_size=args.main_size,
        idle_seconds=args.idle,
        window_seconds=args.window,
        probes=args.probes,
        soak_seconds=args.soak,
        kubectl_runs=args.kubectl_runs,
        full=not args.quick,
        huge_soak_seconds=args.huge_soak,
    )

    def log(text: str) -> None:
        sys.stderr.write(f"{time.strftime('%H:%M:%S')} {text}\n")
        sys.stderr.flush()

    figures = [suite.run_size(n, options, n == options.main_size, log) for n in sizes]
    print(table(figures, options.main_size))
    for line in huge_verdicts(figures):
        print(line)
    out = args.out
    if out is None:
        RESULTS.mkdir(exist_ok=True)
        out = RESULTS / f"bench-{time.strftime('%Y%m%dT%H%M%S')}.json"
    record = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "options": asdict(options),
        "figures": [asdict(f) for f in figures],
        "targets": {
            k: {"target": t, "met": m}
            for k, (t, m) in _targets(
                next((f.values for f in figures if f.size == options.main_size), {})
            ).items()
        },
    }
    out.write_bytes(jsonutil.dumps_pretty(record))
    print(f"figures written to {out}")
    if not (args.no_startup or args.quick):
        print("\nstart-up (python -m bench.startup, issue 16):")
        sys.stdout.flush()
        startup.main(["--runs", "7"])
    if args.link_sizes.strip() and not args.quick:
        print("\nterminal and API traffic (python -m bench.link, issue 16):")
        sys.stdout.flush()
        link.main(["--sizes", args.link_sizes])
    if not args.quick:
        print("\nAPI server load (python -m bench.apiload, issue 16):")
        sys.stdout.flush()
        apiload.main(["--pods", "1000"])
    if not args.no_sync:
        return sync.main(["--runs", "1"])
    return 0


if __name__ == "__main__":
    sync.run_main(main)
