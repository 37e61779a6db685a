"""Events between the services, end to end on real databases: what coaching and behaviors change reaches the
metrics read model through their outboxes, the relays, the transport (in-process bus and NATS JetStream)
and the metrics consumers with their inbox — idempotent, order-safe, and catching up after a restart."""

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from common.auth import issue_person_token
from common.db import Database
from common.events import Event, consume_once
from common.identity.store import IdentityStore
from services.coaching.models import Outbox as CoachingOutbox
from services.coaching.settings import CoachingSettings
from services.metrics.consumers import FEEDS, applier
from services.metrics.models import (
    Activity,
    Behavior,
    BehaviorIndicator,
    CoachAssignment,
    CoachingAction,
    CoachingGoal,
    CoachingProgramme,
    CoachingSession,
    Inbox,
    Person,
    ProgrammeParticipant,
    ReportingLine,
)
from services.metrics.settings import MetricsSettings
from tests.conftest import JWT_SECRET, Tenant
from tests.events_wiring.conftest import Streams, Wired, eventually
from tests.nats_server import NATS_URL
from uplift_cli.local import create_service


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


async def person(coaching: httpx.AsyncClient, name: str, **fields: Any) -> dict[str, Any]:
    return ok(await coaching.post("/v1/people", json={"name": name, **fields}), 201)


async def count(db: Database, table: Any) -> int:
    async with db.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(table))).scalar_one())


# ---- producers → metrics ------------------------------------------------------------------------

async def test_people_reach_the_read_model_and_claim_their_evidence(wired: Wired, tenant: Tenant,
                                                                    coaching: httpx.AsyncClient) -> None:
    async with wired.rest("metrics", tenant.api_key) as metrics:  # CRM activity of a user nobody knows yet
        pushed = ok(await metrics.post("/v1/activities", json={"items": [{
            "external_id": "call-1", "source": "salesforce", "type": "call", "user_id": "sf-ada",
            "occurred_at": "2025-03-03T10:00:00Z", "source_updated_at": "2025-03-03T10:05:00Z"}]}))
    assert pushed["pending"] == 1  # stored, for nobody yet

    ada = await person(coaching, "Ada", email="ada@example.com", roles=["seller"],
                       external_ids={"salesforce": "sf-ada"})
    row = await wired.row(Person, tenant, ada["id"], version=1)
    assert (row.name, row.email, row.roles, row.active) == ("Ada", "ada@example.com", ["seller"], True)
    activity = await eventually(lambda: wired.rows(Activity, tenant, external_id="call-1"))
    assert activity[0].person_id == uuid.UUID(ada["id"])  # the pending evidence is hers now

    ok(await coaching.patch(f"/v1/people/{ada['id']}", json={"name": "Ada L.", "roles": ["seller", "manager"]}))
    await wired.row(Person, tenant, ada["id"], version=2, name="Ada L.", roles=["seller", "manager"])
    ok(await coaching.put(f"/v1/people/{ada['id']}/external-ids/hubspot", json={"external_id": "hs-9"}))
    await wired.row(Person, tenant, ada["id"], version=3)

    bulk = ok(await coaching.post("/v1/people/bulk", json={"source": "hris", "items": [
        {"external_id": "h-1", "name": "Bo", "email": "bo@example.com"},
        {"external_id": "h-2", "name": "Cy", "manager_external_id": "h-1"}]}))
    bo, cy = (item["person_id"] for item in bulk["items"])
    await wired.row(Person, tenant, bo, name="Bo", version=1)
    await wired.row(Person, tenant, cy, name="Cy", version=1)
    lines = await eventually(lambda: wired.rows(ReportingLine, tenant, person_id=uuid.UUID(cy)))
    assert lines[0].manager_id == uuid.UUID(bo)

    before = await count(wired.db("coaching"), CoachingOutbox)  # a refused change records no event
    r = await coaching.post("/v1/people", json={"name": "Copy", "email": "ada@example.com"})
    assert r.status_code == 409
    assert await count(wired.db("coaching"), CoachingOutbox) == before


async def test_a_reorg_reaches_reporting_lines(wired: Wired, tenant: Tenant, coaching: httpx.AsyncClient) -> None:
    ann, ben, sam = [(await person(coaching, n, roles=["manager"]))["id"] for n in ("Ann", "Ben", "Sam")]
    ok(await coaching.put(f"/v1/people/{sam}/manager", json={"manager_id": ann, "effective": "2025-01-01"}))
    ok(await coaching.put(f"/v1/people/{sam}/manager", json={"manager_id": ben, "effective": "2025-03-01"}))

    async def lines() -> list[tuple[Any, ...]]:
        rows = await wired.rows(ReportingLine, tenant, person_id=uuid.UUID(sam))
        return sorted((str(r.manager_id), r.valid_from, r.valid_to, r.deleted) for r in rows)

    want = [(ann, date(2025, 1, 1), date(2025, 3, 1), False), (ben, date(2025, 3, 1), None, False)]
    await eventually(lambda: _equals(lines, want))

    # a same-day correction removes the line it replaces: the read model keeps a tombstone
    ok(await coaching.put(f"/v1/people/{sam}/manager", json={"manager_id": ann, "effective": "2025-03-01"}))
    want = [(ann, date(2025, 1, 1), date(2025, 3, 1), False), (ann, date(2025, 3, 1), None, False),
            (ben, date(2025, 3, 1), None, True)]
    await eventually(lambda: _equals(lines, want))


async def _equals(get: Any, want: Any) -> bool:
    return bool(await get() == want)


async def test_a_behaviours_lifecycle_reaches_metrics(wired: Wired, tenant: Tenant,
                                                      behaviors: httpx.AsyncClient) -> None:
    created = ok(await behaviors.post("/v1/behaviors", json={
        "key": "exec-sponsor", "name": "Find the executive sponsor", "audience": ["seller", "manager"],
        "indicators": [{"metric_key": "meetings_held", "kind": "activity", "target": 3, "period": "week"}]}), 201)
    bid = created["id"]
    ok(await behaviors.post(f"/v1/behaviors/{bid}/publish"))
    row = await wired.row(Behavior, tenant, bid, version=2, status="active")
    assert (row.key, row.name, row.audience) == ("exec-sponsor", "Find the executive sponsor", ["seller", "manager"])
    indicators = await wired.rows(BehaviorIndicator, tenant, behavior_id=uuid.UUID(bid))
    assert [(i.metric_key, i.kind, i.target, i.comparator, i.period) for i in indicators] == [
        ("meetings_held", "activity", 3.0, "gte", "week")]

    ok(await behaviors.patch(f"/v1/behaviors/{bid}", json={"name": "Meet the executive sponsor"}))
    ok(await behaviors.post(f"/v1/behaviors/{bid}/indicators", json={
        "metric_key": "win_rate", "kind": "proficiency", "target": 0.3, "period": "quarter"}), 201)
    ok(await behaviors.post(f"/v1/behaviors/{bid}/publish"))  # revised: version 2
    await wired.row(Behavior, tenant, bid, version=4, name="Meet the executive sponsor")
    indicators = await wired.rows(BehaviorIndicator, tenant, behavior_id=uuid.UUID(bid))
    assert sorted(i.metric_key for i in indicators) == ["meetings_held", "win_rate"]

    ok(await behaviors.post(f"/v1/behaviors/{bid}/retire"))
    await wired.row(Behavior, tenant, bid, version=5, status="retired")


async def test_sessions_ratings_and_programme_pairs_reach_metrics(wired: Wired, tenant: Tenant,
                                                                  coaching: httpx.AsyncClient) -> None:
    coach = (await person(coaching, "Coach", roles=["manager"]))["id"]
    seller = (await person(coaching, "Seller"))["id"]
    programme = ok(await coaching.post("/v1/programmes", json={
        "name": "Exec selling", "behavior_keys": ["exec-sponsor"], "cadence_days": 14, "starts_on": "2025-01-01",
        "owner_id": coach}), 201)
    pair = ok(await coaching.post(f"/v1/programmes/{programme['id']}/pairs", json={
        "coach_id": coach, "seller_id": seller, "joined_on": "2025-01-06"}), 201)
    await wired.row(ProgrammeParticipant, tenant, pair["id"], version=1, person_id=uuid.UUID(seller),
                    coach_id=uuid.UUID(coach), joined_on=date(2025, 1, 6), left_on=None)
    row = await wired.row(CoachingProgramme, tenant, programme["id"], version=1, cadence_days=14)
    assert (row.name, row.behavior_keys, row.starts_on, row.ends_on) == (
        "Exec selling", ["exec-sponsor"], date(2025, 1, 1), None)

    held = datetime.now(UTC) - timedelta(hours=2)
    session = ok(await coaching.post("/v1/sessions", json={
        "coach_id": coach, "seller_id": seller, "programme_id": programme["id"],
        "scheduled_at": (held - timedelta(hours=1)).isoformat(), "focus_keys": ["exec-sponsor"]}), 201)
    await wired.row(CoachingSession, tenant, session["id"], version=1, status="scheduled")
    ok(await coaching.post(f"/v1/sessions/{session['id']}/complete", json={
        "held_at": held.isoformat(), "gaps": [{"behavior_key": "exec-sponsor", "description": "No sponsor named",
                                               "root_cause": "skills"}],
        "actions": [{"description": "Map the buying committee", "owner_id": seller,
                     "due_on": (held + timedelta(days=7)).date().isoformat(), "gap_index": 0}]}))
    row = await wired.row(CoachingSession, tenant, session["id"], version=2, status="completed")
    assert (row.held_at, row.has_agreed_action, row.programme_id) == (held, True, uuid.UUID(programme["id"]))

    token = issue_person_token(JWT_SECRET, tenant_id=tenant.id, person_id=uuid.UUID(seller), roles=["seller"])
    async with wired.rest("coaching", token) as as_seller:
        ok(await as_seller.put(f"/v1/sessions/{session['id']}/rating",
                               json={"relevant": 5, "developmental": 4, "motivational": 3}), 201)
        await wired.row(CoachingSession, tenant, session["id"], version=3, relevant=5, developmental=4,
                        motivational=3)
        ok(await as_seller.put(f"/v1/sessions/{session['id']}/rating",
                               json={"relevant": 4, "developmental": 4, "motivational": 4}))
    await wired.row(CoachingSession, tenant, session["id"], version=4, relevant=4, motivational=4)

    ok(await coaching.delete(f"/v1/programmes/{programme['id']}/pairs/{pair['id']}",
                             params={"left_on": "2025-06-01"}), 204)
    await wired.row(ProgrammeParticipant, tenant, pair["id"], version=2, left_on=date(2025, 6, 1))
    ok(await coaching.patch(f"/v1/programmes/{programme['id']}", json={"cadence_days": 7,
                                                                       "ends_on": "2025-12-31"}))
    await wired.row(CoachingProgramme, tenant, programme["id"], version=2, cadence_days=7, ends_on=date(2025, 12, 31))
    ok(await coaching.patch(f"/v1/programmes/{programme['id']}", json={"cadence_days": 7}))  # no change: no event
    ok(await coaching.patch(f"/v1/programmes/{programme['id']}", json={"name": "Exec selling II"}))
    await wired.row(CoachingProgramme, tenant, programme["id"], version=3, name="Exec selling II")


async def test_a_programme_deleted_and_person_and_priority_details_reach_metrics(
        wired: Wired, tenant: Tenant, coaching: httpx.AsyncClient, behaviors: httpx.AsyncClient) -> None:
    """What the coaching queue reads in the metrics service: whether a person's manager coaches them, a
    behaviour's priority, and programmes (deleted ones included)."""
    coach = (await person(coaching, "Coach", roles=["manager"]))["id"]
    seller = (await person(coaching, "Seller", manager_is_coach=False))["id"]
    await wired.row(Person, tenant, seller, version=1, manager_is_coach=False)
    ok(await coaching.patch(f"/v1/people/{seller}", json={"manager_is_coach": True}))
    await wired.row(Person, tenant, seller, version=2, manager_is_coach=True)
    created = ok(await behaviors.post("/v1/behaviors", json={
        "key": "exec-sponsor", "name": "Find the executive sponsor", "audience": ["seller"], "priority": 1,
        "indicators": [{"metric_key": "meetings_held", "kind": "activity", "target": 3, "period": "week"}]}), 201)
    ok(await behaviors.post(f"/v1/behaviors/{created['id']}/publish"))
    await wired.row(Behavior, tenant, created["id"], version=2, priority=1)
    programme = ok(await coaching.post("/v1/programmes", json={
        "name": "Short-lived", "behavior_keys": ["exec-sponsor"], "cadence_days": 14, "starts_on": "2025-01-01",
        "owner_id": coach}), 201)
    await wired.row(CoachingProgramme, tenant, programme["id"], version=1, deleted=False)
    ok(await coaching.delete(f"/v1/programmes/{programme['id']}"), 204)
    await wired.row(CoachingProgramme, tenant, programme["id"], version=2, deleted=True)


async def test_actions_goals_and_coach_assignments_reach_metrics(wired: Wired, tenant: Tenant,
                                                                  coaching: httpx.AsyncClient) -> None:
    """Every change of an action's status, every agreed goal revision and a coach assignment's start and end
    reach the read model, in order (coaching metrics and who may see whose figures are computed from them)."""
    coach = (await person(coaching, "Coach", roles=["manager"]))["id"]
    seller = (await person(coaching, "Seller"))["id"]
    engineer = (await person(coaching, "Engineer", roles=["seller"]))["id"]
    held = datetime.now(UTC) - timedelta(hours=1)
    session = ok(await coaching.post("/v1/sessions", json={
        "coach_id": coach, "seller_id": seller, "scheduled_at": held.isoformat()}), 201)
    due = (held + timedelta(days=7)).date()
    ok(await coaching.post(f"/v1/sessions/{session['id']}/complete", json={
        "held_at": held.isoformat(),
        "actions": [{"description": "Ask for the sponsor", "owner_id": seller, "due_on": due.isoformat()}],
        "goals": [{"metric_key": "meetings", "kind": "activity", "target": 3, "period": "week",
                   "review_on": due.isoformat()}]}))
    action = ok(await coaching.get("/v1/actions", params={"session_id": session["id"]}))["items"][0]
    await wired.row(CoachingAction, tenant, action["id"], version=1, status="open", closed_at=None,
                    due_on=due, coach_id=uuid.UUID(coach), seller_id=uuid.UUID(seller))
    ok(await coaching.patch(f"/v1/actions/{action['id']}", json={"status": "done"}))
    done = await wired.row(CoachingAction, tenant, action["id"], version=2, status="done")
    assert done.closed_at is not None
    ok(await coaching.patch(f"/v1/actions/{action['id']}", json={"status": "open"}))
    await wired.row(CoachingAction, tenant, action["id"], version=3, status="open", closed_at=None)
    ok(await coaching.patch(f"/v1/actions/{action['id']}", json={"status": "open"}))  # no change: no event
    ok(await coaching.patch(f"/v1/actions/{action['id']}", json={"due_on": (due + timedelta(days=1)).isoformat()}))
    await wired.row(CoachingAction, tenant, action["id"], version=4, due_on=due + timedelta(days=1))

    goal = ok(await coaching.get("/v1/goals", params={"session_id": session["id"]}))["items"][0]
    tokens = {who: issue_person_token(JWT_SECRET, tenant_id=tenant.id, person_id=uuid.UUID(who), roles=[role])
              for who, role in ((seller, "seller"), (coach, "manager"))}

    async def agree_both() -> None:
        for token in tokens.values():
            async with wired.rest("coaching", token) as as_party:
                ok(await as_party.post(f"/v1/goals/{goal['id']}/agree", json={}))

    await agree_both()
    first = await wired.row(CoachingGoal, tenant, goal["id"], version=1, target=3.0, metric_key="meetings")
    assert first.first_agreed_at == first.agreed_at
    ok(await coaching.post(f"/v1/goals/{goal['id']}/revise", json={
        "metric_key": "meetings", "kind": "activity", "target": 4, "period": "week", "review_on": due.isoformat()}))
    await agree_both()
    second = await wired.row(CoachingGoal, tenant, goal["id"], version=2, target=4.0)
    assert (second.first_agreed_at, second.agreed_at > first.agreed_at) == (first.agreed_at, True)

    today = datetime.now(UTC).date()
    assignment = ok(await coaching.post("/v1/coach-assignments", json={
        "coach_id": engineer, "seller_id": seller, "kind": "sales_engineer", "scope": ["exec-sponsor"],
        "starts_on": today.isoformat()}), 201)
    await wired.row(CoachAssignment, tenant, assignment["id"], version=1, kind="sales_engineer",
                    scope=["exec-sponsor"], starts_on=today, ends_on=None, coach_id=uuid.UUID(engineer))
    ok(await coaching.post(f"/v1/coach-assignments/{assignment['id']}/end",
                           json={"ends_on": (today + timedelta(days=3)).isoformat()}))
    await wired.row(CoachAssignment, tenant, assignment["id"], version=2, ends_on=today + timedelta(days=3))
    ok(await coaching.post(f"/v1/coach-assignments/{assignment['id']}/end", json={"ends_on": today.isoformat()}))
    await wired.row(CoachAssignment, tenant, assignment["id"], version=3, ends_on=today)


@pytest.mark.parametrize("wired", ["inprocess"], indirect=True)
async def test_the_conversation_records_gap_action_and_goal_events(wired: Wired, tenant: Tenant,
                                                                   coaching: httpx.AsyncClient) -> None:
    """Events nobody consumes yet (webhooks will): recorded with the change, in the coaching outbox."""
    coach = (await person(coaching, "Coach", roles=["manager"]))["id"]
    seller = (await person(coaching, "Seller"))["id"]
    held = datetime.now(UTC) - timedelta(hours=1)
    session = ok(await coaching.post("/v1/sessions", json={
        "coach_id": coach, "seller_id": seller, "scheduled_at": held.isoformat()}), 201)
    due = (held + timedelta(days=7)).date().isoformat()
    ok(await coaching.post(f"/v1/sessions/{session['id']}/complete", json={
        "held_at": held.isoformat(), "gaps": [{"behavior_key": "exec-sponsor", "description": "None named",
                                               "root_cause": "knowledge"}],
        "actions": [{"description": "Ask for the sponsor", "owner_id": seller, "due_on": due, "gap_index": 0}],
        "goals": [{"metric_key": "meetings_held", "kind": "activity", "target": 3, "period": "week",
                   "review_on": due}]}))
    token = issue_person_token(JWT_SECRET, tenant_id=tenant.id, person_id=uuid.UUID(seller), roles=["seller"])
    async with wired.rest("coaching", token) as as_seller:
        goal = ok(await as_seller.get("/v1/goals"))["items"][0]
        ok(await as_seller.post(f"/v1/goals/{goal['id']}/agree", json={"revision": 1}))
        ok(await as_seller.post(f"/v1/goals/{goal['id']}/agree", json={}))  # again: no second event

    async with wired.db("coaching").sessions() as db:
        rows = (await db.execute(select(CoachingOutbox).order_by(CoachingOutbox.c.id))).mappings().all()
    by_topic: dict[str, list[Any]] = {}
    for r in rows:
        by_topic.setdefault(r["topic"], []).append(r)
    assert [r["payload"]["status"] for r in by_topic["coaching.session.completed"]] == ["completed"]
    gap, = by_topic["coaching.gap.opened"]
    action, = by_topic["coaching.action.created"]
    agreed, = by_topic["coaching.goal.agreed"]
    assert (gap["payload"]["root_cause"], gap["payload"]["seller_id"]) == ("knowledge", seller)
    assert (action["payload"]["gap_id"], action["payload"]["owner_id"], action["payload"]["due_on"]) == (
        gap["entity_id"], seller, due)
    assert (agreed["entity_id"], agreed["entity_version"], agreed["payload"]["target"]) == (goal["id"], 1, 3.0)
    assert all(r["tenant_id"] == tenant.id for r in rows)


# ---- consumers: idempotent and order-safe ---------------------------------------------------------

def person_event(tenant: Tenant, person_id: uuid.UUID, version: int, name: str) -> Event:
    return Event.new(tenant_id=tenant.id, topic="coaching.person.upserted", entity_id=person_id,
                     entity_version=version, payload={"id": person_id, "name": name, "email": None,
                                                      "roles": ["seller"], "active": True, "external_ids": {}})


@pytest.mark.parametrize("wired", ["inprocess"], indirect=True)
async def test_the_same_event_twice_changes_nothing(wired: Wired, tenant: Tenant) -> None:
    feed = next(f for f in FEEDS if f.durable == "metrics-people")
    apply = applier(feed)
    pid = uuid.uuid4()
    event = person_event(tenant, pid, 1, "Once")
    db = wired.db("metrics")
    outcomes = []
    for _ in range(2):
        async with db.sessions.begin() as session:
            outcomes.append(await consume_once(session, Inbox, feed.durable, event, lambda e: apply(session, e)))
    assert outcomes == [True, False]  # the inbox saw the id: the second delivery did not run
    first = await wired.row(Person, tenant, pid, version=1, name="Once")

    await wired.transport.publish(event)  # and through the bus, as a redelivery would come
    assert (await wired.row(Person, tenant, pid)).updated_at == first.updated_at
    async with db.sessions() as session:
        claims = (await session.execute(select(func.count()).select_from(Inbox).where(
            Inbox.c.consumer == feed.durable, Inbox.c.event_id == event.id))).scalar_one()
    assert claims == 1


async def test_an_older_version_after_a_newer_one_changes_nothing(wired: Wired, tenant: Tenant) -> None:
    pid = uuid.uuid4()
    newer, older = person_event(tenant, pid, 3, "Newer"), person_event(tenant, pid, 2, "Older")
    await wired.transport.publish(newer)
    await wired.transport.publish(older)

    async def both_processed() -> bool:
        async with wired.db("metrics").sessions() as session:
            seen = (await session.execute(select(Inbox.c.event_id).where(
                Inbox.c.event_id.in_([newer.id, older.id])))).scalars().all()
        return len(seen) == 2

    await eventually(both_processed)
    row = await wired.row(Person, tenant, pid)
    assert (row.version, row.name) == (3, "Newer")


# ---- separate processes on JetStream: a consumer that was down catches up ----------------------------

async def test_a_stopped_metrics_consumer_catches_up_after_restart(db_urls: dict[str, str]) -> None:
    """Coaching and metrics as separate processes would run them (each its own lifespan and JetStreamBus from
    its settings). Events recorded while coaching had no broker wait in its outbox; those published while the
    metrics consumer was down wait in the stream; both arrive once it is back."""
    streams = Streams()
    await streams.check_server()
    identity = IdentityStore(Database(db_urls["identity"]), cache_seconds=0.0)
    common: dict[str, Any] = {"identity_database_url": db_urls["identity"], "environment": "test",
                              "jwt_secret": JWT_SECRET}
    broker: dict[str, Any] = {"broker_url": NATS_URL, "broker_stream": streams.stream,
                              "broker_subject_prefix": streams.prefix}
    tenant_id = await identity.create_tenant("acme")
    key = (await identity.create_key(tenant_id, "test", ["admin"])).api_key
    tenant = Tenant(tenant_id, key)

    def coaching_app(**settings: Any) -> Any:
        return create_service("coaching", CoachingSettings(database_url=db_urls["coaching"], **common, **settings),
                              identity=identity)

    def metrics_app() -> Any:
        return create_service("metrics", MetricsSettings(database_url=db_urls["metrics"], **common, **broker),
                              identity=identity)

    async def create(app: Any, name: str) -> str:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://coaching",
                                     headers={"authorization": f"Bearer {key}"}) as client:
            return str((await person(client, name))["id"])

    async def metrics_people() -> set[str]:
        db = Database(db_urls["metrics"])
        try:
            async with db.sessions() as session:
                rows = await session.execute(select(Person.name).where(Person.tenant_id == tenant.id))
                return set(rows.scalars())
        finally:
            await db.dispose()

    try:
        lone = coaching_app()  # no broker: the service works, its events stay in its outbox
        async with lone.router.lifespan_context(lone):
            await create(lone, "Early")
            async with lone.state.db.sessions() as session:
                pending = (await session.execute(select(func.count()).select_from(CoachingOutbox).where(
                    CoachingOutbox.c.published_at.is_(None)))).scalar_one()
            assert pending == 1

        metrics = metrics_app()
        async with metrics.router.lifespan_context(metrics):  # subscribes its durables, then stops
            pass
        coaching = coaching_app(**broker)
        async with coaching.router.lifespan_context(coaching):
            await create(coaching, "While down")

            async def relayed() -> bool:
                async with coaching.state.db.sessions() as session:
                    left = (await session.execute(select(func.count()).select_from(CoachingOutbox).where(
                        CoachingOutbox.c.published_at.is_(None)))).scalar_one()
                return left == 0

            await eventually(relayed)  # both in the stream now, the consumer still down
            assert await metrics_people() == set()

            metrics = metrics_app()  # back: resumes from its durable position
            async with metrics.router.lifespan_context(metrics):
                await eventually(lambda: _equals(metrics_people, {"Early", "While down"}))
                await create(coaching, "After")
                await eventually(lambda: _equals(metrics_people, {"Early", "While down", "After"}))
    finally:
        await identity.db.dispose()
        await streams.delete()

