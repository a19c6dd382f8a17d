"""Shell completion of `kubectl stack`, asked through real kubectl (`kubectl __complete stack
...`), which runs plugin/kubectl_complete-stack found on PATH."""

from __future__ import annotations

import time
from pathlib import Path

import yaml

from kubectl_stack_sim.runner import RunningSim, start_sim

from .conftest import KUBECTL, refused_url, run
from .test_plugin import plugin_env

KUBECTL_TRAILER = "Completion ended with directive:"


def complete(env: dict[str, str], *words: str) -> tuple[list[str], str]:
    """Candidates (descriptions dropped) and the directive kubectl reports; asserts that
    nothing but kubectl's own debug lines reached stderr."""
    result = run([str(KUBECTL), "__complete", "stack", *words], env)
    assert result.returncode == 0, result.stderr
    for line in result.stderr.splitlines():
        assert line.startswith(("[Debug]", KUBECTL_TRAILER)), result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1].startswith(":"), lines
    return [line.split("\t")[0] for line in lines[:-1]], lines[-1]


def env_for(tmp_path: Path, kubeconfig: Path) -> dict[str, str]:
    return {**plugin_env(tmp_path), "KUBECONFIG": str(kubeconfig)}


def offline_kubeconfig(tmp_path: Path) -> Path:
    path = tmp_path / "config"
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "far", "cluster": {"server": refused_url()}}],
        "users": [{"name": "me", "user": {"token": "t"}}],
        "contexts": [
            {"name": "prod eu", "context": {"cluster": "far", "user": "me"}},
            {"name": "staging", "context": {"cluster": "far", "user": "me"}},
        ],
        "current-context": "staging",
    }
    path.write_text(yaml.safe_dump(config))
    return path


def test_flag_names_complete_with_descriptions(tmp_path: Path) -> None:
    env = env_for(tmp_path, offline_kubeconfig(tmp_path))
    result = run([str(KUBECTL), "__complete", "stack", "--con"], env)
    assert result.stdout.splitlines() == ["--context\tthe kubeconfig context to use", ":4"]
    names, _ = complete(env, "--")
    assert {"--once", "--namespace", "--all-namespaces", "--read-only"} <= set(names)


def test_flags_already_given_are_not_offered_again(tmp_path: Path) -> None:
    env = env_for(tmp_path, offline_kubeconfig(tmp_path))
    names, _ = complete(env, "--once", "--o")
    assert "--once" not in names


def test_contexts_complete_from_the_kubeconfig(tmp_path: Path) -> None:
    env = env_for(tmp_path, offline_kubeconfig(tmp_path))
    assert complete(env, "--context", "") == (["prod eu", "staging"], ":4")
    assert complete(env, "--context=st") == (["staging"], ":4")


def test_contexts_follow_a_kubeconfig_flag_typed_before(tmp_path: Path) -> None:
    env = env_for(tmp_path, tmp_path / "absent")
    config = offline_kubeconfig(tmp_path)
    assert complete(env, "--kubeconfig", str(config), "--context", "p") == (["prod eu"], ":4")


def test_namespaces_and_stacks_complete_from_the_cluster(sim: RunningSim, tmp_path: Path) -> None:
    env = env_for(tmp_path, sim.kubeconfig)
    namespaces, directive = complete(env, "-n", "")
    assert "default" in namespaces
    assert directive == ":4"
    assert complete(env, "-n", "def") == (["default"], ":4")
    stacks, _ = complete(env, "")
    assert "my-app" in stacks
    assert complete(env, "-n", "default", "my") == (["my-app"], ":4")
    assert complete(env, "--namespace=kube-system", "my") == ([], ":4")


def test_stacks_of_every_kind_complete_as_the_stack_argument_takes_them(tmp_path: Path) -> None:
    with start_sim("helm-argo") as running:
        env = env_for(tmp_path, running.kubeconfig)
        stacks, directive = complete(env, "")
        assert {"shop-web", "sts/shop-db", "ds/log-agent"} <= set(stacks)
        assert directive == ":4"
        assert complete(env, "sts/") == (["sts/shop-db"], ":4")


def test_only_one_stack_name_is_completed(sim: RunningSim, tmp_path: Path) -> None:
    env = env_for(tmp_path, sim.kubeconfig)
    assert complete(env, "my-app", "") == ([], ":4")


def test_unreachable_cluster_gives_no_candidates_and_no_noise(tmp_path: Path) -> None:
    env = env_for(tmp_path, offline_kubeconfig(tmp_path))
    started = time.monotonic()
    assert complete(env, "-n", "") == ([], ":4")
    names, _ = complete(env, "my")
    assert names == []
    assert time.monotonic() - started < 10


def test_file_flags_fall_back_to_file_completion(tmp_path: Path) -> None:
    env = env_for(tmp_path, offline_kubeconfig(tmp_path))
    assert complete(env, "--kubeconfig", "") == ([], ":0")


def test_demo_completes_scenario_names_then_files(tmp_path: Path) -> None:
    env = env_for(tmp_path, offline_kubeconfig(tmp_path))
    assert complete(env, "--demo", "crash") == (["crashloop"], ":0")
    assert complete(env, "--demo=see") == (["seed"], ":0")
    names, _ = complete(env, "--demo", "--on")
    assert names == ["--once"]
