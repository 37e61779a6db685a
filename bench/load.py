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


async def alternate(requests: dict[str, Request], *, seconds: float, warm: int = 5) -> dict[str, Load]:
    """One client sends the requests in turn (a, b, a, b, ...) for `seconds`: each request's latencies are
    taken under the same load as the others', so a busy spell on a shared machine weighs on all alike instead
    of on whichever happened to be measured at that moment. Every answer must be 200."""
    loads = {name: Load() for name in requests}
    sessions = {name: aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1), headers=r.headers)
                for name, r in requests.items()}
    try:
        async def once(name: str) -> float:
            request = requests[name]
            t0 = time.perf_counter()
            async with sessions[name].request(request.method, request.url, json=request.json) as r:
                body = await r.read()
                if r.status != 200:
                    raise RuntimeError(f"{request.method} {request.url}: {r.status} {body[:300]!r}")
            return time.perf_counter() - t0

        for _ in range(warm):
            for name in requests:
                await once(name)
        start = time.perf_counter()
        while time.perf_counter() < start + seconds:
            for name in requests:
                loads[name].latencies.append(await once(name))
        wall = time.perf_counter() - start
        for load in loads.values():
            load.wall, load.count = wall, len(load.latencies)
    finally:
        for session in sessions.values():
            await session.close()
    return loads
