"""``python -m bench.memory``: where the memory goes at N pods, the store's and the app's.

Starts ``bench.cluster`` (the ``large`` scenario) once, then, each in a fresh process:

- ``--store``: every informer of the app (``Informers``, all namespaces) syncs, with no UI;
  prints the process's ``VmRSS`` and ``VmHWM`` (from ``/proc``) and the store's bytes by
  part (``pods:status.containerStatuses``...): ``sys.getsizeof`` of every distinct dict,
  list, string and number the store holds, each counted once (where it is first met), so
  parts shared by interning count once;
  with ``--churn N``, the same after N pod changes (500/s);
- ``--app``: ``kubectl stack -A`` on an 80x24 pty: its RSS when the first complete screen
  shows (plus 2 s), then ``--probes`` event-to-screen samples under churn 50/s (as
  ``python -m bench``), then ``--soak`` seconds of churn 50/s with the RSS every 30 s.

Usage::

    python -m bench.memory --pods 10000 --store --app
    python -m bench.memory --pods 100000 --deployments 10000 --namespaces 100 --app --soak 300
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import subprocess
import sys
import time
from collections import Counter
from typing import Any

from bench.suite import (
    Cluster,
    Figures,
    _app,
    _complete,
    _drawn,
    _pct,
    _proc_rss,
    huge_soak,
    latency,
)
from bench.sync import REPO, run_main
from kubectl_stack import jsonutil

DEPTH = 2  # path components a part is named by


def _vm(name: str) -> float:
    """This process's ``name`` (VmRSS, VmHWM) in MiB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(name + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def breakdown(objects: dict[str, Any]) -> Counter[str]:
    """Bytes of what ``objects`` (kind -> {key: object}) holds, by kind and path: each
    distinct container, string and number counted once, where it is first met."""
    seen: set[int] = set()
    sizes: Counter[str] = Counter()
    sizeof = sys.getsizeof

    def walk(node: Any, part: str, path: tuple[str, ...]) -> None:
        if id(node) in seen or node is None or type(node) is bool:
            return
        seen.add(id(node))
        sizes[part] += sizeof(node)
        if type(node) is dict:
            for k, v in node.items():
                if id(k) not in seen:
                    seen.add(id(k))
                    sizes[part] += sizeof(k)
                if len(path) < DEPTH:
                    sub = (*path, k)
                    walk(v, f"{part.split(':')[0]}:{'.'.join(sub)}", sub)
                else:
                    walk(v, part, path)
        elif type(node) is list:
            for v in node:
                walk(v, part, path)

    for kind, items in objects.items():
        sizes[f"{kind}:(index)"] += sizeof(items)
        for key, obj in items.items():
            sizes[f"{kind}:(index)"] += sizeof(key)
            walk(obj, f"{kind}:", ())
    return sizes


def _store_child(kubeconfig: str) -> int:
    from kubectl_stack.kube.connection import connect
    from kubectl_stack.kube.informers import Informers
    from kubectl_stack.kube.store import ClusterState
    from kubectl_stack.options import ConnectionOptions

    async def sync() -> None:
        connection = await connect(ConnectionOptions(kubeconfig=kubeconfig))
        state = ClusterState()
        informers = Informers(connection, state, None)
        await informers.start()
        started = time.perf_counter()
        synced = await informers.wait_synced(timeout=600)
        seconds = time.perf_counter() - started
        if not synced:
            raise SystemExit("sync did not finish within 600 s")
        # Counting the parts allocates a set of every object: not before a churn is measured.
        churn: bool = os.environ.get("BENCH_MEMORY_CHURN") == "1"
        report(state, {"sync_s": seconds}, parts=not churn)
        # The parent has made the cluster churn meanwhile: the store after it.
        loop = asyncio.get_running_loop()
        if churn:
            told = await loop.run_in_executor(None, _read_line)
            if told:
                report(state, {}, parts=True)
        await informers.stop()
        await connection.close()

    asyncio.run(sync())
    return 0


def _read_line() -> str:
    return sys.stdin.readline()


def report(state: Any, figures: dict[str, Any], *, parts: bool) -> None:
    """Print the process's RSS and the store's bytes by part, as one line of JSON."""
    gc.collect()
    figures["rss_mb"] = _vm("VmRSS")
    figures["hwm_mb"] = _vm("VmHWM")
    figures["pods"] = len(state.objects("pods"))
    sizes = breakdown({k: dict(state.objects(k)) for k in list(state._objects)} if parts else {})
    figures["parts_mb"] = {k: v / 2**20 for k, v in sizes.most_common(25)}
    figures["total_mb"] = sum(sizes.values()) / 2**20
    sys.stdout.write(jsonutil.dumps(figures).decode() + "\n")
    sys.stdout.flush()


def store(cluster: Cluster, churn: int, log: Any) -> None:
    child = subprocess.Popen(
        [sys.executable, "-m", "bench.memory", "--child", cluster.kubeconfig],
        cwd=REPO,
        env={**os.environ, "BENCH_MEMORY_CHURN": "1" if churn else ""},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdin is not None and child.stdout is not None
    try:
        _log_store(child.stdout.readline(), "informers alone, synced", log)
        if churn:
            # As the 100,000-pod soak does (churn 50/s), ten times faster.
            before = int(cluster.command("count"))
            cluster.churn(500.0)
            while int(cluster.command("count")) - before < churn:
                time.sleep(0.5)
            cluster.churn(0)
            time.sleep(2.0)
            child.stdin.write("go\n")
            child.stdin.flush()
            _log_store(child.stdout.readline(), f"after {churn} pod changes", log)
    finally:
        child.stdin.close()
        child.wait()


def _log_store(line: str, what: str, log: Any) -> None:
    if not line:
        log(f"{what}: the child failed")
        return
    figures = jsonutil.loads(line)
    log(
        f"{what}: {figures['pods']} pods, VmRSS {figures['rss_mb']:.1f} MiB, "
        f"VmHWM {figures['hwm_mb']:.1f} MiB, store {figures['total_mb']:.1f} MiB"
        + (f", synced in {figures['sync_s']:.1f} s" if "sync_s" in figures else "")
    )
    for part, mb in figures["parts_mb"].items():
        log(f"  {mb:8.1f} MiB  {part}")


def app(cluster: Cluster, args: argparse.Namespace, log: Any) -> None:
    deployments = args.deployments
    per = args.pods // deployments
    with _app(cluster) as term:
        # After --churn some pods are not ready: every row drawn with its READY count.
        drawn = _drawn(deployments, 24) if args.churn else _complete(deployments, 24, per)
        shown = term.wait_for(drawn, 600.0)
        if shown is None:
            log("no complete screen within 600 s:\n" + "\n".join(term.lines()))
            return
        time.sleep(2.0)
        rss, peak = _proc_rss(term.pid)
        log(
            f"app: first complete screen {shown - term.started:.1f} s, "
            f"VmRSS {rss:.1f} MiB, VmHWM {peak:.1f} MiB"
        )
        if args.probes:
            samples, _ = latency(cluster, term, 50.0, args.probes, per)
            p50, p99 = _pct(samples, 0.5), _pct(samples, 0.99)
            log(
                f"app: event-to-screen at 50/s p50 {1000 * (p50 or 0):.0f} ms, "
                f"p99 {1000 * (p99 or 0):.0f} ms, {args.probes - len(samples)} missed; "
                f"VmRSS {_proc_rss(term.pid)[0]:.1f} MiB"
            )
        if args.soak:
            huge_soak(cluster, term, args.soak, Figures(args.pods), log)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.memory", description=__doc__)
    parser.add_argument("--pods", type=int, default=10_000)
    parser.add_argument("--deployments", type=int)
    parser.add_argument("--namespaces", type=int, default=20)
    parser.add_argument("--store", action="store_true", help="the informers alone")
    parser.add_argument("--churn", type=int, default=0, help="--store: then N pod changes")
    parser.add_argument("--app", action="store_true", help="kubectl stack -A on a pty")
    parser.add_argument("--probes", type=int, default=0, help="event-to-screen samples, 50/s")
    parser.add_argument("--soak", type=float, default=0.0, help="seconds of churn 50/s")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return _store_child(args.child)
    args.deployments = args.deployments or max(1, args.pods // 10)

    def log(text: str) -> None:
        sys.stdout.write(f"{time.strftime('%H:%M:%S')} {text}\n")
        sys.stdout.flush()

    log(f"starting the cluster: {args.pods} pods, {args.deployments} Deployments")
    cluster = Cluster(args.pods, args.deployments, args.namespaces)
    try:
        if args.store:
            store(cluster, args.churn, log)
        if args.app:
            app(cluster, args, log)
    finally:
        cluster.close()
    return 0


if __name__ == "__main__":
    run_main(main)
