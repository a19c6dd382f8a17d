"""``kubectl stack sim``: serve the embedded cluster as a process for real kubectl.

Prints ``KUBECONFIG=<path>`` once the server answers, then runs until SIGINT or SIGTERM and
exits 0. Bad input (an unknown scenario, a busy port) is one line on stderr and exit code 1.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from .runner import build, serve
from .scenario import ScenarioError


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"error: {message}\nSee 'kubectl stack sim --help' for usage.\n")
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="kubectl stack sim",
        description="Serve the embedded Kubernetes cluster on 127.0.0.1 for real kubectl.",
    )
    parser.add_argument(
        "--scenario", default="seed", metavar="NAME|FILE", help="scenario to run (default: seed)"
    )
    parser.add_argument(
        "--port", type=int, default=0, metavar="N", help="port to listen on (0: a free one)"
    )
    parser.add_argument(
        "--kubeconfig-out",
        metavar="PATH",
        help="where to write the kubeconfig (default: a temporary file)",
    )
    parser.add_argument(
        "--speed", type=float, default=1.0, metavar="X", help="virtual clock speed (default 1)"
    )
    parser.add_argument(
        "--tls", action="store_true", help="serve HTTPS with a generated CA and authentication"
    )
    return parser


async def _run(args: argparse.Namespace, workdir: Path) -> int:
    cluster = build(args.scenario, speed=args.speed)
    clock = cluster.clock
    path = Path(args.kubeconfig_out) if args.kubeconfig_out else workdir / "kubeconfig"
    served = await serve(
        cluster, port=args.port, tls=args.tls, kubeconfig_path=path, cert_dir=workdir
    )
    clock_task = asyncio.ensure_future(clock.run())
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    print(f"KUBECONFIG={served.kubeconfig}", flush=True)
    try:
        await stop.wait()
    finally:
        clock_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await clock_task
        await served.server.stop()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``kubectl-stack sim``; returns the exit code."""
    args = build_parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    if args.speed <= 0:
        sys.stderr.write("error: --speed must be greater than 0\n")
        return 2
    with tempfile.TemporaryDirectory(prefix="kubectl-stack-sim-") as tmp:
        try:
            return asyncio.run(_run(args, Path(tmp)))
        except ScenarioError as exc:
            sys.stderr.write(f"error: {exc}\n")
            return 1
        except OSError as exc:
            sys.stderr.write(f"error: cannot serve on 127.0.0.1:{args.port}: {exc.strerror}\n")
            return 1
