"""Point krew-manifest.yaml at the archives `make dist` built.

Sets spec.version to ``v<kubectl_stack.__version__>`` and, for each platform, ``uri`` (the
release download under the homepage) and ``sha256`` (of the archive in dist/ for that
platform's os/arch). Only those lines change: comments and layout are kept.

Usage: python scripts/update_krew_manifest.py [--manifest PATH] [--dist DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_dist import ROOT, archive_name, read_version  # noqa: E402


class UpdateError(Exception):
    """A manifest or dist folder this script cannot work with; printed as one line."""


def _replace_nth(lines: list[str], key: str, values: list[str]) -> None:
    pattern = re.compile(rf"^(\s*(?:- )?){re.escape(key)}:\s*\S*\s*$")
    hits = [i for i, line in enumerate(lines) if pattern.match(line)]
    if len(hits) != len(values):
        raise UpdateError(f"expected one {key}: line per platform, found {len(hits)}")
    for i, value in zip(hits, values, strict=True):
        match = pattern.match(lines[i])
        assert match is not None
        lines[i] = f"{match.group(1)}{key}: {value}\n"


def update(manifest: Path, dist: Path) -> list[tuple[str, str]]:
    """Rewrite ``manifest`` in place; returns (archive name, sha256) per platform."""
    text = manifest.read_text()
    data = yaml.safe_load(text)
    version = read_version()
    spec = data["spec"]
    base = spec["homepage"].rstrip("/") + f"/releases/download/v{version}"
    uris, sums, done = [], [], []
    for platform in spec["platforms"]:
        labels = platform["selector"]["matchLabels"]
        name = archive_name(version, f"{labels['os']}_{labels['arch']}")
        archive = dist / name
        if not archive.is_file():
            raise UpdateError(f"{archive} is missing: run `make dist` first")
        digest = hashlib.sha256(archive.read_bytes()).hexdigest()
        uris.append(f"{base}/{name}")
        sums.append(digest)
        done.append((name, digest))
    lines = text.splitlines(keepends=True)
    _replace_nth(lines, "version", [f"v{version}"])
    _replace_nth(lines, "uri", uris)
    _replace_nth(lines, "sha256", sums)
    manifest.write_text("".join(lines))
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--manifest", type=Path, default=ROOT / "krew-manifest.yaml")
    parser.add_argument("--dist", type=Path, default=ROOT / "dist")
    args = parser.parse_args(argv)
    try:
        for name, digest in update(args.manifest, args.dist):
            print(f"{args.manifest.name}: {name} sha256 {digest}")
    except (UpdateError, OSError, yaml.YAMLError) as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
