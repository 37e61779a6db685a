"""The outbox row is part of the business transaction: committed together or not at all."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from common.db import utcnow
from common.events import Event, record, record_all
from common.events.outbox import on_commit, prune
from tests.events.conftest import outbox, things

TENANT = uuid.uuid4()


async def _change(session, name="first", version=1):
    thing_id = uuid.uuid4()
    await session.execute(things.insert().values(id=thing_id, tenant_id=TENANT, name=name, version=version))
    event = await record(session, outbox, tenant_id=TENANT, topic="toys.thing.upserted", entity_id=thing_id,
                         entity_version=version, payload={"name": name, "id": thing_id})
    return thing_id, event


async def test_event_committed_with_the_change(db):
    async with db.sessions.begin() as s:
        thing_id, event = await _change(s)
    async with db.sessions() as s:
        row = (await s.execute(select(outbox))).mappings().one()
        assert (await s.execute(select(func.count()).select_from(things))).scalar() == 1
    assert row["id"] == event.id and row["tenant_id"] == TENANT and row["topic"] == "toys.thing.upserted"
    assert row["entity_id"] == str(thing_id) and row["entity_version"] == 1
    assert row["payload"] == {"name": "first", "id": str(thing_id)}
    assert row["published_at"] is None and row["attempts"] == 0
    assert row["occurred_at"] == event.occurred_at


async def test_rollback_leaves_neither_change_nor_event(db):
    with pytest.raises(RuntimeError):
        async with db.sessions.begin() as s:
            await _change(s)
            raise RuntimeError("the business rule failed after the event was recorded")
    async with db.sessions() as s:
        assert (await s.execute(select(func.count()).select_from(outbox))).scalar() == 0
        assert (await s.execute(select(func.count()).select_from(things))).scalar() == 0


async def test_many_events_in_one_statement_keep_their_ids(db):
    events = [Event.new(tenant_id=TENANT, topic="toys.thing.upserted", entity_id=str(i), entity_version=i,
                        payload={"n": i}) for i in range(50)]
    async with db.sessions.begin() as s:
        await record_all(s, outbox, events)
        await record_all(s, outbox, [])
    async with db.sessions() as s:
        ids = (await s.execute(select(outbox.c.id).order_by(outbox.c.id))).scalars().all()
    assert ids == sorted(e.id for e in events) == [e.id for e in events]  # UUIDv7: creation order


async def test_commit_hook_fires_only_for_commits_that_recorded_events(db):
    binds: list[object] = []
    undo = on_commit(binds.append)
    try:
        async with db.sessions.begin() as s:
            await s.execute(things.insert().values(id=uuid.uuid4(), tenant_id=TENANT, name="quiet", version=1))
        assert binds == []
        async with db.sessions.begin() as s:
            await _change(s)
        assert binds == [db.engine.sync_engine]
    finally:
        undo()
    async with db.sessions.begin() as s:
        await _change(s)
    assert len(binds) == 1


async def test_prune_deletes_only_published_rows_older_than_asked(db):
    async with db.sessions.begin() as s:
        _, old = await _change(s, "old")
        _, recent = await _change(s, "recent")
        await _change(s, "pending")
        await s.execute(outbox.update().where(outbox.c.id == old.id).values(published_at=utcnow() - timedelta(days=8)))
        await s.execute(outbox.update().where(outbox.c.id == recent.id).values(published_at=utcnow()))
    async with db.sessions.begin() as s:
        assert await prune(s, outbox, published_before=utcnow() - timedelta(days=7)) == 1
    async with db.sessions() as s:
        assert (await s.execute(select(func.count()).select_from(outbox))).scalar() == 2
