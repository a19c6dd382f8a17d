"""``python -m bench.watchlist``: the initial sync of every pod, WatchList against paginated
LIST, in fresh processes against ``bench.cluster`` through a counting proxy.

Per mode: bytes read from the API server until synced, requests, peak RSS of the process
(``ru_maxrss``; the interpreter and imports included, the same for both) and wall time (which
says little on a loaded machine: the load average is printed beside it).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from bench.link import CountingProxy
from bench.startup import app_env, warm_bytecode
from bench.suite import Cluster
from bench.sync import measure as run


async def _sync(kubeconfig: str, watch_list: bool) -> None:
    from kubectl_stack.kube import kinds as K
    from kubectl_stack.kube.connection import connect
    from kubectl_stack.kube.informer import Informer
    from kubectl_stack.kube.store import ClusterState, SyncState
    from kubectl_stack.options import ConnectionOptions

    connection = await connect(ConnectionOptions(kubeconfig=kubeconfig))
    state = ClusterState(max_rate=10_000.0)
    synced = asyncio.Event()

    def check(_version: int) -> None:
        if state.status(K.PODS.name).state is SyncState.SYNCED:
            synced.set()

    state.subscribe(check)
    informer = Informer(connection, state, K.PODS, None, watch_list=watch_list)
    task = asyncio.create_task(informer.run())
    await synced.wait()
    if watch_list and not informer.watch_list:
        raise SystemExit(f"fell back to LIST: {informer.watch_list_fallback}")
    print(len(state.objects(K.PODS.name)))
    task.cancel()
    await connection.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.watchlist", description=__doc__)
    parser.add_argument("--pods", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--child", nargs=2, metavar=("KUBECONFIG", "MODE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        asyncio.run(_sync(args.child[0], args.child[1] == "watchlist"))
        return 0
    warm_bytecode()
    cluster = Cluster.of_size(args.pods)
    try:
        compare(cluster, args.runs, print)
    finally:
        cluster.close()
    return 0


def compare(cluster: Cluster, runs: int, say: Callable[[str], None]) -> dict[str, float]:
    """Each mode ``runs`` times on ``cluster``, alternately; the lines go to ``say``. Answers
    per mode its least bytes read (MB), requests, most peak RSS (MiB) and median wall time
    (s): ``{mode}_mb``, ``{mode}_requests``, ``{mode}_rss_mb``, ``{mode}_wall_s``."""
    proxy = CountingProxy(cluster.server)
    samples: dict[str, list[tuple[float, float, float, float]]] = {"list": [], "watchlist": []}
    try:
        config = yaml.safe_load(Path(cluster.kubeconfig).read_text())
        for entry in config["clusters"]:
            entry["cluster"]["server"] = f"http://127.0.0.1:{proxy.port}"
        path = f"{cluster.kubeconfig}.proxied"
        Path(path).write_text(yaml.safe_dump(config))
        say(f"{cluster.pods:,} pods, load average {os.getloadavg()[0]:.1f}")
        for mode in ("list", "watchlist") * runs:
            before = proxy.snapshot()
            wall, _cpu, rss, out_bytes = run(
                [sys.executable, "-m", "bench.watchlist", "--child", path, mode], app_env()
            )
            time.sleep(0.5)  # the proxy's last reads
            requests, up, down = (a - b for a, b in zip(proxy.snapshot(), before, strict=True))
            samples[mode].append((down / 1e6, requests, rss, wall))
            say(
                f"{mode:>9}: {int(out_bytes)} pods, read {down / 1e6:.1f} MB in {requests} "
                f"requests (sent {up / 1e3:.1f} KB), peak RSS {rss:.1f} MiB, wall {wall:.2f} s"
            )
        say(f"load average {os.getloadavg()[0]:.1f}")
    finally:
        proxy.close()
    figures: dict[str, float] = {}
    for mode, rows in samples.items():
        figures[f"{mode}_mb"] = min(r[0] for r in rows)
        figures[f"{mode}_requests"] = min(r[1] for r in rows)
        figures[f"{mode}_rss_mb"] = max(r[2] for r in rows)
        figures[f"{mode}_wall_s"] = statistics.median(r[3] for r in rows)
    return figures


if __name__ == "__main__":
    raise SystemExit(main())
