"""The krew archives: reproducible, described by the manifest, and working once installed the
way krew installs them on a host that has only python3 and kubectl."""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from kubectl_stack import __version__

from .conftest import (
    PLATFORMS,
    SimProcess,
    archive_for,
    bare_bin,
    build_dist,
    host_platform,
    run,
)
from .krew_rules import installed_files, validate

StartSim = Callable[..., SimProcess]

# Building every platform's archive takes a while: over a minute when the download cache is
# empty, as in a fresh clone.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


def manifest_platform(manifest: dict[str, Any], platform_name: str) -> dict[str, Any]:
    os_name, arch = platform_name.split("_")
    for p in manifest["spec"]["platforms"]:
        if p["selector"]["matchLabels"] == {"os": os_name, "arch": arch}:
            return dict(p)
    raise AssertionError(f"no platform {platform_name} in the manifest")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def krew_install(archive: Path, platform_spec: dict[str, Any], root: Path) -> Path:
    """What `kubectl krew install` does: unpack into a fresh folder, move the manifest's
    files into the install folder, link ``bin`` as kubectl-stack. Returns the bin folder."""
    download = root / "download"
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        # The "data" filter is what Python 3.14 applies by default; older ones lack it.
        safe: dict[str, Any] = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        tar.extractall(download, **safe)
    install = root / "store" / "stack" / f"v{__version__}"
    install.mkdir(parents=True)
    for path in installed_files(platform_spec, names):
        (install / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.move(download / Path(path).name, install / path)
    bin_dir = root / "bin"
    bin_dir.mkdir()
    (bin_dir / "kubectl-stack").symlink_to(install / platform_spec["bin"])
    return bin_dir


@pytest.fixture(scope="module")
def krew_host(
    dist_dir: Path, source_tree: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, str]]:
    """The host platform's archive installed as krew would; the environment of a host with
    nothing but python3, kubectl and krew's bin folder on PATH."""
    root = tmp_path_factory.mktemp("krew")
    manifest = yaml.safe_load((source_tree / "krew-manifest.yaml").read_text())
    platform_name = host_platform()
    if platform_name not in PLATFORMS:
        pytest.skip(f"no archive for {platform_name}")
    bin_dir = krew_install(
        archive_for(dist_dir, platform_name), manifest_platform(manifest, platform_name), root
    )
    bare_bin(bin_dir)
    # What an older version left in the cache, and a file of the user's.
    cache = root / "cache" / "kubectl-stack"
    (cache / "0.0.9-linux_amd64-0123456789abcdef").mkdir(parents=True)
    (cache / "notes").mkdir()
    yield {
        "PATH": str(bin_dir),
        "HOME": str(root),
        "XDG_CACHE_HOME": str(root / "cache"),
        "KUBECACHEDIR": str(root / "kube-cache"),
        "KUBECONFIG": str(root / "no-kubeconfig"),
    }


def test_installed_archive_answers_version_through_kubectl(krew_host: dict[str, str]) -> None:
    result = run(["kubectl", "stack", "--version"], krew_host)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"kubectl-stack {__version__}\n"


def test_first_run_unpacks_into_the_cache_replacing_older_builds(
    krew_host: dict[str, str],
) -> None:
    assert run(["kubectl", "stack", "--version"], krew_host).returncode == 0
    cache = Path(krew_host["XDG_CACHE_HOME"]) / "kubectl-stack"
    entries = sorted(p.name for p in cache.iterdir())
    assert len(entries) == 2
    assert entries[0].startswith(f"{__version__}-{host_platform()}-")
    assert entries[1] == "notes"
    assert (cache / entries[0] / "kubectl_stack" / "cli.py").is_file()


def test_installed_archive_is_listed_by_kubectl_without_warnings(
    krew_host: dict[str, str],
) -> None:
    result = run(["kubectl", "plugin", "list"], krew_host)
    assert result.returncode == 0, result.stderr
    assert "kubectl-stack" in result.stdout
    assert "warning" not in (result.stdout + result.stderr).lower()


def test_installed_archive_smoke_once_against_its_own_sim(
    krew_host: dict[str, str], start_sim_process: StartSim, tmp_path: Path
) -> None:
    sim = start_sim_process(
        ["kubectl", "stack", "sim", "--port", "0", "--kubeconfig-out", str(tmp_path / "kc")],
        krew_host,
    )
    env = {**krew_host, "KUBECONFIG": str(sim.kubeconfig)}
    result = run(["kubectl", "stack", "--once"], env)
    assert result.returncode == 0, result.stderr
    header, *rows = result.stdout.splitlines()
    assert header.split()[:3] == ["NAME", "ROLLOUT", "READY"]
    assert any(row.split()[0] == "my-app" for row in rows), result.stdout


def test_installed_archive_completion_helper_works_as_the_caveats_say(
    krew_host: dict[str, str], tmp_path: Path
) -> None:
    bin_dir = Path(krew_host["PATH"])
    store = Path(krew_host["HOME"]) / "store" / "stack" / f"v{__version__}"
    helper = bin_dir / "kubectl_complete-stack"
    shutil.copy(store / "kubectl_complete-stack", helper)
    try:
        result = run(["kubectl", "__complete", "stack", "--all"], krew_host)
    finally:
        helper.unlink()
    assert result.stdout.splitlines() == ["--all-namespaces\tshow stacks in all namespaces", ":4"]


def test_archive_holds_plugin_completion_helper_and_license_with_fixed_metadata(
    dist_dir: Path,
) -> None:
    archive = archive_for(dist_dir, "linux_amd64")
    with tarfile.open(archive) as tar:
        members = tar.getmembers()
        app = tar.extractfile("kubectl-stack")
        assert app is not None
        app_bytes = app.read()
    assert [(m.name, m.mode, m.uid, m.gid, m.mtime) for m in members] == [
        ("LICENSE", 0o644, 0, 0, 315532800),
        ("kubectl-stack", 0o755, 0, 0, 315532800),
        ("kubectl_complete-stack", 0o755, 0, 0, 315532800),
    ]
    assert app_bytes.startswith(b"#!/usr/bin/env python3\n")
    with zipfile.ZipFile(io.BytesIO(app_bytes)) as zf:
        names = zf.namelist()
    assert names[0] == "__main__.py"
    assert not [n for n in names if n.endswith(".pyc") or n.startswith("orjson")]
    # pydantic-core is compiled and required (kubernetes >= 37): one module per CPython.
    cores = sorted(n.split(".")[1] for n in names if n.startswith("pydantic_core/_pydantic_core."))
    assert cores == [f"cpython-3{v}-x86_64-linux-gnu" for v in (10, 11, 12, 13, 14)]
    # Packages with optional speed-ups ship as their pure-Python code.
    for package in ("aiohttp", "multidict", "yarl", "frozenlist", "propcache", "yaml"):
        assert not [n for n in names if n.startswith(f"{package}/") and n.endswith(".so")]


def test_building_again_gives_the_same_bytes(
    dist_dir: Path, source_tree: Path, tmp_path: Path
) -> None:
    result = build_dist(source_tree, tmp_path, "linux_amd64")
    assert result.returncode == 0, result.stderr
    again = archive_for(tmp_path, "linux_amd64")
    assert sha256(again) == sha256(archive_for(dist_dir, "linux_amd64"))


def test_manifest_after_make_dist_names_each_archive_and_its_sha256(
    dist_dir: Path, source_tree: Path, tmp_path: Path
) -> None:
    manifest = tmp_path / "stack.yaml"
    shutil.copy(source_tree / "krew-manifest.yaml", manifest)
    result = subprocess.run(
        [sys.executable, str(source_tree / "scripts" / "update_krew_manifest.py")]
        + ["--manifest", str(manifest), "--dist", str(dist_dir)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    updated = yaml.safe_load(manifest.read_text())
    assert validate(updated, "stack.yaml") == []
    assert updated["spec"]["version"] == f"v{__version__}"
    for platform_name in PLATFORMS:
        spec = manifest_platform(updated, platform_name)
        archive = archive_for(dist_dir, platform_name)
        assert spec["sha256"] == sha256(archive)
        assert spec["uri"].endswith(f"/v{__version__}/{archive.name}")
    # Only version, uri and sha256 lines change: comments and layout stay.
    before = (source_tree / "krew-manifest.yaml").read_text().splitlines()
    after = manifest.read_text().splitlines()
    changed = [b for b, a in zip(before, after, strict=True) if a != b]
    assert all(line.strip().startswith(("uri:", "sha256:", "version:")) for line in changed)
