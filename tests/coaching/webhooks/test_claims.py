"""Deliveries are claimed in a short transaction, sent outside any transaction and recorded in another: two
workers (two replicas: engines of their own on one database) deliver each exactly once, a worker that dies
holding claims lets them go, one delivery's unexpected error fails only that delivery, and nothing is locked
while a receiver is slow."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import text, update

from common.db import Database
from services.coaching.settings import CoachingSettings
from services.coaching.webhooks import signing
from services.coaching.webhooks.delivery import DeliveryConfig, Outcome
from services.coaching.webhooks.models import WebhookDelivery, WebhookSubscription
from tests.coaching.webhooks.helpers import (
    coaching_db,
    completed_session,
    deliverer,
    eventually,
    log_of,
    logged,
    subscribe,
)
from tests.conftest import Stack


async def _replica(stack: Stack) -> Database:
    """Another engine on the coaching database, as a second coaching process would have."""
    return Database(coaching_db(stack).url)


async def _sessions(c: Any, sub: dict[str, Any], n: int) -> None:
    for _ in range(n):
        await completed_session(c)
    await logged(c, sub, 2 * n)  # session.completed and action.created each


async def test_two_workers_never_send_one_delivery_twice(hooks, dev_stack, rx):
    c, _ = hooks
    sub = await subscribe(c, rx.url, "action.created", "session.completed")
    await _sessions(c, sub, 3)
    rx.gate = asyncio.Event()  # the receiver holds every request until the test opens it
    other = await _replica(dev_stack)
    a, b = deliverer(dev_stack, batch=6), deliverer(dev_stack, db=other, batch=6)
    try:
        first = asyncio.create_task(a.run_once())

        async def all_arrived() -> bool:
            return len(rx.received) == 6

        await eventually(all_arrived)  # a holds all six, mid-send
        second = asyncio.create_task(b.run_once())

        async def b_settled() -> bool:
            return second.done() or len(rx.received) > 6

        await eventually(b_settled)
        rx.gate.set()
        assert (await first, await second) == (6, 0)
    finally:
        rx.gate.set()
        await a.stop()
        await b.stop()
        await other.dispose()
    assert len(rx.received) == 6 and set(rx.per_message().values()) == {1}
    assert {(d["status"], d["attempts"]) for d in await log_of(c, sub)} == {("delivered", 1)}


async def test_two_running_replicas_deliver_each_exactly_once(hooks, dev_stack, rx):
    c, _ = hooks
    subs = [await subscribe(c, rx.url, "action.created", "session.completed") for _ in range(2)]
    for _ in range(6):
        await completed_session(c)
    for sub in subs:
        await logged(c, sub, 12)
    other = await _replica(dev_stack)
    workers = [deliverer(dev_stack, batch=2, poll=0.01), deliverer(dev_stack, db=other, batch=2, poll=0.01)]
    try:
        for w in workers:
            await w.start()

        async def all_delivered() -> bool:
            logs = [await log_of(c, sub) for sub in subs]
            return all(d["status"] == "delivered" for log in logs for d in log)

        await eventually(all_delivered)
    finally:
        for w in workers:
            await w.stop()
        await other.dispose()
    assert len(rx.received) == 24 and set(rx.per_message().values()) == {2}  # one per subscription and event
    assert len({(r.headers["webhook-id"], r.headers["webhook-signature"]) for r in rx.received}) == 24


async def test_a_crashed_claimers_deliveries_go_when_its_claim_runs_out(hooks, dev_stack, rx):
    c, _ = hooks
    sub = await subscribe(c, rx.url, "action.created")
    await _sessions_one(c, sub)
    now = [datetime.now(UTC)]
    crashed = deliverer(dev_stack, lambda: now[0], claim=timedelta(seconds=60))
    live = deliverer(dev_stack, lambda: now[0])
    try:
        token, claimed, _ = await crashed.claim(now[0])  # claims, then dies before sending
        assert len(claimed) == 1
        assert await live.run_once() == 0  # held by the crashed worker's claim
        now[0] += timedelta(seconds=61)
        assert await live.run_once() == 1  # the claim ran out
        # the dead worker's outcome, arriving late, changes nothing
        await crashed.record(claimed[0], token, Outcome(False, error="HTTP 500"))
    finally:
        await crashed.stop()
        await live.stop()
    [d] = await log_of(c, sub)
    assert (d["status"], d["attempts"], d["last_error"]) == ("delivered", 1, None) and len(rx.received) == 1


async def _sessions_one(c: Any, sub: dict[str, Any]) -> None:
    await completed_session(c)
    await logged(c, sub, 1)


async def test_an_unexpected_error_fails_one_delivery_not_the_batch(hooks, dev_stack, rx, monkeypatch):
    c, _ = hooks
    good = await subscribe(c, rx.url, "action.created", "session.completed")
    bad_url = await subscribe(c, rx.url, "session.completed")
    unsignable = await subscribe(c, rx.url, "action.created")
    await completed_session(c)
    for sub, n in ((good, 2), (bad_url, 1), (unsignable, 1)):
        await logged(c, sub, n)
    async with coaching_db(dev_stack).sessions() as s, s.begin():  # a row written before the policy knew better
        await s.execute(update(WebhookSubscription).where(WebhookSubscription.id == uuid.UUID(bad_url["id"]))
                        .values(url="http://[::1/hook"))
    real_headers = signing.headers

    def headers(secret: str, message_id: str, at: datetime, body: str) -> dict[str, str]:
        if secret == unsignable["secret"]:
            raise RuntimeError("a bug signing this one payload")
        return real_headers(secret, message_id, at, body)

    monkeypatch.setattr(signing, "headers", headers)
    now = [datetime.now(UTC)]
    sent = deliverer(dev_stack, lambda: now[0])
    try:
        assert await sent.run_once() == 4
        assert await sent.run_once() == 0  # nothing repeats: the failed ones wait for their retry
    finally:
        await sent.stop()
    assert len(rx.received) == 2 and set(rx.per_message().values()) == {1}
    assert {(d["status"], d["attempts"]) for d in await log_of(c, good)} == {("delivered", 1)}
    for sub, error in ((bad_url, "refused: The URL is not valid."),
                       (unsignable, "internal error (RuntimeError); the delivery is retried")):
        [d] = await log_of(c, sub)
        assert (d["status"], d["attempts"], d["last_error"]) == ("pending", 1, error)
        assert datetime.fromisoformat(d["next_attempt_at"]) - now[0] >= timedelta(seconds=10)  # backed off
        assert (await c.get(f"/v1/webhooks/{sub['id']}")).json()["failure_streak"] == 1


async def test_nothing_is_locked_while_a_receiver_is_slow(hooks, dev_stack, rx):
    c, _ = hooks
    sub = await subscribe(c, rx.url, "action.created")
    await _sessions_one(c, sub)
    [pending] = await log_of(c, sub)
    rx.gate = asyncio.Event()
    sent = deliverer(dev_stack, timeout=300.0, claim=timedelta(seconds=600))  # it waits as long as the test needs
    db = coaching_db(dev_stack)
    try:
        sending = asyncio.create_task(sent.run_once())

        async def arrived() -> bool:
            return len(rx.received) == 1

        await eventually(arrived)  # the receiver now holds the request
        # another session writes the subscription and the delivery's row while the request is in flight
        r = await c.patch(f"/v1/webhooks/{sub['id']}", json={"description": "changed mid-delivery"})
        assert r.status_code == 200, r.text
        async with db.sessions() as s, s.begin():
            if s.get_bind().dialect.name == "postgresql":  # a held row lock fails here instead of waiting
                await s.execute(text("SET LOCAL lock_timeout = '30s'"))
            await s.execute(update(WebhookDelivery).where(WebhookDelivery.id == uuid.UUID(pending["id"]))
                            .values(event_type=WebhookDelivery.event_type))
            await s.execute(update(WebhookSubscription).where(WebhookSubscription.id == uuid.UUID(sub["id"]))
                            .values(failure_streak=WebhookSubscription.failure_streak))
        assert not sending.done() and len(rx.received) == 1, "the writes waited for the delivery to end"
        rx.gate.set()
        assert await sending == 1
    finally:
        rx.gate.set()
        await sent.stop()
    [d] = await log_of(c, sub)
    assert (d["status"], d["attempts"]) == ("delivered", 1)
    assert (await c.get(f"/v1/webhooks/{sub['id']}")).json()["description"] == "changed mid-delivery"


async def test_a_replica_stopping_mid_send_finishes_and_records_what_it_claimed(hooks, dev_stack, rx):
    c, _ = hooks
    sub = await subscribe(c, rx.url, "action.created")
    await _sessions_one(c, sub)
    rx.gate = asyncio.Event()
    worker = deliverer(dev_stack, poll=0.01, timeout=300.0, claim=timedelta(seconds=600))
    await worker.start()

    async def arrived() -> bool:
        return len(rx.received) == 1

    await eventually(arrived)
    stopping = asyncio.create_task(worker.stop())  # e.g. SIGTERM during a rolling deploy
    await asyncio.sleep(0)
    assert not stopping.done()  # it waits for the request under way
    rx.gate.set()
    await stopping
    [d] = await log_of(c, sub)
    assert (d["status"], d["attempts"]) == ("delivered", 1) and len(rx.received) == 1
    other = deliverer(dev_stack)
    try:
        assert await other.run_once() == 0  # nothing left claimed or due for another replica
    finally:
        await other.stop()


def test_delivery_settings_come_from_the_coaching_settings(monkeypatch):
    monkeypatch.setenv("UPLIFT_COACHING_WEBHOOKS_TIMEOUT_SECONDS", "45")  # e.g. raised for a busy machine
    s = CoachingSettings(environment="production", webhooks_connect_timeout_seconds=7, webhooks_claim_seconds=90,
                         webhooks_batch=5, webhooks_poll_seconds=0.5)
    assert DeliveryConfig.of(s) == DeliveryConfig(development=False, timeout=45, connect_timeout=7,
                                                  claim=timedelta(seconds=90), batch=5, poll=0.5)
    assert DeliveryConfig.of(CoachingSettings(environment="development")).development is True
    with pytest.raises(ValidationError, match="webhooks_claim_seconds must be longer"):
        CoachingSettings(webhooks_claim_seconds=45)  # a claim shorter than an attempt could be sent twice
