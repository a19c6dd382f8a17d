"""``kubectl stack`` command line.

Parses kubectl-style flags into :class:`~kubectl_stack.options.Options` and hands over to the
app, or to the embedded cluster for ``kubectl stack sim``. ``--help`` and ``--version`` import
neither Textual nor the Kubernetes client, so they answer fast.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import __version__
from .glyphs import wants_ascii
from .loading import loading
from .options import ConnectionOptions, Options

PROG = "kubectl stack"
CONNECTION_FLAG_GROUP = "cluster connection (as kubectl)"

DESCRIPTION = (
    "Watch each application stack (Deployment, ReplicaSets, Pods, Services, Ingresses, HPA,\n"
    "ConfigMaps and Secrets) live, with rollout, probe and autoscaler state, and act on it."
)

EPILOG = """examples:
  kubectl stack                      stacks in the current namespace
  kubectl stack -A                   stacks in all namespaces
  kubectl stack my-app -n shop       open one stack
  kubectl stack --demo               run on the embedded demo cluster
  kubectl stack sim --port 0         serve the embedded cluster for real kubectl
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        # One line and kubectl's exit code for usage errors, no usage dump.
        sys.stderr.write(f"error: {message}\nSee '{PROG} --help' for usage.\n")
        raise SystemExit(2)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}")
    return value


def add_connection_flags(parser: argparse.ArgumentParser) -> None:
    """kubectl's global flags, spelled as kubectl spells them."""
    g = parser.add_argument_group(CONNECTION_FLAG_GROUP)
    g.add_argument("--kubeconfig", metavar="PATH", help="path to the kubeconfig file")
    g.add_argument("--context", help="the kubeconfig context to use")
    g.add_argument("--cluster", help="the kubeconfig cluster to use")
    g.add_argument("--user", help="the kubeconfig user to use")
    g.add_argument("-n", "--namespace", help="the namespace (default: the context's)")
    g.add_argument("-s", "--server", help="the address and port of the API server")
    g.add_argument("--token", help="bearer token for authentication")
    g.add_argument("--as", dest="as_user", metavar="USER", help="username to impersonate")
    g.add_argument(
        "--as-group",
        dest="as_groups",
        action="append",
        default=[],
        metavar="GROUP",
        help="group to impersonate (repeatable)",
    )
    g.add_argument("--certificate-authority", metavar="PATH", help="path to a CA cert file")
    g.add_argument("--client-certificate", metavar="PATH", help="path to a client cert file")
    g.add_argument("--client-key", metavar="PATH", help="path to a client key file")
    g.add_argument(
        "--insecure-skip-tls-verify",
        action="store_true",
        help="do not verify the server's certificate (insecure)",
    )
    g.add_argument(
        "--tls-server-name", metavar="NAME", help="server name to use for certificate validation"
    )
    g.add_argument(
        "--request-timeout",
        metavar="DURATION",
        help='how long to wait for one request ("0" = no limit; e.g. 5s, 1m)',
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "stack",
        nargs="?",
        metavar="STACK",
        help="open this stack directly: a Deployment's NAME, or TYPE/NAME (sts/db, ds/agent)",
    )
    parser.add_argument("--version", action="version", version=f"kubectl-stack {__version__}")
    parser.add_argument(
        "-A", "--all-namespaces", action="store_true", help="show stacks in all namespaces"
    )
    parser.add_argument("-l", "--selector", help="label selector for the Deployments shown")
    parser.add_argument(
        "--read-only", action="store_true", help="no scale, undo, restart, pause or delete"
    )
    parser.add_argument(
        "--demo",
        nargs="?",
        const="seed",
        metavar="SCENARIO",
        help="run on the embedded cluster (default scenario: seed)",
    )
    parser.add_argument(
        "--demo-speed",
        type=float,
        default=1.0,
        metavar="X",
        help="embedded cluster clock speed with --demo (default 1)",
    )
    parser.add_argument("--no-mouse", action="store_true", help="do not capture the mouse")
    parser.add_argument(
        "--max-fps",
        type=_positive_int,
        metavar="N",
        help="screen refreshes a second at most (default 30; fewer on a slow link anyway)",
    )
    parser.add_argument(
        "--ascii",
        action="store_true",
        help="draw with ASCII only (default when the locale is not UTF-8, or TERM=linux/vt100)",
    )
    parser.add_argument(
        "--once",
        action="store_true",
        help="print the stacks table once as plain text and exit (for scripts)",
    )
    add_connection_flags(parser)
    return parser


def parse(argv: Sequence[str]) -> Options:
    """The options ``argv`` asks for; a usage error exits with status 2 and one line."""
    return _options(build_parser().parse_args(list(argv)))


def _options(ns: argparse.Namespace) -> Options:
    conn = ConnectionOptions(
        kubeconfig=ns.kubeconfig,
        context=ns.context,
        cluster=ns.cluster,
        user=ns.user,
        namespace=ns.namespace,
        server=ns.server,
        token=ns.token,
        as_user=ns.as_user,
        as_groups=ns.as_groups,
        certificate_authority=ns.certificate_authority,
        client_certificate=ns.client_certificate,
        client_key=ns.client_key,
        insecure_skip_tls_verify=ns.insecure_skip_tls_verify,
        tls_server_name=ns.tls_server_name,
        request_timeout=ns.request_timeout,
    )
    return Options(
        connection=conn,
        stack=ns.stack,
        all_namespaces=ns.all_namespaces,
        selector=ns.selector,
        read_only=ns.read_only,
        demo=ns.demo,
        demo_speed=ns.demo_speed,
        no_mouse=ns.no_mouse,
        max_fps=ns.max_fps,
        ascii=ns.ascii,
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "sim":
        from kubectl_stack_sim.main import main as sim_main

        return sim_main(args[1:])
    if args and args[0] == "__complete":
        # Cobra's hidden completion entry, which kubectl_complete-stack calls.
        from .completion import main as complete_main

        return complete_main(args[1:])
    ns = build_parser().parse_args(args)
    options = _options(ns)
    if wants_ascii():
        options.ascii = True
    if ns.once:
        with loading():
            from .once import run_once

        return run_once(options)
    if not (sys.stdin.isatty() and sys.stderr.isatty()):
        # The app reads keys from stdin and draws on stderr; without a terminal it could
        # only wait for keys that never come.
        sys.stderr.write(f"error: {PROG} needs a terminal; use --once for plain text\n")
        return 1
    with loading():
        from .ui.run import run

    return run(options)


if __name__ == "__main__":
    raise SystemExit(main())
