"""The statement counter of tests/sql_statements.py counts the calling task's statements, not a worker's."""
import asyncio

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.sql_statements import statements_of_this_task


async def test_a_worker_started_before_is_not_counted_and_the_caller_is() -> None:
    engine = create_async_engine("sqlite+aiosqlite://")
    go, polled = asyncio.Event(), asyncio.Event()

    async def worker() -> None:  # like the events relay: started with the app, polls on its own
        await go.wait()
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 'worker'"))
        polled.set()

    task = asyncio.create_task(worker())
    try:
        with statements_of_this_task(engine.sync_engine) as seen:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 'mine'"))
                go.set()
                await polled.wait()
                await asyncio.create_task(conn.execute(text("SELECT 'spawned by me'")))
        assert [s for s, _ in seen] == ["SELECT 'mine'", "SELECT 'spawned by me'"]
    finally:
        await task
        await engine.dispose()
