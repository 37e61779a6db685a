"""Text no backend can store (NUL, lone surrogates) and numbers JSON does not have (NaN, Infinity) are refused
per field — in bodies, nested free-form JSON, query parameters and paths — on SQLite and PostgreSQL alike; in a
batch only the item holding them is rejected and the rest is stored."""

import uuid
from typing import Any

import pytest
from sqlalchemy import select

from services.behaviors.models import Objective
from services.metrics.models import Activity
from tests.boundary.helpers import NUL, SURROGATE, raw_json, refused
from tests.conftest import Stack
from tests.metrics.test_ingest import PERSON, activity

BAD_TEXT = [pytest.param(NUL, id="nul"), pytest.param(SURROGATE, id="surrogate")]


async def _objectives(stack: Stack) -> list[str]:
    async with stack.local.services["behaviors"].state.db.sessions() as s:
        return list((await s.execute(select(Objective.name))).scalars())


@pytest.mark.parametrize("bad", BAD_TEXT)
async def test_unstorable_text_in_a_body_is_refused_per_field(client, stack, bad):
    r = await client.post("/api/behaviors/v1/objectives", **raw_json({"name": bad, "description": f"x{bad}"}))
    errors = refused(r, "body.name", "body.description", code="unstorable_character")
    assert "U+" in errors[0]["message"]
    assert await _objectives(stack) == []
    ok = await client.post("/api/behaviors/v1/objectives", json={"name": "Grow"})
    assert ok.status_code == 201, ok.text
    patch = await client.patch(f"/api/behaviors/v1/objectives/{ok.json()['id']}", **raw_json({"name": bad}))
    refused(patch, "body.name", code="unstorable_character")
    assert await _objectives(stack) == ["Grow"]


@pytest.mark.parametrize("bad", BAD_TEXT)
async def test_nested_parts_of_a_body_are_checked_too(client, bad):
    """Rubric descriptors (a nested list of objects) and coaching notes of other services."""
    body = {"key": "discovery", "name": "Discovery", "audience": ["seller"],
            "rubric": [{"level": 1, "name": "Starting", "descriptor": bad}]}
    refused(await client.post("/api/behaviors/v1/behaviors", **raw_json(body)), "body.rubric.0.descriptor")
    person = {"name": "Sam", "email": "sam@x.io", "roles": ["seller"], "external_ids": {"crm": bad}}
    refused(await client.post("/api/coaching/v1/people", **raw_json(person)), "body.external_ids.crm")


async def test_unstorable_text_in_query_parameters_is_refused(client):
    """(A query string is percent-decoded as UTF-8 with U+FFFD for what is not, so it holds no surrogate.)"""
    bad = NUL
    for url, name in [("/api/behaviors/v1/behaviors", "keys"), ("/api/coaching/v1/people", "q"),
                      ("/api/coaching/v1/people/by-external-id", "external_ids")]:
        r = await client.get(url, params={name: bad, **({"source": "crm"} if "external" in url else {})})
        refused(r, f"query.{name}", code="unstorable_character")


async def test_a_nul_in_a_path_names_nothing(client):
    """`%00` in a path segment the service reads as text (a metric key, an external id's source)."""
    for method, url in [("DELETE", "/api/metrics/v1/metrics/calls%00made"),
                        ("DELETE", f"/api/coaching/v1/people/{uuid.uuid4()}/external-ids/cr%00m")]:
        r = await client.request(method, url)
        assert r.status_code == 404, r.text
        assert r.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
async def test_nan_and_infinity_are_refused_in_typed_and_free_form_json(client, literal):
    goal = '{"name": "Grow", "x": ' + literal + "}"
    r = await client.post("/api/behaviors/v1/objectives", content=goal, headers={"content-type": "application/json"})
    refused(r, "body.x", code="finite_number")
    metric = ('{"key": "big_deals", "name": "Big deals", "kind": "activity", "aggregation": "count", '
              '"types": ["opportunity_won"], "filters": {"size": ' + literal + "}}")
    r = await client.post("/api/metrics/v1/metrics", content=metric, headers={"content-type": "application/json"})
    refused(r, "body.filters.size", code="finite_number")


async def _stored(stack: Stack) -> dict[str, dict[str, Any]]:
    async with stack.local.services["metrics"].state.db.sessions() as s:
        return {a.external_id: a.attributes for a in (await s.execute(select(Activity))).scalars()}


async def test_one_bad_item_does_not_cost_the_batch(client, stack, person_known):
    """On PostgreSQL any of these lost the whole batch (500); on SQLite NUL was stored and NaN became null."""
    items = [activity("good-1"),
             activity("nul-value", attributes={"note": NUL}),
             activity("nul-key", attributes={"n\x00te": 1}),
             activity("nested", attributes={"deal": {"stages": ["open", SURROGATE]}}),
             activity("nan", attributes={"score": float("nan")}),
             activity("inf", amount=float("inf")),
             activity(f"id-{NUL}"),
             activity("good-2")]
    r = await client.post("/api/metrics/v1/activities", **raw_json({"items": items}))
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["created"], body["rejected"]) == (2, 6)
    fields = {i["external_id"]: [(e["field"], e["code"]) for e in i["errors"]] for i in body["items"]}
    assert fields["nul-value"] == [("attributes.note", "unstorable_character")]
    assert fields["nul-key"] == [("attributes.n\x00te", "unstorable_character")]
    assert fields["nested"] == [("attributes.deal.stages.1", "unstorable_character")]
    assert fields["nan"] == [("attributes.score", "finite_number")]
    assert fields["inf"] == [("amount", "finite_number")]
    assert fields[f"id-{NUL}"] == [("external_id", "unstorable_character")]
    assert await _stored(stack) == {"good-1": {"contact_level": "c_level"}, "good-2": {"contact_level": "c_level"}}


async def test_a_lone_surrogate_in_an_item_rejects_that_item_alone(client, stack, person_known):
    """pydantic-core's parser refuses a lone surrogate escape outright; the batch is still read item by item,
    and the rejected item's id is echoed with U+FFFD in its place (a surrogate cannot be encoded)."""
    items = [activity("good"), activity(f"id-{SURROGATE}"), activity("attr", attributes={SURROGATE: 1})]
    r = await client.post("/api/metrics/v1/activities", **raw_json({"items": items}))
    assert r.status_code == 200, r.text
    body = r.json()
    assert [(i["external_id"], i["status"]) for i in body["items"]] == [
        ("good", "created"), ("id-a\ufffdb", "rejected"), ("attr", "rejected")]
    field = body["items"][2]["errors"][0]["field"]
    assert field.startswith("attributes.a\ufffd") and field.endswith("b"), field
    assert list(await _stored(stack)) == ["good"]


async def test_completions_and_the_read_model_reject_per_item(client, stack, person_known):
    completion = {"external_id": "c1", "lms": "docebo", "person_id": PERSON, "course_id": "C1",
                  "course_title": "Course", "status": "completed", "completed_at": "2026-10-05T14:00:00Z"}
    r = await client.post("/api/metrics/v1/completions",
                          **raw_json({"items": [completion, {**completion, "external_id": "c2",
                                                             "course_title": NUL}]}))
    assert [i["status"] for i in r.json()["items"]] == ["created", "rejected"], r.text
    person = {"id": str(uuid.uuid4()), "version": 1, "name": "Sam"}
    r = await client.put("/api/metrics/v1/internal/people",
                         **raw_json({"items": [person, {**person, "id": str(uuid.uuid4()), "name": SURROGATE}]}))
    assert [i["status"] for i in r.json()["items"]] == ["created", "rejected"], r.text
