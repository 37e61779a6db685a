"""The facts coaching entities become (services/metrics/coaching_facts.py) use only the types and attributes
tenant metrics may name (schemas.COACHING_TYPES / COACHING_ATTRIBUTES), whatever the entity's state."""

import itertools
import uuid
from datetime import UTC, date, datetime
from typing import Any

from services.metrics.cadence_facts import expected_facts, held_fact
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
                    "has_agreed_action": rated, "focus_keys": ["discovery"], "deleted": False,
                    "observations": [{"behavior_key": "discovery", "level": 3}]})
    return out


def actions() -> list[dict[str, Any]]:
    return [{"id": uuid.uuid4(), "session_id": uuid.uuid4(), "coach_id": uuid.uuid4(), "seller_id": uuid.uuid4(),
             "due_on": date(2026, 3, 5), "status": status, "closed_at": None if status == "open" else AT,
             "deleted": False} for status in ("open", "done", "dropped")]


def goals() -> list[dict[str, Any]]:
    return [{"id": uuid.uuid4(), "coach_id": uuid.uuid4(), "metric_key": "meetings", "kind": "activity",
             "period": "week", "first_agreed_at": AT, "deleted": False}]


def programme_facts() -> list[dict[str, Any]]:
    """A pair's expected sessions and the sessions held in its programme."""
    programme = {"id": uuid.uuid4(), "cadence_days": 7, "starts_on": date(2026, 3, 1), "ends_on": None,
                 "behavior_keys": ["discovery"], "deleted": False}
    out: list[dict[str, Any]] = []
    for s in sessions():
        pair = {"id": uuid.uuid4(), "programme_id": programme["id"], "person_id": s["seller_id"],
                "coach_id": s["coach_id"], "joined_on": date(2026, 3, 1), "left_on": None, "deleted": False}
        out += expected_facts(pair, programme, None, date(2026, 3, 3))
        held = held_fact({**s, "programme_id": programme["id"]}, [pair], programme)
        out += [held] if held is not None else []
    return out


def test_every_fact_type_and_attribute_is_one_tenant_metrics_may_name() -> None:
    facts = ([f for s in sessions() for f in session_facts(s)] + [f for a in actions() for f in action_facts(a)]
             + [f for g in goals() for f in goal_facts(g)] + programme_facts())
    assert {f["type"] for f in facts} == set(COACHING_TYPES)  # every type occurs, and no other
    assert {name for f in facts for name in f["attributes"]} <= set(COACHING_ATTRIBUTES)


def test_a_tombstone_has_no_facts() -> None:
    assert session_facts({**sessions()[0], "deleted": True}) == []
    assert action_facts({**actions()[1], "deleted": True}) == []
    assert goal_facts({**goals()[0], "deleted": True}) == []


def test_a_pair_expects_on_its_days_in_the_programme_only() -> None:
    """max(joined_on, starts_on) <= d <= min(left_on - 1, ends_on), never after `through`, only after `after`;
    1 / cadence_days each; nothing for a pair removed, without a coach, or of a deleted programme."""
    programme = {"id": uuid.uuid4(), "cadence_days": 7, "starts_on": date(2026, 3, 5), "ends_on": date(2026, 3, 20),
                 "behavior_keys": ["discovery"], "deleted": False}
    pair = {"id": uuid.uuid4(), "programme_id": programme["id"], "person_id": uuid.uuid4(), "coach_id": uuid.uuid4(),
            "joined_on": date(2026, 3, 1), "left_on": date(2026, 3, 10), "deleted": False}

    def days(p: dict[str, Any], prog: dict[str, Any], after: date | None, through: date) -> list[int]:
        facts = expected_facts(p, prog, after, through)
        assert all(f["amount"] == 1 / 7 and f["person_id"] == p["coach_id"] for f in facts)
        return [f["at"].day for f in facts]

    assert days(pair, programme, None, date(2026, 4, 1)) == [5, 6, 7, 8, 9]  # left_on exclusive
    assert days({**pair, "left_on": None}, programme, None, date(2026, 4, 1)) == list(range(5, 21))  # ends_on in
    assert days({**pair, "left_on": None}, {**programme, "ends_on": None}, date(2026, 3, 6), date(2026, 3, 8)) == [
        7, 8]
    assert days({**pair, "deleted": True}, programme, None, date(2026, 4, 1)) == []
    assert days({**pair, "coach_id": None}, programme, None, date(2026, 4, 1)) == []
    assert days(pair, {**programme, "deleted": True}, None, date(2026, 4, 1)) == []
    session = {"id": uuid.uuid4(), "coach_id": pair["coach_id"], "seller_id": pair["person_id"],
               "programme_id": programme["id"], "status": "completed", "scheduled_at": AT, "focus_keys": [],
               "has_agreed_action": False, "deleted": False}
    assert [held_fact({**session, "held_at": datetime(2026, 3, d, 23, tzinfo=UTC)}, [pair], programme) is not None
            for d in (4, 5, 9, 10)] == [False, True, True, False]
    assert held_fact({**session, "held_at": datetime(2026, 3, 6, tzinfo=UTC), "coach_id": uuid.uuid4()}, [pair],
                     programme) is None  # another coach: not this pair's session
