"""What the command line asked for. Parsed by :mod:`kubectl_stack.cli`, read by the
connection layer (the kubectl-style flags) and by the app (the rest).

Importing this module must stay cheap: ``--help`` and ``--version`` go through it.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ConnectionOptions:
    """kubectl's global flags that choose and authenticate the cluster. ``None`` = not given."""

    kubeconfig: str | None = None
    context: str | None = None
    cluster: str | None = None
    user: str | None = None
    namespace: str | None = None
    server: str | None = None
    token: str | None = None
    as_user: str | None = None
    as_groups: list[str] = field(default_factory=list)
    certificate_authority: str | None = None
    client_certificate: str | None = None
    client_key: str | None = None
    insecure_skip_tls_verify: bool = False
    tls_server_name: str | None = None
    request_timeout: str | None = None  # kubectl's syntax: "0", "5", "5s", "1m"


@dataclass
class Options:
    """Everything ``kubectl stack`` was asked to do."""

    connection: ConnectionOptions = field(default_factory=ConnectionOptions)
    stack: str | None = None  # open this workload directly: NAME (a Deployment) or TYPE/NAME
    all_namespaces: bool = False
    selector: str | None = None
    read_only: bool = False
    demo: str | None = None  # scenario name or file; None = use the kubeconfig's cluster
    demo_speed: float = 1.0
    no_mouse: bool = False
    max_fps: int | None = None  # screen refreshes a second at most; None = the setting's
    ascii: bool = False  # draw with ASCII only (also when the terminal cannot take UTF-8)
