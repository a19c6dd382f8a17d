"""The simulated container: what its built-in shell answers, what it sees of the pod (env,
files), the tty's line discipline, and the SPDY framing its port-forward speaks."""

from __future__ import annotations

import base64
import hashlib
import struct
import zlib
from typing import Any

import pytest

from kubectl_stack_sim import container, spdy
from kubectl_stack_sim.clock import Clock
from kubectl_stack_sim.shell import LineDiscipline, Shell
from kubectl_stack_sim.store import Store

BOX = container.Container(
    pod="web-1",
    namespace="default",
    name="app",
    image="registry.example/web:1.2",
    env=[("PATH", container.PATH), ("HOSTNAME", "web-1"), ("GREETING", "hello  there")],
    files={
        "/etc/config/a.conf": b"alpha\nbeta\n",
        "/etc/config/.hidden": b"h",
        "/etc/hostname": b"web-1\n",
    },
)


def run(line: str, stdin: bytes = b"", box: container.Container = BOX) -> tuple[str, str, int]:
    shell = Shell(box)
    out = shell.run_line(line, stdin)
    text = {1: "", 2: ""}
    for fd, data in out.chunks:
        text[fd] += data.decode()
    return text[1], text[2], shell.status


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("echo $GREETING", ("hello there\n", "", 0)),  # unquoted: split, joined by blanks
        ("echo \"$GREETING\" '$GREETING'", ("hello  there $GREETING\n", "", 0)),
        ("echo ${HOSTNAME}-x", ("web-1-x\n", "", 0)),
        ("echo -n a; echo b", ("ab\n", "", 0)),
        ("false; echo $?", ("1\n", "", 0)),
        ("false && echo no || echo yes", ("yes\n", "", 0)),
        ("X=1; echo $X", ("1\n", "", 0)),
        ("hostname", ("web-1\n", "", 0)),
        ("cat /etc/config/a.conf | grep -c a", ("2\n", "", 0)),
        ("ls /etc/config", ("a.conf\n", "", 0)),
        ("ls -a /etc/config", (".\n..\n.hidden\na.conf\n", "", 0)),
        ("cd /etc/config && pwd && cat a.conf | head -n 1", ("/etc/config\nalpha\n", "", 0)),
        ("nosuch arg", ("", "sh: nosuch: not found\n", 127)),
        ("nosuch 2>/dev/null; echo $?", ("127\n", "", 0)),
        ("echo oops >&2", ("", "oops\n", 0)),
        ("ls /nope 2>&1", ("ls: /nope: No such file or directory\n", "", 2)),
        ("cat /etc/config", ("", "cat: read error: Is a directory\n", 1)),
        ("echo x > /etc/x", ("", "sh: can't create /etc/x: Read-only file system\n", 1)),
        ("cd /nope", ("", "sh: cd: can't cd to /nope: No such file or directory\n", 2)),
        ("command -v hostname cd bash", ("/bin/hostname\ncd\n", "", 1)),
        ("printenv GREETING NOPE", ("hello  there\n", "", 1)),
        ("env | wc -l", ("3\n", "", 0)),
        ("echo 'unterminated", ("", "sh: syntax error: unterminated quoted string\n", 2)),
        ("echo a | | b", ("", "sh: syntax error: unexpected '|'\n", 2)),
        ("# just a comment", ("", "", 0)),
        ("stty size", ("", "stty: standard input: Not a tty\n", 1)),
    ],
)
def test_command_lines(line: str, expected: tuple[str, str, int]) -> None:
    assert run(line) == expected


def test_exit_ends_the_shell_with_its_code() -> None:
    shell = Shell(BOX)
    shell.run_line("echo a; exit 300; echo b")
    assert (shell.exited, shell.status) == (44, 44)  # exit codes are a byte


def test_a_shell_started_from_a_script_takes_over_the_session() -> None:
    """What the app runs for its shell key: bash if the image has it, else sh."""
    line = "command -v bash >/dev/null 2>&1 && exec bash || exec sh"
    plain = Shell(BOX)
    plain.run_argv(["sh", "-c", line])
    assert (plain.interactive, plain.exited, plain.name, plain.prompt) == (True, None, "sh", "/ # ")
    debian = container.Container("web-1", "default", "app", "debian:12", list(BOX.env), {})
    assert debian.has_bash and not BOX.has_bash
    bash = Shell(debian)
    bash.run_argv(["sh", "-c", line])
    assert (bash.interactive, bash.name, bash.prompt) == (True, "bash", "root@web-1:/# ")
    out = bash.run_line("nosuch")
    assert out.chunks == [(2, b"bash: nosuch: command not found\n")]


def test_what_exec_can_start_directly() -> None:
    shell = Shell(BOX)
    assert shell.executable("env") and shell.executable("/bin/sh") and shell.executable("echo")
    assert not shell.executable("cd") and not shell.executable("bash")
    assert not shell.executable("./run.sh") and not shell.executable("python")


def test_the_line_discipline_of_a_tty() -> None:
    tty = LineDiscipline()
    echo, events = tty.feed(b"ls -x\x7f\x7fl\r")
    assert (echo, events) == (b"ls -x\b \b\b \bl\r\n", ["ls l"])
    echo, events = tty.feed(b"abc\x15pwd\r")
    assert events == ["pwd"] and echo == b"abc" + b"\b \b" * 3 + b"pwd\r\n"
    assert tty.feed(b"sleep\x03") == (b"sleep^C\r\n", [""])
    assert tty.feed(b"\x1b[A\x1b[D") == (b"", [])  # arrow keys are ignored
    assert tty.feed(b"x\x04") == (b"x", [])  # Ctrl+D on a non-empty line does nothing
    assert tty.feed(b"\x7f\x04") == (b"\b \b", [None])  # ...and ends input on an empty one


def _pod(**spec: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": "web-1", "namespace": "default", "uid": "u-1", "labels": {"a": "b"}},
        "spec": {"nodeName": "node-1", **spec},
        "status": {"podIP": "10.0.0.7"},
    }


def test_the_container_sees_its_env_and_mounted_files() -> None:
    store = Store(Clock())
    store.create(
        "configmaps",
        {
            "metadata": {"name": "cfg", "namespace": "default"},
            "data": {"LEVEL": "debug", "x.yaml": "k: v\n"},
        },
    )
    secret = base64.b64encode(b"hunter2").decode()
    store.create(
        "secrets",
        {"metadata": {"name": "sec", "namespace": "default"}, "data": {"PASSWORD": secret}},
    )
    app = {
        "name": "app",
        "image": "web:1",
        "envFrom": [{"configMapRef": {"name": "cfg"}, "prefix": "CFG_"}],
        "env": [
            {"name": "A", "value": "1"},
            {"name": "B", "value": "$(A)-$(NOPE)-$$(A)"},
            {"name": "PW", "valueFrom": {"secretKeyRef": {"name": "sec", "key": "PASSWORD"}}},
            {"name": "IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
            {"name": "LBL", "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['a']"}}},
            {
                "name": "MEM",
                "valueFrom": {"resourceFieldRef": {"resource": "limits.memory", "divisor": "1Mi"}},
            },
        ],
        "resources": {"limits": {"memory": "256Mi"}},
        "volumeMounts": [
            {"name": "c", "mountPath": "/etc/cfg"},
            {"name": "s", "mountPath": "/run/pw", "subPath": "pw"},
        ],
    }
    volumes = [
        {
            "name": "c",
            "configMap": {"name": "cfg", "items": [{"key": "x.yaml", "path": "conf/x.yaml"}]},
        },
        {
            "name": "s",
            "secret": {"secretName": "sec", "items": [{"key": "PASSWORD", "path": "pw"}]},
        },
    ]
    box = container.build(store, _pod(containers=[app], volumes=volumes), "app")
    env = dict(box.env)
    assert list(env)[:2] == ["PATH", "HOSTNAME"] and list(env)[-1] == "HOME"
    assert env["CFG_LEVEL"] == "debug" and env["PW"] == "hunter2"
    assert env["B"] == "1-$(NOPE)-$(A)"
    assert (env["IP"], env["LBL"], env["MEM"]) == ("10.0.0.7", "b", "256")
    assert box.files == {
        "/etc/cfg/conf/x.yaml": b"k: v\n",
        "/run/pw": b"hunter2",
        "/etc/hostname": b"web-1\n",
    }
    assert box.entries("/etc/cfg") == ["conf"] and box.is_dir("/etc/cfg/conf")


def test_spdy_dictionary_and_frames_as_spdystream_reads_and_writes_them() -> None:
    # The SPDY/3 dictionary, byte for byte (length and digest of moby/spdystream's).
    assert len(spdy.DICTIONARY) == 1423
    assert hashlib.sha256(spdy.DICTIONARY).hexdigest() == (
        "51d27341373f923f3cd88e1eb7162aeaa3723d7585ff2399201dc06498407f02"
    )
    # A client's SYN_STREAM: header block compressed with the dictionary, sync-flushed.
    deflate = zlib.compressobj(9, zlib.DEFLATED, 15, 8, zlib.Z_DEFAULT_STRATEGY, spdy.DICTIONARY)
    headers = {"streamtype": "data", "port": "80", "requestid": "0"}
    block = deflate.compress(spdy.encode_headers(headers)) + deflate.flush(zlib.Z_SYNC_FLUSH)
    payload = struct.pack(">IIBB", 3, 0, 0, 0) + block
    syn = struct.pack(">II", 0x80030001, len(payload)) + payload
    data = struct.pack(">II", 3, (1 << 24) | 5) + b"hello"
    session = spdy.Session()
    frames = session.feed(syn[:7]) + session.feed(syn[7:] + data)  # split anywhere
    assert [(f.kind, f.stream_id) for f in frames] == [(spdy.SYN_STREAM, 3), (0, 3)]
    assert frames[0].headers == headers
    assert (frames[1].data, frames[1].flags) == (b"hello", spdy.FLAG_FIN)
    # The server's SYN_REPLY decompresses with the same dictionary on the client's side.
    reply = session.reply_frame(3)
    first, second = struct.unpack_from(">II", reply)
    assert (first, second & 0xFFFFFF) == (0x80030002, len(reply) - 8)
    inflate = zlib.decompressobj(zdict=spdy.DICTIONARY)
    assert spdy.decode_headers(inflate.decompress(reply[12:])) == {}
    assert session.data_frame(3, b"", fin=True) == struct.pack(">II", 3, 1 << 24)


def _syn_stream(block: bytes) -> bytes:
    payload = struct.pack(">IIBB", 1, 0, 0, 0) + block
    return struct.pack(">II", 0x80030001, len(payload)) + payload


_BOMB = zlib.compressobj(zdict=spdy.DICTIONARY)


@pytest.mark.parametrize(
    "frame",
    [
        struct.pack(">II", 0x80020001, 0),  # SPDY/2
        struct.pack(">II", 0x80030003, 2) + b"\0\0",  # a short RST_STREAM
        _syn_stream(b"garbage"),  # not zlib
        # A header block inflating past the limit.
        _syn_stream(_BOMB.compress(b"\0" * spdy.MAX_HEADER_BLOCK * 4) + _BOMB.flush()),
    ],
)
def test_spdy_refuses_what_is_not_spdy_3(frame: bytes) -> None:
    with pytest.raises(spdy.ProtocolError):
        spdy.Session().feed(frame)
