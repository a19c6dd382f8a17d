"""The real kubectl, run by the app for what kubectl does best: interactive work.

The plugin always runs under kubectl (``KUBECTL_PLUGINS_CALLER``, which kubectl sets for
plugins, else ``kubectl`` on PATH). Shells (``kubectl exec -it``), edits (``kubectl edit`` and
the user's ``$KUBE_EDITOR``/``$EDITOR``) and port-forwards (``kubectl port-forward``) are
kubectl's own protocols and editors; the app builds their command lines with exactly the
connection flags it runs with, hands the terminal over (:func:`run_in_terminal`) or keeps the
process in the background (:class:`PortForward`), and never re-implements them.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from ..options import ConnectionOptions
from .deadline import timeout as deadline
from .kinds import Kind

SHELL = "command -v bash >/dev/null 2>&1 && exec bash || exec sh"
"""What ``kubectl exec`` runs: bash when the image has it, else sh (k9s tries the same)."""

NOT_FOUND = "kubectl was not found on PATH"


def kubectl_binary(environ: Mapping[str, str] | None = None) -> str | None:
    """The kubectl that invoked the plugin, else ``kubectl`` on PATH; None when neither."""
    env = os.environ if environ is None else environ
    caller = env.get("KUBECTL_PLUGINS_CALLER")
    if caller and os.access(caller, os.X_OK):
        return caller
    return shutil.which("kubectl", path=env.get("PATH"))


def connection_flags(options: ConnectionOptions, *, request_timeout: bool = True) -> list[str]:
    """kubectl's global flags that select the cluster and user the app is connected with.
    ``request_timeout`` False leaves ``--request-timeout`` out: it would cut a shell or a
    port-forward (one long request) after that time."""
    flags: list[str] = []
    for flag, value in (
        ("--kubeconfig", options.kubeconfig),
        ("--context", options.context),
        ("--cluster", options.cluster),
        ("--user", options.user),
        ("--server", options.server),
        ("--token", options.token),
        ("--as", options.as_user),
        ("--certificate-authority", options.certificate_authority),
        ("--client-certificate", options.client_certificate),
        ("--client-key", options.client_key),
        ("--tls-server-name", options.tls_server_name),
        ("--request-timeout", options.request_timeout if request_timeout else None),
    ):
        if value:
            flags.append(f"{flag}={value}")
    flags += [f"--as-group={group}" for group in options.as_groups]
    if options.insecure_skip_tls_verify:
        flags.append("--insecure-skip-tls-verify=true")
    return flags


def resource(kind: Kind) -> str:
    """The fully qualified resource kubectl is given (``deployments.apps``, ``services``)."""
    return f"{kind.plural}.{kind.group}" if kind.group else kind.plural


def _command(
    kubectl: str, verb: str, options: ConnectionOptions, namespace: str, *rest: str
) -> list[str]:
    # Streaming verbs (exec, port-forward) are one long request: no --request-timeout.
    timeout = verb not in ("exec", "port-forward")
    flags = connection_flags(options, request_timeout=timeout)
    return [kubectl, verb, *flags, "--namespace", namespace, *rest]


def edit_command(
    kubectl: str, options: ConnectionOptions, kind: Kind, namespace: str, name: str
) -> list[str]:
    """``kubectl edit`` of one object (kubectl runs ``$KUBE_EDITOR``, else ``$EDITOR``)."""
    return _command(kubectl, "edit", options, namespace, resource(kind), name)


def exec_command(
    kubectl: str, options: ConnectionOptions, namespace: str, pod: str, container: str
) -> list[str]:
    """``kubectl exec -it`` of a shell (:data:`SHELL`) in one container."""
    rest = ("-it", pod, "--container", container, "--", "sh", "-c", SHELL)
    return _command(kubectl, "exec", options, namespace, *rest)


def port_forward_command(
    kubectl: str,
    options: ConnectionOptions,
    namespace: str,
    target: str,
    remote: int,
    local: int | None,
) -> list[str]:
    """``kubectl port-forward`` of ``target`` (``pod/NAME`` or ``service/NAME``) on 127.0.0.1;
    ``local`` None lets kubectl choose a free local port (``:REMOTE``)."""
    ports = f"{local or ''}:{remote}"
    return _command(
        kubectl, "port-forward", options, namespace, "--address", "127.0.0.1", target, ports
    )


@dataclass(frozen=True)
class Finished:
    """How a command given the terminal ended: its exit code (None: it could not be
    started) and the last line it wrote to stderr, or why it could not start."""

    returncode: int | None
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def run_in_terminal(command: Sequence[str]) -> Finished:
    """Run ``command`` on the terminal the caller has given up (stdin and stdout are the
    terminal), waiting for it. Its stderr is kept in a temporary file so that the reason for
    a failure can be shown once the app has the terminal back; kubectl's editor and a shell's
    own output go to stdout (``exec -t`` merges the remote stderr into it). Never raises for
    the command's failures.

    Ctrl+C typed before kubectl puts the terminal in raw mode reaches the whole foreground
    process group: kubectl ends (its default action), the caller ignores it and goes on
    (with a handler, not SIG_IGN, which kubectl would inherit)."""
    with tempfile.TemporaryFile() as err, _sigint_ignored():
        try:
            done = subprocess.run(list(command), stderr=err, check=False)
        except OSError as exc:
            return Finished(None, f"could not run {command[0]}: {exc.strerror or exc}")
        err.seek(0)
        lines = err.read().decode(errors="replace").strip().splitlines()
    return Finished(done.returncode, lines[-1].strip() if lines else "")


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set handlers; there, SIGINT is someone else's
        return
    previous = signal.signal(signal.SIGINT, _ignore)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _ignore(signum: int, frame: object) -> None:
    """SIGINT while kubectl has the terminal: kubectl's to act on, not the app's."""


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _death_signal() -> Callable[[], None] | None:
    """What a background kubectl runs before exec: SIGTERM when the app dies, even by SIGKILL
    (a port-forward would otherwise go on holding its port with nobody to stop it). None
    where Linux's prctl is not to be had. prctl is looked up here, in the app: a forked child
    must not load libraries."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None

    def die_with_the_app() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGTERM)

    return die_with_the_app


_DIE_WITH_THE_APP = _death_signal()


_FORWARDING = re.compile(r"Forwarding from 127\.0\.0\.1:(\d+) -> (\d+)")


class PortForward:
    """One ``kubectl port-forward`` in the background: started with :meth:`start`, ended with
    :meth:`stop`. ``local_port`` is what kubectl bound (read from its ``Forwarding from``
    line); a process that exits on its own is ``broken`` with its last line as ``reason``."""

    def __init__(self, command: Sequence[str], namespace: str, target: str, remote: int) -> None:
        self.command = list(command)
        self.namespace = namespace
        self.target = target
        self.remote = remote
        self.local_port: int | None = None
        self.reason = ""
        self.returncode: int | None = None
        self.stopped = False
        self._process: asyncio.subprocess.Process | None = None
        self._readers: list[asyncio.Task[None]] = []
        self._settled = asyncio.Event()  # forwarding, or ended

    @property
    def state(self) -> str:
        """``starting``, ``forwarding``, ``broken`` (exited on its own) or ``stopped``."""
        if self.stopped:
            return "stopped"
        if self.returncode is not None or (self._process is None and self.reason):
            return "broken"
        return "forwarding" if self.local_port is not None else "starting"

    async def start(self) -> None:
        """Start kubectl; a failure to start makes the forward broken (never raises)."""
        try:
            self._process = await asyncio.create_subprocess_exec(
                *self.command,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                preexec_fn=_DIE_WITH_THE_APP,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            why = getattr(exc, "strerror", None) or exc
            self.reason = f"could not run {self.command[0]}: {why}"
            self._settled.set()
            return
        assert self._process.stdout is not None and self._process.stderr is not None
        self._readers = [
            asyncio.create_task(self._read(self._process.stdout)),
            asyncio.create_task(self._read(self._process.stderr)),
        ]

    async def _read(self, stream: asyncio.StreamReader) -> None:
        # Read to the end: kubectl writes a line per connection, and a full pipe would stall
        # it. The last line says why it ended.
        async for raw in stream:
            line = raw.decode(errors="replace").strip()
            match = _FORWARDING.search(line)
            if match and self.local_port is None:
                self.local_port = int(match.group(1))
                self._settled.set()
            elif line:
                self.reason = line

    async def wait(self) -> int | None:
        """Wait for kubectl to exit (on its own or stopped); its exit code."""
        if self._process is None:
            return None
        code = await self._process.wait()
        for reader in self._readers:
            with contextlib.suppress(asyncio.CancelledError):
                await reader
        if not self.stopped:
            self.returncode = code
        self._settled.set()
        return code

    async def settled(self, timeout: float) -> None:
        """Wait until kubectl forwards or has ended, at most ``timeout`` seconds."""
        with contextlib.suppress(asyncio.TimeoutError):
            async with deadline(timeout):
                await self._settled.wait()

    async def stop(self) -> None:
        """End the forward (SIGTERM, then SIGKILL after 3 s)."""
        self.stopped = True
        process = self._process
        if process is None or process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            process.terminate()
        try:
            async with deadline(3.0):
                await process.wait()
        except asyncio.TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
