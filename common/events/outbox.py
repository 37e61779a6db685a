"""The transactional outbox: a service writes its events into its own `outbox` table in the same
transaction as the change they describe, so an event exists if and only if the change committed.
A `Relay` (relay.py) later publishes the rows and stamps `published_at`."""

import logging
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, Index, Integer, MetaData, String, Table, Uuid, delete, event, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from common.db import JSONType, UTCDateTime
from common.events.envelope import Event

log = logging.getLogger("uplift.events")
_PENDING = "uplift.events.recorded"
_commit_listeners: set[Callable[[Any], None]] = set()


def outbox_table(metadata: MetaData) -> Table:
    published_at = Column("published_at", UTCDateTime, nullable=True)
    return Table(
        "outbox", metadata,
        Column("id", Uuid, primary_key=True),  # UUIDv7: the publishing order and the de-duplication key
        Column("tenant_id", Uuid, nullable=False),
        Column("topic", String(200), nullable=False),
        Column("entity_id", String(200), nullable=False),
        Column("entity_version", BigInteger, nullable=False),
        Column("payload", JSONType, nullable=False),
        Column("occurred_at", UTCDateTime, nullable=False),
        published_at,
        Column("attempts", Integer, nullable=False, default=0),  # failed publish attempts
        # Only the unpublished rows are indexed: the relay's scan costs what is pending, not what is history.
        Index("ix_outbox_unpublished", "id", postgresql_where=published_at.is_(None),
              sqlite_where=published_at.is_(None)),
    )


async def record(session: AsyncSession, table: Table, *, tenant_id: uuid.UUID, topic: str,
                 entity_id: str | uuid.UUID, entity_version: int, payload: dict[str, Any],
                 occurred_at: datetime | None = None) -> Event:
    """Add one event to the caller's transaction; it is published only if that transaction commits."""
    event_ = Event.new(tenant_id=tenant_id, topic=topic, entity_id=entity_id, entity_version=entity_version,
                       payload=payload, occurred_at=occurred_at)
    await record_all(session, table, [event_])
    return event_


async def record_all(session: AsyncSession, table: Table, events: Iterable[Event]) -> None:
    """Add many events (built with `Event.new`) to the caller's transaction in one statement."""
    rows = [{**e.model_dump(), "attempts": 0} for e in events]
    if rows:
        await session.execute(insert(table), rows)
        session.info[_PENDING] = True


async def prune(session: AsyncSession, table: Table, *, published_before: datetime) -> int:
    """Delete rows published before the given time (keep them as long as a replay might need them)."""
    result = await session.execute(delete(table).where(table.c.published_at < published_before))
    return int(getattr(result, "rowcount", 0) or 0)


def on_commit(callback: Callable[[Any], None]) -> Callable[[], None]:
    """Call `callback(bind)` after each commit of a session that recorded events; returns the undo."""
    _commit_listeners.add(callback)
    return lambda: _commit_listeners.discard(callback)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.info.pop(_PENDING, False):
        for callback in list(_commit_listeners):
            try:
                callback(session.bind)
            except Exception:  # a wake-up must never fail the commit it follows
                log.warning("commit listener failed", exc_info=True)
