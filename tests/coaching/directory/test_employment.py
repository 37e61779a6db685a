"""Employment dates (hired_on, left_on) in the directory: REST, bulk upsert and GraphQL, refused when reversed,
carried by coaching.person.upserted into the metrics read model (impact counts people only while employed)."""

import uuid
from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from services.metrics.models import Person as ReadPerson
from tests.conftest import GraphQL, Stack, Tenant
from tests.gateway.helpers import PROBLEM, result


@pytest.fixture
async def coaching(stack: Stack, tenant: Tenant):
    async with stack.client(tenant.api_key) as client:
        client.base_url = httpx.URL("http://uplift/api/coaching")
        yield client


async def mirrored(stack: Stack, tenant: Tenant, person_id: str) -> tuple[date | None, date | None]:
    """The person's employment dates as the metrics read model holds them, once every event arrived."""
    await stack.settled()
    async with stack.local.services["metrics"].state.db.sessions() as session:
        row = (await session.execute(select(ReadPerson.hired_on, ReadPerson.left_on).where(
            ReadPerson.tenant_id == tenant.id, ReadPerson.id == uuid.UUID(person_id)))).one()
    return row.hired_on, row.left_on


async def test_rest_dates_travel_to_the_read_model_and_reversed_ones_are_refused(stack, tenant, coaching):
    r = await coaching.post("/v1/people", json={"name": "Ana", "hired_on": "2025-03-01"})
    assert r.status_code == 201, r.text
    ana = r.json()
    assert (ana["hired_on"], ana["left_on"]) == ("2025-03-01", None)
    assert await mirrored(stack, tenant, ana["id"]) == (date(2025, 3, 1), None)

    reversed_ = await coaching.post("/v1/people", json={"name": "Bo", "hired_on": "2025-03-01",
                                                        "left_on": "2025-02-28"})
    assert reversed_.status_code == 422 and reversed_.headers["content-type"] == "application/problem+json"
    assert (await coaching.get("/v1/people", params={"q": "Bo"})).json()["items"] == []  # nothing written

    before = await coaching.patch(f"/v1/people/{ana['id']}", json={"left_on": "2025-01-31"})
    assert before.status_code == 422, before.text
    assert before.json()["errors"][0]["field"] == "body.left_on"
    left = await coaching.patch(f"/v1/people/{ana['id']}", json={"left_on": "2026-06-30", "active": False})
    assert left.status_code == 200 and left.json()["left_on"] == "2026-06-30"
    assert await mirrored(stack, tenant, ana["id"]) == (date(2025, 3, 1), date(2026, 6, 30))
    cleared = await coaching.patch(f"/v1/people/{ana['id']}", json={"hired_on": None})
    assert (cleared.json()["hired_on"], cleared.json()["left_on"]) == (None, "2026-06-30")
    assert await mirrored(stack, tenant, ana["id"]) == (None, date(2026, 6, 30))


async def test_bulk_upsert_sets_dates_only_when_given(stack, tenant, coaching):
    async def bulk(*items: dict[str, Any]) -> dict[str, Any]:
        r = await coaching.post("/v1/people/bulk", json={"source": "hris", "items": list(items)})
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body

    first = await bulk({"external_id": "e1", "name": "Cy", "hired_on": "2024-05-06"},
                       {"external_id": "e2", "name": "Di", "hired_on": "2024-05-06", "left_on": "2024-05-01"})
    assert [i["status"] for i in first["items"]] == ["created", "rejected"]
    cy = str(first["items"][0]["person_id"])
    # a sync that does not know the dates (a CRM user sync) leaves them as they are
    assert (await bulk({"external_id": "e1", "name": "Cy"}))["items"][0]["status"] == "unchanged"
    left = await bulk({"external_id": "e1", "name": "Cy", "left_on": "2026-01-15", "active": False})
    assert left["items"][0]["status"] == "updated"
    reversed_ = await bulk({"external_id": "e1", "name": "Cy", "left_on": "2024-01-01"})
    assert reversed_["items"][0]["status"] == "rejected"
    assert reversed_["items"][0]["errors"][0]["field"] == "left_on"
    person = (await coaching.get(f"/v1/people/{cy}")).json()
    assert (person["hired_on"], person["left_on"], person["active"]) == ("2024-05-06", "2026-01-15", False)
    assert await mirrored(stack, tenant, cy) == (date(2024, 5, 6), date(2026, 1, 15))


PERSON = "id name hiredOn leftOn"


async def test_graphql_person_fields_and_inputs(gql: GraphQL):
    data = await gql(f"""mutation($input: PersonInput!) {{ createPerson(input: $input) {{
        {PROBLEM} ... on Person {{ {PERSON} }} }} }}""", input={"name": "Eve", "hiredOn": "2025-09-01"})
    eve = result(data, "createPerson", "Person")
    assert (eve["hiredOn"], eve["leftOn"]) == ("2025-09-01", None)
    patch = f"""mutation($id: ID!, $patch: PersonPatch!) {{ updatePerson(id: $id, input: $patch) {{
        {PROBLEM} ... on Person {{ {PERSON} }} }} }}"""
    data = await gql(patch, id=eve["id"], patch={"leftOn": "2026-10-31"})
    assert result(data, "updatePerson", "Person")["leftOn"] == "2026-10-31"
    refused = await gql(patch, id=eve["id"], patch={"leftOn": "2025-08-31"})
    problem = refused["updatePerson"]
    assert problem["__typename"] == "ValidationProblem", problem
