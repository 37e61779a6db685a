"""GraphQL documents and builders for the coaching part of the schema (used by the gateway tests)."""

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from tests.conftest import GraphQL
from tests.gateway.helpers import PROBLEM, result

PERSON = "id name email title roles active managerIsCoach externalIds { source externalId }"
ACTION = "id sellerId coachId ownerId gapId description dueOn status overdue"
GOAL = "id sellerId coachId agreed currentRevision current { metricKey kind target period reviewOn agreed }"
SESSION = f"""id coachId sellerId programmeId status scheduledAt heldAt durationMinutes focusKeys notes privateNotes
  scenario {{ behaviorKey scenarioId scenario {{ title openingQuestions }} }}
  observations {{ behaviorKey level evidence }} gaps {{ id behaviorKey description rootCause }}
  actions {{ {ACTION} }} goals {{ {GOAL} }} rating {{ relevant developmental motivational comment }}
  nextSessionId"""
PROGRAMME = """id name behaviorKeys cadenceDays startsOn endsOn coachIds participantIds
  pairs { id coachId sellerId joinedOn leftOn }"""


def at(day: date, hour: int = 10) -> str:
    return datetime.combine(day, time(hour), tzinfo=UTC).isoformat()


def days(n: int) -> date:
    """A day relative to today (UTC): days(-3) is three days ago."""
    return datetime.now(UTC).date() + timedelta(days=n)


async def create_person(gql: GraphQL, name: str, *roles: str, **extra: Any) -> dict[str, Any]:
    data = await gql(f"""mutation($input: PersonInput!) {{ createPerson(input: $input) {{
        {PROBLEM} ... on Person {{ {PERSON} }} }} }}""",
                     input={"name": name, "roles": list(roles) or ["SELLER"], **extra})
    return result(data, "createPerson", "Person")


async def set_manager(gql: GraphQL, person_id: str, manager_id: str | None, effective: date) -> dict[str, Any]:
    data = await gql(f"""mutation($p: ID!, $m: ID, $e: Date!) {{ setManager(personId: $p, managerId: $m,
        effective: $e) {{ {PROBLEM} ... on ManagerOnDay {{ personId managerId asOf }} }} }}""",
                     p=person_id, m=manager_id, e=effective.isoformat())
    return dict(data["setManager"])


async def schedule(gql: GraphQL, coach: str, seller: str, when: date, **extra: Any) -> dict[str, Any]:
    data = await gql(f"""mutation($input: SessionInput!) {{ scheduleSession(input: $input) {{
        {PROBLEM} ... on Session {{ {SESSION} }} }} }}""",
                     input={"coachId": coach, "sellerId": seller, "scheduledAt": at(when), **extra})
    return result(data, "scheduleSession", "Session")


async def complete(gql: GraphQL, session_id: str, held: date, **extra: Any) -> dict[str, Any]:
    data = await gql(f"""mutation($id: ID!, $input: CompletionInput!) {{ completeSession(id: $id, input: $input) {{
        {PROBLEM} ... on Session {{ {SESSION} }} }} }}""", id=session_id, input={"heldAt": at(held), **extra})
    return dict(data["completeSession"])


async def held_session(gql: GraphQL, coach: str, seller: str, when: date, **extra: Any) -> dict[str, Any]:
    """A session scheduled and completed on the same day."""
    s = await schedule(gql, coach, seller, when, **extra)
    out = await complete(gql, s["id"], when)
    assert out["__typename"] == "Session", out
    return out
