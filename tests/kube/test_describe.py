"""``kubectl describe`` run by the app: which kubectl, which flags, and every way it can fail."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import pytest
from conftest import Kubectl, ok

from kubectl_stack.kube.describe import describe
from kubectl_stack.kube.kubectl import connection_flags, kubectl_binary
from kubectl_stack.options import ConnectionOptions
from kubectl_stack_sim.runner import RunningSim

from .conftest import wait_until


def fake_kubectl(tmp_path: Path, body: str) -> Path:
    """An executable standing in for kubectl (a shell script), to see what the app runs."""
    path = tmp_path / "kubectl"
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)
    return path


def test_the_kubectl_that_invoked_the_plugin_is_preferred(tmp_path: Path) -> None:
    caller = fake_kubectl(tmp_path, "true")
    on_path = tmp_path / "bin"
    on_path.mkdir()
    fake_kubectl(on_path, "true")
    env = {"PATH": str(on_path)}
    assert kubectl_binary({**env, "KUBECTL_PLUGINS_CALLER": str(caller)}) == str(caller)
    assert kubectl_binary(env) == str(on_path / "kubectl")
    assert kubectl_binary({"PATH": str(tmp_path / "nowhere")}) is None


def test_every_connection_flag_is_passed_on() -> None:
    options = ConnectionOptions(
        kubeconfig="/k/config",
        context="prod",
        cluster="c",
        user="u",
        server="https://h:6443",
        token="t",
        as_user="jane",
        as_groups=["ops", "dev"],
        certificate_authority="/ca",
        client_certificate="/crt",
        client_key="/key",
        insecure_skip_tls_verify=True,
        tls_server_name="api",
        request_timeout="5s",
    )
    assert connection_flags(options) == [
        "--kubeconfig=/k/config",
        "--context=prod",
        "--cluster=c",
        "--user=u",
        "--server=https://h:6443",
        "--token=t",
        "--as=jane",
        "--certificate-authority=/ca",
        "--client-certificate=/crt",
        "--client-key=/key",
        "--tls-server-name=api",
        "--request-timeout=5s",
        "--as-group=ops",
        "--as-group=dev",
        "--insecure-skip-tls-verify=true",
    ]
    assert connection_flags(ConnectionOptions()) == []


async def test_describe_prints_what_kubectl_prints(
    sim: RunningSim, kubectl: Kubectl, kubectl_path: Path, tmp_path: Path
) -> None:
    env = {**os.environ, "KUBECTL_PLUGINS_CALLER": str(kubectl_path)}
    env["KUBECACHEDIR"] = str(tmp_path / "cache")
    options = ConnectionOptions(kubeconfig=str(sim.kubeconfig))
    described = await describe(options, "Deployment", "default", "my-app", environ=env)
    assert described.error == ""
    assert (
        described.text.splitlines()[:8] == ok(kubectl, "describe", "deploy/my-app").splitlines()[:8]
    )

    missing = await describe(options, "Deployment", "default", "nope", environ=env)
    assert missing == type(missing)(
        error='Error from server (NotFound): deployments.apps "nope" not found'
    )


async def test_impersonation_reaches_kubectl(
    sim: RunningSim, kubectl_path: Path, tmp_path: Path
) -> None:
    env = {**os.environ, "KUBECTL_PLUGINS_CALLER": str(kubectl_path)}
    env["KUBECACHEDIR"] = str(tmp_path / "cache")
    options = ConnectionOptions(kubeconfig=str(sim.kubeconfig), as_user="nobody-at-all")
    described = await describe(options, "Secret", "default", "app-secrets", environ=env)
    assert described.text == ""
    assert described.error == (
        'Error from server (Forbidden): secrets "app-secrets" is forbidden: User "nobody-at-all" '
        'cannot get resource "secrets" in API group "" in the namespace "default"'
    )


async def test_a_missing_kubectl_is_one_clear_line(tmp_path: Path) -> None:
    described = await describe(
        ConnectionOptions(), "Pod", "default", "p", environ={"PATH": str(tmp_path)}
    )
    assert described.error == "describe needs kubectl, and none was found on PATH"


async def test_a_failing_kubectl_shows_the_first_line_of_its_error(tmp_path: Path) -> None:
    kubectl = fake_kubectl(
        tmp_path, 'echo "error: the server is on fire" >&2; echo more >&2; exit 1'
    )
    env = {"KUBECTL_PLUGINS_CALLER": str(kubectl), "PATH": "/usr/bin:/bin"}
    described = await describe(ConnectionOptions(), "Pod", "default", "p", environ=env)
    assert described.error == "error: the server is on fire"


async def test_a_hung_kubectl_is_killed_after_the_timeout(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    kubectl = fake_kubectl(tmp_path, f"echo $$ > {pid_file}; exec sleep 60")
    env = {"KUBECTL_PLUGINS_CALLER": str(kubectl), "PATH": "/usr/bin:/bin"}
    started = time.monotonic()
    described = await describe(ConnectionOptions(), "Pod", "default", "p", timeout=0.5, environ=env)
    assert time.monotonic() - started < 5
    assert described.error == "kubectl describe did not finish within 0.5s"
    with pytest.raises(ProcessLookupError):
        os.kill(int(pid_file.read_text()), 0)


async def test_cancelling_describe_kills_kubectl(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    kubectl = fake_kubectl(tmp_path, f"echo $$ > {pid_file}; exec sleep 60")
    env = {"KUBECTL_PLUGINS_CALLER": str(kubectl), "PATH": "/usr/bin:/bin"}
    task = asyncio.create_task(describe(ConnectionOptions(), "Pod", "default", "p", environ=env))
    await wait_until(lambda: pid_file.exists() and pid_file.read_text().strip() != "")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    with pytest.raises(ProcessLookupError):
        os.kill(int(pid_file.read_text()), 0)
