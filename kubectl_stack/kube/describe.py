"""``kubectl describe``, printed by kubectl itself.

Describe is kubectl's own printer (pkg/describe: a describer per kind, reading events, owned
ReplicaSets, endpoints, ...): its text is what an SRE compares with, so the app runs the kubectl
that started the plugin (``KUBECTL_PLUGINS_CALLER``, which kubectl sets for plugins, else
``kubectl`` on PATH) with exactly the app's connection flags, as an asyncio subprocess: the
event loop never blocks, a cancelled caller kills it, and it is given :data:`TIMEOUT` seconds.
Its output is returned as plain text; failures become one line.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from dataclasses import dataclass

from ..options import ConnectionOptions
from . import kinds as K
from .deadline import timeout as deadline
from .kubectl import connection_flags, kubectl_binary, resource
from .store import ClusterState

TIMEOUT = 30.0
"""Seconds kubectl may take before it is killed (kubectl's own --request-timeout, when
given, bounds each of its requests)."""

_STACK_OBJECTS = (
    K.PODS,
    K.REPLICASETS,
    K.HPAS,
    K.SERVICES,
    K.INGRESSES,
    K.CONFIGMAPS,
    K.SECRETS,
    K.PVCS,
)


def described() -> dict[str, K.Kind]:
    """The kinds the app describes, by ``kind``: every workload kind of the registry and the
    other objects of a stack."""
    return {**K.WORKLOADS, **{k.kind: k for k in _STACK_OBJECTS}}


SERVICE_NAME_LABEL = "kubernetes.io/service-name"


@dataclass(frozen=True)
class Described:
    """kubectl's output (``text``), or why there is none (``error``: one line)."""

    text: str = ""
    error: str = ""


def describe_command(
    kubectl: str, options: ConnectionOptions, kind: str, namespace: str, name: str
) -> list[str]:
    """The command line that describes one object (``kind`` a key of :func:`described`)."""
    kind_ = described()[kind]
    where = ["--namespace", namespace] if kind_.namespaced else []
    return [kubectl, "describe", *connection_flags(options), *where, resource(kind_), name]


async def describe(
    options: ConnectionOptions,
    kind: str,
    namespace: str,
    name: str,
    *,
    timeout: float = TIMEOUT,
    environ: Mapping[str, str] | None = None,
) -> Described:
    """Run ``kubectl describe`` for one object; never raises for kubectl's failures."""
    if kind not in described():
        return Described(error=f"describe: {kind} is not a kind the app describes")
    kubectl = kubectl_binary(environ)
    if kubectl is None:
        return Described(error="describe needs kubectl, and none was found on PATH")
    command = describe_command(kubectl, options, kind, namespace, name)
    try:
        process = await asyncio.create_subprocess_exec(
            *command,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=None if environ is None else dict(environ),
        )
    except OSError as exc:
        return Described(error=f"could not run {kubectl}: {exc.strerror or exc}")
    try:
        async with deadline(timeout):
            out, err = await process.communicate()
    except asyncio.TimeoutError:
        await _kill(process)
        return Described(error=f"kubectl describe did not finish within {timeout:g}s")
    except asyncio.CancelledError:
        await _kill(process)
        raise
    if process.returncode != 0:
        lines = err.decode(errors="replace").strip().splitlines()
        first = lines[0] if lines else f"kubectl describe exited with {process.returncode}"
        return Described(error=first)
    return Described(text=out.decode(errors="replace"))


async def _kill(process: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError):
        process.kill()
    await process.wait()


def inputs(state: ClusterState, kind: str, namespace: str, name: str) -> tuple[str, ...]:
    """What describe's text is read from, as versions: the object's resourceVersion, those of
    the events about it and, for a Service, of its EndpointSlices (its Endpoints line).
    Describe is worth running again when this changes."""
    resource = described().get(kind)
    obj = state.get(resource.name, namespace, name) if resource else None
    if obj is None:
        return ()
    meta = obj.get("metadata") or {}
    uid = meta.get("uid")
    events = sorted(
        str((event.get("metadata") or {}).get("resourceVersion"))
        for (ns, _), event in state.objects(K.EVENTS.name).items()
        if ns == namespace and (event.get("involvedObject") or {}).get("uid") == uid
    )
    slices = sorted(
        str((eps.get("metadata") or {}).get("resourceVersion"))
        for (ns, _), eps in state.objects(K.ENDPOINTSLICES.name).items()
        if kind == "Service"
        and ns == namespace
        and ((eps.get("metadata") or {}).get("labels") or {}).get(SERVICE_NAME_LABEL) == name
    )
    return (str(meta.get("resourceVersion")), *events, *slices)
