"""Idempotency-Key on POSTs: a retry gets the first answer, nothing is created twice."""

import asyncio
from datetime import timedelta

import httpx
from sqlalchemy import update

from common.db import utcnow
from common.idempotency import IN_FLIGHT
from services.behaviors.models import IdempotencyKeys


async def _objectives(api: httpx.AsyncClient) -> list[dict[str, object]]:
    return (await api.get("/v1/objectives")).json()["items"]


async def test_a_retried_post_is_answered_once(api):
    headers = {"idempotency-key": "crm-retry-1"}
    first = await api.post("/v1/objectives", json={"name": "Sell to the C-suite"}, headers=headers)
    again = await api.post("/v1/objectives", json={"name": "Sell to the C-suite"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["idempotent-replayed"] == "true" and "idempotent-replayed" not in first.headers
    assert len(await _objectives(api)) == 1
    other = await api.post("/v1/objectives", json={"name": "Sell to the C-suite"}, headers={"idempotency-key": "2"})
    assert other.status_code == 201 and len(await _objectives(api)) == 2


async def test_a_key_reused_for_another_request_is_422(api):
    headers = {"idempotency-key": "k"}
    assert (await api.post("/v1/objectives", json={"name": "A"}, headers=headers)).status_code == 201
    r = await api.post("/v1/objectives", json={"name": "B"}, headers=headers)
    assert r.status_code == 422 and r.json()["type"] == "/problems/idempotency-key-reused"
    assert [o["name"] for o in await _objectives(api)] == ["A"]


async def test_expected_failures_are_replayed_and_keys_are_per_credential(stack, tenant, api):
    body = {"key": "dup", "name": "x", "audience": ["seller"]}
    assert (await api.post("/v1/behaviors", json=body)).status_code == 201
    headers = {"idempotency-key": "dup-1"}
    first = await api.post("/v1/behaviors", json=body, headers=headers)
    again = await api.post("/v1/behaviors", json=body, headers=headers)
    assert first.status_code == again.status_code == 409 and again.headers["idempotent-replayed"] == "true"
    other_key = await stack.key(tenant, "behaviors:write")
    async with stack.client(other_key) as other:
        r = await other.post("/api/behaviors/v1/objectives", json={"name": "A"}, headers={"idempotency-key": "k2"})
        r2 = await api.post("/v1/objectives", json={"name": "A"}, headers={"idempotency-key": "k2"})
        assert r.status_code == r2.status_code == 201 and r.json()["id"] != r2.json()["id"]


async def test_unauthenticated_attempts_are_not_remembered(stack, tenant):
    async with stack.client("upl_000000000000_wrong") as bad:
        r = await bad.post("/api/behaviors/v1/objectives", json={"name": "A"}, headers={"idempotency-key": "x"})
        assert r.status_code == 401
    async with stack.client(tenant.api_key) as good:
        r = await good.post("/api/behaviors/v1/objectives", json={"name": "A"}, headers={"idempotency-key": "x"})
        assert r.status_code == 201 and "idempotent-replayed" not in r.headers


async def test_concurrent_retries_create_one_row(api):
    headers = {"idempotency-key": "race"}
    answers = await asyncio.gather(*[api.post("/v1/objectives", json={"name": "Race"}, headers=headers)
                                     for _ in range(5)])
    assert {r.status_code for r in answers} <= {201, 409}
    assert sum(r.status_code == 201 for r in answers) >= 1
    assert len(await _objectives(api)) == 1


async def test_two_retries_after_the_first_attempt_died_run_it_once(stack, api):
    """The first attempt died in flight (its claim is older than IN_FLIGHT, no answer stored): of two retries
    arriving together (at two replicas, say) exactly one takes the request over; the other is told it runs."""
    headers = {"idempotency-key": "died"}
    assert (await api.post("/v1/objectives", json={"name": "Died"}, headers=headers)).status_code == 201
    db = stack.local.services["behaviors"].state.db
    async with db.sessions.begin() as s:  # as if the process had died before storing the answer
        await s.execute(update(IdempotencyKeys).values(status=None, headers=None, body=None,
                                                       created_at=utcnow() - IN_FLIGHT - timedelta(seconds=1)))
    answers = await asyncio.gather(*[api.post("/v1/objectives", json={"name": "Died"}, headers=headers)
                                     for _ in range(5)])
    assert sorted(r.status_code for r in answers) == [201, 409, 409, 409, 409], [r.text for r in answers]
    assert len(await _objectives(api)) == 2  # the first attempt's and the one retry's (the documented window)
