"""Load the metrics service's evidence (CRM activities, LMS completions) through ingest, and wait for its read
model of the org — fed by the other services' events — to settle.

The demo keeps its people's CRM user ids under the external-id source `crm`; the tenant's source aliases make
activities sent as `salesforce`, `hubspot` or `dynamics` (as in docs/api.md §7) resolve against them too."""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from uplift_cli.demo.api import Api
from uplift_cli.demo.constants import CRM, CRM_SOURCES, LMS
from uplift_cli.demo.load_org import Ids
from uplift_cli.demo.plan import Plan
from uplift_cli.demo.waiting import Progress

INGEST_BATCH = 5000


async def load_aliases(api: Api) -> None:
    for source in CRM_SOURCES:
        await api.put(f"metrics/v1/source-aliases/{source}", {"target": CRM})


async def known_people(api: Api, people: list[str]) -> int:
    """How many of these people the metrics read model holds."""
    return sum([len(await api.get("metrics/v1/scorecards", person_ids=people[i:i + 200]))
                for i in range(0, len(people), 200)])


async def people_arrived(api: Api, plan: Plan, ids: Ids) -> None:
    """Evidence naming a person by id is refused until the metrics read model knows them: wait until it knows
    everyone (their events are the first the load causes)."""
    people = [ids.person(p.key) for p in plan.org.people]
    progress = Progress()
    while (known := await known_people(api, people)) < len(people):
        progress.moved(known)
        if progress.stalled():
            raise TimeoutError(f"the metrics read model has {known}/{len(people)} people; are events flowing "
                               "(UPLIFT_BROKER_URL)?")
        await asyncio.sleep(0.2)


async def settle(api: Api, plan: Plan, ids: Ids) -> None:
    """The metrics read model is fed by events (coaching and behaviors → metrics), not by the demo: wait until
    it knows every person and every completed and rated session the demo made (the last events the load
    causes), so its figures are whole when the load reports done."""
    people = [ids.person(p.key) for p in plan.org.people]
    completed, ratings = plan.summary()["completed"], plan.summary()["ratings"]
    today = datetime.now(UTC).date()
    window = {"from": (today - timedelta(days=365)).isoformat(), "to": today.isoformat()}
    progress = Progress()
    known = 0
    while True:
        # the cheap figures first: the people's scorecards (every indicator of every person) are asked for only
        # once the sessions have arrived, and no more once everyone is known (the read model forgets no one),
        # so polling does not slow down the consumers it waits for
        figures = await api.get("metrics/v1/coaching-figures", **window)
        held = sum(row["sessions_held"] for row in figures["rows"])
        rated = sum(row["rated"] for row in figures["rows"])
        if held >= completed and rated >= ratings and known < len(people):
            known = await known_people(api, people)
        if known == len(people) and held >= completed and rated >= ratings:
            return
        progress.moved((held, rated, known))
        if progress.stalled():
            known = await known_people(api, people)
            raise TimeoutError(f"the metrics read model has {known}/{len(people)} people, {held}/{completed} completed "
                               f"and {rated}/{ratings} rated sessions; are events flowing (UPLIFT_BROKER_URL)?")
        await asyncio.sleep(0.5)


def activity_items(plan: Plan, ids: Ids) -> list[dict[str, Any]]:
    """Most sellers' CRM plugin names them by CRM user id; some plugins already know the Uplift person id."""
    org = plan.org
    items = []
    for a in plan.activities:
        who = ({"person_id": ids.person(a.seller)} if org.profiles[a.seller].by_person_id
               else {"user_id": org.person(a.seller).crm})
        item: dict[str, Any] = {"external_id": a.external_id, "source": CRM, "type": a.type, **who,
                                "occurred_at": a.occurred_at.isoformat(), "attributes": dict(a.attributes),
                                "source_updated_at": (a.occurred_at + timedelta(minutes=5)).isoformat()}
        if a.amount is not None:
            item |= {"amount": a.amount, "currency": a.currency}
        items.append(item)
    return items


def completion_items(plan: Plan) -> list[dict[str, Any]]:
    items = []
    for c in plan.completions:
        person = plan.org.person(c.person)
        who = {"email": person.email} if c.named_by == "email" else {"user_id": person.lms}
        items.append({"external_id": c.external_id, "lms": LMS, **who, "course_id": c.course_id,
                      "course_title": c.course_title, "status": c.status, "score": c.score,
                      "completed_at": c.completed_at.isoformat(),
                      "source_updated_at": (c.completed_at + timedelta(minutes=1)).isoformat()})
    return items


async def load_evidence(api: Api, plan: Plan, ids: Ids) -> None:
    await people_arrived(api, plan, ids)
    await api.batch("metrics/v1/activities", activity_items(plan, ids), INGEST_BATCH)
    await api.batch("metrics/v1/completions", completion_items(plan), INGEST_BATCH)
