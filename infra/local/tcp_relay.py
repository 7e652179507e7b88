"""A loopback TCP relay: each connection accepted on its port goes to the next of its targets
that accepts it. The tests play a server that is down or back with one (switched on and off);
the soak puts one in front of a service's instances, as a Kubernetes Service is."""

from __future__ import annotations

import asyncio


class TcpRelay:
    def __init__(self, port: int, targets: list[tuple[str, int]]) -> None:
        self.port = port
        self.targets = targets
        self._turn = 0
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)

    async def stop(self) -> None:
        """Refuse new connections and cut the open ones."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for task in list(self._pipes):
            task.cancel()
        await asyncio.gather(*self._pipes, return_exceptions=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for _ in range(len(self.targets)):
            target = self.targets[self._turn % len(self.targets)]
            self._turn += 1
            try:
                upstream_reader, upstream_writer = await asyncio.open_connection(*target)
                break
            except OSError:
                continue
        else:
            writer.close()
            return
        for task in (asyncio.create_task(_pipe(reader, upstream_writer)),
                     asyncio.create_task(_pipe(upstream_reader, writer))):
            self._pipes.add(task)
            task.add_done_callback(self._pipes.discard)


async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    try:
        while data := await source.read(65536):
            sink.write(data)
            await sink.drain()
    except (OSError, asyncio.CancelledError):
        pass
    finally:
        sink.close()
