"""Reading kubectl's printed tables column by column."""

from __future__ import annotations

import re
import subprocess
from typing import Any

AGE = re.compile(r"^(\d+s|\d+m\d*s?|\d+h\d*m?|\d+d\d*h?|\d+y\d*d?)$")


def ok(result: subprocess.CompletedProcess[str]) -> str:
    """stdout of a kubectl run that must have succeeded (stderr in the failure message)."""
    assert result.returncode == 0, result.stderr
    return result.stdout


def table(text: str) -> list[dict[str, str]]:
    """kubectl's column-aligned output as rows keyed by header (cells split on the header's
    column starts, as kubectl pads every column to its widest cell plus three spaces)."""
    lines = [line for line in text.splitlines() if line.strip()]
    header = lines[0]
    starts = [m.start() for m in re.finditer(r"(?:(?<=\s{3})|^)\S", header)]
    names = [header[s:e].strip() for s, e in zip(starts, [*starts[1:], None], strict=True)]
    rows = []
    for line in lines[1:]:
        cells = [line[s:e].strip() for s, e in zip(starts, [*starts[1:], None], strict=True)]
        rows.append(dict(zip(names, cells, strict=True)))
    return rows


def header(text: str) -> list[str]:
    return re.split(r"\s{3,}", text.splitlines()[0].strip())


def store_put(sim: Any, gr: str, obj: dict[str, Any]) -> None:
    """Put an object into the cluster exactly as given (status included): the state whose
    printing a test checks, as if controllers had produced it."""
    sim.call(sim.cluster.store.create, gr, obj)
