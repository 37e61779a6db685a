"""Daily aggregates kept at ingest: every write moves metric_daily exactly as a recount from the raw items
would (tests/metrics/brute.py) — creates, replays, supersedes, conflicts, late attribution, completions,
tenant-defined metrics backfilled on creation and removed on deletion."""

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from services.metrics.models import MetricDaily
from tests.metrics.brute import Cell, Evidence, Item, utc_day
from tests.metrics.conftest import MetricsDb, learn_people

TYPES = ["call", "email", "meeting", "demo", "proposal", "visit", "opportunity_created", "opportunity_won",
         "opportunity_lost", "custom_thing"]
START = datetime(2026, 3, 1, tzinfo=UTC)


async def stored(mdb: MetricsDb, keys: set[str] | None = None) -> dict[Cell, tuple[float, float]]:
    rows = await mdb.all(select(MetricDaily.person_id, MetricDaily.metric_key, MetricDaily.day, MetricDaily.num,
                                MetricDaily.den))
    return {(str(p), k, d): (n, e) for p, k, d, n, e in rows if (n or e) and (keys is None or k in keys)}


def assert_same(actual: dict[Cell, tuple[float, float]], expected: dict[Cell, tuple[float, float]]) -> None:
    assert set(actual) == set(expected)
    for cell, (num, den) in expected.items():
        assert actual[cell] == pytest.approx((num, den)), cell


def activity(rnd: random.Random, n: int, people: list[str], users: list[str]) -> Item:
    at = START + timedelta(minutes=rnd.randrange(0, 40 * 24 * 60))
    item: Item = {"external_id": f"a{n}", "source": rnd.choice(["salesforce", "hubspot"]), "type": rnd.choice(TYPES),
                  "occurred_at": at.isoformat().replace("+00:00", "Z"),
                  "attributes": {"contact_level": rnd.choice(["c_level", "vp", "manager"]),
                                 "seats": rnd.randrange(1, 50)},
                  "source_updated_at": (at + timedelta(hours=1)).isoformat()}
    if users and rnd.random() < 0.3:
        item["user_id"] = rnd.choice(users)
    else:
        item["person_id"] = rnd.choice(people)
    if item["type"] == "opportunity_won" and rnd.random() < 0.8:
        item["amount"] = round(rnd.uniform(1000, 90000), 2)
        item["currency"] = "EUR"
    return item


def edited(rnd: random.Random, item: Item, people: list[str]) -> Item:
    """A later version of the record: another type, day, amount or person."""
    new = {**item, "source_updated_at": (datetime.fromisoformat(item["source_updated_at"])
                                         + timedelta(days=1)).isoformat()}
    change = rnd.choice(["type", "day", "amount", "person"])
    if change == "type":
        new["type"] = rnd.choice(TYPES)
        new.pop("amount", None), new.pop("currency", None)
    elif change == "day":
        moved = datetime.fromisoformat(item["occurred_at"].replace("Z", "+00:00")) + timedelta(days=rnd.randint(1, 9))
        new["occurred_at"] = moved.isoformat()
    elif change == "amount" and new["type"] == "opportunity_won":
        new["amount"], new["currency"] = round(rnd.uniform(1000, 90000), 2), "USD"
    else:
        new.pop("user_id", None)
        new["person_id"] = rnd.choice(people)
    return new


async def push(metrics: httpx.AsyncClient, path: str, items: list[Item]) -> dict[str, Any]:
    r = await metrics.post(f"/v1/{path}", json={"items": items})
    assert r.status_code == 200, r.text
    return dict(r.json())


async def people(metrics: httpx.AsyncClient, *items: dict[str, Any]) -> dict[str, Any]:
    r = await metrics.put("/v1/internal/people", json={"items": list(items)})
    assert r.status_code == 200, r.text
    return dict(r.json())


async def test_aggregates_follow_creates_replays_supersedes_conflicts_and_late_attribution(
        metrics: httpx.AsyncClient, mdb: MetricsDb) -> None:
    rnd = random.Random(11)
    persons = [str(uuid.uuid4()) for _ in range(6)]
    users = [f"u{i}" for i in range(4)]
    truth = Evidence()
    # Every person is in the read model (an unknown person_id is rejected); two users are known from the start,
    # two are learnt later.
    await learn_people(metrics, *persons)
    for i, u in enumerate(users[:2]):
        truth.learn(persons[i], {"salesforce": u, "hubspot": u})
        await people(metrics, {"id": persons[i], "version": 2, "name": f"P{i}",
                               "external_ids": {"salesforce": u, "hubspot": u}})

    first = [activity(rnd, n, persons, users) for n in range(300)]
    first.append({**first[0]})  # a repeat inside the batch: a duplicate
    body = await push(metrics, "activities", first)
    assert (body["created"] + body["pending"], body["duplicate"]) == (300, 1)
    assert body["pending"] > 0 and body["rejected"] == 0
    truth.accept(first)
    assert_same(await stored(mdb), truth.daily())

    # The second push: some records edited (newer stamp), some changed without one (conflicts), the rest replayed,
    # an edit followed by a second edit of the same record inside the batch.
    second: list[Item] = []
    for item in first[:300]:
        roll = rnd.random()
        if roll < 0.25:
            second.append(edited(rnd, item, persons))
        elif roll < 0.35:
            second.append({**item, "type": "visit" if item["type"] != "visit" else "call"})
        else:
            second.append(item)
    twice = edited(rnd, first[5], persons)
    second += [twice, edited(rnd, twice, persons)]
    body = await push(metrics, "activities", second)
    assert body["updated"] > 50 and body["conflict"] > 10 and body["duplicate"] > 100
    truth.accept(second)
    assert_same(await stored(mdb), truth.daily())

    # The directory learns the two other users: their pending activities count from now on.
    for i, u in enumerate(users[2:], start=2):
        truth.learn(persons[i], {"salesforce": u, "hubspot": u})
    body = await people(metrics, *[{"id": persons[i], "version": 2, "name": f"P{i}",
                                    "external_ids": {"salesforce": u, "hubspot": u}}
                                   for i, u in enumerate(users[2:], start=2)])
    assert body["resolved"] > 0
    assert_same(await stored(mdb), truth.daily())

    # A replay of everything changes nothing.
    await push(metrics, "activities", list(truth.activities.values()))
    assert_same(await stored(mdb), truth.daily())


async def test_completions_count_when_completed_or_passed(metrics: httpx.AsyncClient, mdb: MetricsDb) -> None:
    ana = str(uuid.uuid4())
    truth = Evidence()
    items = [{"external_id": f"c{i}", "lms": "cornerstone", "course_id": f"course-{i % 3}", "course_title": "T",
              "status": ["completed", "passed", "failed"][i % 3], "email": "Ana@Example.com",
              "completed_at": f"2026-04-{1 + i:02d}T23:30:00-02:00"} for i in range(9)]
    await push(metrics, "completions", items)
    truth.accept(items, completions=True)
    assert await stored(mdb) == {}  # nobody has that email yet
    await people(metrics, {"id": ana, "version": 1, "name": "Ana", "email": "ana@example.com"})
    truth.learn(ana, {}, "ana@example.com")
    assert_same(await stored(mdb), truth.daily())
    assert utc_day(items[0]["completed_at"]).isoformat() == "2026-04-02"  # the UTC day, not the local one
    failed = [{**items[1], "status": "failed", "source_updated_at": "2026-05-01T00:00:00Z"},
              {**items[2], "status": "passed", "source_updated_at": "2026-05-01T00:00:00Z"}]
    await push(metrics, "completions", failed)
    truth.accept(failed, completions=True)
    assert_same(await stored(mdb), truth.daily())


async def test_tenant_metrics_are_backfilled_kept_and_removed(metrics: httpx.AsyncClient, mdb: MetricsDb) -> None:
    rnd = random.Random(5)
    persons = [str(uuid.uuid4()) for _ in range(4)]
    await learn_people(metrics, *persons)
    truth = Evidence()
    before = [activity(rnd, n, persons, []) for n in range(150)]
    await push(metrics, "activities", before)
    truth.accept(before)
    extra = {
        "exec_touches": (lambda a: a["type"] in ("meeting", "call")
                         and a["attributes"].get("contact_level") in ("c_level", "vp"), None),
        "seats_won": (lambda a: a["type"] == "opportunity_won", "seats"),
        "avg_seats": (lambda a: a["type"] in ("opportunity_won", "opportunity_lost"), "avg_seats"),
    }
    for body in ({"key": "exec_touches", "name": "Exec touches", "kind": "activity", "aggregation": "count",
                  "types": ["meeting", "call"], "filters": {"contact_level": ["c_level", "vp"]}},
                 {"key": "seats_won", "name": "Seats won", "kind": "activity", "aggregation": "sum",
                  "types": ["opportunity_won"], "field": "attributes.seats"},
                 {"key": "avg_seats", "name": "Seats per deal", "kind": "proficiency", "aggregation": "average",
                  "types": ["opportunity_won", "opportunity_lost"], "field": "attributes.seats"},
                 {"key": "seats_per_win", "name": "Seats per win", "kind": "proficiency", "aggregation": "ratio",
                  "numerator": "seats_won", "denominator": "wins"}):
        assert (await metrics.post("/v1/metrics", json=body)).status_code == 201

    def expected() -> dict[Cell, tuple[float, float]]:
        out: dict[Cell, list[float]] = {}
        for a in truth.activities.values():
            who, day = a["person_id"], utc_day(a["occurred_at"])
            for key, (matches, how) in extra.items():
                if matches(a):
                    seats = float(a["attributes"]["seats"])
                    num, den = (1.0, 0.0) if how is None else (seats, 1.0 if how == "avg_seats" else 0.0)
                    cell = out.setdefault((who, key, day), [0.0, 0.0])
                    cell[0] += num
                    cell[1] += den
        return {c: (n, d) for c, (n, d) in out.items() if n or d}

    assert_same(await stored(mdb, set(extra)), expected())
    assert await stored(mdb, {"seats_per_win"}) == {}  # ratios are derived, never stored
    after = [activity(rnd, n, persons, []) for n in range(150, 250)] + [edited(rnd, a, persons) for a in before[:40]]
    await push(metrics, "activities", after)
    truth.accept(after)
    assert_same(await stored(mdb, set(extra)), expected())
    assert_same(await stored(mdb, None), {**truth.daily(), **expected()})

    assert (await metrics.delete("/v1/metrics/seats_per_win")).status_code == 204
    assert (await metrics.delete("/v1/metrics/seats_won")).status_code == 204
    assert await stored(mdb, {"seats_won"}) == {}
    assert_same(await stored(mdb, {"exec_touches"}), {c: v for c, v in expected().items() if c[1] == "exec_touches"})
