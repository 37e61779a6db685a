"""Load the metrics service: its read model of the org (what the event relay will feed later; for now the demo
writes it through the internal endpoints) and the evidence (CRM activities, LMS completions) through ingest.

Read-model items carry version 1, the lowest a change can have, so any real event later supersedes them.
Reporting lines have no id on the coaching API, so theirs is derived from (tenant, person, first day).
"""

import uuid
from datetime import timedelta
from itertools import groupby
from typing import Any

from uplift_cli.demo.api import Api
from uplift_cli.demo.constants import CRM, LMS
from uplift_cli.demo.load_org import Ids
from uplift_cli.demo.plan import Plan

INTERNAL = "metrics/v1/internal"
READ_MODEL_BATCH = 1000
INGEST_BATCH = 5000
LINE_IDS = uuid.UUID("7c1f3a52-5d0e-4c55-9a43-3f0d5e2b8a11")  # namespace of the derived reporting-line ids


async def load_read_model(api: Api, plan: Plan, ids: Ids) -> None:
    """People, reporting lines, active behaviours and programme participants."""
    org = plan.org
    await api.batch(f"{INTERNAL}/people", [
        {"id": ids.person(p.key), "version": 1, "name": p.name, "email": p.email, "roles": list(p.roles),
         "active": True, "external_ids": p.external_ids()} for p in org.people], READ_MODEL_BATCH, method="PUT")
    lines = []
    for person, group in groupby(sorted(org.lines, key=lambda ln: (ln.person, ln.effective)), key=lambda ln: ln.person):
        history = list(group)
        for line, later in zip(history, [*history[1:], None], strict=True):
            lines.append({"id": str(uuid.uuid5(LINE_IDS, f"{api.tenant_id}:{ids.person(person)}:{line.effective}")),
                          "version": 1, "person_id": ids.person(person), "manager_id": ids.person(line.manager),
                          "valid_from": line.effective.isoformat(),
                          "valid_to": later.effective.isoformat() if later else None})
    await api.batch(f"{INTERNAL}/reporting-lines", lines, READ_MODEL_BATCH, method="PUT")
    behaviors = [b for b in ids.behaviors.values() if b["status"] == "active"]
    await api.batch(f"{INTERNAL}/behaviors", [
        {"id": b["id"], "version": b["version"], "key": b["key"], "name": b["content"]["name"], "status": b["status"],
         "audience": b["content"]["audience"],
         "indicators": [{k: i[k] for k in ("id", "metric_key", "kind", "target", "comparator", "period")}
                        for i in b["content"]["indicators"]]} for b in behaviors], READ_MODEL_BATCH, method="PUT")
    await api.batch(f"{INTERNAL}/programme-participants", [
        {"id": pair["id"], "version": 1, "programme_id": p["id"], "person_id": pair["seller_id"],
         "joined_on": pair["joined_on"], "left_on": pair["left_on"]}
        for p in ids.programmes.values() for pair in p["pairs"]], READ_MODEL_BATCH, method="PUT")


async def load_sessions_read_model(api: Api) -> int:
    """Every session as the coaching service now has it (status, times, ratings, whether actions were agreed)."""
    sessions = await api.pages("coaching/v1/sessions")
    items = []
    for s in sessions:
        rating = s["rating"] or {}
        items.append({"id": s["id"], "version": 1, "coach_id": s["coach_id"], "seller_id": s["seller_id"],
                      "programme_id": s["programme_id"], "status": s["status"], "scheduled_at": s["scheduled_at"],
                      "held_at": s["held_at"], "relevant": rating.get("relevant"),
                      "developmental": rating.get("developmental"), "motivational": rating.get("motivational"),
                      "has_agreed_action": bool(s["actions"])})
    await api.batch(f"{INTERNAL}/sessions", items, READ_MODEL_BATCH, method="PUT")
    return len(items)


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
    await api.batch("metrics/v1/activities", activity_items(plan, ids), INGEST_BATCH)
    await api.batch("metrics/v1/completions", completion_items(plan), INGEST_BATCH)
