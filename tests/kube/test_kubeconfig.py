"""Kubeconfig resolution compared with what real kubectl resolves from the same files."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from kubectl_stack import jsonutil
from kubectl_stack.kube.kubeconfig import (
    ConfigError,
    load_merged,
    parse_request_timeout,
    resolve,
)
from kubectl_stack.options import ConnectionOptions

KUBECTL = Path(sys.executable).parent / "kubectl"


def write(path: Path, doc: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(doc))
    return path


def kubeconfig(
    clusters: dict[str, dict[str, Any]],
    users: dict[str, dict[str, Any]],
    contexts: dict[str, dict[str, Any]],
    current: str | None = None,
) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": n, "cluster": c} for n, c in clusters.items()],
        "users": [{"name": n, "user": u} for n, u in users.items()],
        "contexts": [{"name": n, "context": c} for n, c in contexts.items()],
    }
    if current is not None:
        doc["current-context"] = current
    return doc


def run_kubectl(tmp_path: Path, env_kubeconfig: str, *args: str) -> str:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "KUBECONFIG": env_kubeconfig,
        "KUBECACHEDIR": str(tmp_path / "cache"),
    }
    done = subprocess.run(
        [str(KUBECTL), *args], env=env, capture_output=True, text=True, check=True, timeout=30
    )
    return done.stdout


@pytest.fixture
def two_files(tmp_path: Path) -> tuple[Path, Path]:
    a = write(
        tmp_path / "a.yaml",
        kubeconfig(
            {
                "prod": {"server": "https://prod.example:6443", "certificate-authority": "ca.crt"},
                "shared": {"server": "https://from-a.example"},
            },
            {"alice": {"token": "token-a"}},
            {
                "prod": {"cluster": "prod", "user": "alice", "namespace": "shop"},
                "shared": {"cluster": "shared", "user": "alice"},
            },
        ),
    )
    b = write(
        tmp_path / "b.yaml",
        kubeconfig(
            {
                "shared": {"server": "https://from-b.example"},
                "dev": {"server": "https://dev.example", "insecure-skip-tls-verify": True},
            },
            {"alice": {"token": "token-b"}, "bob": {"token": "token-bob"}},
            {
                "shared": {"cluster": "dev", "user": "bob", "namespace": "b-ns"},
                "dev": {"cluster": "dev", "user": "bob"},
            },
            current="shared",
        ),
    )
    return a, b


def test_kubeconfig_list_merges_like_kubectl_config_view(
    tmp_path: Path, two_files: tuple[Path, Path]
) -> None:
    a, b = two_files
    env_value = f"{a}{os.pathsep}{b}"
    view = jsonutil.loads(run_kubectl(tmp_path, env_value, "config", "view", "--merge", "-o=json"))
    current = run_kubectl(tmp_path, env_value, "config", "current-context").strip()

    merged = load_merged([a, b])

    assert merged.current_context == current == "shared"
    assert sorted(merged.clusters) == sorted(c["name"] for c in view["clusters"])
    assert sorted(merged.contexts) == sorted(c["name"] for c in view["contexts"])
    assert sorted(merged.users) == sorted(u["name"] for u in view["users"])
    for entry in view["clusters"]:
        assert merged.clusters[entry["name"]]["server"] == entry["cluster"]["server"]
    for entry in view["contexts"]:
        assert merged.contexts[entry["name"]] == entry["context"]


def test_first_file_wins_each_entry_and_current_context(two_files: tuple[Path, Path]) -> None:
    a, b = two_files
    env = {"KUBECONFIG": f"{b}{os.pathsep}{a}", "HOME": "/nonexistent"}
    config = resolve(ConnectionOptions(), env)
    # b comes first now: its current-context and its "shared" context and "alice" win.
    assert config.context == "shared"
    assert config.server == "https://dev.example"
    assert config.namespace == "b-ns"
    assert config.user == {"token": "token-bob"}
    config = resolve(ConnectionOptions(context="prod"), env)
    assert config.user == {"token": "token-b"}


def test_relative_paths_resolve_against_their_own_file(
    tmp_path: Path, two_files: tuple[Path, Path]
) -> None:
    a, b = two_files
    env = {"KUBECONFIG": f"{a}{os.pathsep}{b}"}
    config = resolve(ConnectionOptions(context="prod"), env)
    assert config.ca_file == str(tmp_path / "ca.crt")


def test_namespace_comes_from_flag_then_context_then_default(
    two_files: tuple[Path, Path],
) -> None:
    a, b = two_files
    env = {"KUBECONFIG": f"{a}{os.pathsep}{b}"}
    assert resolve(ConnectionOptions(context="prod"), env).namespace == "shop"
    assert resolve(ConnectionOptions(context="prod", namespace="x"), env).namespace == "x"
    assert resolve(ConnectionOptions(context="dev"), env).namespace == "default"


def test_flags_override_cluster_user_and_server(two_files: tuple[Path, Path]) -> None:
    a, b = two_files
    env = {"KUBECONFIG": f"{a}{os.pathsep}{b}"}
    config = resolve(
        ConnectionOptions(
            context="prod",
            cluster="dev",
            user="bob",
            as_user="jane",
            as_groups=["ops", "dev"],
            request_timeout="1m30s",
        ),
        env,
    )
    assert config.server == "https://dev.example"
    assert config.insecure_skip_tls_verify
    assert config.user == {"token": "token-bob"}
    assert (config.impersonate_user, config.impersonate_groups) == ("jane", ["ops", "dev"])
    assert config.timeout == 90
    token = resolve(ConnectionOptions(context="prod", token="flag-token"), env)
    assert token.user["token"] == "flag-token"
    server = resolve(ConnectionOptions(context="prod", server="https://other:1"), env)
    assert server.server == "https://other:1"


def test_insecure_flag_clears_the_kubeconfig_ca(two_files: tuple[Path, Path]) -> None:
    a, b = two_files
    env = {"KUBECONFIG": f"{a}{os.pathsep}{b}"}
    config = resolve(ConnectionOptions(context="prod", insecure_skip_tls_verify=True), env)
    assert config.insecure_skip_tls_verify
    assert config.ca_file is None


def test_unknown_context_is_one_line_like_kubectl(
    tmp_path: Path, two_files: tuple[Path, Path]
) -> None:
    a, _ = two_files
    with pytest.raises(ConfigError) as err:
        resolve(ConnectionOptions(context="nope"), {"KUBECONFIG": str(a)})
    assert str(err.value) == (
        "Error in configuration: context was not found for specified context: nope"
    )
    done = subprocess.run(
        [str(KUBECTL), "--context", "nope", "get", "pods"],
        env={"KUBECONFIG": str(a), "HOME": str(tmp_path), "KUBECACHEDIR": str(tmp_path / "c")},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert str(err.value) in done.stderr


def test_missing_explicit_kubeconfig_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file or directory"):
        resolve(ConnectionOptions(kubeconfig=str(tmp_path / "none.yaml")), {})


def test_no_kubeconfig_anywhere_says_so(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no kubeconfig found"):
        resolve(ConnectionOptions(), {"HOME": str(tmp_path)})


def test_missing_files_in_kubeconfig_list_are_skipped(two_files: tuple[Path, Path]) -> None:
    a, b = two_files
    env = {"KUBECONFIG": f"/nonexistent/x.yaml{os.pathsep}{b}"}
    assert resolve(ConnectionOptions(), env).context == "shared"


def test_server_flag_alone_needs_no_kubeconfig(tmp_path: Path) -> None:
    config = resolve(ConnectionOptions(server="http://127.0.0.1:1"), {"HOME": str(tmp_path)})
    assert (config.server, config.namespace) == ("http://127.0.0.1:1", "default")


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("0", None), ("5", 5.0), ("5s", 5.0), ("1m", 60.0), ("1h2m3s", 3723.0), ("500ms", 0.5)],
)
def test_request_timeout_accepts_kubectl_durations(text: str, seconds: float | None) -> None:
    assert parse_request_timeout(text) == seconds


@pytest.mark.parametrize("text", ["1x", "-1", "s", "5 s", "abc"])
def test_request_timeout_rejects_what_kubectl_rejects(text: str) -> None:
    with pytest.raises(ConfigError, match="Invalid timeout value"):
        parse_request_timeout(text)


def test_in_cluster_config_when_no_kubeconfig(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kubectl_stack.kube import kubeconfig as kc

    sa = tmp_path / "sa"
    sa.mkdir()
    (sa / "token").write_text("sa-token")
    (sa / "ca.crt").write_text("ca")
    (sa / "namespace").write_text("team\n")
    monkeypatch.setattr(kc, "SERVICE_ACCOUNT_DIR", sa)
    env = {
        "HOME": str(tmp_path),
        "KUBERNETES_SERVICE_HOST": "10.0.0.1",
        "KUBERNETES_SERVICE_PORT": "443",
    }
    config = resolve(ConnectionOptions(), env)
    assert config.in_cluster
    assert config.server == "https://10.0.0.1:443"
    assert config.namespace == "team"
    assert config.user == {"tokenFile": str(sa / "token")}
    assert config.ca_file == str(sa / "ca.crt")
