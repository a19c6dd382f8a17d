"""Log lines a simulated container prints, by style."""

from __future__ import annotations

import random
from datetime import datetime, timezone

_PATHS = ("/", "/health", "/api/items", "/api/orders", "/api/users/42", "/static/app.js")
_JOBS = ("sync-inventory", "send-emails", "rebuild-index", "expire-sessions")


def log_lines(
    style: str, container: str, now: float, seq: int, rng: random.Random, health: int = 200
) -> list[str]:
    """The lines a container of ``style`` (web, worker, none) prints at ``now``: start-up
    lines when ``seq`` is 0, else one line of steady work. ``health`` is the status its
    /health endpoint answers (what its readiness probe sees)."""
    if style == "none":
        return []
    stamp = datetime.fromtimestamp(now, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
    if seq == 0:
        if style == "worker":
            return [f"{stamp}Z INFO worker {container} starting", f"{stamp}Z INFO queue connected"]
        return [
            f"{stamp}Z INFO starting {container}",
            f"{stamp}Z INFO config loaded",
            f"{stamp}Z INFO listening on :3000",
        ]
    if style == "worker":
        job = _JOBS[seq % len(_JOBS)]
        return [f"{stamp}Z INFO job {job} done in {rng.randint(20, 900)}ms"]
    path = _PATHS[rng.randrange(len(_PATHS))]
    code = 200 if rng.random() > 0.02 else 500
    if path == "/health":
        code = health
    level = "INFO" if code < 400 else "ERROR"
    return [f'{stamp}Z {level} "GET {path} HTTP/1.1" {code} {rng.randint(1, 120)}ms']
