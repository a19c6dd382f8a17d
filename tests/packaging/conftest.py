"""Helpers for the packaging tests: real kubectl finding the plugin on a minimal PATH, the
krew archives built once per test run, and a `kubectl stack sim` process to smoke against."""

from __future__ import annotations

import contextlib
import fcntl
import os
import platform
import selectors
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PLUGIN_DIR = REPO / "plugin"
KUBECTL = Path(sys.executable).parent / "kubectl"
PLATFORMS = ("linux_amd64", "linux_arm64", "darwin_amd64", "darwin_arm64")


def refused_url() -> str:
    """An http:// address on 127.0.0.1 where nothing listens (a port just released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def host_platform() -> str:
    """This machine as krew names it (``linux_amd64``...)."""
    arch = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}
    return f"{sys.platform}_{arch.get(platform.machine().lower(), platform.machine())}"


def base_python() -> Path:
    """The interpreter this venv was made from: a host's python3 with nothing installed."""
    return Path(os.path.realpath(getattr(sys, "_base_executable", sys.executable)))


def bare_bin(folder: Path) -> Path:
    """A bin folder holding only ``python3`` (the base interpreter, without site-packages)
    and real kubectl, as on a jump host."""
    folder.mkdir(parents=True, exist_ok=True)
    python3 = folder / "python3"
    # -S: no site-packages, so nothing but what the plugin brings can be imported.
    python3.write_text(f'#!/bin/sh\nexec "{base_python()}" -S -E "$@"\n')
    python3.chmod(0o755)
    (folder / "kubectl").symlink_to(KUBECTL)
    return folder


def run(
    args: list[str], env: Mapping[str, str], timeout: float = 60, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        stdin=subprocess.DEVNULL,
        cwd=cwd,
    )


@dataclass
class SimProcess:
    process: subprocess.Popen[str]
    kubeconfig: Path


@pytest.fixture
def start_sim_process() -> Iterator[object]:
    """``start(argv, env) -> SimProcess``: runs ``argv`` (a `kubectl stack sim` command) until
    it prints its KUBECONFIG line; every process started is stopped with SIGTERM after the
    test and must exit 0."""
    started: list[subprocess.Popen[str]] = []

    def start(argv: list[str], env: Mapping[str, str], timeout: float = 30) -> SimProcess:
        proc = subprocess.Popen(
            argv,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        started.append(proc)
        assert proc.stdout is not None
        sel = selectors.DefaultSelector()
        sel.register(proc.stdout, selectors.EVENT_READ)
        if not sel.select(timeout):
            pytest.fail(f"{argv} printed nothing within {timeout}s")
        line = proc.stdout.readline().strip()
        if not line.startswith("KUBECONFIG="):
            err = proc.stderr.read() if proc.poll() is not None and proc.stderr else ""
            pytest.fail(f"{argv} printed {line!r} instead of KUBECONFIG=...; stderr: {err}")
        return SimProcess(proc, Path(line.partition("=")[2]))

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            pytest.fail("the sim did not stop on SIGTERM")
        assert code == 0, proc.stderr.read() if proc.stderr else ""


# What the archive is built from: a copy taken once per test run, so that files being edited
# in the work tree meanwhile cannot make two builds of "the same tree" differ.
SNAPSHOT = (
    "kubectl_stack",
    "kubectl_stack_sim",
    "plugin",
    "scripts",
    "LICENSE",
    "README.md",
    "pyproject.toml",
    "krew-manifest.yaml",
)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with open(path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


@pytest.fixture(scope="session")
def shared_tmp(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """A folder shared by the xdist workers of this test run."""
    root = tmp_path_factory.getbasetemp()
    return root if worker_id == "master" else root.parent


@pytest.fixture(scope="session")
def source_tree(shared_tmp: Path) -> Path:
    """The project's packaged files, copied once per test run."""
    tree = shared_tmp / "packaging-tree"
    with _locked(shared_tmp / "packaging-tree.lock"):
        if not (tree / ".done").exists():
            shutil.rmtree(tree, ignore_errors=True)
            tree.mkdir()
            ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
            for name in SNAPSHOT:
                src = REPO / name
                if src.is_dir():
                    shutil.copytree(src, tree / name, ignore=ignore, symlinks=True)
                else:
                    shutil.copy2(src, tree / name)
            (tree / ".done").touch()
    return tree


def build_dist(tree: Path, out: Path, *platforms: str) -> subprocess.CompletedProcess[str]:
    """Run ``tree``'s scripts/build_dist.py (the download cache is the work tree's)."""
    chosen = [arg for p in platforms for arg in ("--platform", p)]
    return subprocess.run(
        [sys.executable, str(tree / "scripts" / "build_dist.py"), "--out", str(out)]
        + ["--cache", str(REPO / "build" / "dist-cache"), *chosen],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.fixture(scope="session")
def dist_dir(source_tree: Path, shared_tmp: Path) -> Path:
    """The archives for every platform, as `make dist` builds them, built once per test run."""
    out = shared_tmp / "packaging-dist"
    with _locked(shared_tmp / "packaging-dist.lock"):
        if not (out / ".done").exists():
            result = build_dist(source_tree, out)
            assert result.returncode == 0, result.stderr
            (out / ".done").write_text(result.stdout)
    return out


def archive_for(dist: Path, platform_name: str) -> Path:
    matches = sorted(dist.glob(f"kubectl-stack_v*_{platform_name}.tar.gz"))
    assert len(matches) == 1, matches
    return matches[0]
