"""An idle consumer and an idle relay on the real NATS server log nothing at WARNING or above: an empty
fetch is how a pull consumer waits, not a failure (nats-py raises asyncio.TimeoutError, or its own
TimeoutError, when a fetch comes back empty)."""

import logging
import uuid

import pytest
from nats.js import JetStreamContext

from common.events import Event, Relay
from tests.events.conftest import Received, eventually, outbox


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    return caplog


def _loud(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [f"{r.name} {r.levelname}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.WARNING]


@pytest.mark.parametrize("batch", [1, 50])  # nats-py fetches one message and several by different paths
async def test_an_idle_consumer_logs_nothing_over_many_empty_fetches(jetstream, logs, batch):
    # A short poll makes many fetches end the way a busy machine makes some end: the server's "no messages"
    # arriving right at the deadline, which nats-py raises as a plain asyncio.TimeoutError (a few percent).
    bus = await jetstream(poll=0.01, batch=batch)
    await bus.subscribe("idle", ["toys.>"], Received())
    await eventually(lambda: bus.empty_fetches >= 300, within=20)
    assert _loud(logs) == []


async def test_either_timeout_nats_raises_for_an_empty_fetch_is_quiet(jetstream, logs, monkeypatch):
    """Deterministic: every other fetch ends with a plain asyncio.TimeoutError, as nats-py's batch fetch does
    when its probe's answer comes at the deadline; the others with nats.errors.TimeoutError."""
    fetch = JetStreamContext.PullSubscription.fetch
    calls = 0

    async def racy_fetch(self, *args, **kwargs):
        nonlocal calls
        calls += 1
        if calls % 2:
            raise TimeoutError  # = asyncio.TimeoutError (Python 3.11+), what nats-py raises there
        return await fetch(self, *args, **kwargs)

    monkeypatch.setattr(JetStreamContext.PullSubscription, "fetch", racy_fetch)
    bus = await jetstream(poll=0.05)
    got = Received()
    await bus.subscribe("idle", ["toys.>"], got)
    await eventually(lambda: bus.empty_fetches >= 10)
    assert _loud(logs) == []
    event = Event.new(tenant_id=uuid.uuid4(), topic="toys.thing.upserted", entity_id="t1", entity_version=1,
                      payload={})
    await bus.publish(event)  # and the consumer still consumes
    await eventually(lambda: got.ids == [event.id])


async def test_an_idle_relay_on_jetstream_logs_nothing(db, jetstream, logs):
    bus = await jetstream(poll=0.1)
    await bus.subscribe("idle", ["toys.>"], Received())
    relay = Relay(db, outbox, bus, poll_interval=0.05)
    await relay.start()
    try:
        await eventually(lambda: bus.empty_fetches >= 5 and relay.idle_runs >= 5)
    finally:
        await relay.stop()
    assert _loud(logs) == []
