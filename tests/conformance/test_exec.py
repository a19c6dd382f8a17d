"""exec, attach and port-forward through real kubectl 1.37: it speaks WebSocket
(``v5.channel.k8s.io``) and SPDY tunnelled in a WebSocket to the embedded cluster, whose
containers run the built-in shell and answer HTTP on their declared ports."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pty
import re
import select
import struct
import subprocess
import termios
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from kubernetes import client
from kubernetes.stream import portforward, stream

from kubectl_stack_sim.runner import RunningSim

from .helpers import ok

TWO_CONTAINERS = """\
apiVersion: v1
kind: Pod
metadata:
  name: two
  annotations: {kubectl.kubernetes.io/default-container: second}
spec:
  containers:
    - name: first
      image: tools:1
      env: [{name: WHO, value: first}]
    - name: second
      image: tools:1
      env:
        - {name: WHO, value: second}
        - {name: GREETING, value: "hello $(WHO)"}
        - name: LEVEL
          valueFrom: {configMapKeyRef: {name: app-config, key: LOG_LEVEL}}
        - name: POD_NAME
          valueFrom: {fieldRef: {fieldPath: metadata.name}}
      volumeMounts:
        - {name: config, mountPath: /etc/config}
        - {name: secret, mountPath: /etc/secret, readOnly: true}
      ports: [{containerPort: 8080}]
  volumes:
    - name: config
      configMap: {name: app-config}
    - name: secret
      secret: {secretName: app-secrets}
"""


def _env(sim: RunningSim, cache: Path, **extra: str) -> dict[str, str]:
    """The environment of a kubectl run against ``sim`` (a private discovery cache)."""
    return {**os.environ, "KUBECONFIG": str(sim.kubeconfig), "KUBECACHEDIR": str(cache), **extra}


def _pod(kubectl: Any) -> str:
    return ok(
        kubectl("get", "pods", "-l", "app=my-app", "-o", "jsonpath={.items[0].metadata.name}")
    )


def _two(sim: RunningSim, kubectl: Any) -> None:
    ok(kubectl("apply", "-f", "-", input=TWO_CONTAINERS))
    sim.advance(30)
    phase = ok(kubectl("get", "pod", "two", "-o", "jsonpath={.status.phase}"))
    assert phase == "Running"


def test_exec_into_a_deployment_prints_the_containers_environment(kubectl: Any) -> None:
    done = kubectl("exec", "deploy/my-app", "--", "env")
    assert done.returncode == 0, done.stderr
    env = dict(line.split("=", 1) for line in done.stdout.splitlines())
    assert env["HOSTNAME"] == _pod(kubectl)
    assert env["LOG_LEVEL"] == "info"  # envFrom the ConfigMap
    assert env["API_URL"] == "https://api.mydomain.com"
    assert env["DATABASE_PASSWORD"] == "s3cr3t-password"  # secretKeyRef, decoded
    assert env["KUBERNETES_SERVICE_PORT"] == "443"
    assert env["MY_APP_SERVICE_PORT"] == "80"  # the namespace's service links
    assert env["HOME"] == "/root"


def test_exec_passes_on_the_commands_exit_code_and_streams(kubectl: Any) -> None:
    done = kubectl("exec", "deploy/my-app", "--", "sh", "-c", "echo out; echo err >&2; exit 3")
    assert (done.returncode, done.stdout) == (3, "out\n")
    assert done.stderr == "err\ncommand terminated with exit code 3\n"
    done = kubectl("exec", "deploy/my-app", "--", "sh", "-c", "hostname; nosuch")
    assert (done.returncode, done.stdout) == (127, _pod(kubectl) + "\n")
    assert done.stderr == "sh: nosuch: not found\ncommand terminated with exit code 127\n"
    done = kubectl("exec", "deploy/my-app", "--", "true")
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_exec_of_a_program_the_image_lacks_is_the_runtimes_error(kubectl: Any) -> None:
    done = kubectl("exec", "deploy/my-app", "--", "bash")
    assert done.returncode == 1
    assert done.stderr.startswith("error: Internal error occurred: error executing command in ")
    assert 'exec: "bash": executable file not found in $PATH' in done.stderr
    # What the app runs for a shell: bash when the image has it, else sh.
    done = kubectl("exec", "deploy/my-app", "--", "sh", "-c", "command -v bash || echo no bash")
    assert (done.returncode, done.stdout) == (0, "no bash\n")


def test_exec_with_stdin(kubectl: Any) -> None:
    done = kubectl("exec", "-i", "deploy/my-app", "--", "cat", input="one\ntwo\n")
    assert (done.returncode, done.stdout) == (0, "one\ntwo\n")
    script = "echo $LOG_LEVEL\ncd /etc && pwd\nfalse || exit 4\necho unreached\n"
    done = kubectl("exec", "-i", "deploy/my-app", "--", "sh", input=script)
    assert (done.returncode, done.stdout) == (4, "info\n/etc\n")
    done = kubectl("exec", "-i", "deploy/my-app", "--", "grep", "-c", "a", input="a\nb\na\n")
    assert (done.returncode, done.stdout) == (0, "2\n")


def test_container_choice_and_mounted_files(sim: RunningSim, kubectl: Any) -> None:
    _two(sim, kubectl)
    # The default-container annotation picks ``second``; -c picks another.
    assert ok(kubectl("exec", "two", "--", "printenv", "WHO")) == "second\n"
    assert ok(kubectl("exec", "two", "-c", "first", "--", "printenv", "WHO")) == "first\n"
    env = ok(kubectl("exec", "two", "--", "env"))
    assert "GREETING=hello second\n" in env  # $(WHO) expanded
    assert "LEVEL=info\n" in env and "POD_NAME=two\n" in env
    assert ok(kubectl("exec", "two", "--", "ls", "/etc/config")) == "API_URL\nLOG_LEVEL\n"
    assert ok(kubectl("exec", "two", "--", "cat", "/etc/config/LOG_LEVEL")) == "info"
    secret = ok(kubectl("exec", "two", "--", "cat", "/etc/secret/DATABASE_PASSWORD"))
    assert secret == "s3cr3t-password"
    done = kubectl("exec", "two", "--", "cat", "/etc/config/NOPE")
    assert done.returncode == 1
    assert done.stderr.startswith("cat: can't open '/etc/config/NOPE': No such file or directory")


def test_the_api_servers_refusals(sim: RunningSim, kubectl: Any) -> None:
    pod = _pod(kubectl)
    ok(kubectl("create", "role", "pod-reader", "--verb=get,list", "--resource=pods"))
    ok(kubectl("create", "rolebinding", "bob-reads", "--role=pod-reader", "--user=bob"))
    done = kubectl("exec", pod, "--as", "bob", "--", "env")
    assert done.returncode == 1
    # An API error on the WebSocket upgrade is final: kubectl 1.37 does not retry with SPDY.
    assert done.stderr.strip() == (
        f'error: unable to upgrade connection: pods "{pod}" is forbidden: User "bob" cannot '
        'create resource "pods/exec" in API group "" in the namespace "default"'
    )
    assert kubectl("auth", "can-i", "create", "pods/exec", "--as", "bob").stdout.strip() == "no"
    ok(kubectl("create", "rolebinding", "bob-edits", "--clusterrole=edit", "--user=bob"))
    assert ok(kubectl("exec", pod, "--as", "bob", "--", "hostname")) == pod + "\n"
    # A pod no node can take has no host to stream from.
    ok(
        kubectl(
            "run", "stuck", "--image=app:1", "--overrides", '{"spec":{"nodeSelector":{"x":"y"}}}'
        )
    )
    done = kubectl("exec", "stuck", "--", "env")
    assert done.returncode == 1
    assert done.stderr.strip() == (
        "error: unable to upgrade connection: pod stuck does not have a host assigned"
    )


def test_exec_into_a_container_that_is_not_running(sim: RunningSim, kubectl: Any) -> None:
    ok(kubectl("run", "slow", "--image=app:1"))
    sim.advance(0.5)  # scheduled, still pulling its image
    status = json.loads(ok(kubectl("get", "pod", "slow", "-o", "json")))["status"]
    assert "running" not in status["containerStatuses"][0]["state"]
    done = kubectl("exec", "slow", "--", "env")
    assert done.returncode == 1
    assert done.stderr.strip() == (
        'error: Internal error occurred: unable to upgrade connection: container not found ("slow")'
    )


def test_exec_straight_to_the_api_answers_the_api_servers_errors(sim: RunningSim) -> None:
    """What kubectl checks itself first still gets kube-apiserver's answer over HTTP."""
    base = f"{sim.url}/api/v1/namespaces/default/pods"

    def status(path: str) -> tuple[int, str]:
        request = urllib.request.Request(base + path, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read())["message"]

    name = sim.call(lambda: sim.cluster.store.list("pods", "default")[0]["metadata"]["name"])
    assert status(f"/{name}/exec?command=env&stdout=1&container=nope") == (
        400,
        f"container nope is not valid for pod {name}",
    )
    assert status(f"/{name}/exec?stdout=1") == (400, "you must specify at least 1 command")
    assert status("/missing/exec?command=env&stdout=1") == (404, 'pods "missing" not found')


@contextmanager
def _forward(kubectl_path: Path, sim: RunningSim, tmp_path: Path, *args: str) -> Iterator[Any]:
    """A running ``kubectl port-forward``; yields (process, local port)."""
    proc = subprocess.Popen(
        [str(kubectl_path), "port-forward", *args],
        env=_env(sim, tmp_path / "pf-cache"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()  # blocks until kubectl listens (or exits)
        match = re.match(r"Forwarding from 127\.0\.0\.1:(\d+) -> (\d+)", first)
        assert match, (first, proc.stderr.read() if proc.poll() is not None and proc.stderr else "")
        yield proc, int(match.group(1)), int(match.group(2))
    finally:
        proc.terminate()
        proc.communicate(timeout=30)


def _get(port: int) -> tuple[int, str]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=20) as resp:
        return resp.status, resp.read().decode()


def test_port_forward_to_a_service_reaches_a_pod_behind_it(
    sim: RunningSim, kubectl: Any, kubectl_path: Path, tmp_path: Path
) -> None:
    pods = ok(kubectl("get", "pods", "-l", "app=my-app", "-o", "name")).split()
    with _forward(kubectl_path, sim, tmp_path, "svc/my-app", ":80") as (_, local, remote):
        assert remote == 3000  # the Service's targetPort
        status, body = _get(local)
        again = _get(local)  # a second connection on the same tunnel
    assert status == 200 and again[0] == 200
    lines = dict(line.split(": ", 1) for line in body.splitlines())
    assert f"pod/{lines['pod']}" in pods
    assert lines["image"] == "my-app:1.4.2"
    assert (lines["container"], lines["port"], lines["ready"]) == ("app", "3000", "true")


def test_port_forward_to_a_pod_and_to_a_port_nothing_listens_on(
    sim: RunningSim, kubectl: Any, kubectl_path: Path, tmp_path: Path
) -> None:
    _two(sim, kubectl)
    with _forward(kubectl_path, sim, tmp_path, "pod/two", ":8080") as (_, local, _remote):
        _, body = _get(local)
    assert "pod: two\n" in body and "container: second\n" in body
    with _forward(kubectl_path, sim, tmp_path, "pod/two", ":81") as (proc, local, _remote):
        with contextlib.suppress(OSError):
            _get(local)  # the connection is dropped: nothing listens on 81
        code = proc.wait(timeout=30)
        assert proc.stderr is not None
        stderr = proc.stderr.read()
    assert code == 1
    assert "An error occurred forwarding" in stderr
    assert "dial tcp4 127.0.0.1:81: connect: connection refused" in stderr
    assert stderr.rstrip().endswith("error: lost connection to pod")


def _read_until(fd: int, needle: bytes, timeout: float = 20) -> bytes:
    """What the terminal shows until ``needle`` appears (bounded)."""
    seen = b""
    deadline = time.monotonic() + timeout
    while needle not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                seen += os.read(fd, 4096)
            except OSError:
                break
    assert needle in seen, seen
    return seen


def test_exec_it_is_a_terminal_with_prompt_echo_and_size(
    sim: RunningSim, kubectl: Any, kubectl_path: Path, tmp_path: Path
) -> None:
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 33, 111, 0, 0))
    proc = subprocess.Popen(
        [str(kubectl_path), "exec", "-it", "deploy/my-app", "--", "sh"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=_env(sim, tmp_path / "tty-cache", TERM="xterm"),
        start_new_session=True,
    )
    os.close(slave)
    try:
        _read_until(master, b"/ # ")
        os.write(master, b"hostname\r")
        shown = _read_until(master, b"/ # ")
        assert shown == f"hostname\r\n{_pod(kubectl)}\r\n/ # ".encode()
        os.write(master, b"stty size\r")
        assert _read_until(master, b"/ # ") == b"stty size\r\n33 111\r\n/ # "
        # Erase, Ctrl+U and Ctrl+C act on the line being typed, as a cooked terminal does.
        os.write(master, b"cd /etcc\x7f\r")
        assert _read_until(master, b"/etc # ").endswith(b"\b \b\r\n/etc # ")
        os.write(master, b"nope\x15pwd\r")
        assert _read_until(master, b"# ").endswith(b"pwd\r\n/etc\r\n/etc # ")
        os.write(master, b"sleepy\x03")
        assert _read_until(master, b"# ").endswith(b"sleepy^C\r\n/etc # ")
        os.write(master, b"exit 7\r")
        assert proc.wait(timeout=20) == 7
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=20)
        os.close(master)


def test_the_official_clients_stream_speaks_v4(sim: RunningSim, official: Any) -> None:
    core = client.CoreV1Api(official)
    meta = core.list_namespaced_pod("default", label_selector="app=my-app").items[0].metadata
    assert meta is not None
    name = meta.name
    session = stream(
        core.connect_get_namespaced_pod_exec,
        name,
        "default",
        command=["sh", "-c", "hostname; echo oops >&2; exit 3"],
        stderr=True,
        stdin=False,
        stdout=True,
        tty=False,
        _preload_content=False,
    )
    session.run_forever(timeout=20)
    assert session.read_stdout() == f"{name}\n"
    assert session.read_stderr() == "oops\n"
    assert session.returncode == 3


def test_attach_streams_what_the_container_prints_next(
    sim: RunningSim, kubectl_path: Path, tmp_path: Path
) -> None:
    name = sim.call(lambda: sim.cluster.store.list("pods", "default")[0]["metadata"]["name"])
    proc = subprocess.Popen(
        [str(kubectl_path), "attach", name],
        env=_env(sim, tmp_path / "attach-cache"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out = proc.stdout
    assert out is not None
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.append(out.readline()), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 30
        while not lines and time.monotonic() < deadline:
            sim.advance(5)  # the container logs requests as the virtual clock runs
            reader.join(0.2)
    finally:
        proc.terminate()
        proc.communicate(timeout=20)
    assert lines and '"GET ' in lines[0], lines


def test_a_port_forward_ends_when_its_pod_is_deleted(
    sim: RunningSim, kubectl: Any, kubectl_path: Path, tmp_path: Path
) -> None:
    pod = _pod(kubectl)
    with _forward(kubectl_path, sim, tmp_path, f"pod/{pod}", ":3000") as (proc, local, _remote):
        assert _get(local)[0] == 200
        ok(kubectl("delete", "pod", pod, "--wait=false"))
        sim.advance(40)  # past the grace period: the kubelet removes the pod
        code = proc.wait(timeout=30)
        assert proc.stderr is not None
        stderr = proc.stderr.read()
    assert code == 1
    assert "lost connection to pod" in stderr


def test_kubectl_cp_out_of_a_container_and_into_its_read_only_files(
    kubectl: Any, tmp_path: Path
) -> None:
    pod = _pod(kubectl)
    done = kubectl("cp", f"{pod}:/etc/hostname", str(tmp_path / "hostname"))
    assert done.returncode == 0, done.stderr
    assert "tar: removing leading '/' from member names" in done.stdout  # tar's stderr
    assert (tmp_path / "hostname").read_text() == f"{pod}\n"
    ok(kubectl("cp", f"{pod}:/etc", str(tmp_path / "etc")))
    assert (tmp_path / "etc" / "hostname").read_text() == f"{pod}\n"
    done = kubectl("cp", str(tmp_path / "hostname"), f"{pod}:/tmp/hostname")
    assert done.returncode == 1
    assert "Read-only file system" in done.stderr


def test_a_shell_ends_when_its_pod_is_deleted(
    sim: RunningSim, kubectl: Any, kubectl_path: Path, tmp_path: Path
) -> None:
    pod = _pod(kubectl)
    proc = subprocess.Popen(
        [str(kubectl_path), "exec", "-i", pod, "--", "sh"],
        env=_env(sim, tmp_path / "exec-cache"),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write("hostname\n")
    proc.stdin.flush()
    assert proc.stdout.readline() == f"{pod}\n"  # the session is up
    ok(kubectl("delete", "pod", pod, "--wait=false"))
    sim.advance(40)  # past the grace period: the kubelet removes the pod
    try:
        _, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 137
    assert stderr == "command terminated with exit code 137\n"


def test_the_official_clients_port_forward_speaks_the_kubelets_websocket(
    sim: RunningSim, official: Any
) -> None:
    core = client.CoreV1Api(official)
    meta = core.list_namespaced_pod("default", label_selector="app=my-app").items[0].metadata
    assert meta is not None and meta.name is not None
    forward = portforward(
        core.connect_get_namespaced_pod_portforward, meta.name, "default", ports="3000,81"
    )
    try:
        sock = forward.socket(3000)
        sock.setblocking(True)
        sock.settimeout(20)
        sock.sendall(b"GET / HTTP/1.1\r\nHost: pod\r\nConnection: close\r\n\r\n")
        answer = b""
        while chunk := sock.recv(4096):
            answer += chunk
    finally:
        forward.close()
    head, _, body = answer.decode().partition("\r\n\r\n")
    assert head.splitlines()[0] == "HTTP/1.1 200 OK"
    assert body.startswith(f"pod: {meta.name}\n") and "port: 3000\n" in body
    assert forward.error(3000) is None
    assert "dial tcp4 127.0.0.1:81: connect: connection refused" in (forward.error(81) or "")
