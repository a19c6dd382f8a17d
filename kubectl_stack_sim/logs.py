"""Container log lines of the embedded cluster's simulated kubelet.

The kubelet writes; the ``pods/log`` endpoint reads and follows. Logs are kept per container
*instance* (``restartCount``), so ``previous=true`` can serve the last terminated instance, and
are bounded per instance like a node's log rotation.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field

LogKey = tuple[str, str, str]  # namespace, pod, container


@dataclass(frozen=True, slots=True)
class LogLine:
    time: float  # virtual epoch seconds
    text: str


@dataclass
class _Instance:
    lines: deque[LogLine]
    ended: bool = False
    followers: set[asyncio.Queue[LogLine | None]] = field(default_factory=set)


class LogBook:
    def __init__(self, max_lines_per_instance: int = 5_000) -> None:
        self._max = max_lines_per_instance
        self._logs: dict[LogKey, dict[int, _Instance]] = {}

    def _instance(self, key: LogKey, instance: int) -> _Instance:
        per = self._logs.setdefault(key, {})
        inst = per.get(instance)
        if inst is None:
            inst = per[instance] = _Instance(deque(maxlen=self._max))
            # Only the current and the previous instance are kept, as kubelet does.
            for old in sorted(per)[:-2]:
                del per[old]
        return inst

    def write(self, key: LogKey, instance: int, time: float, text: str) -> None:
        inst = self._instance(key, instance)
        line = LogLine(time, text)
        inst.lines.append(line)
        for q in inst.followers:
            q.put_nowait(line)

    def end(self, key: LogKey, instance: int) -> None:
        """The container instance terminated: followers see the end of the stream."""
        inst = self._instance(key, instance)
        inst.ended = True
        for q in inst.followers:
            q.put_nowait(None)
        inst.followers.clear()

    def forget(self, namespace: str, pod: str) -> None:
        """The pod is gone: end its streams and drop its logs."""
        for key in [k for k in self._logs if k[0] == namespace and k[1] == pod]:
            for inst in self._logs.pop(key).values():
                for q in inst.followers:
                    q.put_nowait(None)

    def instances(self, key: LogKey) -> list[int]:
        return sorted(self._logs.get(key, {}))

    def lines(self, key: LogKey, instance: int) -> list[LogLine]:
        inst = self._logs.get(key, {}).get(instance)
        return list(inst.lines) if inst else []

    def follow(self, key: LogKey, instance: int) -> asyncio.Queue[LogLine | None] | None:
        """A queue of new lines of a running instance (``None`` = stream ended), or ``None``
        when the instance already ended."""
        inst = self._instance(key, instance)
        if inst.ended:
            return None
        q: asyncio.Queue[LogLine | None] = asyncio.Queue()
        inst.followers.add(q)
        return q

    def unfollow(self, key: LogKey, instance: int, q: asyncio.Queue[LogLine | None]) -> None:
        inst = self._logs.get(key, {}).get(instance)
        if inst is not None:
            inst.followers.discard(q)
