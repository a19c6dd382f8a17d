"""``python -m bench.apiload``: what the app costs the API server, next to kubectl watching
the same data (issue 16, "light on the API server").

Against ``bench.cluster`` (``--pods``, 10 a Deployment), through a counting TCP proxy
(:class:`bench.link.CountingProxy`: requests are request lines sent, bytes count both ways),
each phase ``--window`` seconds after a settling pause:

1. the app (``-A``, 80x24) on the Stacks list, at rest, then under churn of 50 pod changes/s;
2. a Stack screen open (Enter on the first row), at rest: pod metrics (metrics.k8s.io has no
   watch) are polled while a screen shows them;
3. back on the Stacks list (Escape), at rest: the polling must stop;
4. ``kubectl get -A --watch`` for each kind the app watches (one process per kind: kubectl
   watches one kind a process), at rest and under churn: the same data, kubectl's way;
5. ``kubectl get pods -A --watch`` alone under churn: what one person watching pods costs.

A watch that the server ends is resumed with one request, so at rest the app makes about
``len(WATCHED) / mean(WATCH_TIMEOUT_RANGE)`` requests a minute over time; a window shorter
than the shortest timeout (300 s) sees none of them: the steady rate is printed beside it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from bench.link import CountingProxy, _per_minute, _proxied, subprocess_watch
from bench.startup import KUBECTL, app_env, warm_bytecode
from bench.suite import Cluster, _app, _complete, _drawn
from bench.sync import stop
from kubectl_stack.kinds import WATCHED
from kubectl_stack.kube.informer import WATCH_TIMEOUT_RANGE
from kubectl_stack.kube.informers import METRICS_PERIOD

SETTLE = 5.0  # seconds after a change of phase before counting (lists, discovery, a screen)


def _count(proxy: CountingProxy, window: float) -> tuple[float, float]:
    """(requests, KB) a minute through ``proxy`` over the next ``window`` seconds."""
    before, started = proxy.snapshot(), time.perf_counter()
    time.sleep(window)
    requests, up, down = _per_minute(before, proxy.snapshot(), time.perf_counter() - started)
    return requests, (up + down) / 1000


def measure(
    pods: int, window: float, log: Callable[[str], None], settle: float = SETTLE
) -> dict[str, float]:
    cluster = Cluster.of_size(pods)
    try:
        return measure_on(cluster, window, log, settle)
    finally:
        cluster.close()


def measure_on(
    cluster: Cluster, window: float, log: Callable[[str], None], settle: float = SETTLE
) -> dict[str, float]:
    """Every phase of the module's docstring on ``cluster``."""
    figures: dict[str, float] = {"load_before": os.getloadavg()[0]}
    app_phases(cluster, cluster.deployments, (window, settle), figures, log)
    kubectl_phases(cluster, (window, settle), figures, log)
    figures["load_after"] = os.getloadavg()[0]
    return figures


def app_phases(
    cluster: Cluster,
    deployments: int,
    timing: tuple[float, float],
    figures: dict[str, float],
    log: Callable[[str], None],
) -> None:
    """``timing``: seconds counted a phase, seconds to settle before."""
    window, settle = timing
    with (
        _proxied(cluster) as (proxy, kubeconfig),
        _app(SimpleNamespace(kubeconfig=kubeconfig), env=app_env()) as term,
    ):
        # Every pod ready (the cluster synced), or, once an earlier step has churned the
        # cluster (make bench: its probes scaled the probe Deployment), every row drawn.
        pristine = cluster.replicas == 10
        ready = _complete(deployments, 24, 10) if pristine else _drawn(deployments, 24)
        if term.wait_for(ready, 300.0) is None:
            raise SystemExit("the app showed no complete screen within 300 s")
        time.sleep(settle)
        log("app, Stacks list, at rest")
        figures["app_rest"], figures["app_rest_kb"] = _count(proxy, window)
        cluster.churn(50)
        time.sleep(1.0)
        log("app, Stacks list, churn 50/s")
        figures["app_churn"], figures["app_churn_kb"] = _count(proxy, window)
        cluster.churn(0)
        term.send(b"\r")
        if term.wait_for(lambda s: any("· Deployment ·" in line for line in s), 30) is None:
            raise SystemExit("the Stack screen did not open within 30 s")
        time.sleep(settle)
        log("app, a Stack screen open, at rest")
        figures["app_stack"], figures["app_stack_kb"] = _count(proxy, window)
        term.send(b"\x1b")
        term.wait_for(lambda s: "stacks" in s[0], 30)
        time.sleep(settle)
        log("app, back on the Stacks list, at rest")
        figures["app_back"], figures["app_back_kb"] = _count(proxy, window)


def kubectl_phases(
    cluster: Cluster,
    timing: tuple[float, float],
    figures: dict[str, float],
    log: Callable[[str], None],
) -> None:
    window, settle = timing
    kinds = [k.plural if not k.group else f"{k.plural}.{k.group}" for k in WATCHED]
    for label, watched in (("all", kinds), ("pods", ["pods"])):
        with _proxied(cluster) as (proxy, kubeconfig), tempfile.TemporaryDirectory() as cache:
            env = {**os.environ, "KUBECONFIG": kubeconfig, "KUBECACHEDIR": cache}
            argv = [KUBECTL, "get", "-A", "--watch"]
            watches = [subprocess_watch([*argv, kind], env) for kind in watched]
            try:
                time.sleep(settle * (3 if len(watched) > 1 else 1))  # discovery, first lists
                if label == "all":
                    log(f"kubectl get -A --watch x {len(watched)} kinds, at rest")
                    rest = _count(proxy, window)
                    figures["kubectl_all_rest"], figures["kubectl_all_rest_kb"] = rest
                cluster.churn(50)
                time.sleep(1.0)
                log(f"kubectl get -A --watch {' '.join(watched)}, churn 50/s")
                churn = _count(proxy, window)
                figures[f"kubectl_{label}_churn"], figures[f"kubectl_{label}_churn_kb"] = churn
                cluster.churn(0)
            finally:
                for watch in watches:
                    stop(watch)


ROWS = [
    ("app, Stacks list, at rest", "app_rest"),
    ("app, Stacks list, churn 50/s", "app_churn"),
    ("app, a Stack screen open (pod metrics shown), at rest", "app_stack"),
    ("app, back on the Stacks list, at rest", "app_back"),
    ("kubectl get -A --watch, every kind the app watches, at rest", "kubectl_all_rest"),
    ("kubectl get -A --watch, every kind the app watches, churn 50/s", "kubectl_all_churn"),
    ("kubectl get pods -A --watch, churn 50/s", "kubectl_pods_churn"),
]


def table(figures: dict[str, Any], pods: int, window: float) -> str:
    watches = len(WATCHED)
    steady = watches * 60 / statistics.mean(WATCH_TIMEOUT_RANGE)
    lines = [f"{pods:,} pods, {window:.0f} s a phase, through a counting proxy"]
    width = max(len(label) for label, _ in ROWS)
    lines.append(f"{'':{width}}  requests/min      KB/min")
    for label, key in ROWS:
        lines.append(f"{label:{width}}  {figures[key]:12.1f}  {figures[key + '_kb']:10,.1f}")
    lines.append(
        f"steady re-watch rate at rest: {watches} watches renewed every "
        f"{WATCH_TIMEOUT_RANGE[0]}-{WATCH_TIMEOUT_RANGE[1]} s = {steady:.1f} requests/min; "
        f"pod metrics while shown: one list every {METRICS_PERIOD:g} s = "
        f"{60 / METRICS_PERIOD:.0f} requests/min"
    )
    lines.append(
        f"load average (1 min) before {figures['load_before']:.1f}, after "
        f"{figures['load_after']:.1f}"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.apiload", description=__doc__)
    parser.add_argument("--pods", type=int, default=1_000)
    parser.add_argument("--window", type=float, default=60.0, help="seconds counted a phase")
    parser.add_argument(
        "--settle", type=float, default=SETTLE, help="seconds before counting, after a change"
    )
    args = parser.parse_args(argv)

    def log(text: str) -> None:
        sys.stderr.write(f"{time.strftime('%H:%M:%S')} {text}\n")
        sys.stderr.flush()

    warm_bytecode()
    print(table(measure(args.pods, args.window, log, args.settle), args.pods, args.window))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
