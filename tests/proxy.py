"""A TCP proxy for fault tests: put it between the app and the embedded cluster, pause it, and
the network hangs."""

from __future__ import annotations

import asyncio
import contextlib


class PausableProxy:
    """A TCP proxy on 127.0.0.1 in front of ``port``. While paused it accepts connections
    and reads what either side sends, but delivers nothing: a hung network (or server).
    :meth:`freeze_next` does that to one connection only (a dead socket)."""

    def __init__(self, port: int) -> None:
        self.target = port
        self.port = 0
        self._open = asyncio.Event()
        self._open.set()
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._freeze: bytes | None = None
        self.frozen = 0
        self.asked: list[bytes] = []
        """The first line of each chunk a client sent (a request line, mostly), delivered or
        not."""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    def pause(self) -> None:
        self._open.clear()

    def resume(self) -> None:
        self._open.set()

    def freeze_next(self, marker: bytes) -> None:
        """The next connection whose client sends ``marker`` (``b"/pods?watch=1"``) delivers
        nothing more either way once the server's first answer to it went through (a socket
        dead mid-stream); every other connection goes on."""
        self._freeze = marker

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target)
        except OSError:
            writer.close()
            return
        flowing = asyncio.Event()
        flowing.set()
        doomed = asyncio.Event()  # the marker went up: freeze after the next answer
        for src, dst, upstream in ((reader, up_writer, True), (up_reader, writer, False)):
            task = asyncio.create_task(self._pump(src, dst, (flowing, doomed), upstream))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _pump(
        self,
        src: asyncio.StreamReader,
        dst: asyncio.StreamWriter,
        flags: tuple[asyncio.Event, asyncio.Event],
        upstream: bool,
    ) -> None:
        flowing, doomed = flags
        with contextlib.suppress(OSError, asyncio.CancelledError):
            while data := await src.read(65536):
                if upstream:
                    self.asked.append(data.split(b"\r\n", 1)[0])
                if upstream and self._freeze is not None and self._freeze in data:
                    self._freeze = None
                    doomed.set()
                await self._open.wait()
                await flowing.wait()
                dst.write(data)
                await dst.drain()
                if not upstream and doomed.is_set() and flowing.is_set():
                    flowing.clear()
                    self.frozen += 1
        dst.close()

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
