"""Gaps in GraphQL: closing one (in a completion and with closeGap, typed failures), `Gap.evaluation` batched (one
metrics call for any number of gaps), and `gapSummary` for enablement, a manager's tree, and refused to a seller."""

import uuid
from typing import Any

from common.auth import issue_person_token
from tests.conftest import JWT_SECRET, GraphQL, Stack, Tenant
from tests.gateway.coaching_docs import complete, create_person, days, schedule, set_manager
from tests.gateway.helpers import PROBLEM, client_for, downstream, result

GAPS = """query($seller: ID!) { sessions(sellerId: $seller, status: COMPLETED, first: 100) { items {
  gaps { id status outcome closedSessionId rootCause
         evaluation { status outcome daysToClose days improved sessionsSince indicators { metricKey movement } } }
} } }"""

SUMMARY = """query($teamOf: ID, $from: Date!, $to: Date!, $by: GapGrouping!) {
  gapSummary(teamOf: $teamOf, from: $from, to: $to, groupBy: $by) { __typename
    ... on ValidationProblem { message fields { field message code } } ... on Forbidden { message }
    ... on GapSummary { groupBy total { opened closed open resolved shareResolved medianDaysToClose }
      rows { key name whoShouldAct opened closed rootCauses { rootCause opened whoShouldAct } } } } }"""

CLOSE = f"""mutation($id: ID!, $input: GapCloseInput!) {{ closeGap(id: $id, input: $input) {{ {PROBLEM}
  ... on Gap {{ id status outcome closedSessionId closedById closingNote }} }} }}"""


def as_person(stack: Stack, tenant: Tenant, person: str, role: str) -> GraphQL:
    return client_for(stack, issue_person_token(JWT_SECRET, tenant_id=tenant.id, person_id=uuid.UUID(person),
                                                roles=[role]))


def gap(cause: str) -> dict[str, Any]:
    return {"behaviorKey": "discovery", "description": "Jumps to the demo", "rootCause": cause}


async def org(gql: GraphQL, sellers: int) -> tuple[str, list[str]]:
    manager = (await create_person(gql, "Maya", "MANAGER"))["id"]
    people = [(await create_person(gql, f"Seller {n}"))["id"] for n in range(sellers)]
    for p in people:
        await set_manager(gql, p, manager, days(-60))
    return manager, people


async def opened(gql: GraphQL, manager: str, seller: str, day: int, causes: list[str]) -> dict[str, Any]:
    s = await schedule(gql, manager, seller, days(day))
    done = await complete(gql, s["id"], days(day), gaps=[gap(c) for c in causes])
    assert done["__typename"] == "Session", done
    return done


async def test_close_and_evaluate_gaps_in_constant_calls(stack: Stack, tenant: Tenant, gql: GraphQL):
    manager, sellers = await org(gql, 6)
    first = await opened(gql, manager, sellers[0], -10, ["SKILLS", "COMMITMENT"])
    [skills, commitment] = [g["id"] for g in (await gql(GAPS, seller=sellers[0]))["sessions"]["items"][0]["gaps"]]
    later = await schedule(gql, manager, sellers[0], days(-3))
    done = await complete(gql, later["id"], days(-3), gapClosures=[{"gapId": skills, "outcome": "RESOLVED"}])
    assert done["__typename"] == "Session", done
    maya = as_person(stack, tenant, manager, "manager")
    async with maya.client:
        closed = result(await maya(CLOSE, id=commitment, input={"sessionId": later["id"], "outcome": "PERSISTS",
                                                                "note": "Still not convinced"}), "closeGap", "Gap")
        assert (closed["status"], closed["outcome"], closed["closedSessionId"], closed["closedById"],
                closed["closingNote"]) == ("CLOSED", "PERSISTS", later["id"], manager, "Still not convinced")
        again = result(await maya(CLOSE, id=commitment, input={"sessionId": later["id"], "outcome": "PERSISTS"}),
                       "closeGap", "Gap")
        assert again["outcome"] == "PERSISTS"
        assert result(await maya(CLOSE, id=commitment, input={"sessionId": later["id"], "outcome": "RESOLVED"}),
                      "closeGap", "Conflict")
        bad = result(await maya(CLOSE, id=skills, input={"sessionId": first["id"], "outcome": "RESOLVED"}),
                     "closeGap", "Conflict")  # closed already in the later session
        assert bad["message"]
    await stack.settled()

    async def evaluations() -> list[tuple[str, dict[str, Any]]]:
        stack.calls.clear()
        out = []
        for s in sellers:
            for session in (await gql(GAPS, seller=s))["sessions"]["items"]:
                out += [(g["id"], g["evaluation"]) for g in session["gaps"]]
        return out

    found = dict(await evaluations())
    assert found[skills]["status"] == "CLOSED" and found[skills]["outcome"] == "RESOLVED"
    assert found[skills]["daysToClose"] == 7 and found[skills]["days"] == 11
    assert found[commitment]["outcome"] == "PERSISTS" and found[commitment]["sessionsSince"] == 1
    # one metrics call per query, whatever the number of gaps
    stack.calls.clear()
    small = await gql(GAPS, seller=sellers[0])
    small_calls = sorted(downstream(stack))
    for n, s in enumerate(sellers[1:]):
        await opened(gql, manager, s, -5 - n, ["SKILLS", "KNOWLEDGE", "CAPACITY"])
        await opened(gql, manager, sellers[0], -4 - n, ["ENVIRONMENT"])
    await stack.settled()
    stack.calls.clear()
    large = await gql(GAPS, seller=sellers[0])
    assert sum(len(s["gaps"]) for s in large["sessions"]["items"]) > sum(
        len(s["gaps"]) for s in small["sessions"]["items"])
    assert sorted(downstream(stack)) == small_calls == [("GET", "/v1/gap-evaluations"), ("GET", "/v1/sessions")]


async def test_gap_summary_by_who_may_read_it(stack: Stack, tenant: Tenant, gql: GraphQL):
    manager, sellers = await org(gql, 3)
    other, theirs = await org(gql, 1)
    for s in sellers:
        await opened(gql, manager, s, -6, ["SKILLS", "SKILLS", "COMMITMENT"])
    await opened(gql, other, theirs[0], -6, ["ENVIRONMENT"])
    await stack.settled()
    window = {"from": days(-30).isoformat(), "to": days(0).isoformat()}
    enablement = as_person(stack, tenant, sellers[0], "enablement")
    maya = as_person(stack, tenant, manager, "manager")
    sam = as_person(stack, tenant, sellers[0], "seller")
    async with enablement.client, maya.client, sam.client:
        everyone = result(await enablement(SUMMARY, by="ROOT_CAUSE", **window), "gapSummary", "GapSummary")
        assert everyone["total"]["opened"] == 10 and everyone["total"]["open"] == 10
        assert [(r["key"], r["opened"], r["whoShouldAct"]) for r in everyone["rows"]] == [
            ("skills", 6, "ENABLEMENT"), ("commitment", 3, "MANAGER"),
            ("environment", 1, "OPERATIONS_AND_MANAGEMENT")]
        tree = result(await maya(SUMMARY, teamOf=manager, by="BEHAVIOR", **window), "gapSummary", "GapSummary")
        [row] = tree["rows"]
        assert (row["key"], row["opened"]) == ("discovery", 9)
        assert [(c["rootCause"], c["opened"], c["whoShouldAct"]) for c in row["rootCauses"]] == [
            ("SKILLS", 6, "ENABLEMENT"), ("COMMITMENT", 3, "MANAGER")]
        assert result(await maya(SUMMARY, by="TEAM", **window), "gapSummary", "Forbidden")  # not the tenant
        assert result(await maya(SUMMARY, teamOf=other, by="TEAM", **window), "gapSummary", "Forbidden")
        assert result(await sam(SUMMARY, teamOf=sellers[0], by="COACH", **window), "gapSummary", "Forbidden")
        bad = result(await enablement(SUMMARY, by="COACH", **{"from": window["to"], "to": window["from"]}),
                     "gapSummary", "ValidationProblem")
        assert bad["fields"][0]["field"] == "to"
