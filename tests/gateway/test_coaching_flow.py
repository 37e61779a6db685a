"""The coaching issue's "done when", through GraphQL alone: a small org with a reorg, a sales engineer as
coach on one behaviour, a programme, completed sessions with gaps, root causes, actions and mutually agreed
goals, the seller's ratings, and the reports and programme health — with typed errors for bad input."""

import uuid
from typing import Any

from common.auth import issue_person_token
from tests.conftest import JWT_SECRET, GraphQL, Stack, Tenant
from tests.gateway.coaching_docs import (
    GOAL,
    PROGRAMME,
    complete,
    create_person,
    days,
    held_session,
    schedule,
    set_manager,
)
from tests.gateway.helpers import PROBLEM, add_scenario, create_behavior, result

ORG_START, REORG, PROGRAMME_START = days(-70), days(-35), days(-56)


def as_person(stack: Stack, tenant: Tenant, person_id: str, *roles: str) -> GraphQL:
    token = issue_person_token(JWT_SECRET, tenant_id=tenant.id, person_id=uuid.UUID(person_id),
                               roles=list(roles) or ["seller"])
    return GraphQL(stack.client(token))


class Org:
    """Maya and Omar manage; Sam moves from Maya to Omar at the reorg; Lea stays with Maya; Eve, a sales
    engineer under Omar, coaches Sam on one behaviour."""

    def __init__(self, people: dict[str, dict[str, Any]]) -> None:
        self.people = people

    def __getattr__(self, name: str) -> str:
        return str(self.people[name]["id"])


async def build_org(gql: GraphQL) -> Org:
    people = {
        "maya": await create_person(gql, "Maya Manager", "MANAGER", email="maya@acme.test"),
        "omar": await create_person(gql, "Omar Manager", "MANAGER"),
        "sam": await create_person(gql, "Sam Seller", externalIds=[{"source": "crm", "externalId": "005A"},
                                                                  {"source": "lms", "externalId": "u-17"}]),
        "lea": await create_person(gql, "Lea Seller"),
        "eve": await create_person(gql, "Eve Engineer", title="Sales engineer"),
    }
    org = Org(people)
    for person, manager in (("sam", "maya"), ("lea", "maya"), ("eve", "omar")):
        assert (await set_manager(gql, getattr(org, person), getattr(org, manager), ORG_START))["__typename"] \
            == "ManagerOnDay"
    moved = await set_manager(gql, org.sam, org.omar, REORG)
    assert moved == {"__typename": "ManagerOnDay", "personId": org.sam, "managerId": org.omar,
                     "asOf": REORG.isoformat()}
    return org


async def test_the_org_and_its_reorg_as_of_any_day(gql):
    org = await build_org(gql)
    data = await gql("""query($id: ID!, $before: Date!, $after: Date!) { person(id: $id) { name
        externalIds { source externalId }
        before: manager(asOf: $before) { name } after: manager(asOf: $after) { name } } }""",
                     id=org.sam, before=days(-36).isoformat(), after=REORG.isoformat())
    assert data["person"] == {"name": "Sam Seller", "before": {"name": "Maya Manager"},
                              "after": {"name": "Omar Manager"},
                              "externalIds": [{"source": "crm", "externalId": "005A"},
                                              {"source": "lms", "externalId": "u-17"}]}
    data = await gql("""query($maya: ID!, $omar: ID!, $before: Date!) {
        mayaBefore: person(id: $maya) { reports(asOf: $before) { name } }
        mayaNow: person(id: $maya) { reports { name } }
        omarNow: person(id: $omar) { reports { name manager { name } } } }""",
                     maya=org.maya, omar=org.omar, before=days(-36).isoformat())
    assert sorted(p["name"] for p in data["mayaBefore"]["reports"]) == ["Lea Seller", "Sam Seller"]
    assert data["mayaNow"]["reports"] == [{"name": "Lea Seller"}]
    assert sorted(p["name"] for p in data["omarNow"]["reports"]) == ["Eve Engineer", "Sam Seller"]
    assert {p["manager"]["name"] for p in data["omarNow"]["reports"]} == {"Omar Manager"}
    # by an id of another system
    data = await gql('{ person(source: "crm", externalId: "005A") { name } }')
    assert data["person"] == {"name": "Sam Seller"}
    data = await gql('{ person(source: "email", externalId: "maya@acme.test") { name } }')
    assert data["person"] == {"name": "Maya Manager"}
    # history is not rewritten, and cycles are refused
    cycle = await set_manager(gql, org.omar, org.sam, days(0))
    assert cycle["__typename"] == "Conflict" and "cycle" in cycle["message"]


async def test_a_sales_engineer_coaches_one_behaviour_next_to_the_manager(gql):
    org = await build_org(gql)
    data = await gql(f"""mutation($input: CoachAssignmentInput!) {{ createCoachAssignment(input: $input) {{
        {PROBLEM} ... on CoachAssignment {{ id kind scope startsOn coach {{ name }} seller {{ name }} }} }} }}""",
                     input={"coachId": org.eve, "sellerId": org.sam, "kind": "SALES_ENGINEER",
                            "scope": ["exec-meetings"], "startsOn": REORG.isoformat()})
    assignment = result(data, "createCoachAssignment", "CoachAssignment")
    assert (assignment["kind"], assignment["scope"], assignment["coach"], assignment["seller"]) == (
        "SALES_ENGINEER", ["exec-meetings"], {"name": "Eve Engineer"}, {"name": "Sam Seller"})
    query = """query($id: ID!, $day: Date) { person(id: $id) { coaches(asOf: $day) {
        kind scope implicit coach { name } } } }"""
    now = (await gql(query, id=org.sam))["person"]["coaches"]
    assert sorted(now, key=lambda c: c["coach"]["name"]) == [
        {"kind": "SALES_ENGINEER", "scope": ["exec-meetings"], "implicit": False, "coach": {"name": "Eve Engineer"}},
        {"kind": "MANAGER", "scope": [], "implicit": True, "coach": {"name": "Omar Manager"}}]
    before = (await gql(query, id=org.sam, day=days(-40).isoformat()))["person"]["coaches"]
    assert before == [{"kind": "MANAGER", "scope": [], "implicit": True, "coach": {"name": "Maya Manager"}}]
    data = await gql("query($id: ID!) { person(id: $id) { coachees { seller { name } kind } } }", id=org.eve)
    assert data["person"]["coachees"] == [{"seller": {"name": "Sam Seller"}, "kind": "SALES_ENGINEER"}]
    # bad input is typed
    data = await gql(f"""mutation($input: CoachAssignmentInput!) {{ createCoachAssignment(input: $input) {{
        {PROBLEM} }} }}""", input={"coachId": org.sam, "sellerId": org.sam, "kind": "PEER"})
    assert data["createCoachAssignment"]["__typename"] == "ValidationProblem"
    data = await gql(f"""mutation($id: ID!) {{ endCoachAssignment(id: $id, endsOn: "2000-01-01") {{
        {PROBLEM} }} }}""", id=assignment["id"])
    assert data["endCoachAssignment"]["__typename"] in ("ValidationProblem", "Conflict")


async def run_programme(gql: GraphQL, org: Org) -> dict[str, Any]:
    """The programme and its sessions; returns what the assertions need."""
    behavior = await create_behavior(gql, "exec-meetings")
    scenario = await add_scenario(gql, behavior["id"], "The CFO asks for a business case")
    data = await gql(f"""mutation($input: ProgrammeInput!) {{ createProgramme(input: $input) {{
        {PROBLEM} ... on Programme {{ {PROGRAMME} }} }} }}""",
                     input={"name": "C-suite sprint", "behaviorKeys": ["exec-meetings"], "cadenceDays": 7,
                            "startsOn": PROGRAMME_START.isoformat()})
    programme = result(data, "createProgramme", "Programme")
    for coach, seller in ((org.omar, org.sam), (org.maya, org.lea)):
        data = await gql(f"""mutation($p: ID!, $input: PairInput!) {{ addProgrammePair(programmeId: $p,
            input: $input) {{ {PROBLEM} ... on ProgrammePair {{ id joinedOn }} }} }}""", p=programme["id"],
                         input={"coachId": coach, "sellerId": seller, "joinedOn": PROGRAMME_START.isoformat()})
        assert result(data, "addProgrammePair", "ProgrammePair")["joinedOn"] == PROGRAMME_START.isoformat()
    in_programme = {"programmeId": programme["id"], "focusKeys": ["exec-meetings"]}
    sam_days = [1, 8, 15, 29, 36]  # days after the programme's start; the 6th (43) is the one we look at
    for d in sam_days:
        await held_session(gql, org.omar, org.sam, days(-56 + d), **in_programme)
    for d in (2, 9):  # Maya and Lea stop after two sessions: that pair fizzles
        await held_session(gql, org.maya, org.lea, days(-56 + d), **in_programme)
    # the sales engineer's session, outside the programme, on the scenario
    eve_session = await held_session(gql, org.eve, org.sam, days(-10), focusKeys=["exec-meetings"],
                                     scenario={"behaviorKey": "exec-meetings", "scenarioId": scenario["id"]})
    return {"programme": programme, "scenario": scenario, "eve_session": eve_session}


async def test_a_programme_with_sessions_gaps_actions_goals_ratings_reports_and_health(stack, tenant, gql):
    org = await build_org(gql)
    run = await run_programme(gql, org)
    programme = run["programme"]
    key_session = await schedule(gql, org.omar, org.sam, days(-13), programmeId=programme["id"],
                                 focusKeys=["exec-meetings"])
    omar = as_person(stack, tenant, org.omar, "manager")
    sam = as_person(stack, tenant, org.sam, "seller")
    lea = as_person(stack, tenant, org.lea, "seller")
    maya = as_person(stack, tenant, org.maya, "manager")
    async with omar.client, sam.client, lea.client, maya.client:
        # the coach records the conversation
        completion = {
            "notes": "Good opener; the business case was thin.", "privateNotes": "Confidence is the issue.",
            "observations": [{"behaviorKey": "exec-meetings", "level": 2, "evidence": "Skipped the CFO"}],
            "gaps": [{"behaviorKey": "exec-meetings", "description": "No business case",
                      "rootCause": "SKILLS"},
                     {"behaviorKey": "exec-meetings", "description": "Avoids C-level calls",
                      "rootCause": "COMMITMENT"}],
            "actions": [{"description": "Draft a business case for Initech", "ownerId": org.sam,
                         "dueOn": days(-3).isoformat(), "gapIndex": 0},
                        {"description": "Book two C-level meetings", "ownerId": org.sam,
                         "dueOn": days(7).isoformat(), "gapIndex": 1}],
            "goals": [{"metricKey": "c_level_meetings", "kind": "ACTIVITY", "target": 2, "period": "WEEK",
                       "reviewOn": days(14).isoformat()}],
            "nextSession": {"scheduledAt": f"{days(1).isoformat()}T10:00:00+00:00"},
        }
        # bad input first: nothing is recorded
        bad = await complete(omar, key_session["id"], days(-13), **{**completion, "actions": [
            {"description": "x", "ownerId": org.sam, "dueOn": days(1).isoformat(), "gapIndex": 5}]})
        assert bad["__typename"] == "ValidationProblem"
        assert any(f["field"].startswith("actions.0.gapIndex") for f in bad["fields"]), bad
        not_coach = await complete(lea, key_session["id"], days(-13), **completion)
        assert not_coach["__typename"] in ("Forbidden", "NotFound"), not_coach
        done = await complete(omar, key_session["id"], days(-13), **completion)
        assert done["__typename"] == "Session" and done["status"] == "COMPLETED", done
        assert [g["rootCause"] for g in done["gaps"]] == ["SKILLS", "COMMITMENT"]
        assert [a["gapId"] for a in done["actions"]] == [g["id"] for g in done["gaps"]]
        assert done["actions"][0]["overdue"] is True and done["actions"][1]["overdue"] is False
        assert done["nextSessionId"] is not None
        [goal] = done["goals"]
        assert goal["agreed"] is False  # proposed by the coach; the seller has not agreed yet

        # both must agree before the goal counts
        agree = f"mutation($id: ID!) {{ agreeGoal(id: $id) {{ {PROBLEM} ... on Goal {{ {GOAL} }} }} }}"
        assert result(await lea(agree, id=goal["id"]), "agreeGoal", "NotFound")  # not hers to see
        assert (await sam("query($id: ID!) { person(id: $id) { goals(agreed: true) { id } } }",
                          id=org.sam))["person"]["goals"] == []
        agreed = result(await sam(agree, id=goal["id"]), "agreeGoal", "Goal")
        assert agreed["agreed"] is True and agreed["current"]["target"] == 2
        data = await gql("""query($id: ID!) { person(id: $id) { goals(agreed: true) { id current { metricKey } }
            openActions { description overdue } overdue: openActions(overdueOnly: true) { description } } }""",
                         id=org.sam)
        assert data["person"]["goals"] == [{"id": goal["id"], "current": {"metricKey": "c_level_meetings"}}]
        assert sorted(a["description"] for a in data["person"]["openActions"]) == [
            "Book two C-level meetings", "Draft a business case for Initech"]
        assert data["person"]["overdue"] == [{"description": "Draft a business case for Initech"}]
        # a revision needs both sides again and keeps history
        data = await omar(f"""mutation($id: ID!, $input: GoalTermsInput!) {{ reviseGoal(id: $id, input: $input) {{
            {PROBLEM} ... on Goal {{ {GOAL} revisions {{ revision target agreed }} }} }} }}""", id=goal["id"],
                          input={"metricKey": "c_level_meetings", "kind": "ACTIVITY", "target": 3,
                                 "period": "WEEK", "reviewOn": days(21).isoformat()})
        revised = result(data, "reviseGoal", "Goal")
        assert revised["agreed"] is False
        assert [(r["revision"], r["target"], r["agreed"]) for r in revised["revisions"]] == [
            (1, 2.0, True), (2, 3.0, False)]
        assert result(await sam(agree, id=goal["id"]), "agreeGoal", "Goal")["agreed"] is True

        # the seller rates the conversation; only they may, 1..5 each
        rate = f"""mutation($id: ID!, $input: RatingInput!) {{ rateSession(sessionId: $id, input: $input) {{
            {PROBLEM} ... on Rating {{ relevant developmental motivational comment }} }} }}"""
        scores = {"relevant": 5, "developmental": 4, "motivational": 3, "comment": "Useful"}
        assert result(await omar(rate, id=key_session["id"], input=scores), "rateSession", "Forbidden")
        assert result(await lea(rate, id=key_session["id"], input=scores), "rateSession", "NotFound")
        too_high = result(await sam(rate, id=key_session["id"], input={**scores, "relevant": 6}),
                          "rateSession", "ValidationProblem")
        assert [f["field"] for f in too_high["fields"]] == ["relevant"]
        assert result(await sam(rate, id=key_session["id"], input=scores), "rateSession", "Rating") == {
            "__typename": "Rating", **scores}
        sam_sessions = (await sam("""query($id: ID!) { person(id: $id) { sessions(status: COMPLETED) {
            id scheduledAt privateNotes } } }""", id=org.sam))["person"]["sessions"]
        earlier = sorted(sam_sessions, key=lambda s: s["scheduledAt"])[4]  # programme day 36
        later_scores = {"relevant": 3, "developmental": 4, "motivational": 5, "comment": ""}
        assert result(await sam(rate, id=earlier["id"], input=later_scores), "rateSession", "Rating")

        # who sees what, through the gateway
        assert all(s["privateNotes"] is None for s in sam_sessions)  # the seller never sees private notes
        look = "query($id: ID!) { session(id: $id) { id notes privateNotes } }"
        assert (await omar(look, id=key_session["id"]))["session"]["privateNotes"] == "Confidence is the issue."
        assert (await lea(look, id=key_session["id"]))["session"] is None
        assert (await maya(look, id=key_session["id"]))["session"] is None  # Sam left her tree at the reorg
        eve_view = (await omar(look, id=run["eve_session"]["id"]))["session"]
        assert eve_view is not None and eve_view["privateNotes"] is None  # manager: not another coach's notes

    # the scenario of the sales engineer's session resolves from the behaviors service
    data = await gql("query($id: ID!) { session(id: $id) { scenario { behaviorKey scenario { title } } } }",
                     id=run["eve_session"]["id"])
    assert data["session"]["scenario"] == {"behaviorKey": "exec-meetings",
                                           "scenario": {"title": "The CFO asks for a business case"}}

    # programme health over its whole life: Omar-Sam held 6 of 8 expected, Maya-Lea 2 of 8; over the last
    # 28 days 3 held against 8 planned (28 / 7 per judged pair) — below half: the programme is fizzling.
    data = await gql("""query($id: ID!, $from: Date!, $to: Date!) { programme(id: $id) { name
        participants { name } health(from: $from, to: $to) { sessionsHeld sessionsExpected ratioKept fizzling
          heldLast28Days plannedLast28Days pairsJudgedLast28Days
          pairs { sellerId sessionsHeld sessionsExpected heldLast28Days fizzling } } } }""",
                     id=programme["id"], **{"from": PROGRAMME_START.isoformat(), "to": days(0).isoformat()})
    health = data["programme"]["health"]
    assert sorted(p["name"] for p in data["programme"]["participants"]) == ["Lea Seller", "Sam Seller"]
    assert (health["sessionsHeld"], health["sessionsExpected"], health["ratioKept"]) == (8, 16, 0.5)
    assert (health["heldLast28Days"], health["plannedLast28Days"], health["pairsJudgedLast28Days"]) == (3, 8.0, 2)
    assert health["fizzling"] is True
    pairs = {p["sellerId"]: p for p in health["pairs"]}
    assert (pairs[org.sam]["sessionsHeld"], pairs[org.sam]["heldLast28Days"], pairs[org.sam]["fizzling"]) == (
        6, 3, False)
    assert (pairs[org.lea]["sessionsHeld"], pairs[org.lea]["heldLast28Days"], pairs[org.lea]["fizzling"]) == (
        2, 0, True)

    # coaching activity per coach over the programme's life
    data = await gql("""query($from: Date!, $to: Date!) { coachingActivity(groupBy: COACH, from: $from, to: $to) {
        groupBy rows { person { name } sessionsHeld programmeSessionsHeld programmeSessionsExpected cadenceKept
          cadenceKeptPct ratedSessions averageRating { relevant developmental motivational }
          sessionsWithActions sessionsWithActionsShare sessionsWithActionsPct openActions overdueActions }
        definitions { name meaning } } }""", **{"from": PROGRAMME_START.isoformat(), "to": days(0).isoformat()})
    rows = {r["person"]["name"]: r for r in data["coachingActivity"]["rows"]}
    assert rows["Omar Manager"] == {
        "person": {"name": "Omar Manager"}, "sessionsHeld": 6, "programmeSessionsHeld": 6,
        "programmeSessionsExpected": 8, "cadenceKept": 0.75, "cadenceKeptPct": 75.0, "ratedSessions": 2,
        "averageRating": {"relevant": 4.0, "developmental": 4.0, "motivational": 4.0},
        "sessionsWithActions": 1, "sessionsWithActionsShare": 0.1667, "sessionsWithActionsPct": 16.7, "openActions": 2,
        "overdueActions": 1}
    assert (rows["Maya Manager"]["sessionsHeld"], rows["Maya Manager"]["cadenceKept"]) == (2, 0.25)
    assert (rows["Eve Engineer"]["sessionsHeld"], rows["Eve Engineer"]["cadenceKept"]) == (1, None)
    assert "cadence_kept" in {d["name"] for d in data["coachingActivity"]["definitions"]}
    # and per team: Omar's team is Sam and Eve now (Sam's sessions by Omar and by Eve), Maya's is Lea
    data = await gql("""query($from: Date!, $to: Date!) { coachingActivity(groupBy: TEAM, from: $from, to: $to) {
        rows { person { name } teamSize sessionsHeld cadenceKept overdueActions } } }""",
                     **{"from": PROGRAMME_START.isoformat(), "to": days(0).isoformat()})
    teams = {r["person"]["name"]: r for r in data["coachingActivity"]["rows"]}
    assert teams["Omar Manager"] == {"person": {"name": "Omar Manager"}, "teamSize": 2, "sessionsHeld": 7,
                                     "cadenceKept": 0.75, "overdueActions": 1}
    assert teams["Maya Manager"] == {"person": {"name": "Maya Manager"}, "teamSize": 1, "sessionsHeld": 2,
                                     "cadenceKept": 0.25, "overdueActions": 0}
    # overdue actions per team
    data = await gql("query($m: ID!) { actions(teamOf: $m, overdue: true) { items { description } } }", m=org.omar)
    assert data["actions"]["items"] == [{"description": "Draft a business case for Initech"}]


async def test_session_failures_are_typed(gql):
    org = await build_org(gql)
    missing = "0190b0c4-0000-7000-8000-000000000000"
    data = await gql(f"""mutation($input: SessionInput!) {{ scheduleSession(input: $input) {{ {PROBLEM} }} }}""",
                     input={"coachId": org.omar, "sellerId": missing, "scheduledAt": "2026-01-01T10:00:00Z"})
    assert data["scheduleSession"]["__typename"] in ("ValidationProblem", "NotFound")
    data = await gql(f"""mutation($input: SessionInput!) {{ scheduleSession(input: $input) {{ {PROBLEM} }} }}""",
                     input={"coachId": org.omar, "sellerId": org.sam, "scheduledAt": "2026-01-01T10:00:00Z",
                            "durationMinutes": 0, "focusKeys": ["Not A Key"]})
    problem = result(data, "scheduleSession", "ValidationProblem")
    assert {f["field"] for f in problem["fields"]} >= {"durationMinutes", "focusKeys.0"}
    s = await schedule(gql, org.omar, org.sam, days(-1))
    data = await gql(f'mutation($id: ID!) {{ cancelSession(id: $id, reason: "") {{ {PROBLEM} }} }}', id=s["id"])
    assert [f["field"] for f in result(data, "cancelSession", "ValidationProblem")["fields"]] == ["reason"]
    data = await gql(f'mutation($id: ID!) {{ cancelSession(id: $id, reason: "Ill") {{ {PROBLEM} '
                     '... on Session { status cancelReason } } }', id=s["id"])
    assert data["cancelSession"] == {"__typename": "Session", "status": "CANCELLED", "cancelReason": "Ill"}
    again = await complete(gql, s["id"], days(-1))
    assert again["__typename"] == "Conflict"
    data = await gql(f'mutation {{ markNoShow(id: "{missing}") {{ {PROBLEM} }} }}')
    assert data["markNoShow"]["__typename"] == "NotFound"
    data = await gql(f'mutation {{ markNoShow(id: "not-an-id/../x") {{ {PROBLEM} }} }}')
    problem = result(data, "markNoShow", "ValidationProblem")
    assert problem["fields"] == [{"field": "id", "message": "id is not a valid id.", "code": "invalid_id"}]
    future = await complete(gql, (await schedule(gql, org.omar, org.sam, days(1)))["id"], days(2))
    assert [f["field"] for f in result({"x": future}, "x", "ValidationProblem")["fields"]] == ["heldAt"]
    # a query's bad arguments are a GraphQL error, not a crash
    body = (await gql.raw('{ actions(teamOf: "nope") { items { id } } }')).json()
    assert body["data"] == {"actions": None} and body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    # people: duplicate sources and a clash of external ids
    data = await gql(f"""mutation {{ createPerson(input: {{name: "Dup", externalIds: [{{source: "crm",
        externalId: "1"}}, {{source: "crm", externalId: "2"}}]}}) {{ {PROBLEM} }} }}""")
    assert result(data, "createPerson", "ValidationProblem")["fields"][0]["code"] == "duplicate_source"
    data = await gql(f"""mutation {{ createPerson(input: {{name: "Clash", externalIds: [{{source: "crm",
        externalId: "005A"}}]}}) {{ {PROBLEM} }} }}""")
    assert data["createPerson"]["__typename"] == "Conflict"
    data = await gql(f"""mutation($id: ID!) {{ updatePerson(id: $id, input: {{email: "not an email"}}) {{ {PROBLEM}
        }} }}""", id=org.sam)
    assert [f["field"] for f in result(data, "updatePerson", "ValidationProblem")["fields"]] == ["email"]


async def test_programme_failures_are_typed(gql):
    org = await build_org(gql)
    data = await gql(f"""mutation($input: ProgrammeInput!) {{ createProgramme(input: $input) {{ {PROBLEM} }} }}""",
                     input={"name": "", "behaviorKeys": [], "cadenceDays": 0, "startsOn": "2026-01-01"})
    fields = {f["field"] for f in result(data, "createProgramme", "ValidationProblem")["fields"]}
    assert fields >= {"name", "behaviorKeys", "cadenceDays"}
    data = await gql(f"""mutation($input: ProgrammeInput!) {{ createProgramme(input: $input) {{
        {PROBLEM} ... on Programme {{ id }} }} }}""",
                     input={"name": "P", "behaviorKeys": ["exec-meetings"], "cadenceDays": 7,
                            "startsOn": "2026-01-01", "endsOn": "2026-02-01"})
    programme = result(data, "createProgramme", "Programme")
    data = await gql(f"""mutation($p: ID!, $input: PairInput!) {{ addProgrammePair(programmeId: $p, input: $input)
        {{ {PROBLEM} }} }}""", p=programme["id"], input={"coachId": org.omar, "sellerId": org.sam,
                                                         "joinedOn": "2026-03-01"})
    assert data["addProgrammePair"]["__typename"] in ("ValidationProblem", "Conflict")
    data = await gql(f"""mutation($id: ID!) {{ updateProgramme(id: $id, input: {{endsOn: "2025-01-01"}}) {{
        {PROBLEM} }} }}""", id=programme["id"])
    assert data["updateProgramme"]["__typename"] == "ValidationProblem"
    body = (await gql.raw("""query($id: ID!) { programme(id: $id) { health(from: "2026-02-01", to: "2026-01-01")
        { fizzling } } }""", id=programme["id"])).json()
    assert body["data"]["programme"]["health"] is None and body["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
