"""A recording stand-in for kubectl, for tests of the command lines the app runs and of a
kubectl that fails (the embedded cluster serves exec and port-forward to the real kubectl:
see ``tests/e2e/test_exec_tmux.py``). Tests install it as an executable named ``kubectl``
(see :func:`install`) and point KUBECTL_PLUGINS_CALLER or PATH at it.

It appends its argv (one JSON list a line) to ``$STANDIN_RECORD``, then:
- ``exec``: prints ``STANDIN-SHELL`` and whether stdin/stdout are a terminal, reads one line
  if ``$STANDIN_WAIT`` is set (a shell session a person ends), then exits with
  ``$STANDIN_EXIT`` (0 by default), writing ``$STANDIN_STDERR`` to stderr if set;
- ``port-forward``: serves HTTP on 127.0.0.1 (the local port asked, or a free one), prints
  kubectl's ``Forwarding from 127.0.0.1:L -> R`` line and answers every GET with
  ``standin forwards to R``, until it is terminated or asked for ``/quit`` (then it exits
  with 1 and kubectl's line for a lost pod, as when the pod dies);
- anything else: exits with ``$STANDIN_EXIT``.
"""

from __future__ import annotations

import json
import os
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path


def install(directory: Path) -> Path:
    """Write an executable ``kubectl`` running this file with this interpreter."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "kubectl"
    path.write_text(f"#!{sys.executable}\n" + Path(__file__).read_text(encoding="utf-8"))
    path.chmod(0o755)
    return path


def _record() -> None:
    record = os.environ.get("STANDIN_RECORD")
    if record:
        with open(record, "a", encoding="utf-8") as out:
            out.write(json.dumps(sys.argv[1:]) + "\n")


def _serve(spec: str) -> None:
    local, _, remote = spec.rpartition(":")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            if self.path == "/quit":
                print("error: lost connection to pod", file=sys.stderr, flush=True)
                os._exit(1)
            body = f"standin forwards to {remote}\n".encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            print("Handling connection for", remote, flush=True)

    server = HTTPServer(("127.0.0.1", int(local or 0)), Handler)
    print(f"Forwarding from 127.0.0.1:{server.server_port} -> {remote}", flush=True)
    server.serve_forever()


def main() -> int:
    _record()
    args = sys.argv[1:]
    if args and args[0] == "exec":
        print(f"STANDIN-SHELL tty={sys.stdin.isatty() and sys.stdout.isatty()}", flush=True)
        if os.environ.get("STANDIN_WAIT"):
            print("typed:", sys.stdin.readline().strip(), flush=True)
    elif args and args[0] == "port-forward":
        _serve(args[-1])
    if os.environ.get("STANDIN_STDERR"):
        print(os.environ["STANDIN_STDERR"], file=sys.stderr)
    return int(os.environ.get("STANDIN_EXIT", "0"))


if __name__ == "__main__":
    sys.exit(main())
