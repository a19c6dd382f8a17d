"""krew-manifest.yaml passes krew's validation, and the validation catches what krew rejects."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
import yaml

from kubectl_stack import __version__

from .conftest import REPO
from .krew_rules import validate

Manifest = dict[str, Any]


def load() -> Manifest:
    data: Manifest = yaml.safe_load((REPO / "krew-manifest.yaml").read_text())
    return data


def test_manifest_passes_krew_validation_as_the_index_names_it() -> None:
    assert validate(load(), "stack.yaml") == []


def test_manifest_version_is_the_package_version_with_v() -> None:
    assert load()["spec"]["version"] == f"v{__version__}"


def test_manifest_serves_linux_and_darwin_on_amd64_and_arm64() -> None:
    labels = [p["selector"]["matchLabels"] for p in load()["spec"]["platforms"]]
    pairs = sorted((m["os"], m["arch"]) for m in labels)
    assert pairs == [
        ("darwin", "amd64"),
        ("darwin", "arm64"),
        ("linux", "amd64"),
        ("linux", "arm64"),
    ]


def test_caveats_name_the_python_requirement() -> None:
    caveats = load()["spec"]["caveats"]
    assert "python3" in caveats
    assert "3.10" in caveats


def _set(path: str, value: Any) -> Callable[[Manifest], None]:
    def change(m: Manifest) -> None:
        *parents, last = path.split(".")
        node: Any = m
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        if value is _DELETE:
            del node[last]
        elif last.isdigit():
            node[int(last)] = value
        else:
            node[last] = value

    return change


_DELETE = object()
BROKEN: list[tuple[str, Callable[[Manifest], None], str]] = [
    ("api version", _set("apiVersion", "krew.googlecontainertools.github.com/v1"), "apiVersion"),
    ("kind", _set("kind", "Plug"), "kind"),
    ("name differs from file", _set("metadata.name", "stacks"), "should be named"),
    ("no short description", _set("spec.shortDescription", ""), "short description"),
    ("two-line short description", _set("spec.shortDescription", "a\nb"), "one line"),
    ("version without v", _set("spec.version", "0.1.0"), "semver"),
    ("no platforms", _set("spec.platforms", []), "platform specified"),
    ("no uri", _set("spec.platforms.0.uri", _DELETE), "URI"),
    ("short sha256", _set("spec.platforms.0.sha256", "abc"), "sha256 value"),
    ("no bin", _set("spec.platforms.0.bin", ""), "bin has to be set"),
    ("no files", _set("spec.platforms.0.files", []), "file operations"),
    ("file op without to", _set("spec.platforms.0.files.0", {"from": "x"}), "from and to"),
    (
        "selector key",
        _set("spec.platforms.0.selector.matchLabels.distro", "debian"),
        "not supported",
    ),
    ("unsupported pair", _set("spec.platforms.0.selector.matchLabels.os", "plan9"), "supported"),
    ("overlap", _set("spec.platforms.1.selector.matchLabels.arch", "amd64"), "overlapping"),
    (
        "no license installed",
        _set("spec.platforms.0.files", [{"from": "kubectl-stack", "to": "."}]),
        "LICENSE",
    ),
]


@pytest.mark.parametrize(("what", "change", "message"), BROKEN, ids=[b[0] for b in BROKEN])
def test_validation_rejects_what_krew_rejects(
    what: str, change: Callable[[Manifest], None], message: str
) -> None:
    broken = copy.deepcopy(load())
    change(broken)
    problems = validate(broken, "stack.yaml")
    assert any(message in p for p in problems), (what, problems)


def test_validation_rejects_a_file_name_that_is_not_the_plugin_name() -> None:
    assert any("should be named" in p for p in validate(load(), "krew-manifest.yaml"))
