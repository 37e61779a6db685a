"""The embedded bus keeps the transport contract: retries, a bound, fan-out by topic."""

import asyncio
import uuid

import pytest

from common.events import Event, InProcessBus, Retry
from tests.events.conftest import FAST, Received

TENANT = uuid.uuid4()


def _event(topic="toys.thing.upserted"):
    return Event.new(tenant_id=TENANT, topic=topic, entity_id="t1", entity_version=1, payload={})


async def test_publish_returns_after_the_handler_succeeded_retrying_failures():
    bus = InProcessBus(FAST)
    await bus.start()
    calls = Received()

    async def fails_twice(event):
        await calls(event)
        if len(calls.events) <= 2:
            raise RuntimeError("database briefly unavailable")

    await bus.subscribe("toys", ["toys.>"], fails_twice)
    await bus.publish(_event())
    assert len(calls.events) == 3


async def test_a_handler_that_never_succeeds_is_given_up_and_others_still_get_the_event(caplog):
    bus = InProcessBus(Retry(max_deliver=3, delays=(0.0,)))
    await bus.start()
    calls, others = Received(), Received()

    async def poisoned(event):
        await calls(event)
        raise ValueError("never")

    await bus.subscribe("poisoned", ["toys.>"], poisoned)
    await bus.subscribe("others", ["toys.*.upserted"], others)
    event = _event()
    await bus.publish(event)
    assert len(calls.events) == 3 and others.ids == [event.id]
    assert any("given up by poisoned after 3 deliveries" in r.getMessage() for r in caplog.records)


async def test_topics_select_the_subscriptions_and_a_durable_subscribes_once():
    bus = InProcessBus(FAST)
    await bus.start()
    people, sessions, replaced = Received(), Received(), Received()
    await bus.subscribe("people", ["coaching.person.upserted", "coaching.line.changed"], replaced)
    await bus.subscribe("people", ["coaching.person.upserted", "coaching.line.changed"], people)
    await bus.subscribe("sessions", ["coaching.session.*"], sessions)
    for topic in ("coaching.person.upserted", "coaching.session.completed", "coaching.line.changed", "x.y"):
        await bus.publish(_event(topic))
    assert [e.topic for e in people.events] == ["coaching.person.upserted", "coaching.line.changed"]
    assert [e.topic for e in sessions.events] == ["coaching.session.completed"]
    assert replaced.events == []
    await bus.close()
    with pytest.raises(TimeoutError):  # a closed bus publishes nothing, to nobody
        async with asyncio.timeout(0.1):
            await bus.publish(_event())
    assert len(people.events) == 2


async def test_publishing_waits_until_the_bus_is_started_so_no_subscriber_misses_anything():
    bus = InProcessBus(FAST)
    early = Received()
    await bus.subscribe("early", ["toys.>"], early)
    publishing = asyncio.create_task(bus.publish(_event()))  # a relay that started first
    await asyncio.sleep(0.05)
    assert not publishing.done() and early.events == []
    late = Received()
    await bus.subscribe("late", ["toys.>"], late)  # a service whose lifespan was entered later
    await bus.start()
    await publishing
    assert len(early.events) == len(late.events) == 1
