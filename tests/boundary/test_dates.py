"""Days and times at the ends of the range: FIRST_DAY and LAST_DAY get a correct answer from every date
computation (periods, the previous period's trend, pro-rata targets, windows before and after a day, the day
after a range); a day outside, or a time whose UTC conversion leaves the range, is a 422 naming it — never a
500, on SQLite and PostgreSQL alike."""

import uuid
from datetime import date
from typing import Any

import httpx

from common.validation import FIRST_DAY, LAST_DAY
from tests.boundary.helpers import refused
from tests.metrics.test_ingest import activity

EDGES = [FIRST_DAY.isoformat(), LAST_DAY.isoformat()]
OUTSIDE = ["0001-01-01", "9999-12-31"]


async def _put(client: httpx.AsyncClient, what: str, *items: dict[str, Any]) -> None:
    r = await client.put(f"/api/metrics/v1/internal/{what}", json={"items": list(items)})
    assert r.status_code == 200 and r.json()["rejected"] == 0, r.text


async def _world(client: httpx.AsyncClient) -> dict[str, str]:
    """A manager and a seller in the metrics read model from the first day on, an active behaviour for
    sellers with an activity and a proficiency indicator, and a coaching programme."""
    ids = []
    for name, role in (("Mia", "manager"), ("Sam", "seller")):
        r = await client.post("/api/coaching/v1/people", json={"name": name, "roles": [role]})
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    manager, seller = ids
    r = await client.put(f"/api/coaching/v1/people/{seller}/manager",
                         json={"manager_id": manager, "effective": FIRST_DAY.isoformat()})
    assert r.status_code == 200, r.text
    # the metrics read model as the events would leave it (written here, so the test need not wait for them)
    await _put(client, "people", {"id": manager, "version": 1, "name": "Mia", "roles": ["manager"]},
               {"id": seller, "version": 1, "name": "Sam", "roles": ["seller"]})
    await _put(client, "reporting-lines", {"id": str(uuid.uuid4()), "version": 1, "person_id": seller,
                                           "manager_id": manager, "valid_from": FIRST_DAY.isoformat()})
    indicators = [{"id": str(uuid.uuid4()), "metric_key": "meetings", "kind": "activity", "target": 3},
                  {"id": str(uuid.uuid4()), "metric_key": "win_rate", "kind": "proficiency", "target": 0.3,
                   "period": "quarter"}]
    await _put(client, "behaviors", {"id": str(uuid.uuid4()), "version": 1, "key": "discovery", "name": "Discovery",
                                     "status": "active", "audience": ["seller"], "indicators": indicators})
    r = await client.post("/api/coaching/v1/programmes", json={
        "name": "Edge", "behavior_keys": ["discovery"], "cadence_days": 7, "starts_on": FIRST_DAY.isoformat()})
    assert r.status_code == 201, r.text
    return {"manager": manager, "seller": seller, "programme": r.json()["id"]}


def _urls(w: dict[str, str], day: str) -> list[tuple[str, str]]:
    """(url, the query parameter naming the day) for every endpoint that takes a day."""
    m, s, p = w["manager"], w["seller"], w["programme"]
    out = []
    for period in ("week", "month", "quarter", "last_7_days", "last_90_days"):
        out += [(f"/api/metrics/v1/scorecard?person_id={s}&period={period}&on={day}", "on"),
                (f"/api/metrics/v1/scorecard?team_of={m}&period={period}&on={day}", "on"),
                (f"/api/metrics/v1/scorecards?person_ids={s}&period={period}&on={day}", "on"),
                (f"/api/metrics/v1/adoption?behavior_key=discovery&period={period}&on={day}", "on")]
    for grain in ("day", "week", "month"):
        out += [(f"/api/metrics/v1/series?metric=meetings&person_id={s}&grain={grain}&from={day}&to={day}", "from"),
                (f"/api/metrics/v1/series?metric=win_rate&team_of={m}&grain={grain}&from={day}&to={day}", "from")]
    for window in (7, 180):
        out += [(f"/api/metrics/v1/impact?metric=meetings&date={day}&team_of={m}&window_days={window}", "date"),
                (f"/api/metrics/v1/impact?metric=win_rate&date={day}&team_of={m}&window_days={window}", "date")]
    out += [(f"/api/metrics/v1/evidence?metric=meetings&person_id={s}&from={day}&to={day}", "from"),
            (f"/api/metrics/v1/coaching-figures?from={day}&to={day}", "from"),
            (f"/api/metrics/v1/coaching-figures?from={day}&to={day}&group_by=seller&team_of={m}", "from"),
            (f"/api/coaching/v1/programmes/{p}/health?from={day}&to={day}", "from"),
            (f"/api/coaching/v1/programmes/{p}/health?to={day}", "to"),
            (f"/api/coaching/v1/programme-health?programme_ids={p}&from={day}&to={day}", "from"),
            (f"/api/coaching/v1/programmes?active_on={day}", "active_on"),
            (f"/api/coaching/v1/reports/coaching-activity?from={day}&to={day}", "from"),
            (f"/api/coaching/v1/reports/coaching-activity?to={day}", "to"),
            (f"/api/coaching/v1/coach-assignments?active_on={day}", "active_on"),
            (f"/api/coaching/v1/people/{s}/coaches?as_of={day}", "as_of"),
            (f"/api/coaching/v1/coaches?seller_ids={s}&as_of={day}", "as_of"),
            (f"/api/coaching/v1/people/{m}/tree?as_of={day}", "as_of"),
            (f"/api/coaching/v1/managers?person_ids={s}&as_of={day}", "as_of"),
            (f"/api/coaching/v1/sessions?from={day}T00:00:00Z&to={day}T23:59:59Z", "from")]
    return out


async def test_every_day_taking_endpoint_answers_at_the_ends_of_the_range(client):
    w = await _world(client)
    failures = []
    for day in EDGES:
        for url, _ in _urls(w, day):
            r = await client.get(url)
            # a correct answer, or a documented refusal naming why (groups too small to compare, a period that
            # has not started, a window too long) — not the range
            codes = {e["code"] for e in r.json().get("errors", [])} if r.status_code == 422 else {"none"}
            if r.status_code != 200 and (not codes or "none" in codes or "date_out_of_range" in codes):
                failures.append((url, r.status_code, r.text[:300]))
    assert not failures, "\n".join(map(str, failures))


async def test_a_day_outside_the_range_is_refused_naming_it(client):
    w = await _world(client)
    failures = []
    for day in OUTSIDE:
        for url, name in _urls(w, day):
            r = await client.get(url)
            errors = r.json().get("errors", []) if r.status_code == 422 else []
            if not any(e["field"] == f"query.{name}" and e["code"] == "date_out_of_range" for e in errors):
                failures.append((url, r.status_code, r.text[:300]))
    assert not failures, "\n".join(map(str, failures))


async def test_a_time_whose_utc_day_leaves_the_range_is_refused(client, stack, person_known):
    """`0001-01-01T00:00:00+14:00` is a valid ISO time whose UTC conversion is before year 1: it failed the
    whole ingest batch with a 500; now only that item is rejected. (The evidence horizon, a plausibility
    rule, is lowered to the first day here: this is about the range every date computation needs.)"""
    stack.local.services["metrics"].state.settings.evidence_horizon = FIRST_DAY
    items = [activity("ok"), activity("early", occurred_at="0001-01-01T00:00:00+14:00"),
             activity("late", source_updated_at="9999-12-31T23:59:59-14:00"),
             activity("edge", occurred_at=f"{FIRST_DAY.isoformat()}T00:00:00Z")]
    r = await client.post("/api/metrics/v1/activities", json={"items": items})
    assert r.status_code == 200, r.text
    result = {i["external_id"]: (i["status"], [(e["field"], e["code"]) for e in i["errors"]])
              for i in r.json()["items"]}
    assert result == {"ok": ("created", []), "edge": ("created", []),
                      "early": ("rejected", [("occurred_at", "date_out_of_range")]),
                      "late": ("rejected", [("source_updated_at", "date_out_of_range")])}
    r = await client.get("/api/coaching/v1/sessions", params={"from": "0001-01-01T00:00:00+14:00"})
    refused(r, "query.from", code="date_out_of_range")


async def test_days_in_bodies_are_checked(client):
    body = {"name": "Old", "behavior_keys": ["discovery"], "cadence_days": 7, "starts_on": "0001-01-01"}
    refused(await client.post("/api/coaching/v1/programmes", json=body), "body.starts_on", code="date_out_of_range")
    r = await client.post("/api/behaviors/v1/objectives", json={"name": "Far", "ends_on": "9999-12-31"})
    refused(r, "body.ends_on", code="date_out_of_range")
    assert date.fromisoformat(EDGES[1]) == LAST_DAY
