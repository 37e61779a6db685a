"""Batches naming the same records at the same moment (a CRM retrying while its first try still runs, two sync
workers, two replicas of metrics): each record is stored once and counted once, and no batch fails."""

import asyncio
import random
import uuid

import httpx

from tests.metrics.brute import Evidence
from tests.metrics.conftest import MetricsDb
from tests.metrics.test_aggregates import activity, assert_same, people, stored


async def test_concurrent_batches_of_the_same_records_store_each_once(metrics: httpx.AsyncClient,
                                                                      mdb: MetricsDb) -> None:
    rnd = random.Random(7)
    persons = [str(uuid.uuid4()) for _ in range(3)]
    truth = Evidence()
    for i, person in enumerate(persons):
        truth.learn(person, {"salesforce": f"u{i}", "hubspot": f"u{i}"})
        await people(metrics, {"id": person, "version": 1, "name": f"P{i}",
                               "external_ids": {"salesforce": f"u{i}", "hubspot": f"u{i}"}})
    items = [activity(rnd, n, persons, ["u0", "u1", "u2"]) for n in range(200)]
    answers = await asyncio.gather(*(metrics.post("/v1/activities", json={"items": items}) for _ in range(4)))
    assert [r.status_code for r in answers] == [200] * 4, [r.text[:300] for r in answers]
    bodies = [r.json() for r in answers]
    assert sum(b["created"] for b in bodies) == 200 and sum(b["duplicate"] for b in bodies) == 600, bodies
    truth.accept(items)
    assert_same(await stored(mdb), truth.daily())
