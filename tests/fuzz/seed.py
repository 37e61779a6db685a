"""A small tenant for the fuzz, built through the services' REST with the admin key: objectives, behaviours with
indicators and scenarios, an assessment; a manager with two sellers, a trainer who coaches one of them, a
programme with a pair, a scheduled and a completed session (gaps, actions, goals, a rating), a webhook
subscription; a metric of the tenant's own. `Known` holds their ids and keys by the names the APIs use for
them, so the fuzz can put ids that exist into paths, queries and bodies. A second, `spare` set is what
DELETE operations get, so the rest of the run keeps its objects."""

import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from tests.fuzz.stack import FuzzStack


@dataclass
class Known:
    ids: dict[str, list[str]] = field(default_factory=dict)  # kind → ids kept for the whole run
    spare: dict[str, list[str]] = field(default_factory=dict)  # kind → ids DELETE operations may consume
    strings: dict[str, list[str]] = field(default_factory=dict)  # behaviour keys, metric keys, sources …
    people: dict[str, str] = field(default_factory=dict)  # manager, seller, seller2, trainer

    def add(self, kind: str, value: str, *, spare: bool = False) -> None:
        (self.spare if spare else self.ids).setdefault(kind, []).append(value)


def _ok(response: httpx.Response) -> Any:
    assert response.is_success, f"{response.request.method} {response.request.url}: {response.status_code} " \
                                f"{response.text}"
    return response.json() if response.content else None


def _day(n: int) -> str:
    return (datetime.now(UTC).date() + timedelta(days=n)).isoformat()


def _at(n: int, hour: int = 10) -> str:
    d = datetime.now(UTC).date() + timedelta(days=n)
    return datetime(d.year, d.month, d.day, hour, tzinfo=UTC).isoformat()


def seed(stack: FuzzStack) -> Known:
    known = Known()
    headers = {"authorization": f"Bearer {stack.admin_key}"}
    with httpx.Client(base_url=stack.url("behaviors"), headers=headers, timeout=60) as api:
        _behaviors(api, known)
    with httpx.Client(base_url=stack.url("coaching"), headers=headers, timeout=60) as api:
        _coaching(api, known, stack)
    with httpx.Client(base_url=stack.url("metrics"), headers=headers, timeout=60) as api:
        _metrics(api, known, stack)
    return known


def _behaviors(api: httpx.Client, known: Known) -> None:
    for spare in (False, True):
        objective = _ok(api.post("/v1/objectives", json={"name": f"Sell to the C-suite{' (spare)' * spare}"}))
        known.add("objective", objective["id"], spare=spare)
    indicator = {"metric_key": "calls_made", "kind": "activity", "target": 5}
    active = _ok(api.post("/v1/behaviors", json={
        "key": "fuzz-discovery", "name": "Discovery calls", "audience": ["seller"],
        "objective_id": known.ids["objective"][0], "indicators": [indicator]}))
    active = _ok(api.post(f"/v1/behaviors/{active['id']}/publish"))
    draft = _ok(api.post("/v1/behaviors", json={"key": "fuzz-draft", "name": "Draft behaviour",
                                               "audience": ["manager"], "indicators": [indicator]}))
    known.add("behavior", active["id"])
    known.add("behavior", draft["id"], spare=True)
    known.strings["behavior_key"] = ["fuzz-discovery", "fuzz-draft"]
    for behavior, spare in ((active, False), (draft, True)):
        known.add("indicator", behavior["content"]["indicators"][0]["id"], spare=spare)
        scenario = _ok(api.post(f"/v1/behaviors/{behavior['id']}/scenarios", json={
            "title": "Opening a C-level meeting", "opening_questions": ["What changed this quarter?"]}))
        known.add("scenario", scenario["id"], spare=spare)
    assessment = _ok(api.post("/v1/assessments", json={"title": "Q3 alignment"}))
    _ok(api.put(f"/v1/assessments/{assessment['id']}/responses/alice", json={
        "function": "sales_leadership", "answers": ["view_1"] * 7}))
    known.add("assessment", assessment["id"])
    known.strings["respondent"] = ["alice"]


def _coaching(api: httpx.Client, known: Known, stack: FuzzStack) -> None:
    def person(name: str, *roles: str, **extra: Any) -> str:
        body = {"name": name, "roles": list(roles), "email": f"{name.lower().replace(' ', '.')}@fuzz.example",
                **extra}
        return str(_ok(api.post("/v1/people", json=body))["id"])

    manager = person("Maria Manager", "manager")
    seller = person("Sam Seller", "seller", external_ids={"crm": "fuzz-crm-1"})
    seller2 = person("Sue Seller", "seller", external_ids={"crm": "fuzz-crm-2"})
    trainer = person("Tom Trainer", "enablement")
    spare = person("Spare Person", "seller", external_ids={"crm": "fuzz-crm-3"})
    known.people = {"manager": manager, "seller": seller, "seller2": seller2, "trainer": trainer}
    for p in (manager, seller, seller2, trainer):
        known.add("person", p)
    known.add("person", spare, spare=True)
    known.strings["source"] = ["crm"]
    for s in (seller, seller2):
        _ok(api.put(f"/v1/people/{s}/manager", json={"manager_id": manager, "effective": _day(-90)}))
    assignment = _ok(api.post("/v1/coach-assignments", json={
        "coach_id": trainer, "seller_id": seller, "kind": "trainer", "starts_on": _day(-60)}))
    known.add("assignment", assignment["id"])
    for spare_programme in (False, True):
        programme = _ok(api.post("/v1/programmes", json={
            "name": "Executive conversations" + " (spare)" * spare_programme, "behavior_keys": ["fuzz-discovery"],
            "owner_id": manager, "cadence_days": 14, "starts_on": _day(-60)}))
        known.add("programme", programme["id"], spare=spare_programme)
        pair = _ok(api.post(f"/v1/programmes/{programme['id']}/pairs", json={
            "coach_id": manager, "seller_id": seller, "joined_on": _day(-60)}))
        known.add("pair", pair["id"], spare=spare_programme)
    scheduled = _ok(api.post("/v1/sessions", json={
        "coach_id": manager, "seller_id": seller, "scheduled_at": _at(3), "focus_keys": ["fuzz-discovery"]}))
    held = _ok(api.post("/v1/sessions", json={
        "coach_id": manager, "seller_id": seller, "scheduled_at": _at(-7), "programme_id": known.ids["programme"][0]}))
    held = _ok(api.post(f"/v1/sessions/{held['id']}/complete", json={
        "held_at": _at(-7), "duration_minutes": 30, "notes": "Good discovery.",
        "gaps": [{"behavior_key": "fuzz-discovery", "description": "Few open questions", "root_cause": "skills"}],
        "actions": [{"description": "Prepare five open questions", "owner_id": seller, "due_on": _day(7),
                     "gap_index": 0}],
        "goals": [{"metric_key": "calls_made", "kind": "activity", "target": 20, "period": "week",
                   "review_on": _day(21)}]}))
    _ok(api.put(f"/v1/sessions/{held['id']}/rating", json={"relevant": 5, "developmental": 4, "motivational": 4},
                headers={"authorization": f"Bearer {stack.person_token(seller, 'seller')}"}))
    known.add("session", scheduled["id"])
    known.add("session", held["id"])
    for action in _ok(api.get("/v1/actions", params={"session_id": held["id"]}))["items"]:
        known.add("action", action["id"])
    for goal in _ok(api.get("/v1/goals", params={"session_id": held["id"]}))["items"]:
        known.add("goal", goal["id"])
    for spare_hook in (False, True):
        hook = _ok(api.post("/v1/webhooks", json={"url": "https://hooks.fuzz.example/uplift",
                                                  "event_types": ["session.completed"]}))
        known.add("subscription", hook["id"], spare=spare_hook)


def _metrics(api: httpx.Client, known: Known, stack: FuzzStack) -> None:
    for key in ("fuzz_meetings", "fuzz_spare"):
        _ok(api.post("/v1/metrics", json={"key": key, "name": key.replace("_", " "), "kind": "activity",
                                          "aggregation": "count", "types": ["meeting"]}))
    known.strings["metric_key"] = ["calls_made", "fuzz_meetings"]
    known.strings["spare_metric_key"] = ["fuzz_spare"]
    _ok(api.post("/v1/activities", json={"items": [
        {"external_id": f"fuzz-{i}", "source": "crm", "user_id": "fuzz-crm-1", "type": "call",
         "occurred_at": _at(-i, 9)} for i in range(1, 15)]}))
    _wait_for_people(api, known)


def _wait_for_people(api: httpx.Client, known: Known, timeout: float = 120.0) -> None:
    """Coaching's people reach metrics through events: wait until metrics sees the manager's team."""
    deadline = time.monotonic() + timeout
    while True:
        r = api.get("/v1/scorecard", params={"team_of": known.people["manager"], "on": date.today().isoformat()})
        if r.status_code == 200:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"metrics did not learn the seeded people: {r.status_code} {r.text}")
        time.sleep(0.05)
