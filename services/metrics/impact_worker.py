"""Impact off the event loop: an impact query reads tens of thousands of daily rows and walks every treated and
comparison person's windows, seconds of CPU that would stall every other request of the service if it ran on
the loop (and, in a thread, still would: the loop would wait for the GIL behind it). `impact_off_the_loop` runs
the whole ImpactService call, its reads included, in a worker process: a pool of `PROCESSES` per service app,
started on first use (spawned: no copy of the parent's loop, threads or connections), run at a lower priority
(`NICENESS`) so the machine's CPU goes to answering requests first, and stopped with the app. Each call opens one
connection of its own (no pool) and closes it. Calls beyond `PROCESSES` wait for a worker without holding the
loop.

The request's own session has done the visibility checks; the impact reads run in their own transaction on the
same database, filtered by the same tenant (ImpactRepository). The typed errors of ImpactService (InvalidInput)
come back as they were raised: their class, detail and field errors."""

import asyncio
import multiprocessing
import os
import uuid
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from typing import Any

from fastapi import FastAPI

from common.db import Database
from common.errors import AppError
from services.metrics.analysis_schemas import ImpactOut
from services.metrics.catalogue import Metric
from services.metrics.impact_service import ImpactRepository, ImpactService

PROCESSES = 2
NICENESS = 10  # the workers yield the CPU to the service's requests (and to anything else interactive)


async def _compute(url: str, tenant_id: uuid.UUID, today: date, metric: Metric, kwargs: dict[str, Any]) -> ImpactOut:
    db = Database(url, pool_size=0)
    try:
        async with db.sessions() as session:
            return await ImpactService(ImpactRepository(session, tenant_id), today).impact(metric, **kwargs)
    finally:
        await db.dispose()


Outcome = tuple[ImpactOut, None] | tuple[None, tuple[type[AppError], str, list[dict[str, Any]]]]


def _in_worker(url: str, tenant_id: uuid.UUID, today: date, metric: Metric, kwargs: dict[str, Any]) -> Outcome:
    try:
        return asyncio.run(_compute(url, tenant_id, today, metric, kwargs)), None
    except AppError as err:  # rebuilt in the caller: an exception's own pickling keeps only its message
        return None, (type(err), err.detail, err.errors)


class ImpactWorkers:
    """The worker processes of one service app: started on first use, stopped with the app (a Worker of its
    lifespan, so `uplift serve` leaves no process behind)."""

    def __init__(self, processes: int = PROCESSES) -> None:
        self.processes = processes
        self._pool: ProcessPoolExecutor | None = None

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)

    def _workers(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.processes, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=os.nice, initargs=(NICENESS,))
        return self._pool

    async def impact(self, url: str, tenant_id: uuid.UUID, today: date, metric: Metric, **kwargs: Any) -> ImpactOut:
        """ImpactService(...).impact(metric, **kwargs) on the database at `url`, in a worker process."""
        loop = asyncio.get_running_loop()
        found, refused = await loop.run_in_executor(self._workers(), _in_worker, url, tenant_id, today, metric,
                                                    kwargs)
        if refused is not None:
            kind, detail, errors = refused
            raise kind(detail, errors=errors)
        assert found is not None
        return found


def impact_workers(app: FastAPI) -> ImpactWorkers:
    workers = app.state.impact_workers = ImpactWorkers()
    return workers
