"""``pods/log``: container logs with every parameter kubectl sends, and the kubelet's own error
messages for the cases where there is nothing to show."""

from __future__ import annotations

import contextlib
import math
from datetime import datetime, timezone
from typing import Any

from aiohttp import web

from ..logs import LogLine
from ..timefmt import parse_timestamp
from .errors import ApiError, bad_request
from .handlers import Registry, Target

Obj = dict[str, Any]


def rfc3339nano(when: float) -> str:
    """Go's time.RFC3339Nano, as kubelet prefixes lines with ``timestamps=true``."""
    whole = int(when)
    nanos = int(round((when - whole) * 1e9))
    if nanos >= 1_000_000_000:
        whole, nanos = whole + 1, nanos - 1_000_000_000
    base = datetime.fromtimestamp(whole, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    frac = f"{nanos:09d}".rstrip("0")
    return f"{base}.{frac}Z" if frac else f"{base}Z"


def choose_container(pod: Obj, requested: str) -> str:
    name = pod["metadata"]["name"]
    spec = pod.get("spec") or {}
    containers = [c.get("name") for c in spec.get("containers") or []]
    inits = [c.get("name") for c in spec.get("initContainers") or []]
    if not requested:
        if len(containers) == 1:
            return str(containers[0])
        message = (
            f"a container name must be specified for pod {name}, "
            f"choose one of: [{' '.join(map(str, containers))}]"
        )
        if inits:
            message += f" or one of the init containers: [{' '.join(map(str, inits))}]"
        raise bad_request(message)
    if requested not in containers and requested not in inits:
        raise bad_request(f"container {requested} is not valid for pod {name}")
    return requested


def _instance(pod: Obj, container: str, previous: bool) -> int:
    """Which container instance (restartCount) to read, or the kubelet's refusal."""
    name = pod["metadata"]["name"]
    if not (pod.get("spec") or {}).get("nodeName"):
        raise bad_request(f"pod {name} does not have a host assigned")
    status = pod.get("status") or {}
    statuses = (status.get("containerStatuses") or []) + (status.get("initContainerStatuses") or [])
    cs = next((s for s in statuses if s.get("name") == container), None)
    if cs is None:
        raise bad_request(
            f'container "{container}" in pod "{name}" is waiting to start: ContainerCreating'
        )
    restarts = int(cs.get("restartCount") or 0)
    state = cs.get("state") or {}
    last = (cs.get("lastState") or {}).get("terminated")
    if previous:
        if last is None:
            raise bad_request(
                f'previous terminated container "{container}" in pod "{name}" not found'
            )
        return restarts - 1
    if state.get("running") is not None or state.get("terminated") is not None:
        return restarts
    if last is not None:
        return restarts - 1
    waiting = state.get("waiting") or {}
    reason = waiting.get("reason", "")
    if reason == "ErrImagePull":
        detail = "image can't be pulled"
    elif reason == "ImagePullBackOff":
        detail = "trying and failing to pull image"
    elif reason:
        detail = reason
    else:
        raise bad_request(
            f'container "{container}" in pod "{name}" is waiting to start - no logs yet'
        )
    raise bad_request(f'container "{container}" in pod "{name}" is waiting to start: {detail}')


def _int(params: dict[str, str], key: str) -> int | None:
    value = params.get(key)
    if value in (None, ""):
        return None
    try:
        number = int(str(value))
    except ValueError:
        raise bad_request(f"invalid value for {key}: {value!r}") from None
    if number < 0 or (key in ("sinceSeconds", "limitBytes") and number == 0):
        raise ApiError(
            422,
            f'PodLogOptions "" is invalid: {key}: Invalid value: {number}: must be greater than 0',
        )
    return number


async def serve_logs(
    request: web.Request, registry: Registry, target: Target, params: dict[str, str]
) -> web.StreamResponse:
    pod = registry.get(target)
    container = choose_container(pod, params.get("container", ""))
    previous = params.get("previous") in ("1", "true", "True")
    follow = params.get("follow") in ("1", "true", "True")
    stamps = params.get("timestamps") in ("1", "true", "True")
    tail = _int(params, "tailLines")
    since_seconds = _int(params, "sinceSeconds")
    limit = _int(params, "limitBytes")
    since: float | None = None
    if since_seconds is not None:
        since = registry.now() - since_seconds
    if params.get("sinceTime"):
        since = parse_timestamp(params["sinceTime"])
        if since is None:
            raise bad_request(f"invalid sinceTime: {params['sinceTime']}")
        # The API server passes sinceTime on to the kubelet as time.RFC3339, whole seconds
        # (pkg/registry/core/pod LogLocation): every line of that second is sent.
        since = float(math.floor(since))
    instance = _instance(pod, container, previous)
    key = (target.namespace or "", target.name or "", container)
    logs = registry.cluster.logs
    lines = logs.lines(key, instance)
    queue = logs.follow(key, instance) if follow and not previous else None
    followed = queue
    if since is not None:
        lines = [line for line in lines if line.time >= since]
    if tail is not None:
        lines = lines[-tail:] if tail else []
    budget = [limit if limit is not None else -1]

    def render(items: list[LogLine]) -> bytes:
        text = "".join(
            (f"{rfc3339nano(li.time)} " if stamps else "") + li.text + "\n" for li in items
        ).encode()
        if budget[0] >= 0:
            text = text[: budget[0]]
            budget[0] -= len(text)
        return text

    response = web.StreamResponse(headers={"Content-Type": "text/plain"})
    response.enable_chunked_encoding()
    await response.prepare(request)
    try:
        first = render(lines)
        if first:
            await response.write(first)
        while queue is not None and budget[0] != 0:
            line = await queue.get()
            if line is None:
                break
            batch = [line]
            while not queue.empty():
                nxt = queue.get_nowait()
                if nxt is None:
                    queue = None
                    break
                batch.append(nxt)
            await response.write(render(batch))
    except ConnectionResetError:
        pass
    finally:
        if followed is not None:
            logs.unfollow(key, instance, followed)
    with contextlib.suppress(ConnectionResetError):
        await response.write_eof()
    return response
