"""The JetStream transport against the real server: acks, redelivery, durable catch-up, de-duplication."""

import uuid

import pytest

from common.events import Event
from common.events.jetstream import JetStreamBus
from tests.events.conftest import FAST, Received, eventually, settle

TENANT = uuid.uuid4()


def _event(topic="toys.thing.upserted", version=1):
    return Event.new(tenant_id=TENANT, topic=topic, entity_id="t1", entity_version=version, payload={"v": version})


async def test_stream_and_consumers_are_created_idempotently(jetstream):
    first = await jetstream()
    await first.subscribe("toys", ["toys.thing.upserted"], Received())
    second = await jetstream(duplicate_window=600.0)  # another replica, newer settings: the stream is updated
    await second.subscribe("toys", ["toys.thing.upserted"], Received())
    info = await jetstream.stream_info()
    assert info.config.subjects == [f"{jetstream.prefix}.>"] and info.config.duplicate_window == 600.0
    consumer = await jetstream.consumer_info("toys")
    assert consumer.config.filter_subject == f"{jetstream.prefix}.toys.thing.upserted"
    assert consumer.config.max_deliver == FAST.max_deliver and consumer.config.ack_policy == "explicit"


async def test_a_nacked_event_is_redelivered_until_the_handler_succeeds(jetstream):
    bus = await jetstream()
    calls = Received()

    async def fails_twice(event):
        await calls(event)
        if len(calls.events) <= 2:
            raise RuntimeError("database briefly unavailable")

    await bus.subscribe("toys", ["toys.>"], fails_twice)
    event = _event()
    await bus.publish(event)
    await eventually(lambda: len(calls.events) == 3)
    await settle()
    assert calls.ids == [event.id] * 3
    consumer = await jetstream.consumer_info("toys")
    assert consumer.num_ack_pending == 0 and consumer.num_pending == 0 and consumer.delivered.stream_seq == 1


async def test_a_handler_that_never_succeeds_is_given_up_after_max_deliver_and_does_not_block(jetstream):
    bus = await jetstream()
    calls = Received()

    async def poisoned(event):
        await calls(event)
        if event.payload["v"] == 1:
            raise ValueError("this event can never be applied")

    await bus.subscribe("toys", ["toys.>"], poisoned)
    await bus.publish(_event(version=1))
    await bus.publish(_event(version=2))
    await eventually(lambda: [e.payload["v"] for e in calls.events].count(1) == FAST.max_deliver)
    await settle()
    assert [e.payload["v"] for e in calls.events].count(1) == FAST.max_deliver
    assert [e.payload["v"] for e in calls.events].count(2) == 1
    consumer = await jetstream.consumer_info("toys")
    assert consumer.num_ack_pending == 0 and consumer.num_pending == 0


async def test_a_consumer_that_was_down_catches_up_from_its_durable_position(jetstream):
    producer = await jetstream()
    consumer = await jetstream()
    before = Received()
    await consumer.subscribe("metrics", ["toys.>"], before)
    first = _event(version=1)
    await producer.publish(first)
    await eventually(lambda: len(before.events) == 1)
    await consumer.close()  # the consuming service goes down

    missed = [_event(version=v) for v in (2, 3, 4)]
    for event in missed:
        await producer.publish(event)
    await settle(0.3)

    back = await jetstream()  # ...and comes back under the same durable name
    after = Received()
    await back.subscribe("metrics", ["toys.>"], after)
    await eventually(lambda: len(after.events) == 3)
    await settle()
    assert after.ids == [e.id for e in missed]  # everything it missed, in order, and nothing it had


async def test_a_new_durable_starts_from_the_oldest_kept_event(jetstream):
    bus = await jetstream()
    events = [_event(version=v) for v in (1, 2)]
    for event in events:
        await bus.publish(event)
    late = Received()
    await bus.subscribe("latecomer", ["toys.>"], late)
    await eventually(lambda: late.ids == [e.id for e in events])


async def test_the_same_event_id_published_twice_is_stored_once(jetstream):
    bus = await jetstream()
    got = Received()
    await bus.subscribe("toys", ["toys.>"], got)
    event = _event()
    await bus.publish(event)
    await bus.publish(Event.from_json(event.to_json()))  # a relay re-sending after a crash
    await eventually(lambda: len(got.events) == 1)
    await settle()
    assert got.ids == [event.id]
    assert (await jetstream.stream_info()).state.messages == 1


async def test_topics_filter_and_durables_fan_out_while_replicas_share(jetstream):
    bus, replica = await jetstream(), await jetstream()
    people, replica_people, everything = Received(), Received(), Received()
    await bus.subscribe("metrics-people", ["coaching.person.upserted", "coaching.line.changed"], people)
    await replica.subscribe("metrics-people", ["coaching.person.upserted", "coaching.line.changed"], replica_people)
    await bus.subscribe("webhooks", [">"], everything)
    topics = ["coaching.person.upserted", "coaching.session.completed", "coaching.line.changed",
              "behaviors.behavior.published"] * 5
    for topic in topics:
        await bus.publish(_event(topic))
    await eventually(lambda: len(everything.events) == 20)
    await eventually(lambda: len(people.events) + len(replica_people.events) == 10)
    await settle()
    shared = people.events + replica_people.events
    assert len({e.id for e in shared}) == 10  # each wanted event handled once across the two replicas
    assert {e.topic for e in shared} == {"coaching.person.upserted", "coaching.line.changed"}


async def test_an_unreachable_server_is_a_clear_error():
    bus = JetStreamBus("nats://127.0.0.1:1", connect_timeout=1.0)
    with pytest.raises(ConnectionError, match="unreachable"):
        await bus.start()
    with pytest.raises(RuntimeError, match="start"):
        await bus.publish(_event())
