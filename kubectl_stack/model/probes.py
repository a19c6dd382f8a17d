"""Probes per container, in `kubectl describe pod`'s words, with their current outcome.

Configuration strings follow kubectl's DescribeProbe (kubectl 1.37 prints
`successThreshold=1 failureThreshold=3`; older releases printed `#success=1 #failure=3`).
Outcomes come from the container statuses, the pod's Ready condition and Unhealthy events.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kubectl_stack.model import fields as u
from kubectl_stack.model.duration import clock, human_duration
from kubectl_stack.model.events import ProbeFailures
from kubectl_stack.model.sidecars import sidecar_readiness
from kubectl_stack.model.storage import pod_volume_reason


def _port_text(port: Any) -> str:
    """intstr.IntOrString.String(): the number, or the named port."""
    if isinstance(port, bool):
        return ""
    if isinstance(port, int):
        return str(port)
    return u.s(port)


def _join_host_port(host: str, port: str) -> str:
    # net.JoinHostPort brackets IPv6 literals.
    if ":" in host:
        return f"[{host}]:{port}"
    return f"{host}:{port}"


def describe_probe(probe: Any) -> str:
    """kubectl describe's one-line probe, e.g.
    `http-get http://:3000/health delay=5s timeout=1s period=10s successThreshold=1
    failureThreshold=3`; '' when `probe` is not a mapping."""
    if not isinstance(probe, Mapping):
        return ""
    attrs = (
        f"delay={u.i(probe.get('initialDelaySeconds'))}s "
        f"timeout={u.i(probe.get('timeoutSeconds'))}s "
        f"period={u.i(probe.get('periodSeconds'))}s "
        f"successThreshold={u.i(probe.get('successThreshold'))} "
        f"failureThreshold={u.i(probe.get('failureThreshold'))}"
    )
    exec_ = probe.get("exec")
    http = probe.get("httpGet")
    tcp = probe.get("tcpSocket")
    grpc = probe.get("grpc")
    if isinstance(exec_, Mapping):
        command = " ".join(str(c) for c in u.lst(exec_.get("command")))
        return f"exec [{command}] {attrs}"
    if isinstance(http, Mapping):
        scheme = u.s(http.get("scheme")).lower()
        host = u.s(http.get("host"))
        port = _port_text(http.get("port"))
        netloc = _join_host_port(host, port) if port else host
        path = u.s(http.get("path"))
        url = f"{scheme}:" if scheme else ""
        if scheme or netloc:
            url += "//" + netloc
        if path and not path.startswith("/") and netloc:
            url += "/"
        url += path
        return f"http-get {url} {attrs}"
    if isinstance(tcp, Mapping):
        return f"tcp-socket {u.s(tcp.get('host'))}:{_port_text(tcp.get('port'))} {attrs}"
    if isinstance(grpc, Mapping):
        return f"grpc <pod>:{u.i(grpc.get('port'))} {u.s(grpc.get('service'))} {attrs}"
    return f"unknown {attrs}"


_STATUS_CODE = re.compile(r"statuscode: (\d{3})")


def short_failure(message: str) -> str:
    """The gist of a probe failure for a narrow column: "503", "connection refused", ..."""
    if not isinstance(message, str):
        return ""
    code = _STATUS_CODE.search(message)
    if code:
        return code.group(1)
    text = re.sub(r"^(Readiness|Liveness|Startup) probe (failed|errored):\s*", "", message)
    for marker in ("connection refused", "context deadline exceeded", "timeout"):
        if marker in text:
            return marker
    return text[:40]


@dataclass(frozen=True)
class ContainerProbes:
    """One container's probes and how they are doing."""

    container: str
    readiness: str  # describe_probe text, '' when no probe
    liveness: str
    startup: str
    ready: bool  # containerStatuses[].ready
    started: bool | None  # containerStatuses[].started (None when not reported)
    ready_since: float | None  # the pod's Ready condition lastTransitionTime, when ready
    ready_for: str  # "1m 40s" since ready_since ('' when not ready)
    failure_count: int  # Unhealthy events for this container (all probe kinds)
    last_failure: str  # the latest failure message ('' when none)
    last_failure_at: float | None
    summary: str  # "✓ ready 1m 40s" / "✗ 503 ×6, 4s ago" / "◐ starting" / "—"


def container_probes(
    pod: Any, now: float, failures: tuple[ProbeFailures, ...] = ()
) -> tuple[ContainerProbes, ...]:
    """Probes of each app container of a pod (init containers are not probed for readiness
    except sidecars, which are included when they declare probes)."""
    p = u.d(pod)
    spec = u.d(p.get("spec"))
    status = u.d(p.get("status"))
    if not isinstance(failures, tuple):
        failures = ()
    statuses = {
        u.s(cs.get("name")): cs
        for key in ("initContainerStatuses", "containerStatuses")
        for cs in u.dicts(status.get(key))
    }
    ready_since: float | None = None
    for cond in u.dicts(status.get("conditions")):
        if cond.get("type") == "Ready" and cond.get("status") == "True":
            ready_since = u.ts(cond.get("lastTransitionTime"))
    containers = [
        c
        for c in u.dicts(spec.get("initContainers"))
        if c.get("restartPolicy") == "Always"
        and any(k in c for k in ("readinessProbe", "livenessProbe", "startupProbe"))
    ] + u.dicts(spec.get("containers"))
    out: list[ContainerProbes] = []
    for c in containers:
        cname = u.s(c.get("name"))
        cs = u.d(statuses.get(cname))
        mine = [
            f
            for f in failures
            if isinstance(f, ProbeFailures) and (f.container == cname or not f.container)
        ]
        count = sum(f.count for f in mine)
        latest = max(mine, key=lambda f: f.last_seen or 0.0) if mine else None
        ready = cs.get("ready") is True
        started = cs.get("started") if isinstance(cs.get("started"), bool) else None
        since = ready_since if ready else None
        ready_for = clock(now - since) if since is not None else ""
        has_readiness = isinstance(c.get("readinessProbe"), Mapping)
        readiness_failures = [f for f in mine if f.probe == "Readiness"]
        if ready:
            summary = f"✓ ready {ready_for}" if ready_for else "✓ ready"
        elif readiness_failures:
            f = max(readiness_failures, key=lambda x: x.last_seen or 0.0)
            ago = f", {human_duration(now - f.last_seen)} ago" if f.last_seen is not None else ""
            summary = f"✗ {short_failure(f.last_message)} ×{f.count}{ago}"
        elif has_readiness or cs:
            summary = "◐ starting"
        else:
            summary = "—"
        out.append(
            ContainerProbes(
                container=cname,
                readiness=describe_probe(c.get("readinessProbe")),
                liveness=describe_probe(c.get("livenessProbe")),
                startup=describe_probe(c.get("startupProbe")),
                ready=ready,
                started=started,
                ready_since=since,
                ready_for=ready_for,
                failure_count=count,
                last_failure=latest.last_message if latest else "",
                last_failure_at=latest.last_seen if latest else None,
                summary=summary,
            )
        )
    return tuple(out)


@dataclass(frozen=True)
class PodReadiness:
    """A pod's READINESS cell: one verdict, never a ready mark next to a failing one."""

    text: str  # "✓ ready 1m 40s" / "✗ istio-proxy 503 ×6, 4s ago; app ready" / "—"
    failing: bool  # a failed readiness probe or a volume keeps the pod from being ready


def pod_readiness(
    pod: Any,
    now: float,
    failures: tuple[ProbeFailures, ...] = (),
    claims: Sequence[Any] = (),
) -> PodReadiness:
    """The pod's readiness in one verdict. A Ready pod reads "✓ ready" and since when. A pod
    that is not Ready lists only what holds it: each container that is not ready (named when
    the pod has several: "✗ istio-proxy 503 ×6, 4s ago", "◐ app starting"), a volume it waits
    for, and which side of a sidecar pod is ready ("app ready") so that 1/2 reads at once;
    with every container ready but the pod not (readiness gates), it says so."""
    p = u.d(pod)
    ready_since = None
    pod_ready = False
    for cond in u.dicts(u.path(p, "status", "conditions")):
        if cond.get("type") == "Ready" and cond.get("status") == "True":
            pod_ready = True
            ready_since = u.ts(cond.get("lastTransitionTime"))
    volume = pod_volume_reason(p, claims)
    if pod_ready and not volume:
        return PodReadiness(
            f"✓ ready {clock(now - ready_since)}" if ready_since else "✓ ready", False
        )
    probes = container_probes(p, now, failures)
    named = len(probes) > 1
    notes: list[str] = []
    for c in probes:
        if c.ready or c.summary == "—":
            continue
        symbol, _, rest = c.summary.partition(" ")
        notes.append(f"{symbol} {c.container} {rest}" if named else c.summary)
    if volume:
        notes.append(volume)
    sidecars = sidecar_readiness(p)
    if sidecars.has_sidecars and notes:
        if sidecars.app_total and sidecars.app_ready == sidecars.app_total:
            notes.append("app ready")
        elif sidecars.sidecar_ready == sidecars.sidecar_total:
            notes.append("sidecars ready")
    if not notes and probes and all(c.ready for c in probes):
        notes.append("◐ containers ready, pod not Ready")
    failing = bool(volume) or any(n.startswith("✗") for n in notes)
    return PodReadiness("; ".join(notes) or "—", failing)
