"""The background loop of periodic work: it goes again while there is work, survives a failing tick, stops."""

import asyncio

from common.periodic import Periodic
from tests.timing import patience


async def test_periodic_runs_until_idle_survives_failures_and_stops():
    work: list[int] = [3, 0, 2, 0]
    calls: list[int] = []
    six = asyncio.Event()

    async def tick() -> int:
        calls.append(len(calls))
        if len(calls) == 6:
            six.set()
        if len(calls) == 2:
            raise RuntimeError("a bad tick")
        return work.pop(0) if work else 0

    loop = Periodic("test:tick", tick, every=0.01)
    await loop.start()
    async with asyncio.timeout(patience(2.0)):
        await six.wait()
    await loop.stop()
    seen = len(calls)
    assert seen >= 6  # went on after the failure
    await asyncio.sleep(0.05)
    assert len(calls) == seen  # stopped
    await loop.stop()  # stopping twice is harmless
