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
import sys
import time
from pathlib import Path

import yaml

from bench.link import CountingProxy
from bench.startup import app_env, warm_bytecode
from bench.suite import HUGE, HUGE_NAMESPACES, Cluster
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
    namespaces = HUGE_NAMESPACES if args.pods >= HUGE else 20
    cluster = Cluster(args.pods, max(1, args.pods // 10), namespaces)
    proxy = CountingProxy(cluster.server)
    try:
        config = yaml.safe_load(Path(cluster.kubeconfig).read_text())
        for entry in config["clusters"]:
            entry["cluster"]["server"] = f"http://127.0.0.1:{proxy.port}"
        path = f"{cluster.kubeconfig}.proxied"
        Path(path).write_text(yaml.safe_dump(config))
        print(f"{args.pods:,} pods, load average {os.getloadavg()[0]:.1f}")
        for mode in ("list", "watchlist") * args.runs:
            before = proxy.snapshot()
            wall, _cpu, rss, out_bytes = run(
                [sys.executable, "-m", "bench.watchlist", "--child", path, mode], app_env()
            )
            time.sleep(0.5)  # the proxy's last reads
            requests, up, down = (a - b for a, b in zip(proxy.snapshot(), before, strict=True))
            print(
                f"{mode:>9}: {int(out_bytes)} pods, read {down / 1e6:.1f} MB in {requests} "
                f"requests (sent {up / 1e3:.1f} KB), peak RSS {rss:.1f} MiB, wall {wall:.2f} s"
            )
        print(f"load average {os.getloadavg()[0]:.1f}")
    finally:
        proxy.close()
        cluster.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
