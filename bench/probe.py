"""``python -m bench.probe ARGS``: ``kubectl stack ARGS`` that can be asked what it holds.

The soak benchmark (:mod:`bench.soak`) runs the app through this module. On SIGUSR1 the app
stops for a moment (a second or two at 10,000 pods) and writes, as JSON, to the file named by
``BENCH_PROBE_FILE``:

- ``blocks``: memory blocks the Python allocator has handed out (``sys.getallocatedblocks``),
  after a full collection, so only live objects count;
- ``frozen``: how many objects the app had frozen (``gc.freeze``) before the probe;
- ``gc_objects`` and ``types``: objects the cycle collector tracks, and their counts by type;
- ``containers``: for every object of a class from ``kubectl_stack``, ``textual`` or ``rich``,
  the length of each dict, list, set, deque or tuple it holds, summed per ``Class.attribute``
  (what a cache or an index that keeps growing looks like);
- ``store``: the objects per kind in the app's store (:class:`ClusterState`);
- ``tracemalloc`` (only when ``BENCH_PROBE_TRACEMALLOC=N`` started tracing with N frames at
  start-up, which slows the app and doubles its memory): the lines that allocated the most
  live memory, and the growth by line since the previous probe.

Nothing here changes the app; without a signal it is ``kubectl stack`` with a signal handler.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
import traceback
import tracemalloc
from collections import Counter, deque
from types import FrameType
from typing import Any

from kubectl_stack import jsonutil

_OWN = ("kubectl_stack", "textual", "rich")
_SIZED = (dict, list, set, frozenset, deque, tuple)
TOP = 40


def _module(cls: type) -> str:
    module = getattr(cls, "__module__", "")
    return module if isinstance(module, str) else ""  # a descriptor on some extension types


def _class_name(cls: type) -> str:
    return f"{_module(cls)}.{cls.__qualname__}"


def _attributes(obj: Any) -> list[tuple[str, Any]]:
    """An object's attributes (its ``__dict__`` and its slots)."""
    out = list(getattr(obj, "__dict__", {}).items())
    for cls in type(obj).__mro__:
        for slot in getattr(cls, "__slots__", ()):
            if isinstance(slot, str) and slot not in ("__dict__", "__weakref__"):
                try:
                    out.append((slot, getattr(obj, slot)))
                except AttributeError:
                    continue
    return out


def census(previous: tracemalloc.Snapshot | None = None) -> tuple[dict[str, Any], Any]:
    """What the process holds now (see the module docstring); and the tracemalloc snapshot
    to compare the next probe with (None when not tracing)."""
    from kubectl_stack.kube.kinds import WATCHED
    from kubectl_stack.kube.store import ClusterState

    # The app freezes what it holds after its first sync (gc.freeze), and get_objects() does
    # not list frozen objects: they are thawed to be counted, and frozen again after, live
    # ones only (a collection runs first), as the app's own freeze does. A cycle among them
    # that turns to garbage later is never collected: figures can only come out higher.
    frozen = gc.get_freeze_count()
    gc.unfreeze()
    gc.collect()
    objects = gc.get_objects()
    types: Counter[str] = Counter()
    containers: Counter[str] = Counter()
    store: dict[str, int] = {}
    for obj in objects:
        cls = type(obj)
        name = _class_name(cls)
        types[name] += 1
        if not _module(cls).startswith(_OWN):
            continue
        if cls is ClusterState:
            for kind in WATCHED:
                store[kind.name] = store.get(kind.name, 0) + len(obj.objects(kind.name))
        try:
            attributes = _attributes(obj)
        except Exception:  # a proxy or a half-built object: not what is looked for
            continue
        for attr, value in attributes:
            if isinstance(value, _SIZED) and value:
                containers[f"{name}.{attr}"] += len(value)
    del objects
    if frozen:
        gc.freeze()
    figures: dict[str, Any] = {
        "blocks": sys.getallocatedblocks(),
        "frozen": frozen,
        "gc_objects": sum(types.values()),
        "types": dict(types.most_common(TOP)),
        "containers": dict(containers.most_common(TOP)),
        "store": store,
    }
    snapshot = None
    if tracemalloc.is_tracing():
        snapshot = tracemalloc.take_snapshot().filter_traces(
            (tracemalloc.Filter(False, tracemalloc.__file__),)
        )
        figures["tracemalloc"] = {
            "traced_mb": tracemalloc.get_traced_memory()[0] / 2**20,
            "top": [str(s) for s in snapshot.statistics("lineno")[:20]],
            "growth": (
                []
                if previous is None
                else [str(s) for s in snapshot.compare_to(previous, "lineno")[:20]]
            ),
        }
    return figures, snapshot


def _install(path: str) -> None:
    state: dict[str, Any] = {"seq": 0, "snapshot": None}

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        state["seq"] += 1
        try:
            figures, state["snapshot"] = census(state["snapshot"])
        except Exception:  # the benchmark reports it; the app must go on
            figures = {"error": traceback.format_exc()}
        figures["seq"] = state["seq"]
        partial = f"{path}.partial"
        with open(partial, "wb") as out:
            out.write(jsonutil.dumps(figures))
        os.replace(partial, path)

    signal.signal(signal.SIGUSR1, on_signal)


def main() -> int:
    frames = int(os.environ.get("BENCH_PROBE_TRACEMALLOC", "0") or 0)
    if frames:
        tracemalloc.start(frames)
    path = os.environ.get("BENCH_PROBE_FILE")
    if path:
        _install(path)
    from kubectl_stack.cli import main as app_main

    return app_main(sys.argv[1:])


if __name__ == "__main__":
    raise SystemExit(main())
