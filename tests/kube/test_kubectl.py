"""Running the real kubectl: the command lines carry exactly the app's connection flags, a
command given the terminal reports its failure in one line, and a background port-forward
is followed from start to broken or stopped (against a recording stand-in for kubectl, since
the embedded cluster serves neither exec nor portforward yet)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path

import pytest
import standin_kubectl

from kubectl_stack.kube import kinds as K
from kubectl_stack.kube.kubectl import (
    SHELL,
    PortForward,
    edit_command,
    exec_command,
    port_forward_command,
    run_in_terminal,
)
from kubectl_stack.options import ConnectionOptions

OPTIONS = ConnectionOptions(
    kubeconfig="/tmp/kc",
    context="prod",
    as_user="alice",
    as_groups=["ops"],
    request_timeout="5s",
)


def test_edit_runs_kubectl_edit_with_the_apps_flags_and_qualified_resource() -> None:
    assert edit_command("kubectl", OPTIONS, K.DEPLOYMENTS, "shop", "web") == [
        "kubectl",
        "edit",
        "--kubeconfig=/tmp/kc",
        "--context=prod",
        "--as=alice",
        "--request-timeout=5s",
        "--as-group=ops",
        "--namespace",
        "shop",
        "deployments.apps",
        "web",
    ]
    assert edit_command("kubectl", OPTIONS, K.SERVICES, "shop", "web")[-2:] == ["services", "web"]


def test_shell_and_port_forward_leave_the_request_timeout_out() -> None:
    # A request timeout would cut a shell or a forward (one long request) after 5 s.
    shell = exec_command("kubectl", OPTIONS, "shop", "web-1", "app")
    assert shell == [
        "kubectl",
        "exec",
        "--kubeconfig=/tmp/kc",
        "--context=prod",
        "--as=alice",
        "--as-group=ops",
        "--namespace",
        "shop",
        "-it",
        "web-1",
        "--container",
        "app",
        "--",
        "sh",
        "-c",
        SHELL,
    ]
    forward = port_forward_command("kubectl", OPTIONS, "shop", "service/web", 80, None)
    assert "--request-timeout=5s" not in forward
    assert forward[-4:] == ["--address", "127.0.0.1", "service/web", ":80"]
    assert port_forward_command("kubectl", OPTIONS, "shop", "pod/web-1", 8080, 8080)[-1] == (
        "8080:8080"
    )


def test_the_shell_falls_back_to_sh_when_bash_is_absent(tmp_path: Path) -> None:
    # What kubectl exec runs in the container, run here by sh with and without bash on PATH.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    os.symlink("/bin/sh", bin_dir / "sh")
    env = {"PATH": str(bin_dir), "PS1": ""}

    done = subprocess.run(
        ["/bin/sh", "-c", SHELL],
        input="echo shell=$0\n",
        env=env,
        text=True,
        capture_output=True,
        check=False,
    )
    assert done.stdout.strip() == "shell=sh"
    fake_bash = bin_dir / "bash"
    fake_bash.write_text("#!/bin/sh\necho shell=bash\n")
    fake_bash.chmod(0o755)
    done = subprocess.run(
        ["/bin/sh", "-c", SHELL], input="", env=env, text=True, capture_output=True, check=False
    )
    assert done.stdout.strip() == "shell=bash"


def test_a_failing_command_reports_its_last_stderr_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kubectl = standin_kubectl.install(tmp_path)
    monkeypatch.setenv("STANDIN_EXIT", "1")
    monkeypatch.setenv("STANDIN_STDERR", 'Error from server (NotFound): pods "x" not found')
    finished = run_in_terminal([str(kubectl), "exec", "x"])
    assert (finished.returncode, finished.error) == (
        1,
        'Error from server (NotFound): pods "x" not found',
    )
    assert not finished.ok


def test_a_missing_kubectl_is_one_line_not_an_exception(tmp_path: Path) -> None:
    finished = run_in_terminal([str(tmp_path / "nowhere" / "kubectl"), "edit"])
    assert finished.returncode is None
    assert finished.error.startswith(f"could not run {tmp_path / 'nowhere' / 'kubectl'}: ")


async def test_port_forward_serves_then_stops(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kubectl = standin_kubectl.install(tmp_path)
    record = tmp_path / "argv"
    monkeypatch.setenv("STANDIN_RECORD", str(record))
    command = port_forward_command(str(kubectl), OPTIONS, "shop", "service/web", 80, None)
    forward = PortForward(command, "shop", "service/web", 80)
    await forward.start()
    waiter = asyncio.ensure_future(forward.wait())
    await forward.settled(10)
    assert forward.state == "forwarding" and forward.local_port
    url = f"http://127.0.0.1:{forward.local_port}/"
    body = await asyncio.to_thread(lambda: urllib.request.urlopen(url, timeout=5).read())
    assert body == b"standin forwards to 80\n"
    await forward.stop()
    await waiter
    assert forward.state == "stopped"
    assert json.loads(record.read_text())[0] == "port-forward"


async def test_a_forward_whose_kubectl_exits_is_broken_with_its_last_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kubectl = standin_kubectl.install(tmp_path)
    monkeypatch.setenv("STANDIN_EXIT", "1")
    monkeypatch.setenv("STANDIN_STDERR", "error: unable to listen on any of the requested ports")
    forward = PortForward([str(kubectl), "edit"], "shop", "pod/web-1", 8080)
    await forward.start()
    assert await forward.wait() == 1
    assert forward.state == "broken"
    assert forward.reason == "error: unable to listen on any of the requested ports"


async def test_a_forward_that_cannot_start_is_broken(tmp_path: Path) -> None:
    forward = PortForward([str(tmp_path / "kubectl")], "shop", "pod/web-1", 8080)
    await forward.start()
    await forward.settled(1)
    assert forward.state == "broken"
    assert "could not run" in forward.reason


def test_ctrl_c_while_kubectl_has_the_terminal_ends_kubectl_not_the_app() -> None:
    # Ctrl+C before kubectl's raw mode reaches the whole process group, the app included. The
    # app runs in a session of its own here: ``kill -INT 0`` in this test's own group would
    # interrupt the test runner (and, under xdist, its other workers).
    code = textwrap.dedent(
        """
        import signal
        from kubectl_stack.kube.kubectl import run_in_terminal
        before = signal.getsignal(signal.SIGINT)
        finished = run_in_terminal(["/bin/sh", "-c", "kill -INT 0; sleep 5; exit 3"])
        print(finished.returncode, signal.getsignal(signal.SIGINT) is before)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=30,
        start_new_session=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr  # the app was not interrupted
    # sh was ended by the signal at once, and the app's SIGINT handler is back.
    assert done.stdout.split() == [str(-signal.SIGINT), "True"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl(PR_SET_PDEATHSIG)")
def test_a_forward_ends_when_the_app_is_killed(tmp_path: Path) -> None:
    # SIGKILL leaves the app no chance to stop its forwards: the kernel must end them.
    kubectl = standin_kubectl.install(tmp_path)
    command = port_forward_command(str(kubectl), OPTIONS, "shop", "pod/web-1", 80, None)
    app = textwrap.dedent(
        f"""
        import asyncio, sys
        from kubectl_stack.kube.kubectl import PortForward

        async def main():
            forward = PortForward({command!r}, "shop", "pod/web-1", 80)
            await forward.start()
            await forward.settled(10)
            print(forward.state, forward._process.pid, flush=True)
            await asyncio.sleep(120)

        asyncio.run(main())
        """
    )
    process = subprocess.Popen([sys.executable, "-c", app], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        state, pid = process.stdout.readline().split()
        assert state == "forwarding"
        assert alive(int(pid))
    finally:
        process.kill()
        process.wait()
    deadline = time.monotonic() + 10
    while alive(int(pid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(int(pid)), "kubectl port-forward outlived the killed app"


def alive(pid: int) -> bool:
    """Running (a zombie nobody reaped has ended)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status
