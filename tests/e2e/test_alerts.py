"""Issue 11's alerts end to end: behaviors, coaching, metrics and the gateway each as its own process on the real
NATS JetStream server (a stream and subject prefix of the test's own) and the test databases, a webhook
subscription to a local receiver, the sweeps running every few tenths of a second.

1. A programme with one pair and no session (fizzling: the programme and its pair), a goal whose review day is
   today, a seller with no meetings against a weekly target: `programme.fizzling` x2, `goal.review_due` and
   `indicator.off_track` are delivered, signed.
2. Coaching is killed (SIGKILL). The seller books the meetings: metrics announces `indicator.back_on_track`, which
   waits in the stream for coaching's webhook consumer.
3. Metrics is killed, coaching started again: it delivers the back-on-track; the pair holds two sessions (the
   programme and the pair recover), a second programme without sessions fizzles (its announcement shows the sweep
   ran after the restart over every programme), a second seller is added while metrics is down.
4. Metrics started again: the second seller reaches it and is announced off track (its sweep ran after the
   restart over everyone).
Then every alert was delivered exactly once per occurrence — none lost over the restarts, none doubled by the
sweeps that ran again after them."""

import asyncio
import json
import signal
import uuid
from collections import Counter
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook

from services.metrics import models as metrics
from tests.coaching.webhooks.receiver import Receiver, receiver
from tests.dbs import TestDatabases
from tests.e2e.processes import PARTS, Topology
from tests.e2e.test_fault import Databases, Gateway, day, held_session
from tests.events_wiring.conftest import Streams, eventually
from tests.nats_server import NATS_URL

pytestmark = pytest.mark.e2e

ALERTS = ["programme.fizzling", "programme.recovered", "goal.review_due", "indicator.off_track",
          "indicator.back_on_track"]
SWEEP = "0.3"


def bodies(rx: Receiver, secret: str) -> list[dict[str, Any]]:
    """Every delivery received, verified with the subscription's secret (the reference library)."""
    return [Webhook(secret).verify(r.body, r.headers) for r in rx.received]


def kinds(rx: Receiver) -> Counter[str]:
    return Counter(json.loads(r.body)["type"] for r in rx.received)


async def programme_with_a_pair(gw: Gateway, name: str, coach: str, seller: str) -> tuple[str, str]:
    programme = (await gw.mutate("createProgramme", "input: ProgrammeInput!", "id", "Programme", input={
        "name": name, "behaviorKeys": ["exec-meetings"], "cadenceDays": 7, "startsOn": day(-40)}))["id"]
    pair = (await gw.mutate("addProgrammePair", "programmeId: ID!, input: PairInput!", "id", "ProgrammePair",
                            programmeId=programme, input={"coachId": coach, "sellerId": seller,
                                                          "joinedOn": day(-40)}))["id"]
    return str(programme), str(pair)


async def test_every_alert_is_delivered_once_across_restarts(databases: TestDatabases, tmp_path: Path) -> None:
    streams = Streams()
    await streams.check_server()
    urls = databases.fresh(tmp_path)
    async with receiver() as rx:
        topo = Topology(urls, tmp_path, extra={
            "UPLIFT_BROKER_URL": NATS_URL, "UPLIFT_BROKER_STREAM": streams.stream,
            "UPLIFT_BROKER_SUBJECT_PREFIX": streams.prefix,
            "UPLIFT_COACHING_ENVIRONMENT": "development",  # webhooks to a local receiver
            "UPLIFT_COACHING_FIZZLE_SWEEP_SECONDS": SWEEP, "UPLIFT_COACHING_REVIEW_DUE_SWEEP_SECONDS": SWEEP,
            "UPLIFT_METRICS_INDICATOR_ALERT_SECONDS": SWEEP, "UPLIFT_COACHING_WEBHOOKS_POLL_SECONDS": "0.2",
            "UPLIFT_GATEWAY_BREAKER_COOLDOWN_SECONDS": "1"})
        dbs = Databases(urls)
        gw: Gateway | None = None
        try:
            await asyncio.to_thread(topo.start, *PARTS)
            creds = json.loads(await asyncio.to_thread(topo.cli, "tenant", "create", "alerts"))
            gw = Gateway(topo.url("gateway"), uuid.UUID(creds["tenant_id"]), creds["api_key"])
            await run(topo, gw, dbs, rx)
        finally:
            await asyncio.to_thread(topo.close)
            if gw is not None:
                await gw.http.aclose()
            await dbs.dispose()
            await streams.delete()
            await databases.clean()


async def run(topo: Topology, gw: Gateway, dbs: Databases, rx: Receiver) -> None:
    sub = await gw.rest("POST", "/api/coaching/v1/webhooks", 201, json={"url": rx.url, "event_types": ALERTS})
    behavior = (await gw.mutate("createBehavior", "input: BehaviorInput!", "id indicators { id }", "Behavior", input={
        "key": "exec-meetings", "name": "Meet executives", "audience": ["SELLER"],
        "indicators": [{"metricKey": "meetings", "kind": "ACTIVITY", "target": 3, "period": "WEEK"}]}))
    await gw.mutate("publishBehavior", "id: ID!", "version", "Behavior", id=behavior["id"])
    coach = await gw.person("Cora", roles=["MANAGER"])
    seller = await gw.person("Sami", roles=["SELLER"])
    programme, pair = await programme_with_a_pair(gw, "Exec meetings clinic", coach, seller)
    goal = await gw.rest("POST", "/api/coaching/v1/goals", 201, json={
        "seller_id": seller, "coach_id": coach, "metric_key": "meetings", "kind": "activity", "target": 3,
        "period": "week", "review_on": day(0)})
    await gw.rest("POST", f"/api/coaching/v1/goals/{goal['id']}/agree",
                  headers={"authorization": f"Bearer {gw.seller_token(seller)}"})

    # ---- 1. the first alerts
    first = {"programme.fizzling": 2, "goal.review_due": 1, "indicator.off_track": 1}
    await eventually(lambda: _at_least(rx, first), within=30)
    got = bodies(rx, sub["secret"])
    fizzling = {b["data"]["id"]: b["data"] for b in got if b["type"] == "programme.fizzling"}
    assert set(fizzling) == {programme, pair}
    assert (fizzling[pair]["held_last_28_days"], fizzling[pair]["planned_last_28_days"]) == (0, 4.0)
    [off] = [b["data"] for b in got if b["type"] == "indicator.off_track"]
    assert (off["person_id"], off["indicator_id"], off["actual"]) == (seller, behavior["indicators"][0]["id"], 0.0)
    [due] = [b["data"] for b in got if b["type"] == "goal.review_due"]
    assert (due["id"], due["review_on"]) == (goal["id"], day(0))

    # ---- 2. coaching down: the seller catches up, metrics announces it into the stream. Killed once the outcomes
    # are recorded: a delivery killed between its POST and its record is sent again with the same webhook-id
    # (at least once, docs/api.md §10), which is not what this test is about
    await eventually(lambda: all_recorded(gw, sub["id"], sum(first.values())), within=10)
    topo.stop("coaching", signal.SIGKILL)
    yesterday = datetime.combine(datetime.now(UTC).date() - timedelta(days=1), time(12), tzinfo=UTC).isoformat()
    await gw.rest("POST", "/api/metrics/v1/activities", json={"items": [
        {"external_id": f"meet-{n}", "source": "salesforce", "type": "meeting", "person_id": seller,
         "occurred_at": yesterday, "source_updated_at": yesterday} for n in range(3)]})

    async def back_published() -> bool:
        o = metrics.Outbox
        rows = await dbs.rows("metrics", o.select().where(o.c.topic == "metrics.indicator.back_on_track",
                                                          o.c.published_at.is_not(None)))
        return len(rows) == 1

    await eventually(back_published, within=30)

    # ---- 3. metrics down, coaching back: it delivers what waited, and sweeps again
    topo.stop("metrics", signal.SIGKILL)
    await asyncio.to_thread(topo.start, "coaching")
    for hours_ago in (30, 200):
        await held_session(gw, coach, seller, hours_ago, (5, 4, 4), programme=programme)
    other_seller = await gw.person("Tao", roles=["SELLER"])
    marker, marker_pair = await programme_with_a_pair(gw, "Marker clinic", coach, other_seller)

    # ---- 4. metrics back: the new seller reaches it, and its sweep runs again
    await asyncio.to_thread(topo.start, "metrics")
    every = {"programme.fizzling": 4, "programme.recovered": 2, "goal.review_due": 1, "indicator.off_track": 2,
             "indicator.back_on_track": 1}
    await eventually(lambda: _at_least(rx, every), within=60)

    # ---- exactly once per occurrence
    assert kinds(rx) == every
    assert all(n == 1 for n in rx.per_message().values()), rx.per_message()
    got = bodies(rx, sub["secret"])
    occurrences = Counter((b["type"], b["data"]["id"], b["data"]["version"]) for b in got)
    assert all(n == 1 for n in occurrences.values()), occurrences
    assert {b["data"]["id"] for b in got if b["type"] == "programme.fizzling"} == {programme, pair, marker,
                                                                                    marker_pair}
    assert {(b["data"]["id"], b["data"]["version"]) for b in got if b["type"] == "programme.recovered"} == {
        (programme, 2), (pair, 2)}
    assert {b["data"]["person_id"] for b in got if b["type"] == "indicator.off_track"} == {seller, other_seller}
    [back] = [b["data"] for b in got if b["type"] == "indicator.back_on_track"]
    assert (back["person_id"], back["actual"], back["status"], back["id"]) == (seller, 3.0, "on_track", off["id"])
    await eventually(lambda: all_recorded(gw, sub["id"], sum(every.values())), within=10)


async def _at_least(rx: Receiver, wanted: dict[str, int]) -> bool:
    have = kinds(rx)
    return all(have[k] >= n for k, n in wanted.items())


async def all_recorded(gw: Gateway, subscription: str, n: int) -> bool:
    """The receiver answers before the deliverer records the outcome: every delivery recorded delivered."""
    deliveries = (await gw.rest("GET", f"/api/coaching/v1/webhooks/{subscription}/deliveries"))["items"]
    assert len(deliveries) == n, deliveries
    return {d["status"] for d in deliveries} == {"delivered"}
