"""Pods as `kubectl get pods` prints them, plus a health class with the reason a person needs.

The columns follow kubectl's printPod (kubernetes pkg/printers/internalversion/printers.go):
init containers (including restartable "sidecar" ones), the last-to-first walk over container
statuses, Completed/NotReady, Terminating and Unknown (NodeLost), SchedulingGated,
Init:N/M, Init:ExitCode/Signal, ExitCode:/Signal:, and status.reason overrides.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kubectl_stack.model import fields as u
from kubectl_stack.model.duration import age, human_duration
from kubectl_stack.model.events import ProbeFailures

HEALTHY = "healthy"
PROGRESSING = "progressing"
WARNING = "warning"
FAILING = "failing"
TERMINATING = "terminating"
HEALTH_CLASSES = (HEALTHY, PROGRESSING, WARNING, FAILING, TERMINATING)

# Waiting/terminated reasons that mean the container will not come up by itself.
FAILING_REASONS = frozenset(
    {
        "CrashLoopBackOff",
        "ImagePullBackOff",
        "ErrImagePull",
        "ErrImageNeverPull",
        "InvalidImageName",
        "CreateContainerConfigError",
        "CreateContainerError",
        "RunContainerError",
        "PreStartHookError",
        "PostStartHookError",
        "ContainerCannotRun",
        "OOMKilled",
        "Error",
        "StartError",
    }
)

# A restart this recent makes a ready pod worth a second look.
RECENT_RESTART_SECONDS = 600.0
# Probe failures this recent count as current.
RECENT_PROBE_FAILURE_SECONDS = 300.0
# Readiness failing this many times (the default failureThreshold) is a failure, not a start-up.
READINESS_FAILURES_TO_FAIL = 3


@dataclass(frozen=True)
class PodRow:
    """One pod as `kubectl get pods -o wide` shows it, plus health."""

    name: str
    namespace: str
    uid: str
    ready: str  # READY "1/2"
    ready_containers: int
    total_containers: int
    status: str  # STATUS, exactly kubectl's
    restarts: str  # RESTARTS "3 (2m ago)"
    restart_count: int
    last_restart: float | None  # epoch seconds of the last container termination counted
    age: str  # AGE
    ip: str  # wide: IP ("<none>")
    node: str  # wide: NODE ("<none>")
    nominated_node: str  # wide: NOMINATED NODE ("<none>")
    readiness_gates: str  # wide: READINESS GATES ("<none>" or "1/2")
    phase: str
    pod_ready: bool  # the Ready condition is True
    ready_since: float | None  # lastTransitionTime of a True Ready condition
    health: str  # one of HEALTH_CLASSES
    reason: str  # why, in a person's words ('' when healthy)
    owner_uid: str  # controller ownerReference uid ('' when none)
    template_hash: str  # pod-template-hash label ('' when none)
    created: float | None

    @property
    def wide(self) -> tuple[str, ...]:
        """The cells of `kubectl get pods -o wide`, in order."""
        return (
            self.name,
            self.ready,
            self.status,
            self.restarts,
            self.age,
            self.ip,
            self.node,
            self.nominated_node,
            self.readiness_gates,
        )


def _condition(pod: Mapping[str, Any], ctype: str) -> Mapping[str, Any] | None:
    for cond in u.dicts(u.path(pod, "status", "conditions")):
        if cond.get("type") == ctype:
            return cond
    return None


def _cond_true(pod: Mapping[str, Any], ctype: str) -> bool:
    cond = _condition(pod, ctype)
    return cond is not None and cond.get("status") == "True"


def _restartable(container: Mapping[str, Any] | None) -> bool:
    return container is not None and container.get("restartPolicy") == "Always"


def _state(status: Mapping[str, Any], which: str) -> Mapping[str, Any] | None:
    value = u.path(status, "state", which)
    return value if isinstance(value, Mapping) else None


def _last_terminated(status: Mapping[str, Any]) -> Mapping[str, Any] | None:
    value = u.path(status, "lastState", "terminated")
    return value if isinstance(value, Mapping) else None


@dataclass
class _Printed:
    status: str
    ready: int
    total: int
    restarts: int
    last_restart: float | None


def _later(current: float | None, candidate: Any) -> float | None:
    t = u.ts(candidate)
    if t is None:
        return current
    return t if current is None or t > current else current


def _print_pod(pod: Mapping[str, Any]) -> _Printed:
    spec = u.d(pod.get("spec"))
    status = u.d(pod.get("status"))
    containers = u.lst(spec.get("containers"))
    init_specs = u.dicts(spec.get("initContainers"))
    restarts = 0
    sidecar_restarts = 0
    total = len(containers)
    ready = 0
    last_restart: float | None = None
    last_sidecar_restart: float | None = None

    phase = u.s(status.get("phase"))
    reason = u.s(status.get("reason")) or phase
    for cond in u.dicts(status.get("conditions")):
        if cond.get("type") == "PodScheduled" and cond.get("reason") == "SchedulingGated":
            reason = "SchedulingGated"

    init_by_name: dict[str, Mapping[str, Any]] = {}
    for c in init_specs:
        init_by_name[u.s(c.get("name"))] = c
        if _restartable(c):
            total += 1

    initializing = False
    for index, cs in enumerate(u.dicts(status.get("initContainerStatuses"))):
        restarts += u.i(cs.get("restartCount"))
        last = _last_terminated(cs)
        if last is not None:
            last_restart = _later(last_restart, last.get("finishedAt"))
        sidecar = _restartable(init_by_name.get(u.s(cs.get("name"))))
        if sidecar:
            sidecar_restarts += u.i(cs.get("restartCount"))
            if last is not None:
                last_sidecar_restart = _later(last_sidecar_restart, last.get("finishedAt"))
        terminated = _state(cs, "terminated")
        waiting = _state(cs, "waiting")
        if terminated is not None and u.i(terminated.get("exitCode")) == 0:
            continue
        if sidecar and cs.get("started") is True:
            if cs.get("ready") is True:
                ready += 1
            continue
        if terminated is not None:
            t_reason = u.s(terminated.get("reason"))
            if not t_reason:
                signal = u.i(terminated.get("signal"))
                if signal != 0:
                    reason = f"Init:Signal:{signal}"
                else:
                    reason = f"Init:ExitCode:{u.i(terminated.get('exitCode'))}"
            else:
                reason = "Init:" + t_reason
        elif (
            waiting is not None
            and u.s(waiting.get("reason"))
            and waiting.get("reason") != "PodInitializing"
        ):
            reason = "Init:" + u.s(waiting.get("reason"))
        else:
            reason = f"Init:{index}/{len(u.lst(spec.get('initContainers')))}"
        initializing = True
        break

    if not initializing or _cond_true(pod, "Initialized"):
        restarts = sidecar_restarts
        last_restart = last_sidecar_restart
        has_running = False
        for cs in reversed(u.dicts(status.get("containerStatuses"))):
            restarts += u.i(cs.get("restartCount"))
            last = _last_terminated(cs)
            if last is not None:
                last_restart = _later(last_restart, last.get("finishedAt"))
            waiting = _state(cs, "waiting")
            terminated = _state(cs, "terminated")
            if waiting is not None and u.s(waiting.get("reason")):
                reason = u.s(waiting.get("reason"))
            elif terminated is not None and u.s(terminated.get("reason")):
                reason = u.s(terminated.get("reason"))
            elif terminated is not None:
                signal = u.i(terminated.get("signal"))
                if signal != 0:
                    reason = f"Signal:{signal}"
                else:
                    reason = f"ExitCode:{u.i(terminated.get('exitCode'))}"
            elif cs.get("ready") is True and _state(cs, "running") is not None:
                has_running = True
                ready += 1
        if reason == "Completed" and has_running:
            reason = "Running" if _cond_true(pod, "Ready") else "NotReady"

    deleting = u.meta(pod).get("deletionTimestamp") is not None
    if deleting and status.get("reason") == "NodeLost":
        reason = "Unknown"
    elif deleting and phase not in ("Failed", "Succeeded"):
        reason = "Terminating"
    return _Printed(reason, ready, total, restarts, last_restart)


def _clean_message(reason: str, message: str) -> str:
    # The kubelet's back-off message names the pod too; a person needs only the container.
    m = re.match(r"^back-off (\S+) restarting failed container=(\S+) pod=\S+", message)
    if m:
        return f"back-off {m.group(1)} restarting failed container {m.group(2)}"
    return message.strip()


def _container_problem(pod: Mapping[str, Any]) -> tuple[str, str] | None:
    """The first container (init first) that is stuck failing, as (reason, text)."""
    status = u.d(pod.get("status"))
    for key in ("initContainerStatuses", "containerStatuses"):
        for cs in u.dicts(status.get(key)):
            name = u.s(cs.get("name"))
            waiting = _state(cs, "waiting")
            if waiting is not None and u.s(waiting.get("reason")) in FAILING_REASONS:
                reason = u.s(waiting.get("reason"))
                message = _clean_message(reason, u.s(waiting.get("message")))
                last = _last_terminated(cs)
                if not message and last is not None:
                    message = (
                        f"container {name} last exited {u.i(last.get('exitCode'))} "
                        f"({u.s(last.get('reason')) or 'Error'})"
                    )
                return reason, f"{reason}: {message}" if message else reason
            terminated = _state(cs, "terminated")
            if terminated is not None and u.i(terminated.get("exitCode")) != 0:
                t_reason = u.s(terminated.get("reason")) or "Error"
                detail = f"container {name} exited {u.i(terminated.get('exitCode'))}"
                msg = u.s(terminated.get("message")).strip()
                return t_reason, f"{t_reason}: {detail}" + (f" ({msg})" if msg else "")
    return None


def _recent(t: float | None, now: float, window: float) -> bool:
    return t is not None and now - t <= window


def _health(
    pod: Mapping[str, Any],
    printed: _Printed,
    failures: tuple[ProbeFailures, ...],
    now: float,
) -> tuple[str, str]:
    status = u.d(pod.get("status"))
    phase = u.s(status.get("phase"))
    if u.meta(pod).get("deletionTimestamp") is not None:
        if printed.status == "Unknown":
            return TERMINATING, "Unknown: node unreachable, pod marked for deletion"
        grace = u.opt_i(u.meta(pod).get("deletionGracePeriodSeconds"))
        suffix = f" (grace {grace}s)" if grace is not None else ""
        return TERMINATING, f"Terminating{suffix}"
    if phase == "Succeeded":
        return HEALTHY, ""
    if phase == "Failed":
        detail = u.s(status.get("message")).strip()
        return FAILING, f"{printed.status}: {detail}" if detail else printed.status
    problem = _container_problem(pod)
    if problem is not None:
        return FAILING, problem[1]
    if printed.status.startswith("Init:") and printed.status[5:].split(":")[0] in (
        "ExitCode",
        "Signal",
    ):
        return FAILING, printed.status
    pod_ready = _cond_true(pod, "Ready")
    readiness = [f for f in failures if f.probe == "Readiness"]
    liveness = [f for f in failures if f.probe in ("Liveness", "Startup")]
    if phase == "Pending" or printed.status.startswith("Init:"):
        scheduled = _condition(pod, "PodScheduled")
        if scheduled is not None and scheduled.get("status") == "False":
            why = u.s(scheduled.get("reason")) or "Unschedulable"
            msg = u.s(scheduled.get("message")).strip()
            if why == "SchedulingGated":
                return PROGRESSING, "SchedulingGated" + (f": {msg}" if msg else "")
            return WARNING, f"{why}: {msg}" if msg else why
        return PROGRESSING, printed.status
    if not pod_ready:
        for f in readiness:
            if f.count >= READINESS_FAILURES_TO_FAIL and _recent(
                f.last_seen, now, RECENT_PROBE_FAILURE_SECONDS
            ):
                return FAILING, f.summary(now)
        if readiness and _recent(readiness[0].last_seen, now, RECENT_PROBE_FAILURE_SECONDS):
            return PROGRESSING, readiness[0].summary(now)
        for f in liveness:
            if _recent(f.last_seen, now, RECENT_PROBE_FAILURE_SECONDS):
                return WARNING, f.summary(now)
        if printed.status not in ("Running", "NotReady"):
            return PROGRESSING, printed.status
        return PROGRESSING, "not ready yet"
    for f in liveness:
        if _recent(f.last_seen, now, RECENT_PROBE_FAILURE_SECONDS):
            return WARNING, f.summary(now)
    if (
        printed.restarts
        and printed.last_restart is not None
        and _recent(printed.last_restart, now, RECENT_RESTART_SECONDS)
    ):
        why = _last_restart_reason(status)
        when = human_duration(now - printed.last_restart)
        return WARNING, f"restarted {when} ago" + (f" ({why})" if why else "")
    return HEALTHY, ""


def _last_restart_reason(status: Mapping[str, Any]) -> str:
    best: tuple[float, str] | None = None
    for key in ("initContainerStatuses", "containerStatuses"):
        for cs in u.dicts(status.get(key)):
            last = _last_terminated(cs)
            if last is None:
                continue
            t = u.ts(last.get("finishedAt"))
            if t is None:
                continue
            text = f"{u.s(last.get('reason')) or 'Error'}, exit {u.i(last.get('exitCode'))}"
            if best is None or t > best[0]:
                best = (t, text)
    return best[1] if best else ""


def pod_row(pod: Any, now: float, failures: tuple[ProbeFailures, ...] = ()) -> PodRow:
    """A pod dict as kubectl prints it, with health. `failures` are the pod's Unhealthy event
    aggregates (events.unhealthy_by_pod / failures_for); without them probe failures are not
    explained. Never raises."""
    p = u.d(pod)
    if not isinstance(failures, tuple):
        failures = ()
    failures = tuple(f for f in failures if isinstance(f, ProbeFailures))
    printed = _print_pod(p)
    spec = u.d(p.get("spec"))
    status = u.d(p.get("status"))
    restarts_text = str(printed.restarts)
    if printed.restarts != 0 and printed.last_restart is not None:
        restarts_text = f"{printed.restarts} ({human_duration(now - printed.last_restart)} ago)"
    ips = u.dicts(status.get("podIPs"))
    ip = u.s(ips[0].get("ip")) if ips else ""
    gates = u.dicts(spec.get("readinessGates"))
    gates_text = "<none>"
    if u.lst(spec.get("readinessGates")):
        true_count = 0
        for gate in gates:
            cond = _condition(p, u.s(gate.get("conditionType")))
            if cond is not None and cond.get("status") == "True":
                true_count += 1
        gates_text = f"{true_count}/{len(u.lst(spec.get('readinessGates')))}"
    ready_cond = _condition(p, "Ready")
    pod_ready = ready_cond is not None and ready_cond.get("status") == "True"
    health, reason = _health(p, printed, failures, now)
    created = u.meta(p).get("creationTimestamp")
    return PodRow(
        name=u.name(p),
        namespace=u.namespace(p),
        uid=u.uid(p),
        ready=f"{printed.ready}/{printed.total}",
        ready_containers=printed.ready,
        total_containers=printed.total,
        status=printed.status,
        restarts=restarts_text,
        restart_count=printed.restarts,
        last_restart=printed.last_restart,
        age=age(created, now),
        ip=ip or "<none>",
        node=u.s(spec.get("nodeName")) or "<none>",
        nominated_node=u.s(status.get("nominatedNodeName")) or "<none>",
        readiness_gates=gates_text,
        phase=u.s(status.get("phase")),
        pod_ready=pod_ready,
        ready_since=u.ts(ready_cond.get("lastTransitionTime"))
        if pod_ready and ready_cond is not None
        else None,
        health=health,
        reason=reason,
        owner_uid=u.controller_uid(p),
        template_hash=u.labels(p).get("pod-template-hash", ""),
        created=u.ts(created),
    )
