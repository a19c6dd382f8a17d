"""`kubectl-stack sim` as a process: the KUBECONFIG line, serving, and a clean exit."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest


def test_sim_command_serves_until_sigterm(tmp_path: Path, kubectl_path: Path) -> None:
    out = tmp_path / "kubeconfig"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kubectl_stack",
            "sim",
            "--scenario",
            "empty",
            "--kubeconfig-out",
            str(out),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line == f"KUBECONFIG={out}\n"
        env = {**os.environ, "KUBECONFIG": str(out), "KUBECACHEDIR": str(tmp_path / "cache")}
        got = subprocess.run(
            [str(kubectl_path), "get", "ns", "default", "-o", "name"],
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert got.stdout == "namespace/default\n"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        proc.kill()
        proc.communicate()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scenario", "nope"], "error: unknown scenario 'nope' (known: "),
        (["--speed", "0"], "error: --speed must be greater than 0"),
        (["--port", "x"], "error: argument --port: invalid int value: 'x'"),
    ],
)
def test_sim_command_rejects_bad_input_in_one_line(args: list[str], message: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "kubectl_stack", "sim", *args],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode != 0
    assert result.stderr.startswith(message)
    assert "Traceback" not in result.stderr
