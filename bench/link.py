"""``python -m bench.link``: what the app costs the link to the terminal and the API server.

Per cluster size (``--sizes``, default 100 and 1,000 pods; add 100000 to try the largest),
against ``bench.cluster`` (10 pods a Deployment, ``--namespaces``) through a counting TCP
proxy, with the app on a real pty:

- first complete screen at 80x24 (and its wall time next to the load average);
- at 80x24 and 200x60, churn 50/s and 500/s: terminal bytes a second (issue 16: <= 10 KB/s
  and <= 30 KB/s) and event-to-screen p50/p99 (a scale through the API until the row shows
  it; < 250 ms);
- the API server's side, per minute: requests and bytes the app causes at rest and under
  churn 50/s, next to ``kubectl get pods -A --watch`` (the same pods) on the same proxy;
- a 64 kbit/s link (the pty read at 8,000 bytes a second, so the app's writes block): first
  complete screen, cursor moves p50/p99 under churn 50/s (< 200 ms), and whether the screen
  converges (a scale made after the churn stops is on screen within ``CONVERGE`` s).

Bytes, requests and CPU hold on a busy machine; wall times do not, which is why every run
prints the load average beside them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from bench.startup import app_env, warm_bytecode
from bench.suite import (
    KUBECTL,
    PROBE_DEPLOYMENT,
    PROBE_NS,
    Cluster,
    _complete,
    _Counter,
    _drawn,
    _ms,
    _pct,
    _shows_replicas,
    bytes_per_second,
    key_latency,
    latency,
)
from bench.sync import stop
from bench.terminal import Terminal

SLOW_LINK = 8_000.0  # bytes a second: 64 kbit/s
CONVERGE = 10.0
TARGETS = {
    "tty_bps_80x24": 10_000.0,
    "tty_bps_200x60": 30_000.0,
    "e2s_p99_ms": 250.0,
    "slow_key_p99_ms": 200.0,
    "first_screen_s_100": 0.35,
    "first_screen_s_1000": 0.5,
}


class CountingProxy:
    """A TCP proxy on 127.0.0.1 in front of ``server`` (http://host:port), in a thread of its
    own, counting requests (request lines sent upstream) and bytes each way."""

    def __init__(self, server: str) -> None:
        host, _, port = server.removeprefix("http://").partition(":")
        self.target = (host, int(port))
        self.requests = 0
        self.up = 0
        self.down = 0
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="proxy")
        self._thread.start()
        self._ready.wait(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(asyncio.start_server(self._serve, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_r, up_w = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter, up: bool) -> None:
            with contextlib.suppress(OSError, asyncio.CancelledError):
                while data := await src.read(65536):
                    if up:
                        self.up += len(data)
                        self.requests += data.count(b" HTTP/1.1\r\n")
                    else:
                        self.down += len(data)
                    dst.write(data)
                    await dst.drain()
            dst.close()

        await asyncio.gather(pipe(reader, up_w, True), pipe(up_r, writer, False))

    def snapshot(self) -> tuple[int, int, int]:
        return self.requests, self.up, self.down

    def close(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)


@contextlib.contextmanager
def _proxied(cluster: Cluster) -> Iterator[tuple[CountingProxy, str]]:
    """A proxy in front of ``cluster`` and a kubeconfig that goes through it."""
    proxy = CountingProxy(cluster.server)
    config = yaml.safe_load(Path(cluster.kubeconfig).read_text())
    for entry in config["clusters"]:
        entry["cluster"]["server"] = f"http://127.0.0.1:{proxy.port}"
    with tempfile.TemporaryDirectory(prefix="bench-link-") as folder:
        path = Path(folder) / "kubeconfig"
        path.write_text(yaml.safe_dump(config))
        try:
            yield proxy, str(path)
        finally:
            proxy.close()


@contextlib.contextmanager
def _app(
    kubeconfig: str,
    cols: int,
    rows: int,
    drain: float | None = None,
    *extra: str,
    tree: str | None = None,
) -> Iterator[Terminal]:
    """The app from ``tree`` (a source tree; default this one) on a pty."""
    with tempfile.TemporaryDirectory() as home:
        env = {**app_env(), "KUBECONFIG": kubeconfig, "XDG_CONFIG_HOME": home, "HOME": home}
        if tree is not None:
            env["PYTHONPATH"] = tree
        argv = [sys.executable, "-m", "kubectl_stack", "-A", *extra]
        term = Terminal(argv, env, cols, rows, drain=drain)
        try:
            yield term
        finally:
            term.close()


def _per_minute(before: tuple[int, int, int], after: tuple[int, int, int], secs: float) -> Any:
    scale = 60.0 / secs
    return tuple((a - b) * scale for a, b in zip(after, before, strict=True))


def traffic(
    proxy: CountingProxy, cluster: Cluster, window: float, fig: dict[str, float | None], who: str
) -> None:
    """Requests and bytes a minute through ``proxy`` at rest and under churn 50/s, as
    ``{who}_req_min_{rest,churn50}`` and ``{who}_kb_min_...``."""
    try:
        for label, rate in (("rest", 0.0), ("churn50", 50.0)):
            cluster.churn(rate)
            time.sleep(1.0)
            before, started = proxy.snapshot(), time.perf_counter()
            time.sleep(window)
            req, up, down = _per_minute(before, proxy.snapshot(), time.perf_counter() - started)
            fig[f"{who}_req_min_{label}"] = req
            fig[f"{who}_kb_min_{label}"] = (up + down) / 1000
    finally:
        cluster.churn(0)


def kubectl_watch_load(cluster: Cluster, window: float, fig: dict[str, float | None]) -> None:
    """``kubectl get pods -A --watch`` on its own proxy: requests and bytes a minute."""
    with _proxied(cluster) as (proxy, config), tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "KUBECONFIG": config, "KUBECACHEDIR": cache}
        watch = subprocess_watch([KUBECTL, "get", "pods", "-A", "--watch"], env)
        try:
            time.sleep(3.0)  # its list and discovery done
            traffic(proxy, cluster, window, fig, "kubectl_watch")
        finally:
            stop(watch)


def subprocess_watch(argv: list[str], env: dict[str, str]) -> Any:
    import subprocess

    return subprocess.Popen(
        argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, start_new_session=True
    )


def parse_apps(text: str) -> list[tuple[str, str | None]]:
    """``LABEL=TREE,...`` as (label, source tree or None for this one)."""
    return [
        (label, tree or None)
        for label, _, tree in (a.partition("=") for a in text.split(",") if a.strip())
    ]


def run_size(pods: int, args: argparse.Namespace, log: Any) -> list[dict[str, float | None]]:
    """The figures at ``pods`` pods, one dict per app tree (``--apps``), on one cluster."""
    log(f"[{pods} pods] starting the embedded cluster")
    cluster = Cluster.of_size(pods, namespaces=args.namespaces)
    try:
        return measure(cluster, args, log)
    finally:
        cluster.close()


def measure(cluster: Cluster, args: argparse.Namespace, log: Any) -> list[dict[str, float | None]]:
    """The figures on ``cluster``, one dict per app tree (``--apps``). The first screen at
    80x24 waits for every pod ready unless the latency probes of an earlier step have run
    (``cluster.replicas``); then for every row drawn."""
    pods = cluster.pods
    figures = []
    with _proxied(cluster) as (proxy, kubeconfig):
        for label, tree in args.apps:
            fig: dict[str, float | None] = {"pods": float(pods)}
            fig["app"] = label  # type: ignore[assignment,unused-ignore]
            figures.append(fig)
            _run_app(cluster, proxy, kubeconfig, tree, fig, args, log)
        if (80, 24) in args.screens:
            log(f"[{pods} pods] kubectl get pods -A --watch on the same churn")
            kubectl_watch_load(cluster, args.window, figures[0])
    for fig in figures:
        fig["load_after"] = os.getloadavg()[0]
    return figures


def _run_app(
    cluster: Cluster,
    proxy: CountingProxy,
    kubeconfig: str,
    tree: str | None,
    fig: dict[str, float | None],
    args: argparse.Namespace,
    log: Any,
) -> None:
    """Every figure of one app tree."""
    pods, deployments = cluster.pods, cluster.deployments
    log(f"[{pods} pods] the app from {tree or 'this tree'}")
    for cols, rows in args.screens:
        size = f"{cols}x{rows}"
        load = os.getloadavg()[0]
        with (
            _app(kubeconfig, cols, rows, tree=tree) as term,
            _kubectl_watch_only(cluster.kubeconfig, wide=(cols, rows) != (80, 24)) as watch,
        ):
            # Churn has left pods not ready for the later sizes: every row drawn
            # then, rather than every row showing ten ready pods.
            first = (cols, rows) == args.screens[0] and cluster.replicas == 10
            ready = _complete(deployments, rows, 10) if first else _drawn(deployments, rows)
            shown = term.wait_for(ready, 300.0)
            if shown is None:
                log(f"[{pods} pods] {size}: no complete screen within 300 s:")
                log("\n".join(term.lines()))
                continue
            if (cols, rows) == (80, 24):
                fig["first_screen_s"] = shown - term.started
                fig["first_screen_load"] = load
                log(f"[{pods} pods] first screen {shown - term.started:.2f} s, load {load:.1f}")
                traffic(proxy, cluster, args.window, fig, "api")
            for rate in (50.0, 500.0):
                samples, cluster.replicas = latency(
                    cluster, term, rate, args.probes, cluster.replicas
                )
                fig[f"e2s_p50_ms_{size}_{rate:.0f}"] = _ms(_pct(samples, 0.5))
                fig[f"e2s_p99_ms_{size}_{rate:.0f}"] = _ms(_pct(samples, 0.99))
                fig[f"e2s_missed_{size}_{rate:.0f}"] = float(args.probes - len(samples))
                cluster.churn(rate)
                term.emulate = False
                time.sleep(1.0)
                kubectl_before, started = watch.bytes if watch else 0, time.perf_counter()
                fig[f"tty_bps_{size}_{rate:.0f}"] = bytes_per_second(term, args.window)
                if watch is not None:
                    kubectl_bps = (watch.bytes - kubectl_before) / (time.perf_counter() - started)
                    fig[f"kubectl_watch_bps_{rate:.0f}"] = kubectl_bps
                cluster.churn(0)
                term.emulate = True
                log(
                    f"[{pods} pods] {size} churn {rate:.0f}/s: "
                    f"{fig[f'tty_bps_{size}_{rate:.0f}']:,.0f} B/s, "
                    f"e2s p99 {fig[f'e2s_p99_ms_{size}_{rate:.0f}']} ms"
                )
    if args.no_slow:
        return
    log(f"[{pods} pods] a 64 kbit/s link")
    with _app(kubeconfig, 80, 24, SLOW_LINK, tree=tree) as term:
        shown = term.wait_for(_drawn(deployments, 24), 300.0)
        fig["slow_first_screen_s"] = None if shown is None else shown - term.started
        if shown is not None:
            cluster.churn(50)
            time.sleep(2.0)
            before = term.bytes
            started = time.perf_counter()
            moves, _opens = key_latency(term, args.keys, opens=False)
            fig["slow_tty_bps_50"] = (term.bytes - before) / (time.perf_counter() - started)
            fig["slow_key_p50_ms"] = _ms(_pct(moves, 0.5))
            fig["slow_key_p99_ms"] = _ms(_pct(moves, 0.99))
            fig["slow_key_missed"] = float(args.keys - len(moves))
            cluster.churn(0)
            cluster.replicas += 1
            sent = time.perf_counter()
            cluster.scale(PROBE_NS, PROBE_DEPLOYMENT, cluster.replicas)
            seen = term.wait_for(_shows_replicas(cluster.replicas), CONVERGE)
            fig["slow_converged_s"] = None if seen is None else seen - sent
            drawn = term.wait_for(_drawn(deployments, 24), CONVERGE)
            fig["slow_converged_all"] = 0.0 if drawn is None else 1.0


@contextlib.contextmanager
def _kubectl_watch_only(kubeconfig: str, wide: bool) -> Iterator[_Counter | None]:
    """With ``wide``: ``kubectl get pods -A --watch-only`` on ``kubeconfig``, its output's
    bytes counted (what watching the same pods in kubectl writes to a terminal), started
    with the app so that its list is done before anything is measured; else nothing."""
    if not wide:
        yield None
        return
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "KUBECONFIG": kubeconfig, "KUBECACHEDIR": cache}
        watch = _Counter([KUBECTL, "get", "pods", "-A", "--watch-only"], env)
        try:
            yield watch
        finally:
            watch.close()


ROWS = [
    ("first_screen_s", "first complete screen 80x24 (s)"),
    ("first_screen_load", "  load average (1 min) when it started"),
    ("tty_bps_80x24_50", "terminal B/s 80x24, churn 50/s"),
    ("tty_bps_80x24_500", "terminal B/s 80x24, churn 500/s"),
    ("tty_bps_200x60_50", "terminal B/s 200x60, churn 50/s"),
    ("tty_bps_200x60_500", "terminal B/s 200x60, churn 500/s"),
    ("kubectl_watch_bps_50", "kubectl get pods -A --watch-only B/s, 50/s"),
    ("kubectl_watch_bps_500", "kubectl get pods -A --watch-only B/s, 500/s"),
    ("e2s_p99_ms_80x24_50", "event-to-screen p99 80x24, 50/s (ms)"),
    ("e2s_p99_ms_80x24_500", "event-to-screen p99 80x24, 500/s (ms)"),
    ("e2s_p99_ms_200x60_50", "event-to-screen p99 200x60, 50/s (ms)"),
    ("e2s_p99_ms_200x60_500", "event-to-screen p99 200x60, 500/s (ms)"),
    ("e2s_missed_80x24_500", "probes not shown within 5 s, 80x24 500/s"),
    ("api_req_min_rest", "API requests/min, app at rest"),
    ("api_req_min_churn50", "API requests/min, app, churn 50/s"),
    ("kubectl_watch_req_min_churn50", "API requests/min, kubectl get -w, 50/s"),
    ("api_kb_min_rest", "API KB/min, app at rest"),
    ("api_kb_min_churn50", "API KB/min, app, churn 50/s"),
    ("kubectl_watch_kb_min_churn50", "API KB/min, kubectl get -w, 50/s"),
    ("slow_first_screen_s", "64 kbit/s: first complete screen (s)"),
    ("slow_tty_bps_50", "64 kbit/s: terminal B/s, churn 50/s"),
    ("slow_key_p50_ms", "64 kbit/s: cursor move p50 (ms)"),
    ("slow_key_p99_ms", "64 kbit/s: cursor move p99 (ms)"),
    ("slow_key_missed", "64 kbit/s: moves not shown within 5 s"),
    ("slow_converged_s", "64 kbit/s: scale shown after churn (s)"),
    ("slow_converged_all", "64 kbit/s: every row drawn again (1=yes)"),
    ("load_after", "load average (1 min) at the end"),
]


def _target(name: str, pods: float | None) -> tuple[str, float | None]:
    """(text, limit) for a figure; below the limit is met."""
    if name.startswith("tty_bps_80x24"):
        return "<= 10 KB/s", TARGETS["tty_bps_80x24"]
    if name.startswith("tty_bps_200x60"):
        return "<= 30 KB/s", TARGETS["tty_bps_200x60"]
    if name.startswith("e2s_p99_ms"):
        return "< 250 ms", TARGETS["e2s_p99_ms"]
    if name == "slow_key_p99_ms":
        return "< 200 ms", TARGETS["slow_key_p99_ms"]
    if name == "first_screen_s" and pods in (100.0, 1000.0):
        limit = TARGETS[f"first_screen_s_{int(pods)}"]
        return f"<= {limit:g} s (quiet machine)", limit
    return "", None


def table(figures: list[dict[str, float | None]]) -> str:
    lines = [
        [
            "figure",
            *[f"{int(f['pods'] or 0):,} pods {f.get('app') or ''}".rstrip() for f in figures],
            "target",
        ]
    ]
    for name, label in ROWS:
        if all(f.get(name) is None for f in figures):
            continue
        cells, verdicts = [], []
        for f in figures:
            value = f.get(name)
            cells.append(
                "—" if value is None else f"{value:,.0f}" if value >= 100 else f"{value:.2f}"
            )
            text, limit = _target(name, f.get("pods"))
            if limit is not None and value is not None:
                verdicts.append("ok" if value <= limit else "MISSED")
        text = _target(name, figures[0].get("pods"))[0] if figures else ""
        lines.append([label, *cells, f"{text} {' '.join(verdicts)}".strip()])
    widths = [max(len(row[i]) for row in lines) for i in range(len(lines[0]))]
    return "\n".join(
        "  ".join(
            [row[0].ljust(widths[0])]
            + [c.rjust(w) for c, w in zip(row[1:-1], widths[1:-1], strict=True)]
            + [row[-1]]
        ).rstrip()
        for row in lines
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.link", description=__doc__)
    parser.add_argument("--sizes", default="100,1000", help="pod counts, comma-separated")
    parser.add_argument("--namespaces", type=int, default=20)
    parser.add_argument("--window", type=float, default=8.0, help="seconds per bytes window")
    parser.add_argument("--probes", type=int, default=10, help="latency probes per rate")
    parser.add_argument("--keys", type=int, default=16, help="cursor moves on the slow link")
    parser.add_argument(
        "--max-load",
        type=float,
        default=1.5,
        help="sizes of 100,000 pods and more run only below this load average",
    )
    parser.add_argument("--screens", default="80x24,200x60", help="terminal sizes, COLSxROWS")
    parser.add_argument("--no-slow", action="store_true", help="skip the 64 kbit/s link")
    parser.add_argument(
        "--apps",
        default="",
        help="LABEL=TREE,...: measure the app from each source tree (e.g. main=/tmp/main, "
        "a `git archive` of another commit) on the same clusters, in turn; default this tree",
    )
    args = parser.parse_args(argv)
    args.screens = [tuple(int(n) for n in s.split("x")) for s in args.screens.split(",")]
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    args.apps = parse_apps(args.apps) or [("", None)]

    def log(text: str) -> None:
        sys.stderr.write(f"{time.strftime('%H:%M:%S')} {text}\n")
        sys.stderr.flush()

    warm_bytecode()
    figures = []
    for pods in sizes:
        load = os.getloadavg()[0]
        if pods >= 100_000 and load >= args.max_load:
            log(f"[{pods} pods] NOT RUN: load average {load:.1f} >= {args.max_load:g}")
            continue
        figures.extend(run_size(pods, args, log))
    print(table(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
