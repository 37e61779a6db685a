"""The facts coaching entities become (services/metrics/coaching_facts.py) use only the types and attributes
tenant metrics may name (schemas.COACHING_TYPES / COACHING_ATTRIBUTES), whatever the entity's state."""

import itertools
import uuid
from datetime import UTC, date, datetime
from typing import Any

from services.metrics.coaching_facts import action_facts, goal_facts, session_facts
from services.metrics.schemas import COACHING_ATTRIBUTES, COACHING_TYPES

AT = datetime(2026, 3, 2, 9, tzinfo=UTC)


def sessions() -> list[dict[str, Any]]:
    out = []
    for status, rated, programme in itertools.product(("scheduled", "completed", "cancelled", "no_show"),
                                                      (True, False), (None, uuid.uuid4())):
        out.append({"id": uuid.uuid4(), "coach_id": uuid.uuid4(), "seller_id": uuid.uuid4(),
                    "programme_id": programme, "status": status, "scheduled_at": AT,
                    "held_at": AT if status == "completed" else None, "relevant": 4 if rated else None,
                    "developmental": 3 if rated else None, "motivational": 5 if rated else None,
                    "has_agreed_action": rated, "focus_keys": ["discovery"], "deleted": False})
    return out


def actions() -> list[dict[str, Any]]:
    return [{"id": uuid.uuid4(), "session_id": uuid.uuid4(), "coach_id": uuid.uuid4(), "seller_id": uuid.uuid4(),
             "due_on": date(2026, 3, 5), "status": status, "closed_at": None if status == "open" else AT,
             "deleted": False} for status in ("open", "done", "dropped")]


def goals() -> list[dict[str, Any]]:
    return [{"id": uuid.uuid4(), "coach_id": uuid.uuid4(), "metric_key": "meetings", "kind": "activity",
             "period": "week", "first_agreed_at": AT, "deleted": False}]


def test_every_fact_type_and_attribute_is_one_tenant_metrics_may_name() -> None:
    facts = ([f for s in sessions() for f in session_facts(s)] + [f for a in actions() for f in action_facts(a)]
             + [f for g in goals() for f in goal_facts(g)])
    assert {f["type"] for f in facts} == set(COACHING_TYPES)  # every type occurs, and no other
    assert {name for f in facts for name in f["attributes"]} <= set(COACHING_ATTRIBUTES)


def test_a_tombstone_has_no_facts() -> None:
    assert session_facts({**sessions()[0], "deleted": True}) == []
    assert action_facts({**actions()[1], "deleted": True}) == []
    assert goal_facts({**goals()[0], "deleted": True}) == []
