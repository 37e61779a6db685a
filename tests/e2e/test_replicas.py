"""Two replicas of everything (issue 9, part 6): two `uplift serve --service X` processes of behaviors, coaching,
metrics and of the gateway, on the same PostgreSQL databases and the real NATS JetStream server (a stream and
subject prefix of the test's own). Each gateway reaches a service's two replicas through a round-robin balancer
(tests/e2e/balancer.py, what compose's service DNS or an nginx upstream does). PostgreSQL only: replicas share
a database, and on SQLite a database is one process's file.

1. The eight processes start together on EMPTY databases: each service's two replicas migrate it at once.
2. Wave A, everything up: ingest batches (CRM activities for people known, not yet known and never known, and
   newer versions of earlier ones), coaching writes (people, reporting lines, sessions completed with actions
   already overdue, ratings), behaviours published, and GraphQL reads, all concurrent and spread over both
   gateways (and through the balancers over both replicas of each service); one POST with an Idempotency-Key
   sent to both gateways at once. Once it has all settled: no outbox event was published twice, no webhook
   was delivered twice, every replica took traffic, the key created one person.
3. Wave B, the same traffic; halfway through one replica of each part is killed (SIGKILL). The clients carry
   on against the survivors (a refused connection goes to the other gateway; an ingest batch whose answer was
   lost is sent again, which ingest makes harmless).
4. Then, every event accepted arrived exactly once:
   - each consumer's inbox (the metrics read model's five, coaching's webhook fan-out) holds exactly the ids of
     the outbox events of its topics; the stream holds each outbox event once; every outbox row is published;
   - no relay published an event twice, except what the killed replica had in flight (published again by the
     survivor after the kill; each at most twice);
   - the read model equals the source; metric_daily equals a brute-force recount of the accepted evidence
     (tests/metrics/brute.py) attributed by the directory as it ends;
   - every overdue action was announced once (both replicas sweep every 0.2 s);
   - every webhook delivery was delivered, and the local receiver got each webhook-id once, except what the
     killed coaching replica had in flight.
"""

import asyncio
import contextlib
import itertools
import json
import signal
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
import nats
import pytest
from nats.aio.msg import Msg
from sqlalchemy import Table, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from common.events.bus import matches
from common.migrations import HISTORIES
from services.coaching import models as coaching
from services.coaching.webhooks.fanout import TOPICS as WEBHOOK_TOPICS
from services.coaching.webhooks.models import WebhookDelivery
from services.metrics import models as metrics
from services.metrics.consumers import FEEDS
from tests.coaching.webhooks.receiver import Receiver, receiver
from tests.dbs import PG_URL
from tests.e2e.balancer import Balancer
from tests.e2e.processes import SERVICES, Topology
from tests.e2e.test_fault import OUTBOXES, Databases, Gateway, converged, stream_messages, unpublished
from tests.events_wiring.conftest import Streams
from tests.metrics.brute import Evidence, Item
from tests.metrics.brute_coaching import recount
from tests.nats_server import NATS_URL
from tests.timing import patience

pytestmark = pytest.mark.e2e

T = TypeVar("T")
NOW = datetime.now(UTC).replace(microsecond=0)
TODAY = NOW.date()
KILLED = ("behaviors-2", "coaching-2", "metrics-2", "gateway-2")
WRITERS, PEOPLE_EACH, BATCHES_EACH, BATCH = 3, 8, 6, 60
DOWN = "SERVICE_UNAVAILABLE"


def day(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


# ---- the test's own empty databases ---------------------------------------------------------------------------

@contextlib.asynccontextmanager
async def empty_databases() -> AsyncIterator[dict[str, str]]:
    """One empty PostgreSQL database per history, dropped after (the replicas migrate them)."""
    names = {h: f"uplift_r{uuid.uuid4().hex[:8]}_{h}" for h in HISTORIES}
    admin = create_async_engine(make_url(PG_URL).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            for name in names.values():
                await conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield {h: make_url(PG_URL).set(database=n).render_as_string(hide_password=False) for h, n in names.items()}
    finally:
        async with admin.connect() as conn:
            for name in names.values():
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


# ---- observers ------------------------------------------------------------------------------------------------

class Publishes:
    """Every message published on the test's subjects, seen by a plain NATS subscriber: JetStream drops a
    re-sent event id from the stream (Nats-Msg-Id), but a subscriber still sees each publish."""

    def __init__(self) -> None:
        self.seen: list[str] = []  # event ids in the order published
        self._nc: Any = None

    async def start(self, prefix: str) -> None:
        self._nc = await nats.connect(NATS_URL, connect_timeout=int(patience(2)))

        async def got(msg: Msg) -> None:
            self.seen.append(json.loads(msg.data)["id"])

        await self._nc.subscribe(f"{prefix}.>", cb=got)
        await self._nc.flush()

    async def close(self) -> None:
        if self._nc is not None:
            await self._nc.close()


def repeated(ids: list[str], killed_at: int | None) -> dict[str, list[int]]:
    """Ids seen more than once, with where; a repeat is excused only after `killed_at` (the survivor sending
    again what the killed replica had in flight), and only once."""
    where: dict[str, list[int]] = {}
    for i, event_id in enumerate(ids):
        where.setdefault(event_id, []).append(i)
    return {event_id: at for event_id, at in where.items()
            if len(at) > 2 or (len(at) == 2 and (killed_at is None or at[1] < killed_at))}


# ---- clients over both gateways -----------------------------------------------------------------------------

class Replicated:
    """Both gateway replicas, taken in turn. When a gateway refuses the connection (killed) the call goes to the
    other one: nothing reached it, so nothing is done twice."""

    def __init__(self, gateways: list[Gateway]) -> None:
        self.gateways = gateways
        self.refused: dict[int, list[str]] = {}
        self.calls: Counter[int] = Counter()
        self._turn = itertools.count()

    async def call(self, use: Callable[[Gateway], Awaitable[T]]) -> T:
        first = next(self._turn)
        for i in (first % 2, (first + 1) % 2):
            try:
                result = await use(self.gateways[i])
            except httpx.ConnectError as exc:
                self.refused.setdefault(i, []).append(repr(exc))
                continue
            self.calls[i] += 1
            return result
        raise AssertionError(f"no gateway answers: {self.refused}")


class Outcome:
    """Whether a wave may meet a replica going down: then a write may fail as SERVICE_UNAVAILABLE (or lose its
    answer), and is counted instead of failing the test."""

    def __init__(self, tolerant: bool) -> None:
        self.tolerant = tolerant
        self.ok = 0
        self.lost = 0

    def accept(self, body: dict[str, Any]) -> dict[str, Any] | None:
        errors = body.get("errors") or []
        if not errors:
            self.ok += 1
            return dict(body["data"])
        assert self.tolerant and all(e.get("extensions", {}).get("code") == DOWN for e in errors), body
        self.lost += 1
        return None

    def lost_answer(self, exc: httpx.TransportError) -> None:
        if not self.tolerant:
            raise exc
        self.lost += 1


async def mutate(rg: Replicated, out: Outcome, query: str, expect: str, credential: str | None = None,
                 **variables: Any) -> dict[str, Any] | None:
    """One mutation; its result (the only field) must be the `expect` member of its union when it answered."""
    try:
        body = await rg.call(lambda gw: gw.query(query, credential, **variables))
    except httpx.TransportError as exc:  # sent, then the gateway died: done or not, nobody knows
        out.lost_answer(exc)
        return None
    data = out.accept(body)
    if data is None:
        return None
    [result] = data.values()
    assert result["__typename"] == expect, body
    return dict(result)


CREATE_PERSON = "mutation($i: PersonInput!) { createPerson(input: $i) { __typename ... on Person { id } } }"
SET_MANAGER = ("mutation($p: ID!, $m: ID, $e: Date!) { setManager(personId: $p, managerId: $m, effective: $e) "
               "{ __typename } }")
SCHEDULE = "mutation($i: SessionInput!) { scheduleSession(input: $i) { __typename ... on Session { id } } }"
COMPLETE = "mutation($id: ID!, $i: CompletionInput!) { completeSession(id: $id, input: $i) { __typename } }"
RATE = "mutation($s: ID!, $i: RatingInput!) { rateSession(sessionId: $s, input: $i) { __typename } }"
READ = ("query($from: Date!, $to: Date!) { people(first: 20) { items { id name scorecard { behaviors { key } } } } "
        "behaviors { items { key } } coachingFigures(from: $from, to: $to) { personId sessionsHeld } }")


async def coaching_writer(rg: Replicated, out: Outcome, tag: str, managers: list[str], halfway: asyncio.Event) -> None:
    """People with a CRM id, a manager, and a session completed with an action already overdue, then rated."""
    for i in range(PEOPLE_EACH):
        if i == PEOPLE_EACH // 2:
            halfway.set()
        made = await mutate(rg, out, CREATE_PERSON, "Person", i={
            "name": f"Seller {tag}{i}", "roles": ["SELLER"], "email": f"{tag}{i}@replicas.test",
            "externalIds": [{"source": "crm", "externalId": f"u-{tag}{i}"}]})
        if made is None:
            continue
        seller, manager = made["id"], managers[i % len(managers)]
        await mutate(rg, out, SET_MANAGER, "ManagerOnDay", p=seller, m=manager, e=day(-40))
        held = NOW - timedelta(days=3, hours=i)
        scheduled = await mutate(rg, out, SCHEDULE, "Session", i={
            "coachId": manager, "sellerId": seller, "scheduledAt": held.isoformat(), "focusKeys": ["exec-sponsor"]})
        if scheduled is None:
            continue
        done = await mutate(rg, out, COMPLETE, "Session", id=scheduled["id"], i={
            "heldAt": held.isoformat(),
            "actions": [{"description": "Map the buying committee", "ownerId": seller, "dueOn": day(-1)}]})
        if done is not None:
            await mutate(rg, out, RATE, "Rating", rg.gateways[0].seller_token(seller), s=scheduled["id"],
                         i={"relevant": 4, "developmental": 3, "motivational": 5})


class Ingest:
    """CRM activities pushed through the gateways' REST proxy; `evidence` keeps what was accepted for the
    brute-force recount. A batch whose answer did not come (its gateway or metrics replica died) is sent again:
    ingest is idempotent per (source, external id), so a batch done twice counts once."""

    def __init__(self) -> None:
        self.evidence = Evidence()
        self.stamp = itertools.count(1)
        self.sent: list[Item] = []
        self.batches = 0

    def item(self, n: str, user: str, kind: int) -> Item:
        at = NOW - timedelta(days=kind % 9, minutes=kind % 600)
        item: Item = {"external_id": f"act-{n}", "source": "crm", "user_id": user,
                      "type": ("call", "email", "meeting", "opportunity_won")[kind % 4],
                      "occurred_at": at.isoformat(),
                      "source_updated_at": (NOW - timedelta(days=30) + timedelta(seconds=next(self.stamp))).isoformat()}
        if item["type"] == "meeting":
            item["attributes"] = {"contact_level": "c_level" if kind % 3 else "vp"}
        if item["type"] == "opportunity_won":
            item["amount"] = float(1000 + kind * 7)
        return item

    async def push(self, rg: Replicated, items: list[Item]) -> None:
        deadline = asyncio.get_running_loop().time() + patience(60)
        while True:
            try:
                r = await rg.call(lambda gw: gw.http.post("/api/metrics/v1/activities", json={"items": items}))
            except httpx.TransportError:
                r = None
            if r is not None and r.status_code == 200:
                body = r.json()
                assert body["rejected"] == 0, body
                self.evidence.accept(items)
                self.batches += 1
                return
            assert r is None or r.status_code == 503, r.text  # a replica down: the proxy says so
            assert asyncio.get_running_loop().time() < deadline, "ingest never got through"

    async def writer(self, rg: Replicated, tag: str, users: list[str]) -> None:
        for b in range(BATCHES_EACH):
            fresh = [self.item(f"{tag}{b}-{k}", users[(b * BATCH + k) % len(users)], b * BATCH + k)
                     for k in range(BATCH)]
            again = [{**self.item(old["external_id"][4:], old["user_id"], b + k), "external_id": old["external_id"]}
                     for k, old in enumerate(self.sent[-BATCH // 4:])]  # newer versions of earlier items
            self.sent += fresh
            await self.push(rg, fresh + again)


async def reader(rg: Replicated, out: Outcome, stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            body = await rg.call(lambda gw: gw.query(READ, **{"from": day(-60), "to": day(0)}))
        except httpx.TransportError as exc:
            out.lost_answer(exc)
            continue
        out.accept(body)


async def wave(rg: Replicated, ingest: Ingest, tag: str, managers: list[str], tolerant: bool,
               on_halfway: Callable[[], Awaitable[None]] | None = None) -> tuple[Outcome, Outcome]:
    writes, reads = Outcome(tolerant), Outcome(tolerant)
    halfway, stop = asyncio.Event(), asyncio.Event()
    # CRM users: this wave's people (some created after their evidence), and some nobody will ever be
    users = [f"u-{tag}{w}{i}" for w in range(WRITERS) for i in range(PEOPLE_EACH)] + [f"u-{tag}-nobody{i}"
                                                                                  for i in range(3)]
    readers = [asyncio.create_task(reader(rg, reads, stop)) for _ in range(2)]
    work = [coaching_writer(rg, writes, f"{tag}{w}", managers, halfway) for w in range(WRITERS)]
    work += [ingest.writer(rg, f"{tag}{w}", users) for w in range(2)]

    async def kill_halfway() -> None:
        if on_halfway is not None:
            await halfway.wait()
            await on_halfway()

    try:
        await asyncio.gather(*work, kill_halfway())
    finally:
        stop.set()
        await asyncio.gather(*readers)
    return writes, reads


# ---- settling and checking ------------------------------------------------------------------------------------

async def eventually(check: Callable[[], Awaitable[Any]], within: float, what: str) -> None:
    deadline = asyncio.get_running_loop().time() + patience(within)
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, f"{what}: not within {patience(within):g} s"
        await asyncio.sleep(0.1)


async def jetstream_info(stream: str) -> dict[str, tuple[int, int]]:
    nc = await nats.connect(NATS_URL, connect_timeout=int(patience(2)))
    try:
        js = nc.jetstream()
        out = {}
        for durable in [feed.durable for feed in FEEDS] + ["coaching-webhooks"]:
            info = await js.consumer_info(stream, durable)
            out[durable] = (info.num_pending, info.num_ack_pending)
        return out
    finally:
        await nc.close()


async def settled(dbs: Databases, stream: str) -> bool:
    """Every overdue action announced, every outbox published, every consumer caught up, no webhook delivery
    waiting."""
    a, d = coaching.Action, WebhookDelivery
    [(unannounced,)] = await dbs.rows("coaching", select(func.count()).select_from(a).where(
        a.status == "open", a.due_on < TODAY, a.overdue_announced_on.is_(None)))
    if unannounced:
        return False
    if any([await unpublished(dbs, service) for service, _ in OUTBOXES]):
        return False
    if any(pending or unacked for pending, unacked in (await jetstream_info(stream)).values()):
        return False
    [(waiting,)] = await dbs.rows("coaching", select(func.count()).select_from(d).where(d.status == "pending"))
    return not waiting


async def outbox(dbs: Databases) -> list[tuple[str, str, str]]:
    """(event id, topic, entity id) of every event recorded by behaviors, coaching and metrics."""
    rows: list[tuple[str, str, str]] = []
    for service, table in OUTBOXES:
        rows += [(str(i), t, str(e)) for i, t, e in await dbs.rows(service, select(
            table.c.id, table.c.topic, table.c.entity_id))]
    return rows


async def each_once(dbs: Databases, stream: str) -> None:
    events = await outbox(dbs)
    assert len({e for e, _, _ in events}) == len(events)
    assert await stream_messages(stream) == len(events)  # each event once in the stream
    inboxes: list[tuple[str, Table, str, tuple[str, ...]]] = [
        ("metrics", metrics.Inbox, feed.durable, (feed.topic,)) for feed in FEEDS]
    inboxes.append(("coaching", coaching.Inbox, "coaching-webhooks", WEBHOOK_TOPICS))
    for service, table, durable, topics in inboxes:  # each consumer applied exactly its topics' events, once
        got = [str(e) for (e,) in await dbs.rows(service, select(table.c.event_id).where(table.c.consumer == durable))]
        want = sorted(e for e, topic, _ in events if any(matches(t, topic) for t in topics))
        assert sorted(got) == want, (durable, len(got), len(want))


async def aggregates_recount(dbs: Databases, tenant_id: uuid.UUID, evidence: Evidence) -> None:
    p, x = coaching.Person, coaching.ExternalId
    for person_id, ext_source, ext_id in await dbs.rows("coaching", select(p.id, x.source, x.external_id).join(
            x, x.person_id == p.id).where(p.tenant_id == tenant_id)):
        evidence.learn(str(person_id), {ext_source: ext_id})
    m = metrics.MetricDaily
    rows = await dbs.rows("metrics", select(m.person_id, m.metric_key, m.day, m.num, m.den)
                          .where(m.tenant_id == tenant_id))
    stored = {(str(person), key, d): (num, den) for person, key, d, num, den in rows if num or den}
    expected = {**evidence.daily(), **await coaching_recount(dbs, tenant_id)}
    assert set(stored) == set(expected), (len(stored), len(expected))
    for cell, figures in expected.items():
        assert stored[cell] == pytest.approx(figures), cell


async def coaching_recount(dbs: Databases, tenant_id: uuid.UUID) -> dict[tuple[str, str, Any], Any]:
    """The coaching metrics recounted from the coaching service's rows (tests/metrics/brute_coaching.py)."""
    c = coaching

    async def of(model: Any) -> list[Any]:
        return await dbs.rows("coaching", select(model).where(model.tenant_id == tenant_id))

    ratings = {r.session_id: r for r in await of(c.Rating)}
    goals = {g.id: g.coach_id for g in await of(c.Goal)}
    counted = recount(await of(c.Session), ratings, await of(c.Action), await of(c.GoalRevision), goals)
    return {(str(person), key, d): figures for (person, key, d), figures in counted.items()}


async def overdue_once(dbs: Databases, tenant_id: uuid.UUID, events: list[tuple[str, str, str]]) -> int:
    a = coaching.Action
    due = {str(i) for (i,) in await dbs.rows("coaching", select(a.id).where(
        a.tenant_id == tenant_id, a.status == "open", a.due_on < TODAY))}
    announced = Counter(entity for _, topic, entity in events if topic == "coaching.action.overdue")
    assert set(announced) == due, (len(announced), len(due))
    assert all(n == 1 for n in announced.values()), [k for k, n in announced.items() if n > 1]
    return len(due)


async def webhooks_once(dbs: Databases, rx: Receiver, killed_at: int | None) -> int:
    d = WebhookDelivery
    rows = await dbs.rows("coaching", select(d.event_id, d.status))
    assert {status for _, status in rows} == {"delivered"}, Counter(status for _, status in rows)
    got = [r.headers["webhook-id"] for r in rx.received]
    assert set(got) == {str(e) for e, _ in rows}
    assert repeated(got, killed_at) == {}
    return len(rows)


# ---- the test -------------------------------------------------------------------------------------------------

async def test_two_replicas_of_everything_lose_and_double_nothing(tmp_path: Path) -> None:
    if not PG_URL:
        pytest.skip("PostgreSQL only: replicas share one database per service, and on SQLite a database is one "
                    "process's file (set UPLIFT_TEST_DATABASE_URL)")
    streams = Streams()
    await streams.check_server()
    publishes = Publishes()
    balancers: list[Balancer] = []
    async with empty_databases() as urls, receiver() as rx:
        topo = Topology(urls, tmp_path, replicas=2, extra={
            "UPLIFT_BROKER_URL": NATS_URL, "UPLIFT_BROKER_STREAM": streams.stream,
            "UPLIFT_BROKER_SUBJECT_PREFIX": streams.prefix,
            "UPLIFT_COACHING_ENVIRONMENT": "development",  # webhooks to a local receiver
            "UPLIFT_COACHING_OVERDUE_SWEEP_SECONDS": "0.2",  # both replicas sweep all the time
            "UPLIFT_GATEWAY_BREAKER_COOLDOWN_SECONDS": "1"})
        dbs = Databases(urls)
        gateways: list[Gateway] = []
        try:
            await publishes.start(streams.prefix)
            for service in SERVICES:
                balancer = Balancer([topo.ports[service], topo.ports[f"{service}-2"]])
                await balancer.start()
                balancers.append(balancer)
                topo.env[f"UPLIFT_GATEWAY_{service.upper()}_URL"] = balancer.url
            for name in topo.names:  # all at once: two replicas of each service migrate its empty database
                topo.spawn(name)
            await asyncio.to_thread(topo.wait, *topo.names)
            creds = json.loads(await asyncio.to_thread(topo.cli, "tenant", "create", "replicas"))
            tenant = uuid.UUID(creds["tenant_id"])
            gateways = [Gateway(topo.url(name), tenant, creds["api_key"]) for name in ("gateway", "gateway-2")]
            await run(topo, Replicated(gateways), dbs, streams.stream, publishes, rx, balancers)
        finally:
            await asyncio.to_thread(topo.close)
            for gw in gateways:
                await gw.http.aclose()
            for balancer in balancers:
                await balancer.close()
            await publishes.close()
            await dbs.dispose()
            await streams.delete()


async def run(topo: Topology, rg: Replicated, dbs: Databases, stream: str, publishes: Publishes, rx: Receiver,
              balancers: list[Balancer]) -> None:
    gw = rg.gateways[0]
    tenant = gw.tenant_id
    await gw.rest("POST", "/api/coaching/v1/webhooks", 201, json={"url": rx.url, "event_types": [
        "person.upserted", "action.created", "action.overdue", "session.completed", "behavior.published"]})
    sponsor = (await gw.mutate("createBehavior", "input: BehaviorInput!", "id", "Behavior", input={
        "key": "exec-sponsor", "name": "Find the executive sponsor", "audience": ["SELLER"],
        "indicators": [{"metricKey": "calls", "kind": "ACTIVITY", "target": 3}]}))["id"]
    await gw.mutate("publishBehavior", "id: ID!", "version", "Behavior", id=sponsor)
    managers = [await gw.person(f"Manager {i}", roles=["MANAGER"]) for i in range(3)]
    ingest = Ingest()

    # ---- wave A: everything up -----------------------------------------------------------------------------
    key = {"idempotency-key": "replicas-1"}
    same = await asyncio.gather(*(g.http.post("/api/coaching/v1/people", json={"name": "Once"}, headers=key)
                                  for g in rg.gateways))
    assert sorted(r.status_code for r in same) in ([201, 201], [201, 409]), [r.text for r in same]
    writes, reads = await wave(rg, ingest, "a", managers, tolerant=False)
    assert writes.lost == reads.lost == 0 and reads.ok > 0
    await eventually(lambda: settled(dbs, stream), 60, "wave A settling")
    assert repeated(publishes.seen, None) == {}  # two relays per database, none published an event twice
    assert repeated([r.headers["webhook-id"] for r in rx.received], None) == {}
    once = await gw.ok('{ people(first: 100, q: "Once") { items { id } } }')
    assert len(once["people"]["items"]) == 1  # one Idempotency-Key at both gateways: one person
    for balancer in balancers:
        assert all(balancer.connections[port] > 0 for port in balancer.ports), balancer.connections
    assert rg.calls[0] > 0 and rg.calls[1] > 0

    # ---- wave B: one replica of each killed halfway ------------------------------------------------------
    marks: dict[str, int] = {}

    async def kill() -> None:
        marks["publishes"], marks["webhooks"] = len(publishes.seen), len(rx.received)
        for name in KILLED:
            assert await asyncio.to_thread(topo.stop, name, signal.SIGKILL) == -signal.SIGKILL

    writes, reads = await wave(rg, ingest, "b", managers, tolerant=True, on_halfway=kill)
    assert marks, "the kill did not happen"
    assert writes.ok > 0 and reads.ok > 0
    assert set(rg.refused) == {1}, rg.refused  # the killed gateway refused, the other carried on

    # ---- everything accepted arrived, once ----------------------------------------------------------------
    await eventually(lambda: settled(dbs, stream), 90, "wave B settling (the killed consumer's events come "
                                                      "back after ack_wait)")
    await converged(dbs, gw, within=30)
    await each_once(dbs, stream)
    events = await outbox(dbs)
    assert set(publishes.seen) == {e for e, _, _ in events}
    assert repeated(publishes.seen, marks["publishes"]) == {}
    assert await overdue_once(dbs, tenant, events) >= WRITERS * PEOPLE_EACH  # wave A's, at least
    assert await webhooks_once(dbs, rx, marks["webhooks"]) > 0
    await aggregates_recount(dbs, tenant, ingest.evidence)
    assert ingest.batches == 2 * 2 * BATCHES_EACH
