"""Initial sync of the ``large`` scenario, next to ``kubectl get pods -A -o json``.

Starts the embedded cluster once (its own process, manual clock), then runs, each
in a fresh process against the same server: our informers syncing every watched kind across
all namespaces, and real kubectl listing the pods as JSON. Reports wall time (process start
to exit) and peak RSS (from ``wait4``) of each. This process stays small on purpose: a
child's peak RSS includes what it inherited from its parent before ``exec``. Usage::

    python -m bench.sync [--scenario large] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn

from kubectl_stack import jsonutil

TARGET_RSS_MB = 150.0
REPO = str(Path(__file__).resolve().parent.parent)


def _child(kubeconfig: str) -> int:
    """The measured process: connect, sync everything, print JSON figures."""
    from kubectl_stack.kube.connection import connect
    from kubectl_stack.kube.informers import Informers
    from kubectl_stack.kube.store import ClusterState
    from kubectl_stack.options import ConnectionOptions

    async def sync() -> dict[str, float]:
        started = time.perf_counter()
        connection = await connect(ConnectionOptions(kubeconfig=kubeconfig))
        state = ClusterState()
        informers = Informers(connection, state, None)
        await informers.start()
        synced = await informers.wait_synced(timeout=300)
        elapsed = time.perf_counter() - started
        pods = len(state.objects("pods"))
        await informers.stop()
        await connection.close()
        if not synced:
            raise SystemExit("sync did not finish within 300 s")
        return {"sync_seconds": elapsed, "pods": pods}

    figures = asyncio.run(sync())
    sys.stdout.write(jsonutil.dumps(figures).decode() + "\n")
    return 0


def run_main(main: Callable[[], int]) -> NoReturn:
    """Run a benchmark entry point as the process: SIGTERM and SIGHUP end it as Ctrl+C does
    (KeyboardInterrupt), so every ``finally`` runs and no child process is left behind; an
    interruption exits with 130, without a traceback."""

    def interrupt(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, interrupt)
    try:
        code = main()
    except KeyboardInterrupt:
        code = 130
    sys.exit(code)


def stop(proc: subprocess.Popen[Any], grace: float = 0.0) -> None:
    """End a child started with ``start_new_session=True``, with its process group: close
    its stdin (the embedded clusters here end when it closes) and give it ``grace`` seconds,
    then SIGTERM, 10 s later SIGKILL. The child is reaped whichever way it ended."""
    if proc.stdin is not None:
        with contextlib.suppress(OSError):
            proc.stdin.close()
    for sig, wait in ((None, grace), (signal.SIGTERM, 10.0), (signal.SIGKILL, None)):
        if proc.poll() is not None:
            return
        if sig is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=wait)


# Forks and reaps the measured program, then reports its wall time, peak RSS and exit code on
# the file descriptor it is given.
# Linux counts a child's peak RSS from before its exec too, that is this (large) process's
# pages it was forked with; a fresh interpreter forking it keeps the figure the program's.
_LAUNCHER = """
import os, sys, time
started = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - started
code = os.waitstatus_to_exitcode(status)
cpu = usage.ru_utime + usage.ru_stime
os.write(int(sys.argv[1]), f"{wall} {usage.ru_maxrss} {code} {cpu}".encode())
"""


def _measure(argv: list[str], env: dict[str, str]) -> tuple[float, float, bytes]:
    """Run one process; (wall seconds, peak RSS MiB, stdout). Both figures are the
    program's own (see ``_LAUNCHER``)."""
    wall, _cpu, rss, out = measure(argv, env)
    return wall, rss, out


def measure(argv: Sequence[str], env: Mapping[str, str]) -> tuple[float, float, float, bytes]:
    """Run one process; (wall seconds, CPU seconds, peak RSS MiB, stdout), the program's
    own figures (see ``_LAUNCHER``)."""
    report_r, report_w = os.pipe()
    with tempfile.TemporaryFile() as out, os.fdopen(report_r, "rb") as report:
        proc = subprocess.Popen(
            [sys.executable, "-S", "-c", _LAUNCHER, str(report_w), *argv],
            stdout=out,
            stderr=subprocess.PIPE,
            env=dict(env),
            start_new_session=True,
            pass_fds=(report_w,),
        )
        os.close(report_w)
        try:
            _, stderr = proc.communicate()
        except BaseException:
            stop(proc)
            raise
        figures = report.read().decode().split()
        if proc.returncode != 0 or len(figures) != 4 or figures[2] != "0":
            raise SystemExit(f"{argv[0]} failed: {stderr.decode(errors='replace').strip()}")
        wall, maxrss, _code, cpu = figures
        out.seek(0)
        # Linux reports ru_maxrss in KiB.
        return float(wall), float(cpu), int(maxrss) / 1024.0, out.read()


def _count_items(listing: bytes) -> int:
    """Items in a JSON list, counted in a throw-away process: parsing 10,000 pods here would
    grow this process, and every child forked later would inherit that peak RSS."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, sys; print(len(json.load(sys.stdin)['items']))",
        ],
        input=listing,
        capture_output=True,
        check=True,
    )
    return int(done.stdout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sync", description=__doc__)
    parser.add_argument("--scenario", default="large")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", metavar="KUBECONFIG", help=argparse.SUPPRESS)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return _child(args.child)
    if args.serve:
        return _serve_until_stdin_closes(args.scenario)

    kubectl = str(Path(sys.executable).parent / "kubectl")
    with tempfile.TemporaryDirectory() as cache, _serve(args.scenario) as kubeconfig:
        env = {
            **os.environ,
            "KUBECONFIG": kubeconfig,
            "KUBECACHEDIR": cache,
            "PYTHONPATH": REPO,
        }
        ours: list[tuple[float, float, float]] = []
        theirs: list[tuple[float, float]] = []
        pods = 0
        for _ in range(args.runs):
            wall, rss, out = _measure([kubectl, "get", "pods", "-A", "-o", "json"], env)
            kubectl_pods = _count_items(out)
            theirs.append((wall, rss))
            wall, rss, out = _measure(
                [sys.executable, "-m", "bench.sync", "--child", kubeconfig], env
            )
            figures = jsonutil.loads(out)
            pods = int(figures["pods"])
            ours.append((wall, rss, float(figures["sync_seconds"])))
        if pods != kubectl_pods:
            raise SystemExit(f"pod counts differ: ours {pods}, kubectl {kubectl_pods}")

    def med(values: list[float]) -> float:
        return statistics.median(values)

    our_wall = med([w for w, _, _ in ours])
    our_rss = max(r for _, r, _ in ours)
    our_sync = med([s for _, _, s in ours])
    k_wall = med([w for w, _ in theirs])
    k_rss = max(r for _, r in theirs)
    print(f"scenario {args.scenario}: {pods} pods, median of {args.runs} runs, fresh processes")
    print(
        f"  kubectl-stack sync (all kinds, -A): {our_wall:6.2f} s wall "
        f"({our_sync:.2f} s connect+list+watch), peak RSS {our_rss:6.1f} MiB"
    )
    print(f"  kubectl get pods -A -o json:        {k_wall:6.2f} s wall, peak RSS {k_rss:6.1f} MiB")
    verdict_time = "ok" if our_wall <= k_wall else "SLOWER than kubectl"
    verdict_rss = "ok" if our_rss < TARGET_RSS_MB else f"OVER {TARGET_RSS_MB:.0f} MiB"
    print(f"  targets: time {verdict_time}; memory {verdict_rss}")
    return 0


def _serve_until_stdin_closes(scenario: str) -> int:
    """The embedded cluster on a manual clock (nothing changes while measuring)."""
    from kubectl_stack_sim.runner import start_sim

    with start_sim(scenario) as sim:
        sys.stdout.write(f"KUBECONFIG={sim.kubeconfig}\n")
        sys.stdout.flush()
        sys.stdin.read()
    return 0


def spawn_cluster(module: str, *args: str) -> tuple[subprocess.Popen[str], str]:
    """Start an embedded-cluster program (``python -m module args``) in its own process and
    session; it prints ``KUBECONFIG=<path>`` first. Returns the process (end it with
    :func:`stop`) and that path; a process that did not start is stopped."""
    proc = subprocess.Popen(
        [sys.executable, "-m", module, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": REPO},
        start_new_session=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        if not line.startswith("KUBECONFIG="):
            raise SystemExit(f"the embedded cluster did not start: {line!r}")
    except BaseException:
        stop(proc)
        raise
    return proc, line.partition("=")[2]


@contextlib.contextmanager
def _serve(scenario: str) -> Iterator[str]:
    """The embedded cluster in its own process until the block ends; yields its kubeconfig."""
    proc, kubeconfig = spawn_cluster("bench.sync", "--serve", "--scenario", scenario)
    try:
        yield kubeconfig
    finally:
        stop(proc, grace=30.0)


if __name__ == "__main__":
    run_main(main)
