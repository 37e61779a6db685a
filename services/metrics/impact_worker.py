"""Impact off the event loop: an impact query reads tens of thousands of daily rows and walks every treated and
comparison person's windows, seconds of CPU that would stall every other request of the process if it ran on the
loop. `impact_off_the_loop` runs the whole ImpactService call (its reads included) in a worker thread on an event
loop of its own, with an engine of its own (asyncpg connections belong to one loop) that holds no pool: one
connection, opened for the call and closed after it. At most `THREADS` impact queries compute at once; more wait
for a turn without holding the loop.

The request's own session has done the visibility checks; the impact reads run in their own transaction on the
same database, filtered by the same tenant (ImpactRepository)."""

import asyncio
import uuid
from datetime import date
from typing import Any

import anyio

from common.db import Database
from services.metrics.analysis_schemas import ImpactOut
from services.metrics.catalogue import Metric
from services.metrics.impact_service import ImpactRepository, ImpactService

THREADS = 2
_limiter: anyio.CapacityLimiter | None = None


def _threads() -> anyio.CapacityLimiter:
    global _limiter
    if _limiter is None:  # created on the loop that first asks (a limiter belongs to one loop's library)
        _limiter = anyio.CapacityLimiter(THREADS)
    return _limiter


async def _compute(url: str, tenant_id: uuid.UUID, today: date, metric: Metric, kwargs: dict[str, Any]) -> ImpactOut:
    db = Database(url, pool_size=0)
    try:
        async with db.sessions() as session:
            return await ImpactService(ImpactRepository(session, tenant_id), today).impact(metric, **kwargs)
    finally:
        await db.dispose()


async def impact_off_the_loop(url: str, tenant_id: uuid.UUID, today: date, metric: Metric,
                              **kwargs: Any) -> ImpactOut:
    """ImpactService(...).impact(metric, **kwargs) on the database at `url`, in a worker thread; its typed
    errors (InvalidInput) are raised here as they were there."""
    return await anyio.to_thread.run_sync(
        lambda: asyncio.run(_compute(url, tenant_id, today, metric, kwargs)), limiter=_threads())
