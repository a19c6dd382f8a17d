"""Initial sync of the ``large`` scenario, next to ``kubectl get pods -A -o json``.

Starts the embedded cluster once (in this process), then runs, each in a fresh process
against the same server: our informers syncing every watched kind across all namespaces, and
real kubectl listing the pods as JSON. Reports wall time (process start to exit) and peak
RSS (from ``wait4``) of each. Usage::

    python -m bench.sync [--scenario large] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kubectl_stack import jsonutil

TARGET_RSS_MB = 150.0


def _child(kubeconfig: str) -> int:
    """The measured process: connect, sync everything, print JSON figures."""
    from kubectl_stack.kube.connection import connect
    from kubectl_stack.kube.informer import Informers
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


def _measure(argv: list[str], env: dict[str, str]) -> tuple[float, float, bytes]:
    """Run one process; (wall seconds, peak RSS MiB, stdout)."""
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.PIPE, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        stderr = proc.stderr.read() if proc.stderr else b""
        if proc.returncode != 0:
            raise SystemExit(f"{argv[0]} failed: {stderr.decode(errors='replace').strip()}")
        out.seek(0)
        # Linux reports ru_maxrss in KiB.
        return wall, usage.ru_maxrss / 1024.0, out.read()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sync", description=__doc__)
    parser.add_argument("--scenario", default="large")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", metavar="KUBECONFIG", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return _child(args.child)

    from kubectl_stack.sim.runner import start_sim

    kubectl = str(Path(sys.executable).parent / "kubectl")
    repo = str(Path(__file__).resolve().parent.parent)
    with tempfile.TemporaryDirectory() as cache, start_sim(args.scenario) as sim:
        env = {
            **os.environ,
            "KUBECONFIG": str(sim.kubeconfig),
            "KUBECACHEDIR": cache,
            "PYTHONPATH": repo,
        }
        ours: list[tuple[float, float, float]] = []
        theirs: list[tuple[float, float]] = []
        pods = 0
        for _ in range(args.runs):
            wall, rss, out = _measure([kubectl, "get", "pods", "-A", "-o", "json"], env)
            kubectl_pods = len(jsonutil.loads(out)["items"])
            theirs.append((wall, rss))
            wall, rss, out = _measure(
                [sys.executable, "-m", "bench.sync", "--child", str(sim.kubeconfig)], env
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
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(f"  (benchmark process incl. the embedded cluster: peak RSS {own:.0f} MiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
