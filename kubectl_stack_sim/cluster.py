"""One embedded cluster: storage, clock, logs, users, faults and the controllers that run it.

The API server (:mod:`.server`) serves a :class:`Cluster`; controllers (:mod:`.controllers`)
act on it. Both run on the event loop that owns the cluster.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from .clock import Clock
from .logs import LogBook
from .store import Store


class Controller(Protocol):
    """A control loop. ``start`` registers store listeners and clock timers; nothing else
    may drive it, so a manual clock makes every controller deterministic."""

    def start(self, cluster: Cluster) -> None: ...


@dataclass
class User:
    """A kubeconfig user the API server knows. ``role`` is ``admin`` (everything) or
    ``viewer`` (get/list/watch, but not secrets); with ``namespace`` the role holds only in
    that namespace (a RoleBinding), and nothing cluster-wide is allowed."""

    name: str
    role: str = "admin"
    token: str | None = None
    # Client-certificate users authenticate by the certificate's CommonName (== name).
    cert: bool = False
    namespace: str | None = None


@dataclass
class Faults:
    """Fault injection switches read by the API server (tests and scenarios flip them)."""

    fail_requests: int = 0  # answer this many next requests with ``fail_status``
    fail_status: int = 500
    retry_after: int = 1  # seconds, with 429
    delay_seconds: float = 0.0  # added before every response
    # Watch connections: closed by Store.close_all_watches(); compaction by Store.compact().


@dataclass
class Cluster:
    clock: Clock
    store: Store
    logs: LogBook = field(default_factory=LogBook)
    users: dict[str, User] = field(default_factory=dict)
    faults: Faults = field(default_factory=Faults)
    controllers: list[Controller] = field(default_factory=list)
    started: bool = False
    # Group versions left out of discovery and not served ("autoscaling/v2": an old cluster
    # with HPAs at autoscaling/v1 only); scenario param ``hide_versions``.
    hidden_versions: frozenset[str] = frozenset()

    @classmethod
    def empty(cls, *, clock: Clock | None = None, seed: int = 0) -> Cluster:
        clock = clock or Clock()
        return cls(clock=clock, store=Store(clock, seed=seed))

    def start(self) -> None:
        """Start every controller (once)."""
        if self.started:
            return
        self.started = True
        for controller in self.controllers:
            controller.start(self)

    def advance(self, seconds: float) -> None:
        """Tests: move the manual clock, running every controller step that falls due."""
        self.clock.advance(seconds)
