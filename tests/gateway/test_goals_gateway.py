"""Goals in GraphQL: `Goal.progress` batched (one metrics call for any number of goals), `goals(dueForReview:)`
and the `reviewGoal` mutation with its typed failures."""

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from common.auth import issue_person_token
from tests.conftest import JWT_SECRET, GraphQL, Stack, Tenant
from tests.gateway.coaching_docs import create_person, set_manager
from tests.gateway.helpers import PROBLEM, client_for, downstream, result
from tests.gateway.test_queue import mirror

LIST = """query($coach: ID!, $due: Boolean, $on: Date) {
  goals(coachId: $coach, dueForReview: $due, on: $on, first: 100) { items { id agreedRevision dueForReview
    progress { goalId revision metricKey goalPeriod status final actual expected
      period { start end elapsedDays } series { grain starts values } } } } }"""


@pytest.fixture
async def metrics(stack: Stack, tenant: Tenant):
    async with stack.client(await stack.key(tenant, "admin", "metrics:internal")) as client:
        client.base_url = httpx.URL("http://uplift/api/metrics")
        yield client


@pytest.fixture
async def coaching(stack: Stack, tenant: Tenant):
    async with stack.client(tenant.api_key) as client:
        client.base_url = httpx.URL("http://uplift/api/coaching")
        yield client


async def agreed_goals(stack: Stack, tenant: Tenant, coaching: httpx.AsyncClient, metrics: httpx.AsyncClient,
                       coach: str, sellers: list[str], review_on: date) -> list[dict[str, Any]]:
    """A goal of `coach` with each seller, agreed by the seller, and mirrored into the metrics read model."""
    goals = []
    for seller in sellers:
        r = await coaching.post("/v1/goals", json={"seller_id": seller, "coach_id": coach, "metric_key": "meetings",
                                                   "kind": "activity", "target": 3, "period": "week",
                                                   "review_on": review_on.isoformat()})
        assert r.status_code == 201, r.text
        token = issue_person_token(JWT_SECRET, tenant_id=tenant.id, person_id=uuid.UUID(seller), roles=["seller"])
        async with stack.client(token) as c:
            r = await c.post(f"/api/coaching/v1/goals/{r.json()['id']}/agree")
            assert r.status_code == 200, r.text
            goals.append(r.json())
    now = datetime.now(UTC).isoformat()
    await mirror(metrics, "goals", [
        {"id": g["id"], "version": 1, "coach_id": coach, "seller_id": g["seller_id"], "metric_key": "meetings",
         "kind": "activity", "target": 3, "period": "week", "review_on": review_on.isoformat(), "agreed_at": now,
         "first_agreed_at": now} for g in goals])
    return goals


async def test_goal_progress_is_one_metrics_call_for_2_or_10_goals(stack, tenant, gql, coaching, metrics):
    coach = (await create_person(gql, "Maya", "MANAGER"))["id"]
    sellers = [(await create_person(gql, f"Seller {n}"))["id"] for n in range(10)]
    review_on = datetime.now(UTC).date() + timedelta(days=14)
    goals = await agreed_goals(stack, tenant, coaching, metrics, coach, sellers[:2], review_on)

    async def run() -> list[tuple[str, str]]:
        stack.calls.clear()
        items = (await gql(LIST, coach=coach))["goals"]["items"]
        assert {i["id"] for i in items} == {g["id"] for g in goals}
        for item in items:
            p = item["progress"]
            assert (p["goalId"], p["revision"], p["metricKey"], p["goalPeriod"]) == (item["id"], 1, "meetings", "WEEK")
            assert (p["status"], p["actual"], p["final"], p["series"]["grain"]) == ("OFF_TRACK", 0, False, "WEEK")
            assert p["series"]["values"] == [0] and item["dueForReview"] is False and item["agreedRevision"] == 1
        return downstream(stack)

    small = await run()
    goals += await agreed_goals(stack, tenant, coaching, metrics, coach, sellers[2:], review_on)
    large = await run()
    assert sorted(small) == sorted(large) == [("GET", "/v1/goal-progress"), ("GET", "/v1/goals")], (small, large)
    # a day other than today is a key of its own: still one call
    stack.calls.clear()
    data = await gql("""query($coach: ID!) { goals(coachId: $coach, first: 100) { items {
        a: progress { status } b: progress(on: "2026-01-05") { period { start } } } } }""", coach=coach)
    assert {i["b"]["period"]["start"] for i in data["goals"]["items"]} == {"2026-01-05"}
    assert sorted(downstream(stack)) == [("GET", "/v1/goal-progress")] * 2 + [("GET", "/v1/goals")]


async def test_due_for_review_and_review_goal(stack, tenant, gql, coaching, metrics):
    coach = (await create_person(gql, "Maya", "MANAGER"))["id"]
    seller = (await create_person(gql, "Sam"))["id"]
    review_on = datetime.now(UTC).date() + timedelta(days=7)
    [goal] = await agreed_goals(stack, tenant, coaching, metrics, coach, [seller], review_on)
    due = (await gql(LIST, coach=coach, due=True, on=review_on.isoformat()))["goals"]["items"]
    assert [g["id"] for g in due] == [goal["id"]]
    assert (await gql(LIST, coach=coach, due=True))["goals"]["items"] == []

    review = f"""mutation($id: ID!, $input: GoalReviewInput!) {{ reviewGoal(id: $id, input: $input) {{
        {PROBLEM} ... on GoalReview {{ revision outcome carriedInto note reviewedById reviewedBy {{ name }}
          goal {{ id dueForReview reviews {{ outcome }} current {{ revision target }} }} }} }} }}"""
    sam = client_for(stack, issue_person_token(JWT_SECRET, tenant_id=tenant.id, person_id=seller, roles=["seller"]))
    assert result(await sam(review, id=goal["id"], input={"outcome": "ACHIEVED"}), "reviewGoal", "Forbidden")
    maya = client_for(stack, issue_person_token(JWT_SECRET, tenant_id=tenant.id, person_id=coach, roles=["manager"]))
    bad = result(await maya(review, id=goal["id"], input={"outcome": "CARRIED_OVER"}), "reviewGoal",
                 "ValidationProblem")
    assert bad["fields"][0]["field"] == "carryInto"
    done = result(await maya(review, id=goal["id"], input={
        "outcome": "CARRIED_OVER", "note": "Close, one more month",
        "carryInto": {"metricKey": "meetings", "kind": "ACTIVITY", "target": 4, "period": "MONTH",
                      "reviewOn": (review_on + timedelta(days=30)).isoformat()}}), "reviewGoal", "GoalReview")
    assert (done["revision"], done["outcome"], done["carriedInto"], done["note"], done["reviewedById"],
            done["reviewedBy"]) == (1, "CARRIED_OVER", 2, "Close, one more month", coach, {"name": "Maya"})
    assert done["goal"]["reviews"] == [{"outcome": "CARRIED_OVER"}] and done["goal"]["current"] == {
        "revision": 2, "target": 4}
    assert (await gql(LIST, coach=coach, due=True, on=review_on.isoformat()))["goals"]["items"] == []
    assert result(await maya(review, id=goal["id"], input={"outcome": "MISSED"}), "reviewGoal", "Conflict")
    assert result(await gql(review, id="4f1d6a43-5d5b-4cf1-9d1e-0c6a8c1d2b3a", input={"outcome": "MISSED"}),
                  "reviewGoal", "NotFound")
    await sam.client.aclose()
    await maya.client.aclose()


async def test_progress_is_null_where_the_caller_may_not_see_the_figures(stack, tenant, gql, coaching, metrics):
    coach = (await create_person(gql, "Maya", "MANAGER"))["id"]
    sellers = [(await create_person(gql, name))["id"] for name in ("Sam", "Sue")]
    goals = await agreed_goals(stack, tenant, coaching, metrics, coach, sellers,
                               datetime.now(UTC).date() + timedelta(days=7))
    query = """query($id: ID!) { person(id: $id) { goals { id progress { goalId } } } }"""
    for me, other in ((0, 1), (1, 0)):
        token = issue_person_token(JWT_SECRET, tenant_id=tenant.id, person_id=sellers[me], roles=["seller"])
        async with stack.client(token) as c:
            person = GraphQL(c)
            own = await person(query, id=sellers[me])
            assert own["person"]["goals"] == [{"id": goals[me]["id"], "progress": {"goalId": goals[me]["id"]}}]
            assert (await person(query, id=sellers[other]))["person"]["goals"] == []


QUEUE_REASONS = """query($coach: ID!) { coachingQueue(coachId: $coach) { ... on CoachingQueue {
    entries { seller { name } reasons { kind weight detail metricKey } } } } }"""


async def test_a_goal_due_for_review_is_a_reason_in_the_coachs_queue_until_reviewed(stack, tenant, gql, coaching,
                                                                                   metrics):
    """The review day of a goal's terms in force puts REVIEW_DUE, with the goal's progress, in its coach's queue;
    the review takes it out (the review reaches the metrics read model as an event)."""
    coach = (await create_person(gql, "Maya", "MANAGER"))["id"]
    seller = (await create_person(gql, "Ada"))["id"]
    assert (await set_manager(gql, seller, coach, date(2020, 1, 1)))["__typename"] == "ManagerOnDay"
    today = datetime.now(UTC).date()
    [goal] = await agreed_goals(stack, tenant, coaching, metrics, coach, [seller], today)
    await stack.settled()
    r = await metrics.post("/v1/activities", json={"items": [
        {"external_id": "m-1", "source": "crm", "type": "meeting", "person_id": seller,
         "occurred_at": datetime.now(UTC).isoformat(), "source_updated_at": datetime.now(UTC).isoformat()}]})
    assert r.status_code == 200 and r.json()["created"] == 1, r.text

    [entry] = (await gql(QUEUE_REASONS, coach=coach))["coachingQueue"]["entries"]
    due = [r for r in entry["reasons"] if r["kind"] == "REVIEW_DUE"]
    assert len(due) == 1 and due[0]["weight"] == 10.0 and due[0]["metricKey"] == "meetings", entry
    assert f"Goal on meetings (3 per week) due for review since {today} (0 day(s)): 1 against" in due[0]["detail"]

    r = await coaching.post(f"/v1/goals/{goal['id']}/reviews", json={"outcome": "achieved"})
    assert r.status_code == 201, r.text
    await stack.settled()
    [entry] = (await gql(QUEUE_REASONS, coach=coach))["coachingQueue"]["entries"]
    assert "REVIEW_DUE" not in {r["kind"] for r in entry["reasons"]}, entry
