"""Log streams against the embedded cluster's pods/log."""

from __future__ import annotations

import asyncio
from typing import Any

from kubectl_stack.kube.logs import LogLine, LogNotice, LogOptions, LogStream, choose_container
from kubectl_stack_sim.runner import RunningSim

from .conftest import Watching, wait_until


def write(sim: RunningSim, pod: str, *texts: str, start: float = 0.0) -> None:
    def go() -> None:
        now = sim.cluster.clock.now()
        for i, text in enumerate(texts):
            sim.cluster.logs.write(("default", pod, "app"), 0, now + start + i * 0.001, text)

    sim.call(go)


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
        watching.connection, "default", deployment="shop", state=watching.state, max_streams=10
    )
    await stream.start()
    seen: list[LogLine] = []

    async def reader() -> None:
        async for item in stream:
            if isinstance(item, LogLine):
                seen.append(item)

    task = asyncio.create_task(reader())
    try:
        await wait_until(lambda: any(line.text == "from zero" for line in seen))
        assert seen[0].prefix == "[pod/shop-1-0/app]"

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
        await wait_until(lambda: any(line.pod == "shop-1-new" for line in seen))
    finally:
        await stream.stop()
        await asyncio.wait_for(task, 5)
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
    await stream.start()
    items: list[Any] = []

    async def reader() -> None:
        async for item in stream:
            items.append(item)

    task = asyncio.create_task(reader())
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
        await stream.stop()
        await asyncio.wait_for(task, 5)
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
        watching.connection, "default", deployment="shop", state=watching.state, max_streams=2
    )
    await stream.start()
    items: list[Any] = []

    async def reader() -> None:
        async for item in stream:
            items.append(item)

    task = asyncio.create_task(reader())
    try:
        await wait_until(lambda: len({i.pod for i in items if isinstance(i, LogLine)}) == 2)
        await wait_until(
            lambda: any(isinstance(i, LogNotice) and i.kind == "waiting" for i in items)
        )
    finally:
        await stream.stop()
        await asyncio.wait_for(task, 5)
        sim.call(lambda: [sim.cluster.logs.forget("default", f"shop-1-{i}") for i in range(6)])
    assert len({i.pod for i in items if isinstance(i, LogLine)}) == 2
