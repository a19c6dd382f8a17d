"""Build the krew release archives: ``dist/kubectl-stack_v<version>_<os>_<arch>.tar.gz``.

Each archive holds ``kubectl-stack`` (a zipapp of the package and its runtime dependencies,
run by the host's python3 >= 3.10), ``kubectl_complete-stack`` (kubectl's plugin completion
hook) and ``LICENSE``.

Why one archive per platform: kubernetes >= 37 requires pydantic, whose core (pydantic-core)
is compiled and has no pure-Python fallback, so each archive carries pydantic-core's
extension module for CPython 3.10-3.14 on its os/arch. Everything else is pure Python:
  - pure wheels (py3-none-any) where PyPI has them, including aiohttp, multidict, yarl,
    frozenlist and propcache, whose compiled speed-ups are optional and which run their
    pure-Python code when the extension is absent;
  - PyYAML has no pure wheel: it is built from its sdist without libyaml (its pure mode);
  - orjson is left out: kubectl_stack.jsonutil falls back to the json module.
Versions are the venv's (what the tests ran against), except where a version needs a newer
Python than 3.10 or is a 3.10-only backport: scripts/dist-pins.txt names those.

Reproducible: the same tree and the same pinned inputs give the same bytes. Zip and tar
entries are sorted, with fixed timestamps, owners and modes, and the gzip header carries no
time or name. Downloads are cached in build/dist-cache/.

Usage: python scripts/build_dist.py [--platform linux_amd64 ...] [--out DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import email.parser
import fcntl
import gzip
import hashlib
import io
import os
import re
import struct
import subprocess
import sys
import tarfile
import tempfile
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name, parse_wheel_filename

ROOT = Path(__file__).resolve().parent.parent
# Downloads are kept here between builds (--cache picks another folder).
CACHE = ROOT / "build" / "dist-cache"
PINS_FILE = Path(__file__).resolve().parent / "dist-pins.txt"
PACKAGE = "kubectl_stack"
# Every top-level package of this tree that the archive ships (the app and its embedded cluster).
PACKAGES = (PACKAGE, "kubectl_stack_sim")

# The oldest Python the archive supports; every pinned version must accept it.
PYTHON_FLOOR = "3.10"
PYTHONS = ("3.10", "3.11", "3.12", "3.13", "3.14")

# (os, arch) as krew names them -> the wheel platform tag pip downloads compiled wheels for.
PLATFORMS: dict[str, tuple[str, str, str]] = {
    "linux_amd64": ("linux", "amd64", "manylinux_2_17_x86_64"),
    "linux_arm64": ("linux", "arm64", "manylinux_2_17_aarch64"),
    "darwin_amd64": ("darwin", "amd64", "macosx_10_12_x86_64"),
    "darwin_arm64": ("darwin", "arm64", "macosx_11_0_arm64"),
}
_MACHINES = {"amd64": "x86_64", "arm64": "aarch64"}

# Left out of the archive, with the fallback that covers for them.
OPTIONAL = {"orjson": "each package's jsonutil falls back to the standard json module"}
# Compiled and required: shipped per platform for every supported CPython.
COMPILED = {"pydantic-core"}
# No pure wheel on PyPI: built from the sdist with these variables selecting the pure mode.
FROM_SDIST: dict[str, dict[str, str]] = {"pyyaml": {"PYYAML_FORCE_LIBYAML": "0"}}

# 1980-01-01, the earliest time a zip entry can carry; used for tar entries too.
EPOCH = 315532800
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
SHEBANG = b"#!/usr/bin/env python3\n"
MAIN_SOURCE = ROOT / "plugin" / "kubectl-stack"
COMPLETE_SOURCE = ROOT / "plugin" / "kubectl_complete-stack"
BUILD_ID_LINE = 'ARCHIVE_BUILD = ""'


class BuildError(Exception):
    """Something the person running the build must fix; printed as one line."""


@dataclass(frozen=True)
class Artifact:
    platform: str
    path: Path
    sha256: str
    size: int


def read_version() -> str:
    text = (ROOT / PACKAGE / "__init__.py").read_text()
    match = re.search(r'^__version__ = "([^"]+)"', text, re.M)
    if not match:
        raise BuildError(f"no __version__ in {PACKAGE}/__init__.py")
    return match.group(1)


def project_requirements() -> list[Requirement]:
    import tomllib

    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return [Requirement(r) for r in data["project"]["dependencies"]]


def read_pins() -> dict[NormalizedName, str]:
    pins: dict[NormalizedName, str] = {}
    for line in PINS_FILE.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[canonicalize_name(name)] = version.strip()
    return pins


def target_environments() -> Iterator[dict[str, str]]:
    """Marker environments of every interpreter and platform the archives serve."""
    base = default_environment()
    for python in PYTHONS:
        for os_name, arch, _ in PLATFORMS.values():
            env: dict[str, str] = {k: str(v) for k, v in base.items()}
            env.update(
                python_version=python,
                python_full_version=f"{python}.0",
                implementation_name="cpython",
                platform_python_implementation="CPython",
                sys_platform=os_name,
                platform_system="Linux" if os_name == "linux" else "Darwin",
                platform_machine=_MACHINES[arch] if os_name == "linux" else arch,
                os_name="posix",
            )
            yield env


def applies(req: Requirement, extras: Iterable[str]) -> bool:
    if req.marker is None:
        return True
    wanted = ["", *extras]
    return any(
        req.marker.evaluate({**env, "extra": extra})
        for env in target_environments()
        for extra in wanted
    )


def pinned_version(name: NormalizedName, pins: dict[NormalizedName, str]) -> str:
    if name in pins:
        return pins[name]
    try:
        dist = metadata.distribution(name)
    except metadata.PackageNotFoundError:
        raise BuildError(
            f"{name} is needed on Python {PYTHON_FLOOR} but not installed in the venv: "
            f"pin it in {PINS_FILE.relative_to(ROOT)}"
        ) from None
    requires_python = dist.metadata.json.get("requires_python")
    if requires_python and PYTHON_FLOOR + ".0" not in SpecifierSet(str(requires_python)):
        raise BuildError(
            f"the venv's {name} {dist.version} requires Python {requires_python}: pin a "
            f"version for Python {PYTHON_FLOOR} in {PINS_FILE.relative_to(ROOT)}"
        )
    return dist.version


def pip(args: list[str], env: dict[str, str] | None = None) -> None:
    cmd = [sys.executable, "-m", "pip", *args, "-q", "--disable-pip-version-check"]
    result = subprocess.run(
        cmd, capture_output=True, text=True, env={**os.environ, **(env or {})}, check=False
    )
    if result.returncode != 0:
        detail = [line for line in result.stderr.splitlines() if line.startswith("ERROR")]
        raise BuildError(f"pip {args[0]} failed: {' / '.join(detail) or result.stderr[-500:]}")


def cached_wheels(folder: Path) -> dict[tuple[NormalizedName, str], list[Path]]:
    found: dict[tuple[NormalizedName, str], list[Path]] = {}
    if folder.is_dir():
        for path in sorted(folder.glob("*.whl")):
            name, version, _, _ = parse_wheel_filename(path.name)
            found.setdefault((name, str(version)), []).append(path)
    return found


def fetch_pure(specs: dict[NormalizedName, str], cache: Path) -> dict[NormalizedName, Path]:
    folder = cache / "pure"
    missing = [n for n in specs if (n, specs[n]) not in cached_wheels(folder)]
    wheels = [n for n in missing if n not in FROM_SDIST]
    if wheels:
        pip(
            ["download", "--no-deps", "--only-binary=:all:", "--platform", "any"]
            + ["--implementation", "py", "--abi", "none", "--python-version", PYTHON_FLOOR]
            + ["-d", str(folder)]
            + [f"{n}=={specs[n]}" for n in sorted(wheels)]
        )
    for name in (n for n in missing if n in FROM_SDIST):
        pip(
            ["wheel", "--no-deps", "--no-binary", name, "-w", str(folder)]
            + [f"{name}=={specs[name]}"],
            env=FROM_SDIST[name],
        )
    have = cached_wheels(folder)
    result: dict[NormalizedName, Path] = {}
    for name, version in specs.items():
        paths = have.get((name, version), [])
        pure = [p for p in paths if _is_pure(p)]
        if len(pure) != 1:
            raise BuildError(f"expected one pure wheel of {name} {version} in {folder}")
        result[name] = pure[0]
    return result


def _is_pure(wheel: Path) -> bool:
    tags = parse_wheel_filename(wheel.name)[3]
    return all(tag.abi == "none" and tag.platform == "any" for tag in tags)


def fetch_compiled(name: NormalizedName, version: str, platform: str, cache: Path) -> list[Path]:
    """The wheels of ``name`` for each supported CPython on ``platform``, oldest first."""
    tag = PLATFORMS[platform][2]
    folder = cache / platform
    paths = []
    for python in PYTHONS:
        abi = "cp" + python.replace(".", "")
        have = [
            p
            for p in cached_wheels(folder).get((name, version), [])
            if any(t.abi == abi for t in parse_wheel_filename(p.name)[3])
        ]
        if not have:
            pip(
                ["download", "--no-deps", "--only-binary=:all:", "--platform", tag]
                + ["--implementation", "cp", "--abi", abi, "--python-version", python]
                + ["-d", str(folder), f"{name}=={version}"]
            )
            have = [
                p
                for p in cached_wheels(folder).get((name, version), [])
                if any(t.abi == abi for t in parse_wheel_filename(p.name)[3])
            ]
        if len(have) != 1:
            raise BuildError(f"expected one {name} {version} wheel for {abi} {tag} in {folder}")
        paths.append(have[0])
    return paths


def wheel_requirements(wheel: Path) -> list[Requirement]:
    with zipfile.ZipFile(wheel) as zf:
        meta_name = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        meta = email.parser.BytesParser().parsebytes(zf.read(meta_name))
    return [Requirement(r) for r in meta.get_all("Requires-Dist") or []]


@dataclass
class Resolved:
    pure: dict[NormalizedName, Path]
    compiled: dict[str, dict[NormalizedName, list[Path]]]  # platform -> name -> wheels

    def versions(self) -> dict[NormalizedName, str]:
        out = {n: str(parse_wheel_filename(p.name)[1]) for n, p in self.pure.items()}
        for by_name in self.compiled.values():
            for n, paths in by_name.items():
                out[n] = str(parse_wheel_filename(paths[0].name)[1])
        return dict(sorted(out.items()))


def resolve(platforms: list[str], cache: Path) -> Resolved:
    """Walk the dependency graph from pyproject's dependencies, pinned, level by level."""
    pins = read_pins()
    extras: dict[NormalizedName, set[str]] = {}
    versions: dict[NormalizedName, str] = {}
    resolved = Resolved(pure={}, compiled={p: {} for p in platforms})
    level = [r for r in project_requirements() if applies(r, ())]
    while level:
        todo: dict[NormalizedName, str] = {}
        for req in level:
            name = canonicalize_name(req.name)
            if name in OPTIONAL:
                continue
            new_extras = set(req.extras) - extras.get(name, set())
            if name in versions and not new_extras:
                continue
            extras.setdefault(name, set()).update(req.extras)
            version = versions.get(name) or pinned_version(name, pins)
            if not req.specifier.contains(version, prereleases=True):
                raise BuildError(f"{name} {version} does not satisfy {req}")
            versions[name] = version
            todo[name] = version
        level = []
        pure_specs = {n: v for n, v in todo.items() if n not in COMPILED}
        for name, wheel in fetch_pure(pure_specs, cache).items():
            resolved.pure[name] = wheel
            level += _requirements_of(wheel, extras[name])
        for name in sorted(n for n in todo if n in COMPILED):
            for platform in platforms:
                wheels = fetch_compiled(name, todo[name], platform, cache)
                resolved.compiled[platform][name] = wheels
            level += _requirements_of(wheels[0], extras[name])
    return resolved


def _requirements_of(wheel: Path, extras: set[str]) -> list[Requirement]:
    reqs = []
    for req in wheel_requirements(wheel):
        if applies(req, extras):
            reqs.append(req)
    return reqs


def wheel_entries(wheel: Path, only_extensions: bool = False) -> Iterator[tuple[str, bytes]]:
    """Files a wheel installs into site-packages (``.data/purelib|platlib`` mapped to the
    root; scripts, headers and data left out), without byte-code."""
    with zipfile.ZipFile(wheel) as zf:
        for info in zf.infolist():
            name = info.filename
            if info.is_dir() or "__pycache__/" in name or name.endswith((".pyc", ".pyo")):
                continue
            parts = name.split("/")
            if parts[0].endswith(".data"):
                if len(parts) < 3 or parts[1] not in ("purelib", "platlib"):
                    continue
                name = "/".join(parts[2:])
            if only_extensions and not name.endswith((".so", ".pyd")):
                continue
            yield name, zf.read(info)


def package_entries() -> Iterator[tuple[str, bytes]]:
    paths = sorted(path for package in PACKAGES for path in (ROOT / package).rglob("*"))
    for path in paths:
        rel = path.relative_to(ROOT).as_posix()
        if path.is_dir() or "__pycache__" in path.parts or path.suffix in (".pyc", ".pyo"):
            continue
        yield rel, path.read_bytes()


def payload(resolved: Resolved, platform: str) -> dict[str, bytes]:
    entries: dict[str, bytes] = {}

    def add(name: str, data: bytes, source: str) -> None:
        if name in entries and entries[name] != data:
            raise BuildError(f"two different files for {name} (second from {source})")
        entries[name] = data

    for _, wheel in sorted(resolved.pure.items()):
        for path, data in wheel_entries(wheel):
            add(path, data, wheel.name)
    for _, wheels in sorted(resolved.compiled[platform].items()):
        # The oldest CPython's wheel gives the Python modules and metadata; the others add
        # only their extension modules, whose file names carry the interpreter's ABI tag.
        for index, wheel in enumerate(wheels):
            for path, data in wheel_entries(wheel, only_extensions=index > 0):
                add(path, data, wheel.name)
    for path, data in package_entries():
        add(path, data, "the source tree")
    return entries


# sha256 of a file -> (crc32, raw deflate stream): the platforms' payloads differ in a few
# extension modules only, so each distinct file is compressed once per build.
Deflated = dict[bytes, tuple[int, bytes]]
# 1980-01-01 00:00 in MS-DOS date and time fields.
DOS_DATE = (0 << 9) | (1 << 5) | 1
DOS_TIME = 0


def _deflate(data: bytes, memo: Deflated) -> tuple[int, bytes]:
    key = hashlib.sha256(data).digest()
    if key not in memo:
        compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
        memo[key] = (zlib.crc32(data), compressor.compress(data) + compressor.flush())
    return memo[key]


def zip_bytes(
    entries: dict[str, bytes], prefix: bytes = b"", memo: Deflated | None = None
) -> bytes:
    """``prefix`` then a zip of ``entries``: sorted, deflated, dated 1980-01-01, mode 0644,
    made on Unix. Written here rather than with :mod:`zipfile` to reuse ``memo``."""
    memo = {} if memo is None else memo
    if len(entries) >= 0xFFFF:
        raise BuildError("too many files for a zip without zip64")
    out = bytearray(prefix)
    central = bytearray()
    for name in sorted(entries):
        data = entries[name]
        crc, packed = _deflate(data, memo)
        raw = name.encode()
        flags = 0 if name.isascii() else 0x800  # UTF-8 name
        offset = len(out)
        common = (20, flags, 8, DOS_TIME, DOS_DATE, crc, len(packed), len(data), len(raw))
        out += struct.pack("<4sHHHHHLLLHH", b"PK\x03\x04", *common, 0) + raw + packed
        central += struct.pack(
            "<4sHHHHHHLLLHHHHHLL",
            b"PK\x01\x02",
            (3 << 8) | 20,
            *common,
            0,
            0,
            0,
            0,
            0o100644 << 16,
            offset,
        )
        central += raw
    start = len(out)
    out += central
    out += struct.pack(
        "<4sHHHHLLH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(central), start, 0
    )
    return bytes(out)


def zipapp(resolved: Resolved, platform: str, version: str, memo: Deflated) -> bytes:
    entries = payload(resolved, platform)
    digest = hashlib.sha256()
    for name in sorted(entries):
        digest.update(name.encode() + b"\0" + hashlib.sha256(entries[name]).digest())
    build_id = f"{version}-{platform}-{digest.hexdigest()[:16]}"
    main = MAIN_SOURCE.read_text()
    if BUILD_ID_LINE not in main:
        raise BuildError(f"{MAIN_SOURCE.relative_to(ROOT)} lacks the line {BUILD_ID_LINE!r}")
    entries["__main__.py"] = main.replace(BUILD_ID_LINE, f'ARCHIVE_BUILD = "{build_id}"').encode()
    return zip_bytes(entries, prefix=SHEBANG, memo=memo)


def tar_gz(members: list[tuple[str, bytes, int]]) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name, data, mode in sorted(members):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = EPOCH
            info.mode = mode
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(data))
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0, compresslevel=6) as gz:
        gz.write(raw.getvalue())
    return out.getvalue()


def archive_name(version: str, platform: str) -> str:
    return f"kubectl-stack_v{version}_{platform}.tar.gz"


@contextlib.contextmanager
def cache_lock(cache: Path) -> Iterator[None]:
    """Serialise builds sharing the download cache (parallel test workers, two shells)."""
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def build(platforms: list[str], out: Path, cache: Path = CACHE) -> list[Artifact]:
    """Write one archive per platform into ``out``; downloads are kept in ``cache``."""
    version = read_version()
    with cache_lock(cache):
        resolved = resolve(platforms, cache)
    license_text = (ROOT / "LICENSE").read_bytes()
    complete = COMPLETE_SOURCE.read_bytes()
    out.mkdir(parents=True, exist_ok=True)
    artifacts = []
    memo: Deflated = {}
    for platform in platforms:
        data = tar_gz(
            [
                ("kubectl-stack", zipapp(resolved, platform, version, memo), 0o755),
                ("kubectl_complete-stack", complete, 0o755),
                ("LICENSE", license_text, 0o644),
            ]
        )
        path = out / archive_name(version, platform)
        # Written beside and renamed, so a reader never sees half an archive.
        with tempfile.NamedTemporaryFile(dir=out, delete=False) as tmp:
            tmp.write(data)
        os.chmod(tmp.name, 0o644)
        os.replace(tmp.name, path)
        artifacts.append(Artifact(platform, path, hashlib.sha256(data).hexdigest(), len(data)))
    return artifacts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--platform",
        action="append",
        choices=sorted(PLATFORMS),
        help="build only this platform (repeatable; default: all)",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "dist", help="output folder")
    parser.add_argument("--cache", type=Path, default=CACHE, help="download cache folder")
    args = parser.parse_args(argv)
    try:
        artifacts = build(args.platform or list(PLATFORMS), args.out, args.cache)
    except (BuildError, OSError) as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 1
    for a in artifacts:
        print(f"{a.path}  {a.size / 1e6:.1f} MB  sha256 {a.sha256}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
