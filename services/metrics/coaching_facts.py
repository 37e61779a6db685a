"""Coaching evidence: what the read model's coaching sessions, actions and goals say, as facts a metric counts.

A coaching entity mirrored from the coaching service (a session, an action, an agreed goal) is one row that
speaks about two people at several moments, while a metric counts events of one person on one UTC day. So
each entity is stored once more as its facts, one row each in `coaching_facts` (person, type, time,
attributes, amount), and from there coaching evidence is counted, listed and backfilled exactly like CRM
activities and LMS completions (aggregates.EVIDENCE["coaching"]).

The facts of an entity (types are what metrics name; `at` is the moment that places it on a day):
- a session, for its coach: `session_planned` (scheduled_at, whatever became of it); `session_held`
  (held_at, completed); `session_cancelled` / `session_no_show` (scheduled_at, so marked);
  `session_rated` (held_at, completed and rated by the seller: attributes relevant, developmental,
  motivational, 1-5); for its seller: `session_received` (held_at, completed) and one `behavior_observed`
  per rubric observation of a completed session (held_at; attributes behavior_key and level, amount the level:
  the family `observed_level:<behaviour key>` averages them). Attributes of every session fact: session_id,
  programme_id (or null), behavior_keys (the session's focus), has_agreed_action;
- an action not dropped, due on `due_on` (its time is that day's midnight UTC): `action_due` for the coach,
  `own_action_due` for the seller; amount 1 when it was done on or before its due day (UTC), else 0 (an open
  action counts 0 until it is done; done late stays 0). Attributes: action_id, session_id, status;
- an agreed goal: `goal_agreed` for its coach at first_agreed_at (a revision is not a new goal).
  Attributes: goal_id, metric_key, kind, period;
- cadence kept (cadence_facts.py, which depends on the programme and its pairs too): a session's
  `programme_session_held` for its coach, and a pair's `session_expected` per day in its programme.
Deleted entities (tombstones) have no facts. Tenant metrics may name these types and attributes
(schemas.COACHING_TYPES / COACHING_ATTRIBUTES; tests/metrics/test_coaching_facts.py keeps the lists in step).

Writes: after the read model writes a batch of entities (readmodel.py), `refresh` takes each written
entity's row lock, deletes its facts (the old ones come back from the delete), inserts the facts of the row
as now stored, and applies the difference to the daily aggregates — in the same transaction. Facts always
follow the stored row, whichever transaction wrote it, so replays, late arrivals and races leave the
aggregates equal to a recount.
"""

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime, time
from typing import Any

from sqlalchemy import Table

from services.metrics.aggregates import Tally
from services.metrics.catalogue import Metrics
from services.metrics.models import CoachingAction, CoachingGoal, CoachingSession
from services.metrics.repository import DailyRepository, EvidenceRepository

Fact = dict[str, Any]  # id, entity_id, person_id, type, at, attributes, amount

_NAMESPACE = uuid.UUID("6f1c1d2e-8a3b-5c4d-9e0f-0a1b2c3d4e5f")


def fact(entity_id: uuid.UUID, person_id: uuid.UUID, type_: str, at: datetime, attributes: dict[str, Any],
         amount: float | None = None, *, part: str = "") -> Fact:
    # a fact's id is stable across refreshes of its entity (one fact per entity and type, or per entity, type
    # and `part` where an entity has several of a type: a pair's expected session per day)
    name = f"{entity_id}:{type_}:{part}" if part else f"{entity_id}:{type_}"
    return {"id": uuid.uuid5(_NAMESPACE, name), "entity_id": entity_id, "person_id": person_id,
            "type": type_, "at": at, "attributes": attributes, "amount": amount}


def session_attributes(s: Mapping[str, Any]) -> dict[str, Any]:
    return {"session_id": str(s["id"]),
            "programme_id": None if s["programme_id"] is None else str(s["programme_id"]),
            "behavior_keys": list(s["focus_keys"] or []), "has_agreed_action": bool(s["has_agreed_action"])}


def session_facts(s: Mapping[str, Any]) -> list[Fact]:
    if s["deleted"]:
        return []
    sid, coach, seller = s["id"], s["coach_id"], s["seller_id"]
    attributes = session_attributes(s)
    facts = [fact(sid, coach, "session_planned", s["scheduled_at"], attributes)]
    status = s["status"]
    if status == "completed" and s["held_at"] is not None:
        facts.append(fact(sid, coach, "session_held", s["held_at"], attributes))
        facts.append(fact(sid, seller, "session_received", s["held_at"], attributes))
        facts += observation_facts(s, attributes)
        if s["relevant"] is not None:
            ratings = {k: s[k] for k in ("relevant", "developmental", "motivational")}
            facts.append(fact(sid, coach, "session_rated", s["held_at"], {**attributes, **ratings}))
    elif status == "cancelled":
        facts.append(fact(sid, coach, "session_cancelled", s["scheduled_at"], attributes))
    elif status == "no_show":
        facts.append(fact(sid, coach, "session_no_show", s["scheduled_at"], attributes))
    return facts


def observation_facts(s: Mapping[str, Any], attributes: dict[str, Any]) -> list[Fact]:
    """A completed session's rubric observations, for its seller: one fact each (the n-th is the fact's part)."""
    return [fact(s["id"], s["seller_id"], "behavior_observed", s["held_at"],
                 {**attributes, "behavior_key": o["behavior_key"], "level": o["level"]}, float(o["level"]),
                 part=str(n))
            for n, o in enumerate(s.get("observations") or [])]


def on_time(a: Mapping[str, Any]) -> bool:
    closed: datetime | None = a["closed_at"]
    return a["status"] == "done" and closed is not None and closed.astimezone(UTC).date() <= a["due_on"]


def action_facts(a: Mapping[str, Any]) -> list[Fact]:
    if a["deleted"] or a["status"] == "dropped":
        return []
    due = datetime.combine(a["due_on"], time(), UTC)
    attributes = {"action_id": str(a["id"]), "session_id": str(a["session_id"]), "status": a["status"]}
    done = 1.0 if on_time(a) else 0.0
    return [fact(a["id"], a["coach_id"], "action_due", due, attributes, done),
            fact(a["id"], a["seller_id"], "own_action_due", due, attributes, done)]


def goal_facts(g: Mapping[str, Any]) -> list[Fact]:
    if g["deleted"]:
        return []
    return [fact(g["id"], g["coach_id"], "goal_agreed", g["first_agreed_at"],
                  {"goal_id": str(g["id"]), "metric_key": g["metric_key"], "kind": g["kind"],
                   "period": g["period"]})]


FACTS: dict[str, Callable[[Mapping[str, Any]], list[Fact]]] = {
    CoachingSession.__tablename__: session_facts,
    CoachingAction.__tablename__: action_facts,
    CoachingGoal.__tablename__: goal_facts,
}


More = Callable[[list[dict[str, Any]]], Awaitable[list[Fact]]]


async def refresh(repo: EvidenceRepository, daily: DailyRepository, metrics: Metrics, table: Table,
                  ids: Sequence[uuid.UUID], more: More | None = None) -> None:
    """Make the facts of these entities those of their stored rows, and the aggregates follow (see above).
    `more` adds facts that need more than the row (a session held in a programme: cadence_facts.py)."""
    facts_of = FACTS[table.name]
    await repo.lock(exclusive=False)  # a metric defined meanwhile backfills under the exclusive lock
    rows = await repo.lock_rows(table, sorted(set(ids), key=lambda i: i.bytes))
    old = await repo.delete_facts([r["id"] for r in rows])
    new = [f for row in rows for f in facts_of(row)]
    if more is not None:
        new += await more(rows)
    await repo.insert_facts(new)
    tally = Tally.of(metrics, "coaching")
    for f in old:
        tally.add(f["person_id"], f["at"], f["type"], f["attributes"], f["amount"], -1.0)
    for f in new:
        tally.add(f["person_id"], f["at"], f["type"], f["attributes"], f["amount"])
    await daily.apply(tally.rows())
