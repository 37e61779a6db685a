"""The consumer side: each consuming service remembers, in its own database, which event ids it has
processed (`inbox`), in the same transaction as what the event changed. An event delivered twice
(relay re-send, broker redelivery, a handler's retry) then changes nothing the second time.

Order-safety is per entity and the consumer's own: keep the `entity_version` last applied on the row the
event feeds and apply only newer ones, e.g. an upsert `... ON CONFLICT (id) DO UPDATE SET ..., version =
excluded.version WHERE <table>.version < excluded.version`. Events carry the entity's state, so skipping an
older one loses nothing.
"""

from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy import Column, Index, MetaData, String, Table, Uuid, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from common.db import Database, UTCDateTime, utcnow
from common.events.bus import Handler
from common.events.envelope import Event


def inbox_table(metadata: MetaData) -> Table:
    return Table(
        "inbox", metadata,
        Column("consumer", String(64), primary_key=True),  # the subscription's durable name
        Column("event_id", Uuid, primary_key=True),
        Column("processed_at", UTCDateTime, nullable=False),
        Index("ix_inbox_processed_at", "processed_at"),
    )


async def consume_once(session: AsyncSession, table: Table, consumer: str, event: Event,
                       apply: Callable[[Event], Awaitable[None]]) -> bool:
    """Run `apply(event)` in the caller's transaction unless `consumer` already processed this event id.
    Returns whether it ran. A concurrent duplicate waits on the first one's row and then skips."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    claim = dialect.insert(table).values(consumer=consumer, event_id=event.id, processed_at=utcnow())
    claimed = (await session.execute(claim.on_conflict_do_nothing().returning(table.c.event_id))).first()
    if claimed is None:
        return False
    await apply(event)
    return True


def inbox_handler(database: Database, table: Table, consumer: str,
                  apply: Callable[[AsyncSession, Event], Awaitable[None]]) -> Handler:
    """A transport handler: one transaction per event, the inbox claim and `apply(session, event)` in it."""

    async def handle(event: Event) -> None:
        async with database.sessions.begin() as session:
            await consume_once(session, table, consumer, event, lambda e: apply(session, e))

    return handle


async def prune(session: AsyncSession, table: Table, *, processed_before: datetime) -> int:
    """Forget ids processed before the given time — older than anything that could still be redelivered
    (the stream's `max_age`, or the oldest unpublished outbox row of every producer)."""
    result = await session.execute(delete(table).where(table.c.processed_at < processed_before))
    return int(getattr(result, "rowcount", 0) or 0)
