"""What a container does, by image: the scenario's behaviour table.

Keys are image references as written in pod specs, optionally with ``*`` wildcards
(``my-app:1.5.*``). An image no key matches runs healthy.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True)
class ImageBehaviour:
    missing: bool = False  # the registry has no such image: ErrImagePull, ImagePullBackOff
    pull_seconds: float = 2.0  # first pull on a node; later starts find it present
    start_seconds: float = 1.0  # from "Started" until the process answers probes
    readiness_status: int = 200  # HTTP status the readiness endpoint answers
    liveness_status: int = 200
    crash_after: float | None = None  # seconds running before the process exits
    exit_code: int = 1
    oom_after: float | None = None  # seconds running before the kernel OOM-kills it
    cpu_base: float = 2.0  # millicores at idle
    cpu_per_load: float = 100.0  # millicores per unit of the Deployment's load, shared
    memory_mib: float = 60.0
    log_style: str = "web"  # web | worker | none
    log_interval: float = 10.0  # seconds between log lines
    stop_seconds: float = 1.0  # how long it takes to exit on SIGTERM


HEALTHY = ImageBehaviour()
_FIELDS = {f.name for f in fields(ImageBehaviour)}


def parse_images(doc: dict[str, Any]) -> dict[str, ImageBehaviour]:
    """The ``images:`` section of a scenario. Unknown keys are an error (ValueError)."""
    table: dict[str, ImageBehaviour] = {}
    for image, spec in doc.items():
        spec = dict(spec or {})
        unknown = set(spec) - _FIELDS
        if unknown:
            raise ValueError(f"image {image!r}: unknown behaviour {sorted(unknown)}")
        table[str(image)] = ImageBehaviour(**spec)
    return table


def behaviour_of(table: dict[str, ImageBehaviour], image: str) -> ImageBehaviour:
    found = table.get(image)
    if found is not None:
        return found
    for pattern, behaviour in table.items():
        if "*" in pattern and fnmatch.fnmatchcase(image, pattern):
            return behaviour
    return HEALTHY
