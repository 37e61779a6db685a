"""A leader's coaching queue coaches the coaches: the managers below a VP ranked by how they coach — their
coaching indicators (a coaching metric on their scorecard), the ratings their sellers give them, and their
programme pairs gone past cadence — with the figures in the reasons."""

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from common.auth import issue_person_token
from tests.conftest import JWT_SECRET, GraphQL, Stack, Tenant
from tests.gateway.coaching_docs import complete, create_person, schedule, set_manager
from tests.gateway.helpers import PROBLEM, active_behavior, result

QUEUE = """query($coach: ID!, $on: Date!) { coachingQueue(coachId: $coach, on: $on) { __typename
  ... on CoachingQueue { entries { rank score seller { name } focus { behaviorKey metricKey }
    reasons { kind weight detail metricKey } } } } }"""


def ago(days: int) -> date:
    return datetime.now(UTC).date() - timedelta(days=days)


async def held(gql: GraphQL, coach: str, seller: str, days_ago: int, programme: str | None = None) -> str:
    s = await schedule(gql, coach, seller, ago(days_ago), **({"programmeId": programme} if programme else {}))
    done = await complete(gql, s["id"], ago(days_ago))
    assert done["__typename"] == "Session", done
    return str(done["id"])


async def rate(stack: Stack, tenant: Tenant, seller: str, session: str, score: int) -> None:
    token = issue_person_token(JWT_SECRET, tenant_id=tenant.id, person_id=uuid.UUID(seller), roles=["seller"])
    async with stack.client(token) as client:
        r = await client.put(f"/api/coaching/v1/sessions/{session}/rating",
                             json={"relevant": score, "developmental": score, "motivational": score})
        assert r.status_code in (200, 201), r.text


async def test_the_vps_queue_ranks_the_under_coaching_manager_first(stack: Stack, tenant: Tenant,
                                                                    gql: GraphQL) -> None:
    vp = (await create_person(gql, "Vera Vp", "LEADER"))["id"]
    ann = (await create_person(gql, "Ann Absent", "MANAGER"))["id"]
    bo = (await create_person(gql, "Bo Busy", "MANAGER"))["id"]
    team: dict[str, list[str]] = {ann: [], bo: []}
    for manager, names in ((ann, ("A1", "A2")), (bo, ("B1", "B2"))):
        assert (await set_manager(gql, manager, vp, ago(120)))["__typename"] == "ManagerOnDay"
        for name in names:
            seller = (await create_person(gql, name))["id"]
            assert (await set_manager(gql, seller, manager, ago(120)))["__typename"] == "ManagerOnDay"
            team[manager].append(seller)
    await active_behavior(gql, "weekly-one-on-ones", audience=["MANAGER"], priority=1, indicators=[
        {"metricKey": "coaching_sessions_held", "kind": "ACTIVITY", "target": 2, "period": "WEEK"}])
    data = await gql(f"""mutation($input: ProgrammeInput!) {{ createProgramme(input: $input) {{
        {PROBLEM} ... on Programme {{ id }} }} }}""", input={
        "name": "Weekly clinic", "behaviorKeys": ["weekly-one-on-ones"], "cadenceDays": 7,
        "startsOn": ago(60).isoformat()})
    clinic = result(data, "createProgramme", "Programme")["id"]
    for seller in team[ann]:
        data = await gql(f"""mutation($p: ID!, $input: PairInput!) {{ addProgrammePair(programmeId: $p, input: $input)
            {{ {PROBLEM} }} }}""", p=clinic, input={"coachId": ann, "sellerId": seller,
                                                      "joinedOn": ago(60).isoformat()})
        assert data["addProgrammePair"]["__typename"] == "ProgrammePair", data
    # Ann coached weekly in the clinic the period before (rated 4), then once in the last 28 days (rated 2)
    for days in (49, 42, 35):
        for seller in team[ann]:
            await rate(stack, tenant, seller, await held(gql, ann, seller, days, clinic), 4)
    await rate(stack, tenant, team[ann][0], await held(gql, ann, team[ann][0], 25, clinic), 2)
    # Bo holds two sessions a week with each seller in both periods, rated 5
    for days in (3, 7, 10, 14, 17, 21, 24, 27, 31, 38, 45, 52):
        for seller in team[bo]:
            session = await held(gql, bo, seller, days)
            if days in (10, 45):
                await rate(stack, tenant, seller, session, 5)
    for manager in (ann, bo):  # the VP met each of them ten days ago
        await held(gql, vp, manager, 10)
    await stack.settled()

    queue = (await gql(QUEUE, coach=vp, on=ago(0).isoformat()))["coachingQueue"]
    assert queue["__typename"] == "CoachingQueue", queue
    first, second = queue["entries"]
    assert (first["seller"]["name"], second["seller"]["name"]) == ("Ann Absent", "Bo Busy")
    assert first["score"] > second["score"]
    reasons: dict[str, dict[str, Any]] = {r["kind"]: r for r in first["reasons"]}
    assert {"GAP", "RATINGS_FALLING", "PAIRS_OVERDUE", "SINCE_LAST_SESSION"} <= set(reasons), first
    # 1 held in the 28 days against 2 a week: 8 expected, 88% short, priority 1
    assert reasons["GAP"]["metricKey"] == "coaching_sessions_held" and reasons["GAP"]["weight"] == 35.0
    assert "coaching_sessions_held at 1 against 8 expected" in reasons["GAP"]["detail"]
    assert first["focus"] == {"behaviorKey": "weekly-one-on-ones", "metricKey": "coaching_sessions_held"}
    assert "2 of 5 on average this period (1 rated), down from 4" in reasons["RATINGS_FALLING"]["detail"]
    # both clinic pairs: A1 waited 25 days, A2 35 days, against a 7-day cadence
    assert reasons["PAIRS_OVERDUE"]["weight"] == 10.0
    assert "2 of the 2 programme pair(s)" in reasons["PAIRS_OVERDUE"]["detail"]
    assert "A2 in 'Weekly clinic', 35 day(s)" in reasons["PAIRS_OVERDUE"]["detail"]
    # Bo coaches enough, is rated as well as before and has no programme: only the time since the VP met him
    assert [r["kind"] for r in second["reasons"]] == ["SINCE_LAST_SESSION"], second


async def test_the_queue_endpoint_answers_each_coach_of_a_batch(stack: Stack, tenant: Tenant, gql: GraphQL) -> None:
    """One call for many coaches; a coach the caller may not read, or nobody, is answered as such, in order."""
    boss = (await create_person(gql, "Boss", "MANAGER"))["id"]
    other = (await create_person(gql, "Other", "MANAGER"))["id"]
    await stack.settled()
    token = issue_person_token(JWT_SECRET, tenant_id=tenant.id, person_id=uuid.UUID(boss), roles=["manager"])
    nobody = str(uuid.uuid4())
    async with stack.client(token) as client:
        r = await client.get("/api/metrics/v1/coaching-queues", params={"coach_ids": [boss, other, nobody]})
    assert r.status_code == 200, r.text
    assert [(a["coach_id"], a["outcome"]) for a in r.json()] == [
        (boss, "ok"), (other, "forbidden"), (nobody, "not_found")]
    async with stack.client(tenant.api_key) as client:
        r = await client.get("/api/metrics/v1/coaching-queues", params={"coach_ids": [boss], "period": "fortnight"})
        assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
        r = await client.get("/api/metrics/v1/coaching-queues", params={"coach_ids": [boss], "on": "9999-12-31"})
        assert r.status_code == 422, r.text
