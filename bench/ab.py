"""``python -m bench.ab``: event-to-screen latency of two (or more) source trees of the app,
interleaved on the same clusters, so that a loaded machine weighs on each alike.

Per size (``--sizes``), one ``bench.cluster``; ``--rounds`` times, each app tree in turn
(``--apps LABEL=TREE,...``, e.g. ``main=/tmp/main,branch=`` where ``/tmp/main`` is a
``git archive`` of main and an empty tree is this one) is started on an 80x24 pty, and the
probe Deployment is scaled ``--probes`` times under churn 50/s and 500/s (``bench.suite``'s
``latency``). Prints p50/p99 per app, rate and size over every round's probes, with the load
average of each round.
"""

from __future__ import annotations

import argparse
import os
import time

from bench.link import _app, parse_apps
from bench.suite import Cluster, _drawn, _pct, latency


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ab", description=__doc__)
    parser.add_argument("--apps", default="main=/tmp/main,branch=", help="LABEL=TREE,...")
    parser.add_argument("--sizes", default="100,1000", help="pod counts, comma-separated")
    parser.add_argument("--probes", type=int, default=20, help="probes per rate and round")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    apps = parse_apps(args.apps)
    for pods in (int(s) for s in args.sizes.split(",") if s.strip()):
        deployments = max(1, pods // 10)
        cluster = Cluster(pods, deployments, min(20, deployments))
        replicas = 10
        samples: dict[tuple[str, float], list[float]] = {}
        try:
            for round_ in range(args.rounds):
                for label, tree in apps:
                    with _app(cluster.kubeconfig, 80, 24, tree=tree) as term:
                        if term.wait_for(_drawn(deployments, 24), 300.0) is None:
                            raise SystemExit(f"{label}: no complete screen within 300 s")
                        time.sleep(2.0)
                        for rate in (50.0, 500.0):
                            got, replicas = latency(cluster, term, rate, args.probes, replicas)
                            samples.setdefault((label, rate), []).extend(got)
                    print(
                        f"{pods} pods, round {round_ + 1}, {label}: load {os.getloadavg()[0]:.1f}"
                    )
        finally:
            cluster.close()
        for (label, rate), got in samples.items():
            p50, p99 = _pct(got, 0.5), _pct(got, 0.99)
            print(
                f"{pods:>6} pods  {label:10} churn {rate:>3.0f}/s  n={len(got):3}  "
                f"p50 {0 if p50 is None else p50 * 1000:4.0f} ms  "
                f"p99 {0 if p99 is None else p99 * 1000:4.0f} ms"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
