"""A small closed-loop load generator over real HTTP (aiohttp): `concurrency` workers send the same request
back to back for `seconds`; every answer must be 200. Returns the count, the wall time and each latency."""

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp


@dataclass
class Load:
    count: int = 0
    wall: float = 0.0
    latencies: list[float] = field(default_factory=list)

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


@dataclass
class Request:
    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    json: Any = None


async def drive(request: Request, *, seconds: float, concurrency: int = 8, warm: int = 20,
                check: Callable[[Any], None] | None = None) -> Load:
    load = Load()
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector, headers=request.headers) as session:
        async def once() -> float:
            t0 = time.perf_counter()
            async with session.request(request.method, request.url, json=request.json) as r:
                body = await r.read()
                if r.status != 200:
                    raise RuntimeError(f"{request.method} {request.url}: {r.status} {body[:300]!r}")
            return time.perf_counter() - t0

        for _ in range(warm):
            await once()
        if check is not None:
            async with session.request(request.method, request.url, json=request.json) as r:
                check(await r.json())
        stop = time.perf_counter() + seconds

        async def worker() -> None:
            while time.perf_counter() < stop:
                load.latencies.append(await once())

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        load.wall = time.perf_counter() - start
        load.count = len(load.latencies)
    return load
