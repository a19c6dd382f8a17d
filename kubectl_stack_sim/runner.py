"""Start the embedded cluster in-process: on a background thread's event loop (tests, scripts)
or on the caller's loop (``kubectl stack sim``, ``--demo``).

A :class:`RunningSim` owns the loop thread; everything that touches the cluster goes through
:meth:`RunningSim.call`, which runs on that loop.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from . import kubeconfig as kubeconfig_file
from .cluster import Cluster
from .scenario import build_cluster
from .server import SimServer

T = TypeVar("T")


def build(scenario: str, *, seed: int = 0, speed: float = 1.0, **params: Any) -> Cluster:
    """The cluster of ``scenario`` (a name or a YAML file), converged and started, its clock
    ending the build at the current wall time (so ages look natural) and set to ``speed``
    for when it runs live."""
    cluster = build_cluster(scenario, seed=seed, **params)
    cluster.clock.speed = speed
    return cluster


@dataclass
class Served:
    """A started server and the files it wrote."""

    server: SimServer
    kubeconfig: Path
    ca_file: Path | None
    client_cert: kubeconfig_file.ClientCert | None


async def serve(
    cluster: Cluster,
    *,
    port: int = 0,
    tls: bool = False,
    kubeconfig_path: Path,
    cert_dir: Path,
    bookmark_interval: float = 5.0,
) -> Served:
    """Start serving ``cluster`` on the running loop and write the kubeconfig for it."""
    ssl_context = None
    ca_file = None
    client = None
    if tls:
        from . import tls as tls_mod

        cert_users = [u.name for u in cluster.users.values() if u.cert]
        if "admin" not in cert_users:
            cert_users.append("admin")
        files = tls_mod.generate(cert_dir, cert_users)
        ssl_context = tls_mod.server_context(files)
        ca_file = files.ca
        cert, key = files.clients["admin"]
        client = kubeconfig_file.ClientCert("admin", cert, key)
    server = SimServer(
        cluster, port=port, ssl_context=ssl_context, bookmark_interval=bookmark_interval
    )
    await server.start()
    config = kubeconfig_file.build(server.url, cluster.users, ca_file=ca_file, client_cert=client)
    kubeconfig_file.write(kubeconfig_path, config)
    return Served(server, kubeconfig_path, ca_file, client)


class RunningSim:
    """An embedded cluster serving on a background thread. Use as a context manager."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="kubectl-stack-sim", daemon=True)
        self._tmp: Path | None = None
        self._clock_task: asyncio.Task[None] | None = None
        self.served: Served | None = None
        self.cluster: Cluster

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_forever()

    def _start(
        self,
        scenario: str,
        *,
        port: int,
        tls: bool,
        manual_clock: bool,
        speed: float,
        seed: int,
        kubeconfig_path: Path | None,
        bookmark_interval: float,
        params: dict[str, Any],
    ) -> None:
        self._thread.start()
        self._tmp = Path(tempfile.mkdtemp(prefix="kubectl-stack-sim-"))
        path = kubeconfig_path or self._tmp / "kubeconfig"

        async def boot() -> None:
            self.cluster = build(scenario, seed=seed, speed=speed, **params)
            self.served = await serve(
                self.cluster,
                port=port,
                tls=tls,
                kubeconfig_path=path,
                cert_dir=self._tmp or Path("."),
                bookmark_interval=bookmark_interval,
            )
            if not manual_clock:
                self._clock_task = asyncio.ensure_future(self.cluster.clock.run())

        try:
            asyncio.run_coroutine_threadsafe(boot(), self._loop).result()
        except BaseException:
            self.stop()
            raise

    # -- the public surface -----------------------------------------------------------------
    @property
    def server(self) -> SimServer:
        assert self.served is not None
        return self.served.server

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def kubeconfig(self) -> Path:
        assert self.served is not None
        return self.served.kubeconfig

    @property
    def ca_file(self) -> Path | None:
        return self.served.ca_file if self.served else None

    @property
    def client_cert(self) -> Path | None:
        cert = self.served.client_cert if self.served else None
        return cert.cert if cert else None

    @property
    def client_key(self) -> Path | None:
        cert = self.served.client_cert if self.served else None
        return cert.key if cert else None

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(*args)`` on the sim's loop thread and return its result."""

        async def run() -> T:
            return fn(*args)

        future: Future[T] = asyncio.run_coroutine_threadsafe(run(), self._loop)
        return future.result()

    def advance(self, seconds: float) -> None:
        """Move the manual clock, running every controller step that falls due."""
        self.call(self.cluster.advance, seconds)

    def stop_listener(self) -> None:
        """Fault: stop accepting connections and drop open watches (same port kept)."""
        asyncio.run_coroutine_threadsafe(self.server.stop_listener(), self._loop).result()

    def start_listener(self) -> None:
        """Listen again on the same port after :meth:`stop_listener`."""
        asyncio.run_coroutine_threadsafe(self.server.start_listener(), self._loop).result()

    def stop(self) -> None:
        """Stop serving, end the loop thread and remove the files the sim wrote."""
        if self._loop.is_running():

            async def shutdown() -> None:
                if self._clock_task is not None:
                    self._clock_task.cancel()
                if self.served is not None:
                    await self.served.server.stop()
                # Streams still open (log follows, watches) end with the loop.
                current = asyncio.current_task()
                pending = [t for t in asyncio.all_tasks() if t is not current]
                for task in pending:
                    task.cancel()
                await asyncio.gather(*pending, return_exceptions=True)

            asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(timeout=10)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
        if not self._loop.is_closed() and not self._loop.is_running():
            self._loop.close()
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def __enter__(self) -> RunningSim:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def start_sim(
    scenario: str = "seed",
    *,
    port: int = 0,
    tls: bool = False,
    manual_clock: bool = True,
    speed: float = 1.0,
    seed: int = 0,
    kubeconfig_path: Path | None = None,
    bookmark_interval: float = 5.0,
    **scenario_params: Any,
) -> RunningSim:
    """Build ``scenario`` and serve it on 127.0.0.1 from a background thread.

    The kubeconfig's current context (``sim``) is the admin in namespace ``default``; the
    ``viewer`` context is the read-only user; with ``tls`` the ``sim-cert`` context is the
    admin authenticated by a client certificate. ``manual_clock`` keeps time still until
    :meth:`RunningSim.advance`.
    """
    sim = RunningSim()
    sim._start(
        scenario,
        port=port,
        tls=tls,
        manual_clock=manual_clock,
        speed=speed,
        seed=seed,
        kubeconfig_path=kubeconfig_path,
        bookmark_interval=bookmark_interval,
        params=scenario_params,
    )
    return sim
