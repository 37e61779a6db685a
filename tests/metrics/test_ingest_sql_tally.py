"""On PostgreSQL ingest counts new rows' contributions in SQL (services/metrics/daily_sql.py) for the metrics whose
rules SQL states exactly, and tallies the rest in Python: whichever way, metric_daily must equal the Python rules
(`Metric.contribution`, the `Tally`) applied to the stored rows. Awkward attribute values on purpose: booleans
against 1 and "true", lists and nested lists, objects, numbers as text, missing attributes; offsets that move
the UTC day; pending rows; a record created and edited in one batch, and edited again in the next."""

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from services.metrics.aggregates import Tally, activity_event, completion_event
from services.metrics.daily_sql import sql_countable
from services.metrics.definitions import tenant_metrics
from services.metrics.models import Activity, Completion, MetricDaily
from services.metrics.repository import DefinitionRepository
from tests.conftest import Tenant
from tests.metrics.conftest import MetricsDb, learn_people

DEFINITIONS: list[dict[str, Any]] = [
    {"key": "new_logo_calls", "name": "New-logo calls", "kind": "activity", "aggregation": "count",
     "types": ["call"], "filters": {"new_logo": True}},
    {"key": "vip_touches", "name": "VIP touches", "kind": "activity", "aggregation": "count",
     "types": ["call", "meeting"], "filters": {"tags": ["vip", "key"]}},
    {"key": "one_seat_calls", "name": "One-seat calls", "kind": "activity", "aggregation": "count",  # numbers: Python
     "types": ["call"], "filters": {"seats": [1]}},
    {"key": "emea_won", "name": "EMEA won", "kind": "activity", "aggregation": "sum", "types": ["opportunity_won"],
     "filters": {"region": "emea"}, "field": "amount"},
    {"key": "seats_won", "name": "Seats won", "kind": "activity", "aggregation": "sum",  # an attribute: Python
     "types": ["opportunity_won"], "field": "attributes.seats"},
    {"key": "exec_passes", "name": "Exec passes", "kind": "activity", "aggregation": "count", "source": "completions",
     "types": ["passed"],
     "filters": {"course_id": "exec-101"}},
    {"key": "avg_exec_score", "name": "Exec score", "kind": "proficiency", "aggregation": "average",
     "source": "completions",
     "types": ["passed", "failed"], "filters": {"course_id": ["exec-101", "exec-102"]}, "field": "score"},
]
ODD: list[Any] = [True, False, 1, 0, 1.0, "true", "vip", "VIP", "key", "emea", None, [True], [[True]], ["vip", 3],
                  [["vip"]], {"a": "vip"}, [], "1", [1], 2.5]
OFFSETS = ["Z", "+14:00", "-12:00", "+05:30", "-00:30"]


def activity(rnd: random.Random, n: int, people: list[str]) -> dict[str, Any]:
    at = datetime(2026, 5, 1, 23, tzinfo=UTC) + timedelta(days=rnd.randrange(20), minutes=rnd.randrange(-90, 90))
    stamp = at.strftime("%Y-%m-%dT%H:%M:%S") + rnd.choice(OFFSETS)
    attributes = {name: rnd.choice(ODD) for name in ("new_logo", "tags", "seats", "region") if rnd.random() < 0.7}
    item: dict[str, Any] = {"external_id": f"a{n}", "source": "salesforce", "type": rnd.choice(
        ["call", "meeting", "opportunity_won", "email"]), "occurred_at": stamp, "attributes": attributes,
        "source_updated_at": f"2026-06-01T00:00:{n % 60:02d}Z"}
    if rnd.random() < 0.1:
        item["user_id"] = f"nobody-{n}"  # pending: counts nowhere
    else:
        item["person_id"] = rnd.choice(people)
    if item["type"] == "opportunity_won" and rnd.random() < 0.8:
        item["amount"] = rnd.choice([0.0, 12.5, 1000.25, 99999.99])
    return item


def completion(rnd: random.Random, n: int, people: list[str]) -> dict[str, Any]:
    at = datetime(2026, 5, 1, 23, 30, tzinfo=UTC) + timedelta(days=rnd.randrange(20))
    item: dict[str, Any] = {"external_id": f"c{n}", "lms": "cornerstone", "person_id": rnd.choice(people),
                            "course_id": rnd.choice(["exec-101", "exec-102", "exec-1010", "EXEC-101"]),
                            "course_title": "Executives", "status": rnd.choice(["passed", "failed", "completed"]),
                            "completed_at": at.strftime("%Y-%m-%dT%H:%M:%S") + rnd.choice(OFFSETS),
                            "source_updated_at": f"2026-06-01T00:00:{n % 60:02d}Z"}
    if rnd.random() < 0.7:
        item["score"] = rnd.choice([0.0, 0.25, 0.9, 1.0])
    return item


def later(item: dict[str, Any], rnd: random.Random, people: list[str], seconds: int) -> dict[str, Any]:
    """The record edited at the source: another person, type or attributes, a later stamp."""
    new = {**item, "source_updated_at": f"2026-06-02T00:00:{seconds:02d}Z"}
    if "person_id" in new:
        new["person_id"] = rnd.choice(people)
    if "attributes" in new:
        new["attributes"] = {**new["attributes"], "tags": rnd.choice(ODD)}
    return new


async def expected(mdb: MetricsDb, tenant: Tenant) -> dict[tuple[str, str, Any], tuple[float, float]]:
    """The Python rules over every stored row."""
    async with mdb.db.sessions() as s:
        metrics = await tenant_metrics(DefinitionRepository(s, tenant.id))
    activities, completions = Tally.of(metrics, "activities"), Tally.of(metrics, "completions")
    for row in await mdb.all(select(Activity)):
        activities.event(activity_event(row[0].__dict__))
    for row in await mdb.all(select(Completion)):
        completions.event(completion_event(row[0].__dict__))
    return {(str(p), k, d): (n, e) for p, k, d, n, e in activities.rows() + completions.rows()}


async def test_sql_counted_aggregates_equal_the_python_rules(metrics: httpx.AsyncClient, mdb: MetricsDb,
                                                            tenant: Tenant) -> None:
    rnd = random.Random(11)
    people = [str(uuid.uuid4()) for _ in range(5)]
    await learn_people(metrics, *people)
    for body in DEFINITIONS:
        assert (await metrics.post("/v1/metrics", json=body)).status_code == 201, body
    async with mdb.db.sessions() as s:
        defined = await tenant_metrics(DefinitionRepository(s, tenant.id))
    countable = {m.key for m in defined.stored("activities") + defined.stored("completions")
                 if sql_countable(m.source, m)}
    assert {"new_logo_calls", "vip_touches", "emea_won", "exec_passes", "avg_exec_score"} <= countable
    assert not {"one_seat_calls", "seats_won"} & countable

    first = [activity(rnd, n, people) for n in range(400)]
    first += [later(first[n], rnd, people, n % 60) for n in range(0, 400, 7)]  # edited within the batch
    r = await metrics.post("/v1/activities", json={"items": first})
    assert r.status_code == 200, r.text
    second = [activity(rnd, n, people) for n in range(400, 600)]
    second += [later(first[n], rnd, people, 30 + n % 30) for n in range(1, 400, 5)]  # edits of stored rows
    second += first[2:40]  # replays
    r = await metrics.post("/v1/activities", json={"items": second})
    assert r.status_code == 200, r.text
    assert r.json()["updated"] > 0 and r.json()["duplicate"] > 0
    r = await metrics.post("/v1/completions", json={"items": [completion(rnd, n, people) for n in range(300)]})
    assert r.status_code == 200, r.text

    rows = await mdb.all(select(MetricDaily.person_id, MetricDaily.metric_key, MetricDaily.day, MetricDaily.num,
                                MetricDaily.den))
    actual = {(str(p), k, d): (n, e) for p, k, d, n, e in rows if n or e}
    want = await expected(mdb, tenant)
    assert set(actual) == set(want)
    for cell, value in want.items():
        assert actual[cell] == pytest.approx(value), cell
    assert {k for _, k, _ in want} >= {"new_logo_calls", "vip_touches", "one_seat_calls", "emea_won", "seats_won",
                                       "exec_passes", "avg_exec_score"}
