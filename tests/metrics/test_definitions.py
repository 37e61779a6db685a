"""Metric definitions over REST: the catalogue, tenant-defined metrics, validation (422), clashes (409),
deletion rules, scopes."""

import uuid
from typing import Any

import httpx
import pytest

from common.auth import issue_person_token
from tests.conftest import JWT_SECRET, Stack, Tenant
from tests.metrics.conftest import BASE


def definition(key: str, **over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"key": key, "name": key.replace("_", " "), "kind": "activity", "aggregation": "count",
                            "types": ["meeting"], "filters": {"new_logo": True}}
    body.update(over)
    return body


async def create(metrics: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    r = await metrics.post("/v1/metrics", json=body)
    assert r.status_code == 201, r.text
    assert r.headers["location"] == f"/api/metrics/v1/metrics/{body['key']}"
    return dict(r.json())


async def test_the_catalogue_is_listed_and_readable(metrics: httpx.AsyncClient) -> None:
    r = await metrics.get("/v1/metrics")
    assert r.status_code == 200
    keys = {m["key"] for m in r.json()["items"]}
    assert {"calls", "emails", "meetings", "c_level_meetings", "demos", "proposals", "visits", "opportunities_created",
            "wins", "losses", "win_rate", "avg_deal_size", "proposal_to_win", "training_completions"} <= keys
    assert r.json()["next_cursor"] is None
    win_rate = (await metrics.get("/v1/metrics/win_rate")).json()
    assert (win_rate["aggregation"], win_rate["numerator"], win_rate["denominator"], win_rate["builtin"]) == (
        "ratio", "wins", "closed_opportunities", True)
    closed = (await metrics.get("/v1/metrics/closed_opportunities")).json()
    assert set(closed["types"]) == {"opportunity_won", "opportunity_lost"}
    c_level = (await metrics.get("/v1/metrics/c_level_meetings")).json()
    assert c_level["filters"] == {"contact_level": ["c_level"]}
    assert (await metrics.get("/v1/metrics/nope")).status_code == 404


async def test_tenant_metrics_are_created_listed_and_deleted(metrics: httpx.AsyncClient) -> None:
    out = await create(metrics, definition("new_logo_meetings", filters={"new_logo": True,
                                                                          "stage": ["discovery", "demo"]}))
    assert (out["builtin"], out["filters"], out["created_at"] is not None) == (
        False, {"new_logo": [True], "stage": ["discovery", "demo"]}, True)
    await create(metrics, definition("seats_sold", aggregation="sum", types=["opportunity_won"], filters={},
                                     field="attributes.seats"))
    await create(metrics, definition("avg_discount", kind="proficiency", aggregation="average",
                                     types=["opportunity_won"], filters={"region": "emea"},
                                     field="attributes.discount"))
    await create(metrics, definition("logo_meeting_rate", kind="proficiency", aggregation="ratio", types=[],
                                     filters={}, numerator="new_logo_meetings", denominator="meetings"))
    await create(metrics, definition("seats_per_win", kind="proficiency", aggregation="ratio", types=[], filters={},
                                     numerator="seats_sold", denominator="wins"))
    await create(metrics, definition("exec_course", source="completions", types=["passed"],
                                     filters={"course_id": "exec-101"}))
    await create(metrics, definition("avg_exam_score", source="completions", kind="proficiency",
                                     aggregation="average", types=["passed", "failed"], filters={}, field="score"))

    listed = (await metrics.get("/v1/metrics", params={"keys": ["seats_sold", "calls", "zzz"]})).json()["items"]
    assert sorted(m["key"] for m in listed) == ["calls", "seats_sold"]
    assert (await metrics.get("/v1/metrics/avg_discount")).json()["filters"] == {"region": ["emea"]}

    assert (await metrics.delete("/v1/metrics/new_logo_meetings")).status_code == 409  # logo_meeting_rate uses it
    assert (await metrics.delete("/v1/metrics/logo_meeting_rate")).status_code == 204
    assert (await metrics.delete("/v1/metrics/new_logo_meetings")).status_code == 204
    assert (await metrics.get("/v1/metrics/new_logo_meetings")).status_code == 404
    assert (await metrics.delete("/v1/metrics/new_logo_meetings")).status_code == 404
    r = await metrics.delete("/v1/metrics/calls")
    assert r.status_code == 409 and r.headers["content-type"] == "application/problem+json"


async def test_keys_may_not_clash(metrics: httpx.AsyncClient) -> None:
    r = await metrics.post("/v1/metrics", json=definition("calls"))
    assert r.status_code == 409 and "built-in" in r.json()["detail"]
    await create(metrics, definition("mine"))
    r = await metrics.post("/v1/metrics", json=definition("mine", types=["call"]))
    assert r.status_code == 409 and r.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(("over", "field", "code"), [
    ({"kind": "proficiency", "aggregation": "ratio", "types": [], "filters": {}, "numerator": "nope",
      "denominator": "calls"}, "body.numerator", "unknown_metric"),
    ({"kind": "proficiency", "aggregation": "ratio", "types": [], "filters": {}, "numerator": "wins",
      "denominator": "nope"}, "body.denominator", "unknown_metric"),
    ({"kind": "proficiency", "aggregation": "ratio", "types": [], "filters": {}, "numerator": "wins",
      "denominator": "won_amount"}, "body.denominator", "not_a_count"),
    ({"kind": "proficiency", "aggregation": "ratio", "types": [], "filters": {}, "numerator": "wins",
      "denominator": "avg_deal_size"}, "body.denominator", "not_a_count"),
    ({"kind": "proficiency", "aggregation": "ratio", "types": [], "filters": {}, "numerator": "win_rate",
      "denominator": "wins"}, "body.numerator", "not_an_activity"),
])
async def test_ratios_must_divide_an_activity_metric_by_a_count(metrics: httpx.AsyncClient, over: dict[str, Any],
                                                                field: str, code: str) -> None:
    r = await metrics.post("/v1/metrics", json=definition("bad_ratio", **over))
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["errors"] == [{"field": field, "code": code, "message": r.json()["detail"]}]
    assert (await metrics.get("/v1/metrics/bad_ratio")).status_code == 404


@pytest.mark.parametrize("over", [
    {"filters": {"stage": {"nested": 1}}},
    {"filters": {"stage": []}},
    {"filters": {"Stage": "x"}},
    {"filters": {"stage": [[1]]}},
    {"filters": {f"a{i}": 1 for i in range(11)}},
    {"filters": {"stage": list(range(51))}},
    {"filters": {"stage": None}},
    {"key": "Bad Key"},
    {"key": "c"},
    {"types": []},
    {"types": ["call", "call"]},
    {"types": ["Not A Type"]},
    {"aggregation": "ratio"},
    {"aggregation": "average", "field": "amount"},
    {"kind": "proficiency", "aggregation": "count"},
    {"field": "amount"},
    {"aggregation": "sum"},
    {"aggregation": "sum", "field": "attributes.Bad"},
    {"aggregation": "sum", "field": "score"},
    {"aggregation": "sum", "field": "amount", "numerator": "calls"},
    {"kind": "proficiency", "aggregation": "ratio", "numerator": "wins", "denominator": "calls"},
    {"source": "completions", "types": ["opened"], "filters": {}},
    {"source": "completions", "types": ["passed"], "filters": {"stage": "x"}},
    {"source": "completions", "types": ["passed"], "filters": {}, "aggregation": "sum", "field": "amount"},
    {"source": "crm"},
    {"colour": "red"},
])
async def test_malformed_definitions_are_422(metrics: httpx.AsyncClient, over: dict[str, Any]) -> None:
    r = await metrics.post("/v1/metrics", json={**definition("bad_one"), **over})
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json" and r.json()["errors"]


async def test_scopes(stack: Stack, tenant: Tenant) -> None:
    reader = await stack.key(tenant, "metrics:read")
    async with stack.client(reader) as client:
        assert (await client.get(f"{BASE}/v1/metrics")).status_code == 200
        assert (await client.post(f"{BASE}/v1/metrics", json=definition("x_metric"))).status_code == 403
    seller = issue_person_token(JWT_SECRET, tenant_id=tenant.id, person_id=uuid.uuid4(), roles=["seller"])
    async with stack.client(seller) as client:
        assert (await client.get(f"{BASE}/v1/metrics/calls")).status_code == 200
        assert (await client.post(f"{BASE}/v1/metrics", json=definition("x_metric"))).status_code == 403
        assert (await client.delete(f"{BASE}/v1/metrics/calls")).status_code == 403
    enablement = issue_person_token(JWT_SECRET, tenant_id=tenant.id, person_id=uuid.uuid4(), roles=["enablement"])
    async with stack.client(enablement) as client:
        assert (await client.post(f"{BASE}/v1/metrics", json=definition("x_metric"))).status_code == 201


async def test_definitions_belong_to_their_tenant(stack: Stack, metrics: httpx.AsyncClient) -> None:
    await create(metrics, definition("ours"))
    other = await stack.tenant("globex")
    async with stack.client(other.api_key) as client:
        assert (await client.get(f"{BASE}/v1/metrics/ours")).status_code == 404
        assert (await client.delete(f"{BASE}/v1/metrics/ours")).status_code == 404
        assert (await client.post(f"{BASE}/v1/metrics", json=definition("ours"))).status_code == 201
