"""`pip install .` into a fresh venv puts kubectl-stack on PATH, and kubectl runs it.

Offline and fast: the wheel is built without build isolation (hatchling is in the test venv),
installed without dependencies, and the fresh venv sees the test venv's packages through a
.pth file, as a venv made with --system-site-packages sees the system's.
"""

from __future__ import annotations

import subprocess
import sys
import sysconfig
from collections.abc import Callable
from pathlib import Path

import pytest

from kubectl_stack import __version__

from .conftest import KUBECTL, SimProcess, run

StartSim = Callable[..., SimProcess]

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


def pip_install(source: Path, root: Path) -> Path:
    """Install ``source`` into a new venv under ``root``; returns the venv's bin folder."""
    wheels = root / "wheels"
    for cmd in (
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation"]
        + ["-w", str(wheels), str(source)],
        [sys.executable, "-m", "venv", "--without-pip", str(root / "venv")],
    ):
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
        assert result.returncode == 0, result.stderr
    python = root / "venv" / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(purelib) / "test-venv-packages.pth").write_text(sysconfig.get_path("purelib") + "\n")
    (wheel,) = wheels.glob("kubectl_stack-*.whl")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q"]
        + ["--no-deps", "--no-index", str(wheel)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return python.parent


def test_pip_install_gives_kubectl_stack_that_kubectl_runs(
    source_tree: Path, tmp_path: Path, start_sim_process: StartSim
) -> None:
    venv_bin = pip_install(source_tree, tmp_path)
    assert (venv_bin / "kubectl-stack").exists()
    kubectl_only = tmp_path / "kubectl-bin"
    kubectl_only.mkdir()
    (kubectl_only / "kubectl").symlink_to(KUBECTL)
    env = {
        "PATH": f"{venv_bin}:{kubectl_only}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "KUBECACHEDIR": str(tmp_path / "kube-cache"),
    }
    version = run(["kubectl", "stack", "--version"], env, cwd=tmp_path)
    assert version.stdout == f"kubectl-stack {__version__}\n", version.stderr

    sim = start_sim_process(
        ["kubectl", "stack", "sim", "--port", "0", "--kubeconfig-out", str(tmp_path / "kc")],
        env,
    )
    once = run(["kubectl", "stack", "--once", "--kubeconfig", str(sim.kubeconfig)], env)
    assert once.returncode == 0, once.stderr
    assert any(row.split()[0] == "my-app" for row in once.stdout.splitlines()[1:])
