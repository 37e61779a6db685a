"""The relay: in order, at least once, never twice at the same time; on both transports."""

import asyncio
import uuid

import pytest
from sqlalchemy import func, select

from common.db import Database
from common.events import Event, InProcessBus, Relay, inbox_handler, record, record_all
from tests.dbs import PG_URL
from tests.events.conftest import FAST, Received, apply_thing, eventually, inbox, outbox, settle, things

TENANT = uuid.uuid4()


async def _record(db, n, *, entity=None, start=1):
    """n events in one transaction, versions start.. of one entity (or one entity each)."""
    events = [Event.new(tenant_id=TENANT, topic="toys.thing.upserted", entity_id=entity or uuid.uuid4(),
                        entity_version=start + i, payload={"name": f"v{start + i}"}) for i in range(n)]
    async with db.sessions.begin() as s:
        await record_all(s, outbox, events)
    return events


async def _unpublished(db):
    async with db.sessions() as s:
        return (await s.execute(select(func.count()).where(outbox.c.published_at.is_(None)))).scalar()


async def test_relay_delivers_in_order_and_stamps(db, transport):
    got = Received()
    await transport.subscribe("toys", ["toys.>"], got)
    thing = uuid.uuid4()
    events = [*await _record(db, 3, entity=thing), *await _record(db, 2, entity=thing, start=4)]
    relay = Relay(db, outbox, transport, batch_size=2)
    assert [await relay.run_once() for _ in range(4)] == [2, 2, 1, 0]
    await eventually(lambda: len(got.events) == 5)
    assert got.ids == [e.id for e in events]
    assert [e.entity_version for e in got.events] == [1, 2, 3, 4, 5]
    assert got.events == events  # the envelope survives the round trip intact
    assert await _unpublished(db) == 0
    await settle(0.3)
    assert len(got.events) == 5


class FlakyTransport:
    """A real transport whose publish raises the first time it sees the given event."""

    def __init__(self, inner, fail_on: uuid.UUID | None) -> None:
        self.inner, self.fail_on = inner, fail_on

    async def publish(self, event):
        if event.id == self.fail_on:
            self.fail_on = None
            raise ConnectionError("broker hiccup")
        await self.inner.publish(event)

    def __getattr__(self, name):
        return getattr(self.inner, name)


async def test_publish_failure_stops_the_batch_so_nothing_overtakes(db, transport):
    got = Received()
    await transport.subscribe("toys", ["toys.>"], got)
    events = await _record(db, 3)
    relay = Relay(db, outbox, FlakyTransport(transport, fail_on=events[1].id))
    assert await relay.run_once() == 1
    assert relay.failures == 1
    async with db.sessions() as s:
        attempts = dict((await s.execute(select(outbox.c.id, outbox.c.attempts))).all())
    assert attempts == {events[0].id: 0, events[1].id: 1, events[2].id: 0}
    assert await relay.run_once() == 2
    assert relay.failures == 0
    await eventually(lambda: len(got.events) == 3)
    assert got.ids == [e.id for e in events]


async def test_crash_between_publish_and_stamp_resends_and_the_inbox_absorbs_it(db, transport, monkeypatch):
    calls = Received()
    handle = inbox_handler(db, inbox, "toys", apply_thing)

    async def consumer(event):
        await calls(event)
        await handle(event)

    await transport.subscribe("toys", ["toys.>"], consumer)
    async with db.sessions.begin() as s:
        await record(s, outbox, tenant_id=TENANT, topic="toys.thing.upserted", entity_id=uuid.uuid4(),
                     entity_version=1, payload={"name": "first"})
    relay = Relay(db, outbox, transport)
    stamp = relay._mark

    async def crash(*args):
        monkeypatch.setattr(relay, "_mark", stamp)
        raise OSError("the process died after publishing, before stamping")

    monkeypatch.setattr(relay, "_mark", crash)
    with pytest.raises(OSError):
        await relay.run_once()
    assert await _unpublished(db) == 1
    assert await relay.run_once() == 1
    assert await _unpublished(db) == 0
    if isinstance(transport, InProcessBus):
        assert len(calls.events) == 2  # delivered twice; applied once, below
    else:
        await eventually(lambda: len(calls.events) >= 1)
        await settle()
        info = await transport.js.stream_info(transport.stream)
        assert info.state.messages == 1  # the re-send had the same Nats-Msg-Id: dropped by the server
        assert len(calls.events) == 1
    async with db.sessions() as s:
        assert (await s.execute(select(things.c.applied))).scalars().all() == [1]
        assert (await s.execute(select(func.count()).select_from(inbox))).scalar() == 1


async def test_inbox_applies_each_event_once_and_ignores_older_versions(db):
    """Redelivery and reordering at the consumer: the inbox and the version check."""
    bus = InProcessBus(FAST)
    await bus.start()
    await bus.subscribe("toys", ["toys.>"], inbox_handler(db, inbox, "toys", apply_thing))
    thing = uuid.uuid4()
    v1, v2, v3 = [Event.new(tenant_id=TENANT, topic="toys.thing.upserted", entity_id=thing, entity_version=v,
                            payload={"name": f"v{v}"}) for v in (1, 2, 3)]
    for event in (v1, v3, v3, v2, v1):
        await bus.publish(event)
    async with db.sessions() as s:
        assert (await s.execute(select(things.c.name, things.c.version, things.c.applied))).all() == [("v3", 3, 2)]
        assert (await s.execute(select(func.count()).select_from(inbox))).scalar() == 3


async def test_two_relays_on_postgresql_never_double_publish(db):
    if not PG_URL:
        pytest.skip("PostgreSQL only: on SQLite one relay runs per database")
    got = Received()
    bus = InProcessBus(FAST)
    await bus.start()

    async def slow(event):
        await got(event)
        await asyncio.sleep(0)  # let the other relay run while this one holds its batch

    await bus.subscribe("toys", ["toys.>"], slow)
    events = []
    for _ in range(6):
        events += await _record(db, 50)
    other = Database(db.url)
    relays = [Relay(db, outbox, bus, batch_size=20), Relay(other, outbox, bus, batch_size=20)]

    async def drain(relay):
        turns = 0
        while await _unpublished(db):
            turns += await relay.run_once() > 0
            await asyncio.sleep(0)
        return turns

    try:
        turns = await asyncio.gather(*(drain(r) for r in relays))
    finally:
        await other.dispose()
    assert len(got.ids) == len(set(got.ids)) == 300
    assert got.ids == [e.id for e in events]  # one relay at a time: the order holds too
    assert all(turns), turns  # both relays did publish


async def test_background_relay_is_woken_by_the_commit(db, transport):
    got = Received()
    await transport.subscribe("toys", ["toys.>"], got)
    relay = Relay(db, outbox, transport, poll_interval=3600.0)  # only a wake-up can make it come
    await relay.start()
    try:
        await asyncio.sleep(0.05)
        events = await _record(db, 2)
        await eventually(lambda: len(got.events) == 2)
        assert got.ids == [e.id for e in events]
    finally:
        await relay.stop()
    await eventually(lambda: _unpublished_is(db, 0))


async def _unpublished_is(db, n):
    return await _unpublished(db) == n


async def test_background_relay_polls_and_backs_off_without_losing_anything(db):
    got = Received()
    bus = InProcessBus(FAST)
    await bus.start()
    await bus.subscribe("toys", ["toys.>"], got)
    events = await _record(db, 3)  # written before the relay started: no wake-up, found by polling
    flaky = FlakyTransport(bus, fail_on=events[0].id)
    relay = Relay(db, outbox, flaky, poll_interval=0.05)
    await relay.start()
    try:
        await eventually(lambda: len(got.events) == 3, within=5.0)
    finally:
        await relay.stop()
    assert got.ids == [e.id for e in events]
    await relay.stop()  # stopping twice is harmless
