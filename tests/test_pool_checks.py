"""What a pooled PostgreSQL connection costs at checkout and what makes a dead one harmless (common/db.py,
`_ping_when_idle`): no round trip for a connection that was just returned, a ping for one that sat in the pool,
a new connection for one whose server closed it. PostgreSQL only (SQLite has no server to lose)."""

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from common.db import make_engine
from tests.dbs import PG_URL
from tests.timing import patience

pytestmark = pytest.mark.skipif(not PG_URL, reason="pool checks are made on PostgreSQL connections only")


async def _pid(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")  # no BEGIN/ROLLBACK around it
        return int((await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def _last_statement_at_checkout(ping_after: float) -> str:
    """What the server last saw from a pooled connection right after it was checked out a second time."""
    engine, admin = make_engine(PG_URL, pool_size=1, ping_after=ping_after), make_engine(PG_URL, pool_size=0)
    try:
        pid = await _pid(engine)
        async with engine.connect(), admin.connect() as watcher:
            return str((await watcher.execute(text("SELECT query FROM pg_stat_activity WHERE pid = :pid"),
                                              {"pid": pid})).scalar_one())
    finally:
        await engine.dispose()
        await admin.dispose()


async def test_a_connection_back_from_a_request_is_reused_without_a_round_trip():
    assert await _last_statement_at_checkout(ping_after=3600) == "SELECT pg_backend_pid()"


async def test_a_connection_that_sat_in_the_pool_is_pinged_first():
    assert await _last_statement_at_checkout(ping_after=0) != "SELECT pg_backend_pid()"


async def test_a_connection_its_server_closed_is_replaced_before_use():
    """A restarted PostgreSQL, `pg_terminate_backend` or an idle timeout: the next request gets a new connection
    and succeeds, without a ping (the driver saw the socket close)."""
    engine, admin = make_engine(PG_URL, pool_size=1, ping_after=3600), make_engine(PG_URL, pool_size=0)
    try:
        async with engine.connect() as conn:
            driver = (await conn.get_raw_connection()).driver_connection
            assert driver is not None
            pid = int((await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one())
        async with admin.connect() as killer:
            assert (await killer.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})).scalar_one()
        deadline = asyncio.get_running_loop().time() + patience(10.0)
        while not driver.is_closed():  # the event loop reads the end of the socket
            assert asyncio.get_running_loop().time() < deadline, "the driver never saw its connection close"
            await asyncio.sleep(0.01)
        assert await _pid(engine) != pid
    finally:
        await engine.dispose()
        await admin.dispose()
