"""The coaching part of the gateway: flat downstream calls, scopes, malformed ids, tenancy."""

from typing import Any

from gateway.resolvers.behaviors import BehaviorsMutation
from gateway.resolvers.directory import DirectoryMutation
from gateway.resolvers.gaps import GapsMutation
from gateway.resolvers.metrics import MetricsMutation
from gateway.resolvers.programmes import ProgrammesMutation
from gateway.resolvers.sessions import SessionsMutation
from gateway.resolvers.webhooks import WebhooksMutation
from gateway.schema import schema
from tests.conftest import GraphQL
from tests.gateway.coaching_docs import create_person, days, held_session, set_manager
from tests.gateway.helpers import PROBLEM, client_for, mutation_names, new_uuid, other_tenant

COACHING = (DirectoryMutation, ProgrammesMutation, SessionsMutation, GapsMutation)

NESTED = """query($day: Date!) { people(role: MANAGER, first: 200) { items { name
    reports(asOf: $day) { name manager { name } coaches { kind coach { name } } sessions { focusKeys coach { name } }
      goals { id } openActions { id } }
    coachees { seller { name } } sessions(asCoach: true) { id programme { name } } } } }"""


async def make_team(gql: GraphQL, n: int) -> None:
    manager = await create_person(gql, f"Manager {n:02d}", "MANAGER")
    for s in range(2):
        seller = await create_person(gql, f"Seller {n:02d}-{s}")
        await set_manager(gql, seller["id"], manager["id"], days(-30))
        await held_session(gql, manager["id"], seller["id"], days(-5), focusKeys=["listening"])


async def test_nested_people_make_the_same_few_calls_for_2_and_6_teams(stack, gql):
    for n in range(2):
        await make_team(gql, n)
    stack.calls.clear()
    small = await gql(NESTED, day=days(0).isoformat())
    small_calls = sorted((r.method, r.url.path) for r in stack.calls)
    for n in range(2, 6):
        await make_team(gql, n)
    stack.calls.clear()
    large = await gql(NESTED, day=days(0).isoformat())
    large_calls = sorted((r.method, r.url.path) for r in stack.calls)

    assert len(small["people"]["items"]) == 2 and len(large["people"]["items"]) == 6
    for team in large["people"]["items"]:
        assert [r["name"][-4:] for r in team["reports"]] == [f"{team['name'][-2:]}-0", f"{team['name'][-2:]}-1"]
        for report in team["reports"]:
            assert report["manager"] == {"name": team["name"]}
            assert report["coaches"] == [{"kind": "MANAGER", "coach": {"name": team["name"]}}]
            assert report["sessions"] == [{"focusKeys": ["listening"], "coach": {"name": team["name"]}}]
        assert len(team["sessions"]) == 2 and len(team["coachees"]) == 2
    assert small_calls == large_calls, (small_calls, large_calls)
    # people, reports, people (reports), managers, coaches, sessions by seller, goals, actions, coachees,
    # sessions by coach, people (coaches' names)… each path once, whatever the number of teams
    assert len(large_calls) == 11, large_calls


async def test_the_schema_mutation_is_exactly_the_domains_mutations():
    mutation_type = schema._schema.mutation_type
    assert mutation_type is not None
    names = [mutation_names(d) for d in (BehaviorsMutation, *COACHING, MetricsMutation, WebhooksMutation)]
    assert set(mutation_type.fields) == set().union(*names)
    assert sum(len(n) for n in names) == len(mutation_type.fields)  # no domain shadows another's mutation


def coaching_calls(person: str, other: str) -> dict[str, str]:
    x = new_uuid()
    return {
        "createPerson": 'createPerson(input: {name: "x"})',
        "updatePerson": f'updatePerson(id: "{person}", input: {{name: "x"}})',
        "setExternalId": f'setExternalId(personId: "{person}", source: "crm", externalId: "1")',
        "removeExternalId": f'removeExternalId(personId: "{person}", source: "crm")',
        "setManager": f'setManager(personId: "{person}", managerId: "{other}", effective: "2026-01-01")',
        "createCoachAssignment": f'createCoachAssignment(input: {{coachId: "{other}", sellerId: "{person}", '
                                 'kind: PEER})',
        "endCoachAssignment": f'endCoachAssignment(id: "{x}")',
        "createProgramme": 'createProgramme(input: {name: "x", behaviorKeys: ["ab"], cadenceDays: 7, '
                           'startsOn: "2026-01-01"})',
        "updateProgramme": f'updateProgramme(id: "{x}", input: {{name: "x"}})',
        "deleteProgramme": f'deleteProgramme(id: "{x}")',
        "addProgrammePair": f'addProgrammePair(programmeId: "{x}", input: {{coachId: "{other}", '
                            f'sellerId: "{person}"}})',
        "removeProgrammePair": f'removeProgrammePair(programmeId: "{x}", pairId: "{x}")',
        "scheduleSession": f'scheduleSession(input: {{coachId: "{other}", sellerId: "{person}", '
                           'scheduledAt: "2026-01-01T10:00:00Z"})',
        "updateSession": f'updateSession(id: "{x}", input: {{durationMinutes: 20}})',
        "completeSession": f'completeSession(id: "{x}", input: {{notes: "x"}})',
        "cancelSession": f'cancelSession(id: "{x}", reason: "x")',
        "markNoShow": f'markNoShow(id: "{x}")',
        "rateSession": f'rateSession(sessionId: "{x}", input: {{relevant: 1, developmental: 1, motivational: 1}})',
        "updateAction": f'updateAction(id: "{x}", input: {{status: DONE}})',
        "createGoal": f'createGoal(input: {{sellerId: "{person}", metricKey: "calls", kind: ACTIVITY, target: 1, '
                      'period: WEEK, reviewOn: "2026-01-01"})',
        "agreeGoal": f'agreeGoal(id: "{x}")',
        "reviseGoal": f'reviseGoal(id: "{x}", input: {{metricKey: "calls", kind: ACTIVITY, target: 1, '
                      'period: WEEK, reviewOn: "2026-01-01"})',
        "reviewGoal": f'reviewGoal(id: "{x}", input: {{outcome: ACHIEVED}})',
        "closeGap": f'closeGap(id: "{x}", input: {{sessionId: "{x}", outcome: RESOLVED}})',
    }


async def test_every_coaching_mutation_is_forbidden_with_a_read_only_key(stack, tenant, gql):
    person = await create_person(gql, "Sam Seller")
    other = await create_person(gql, "Omar Manager", "MANAGER")
    calls = coaching_calls(person["id"], other["id"])
    assert set(calls) == set().union(*(mutation_names(d) for d in COACHING))  # every mutation is covered
    reader = client_for(stack, await stack.key(tenant, "coaching:read"))
    async with reader.client:
        for name, call in calls.items():
            data = await reader(f"mutation {{ {call} {{ {PROBLEM} }} }}")
            assert data[name] == {"__typename": "Forbidden",
                                  "message": "This credential lacks the 'coaching:write' scope."}, name
        data = await reader("query($id: ID!) { person(id: $id) { name } }", id=person["id"])
        assert data["person"] == {"name": "Sam Seller"}
    data = await gql("query($id: ID!) { person(id: $id) { name externalIds { source } manager { name } } }",
                     id=person["id"])
    assert data["person"] == {"name": "Sam Seller", "externalIds": [], "manager": None}  # nothing changed


async def test_malformed_ids_are_validation_problems_and_reach_no_service(stack, gql):
    calls: dict[str, tuple[str, str]] = {
        "updatePerson": ('updatePerson(id: "a/b", input: {name: "x"})', "id"),
        "setManager": (f'setManager(personId: "{new_uuid()}", managerId: "../x", effective: "2026-01-01")',
                       "managerId"),
        "endCoachAssignment": ('endCoachAssignment(id: "x")', "id"),
        "removeProgrammePair": (f'removeProgrammePair(programmeId: "{new_uuid()}", pairId: "p/../q")', "pairId"),
        "completeSession": ('completeSession(id: "nope", input: {})', "id"),
        "rateSession": ('rateSession(sessionId: "1", input: {relevant: 1, developmental: 1, motivational: 1})',
                        "sessionId"),
        "agreeGoal": ('agreeGoal(id: "x/agree")', "id"),
    }
    for name, (call, argument) in calls.items():
        stack.calls.clear()
        data = await gql(f"mutation {{ {call} {{ {PROBLEM} }} }}")
        assert data[name] == {"__typename": "ValidationProblem", "message": f"{argument} is not a valid id.",
                              "fields": [{"field": argument, "message": f"{argument} is not a valid id.",
                                          "code": "invalid_id"}]}, name
        assert stack.calls == [], name
    data = await gql('{ person(id: "nope") { name } session(id: "x") { id } programme(id: "y") { id } }')
    assert data == {"person": None, "session": None, "programme": None}


async def test_another_tenant_sees_nothing(stack, gql):
    person = await create_person(gql, "Sam Seller", externalIds=[{"source": "crm", "externalId": "9"}])
    manager = await create_person(gql, "Omar Manager", "MANAGER")
    session = await held_session(gql, manager["id"], person["id"], days(-1))
    _, theirs = await other_tenant(stack)
    async with theirs.client:
        data: dict[str, Any] = await theirs(
            """query($p: ID!, $s: ID!) { person(id: $p) { name } session(id: $s) { id }
               byCrm: person(source: "crm", externalId: "9") { name } people { items { id } }
               sessions { items { id } } }""", p=person["id"], s=session["id"])
        assert data == {"person": None, "session": None, "byCrm": None, "people": {"items": []},
                        "sessions": {"items": []}}
        data = await theirs(f"""mutation($id: ID!) {{ completeSession(id: $id, input: {{}}) {{ {PROBLEM} }} }}""",
                            id=session["id"])
        assert data["completeSession"]["__typename"] == "NotFound"
