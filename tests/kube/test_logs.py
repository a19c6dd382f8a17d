"""Log streams against the embedded cluster's pods/log."""

from __future__ import annotations

import asyncio
import math
from typing import Any

from conftest import Kubectl, ok

from kubectl_stack.kube.logs import (
    LogLine,
    LogNotice,
    LogOptions,
    LogStream,
    choose_container,
    stamp_nanos,
)
from kubectl_stack.model.ref import WorkloadRef
from kubectl_stack_sim.runner import RunningSim

from .conftest import Watching, wait_until

SHOP = WorkloadRef("Deployment", "default", "shop")


def write(sim: RunningSim, pod: str, *texts: str, start: float = 0.0) -> None:
    def go() -> None:
        now = sim.cluster.clock.now()
        for i, text in enumerate(texts):
            sim.cluster.logs.write(("default", pod, "app"), 0, now + start + i * 0.001, text)

    sim.call(go)


def write_at(sim: RunningSim, pod: str, at: float, *texts: str) -> None:
    """Lines logged by ``pod``'s container at the one instant ``at`` (virtual epoch seconds)."""
    sim.call(lambda: [sim.cluster.logs.write(("default", pod, "app"), 0, at, t) for t in texts])


def second(sim: RunningSim) -> float:
    """A whole second of the sim's clock (now or just before): lines written at fractions of
    it all fall inside one ``sinceTime`` second."""
    return float(math.floor(sim.call(sim.cluster.clock.now))) - 5


def stamped(items: list[Any]) -> list[str]:
    """The lines as ``kubectl logs --timestamps`` prints them (streams opened with
    ``timestamps=True`` carry the server's stamp in the text)."""
    return [i.text for i in items if isinstance(i, LogLine)]


async def read_stamped(watching: Watching, pod: str) -> list[str]:
    """Every line of ``pod`` read once (not followed), with the server's timestamps."""
    stream = LogStream(
        watching.connection, "default", pod=pod, options=LogOptions(follow=False, timestamps=True)
    )
    await stream.start()
    return stamped(await asyncio.wait_for(collect(stream), 10))


async def following(stream: LogStream) -> tuple[list[Any], asyncio.Task[None]]:
    """Start ``stream`` and a task that appends everything it yields to the returned list."""
    await stream.start()
    items: list[Any] = []

    async def reader() -> None:
        async for item in stream:
            items.append(item)

    return items, asyncio.create_task(reader())


async def stop(stream: LogStream, reader: asyncio.Task[None]) -> None:
    await stream.stop()
    await asyncio.wait_for(reader, 5)


async def collect(stream: LogStream) -> list[Any]:
    return [item async for item in stream]


async def test_one_container_with_tail(watching: Watching, sim: RunningSim) -> None:
    write(sim, "shop-1-0", "one", "two", "three")
    stream = LogStream(
        watching.connection, "default", pod="shop-1-0", options=LogOptions(follow=False, tail=2)
    )
    await stream.start()
    items = await asyncio.wait_for(collect(stream), 10)
    assert [i.text for i in items if isinstance(i, LogLine)] == ["two", "three"]
    assert [i.kind for i in items if isinstance(i, LogNotice)] == ["opened", "ended"]


async def test_timestamps_are_shown_only_when_asked(watching: Watching, sim: RunningSim) -> None:
    write(sim, "shop-1-1", "hello")
    stream = LogStream(
        watching.connection,
        "default",
        pod="shop-1-1",
        options=LogOptions(follow=False, timestamps=True),
    )
    await stream.start()
    lines = [i for i in await asyncio.wait_for(collect(stream), 10) if isinstance(i, LogLine)]
    assert lines[0].text == f"{lines[0].timestamp} hello"
    assert lines[0].timestamp.endswith("Z")


async def test_deployment_logs_follow_every_pod_and_new_ones(
    watching: Watching, sim: RunningSim
) -> None:
    write(sim, "shop-1-0", "from zero")
    stream = LogStream(
        watching.connection, "default", workload=SHOP, state=watching.state, max_streams=10
    )
    items, task = await following(stream)
    try:
        await wait_until(lambda: any(getattr(i, "text", "") == "from zero" for i in items))
        assert next(i for i in items if isinstance(i, LogLine)).prefix == "[pod/shop-1-0/app]"

        def add_pod() -> None:
            store = sim.cluster.store
            old = store.get("pods", "default", "shop-1-0")
            assert old is not None
            pod: dict[str, Any] = {
                "metadata": {
                    "name": "shop-1-new",
                    "namespace": "default",
                    "labels": old["metadata"]["labels"],
                    "ownerReferences": old["metadata"]["ownerReferences"],
                },
                "spec": old["spec"],
                "status": old["status"],
            }
            store.create("pods", pod)

        sim.call(add_pod)
        await wait_until(lambda: ("default", "shop-1-new") in watching.state.objects("pods"))
        write(sim, "shop-1-new", "from the new pod", start=1.0)
        await wait_until(
            lambda: any(isinstance(i, LogLine) and i.pod == "shop-1-new" for i in items)
        )
    finally:
        await stop(stream, task)
        # End the server's follow handlers too, so the sim stops with nothing pending.
        sim.call(
            lambda: [
                sim.cluster.logs.forget("default", p) for _, p in watching.state.objects("pods")
            ]
        )


async def test_ended_stream_is_reported_and_resumed_without_repeats(
    watching: Watching, sim: RunningSim
) -> None:
    write(sim, "shop-1-2", "before")
    stream = LogStream(
        watching.connection, "default", pod="shop-1-2", state=watching.state, reconnect_delay=0.01
    )
    items, task = await following(stream)
    try:
        await wait_until(lambda: any(getattr(i, "text", "") == "before" for i in items))

        def restart_container() -> None:
            logs = sim.cluster.logs
            logs.end(("default", "shop-1-2", "app"), 0)

        sim.call(restart_container)
        await wait_until(
            lambda: any(isinstance(i, LogNotice) and i.kind == "reconnecting" for i in items)
        )
    finally:
        await stop(stream, task)
    assert [getattr(i, "text", None) for i in items].count("before") == 1


def test_default_container_annotation_is_honoured() -> None:
    pod = {
        "metadata": {
            "name": "p",
            "annotations": {"kubectl.kubernetes.io/default-container": "app"},
        },
        "spec": {"containers": [{"name": "sidecar"}, {"name": "app"}]},
    }
    assert choose_container(pod, None) == ("app", "")
    assert choose_container(pod, "sidecar") == ("sidecar", "")
    del pod["metadata"]["annotations"]
    assert choose_container(pod, None) == (
        "sidecar",
        'Defaulted container "sidecar" out of: sidecar, app',
    )


async def test_deployment_streams_are_capped_and_the_wait_is_reported(
    watching: Watching, sim: RunningSim
) -> None:
    for i in range(6):
        write(sim, f"shop-1-{i}", f"line {i}")
    stream = LogStream(
        watching.connection, "default", workload=SHOP, state=watching.state, max_streams=2
    )
    items, task = await following(stream)
    try:
        await wait_until(lambda: len({i.pod for i in items if isinstance(i, LogLine)}) == 2)
        await wait_until(
            lambda: any(isinstance(i, LogNotice) and i.kind == "waiting" for i in items)
        )
    finally:
        await stop(stream, task)
        sim.call(lambda: [sim.cluster.logs.forget("default", f"shop-1-{i}") for i in range(6)])
    assert len({i.pod for i in items if isinstance(i, LogLine)}) == 2


async def test_lines_logged_in_the_same_instant_are_all_shown_as_kubectl_shows_them(
    watching: Watching, sim: RunningSim, kubectl: Kubectl
) -> None:
    at = second(sim) + 0.25
    # A stack trace: every line in one instant, two of them identical.
    write_at(sim, "shop-1-3", at, "panic: boom", "  at a()", "  at a()", "  at main()")
    write_at(sim, "shop-1-3", at + 0.5, "after")
    lines = await read_stamped(watching, "shop-1-3")
    expected = ok(kubectl, "logs", "shop-1-3", "--timestamps").splitlines()
    assert len(expected) == 5
    assert lines == expected


async def test_timestamps_are_compared_as_instants_not_as_text(
    watching: Watching, sim: RunningSim, kubectl: Kubectl
) -> None:
    # RFC3339Nano trims trailing zeros: as text ".12Z" < ".1Z" and ".5Z" < "Z".
    at = second(sim)
    write_at(sim, "shop-1-4", at, "whole second")
    write_at(sim, "shop-1-4", at + 0.1, "a tenth")
    write_at(sim, "shop-1-4", at + 0.12, "twelve hundredths")
    write_at(sim, "shop-1-4", at + 0.5, "a half")
    lines = await read_stamped(watching, "shop-1-4")
    assert lines == ok(kubectl, "logs", "shop-1-4", "--timestamps").splitlines()
    assert [line.split(" ", 1)[1] for line in lines] == [
        "whole second",
        "a tenth",
        "twelve hundredths",
        "a half",
    ]


def test_rfc3339_stamps_are_read_as_instants() -> None:
    assert stamp_nanos("2026-01-02T03:04:05.1Z") == stamp_nanos("2026-01-02T03:04:05.100000000Z")
    assert stamp_nanos("2026-01-02T03:04:05.1Z") < stamp_nanos("2026-01-02T03:04:05.12Z")  # type: ignore[operator]
    assert stamp_nanos("2026-01-02T03:04:05Z") < stamp_nanos("2026-01-02T03:04:05.5Z")  # type: ignore[operator]
    assert stamp_nanos("2026-01-02T05:04:05+02:00") == stamp_nanos("2026-01-02T03:04:05Z")
    assert stamp_nanos("2026-01-02T03:04:05.123456789Z") == 1_767_323_045_123_456_789
    for bad in ("", "INFO", "2026-01-02", "2026-13-02T03:04:05Z", "2026-01-02T03:04:05"):
        assert stamp_nanos(bad) is None


async def test_a_reconnect_in_the_middle_of_a_burst_neither_drops_nor_repeats_a_line(
    watching: Watching, sim: RunningSim, kubectl: Kubectl
) -> None:
    at = second(sim) + 0.5
    write_at(sim, "shop-1-5", at - 0.25, "before the burst")
    write_at(sim, "shop-1-5", at, "burst 1", "same", "same", "burst 2")
    stream = LogStream(
        watching.connection,
        "default",
        pod="shop-1-5",
        state=watching.state,
        options=LogOptions(timestamps=True),
        reconnect_delay=0.05,
    )
    items, task = await following(stream)
    try:
        await wait_until(lambda: len(stamped(items)) == 5)
        # The stream drops; the burst goes on in the same instant meanwhile.
        sim.stop_listener()
        write_at(sim, "shop-1-5", at, "same", "burst 3")
        sim.start_listener()
        await wait_until(lambda: any(isinstance(i, LogNotice) and i.kind == "error" for i in items))
        write_at(sim, "shop-1-5", at, "burst 4")
        write_at(sim, "shop-1-5", at + 0.25, "after the burst")
        await wait_until(lambda: stamped(items)[-1].endswith(" after the burst"))
        expected = ok(kubectl, "logs", "shop-1-5", "--timestamps").splitlines()
    finally:
        await stop(stream, task)
        sim.call(lambda: sim.cluster.logs.forget("default", "shop-1-5"))
    assert len(expected) == 9
    assert stamped(items) == expected


async def test_a_container_that_starts_late_begins_with_the_asked_tail(
    watching: Watching, sim: RunningSim
) -> None:
    def waiting(pod: dict[str, Any]) -> None:
        pod["status"]["containerStatuses"][0]["state"] = {"waiting": {"reason": "PodInitializing"}}

    def running(pod: dict[str, Any]) -> None:
        pod["status"]["containerStatuses"][0]["state"] = {"running": {}}

    sim.call(sim.cluster.store.mutate, "pods", "default", "shop-1-0", waiting)
    await wait_until(
        lambda: (
            "waiting"
            in watching.state.get("pods", "default", "shop-1-0")["status"]["containerStatuses"][0][
                "state"
            ]
        )
    )
    stream = LogStream(
        watching.connection,
        "default",
        pod="shop-1-0",
        state=watching.state,
        options=LogOptions(tail=2),
        reconnect_delay=0.05,
    )
    items, task = await following(stream)
    try:
        await wait_until(lambda: any(isinstance(i, LogNotice) and i.kind == "error" for i in items))
        write(sim, "shop-1-0", "one", "two", "three", "four")
        sim.call(sim.cluster.store.mutate, "pods", "default", "shop-1-0", running)
        await wait_until(lambda: "four" in [getattr(i, "text", "") for i in items])
    finally:
        await stop(stream, task)
        sim.call(lambda: sim.cluster.logs.forget("default", "shop-1-0"))
    assert [i.text for i in items if isinstance(i, LogLine)] == ["three", "four"]
