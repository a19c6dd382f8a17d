"""``kubectl get pods`` as the API server prints it: the embedded cluster's own port of
printPod (kubernetes pkg/printers/internalversion/printers.go), sharing nothing with the app.

The cells: NAME, READY (ready/total where restartable init containers, i.e. sidecars, count
once started), STATUS (phase or status.reason, SchedulingGated, the first unfinished init
container as ``Init:…``, then the regular containers walked last to first, ``Completed``
turned back into Running/NotReady while one still runs, Terminating/Unknown on deletion),
RESTARTS (``N (age ago)`` of the newest last termination), AGE, and for ``-o wide`` IP,
NODE, NOMINATED NODE, READINESS GATES.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..timefmt import human_duration, parse_timestamp, since

Obj = Mapping[str, Any]

# node.NodeUnreachablePodReason: the node controller's reason for pods on a lost node.
NODE_UNREACHABLE = "NodeLost"


def _map(value: Any) -> Obj:
    return value if isinstance(value, Mapping) else {}


def _maps(value: Any) -> list[Obj]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _condition_true(conditions: list[Obj], ctype: str) -> bool:
    return any(c.get("type") == ctype and c.get("status") == "True" for c in conditions)


def _sidecar(container: Obj | None) -> bool:
    """isRestartableInitContainer."""
    return container is not None and container.get("restartPolicy") == "Always"


class _Restarts:
    """Restart count and the newest ``lastState.terminated.finishedAt`` (metav1.Time order)."""

    def __init__(self) -> None:
        self.count = 0
        self.last: float | None = None

    def add(self, status: Obj) -> None:
        self.count += _int(status.get("restartCount"))
        terminated = _map(status.get("lastState")).get("terminated")
        if isinstance(terminated, Mapping):
            finished = parse_timestamp(terminated.get("finishedAt"))
            # A zero time is never "after" the running maximum; None stands for zero here.
            if finished is not None and (self.last is None or finished > self.last):
                self.last = finished


def _exit_text(prefix: str, terminated: Obj) -> str:
    signal = _int(terminated.get("signal"))
    if signal:
        return f"{prefix}Signal:{signal}"
    return f"{prefix}ExitCode:{_int(terminated.get('exitCode'))}"


def print_pod(pod: Obj, now: float) -> list[Any]:
    """printPod's wide row for ``pod`` at ``now``; never raises on a malformed pod."""
    meta = _map(pod.get("metadata"))
    spec = _map(pod.get("spec"))
    status = _map(pod.get("status"))
    conditions = _maps(status.get("conditions"))
    init_specs = _maps(spec.get("initContainers"))
    phase = _text(status.get("phase"))
    reason = _text(status.get("reason")) or phase
    if any(
        c.get("type") == "PodScheduled" and c.get("reason") == "SchedulingGated" for c in conditions
    ):
        reason = "SchedulingGated"

    by_name = {_text(c.get("name")): c for c in init_specs}
    total = len(spec.get("containers") or []) + sum(1 for c in init_specs if _sidecar(c))
    ready = 0
    all_restarts = _Restarts()
    sidecar_restarts = _Restarts()
    initializing = False
    init_count = len(spec.get("initContainers") or [])
    for index, cs in enumerate(_maps(status.get("initContainerStatuses"))):
        sidecar = _sidecar(by_name.get(_text(cs.get("name"))))
        all_restarts.add(cs)
        if sidecar:
            sidecar_restarts.add(cs)
        state = _map(cs.get("state"))
        terminated = state.get("terminated")
        waiting = state.get("waiting")
        if isinstance(terminated, Mapping) and _int(terminated.get("exitCode")) == 0:
            continue
        if sidecar and cs.get("started") is True:
            ready += cs.get("ready") is True
            continue
        if isinstance(terminated, Mapping):
            t_reason = _text(terminated.get("reason"))
            reason = f"Init:{t_reason}" if t_reason else _exit_text("Init:", terminated)
        elif isinstance(waiting, Mapping) and _text(waiting.get("reason")) not in (
            "",
            "PodInitializing",
        ):
            reason = "Init:" + _text(waiting.get("reason"))
        else:
            reason = f"Init:{index}/{init_count}"
        initializing = True
        break

    restarts = all_restarts
    if not initializing or _condition_true(conditions, "Initialized"):
        restarts = sidecar_restarts
        has_running = False
        for cs in reversed(_maps(status.get("containerStatuses"))):
            restarts.add(cs)
            state = _map(cs.get("state"))
            waiting = state.get("waiting")
            terminated = state.get("terminated")
            if isinstance(waiting, Mapping) and _text(waiting.get("reason")):
                reason = _text(waiting.get("reason"))
            elif isinstance(terminated, Mapping):
                reason = _text(terminated.get("reason")) or _exit_text("", terminated)
            elif cs.get("ready") is True and isinstance(state.get("running"), Mapping):
                has_running = True
                ready += 1
        if reason == "Completed" and has_running:
            reason = "Running" if _condition_true(conditions, "Ready") else "NotReady"

    if meta.get("deletionTimestamp") is not None:
        if status.get("reason") == NODE_UNREACHABLE:
            reason = "Unknown"
        elif phase not in ("Succeeded", "Failed"):
            reason = "Terminating"

    restarts_text = str(restarts.count)
    if restarts.count and restarts.last is not None:
        restarts_text += f" ({human_duration(now - restarts.last)} ago)"

    ips = _maps(status.get("podIPs"))
    gates = spec.get("readinessGates") or []
    gates_text = "<none>"
    if isinstance(gates, list) and gates:
        true_count = 0
        for gate in _maps(gates):
            # The first condition of the gate's type decides.
            first = next((c for c in conditions if c.get("type") == gate.get("conditionType")), {})
            true_count += first.get("status") == "True"
        gates_text = f"{true_count}/{len(gates)}"
    return [
        _text(meta.get("name")),
        f"{ready}/{total}",
        reason,
        restarts_text,
        since(meta.get("creationTimestamp"), now),
        (_text(ips[0].get("ip")) if ips else "") or "<none>",
        _text(spec.get("nodeName")) or "<none>",
        _text(status.get("nominatedNodeName")) or "<none>",
        gates_text,
    ]
