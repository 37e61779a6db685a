"""Real databases and the real NATS server for the events kernel.

The tables (outbox, inbox and a toy `things`) live in their own metadata: a temporary SQLite file per
test, or one PostgreSQL database for the session (when UPLIFT_TEST_DATABASE_URL is set), emptied after
each test. Every JetStream test gets its own stream and subject prefix, deleted afterwards. NATS being
unreachable fails the test: CI starts the server, nothing here is skipped for its absence.
"""

import asyncio
import secrets
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import nats
import nats.js.errors
import pytest
from sqlalchemy import Column, Integer, String, Table, Uuid, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from common.db import Database, make_metadata
from common.events import Event, InProcessBus, Retry, inbox_table, outbox_table
from common.events.jetstream import JetStreamBus
from tests.dbs import PG_URL
from tests.nats_server import NATS_URL, delete_stream, fail_without_nats
from tests.timing import patience

FAST = Retry(max_deliver=4, delays=(0.05, 0.1))

metadata = make_metadata()
outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
things = Table(
    "things", metadata,
    Column("id", Uuid, primary_key=True),
    Column("tenant_id", Uuid, nullable=False),
    Column("name", String(100), nullable=False),
    Column("version", Integer, nullable=False),
    Column("applied", Integer, nullable=False, default=0),  # how many times a consumer changed it
)


@pytest.fixture(scope="session")
def pg_events_url() -> Iterator[str]:
    name = f"uplift_ev{secrets.token_hex(4)}"
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)

    async def admin(statement: str) -> None:
        engine = create_async_engine(make_url(PG_URL).set(database="postgres"), isolation_level="AUTOCOMMIT")
        async with engine.connect() as conn:
            await conn.execute(text(statement))
        await engine.dispose()

    async def create_tables() -> None:
        engine = create_async_engine(url)
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        await engine.dispose()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    asyncio.run(create_tables())
    yield url
    asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if PG_URL:
        return str(request.getfixturevalue("pg_events_url"))
    return f"sqlite+aiosqlite:///{tmp_path / 'events.db'}"


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    """The test's database with empty outbox, inbox and things tables."""
    database = Database(db_url)
    async with database.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield database
    if PG_URL:
        async with database.engine.begin() as conn:
            await conn.execute(text("TRUNCATE outbox, inbox, things"))
    await database.dispose()


class JetStreamFactory:
    """JetStreamBus instances on one stream of their own; closed and the stream deleted at the end."""

    def __init__(self) -> None:
        suffix = secrets.token_hex(4)
        self.stream, self.prefix = f"UPLIFT_T{suffix.upper()}", f"uplift_t{suffix}"
        self.buses: list[JetStreamBus] = []

    async def __call__(self, **kwargs: Any) -> JetStreamBus:
        options: dict[str, Any] = {"retry": FAST, "poll": 0.2, "ack_wait": patience(5.0),
                                   "connect_timeout": patience(2.0), **kwargs}
        bus = JetStreamBus(NATS_URL, stream=self.stream, prefix=self.prefix, **options)
        try:
            await bus.start()
        except ConnectionError as exc:
            fail_without_nats(exc)
        self.buses.append(bus)
        return bus

    async def cleanup(self) -> None:
        if not self.buses:
            return
        for bus in self.buses:
            await bus.close()
        await delete_stream(self.stream)

    async def stream_info(self) -> Any:
        nc = await nats.connect(NATS_URL, connect_timeout=int(patience(2)))
        try:
            return await nc.jetstream().stream_info(self.stream)
        finally:
            await nc.close()

    async def consumer_info(self, durable: str) -> Any:
        nc = await nats.connect(NATS_URL, connect_timeout=int(patience(2)))
        try:
            return await nc.jetstream().consumer_info(self.stream, durable)
        finally:
            await nc.close()


@pytest.fixture
async def jetstream() -> AsyncIterator[JetStreamFactory]:
    factory = JetStreamFactory()
    yield factory
    await factory.cleanup()


@pytest.fixture(params=["inprocess", "jetstream"])
async def transport(request: pytest.FixtureRequest,
                    jetstream: JetStreamFactory) -> AsyncIterator[InProcessBus | JetStreamBus]:
    """The same behaviour on both transports."""
    if request.param == "inprocess":
        bus = InProcessBus(FAST)
        await bus.start()
        yield bus
        await bus.close()
    else:
        yield await jetstream()


class Received:
    """A recording handler."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    async def __call__(self, event: Event) -> None:
        self.events.append(event)

    @property
    def ids(self) -> list[uuid.UUID]:
        return [e.id for e in self.events]


async def eventually(check: Callable[[], bool | Awaitable[bool]], within: float = 10.0) -> None:
    """Wait until `check()` holds (deliveries over a broker are asynchronous), at most `patience(within)` s."""
    deadline = asyncio.get_running_loop().time() + patience(within)
    while True:
        result = check()
        if isinstance(result, Awaitable):
            result = await result
        if result:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


async def settle(seconds: float = 0.5) -> None:
    """Give a broker time to (not) deliver anything more."""
    await asyncio.sleep(seconds)


async def apply_thing(session: AsyncSession, event: Event) -> None:
    """A consumer's apply: create or bump the thing, only for a newer version (order-safety)."""
    thing_id = uuid.UUID(event.entity_id)
    row = (await session.execute(select(things).where(things.c.id == thing_id))).mappings().first()
    if row is None:
        await session.execute(things.insert().values(id=thing_id, tenant_id=event.tenant_id,
                                                     name=event.payload["name"], version=event.entity_version,
                                                     applied=1))
    elif row["version"] < event.entity_version:
        await session.execute(things.update().where(things.c.id == thing_id).values(
            name=event.payload["name"], version=event.entity_version, applied=things.c.applied + 1))
