"""Counting the SQL a request runs, and only that request's: the services' background workers (the events
relay, webhook deliverers, alert sweeps, accrual) share the engine and poll on their own schedule, so a
listener counting everything on the engine sees their statements whenever a poll falls inside the request —
often on a busy machine, rarely on an idle one. In-process requests run in the test task's context (httpx's
ASGI transport awaits the app; SQLAlchemy's greenlets carry the caller's context), the workers in the
context they were started with, so a context variable tells the two apart."""
from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncConnection

_COUNTING: ContextVar[bool] = ContextVar("uplift_tests_counting_sql", default=False)


@contextmanager
def statements_of_this_task(engine: Engine, keep: Callable[[str], bool] = lambda _: True,
                            ) -> Iterator[list[tuple[str, Any]]]:
    """(statement, parameters) of every statement run on `engine` by the calling task and what it awaits
    while the block runs, for which `keep(statement)` holds."""
    seen: list[tuple[str, Any]] = []

    def count(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if _COUNTING.get() and keep(statement):
            seen.append((statement, parameters))

    token = _COUNTING.set(True)
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)
        _COUNTING.reset(token)


async def shared_buffers(conn: AsyncConnection, captured: list[tuple[str, Any]]) -> int:
    """Shared buffers (hit + read) of the captured statements run again under EXPLAIN (ANALYZE, BUFFERS) on
    `conn` (PostgreSQL): what they read, whatever the machine's speed."""
    total = 0
    for statement, parameters in captured:
        result = await conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + statement, parameters)
        found = result.scalar_one()
        [plan] = json.loads(found) if isinstance(found, str) else found
        top = plan["Plan"]
        total += top.get("Shared Hit Blocks", 0) + top.get("Shared Read Blocks", 0)
    return total
