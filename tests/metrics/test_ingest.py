"""Ingest of CRM activities and LMS completions: per-item outcomes, idempotency, supersede, atomicity."""

import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from services.metrics.models import Activity, Completion
from tests.metrics.conftest import learn_people

PERSON = str(uuid.uuid4())


@pytest.fixture(autouse=True)
async def _person_known(metrics):
    """Items name PERSON by id: the read model knows them (an unknown person_id is rejected)."""
    await learn_people(metrics, PERSON)


def activity(external_id: str, **over: Any) -> dict[str, Any]:
    item = {"external_id": external_id, "source": "salesforce", "type": "meeting", "person_id": PERSON,
            "occurred_at": "2026-10-05T14:00:00Z", "attributes": {"contact_level": "c_level"},
            "source_updated_at": "2026-10-05T15:00:00Z"}
    item.update(over)
    return item


async def _count(stack, model) -> int:
    async with stack.local.services["metrics"].state.db.sessions() as s:
        return int((await s.execute(select(func.count()).select_from(model))).scalar_one())


async def test_a_batch_reports_every_item_and_keeps_the_good_ones(metrics, stack):
    items = [activity("a1"), activity("a2", type="custom_thing", amount=1200.5, currency="EUR"),
             activity("bad1", occurred_at="yesterday"), {"external_id": "bad2", "source": "salesforce"},
             activity("bad3", person_id=None), activity("bad4", user_id="005x"), activity("bad5", currency="EUR")]
    r = await metrics.post("/v1/activities", json={"items": items})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["created"], body["rejected"], body["updated"], body["duplicate"], body["conflict"]) == (2, 5, 0, 0, 0)
    statuses = [(i["index"], i["external_id"], i["status"]) for i in body["items"]]
    assert statuses == [(0, "a1", "created"), (1, "a2", "created"), (2, "bad1", "rejected"),
                        (3, "bad2", "rejected"), (4, "bad3", "rejected"), (5, "bad4", "rejected"),
                        (6, "bad5", "rejected")]
    assert body["items"][2]["errors"][0]["field"] == "occurred_at"
    async with stack.local.services["metrics"].state.db.sessions() as s:
        stored = {a.external_id: a for a in (await s.execute(select(Activity))).scalars()}
    assert stored["a1"].attributes == {"contact_level": "c_level"}
    assert (stored["a2"].amount, stored["a2"].currency, stored["a2"].type) == (1200.5, "EUR", "custom_thing")
    assert stored["a1"].occurred_at.isoformat() == "2026-10-05T14:00:00+00:00"
    assert {e["field"] for e in body["items"][3]["errors"]} >= {"type", "occurred_at", "source_updated_at"}
    assert await _count(stack, Activity) == 2


async def test_replays_duplicate_newer_supersedes_and_different_content_conflicts(metrics, stack):
    first = (await metrics.post("/v1/activities", json={"items": [activity("x1"), activity("x2")]})).json()
    ids = [i["id"] for i in first["items"]]
    replay = (await metrics.post("/v1/activities", json={"items": [activity("x1"), activity("x2")]})).json()
    assert [i["status"] for i in replay["items"]] == ["duplicate", "duplicate"]
    assert [i["id"] for i in replay["items"]] == ids
    edited = activity("x1", type="demo", source_updated_at="2026-10-06T09:00:00Z")
    stale = activity("x2", type="demo", source_updated_at="2026-10-05T15:00:00Z")
    r = (await metrics.post("/v1/activities", json={"items": [edited, stale]})).json()
    assert [i["status"] for i in r["items"]] == ["updated", "conflict"]
    assert await _count(stack, Activity) == 2
    async with stack.local.services["metrics"].state.db.sessions() as s:
        types = dict((await s.execute(select(Activity.external_id, Activity.type))).all())
    assert types == {"x1": "demo", "x2": "meeting"}
    again = (await metrics.post("/v1/activities", json={"items": [edited]})).json()
    assert again["items"][0]["status"] == "duplicate"


async def test_items_of_one_batch_are_judged_in_order(metrics, stack):
    items = [activity("y"), activity("y"), activity("y", type="call", source_updated_at="2026-10-07T00:00:00Z"),
             activity("y", type="email")]
    r = (await metrics.post("/v1/activities", json={"items": items})).json()
    assert [i["status"] for i in r["items"]] == ["created", "duplicate", "updated", "conflict"]
    assert len({i["id"] for i in r["items"]}) == 1
    async with stack.local.services["metrics"].state.db.sessions() as s:
        rows = (await s.execute(select(Activity.type))).scalars().all()
    assert rows == ["call"]


async def test_attribute_key_order_does_not_make_a_conflict(metrics):
    first = activity("o1", attributes={"a": 1, "b": {"x": 1, "y": 2}})
    second = activity("o1", attributes={"b": {"y": 2, "x": 1}, "a": 1})
    await metrics.post("/v1/activities", json={"items": [first]})
    r = (await metrics.post("/v1/activities", json={"items": [second]})).json()
    assert r["items"][0]["status"] == "duplicate"


async def test_same_external_id_in_two_sources_or_tenants_are_different_records(metrics, stack):
    await metrics.post("/v1/activities", json={"items": [activity("z")]})
    r = (await metrics.post("/v1/activities", json={"items": [activity("z", source="hubspot")]})).json()
    assert r["items"][0]["status"] == "created"
    other = await stack.tenant("other", scopes=("admin", "metrics:internal"))  # learn_people writes the read model
    async with stack.client(other.api_key) as client:
        await learn_people(client, PERSON, prefix="/api/metrics")
        r2 = (await client.post("/api/metrics/v1/activities", json={"items": [activity("z")]})).json()
    assert r2["items"][0]["status"] == "created"
    assert await _count(stack, Activity) == 3


async def test_envelope_errors_and_scopes(metrics, stack, tenant):
    assert (await metrics.post("/v1/activities", json={"items": []})).status_code == 422
    assert (await metrics.post("/v1/activities", json={"items": [{}] * 5001})).status_code == 422
    assert (await metrics.post("/v1/activities", json={"items": [], "extra": 1})).status_code == 422
    crm = await stack.key(tenant, "activities:write")
    lms = await stack.key(tenant, "completions:write")
    async with stack.client(crm) as client:
        ok = await client.post("/api/metrics/v1/activities", json={"items": [activity("s1")]})
        assert ok.status_code == 200
        no = await client.post("/api/metrics/v1/completions", json={"items": [{}]})
        assert no.status_code == 403 and no.headers["content-type"] == "application/problem+json"
    async with stack.client(lms) as client:
        assert (await client.post("/api/metrics/v1/activities", json={"items": [{}]})).status_code == 403


async def test_a_failing_batch_leaves_nothing_half_written(metrics, stack, monkeypatch):
    """Fault injection: the bulk update fails after the bulk insert ran; the request rolls back whole."""
    await metrics.post("/v1/activities", json={"items": [activity("f1")]})
    from sqlalchemy.ext.asyncio import AsyncSession

    real_execute = AsyncSession.execute

    async def failing(self, statement, *args, **kwargs):
        if getattr(statement, "is_update", False):
            raise RuntimeError("disk full")
        return await real_execute(self, statement, *args, **kwargs)

    monkeypatch.setattr(AsyncSession, "execute", failing)
    items = [activity("f2"), activity("f1", type="demo", source_updated_at="2026-10-09T00:00:00Z")]
    r = await metrics.post("/v1/activities", json={"items": items})
    monkeypatch.undo()
    assert r.status_code == 500 and r.headers["content-type"] == "application/problem+json"
    assert await _count(stack, Activity) == 1


async def test_completions(metrics, stack):
    item = {"external_id": "c1", "lms": "cornerstone", "email": "ana@example.com", "course_id": "exec-101",
            "course_title": "Selling to executives", "status": "passed", "score": 0.92,
            "completed_at": "2026-09-30T10:00:00Z"}
    items = [item, {**item, "external_id": "c2", "score": 1.5}, {**item, "external_id": "c3", "user_id": "u1"}]
    r = (await metrics.post("/v1/completions", json={"items": items})).json()
    # nobody holds the email yet: stored, pending
    assert [i["status"] for i in r["items"]] == ["pending", "rejected", "rejected"]
    assert r["items"][0]["reason"] == "no person with email ana@example.com"
    again = (await metrics.post("/v1/completions", json={"items": [item, {**item, "status": "failed"}]})).json()
    assert [i["status"] for i in again["items"]] == ["duplicate", "conflict"]
    assert again["items"][0]["reason"] == "unchanged, still pending: no person with email ana@example.com"
    newer = {**item, "status": "failed", "source_updated_at": "2026-10-01T00:00:00Z"}
    assert (await metrics.post("/v1/completions", json={"items": [newer]})).json()["items"][0]["status"] == "pending"
    assert await _count(stack, Completion) == 1


async def test_retried_batch_with_idempotency_key_is_replayed(metrics, stack):
    headers = {"idempotency-key": "batch-7"}
    first = await metrics.post("/v1/activities", json={"items": [activity("i1")]}, headers=headers)
    again = await metrics.post("/v1/activities", json={"items": [activity("i1")]}, headers=headers)
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert again.json()["items"][0]["status"] == "created"


async def test_the_body_is_read_raw_but_answers_like_any_endpoint(metrics):
    import gc

    r = await metrics.post("/v1/activities", content=b'{"items": [', headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body"
    r = await metrics.post("/v1/activities", json=[activity("x")])
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    r = await metrics.post("/v1/activities", json={"items": [activity("ok"), "not an object", 7]})
    assert r.status_code == 200
    assert [i["status"] for i in r.json()["items"]] == ["created", "rejected", "rejected"]
    assert r.json()["items"][1]["errors"][0]["code"] == "model_type"
    assert gc.isenabled()  # the collector paused for the batch is running again
    schema = (await metrics.get("/openapi.json")).json()["paths"]["/v1/activities"]["post"]
    assert "items" in str(schema["requestBody"]) and "BatchResult" in str(schema["responses"])
