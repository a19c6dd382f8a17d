"""Findings: the broken links and problems a stack shows, shared by every model module that
reports them (stack graph, TLS, storage)."""

from __future__ import annotations

from dataclasses import dataclass

ERROR = "error"
WARN = "warning"


@dataclass(frozen=True)
class Finding:
    """A broken link worth showing."""

    severity: str  # ERROR / WARN
    kind: str  # the object the finding is about: "Service", "Ingress", ...
    name: str
    message: str  # "Service my-app has no ready endpoints (0 of 3)"
