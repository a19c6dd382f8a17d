"""Names the way Kubernetes makes them: random suffixes, pod-template-hash, IP addresses.

Randomness always comes from the cluster's seeded ``random.Random`` (``store.rng``), so a
scenario built with the same seed produces the same names.
"""

from __future__ import annotations

import functools
import random
from typing import Any

from . import jsonutil

# k8s.io/apimachinery/pkg/util/rand: no vowels (no bad words) and no confusable 0/1/3.
ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789"

_FNV32_OFFSET = 2166136261
_FNV32_PRIME = 16777619


def random_suffix(rng: random.Random, n: int = 5) -> str:
    """``n`` characters from kube's alphabet, as ``generateName`` and utilrand.String use."""
    return "".join(rng.choice(ALPHANUMS) for _ in range(n))


def safe_encode(text: str) -> str:
    """Kube's SafeEncodeString: each byte mapped into the vowel-free alphabet."""
    return "".join(ALPHANUMS[b % len(ALPHANUMS)] for b in text.encode())


def fnv32a(data: bytes, h: int = _FNV32_OFFSET) -> int:
    for b in data:
        h = ((h ^ b) * _FNV32_PRIME) & 0xFFFFFFFF
    return h


def pod_template_hash(template: dict[str, Any], collision_count: int | None = None) -> str:
    """The ``pod-template-hash`` of a Deployment's template: FNV-32a over the template (here
    its canonical JSON without the hash label, where kube hashes the Go struct dump), then
    the collision count as 4 little-endian bytes, encoded with :func:`safe_encode`."""
    meta = dict(template.get("metadata") or {})
    labels = dict(meta.get("labels") or {})
    labels.pop("pod-template-hash", None)
    meta["labels"] = labels
    canonical = {**template, "metadata": meta}
    h = fnv32a(_canonical_bytes(canonical))
    if collision_count:
        h = fnv32a(collision_count.to_bytes(4, "little"), h)
    return safe_encode(str(h))


def _canonical_bytes(obj: Any) -> bytes:
    return jsonutil.dumps(_sorted(obj))


def _sorted(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _sorted(obj[k]) for k in sorted(obj)}
    if isinstance(obj, list):
        return [_sorted(v) for v in obj]
    return obj


def container_id(rng: random.Random) -> str:
    """A containerd container ID as kubelet reports it."""
    return "containerd://" + f"{rng.getrandbits(256):064x}"


@functools.lru_cache(maxsize=4096)
def image_ref(image: str) -> str:
    """The fully qualified reference a container runtime reports for ``image``."""
    name = image.split("@", 1)[0]
    first = name.split("/", 1)[0]
    if "/" not in name:
        name = "docker.io/library/" + name
    elif "." not in first and ":" not in first and first != "localhost":
        name = "docker.io/" + name
    last = name.rsplit("/", 1)[-1]
    if ":" not in last and "@" not in image:
        name += ":latest"
    return name


@functools.lru_cache(maxsize=4096)
def image_id(image: str) -> str:
    """``<repository>@sha256:<digest>``, the digest derived from the reference (stable)."""
    ref = image_ref(image)
    repo = ref.rsplit(":", 1)[0] if ":" in ref.rsplit("/", 1)[-1] else ref
    digest = "".join(f"{fnv32a(f'{i}{ref}'.encode()):08x}" for i in range(8))
    return f"{repo}@sha256:{digest}"
