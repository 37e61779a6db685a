"""A TCP load balancer on 127.0.0.1 in front of a part's replicas, standing in for what docker-compose gives
the gateway (the service name resolving to every replica, aiohttp taking the addresses in turn) or for an
nginx upstream: each new connection goes to the next replica; a replica that refuses the connection (it is
down) is skipped, like nginx's `proxy_next_upstream error`. A connection to a replica that dies is closed,
so the client sees the failure (the gateway retries reads; writes it reports)."""

import asyncio
import contextlib
from collections import Counter


class Balancer:
    def __init__(self, ports: list[int]) -> None:
        self.ports = ports
        self.connections: Counter[int] = Counter()  # per replica port: connections it was given
        self._turn = 0
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        assert self._server is not None, "start() first"
        return f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._pipes):
            task.cancel()
        await asyncio.gather(*self._pipes, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for _ in self.ports:
            port = self.ports[self._turn % len(self.ports)]
            self._turn += 1
            try:
                up_reader, up_writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                continue  # down: the next replica
            self.connections[port] += 1
            break
        else:
            writer.close()
            return
        task = asyncio.current_task()
        assert task is not None
        self._pipes.add(task)
        try:
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        finally:
            self._pipes.discard(task)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Copy until either side ends, then close the writer (which ends the other direction too)."""
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError, OSError):
            await writer.wait_closed()
