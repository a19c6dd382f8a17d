"""krew's plugin manifest validation (krew's pkg/index/validation and the krew-index
validate-krew-manifest checks), ported to Python for the tests: structural validity, supported
and non-overlapping platforms, and a license file among what installation extracts."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping
from typing import Any

API_VERSION = "krew.googlecontainertools.github.com/v1alpha2"
KIND = "Plugin"
SAFE_NAME = re.compile(r"^[\w-]+$")
WINDOWS_FORBIDDEN = {"con", "prn", "aux", "nul"} | {f"com{i}" for i in range(1, 10)}
WINDOWS_FORBIDDEN |= {f"lpt{i}" for i in range(1, 10)}
SHA256 = re.compile(r"^[a-f0-9]{64}$")
# krew's semver: a leading "v", then major.minor.patch with optional pre-release and build.
SEMVER = re.compile(
    r"^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$"
)
SUPPORTED = [
    ("windows", "386"),
    ("windows", "amd64"),
    ("windows", "arm64"),
    ("linux", "386"),
    ("linux", "amd64"),
    ("linux", "arm"),
    ("linux", "arm64"),
    ("linux", "ppc64le"),
    ("darwin", "386"),
    ("darwin", "amd64"),
    ("darwin", "arm64"),
]
LICENSE_NAMES = {
    "license",
    "license.txt",
    "license.md",
    "licenses",
    "licenses.txt",
    "licenses.md",
    "copying",
    "copying.txt",
}


def selector_matches(selector: Mapping[str, Any], os_name: str, arch: str) -> bool:
    """metav1.LabelSelector semantics over the labels {os, arch}."""
    labels = {"os": os_name, "arch": arch}
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
        present = key in labels
        if op == "In" and not (present and labels[key] in values):
            return False
        if op == "NotIn" and present and labels[key] in values:
            return False
        if op == "Exists" and not present:
            return False
        if op == "DoesNotExist" and present:
            return False
    return True


def _platform_problems(index: int, p: Mapping[str, Any]) -> list[str]:
    where = f"spec.platforms[{index}]"
    problems = []
    if not p.get("uri"):
        problems.append(f"{where}: URI has to be set")
    sha = p.get("sha256")
    if not sha:
        problems.append(f"{where}: sha256 sum has to be set")
    elif not SHA256.match(str(sha)):
        problems.append(f"{where}: sha256 value {sha} is not valid")
    if not p.get("bin"):
        problems.append(f"{where}: bin has to be set")
    files = p.get("files") or []
    if not files:
        problems.append(f"{where}: can't have a plugin without specifying file operations")
    for op in files:
        if not op.get("from") or not op.get("to"):
            problems.append(f"{where}: file operation {op} needs from and to")
    selector = p.get("selector")
    if not selector:
        problems.append(f"{where}: nil selector is not supported")
        return problems
    labels = selector.get("matchLabels")
    exprs = selector.get("matchExpressions")
    if labels is None and not exprs:
        problems.append(f"{where}: empty selector is not supported")
    keys = list(labels or {}) + [e.get("key") for e in exprs or []]
    for key in keys:
        if key not in ("os", "arch"):
            problems.append(f'{where}: selector key "{key}" not supported')
    if labels is not None and len(labels) == 0:
        problems.append(f"{where}: matchLabels specified but empty")
    if exprs is not None and len(exprs) == 0:
        problems.append(f"{where}: matchExpressions specified but empty")
    if not any(selector_matches(selector, o, a) for o, a in SUPPORTED):
        problems.append(f"{where}: selector doesn't match any supported platform")
    return problems


def validate(manifest: Mapping[str, Any], file_name: str) -> list[str]:
    """Every reason krew (and the krew index) would reject ``manifest`` saved as
    ``file_name``; empty when it is valid."""
    problems = []
    name_from_file, ext = (file_name.rsplit(".", 1) + [""])[:2]
    if ext != "yaml":
        problems.append(f'expected manifest extension ".yaml" but found ".{ext}"')
    if manifest.get("apiVersion") != API_VERSION:
        problems.append(f"apiVersion {manifest.get('apiVersion')!r} is not supported")
    if manifest.get("kind") != KIND:
        problems.append(f"kind {manifest.get('kind')!r}, but only {KIND!r} is supported")
    if not SAFE_NAME.match(name_from_file) or name_from_file.lower() in WINDOWS_FORBIDDEN:
        problems.append(f"the plugin name {name_from_file!r} is not allowed")
    name = (manifest.get("metadata") or {}).get("name")
    if name != name_from_file:
        problems.append(f"plugin should be named {name_from_file!r}, not {name!r}")
    spec = manifest.get("spec") or {}
    short = spec.get("shortDescription")
    if not short:
        problems.append("should have a short description")
    elif "\n" in str(short).strip():
        problems.append("shortDescription must be one line")
    platforms = spec.get("platforms") or []
    if not platforms:
        problems.append("should have a platform specified")
    version = spec.get("version")
    if not version:
        problems.append("should have a version specified")
    elif not SEMVER.match(str(version)):
        problems.append(f"failed to parse plugin version {version!r} (semver with a v prefix)")
    for i, p in enumerate(platforms):
        problems += _platform_problems(i, p)
        installed = installed_files(p)
        if not any(f.rsplit("/", 1)[-1].lower() in LICENSE_NAMES for f in installed):
            problems.append(f"spec.platforms[{i}]: no LICENSE (or alike) file is installed")
    for os_name, arch in SUPPORTED:
        matching = [
            i
            for i, p in enumerate(platforms)
            if selector_matches(p.get("selector") or {}, os_name, arch)
        ]
        if len(matching) > 1:
            problems.append(f"platforms {matching} have overlapping selectors for {os_name}/{arch}")
    return problems


def installed_files(p: Mapping[str, Any], archive: list[str] | None = None) -> list[str]:
    """Paths krew's file operations put in the install folder. Without the archive's listing
    a ``from`` without wildcards stands for itself."""
    out = []
    for op in p.get("files") or []:
        src, dst = str(op.get("from", "")), str(op.get("to", "."))
        names = fnmatch.filter(archive, src) if archive is not None else [src]
        for name in names:
            base = name.rsplit("/", 1)[-1]
            out.append(base if dst in (".", "") else f"{dst.rstrip('/')}/{base}")
    return out
