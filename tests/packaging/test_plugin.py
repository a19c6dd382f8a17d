"""kubectl finds plugin/kubectl-stack and runs it; --help and --version stay light."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest

from kubectl_stack import __version__

from .conftest import KUBECTL, PLUGIN_DIR, REPO, run

HEAVY = ("textual", "kubernetes", "aiohttp", "yaml", "rich")


def plugin_env(tmp_path: Path) -> dict[str, str]:
    """kubectl, python3 (this venv's) and plugin/ on PATH, and no other kubectl-stack."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "kubectl").symlink_to(KUBECTL)
    python3 = bin_dir / "python3"
    # A script, not a link: Python finds its venv only from its own path.
    python3.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    python3.chmod(0o755)
    return {
        "PATH": f"{PLUGIN_DIR}{os.pathsep}{bin_dir}{os.pathsep}/usr/bin{os.pathsep}/bin",
        "HOME": str(tmp_path),
        "KUBECACHEDIR": str(tmp_path / "kube-cache"),
        "KUBECONFIG": str(tmp_path / "no-kubeconfig"),
        "PYTHONPATH": str(REPO),
    }


def imported_modules(stderr: str) -> set[str]:
    """Top-level names of the modules ``python -X importtime`` reported importing."""
    names = set()
    for line in stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+\d+ \|\s+(\S+)", line)
        if match:
            names.add(match.group(1).split(".")[0])
    return names


@pytest.mark.parametrize("flag", ["--help", "--version"])
def test_help_and_version_import_no_textual_nor_kubernetes_client(
    flag: str, tmp_path: Path
) -> None:
    env = plugin_env(tmp_path)
    result = run([sys.executable, "-X", "importtime", str(PLUGIN_DIR / "kubectl-stack"), flag], env)
    assert result.returncode == 0, result.stderr
    modules = imported_modules(result.stderr)
    assert "kubectl_stack" in modules  # the measurement saw the package being imported
    assert not modules & set(HEAVY)


def test_kubectl_runs_the_plugin_for_kubectl_stack(tmp_path: Path) -> None:
    env = plugin_env(tmp_path)
    version = run([str(KUBECTL), "stack", "--version"], env)
    assert version.returncode == 0, version.stderr
    assert version.stdout.strip() == f"kubectl-stack {__version__}"
    usage = run([str(KUBECTL), "stack", "--help"], env)
    assert usage.returncode == 0, usage.stderr
    assert usage.stdout.startswith("usage: kubectl stack ")


def test_plugin_list_shows_the_plugin_without_warnings(tmp_path: Path) -> None:
    result = run([str(KUBECTL), "plugin", "list"], plugin_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert str(PLUGIN_DIR / "kubectl-stack") in result.stdout.splitlines()
    assert "warning" not in (result.stdout + result.stderr).lower()


def test_plugin_forwards_arguments_untouched(tmp_path: Path) -> None:
    env = plugin_env(tmp_path)
    missing = tmp_path / "a folder with  spaces" / "config"
    result = run([str(KUBECTL), "stack", "--once", "--kubeconfig", str(missing)], env)
    assert result.returncode == 1
    assert result.stderr == f"error: stat {missing}: no such file or directory\n"
    bogus = run([str(KUBECTL), "stack", "--once", "--context", "no such", "--bogus"], env)
    assert bogus.returncode == 2
    assert bogus.stderr.splitlines()[0] == "error: unrecognized arguments: --bogus"


def test_cli_usage_error_is_one_line_without_traceback(tmp_path: Path) -> None:
    result = run(
        [sys.executable, str(PLUGIN_DIR / "kubectl-stack"), "--request-timeout"],
        plugin_env(tmp_path),
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error: argument --request-timeout: expected one argument")
    assert "Traceback" not in result.stderr
