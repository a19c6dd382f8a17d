"""The benchmark suite: the real app on a pty next to real kubectl, against one embedded
cluster per size, each in its own process so every figure is that process's own.

Per cluster size: ``kubectl get pods -A`` and ``-o json`` (wall time, peak RSS), the app's time
to its first complete screen with ``-A``, RSS after sync, CPU while idle, and under churn of
50 and 500 pod changes per second: event-to-screen latency (a scale made through the API
until the row shows the new count), CPU and terminal bytes per second at 80x24; then
key-press latency under churn 50/s (cursor move, opening a stack; below 100,000 pods). On
the main size also: RSS after a soak of churn. (Terminal bytes at 200x60 and the slow link
are :mod:`bench.link`'s, on the same cluster in ``make bench``.)
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bench.sync import _measure, spawn_cluster, stop
from bench.terminal import Screen, Terminal

KUBECTL = str(Path(sys.executable).parent / "kubectl")
PROBE_NS, PROBE_DEPLOYMENT = "team-00", "svc-0000"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PROBE_TIMEOUT = 5.0  # a change not on screen by then counts as missed
# Issue 16's largest cluster: 100,000 pods in 10,000 Deployments over 100 namespaces.
HUGE, HUGE_NAMESPACES = 100_000, 100
RSS_EVERY = 30.0  # seconds between RSS samples of the huge column's soak
_READY = re.compile(r" \d+/\d+ ")  # a stacks row's READY cell
ROW_TEXT = "svc-"  # in every workload row: the benchmark's Deployments are svc-NNNN


@dataclass
class Options:
    sizes: tuple[int, ...] = (100, 1_000, 10_000, 30_000)
    main_size: int = 10_000
    namespaces: int = 20
    huge_soak_seconds: float = 300.0  # the 100,000-pod column's soak (RSS sampled every 30 s)
    pods_per_deployment: int = 10
    idle_seconds: float = 8.0
    window_seconds: float = 8.0
    probes: int = 20
    soak_seconds: float = 30.0  # on the main size (0: none)
    kubectl_runs: int = 1
    keys: int = 24  # cursor moves, and stacks opened, per size below HUGE (0: none)


@dataclass
class Figures:
    size: int
    values: dict[str, float | None] = field(default_factory=dict)

    def put(self, name: str, value: float | None) -> None:
        self.values[name] = None if value is None else round(value, 4)


# -- processes --------------------------------------------------------------------------------


class Cluster:
    """``bench.cluster`` in a child process."""

    def __init__(self, pods: int, deployments: int, namespaces: int) -> None:
        self.proc, self.kubeconfig = spawn_cluster(
            "bench.cluster",
            f"--pods={pods}",
            f"--deployments={deployments}",
            f"--namespaces={namespaces}",
        )
        config = yaml.safe_load(Path(self.kubeconfig).read_text())
        self.server = config["clusters"][0]["cluster"]["server"]
        self.token = next(u["user"]["token"] for u in config["users"] if u["name"] == "admin")
        self.pods, self.deployments = pods, deployments
        # The probe Deployment's next unused replica count: the latency probes of every
        # step run on the same cluster (make bench), each scale a change the screen shows.
        self.replicas = 10

    @classmethod
    def of_size(cls, pods: int, per_deployment: int = 10, namespaces: int = 20) -> Cluster:
        """The benchmark's cluster of ``pods`` pods: ``per_deployment`` a Deployment, over
        ``namespaces`` (100 from :data:`HUGE` pods), never more than Deployments."""
        deployments = max(1, pods // per_deployment)
        namespaces = HUGE_NAMESPACES if pods >= HUGE else namespaces
        return cls(pods, deployments, min(namespaces, deployments))

    def command(self, text: str) -> str:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()
        return self.proc.stdout.readline().strip()

    def churn(self, rate: float) -> None:
        self.command(f"rate {rate}")

    def scale(self, namespace: str, name: str, replicas: int) -> None:
        """A change made through the API, as ``kubectl scale`` makes it."""
        request = urllib.request.Request(
            f"{self.server}/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale",
            data=f'{{"spec":{{"replicas":{replicas}}}}}'.encode(),
            method="PATCH",
            headers={
                "Authorization": f"Bearer {self.token}",
                "Content-Type": "application/merge-patch+json",
            },
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()

    def close(self) -> None:
        stop(self.proc, grace=30.0)


def _proc_file(pid: int, name: str) -> str:
    try:
        return Path(f"/proc/{pid}/{name}").read_text()
    except FileNotFoundError:
        raise SystemExit(f"process {pid} (the app) exited during the benchmark") from None


def _proc_rss(pid: int) -> tuple[float, float]:
    """(current, peak) resident set size in MiB."""
    fields = {}
    for line in _proc_file(pid, "status").splitlines():
        key, _, value = line.partition(":")
        fields[key] = value
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def _proc_cpu(pid: int) -> float:
    """User + system CPU seconds used so far."""
    stat = _proc_file(pid, "stat")
    parts = stat.rsplit(")", 1)[1].split()
    return (int(parts[11]) + int(parts[12])) / CLOCK_TICKS


def _cpu_percent(pid: int, seconds: float) -> float:
    before, started = _proc_cpu(pid), time.perf_counter()
    time.sleep(seconds)
    return 100 * (_proc_cpu(pid) - before) / (time.perf_counter() - started)


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# -- screens ----------------------------------------------------------------------------------


# Lines of the Stacks screen that are not table rows at 80x24: the top bar, the header, the
# table's horizontal scrollbar, the two-line detail line (the row under the cursor's columns
# left out at 80 columns) and the footer.
CHROME_LINES = 6


def _complete(deployments: int, rows: int, per_deployment: int) -> Any:
    """The first screen is complete when the title counts every stack, every visible row of
    the table is drawn with its pods (all ready before any churn), and nothing says loading."""
    visible = min(deployments, rows - CHROME_LINES)
    pods = f"✓{per_deployment}"

    def seen(screen: Screen) -> bool:
        if f"{deployments} stacks" not in screen[0] or any("loading" in s for s in screen):
            return False
        rows = [line for line in screen if ROW_TEXT in line]
        return len(rows) >= visible and all(pods in line for line in rows)

    return seen


def _drawn(deployments: int, rows: int) -> Any:
    """Like :func:`_complete` once churn has made some pods not ready: every visible row
    is drawn with its READY count. (It asked for a "✓" in every row until 2026-12-07: the
    probe Deployment, scaled up by the latency probes on a manual clock, stays "◐
    Progressing" with its pods "◐8 ⚠2" and no ✓ anywhere, so the 200x60 screen was never
    "complete" at any size: the harness was wrong, not the app.)"""
    visible = min(deployments, rows - CHROME_LINES)

    def seen(screen: Screen) -> bool:
        if f"{deployments} stacks" not in screen[0] or any("loading" in s for s in screen):
            return False
        rows = [line for line in screen if ROW_TEXT in line]
        return len(rows) >= visible and all(_READY.search(line) for line in rows)

    return seen


def _shows_replicas(replicas: int) -> Any:
    needle = f"/{replicas} "

    def seen(screen: Screen) -> bool:
        return any(PROBE_DEPLOYMENT in line and needle in line for line in screen)

    return seen


@contextlib.contextmanager
def _app(
    cluster: Any,
    cols: int = 80,
    rows: int = 24,
    *,
    program: Sequence[str] = ("-m", "kubectl_stack", "-A"),
    env: Mapping[str, str] | None = None,
) -> Iterator[Terminal]:
    """The app (``python program``) on a pty against ``cluster.kubeconfig``, with a fresh
    home and ``env`` added, and compiled bytecode as an installed wheel has it
    (:func:`bench.startup.app_env`: this machine sets ``PYTHONDONTWRITEBYTECODE``, so a
    fresh checkout compiled the whole app at every start of a benchmarked app)."""
    from bench.startup import app_env, warm_bytecode

    warm_bytecode()
    with tempfile.TemporaryDirectory() as home:
        full_env = {
            **app_env(),
            "KUBECONFIG": cluster.kubeconfig,
            "XDG_CONFIG_HOME": home,
            "HOME": home,
            **(env or {}),
        }
        term = Terminal([sys.executable, *program], full_env, cols, rows)
        try:
            yield term
        finally:
            term.close()


# -- measurements -----------------------------------------------------------------------------


def kubectl_list(cluster: Cluster, runs: int, fig: Figures) -> None:
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "KUBECONFIG": cluster.kubeconfig, "KUBECACHEDIR": cache}
        for label, extra in (("kubectl_get_s", []), ("kubectl_json_s", ["-o", "json"])):
            walls, peaks = [], []
            for _ in range(runs):
                wall, rss, _out = _measure([KUBECTL, "get", "pods", "-A", *extra], env)
                walls.append(wall)
                peaks.append(rss)
            fig.put(label, statistics.median(walls))
            fig.put(label.replace("_s", "_rss_mb"), max(peaks))


def latency(
    cluster: Cluster, term: Terminal, rate: float, probes: int, start: int
) -> tuple[list[float], int]:
    """Scale the probe Deployment ``probes`` times under churn of ``rate`` changes/s; seconds
    from the API call to the row showing the new count. Returns the samples and the next
    unused replica count."""
    cluster.churn(rate)
    time.sleep(1.0)
    samples = []
    rng = random.Random(rate)
    replicas = start
    for _ in range(probes):
        replicas += 1
        sent = time.perf_counter()
        try:
            cluster.scale(PROBE_NS, PROBE_DEPLOYMENT, replicas)
        except OSError as error:  # the cluster too busy to answer (30 s): the rest missed too
            sys.stderr.write(f"a scale through the API failed ({error}): probes stopped\n")
            break
        shown = term.wait_for(_shows_replicas(replicas), PROBE_TIMEOUT)
        if shown is not None:
            samples.append(shown - sent)
        time.sleep(rng.uniform(0.1, 0.3))
    cluster.churn(0)
    return samples, replicas


def _cursor_at(term: Terminal, row: int) -> Callable[[Screen], bool]:
    return lambda _screen: term.cursor_row(ROW_TEXT) == row


def key_latency(
    term: Terminal, presses: int, *, opens: bool = True
) -> tuple[list[float], list[float]]:
    """Cursor moves (down, then up again, within the first rows) and, with ``opens``, opening
    a stack (Enter, until its screen is drawn; Escape back untimed)."""
    moves: list[float] = []
    opened: list[float] = []
    for i in range(presses):
        row = term.cursor_row(ROW_TEXT)
        if row is not None:
            down = i % 8 < 4
            target = row + (1 if down else -1)
            sent = time.perf_counter()
            term.send(b"\x1b[B" if down else b"\x1b[A")
            shown = term.wait_for(_cursor_at(term, target), 5.0)
            if shown is not None:
                moves.append(shown - sent)
        time.sleep(0.1)
    for _ in range(presses if opens else 0):
        sent = time.perf_counter()
        term.send(b"\r")
        shown = term.wait_for(lambda s: any("· Deployment ·" in line for line in s), 10.0)
        if shown is not None:
            opened.append(shown - sent)
        term.send(b"\x1b")
        term.wait_for(lambda s: "stacks" in s[0], 10.0)
        time.sleep(0.3)
    return moves, opened


class _Counter:
    """Bytes a child writes to its stdout."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, env=env, start_new_session=True)
        self.bytes = 0
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        while chunk := os.read(fd, 65536):
            self.bytes += len(chunk)

    def close(self) -> None:
        stop(self.proc)
        self._thread.join(timeout=5)


def bytes_per_second(term: Terminal, seconds: float) -> float:
    before, started = term.bytes, time.perf_counter()
    time.sleep(seconds)
    return (term.bytes - before) / (time.perf_counter() - started)


def measure_size(
    cluster: Cluster, options: Options, main: bool, log: Any, fig: Figures | None = None
) -> Figures:
    """Every figure of the module's docstring on ``cluster``, which nothing has churned yet
    (the first screen waits for every pod ready), put in ``fig`` as they come (what was
    measured stays there if a later measurement fails)."""
    pods, deployments = cluster.pods, cluster.deployments
    fig = Figures(pods) if fig is None else fig
    log(f"[{pods} pods] kubectl get pods -A, -o json")
    kubectl_list(cluster, options.kubectl_runs, fig)
    log(f"[{pods} pods] the app: first screen, RSS, idle CPU")
    with _app(cluster) as term:
        shown = term.wait_for(_complete(deployments, 24, options.pods_per_deployment), 300.0)
        fig.put("first_screen_s", None if shown is None else shown - term.started)
        if shown is None:
            log(f"[{pods} pods] no complete screen within 300 s:\n" + "\n".join(term.lines()))
            return fig
        log(f"[{pods} pods] first complete screen after {shown - term.started:.1f} s")
        time.sleep(2.0)
        rss, peak = _proc_rss(term.pid)
        fig.put("rss_synced_mb", rss)
        fig.put("rss_peak_synced_mb", peak)
        fig.put("cpu_idle_pct", _cpu_percent(term.pid, options.idle_seconds))
        for rate in (50.0, 500.0):
            log(f"[{pods} pods] churn {rate:.0f}/s: event-to-screen latency, CPU, bytes")
            samples, cluster.replicas = latency(
                cluster, term, rate, options.probes, cluster.replicas
            )
            fig.put(f"e2s_p50_ms_{rate:.0f}", _ms(_pct(samples, 0.5)))
            fig.put(f"e2s_p99_ms_{rate:.0f}", _ms(_pct(samples, 0.99)))
            fig.put(f"e2s_missed_{rate:.0f}", options.probes - len(samples))
            cluster.churn(rate)
            # The screen is not read here: feeding the emulator would cost CPU too.
            term.emulate = False
            # The churn under way before the window opens (as bench.link does): a
            # window opened with it measured its start, nothing on a loaded machine.
            time.sleep(1.0)
            before_cpu, started = _proc_cpu(term.pid), time.perf_counter()
            fig.put(f"tty_bps_80x24_{rate:.0f}", bytes_per_second(term, options.window_seconds))
            elapsed = time.perf_counter() - started
            cpu = (_proc_cpu(term.pid) - before_cpu) / elapsed
            fig.put(f"cpu_churn_pct_{rate:.0f}", 100 * cpu)
            fig.put(f"cpu_ms_per_event_{rate:.0f}", 1000 * cpu / rate)
            cluster.churn(0)
            term.emulate = True
        fig.put("rss_after_churn_mb", _proc_rss(term.pid)[0])
        if pods >= HUGE and options.huge_soak_seconds > 0:
            huge_soak(cluster, term, options.huge_soak_seconds, fig, log)
        if options.keys and pods < HUGE:
            keys(cluster, term, options.keys, fig, log)
        if main and options.soak_seconds > 0:
            soak_rss(cluster, term, options, fig, log)
    return fig


def huge_soak(cluster: Cluster, term: Terminal, seconds: float, fig: Figures, log: Any) -> None:
    """Churn of 50/s for ``seconds`` with the RSS sampled every :data:`RSS_EVERY`: whether
    the app's memory stays flat at the largest size (the main size's soak measures keys
    too, which takes much longer at this size)."""
    log(f"[{fig.size} pods] soak: {seconds:.0f} s of churn at 50/s, RSS every {RSS_EVERY:.0f} s")
    term.emulate = False  # nothing waits on the screen; feeding the emulator costs CPU
    cluster.churn(50)
    samples = [_proc_rss(term.pid)[0]]
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        time.sleep(min(RSS_EVERY, seconds - (time.perf_counter() - started)))
        samples.append(_proc_rss(term.pid)[0])
    cluster.churn(0)
    term.emulate = True
    log(f"[{fig.size} pods] RSS over the soak (MiB): " + " ".join(f"{s:.0f}" for s in samples))
    fig.put("huge_soak_seconds", seconds)
    fig.put("huge_soak_rss_first_mb", samples[0])
    fig.put("huge_soak_rss_last_mb", samples[-1])
    fig.put("huge_soak_rss_max_mb", max(samples))


def keys(cluster: Cluster, term: Terminal, presses: int, fig: Figures, log: Any) -> None:
    """Key presses under churn 50/s: ``presses`` cursor moves, then as many stacks opened."""
    log(f"[{fig.size} pods] key presses under churn 50/s")
    cluster.churn(50)
    try:
        moves, opens = key_latency(term, presses)
    finally:
        cluster.churn(0)
    fig.put("key_move_p50_ms", _ms(_pct(moves, 0.5)))
    fig.put("key_move_p99_ms", _ms(_pct(moves, 0.99)))
    fig.put("key_open_p50_ms", _ms(_pct(opens, 0.5)))
    fig.put("key_open_p99_ms", _ms(_pct(opens, 0.99)))
    # Which sample the p99 is: the first open paints the screen built ahead for the first time.
    fig.put("key_open_first_ms", _ms(opens[0]) if opens else None)
    fig.put("key_open_slowest_at", float(opens.index(max(opens)) + 1) if opens else None)


def soak_rss(cluster: Cluster, term: Terminal, options: Options, fig: Figures, log: Any) -> None:
    """RSS after ``options.soak_seconds`` of churn at 50/s (issue 6's memory target)."""
    log(f"[{fig.size} pods] soak: {options.soak_seconds:.0f} s of churn at 50/s")
    cluster.churn(50)
    time.sleep(options.soak_seconds)
    cluster.churn(0)
    time.sleep(2.0)
    rss, peak = _proc_rss(term.pid)
    fig.put("rss_after_soak_mb", rss)
    fig.put("rss_peak_mb", peak)
    fig.put("soak_seconds", options.soak_seconds)


def _ms(value: float | None) -> float | None:
    return None if value is None else value * 1000
