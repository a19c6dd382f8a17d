"""Issue 16's targets, checked on one ``make bench`` run: the summary table it ends with.

Every target of the issue is a row, whether or not this run measured it: its figure at each
cluster size it applies to, kubectl's (or the other side's) figure beside it where one
exists, and a verdict per size: ``ok``, ``MISSED``, ``not measured``, or ``measured`` for a
figure the issue asks to report without a limit. Wall-time verdicts mean something only on
a quiet machine: the load average at the start and end of the run is printed with them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

Values = Mapping[str, float | None]
# A check gets the figure and every figure of its size; None: reported, no limit.
Check = Callable[[float, Values], bool] | None

HUGE = 100_000
KEY_SIZES = (100, 1_000, 10_000, 30_000)  # issue 16 §3: keys at these sizes
FIRST_SCREEN = {100: 0.35, 1_000: 0.5}  # §1, seconds


def _below(limit: float) -> Check:
    return lambda value, _v: value < limit


def _at_most(limit: float) -> Check:
    return lambda value, _v: value <= limit


def _at_most_other(key: str, factor: float = 1.0) -> Check:
    def check(value: float, v: Values) -> bool:
        other = v.get(key)
        return other is not None and value <= factor * other

    return check


def _converged(value: float, v: Values) -> bool:
    return v.get("slow_converged_all") == 1.0


def _flat(value: float, v: Values) -> bool:
    first = v.get("huge_soak_rss_first_mb")
    return first is not None and value <= 1.02 * first  # flat: within 2 % of its start


@dataclass(frozen=True)
class Target:
    label: str
    key: str  # the figure (per size; in the run-wide figures with ``once``)
    limit: str
    check: Check
    sizes: tuple[int, ...] | None = None  # where it applies (None: every size run)
    beside: Sequence[tuple[str, str]] = field(default_factory=tuple)  # (label, key) rows
    once: bool = False  # one figure for the run (start-up), not one per size


def targets(
    api_sizes: Sequence[int], watchlist_sizes: Sequence[int]
) -> list[tuple[str, list[Target]]]:
    """Issue 16's targets by section. ``api_sizes`` / ``watchlist_sizes``: where bench.apiload
    and bench.watchlist run."""
    api, wl = tuple(api_sizes), tuple(watchlist_sizes)
    every = None
    kubectl_get = (("kubectl get pods -A, same cluster (s)", "start_kubectl_get_s"),)
    return [
        (
            "1. Start like a native tool",
            [
                Target(
                    "first complete screen -A (s), median of fresh starts",
                    "start_first_screen_s",
                    "<= 0.35 s (100), <= 0.5 s (1k)",
                    lambda value, v: value <= FIRST_SCREEN.get(int(v.get("pods") or 0), 0),
                    sizes=tuple(FIRST_SCREEN),
                    beside=kubectl_get,
                ),
                Target(
                    "--once, seed scenario (s)",
                    "once_s",
                    "<= 0.25 s",
                    _at_most(0.25),
                    once=True,
                    beside=(("kubectl get pods, same server (s)", "kubectl_get_pods_s"),),
                ),
                Target("--help (s)", "help_s", "< 0.1 s", _below(0.1), once=True),
                Target("--version (s)", "version_s", "< 0.1 s", _below(0.1), once=True),
            ],
        ),
        (
            "2. Bounded bandwidth",
            [
                Target(
                    "terminal B/s 80x24, churn 50/s",
                    "tty_bps_80x24_50",
                    "<= 10 KB/s",
                    _at_most(10_000),
                    every,
                ),
                Target(
                    "terminal B/s 80x24, churn 500/s",
                    "tty_bps_80x24_500",
                    "<= 10 KB/s",
                    _at_most(10_000),
                    every,
                ),
                Target(
                    "terminal B/s 200x60, churn 50/s",
                    "tty_bps_200x60_50",
                    "<= 30 KB/s",
                    _at_most(30_000),
                    every,
                    (("kubectl get pods -A --watch-only B/s", "kubectl_watch_bps_50"),),
                ),
                Target(
                    "terminal B/s 200x60, churn 500/s",
                    "tty_bps_200x60_500",
                    "<= 30 KB/s",
                    _at_most(30_000),
                    every,
                    (("kubectl get pods -A --watch-only B/s", "kubectl_watch_bps_500"),),
                ),
                Target(
                    "event-to-screen p99 80x24, 50/s (ms)",
                    "e2s_p99_ms_50",
                    "< 250 ms",
                    _below(250),
                    every,
                ),
                Target(
                    "event-to-screen p99 80x24, 500/s (ms)",
                    "e2s_p99_ms_500",
                    "< 250 ms",
                    _below(250),
                    every,
                ),
                Target(
                    "event-to-screen p99 200x60, 50/s (ms)",
                    "e2s_p99_ms_200x60_50",
                    "< 250 ms",
                    _below(250),
                    every,
                ),
                Target(
                    "event-to-screen p99 200x60, 500/s (ms)",
                    "e2s_p99_ms_200x60_500",
                    "< 250 ms",
                    _below(250),
                    every,
                ),
                Target(
                    "64 kbit/s pty: cursor move p99 (ms), churn 50/s",
                    "slow_key_p99_ms",
                    "< 200 ms",
                    _below(200),
                    every,
                ),
                Target(
                    "64 kbit/s pty: converges, a change shown after (s)",
                    "slow_converged_s",
                    "shown, every row drawn",
                    _converged,
                    every,
                ),
            ],
        ),
        (
            "3. Keys never wait (churn 50/s)",
            [
                Target("cursor move p99 (ms)", "key_move_p99_ms", "< 50 ms", _below(50), KEY_SIZES),
                Target(
                    "open a stack p99 (ms)", "key_open_p99_ms", "< 50 ms", _below(50), KEY_SIZES
                ),
            ],
        ),
        (
            "4. 100,000 pods (--huge) and the growth curve",
            [
                Target(
                    "first complete screen -A (s)",
                    "first_screen_s",
                    "<= 0.5x kubectl get pods -A",
                    _at_most_other("kubectl_get_s", 0.5),
                    (HUGE,),
                    (("kubectl get pods -A (s)", "kubectl_get_s"),),
                ),
                Target("RSS after sync (MiB)", "rss_synced_mb", "< 500 MiB", _below(500), (HUGE,)),
                Target(
                    "RSS at the end of the 5-minute soak (MiB)",
                    "huge_soak_rss_last_mb",
                    "flat: <= +2 %",
                    _flat,
                    (HUGE,),
                    (("RSS at the start of the soak (MiB)", "huge_soak_rss_first_mb"),),
                ),
                Target(
                    "event-to-screen p99, 50/s (ms)",
                    "e2s_p99_ms_50",
                    "< 250 ms",
                    _below(250),
                    (HUGE,),
                ),
                Target(
                    "growth: first complete screen -A (s)",
                    "first_screen_s",
                    "reported",
                    None,
                    every,
                ),
                Target("growth: RSS after sync (MiB)", "rss_synced_mb", "reported", None, every),
                Target(
                    "growth: CPU per event, churn 50/s (ms)",
                    "cpu_ms_per_event_50",
                    "reported",
                    None,
                    every,
                ),
            ],
        ),
        (
            "5. Streaming lists: WatchList against paginated LIST",
            [
                Target(
                    "WatchList: peak RSS of the sync (MiB)",
                    "wl_watchlist_rss_mb",
                    "<= LIST's",
                    _at_most_other("wl_list_rss_mb"),
                    wl,
                    (("paginated LIST: peak RSS (MiB)", "wl_list_rss_mb"),),
                ),
                Target(
                    "WatchList: MB read from the API",
                    "wl_watchlist_mb",
                    "reported",
                    None,
                    wl,
                    (("paginated LIST: MB read", "wl_list_mb"),),
                ),
            ],
        ),
        (
            "6. Light on the API server (per minute)",
            [
                Target(
                    "app requests/min at rest",
                    "api_app_rest",
                    "<= kubectl get -w, same kinds",
                    _at_most_other("api_kubectl_all_rest"),
                    api,
                    (("kubectl get -A -w, every kind", "api_kubectl_all_rest"),),
                ),
                Target(
                    "app requests/min, churn 50/s",
                    "api_app_churn",
                    "<= kubectl get -w, same kinds",
                    _at_most_other("api_kubectl_all_churn"),
                    api,
                    (("kubectl get -A -w, every kind", "api_kubectl_all_churn"),),
                ),
                Target(
                    "app requests/min back from a Stack screen",
                    "api_app_back",
                    "0: metrics polling stopped",
                    _at_most(0),
                    api,
                    (("with the Stack screen open", "api_app_stack"),),
                ),
                Target(
                    "app KB/min at rest",
                    "api_app_rest_kb",
                    "reported",
                    None,
                    api,
                    (("kubectl get -A -w, every kind", "api_kubectl_all_rest_kb"),),
                ),
                Target(
                    "app KB/min, churn 50/s",
                    "api_app_churn_kb",
                    "reported",
                    None,
                    api,
                    (
                        ("kubectl get -A -w, every kind", "api_kubectl_all_churn_kb"),
                        ("kubectl get pods -A -w", "api_kubectl_pods_churn_kb"),
                    ),
                ),
            ],
        ),
    ]


def verdict(target: Target, values: Values) -> str:
    value = values.get(target.key)
    if value is None:
        return "not measured"
    if target.check is None:
        return "measured"
    return "ok" if target.check(value, values) else "MISSED"


def _short(size: int) -> str:
    return f"{size // 1000}k" if size >= 1000 else str(size)


def _cell(value: float | None) -> str:
    if value is None:
        return "—"
    if value == 0:
        return "0"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return (
        f"{value:.3f}" if abs(value) < 1 else f"{value:.2f}" if abs(value) < 10 else f"{value:.1f}"
    )


def summary(
    sections: list[tuple[str, list[Target]]],
    per_size: Mapping[int, Values],
    run: Values,
) -> tuple[str, list[dict[str, object]]]:
    """The table, and its rows as data (for the JSON record). ``per_size``: every figure of
    each size run; ``run``: the run-wide ones (start-up)."""
    sizes = sorted(per_size)
    header = ["target", "limit", "any size", *[f"{s:,} pods" for s in sizes], "verdict"]
    lines: list[list[str]] = [header]
    rows: list[dict[str, object]] = []
    for title, items in sections:
        lines.append([title, "", "", *["" for _ in sizes], ""])
        for t in items:
            if t.once:
                verdicts = {"any": verdict(t, run)}
                cells = [_cell(run.get(t.key)), *["" for _ in sizes]]
                text = verdicts["any"]
            else:
                applies = [s for s in sizes if t.sizes is None or s in t.sizes]
                verdicts = {str(s): verdict(t, per_size[s]) for s in applies}
                cells = [
                    "",
                    *[_cell(per_size[s].get(t.key)) if s in applies else "" for s in sizes],
                ]
                if not applies:
                    wanted = ", ".join(_short(s) for s in t.sizes or ())
                    text = f"not run (at {wanted})"
                elif len(set(verdicts.values())) == 1:
                    text = next(iter(verdicts.values()))
                else:
                    text = ", ".join(f"{_short(int(s))} {v}" for s, v in verdicts.items())
            lines.append([f"  {t.label}", t.limit, *cells, text])
            rows.append({"target": t.label, "key": t.key, "limit": t.limit, "verdicts": verdicts})
            for label, key in t.beside:
                if t.once:
                    side = [_cell(run.get(key)), *["" for _ in sizes]]
                else:
                    side = [
                        "",
                        *[_cell(per_size[s].get(key)) if s in applies else "" for s in sizes],
                    ]
                lines.append([f"      {label}", "", *side, ""])
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    out = []
    for line in lines:
        cells = [line[0].ljust(widths[0]), line[1].ljust(widths[1])]
        cells += [c.rjust(w) for c, w in zip(line[2:-1], widths[2:-1], strict=True)]
        cells.append(line[-1])
        out.append("  ".join(cells).rstrip())
    return "\n".join(out), rows
