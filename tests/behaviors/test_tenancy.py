"""Tenancy: another tenant's data is invisible (404 / empty), whatever the operation."""

import pytest

from tests.behaviors.helpers import (
    active_behavior,
    behavior_body,
    create_assessment,
    create_objective,
    indicator,
    invalid,
    problem,
    rest,
    views,
)


@pytest.fixture
async def theirs(api):
    """Objects of the first tenant (`api`)."""
    o = await create_objective(api, "Ours")
    b = await active_behavior(api, "shared-key", objective_id=o["id"])
    draft = (await api.post("/v1/behaviors", json=behavior_body("a-draft"))).json()
    sc = (await api.post(f"/v1/behaviors/{b['id']}/scenarios", json={"title": "Ours"})).json()
    a = await create_assessment(api, objective_id=o["id"])
    r = await api.put(f"/v1/assessments/{a['id']}/responses/alice",
                      json={"function": "hr", "answers": views("1111111")})
    assert r.status_code == 200
    return {"objective": o, "behavior": b, "draft": draft, "scenario": sc, "assessment": a}


async def test_another_tenant_sees_nothing(stack, api, theirs):
    other = await stack.tenant("other")
    o, b, sc, a = theirs["objective"], theirs["behavior"], theirs["scenario"], theirs["assessment"]
    async with rest(stack, other.api_key) as c:
        for url in ["/v1/objectives", "/v1/behaviors", "/v1/assessments"]:
            assert (await c.get(url)).json() == {"items": [], "next_cursor": None}
        assert (await c.get("/v1/objectives", params={"ids": [o["id"]]})).json()["items"] == []
        assert (await c.get("/v1/behaviors", params={"ids": [b["id"]]})).json()["items"] == []
        assert (await c.get("/v1/behaviors", params={"keys": ["shared-key"]})).json()["items"] == []
        assert (await c.get("/v1/behaviors", params={"objective_id": o["id"]})).json()["items"] == []
        assert (await c.get("/v1/assessments", params={"ids": [a["id"]]})).json()["items"] == []
        assert (await c.get("/v1/scenarios", params={"behavior_ids": [b["id"]]})).json() == []
        assert (await c.get("/v1/behavior-versions", params={"behavior_ids": [b["id"]]})).json() == []

        for url in [
            f"/v1/objectives/{o['id']}",
            f"/v1/behaviors/{b['id']}",
            "/v1/behaviors/by-key/shared-key",
            f"/v1/behaviors/{b['id']}/versions",
            f"/v1/behaviors/{b['id']}/versions/1",
            f"/v1/behaviors/{b['id']}/scenarios",
            f"/v1/behaviors/{b['id']}/scenarios/{sc['id']}",
            f"/v1/assessments/{a['id']}",
            f"/v1/assessments/{a['id']}/responses",
            f"/v1/assessments/{a['id']}/alignment",
        ]:
            problem(await c.get(url), 404, url)


async def test_another_tenant_cannot_change_anything(stack, api, theirs):
    other = await stack.tenant("other")
    o, b, sc, a = theirs["objective"], theirs["behavior"], theirs["scenario"], theirs["assessment"]
    draft = theirs["draft"]
    ind = b["content"]["indicators"][0]["id"]
    async with rest(stack, other.api_key) as c:
        for r in [
            await c.patch(f"/v1/objectives/{o['id']}", json={"name": "Hijacked"}),
            await c.delete(f"/v1/objectives/{o['id']}"),
            await c.patch(f"/v1/behaviors/{b['id']}", json={"name": "Hijacked"}),
            await c.post(f"/v1/behaviors/{b['id']}/publish"),
            await c.post(f"/v1/behaviors/{draft['id']}/publish"),
            await c.post(f"/v1/behaviors/{b['id']}/retire"),
            await c.delete(f"/v1/behaviors/{b['id']}/draft"),
            await c.delete(f"/v1/behaviors/{draft['id']}"),
            await c.post(f"/v1/behaviors/{b['id']}/indicators", json=indicator("stolen_metric")),
            await c.patch(f"/v1/behaviors/{b['id']}/indicators/{ind}", json={"target": 0}),
            await c.delete(f"/v1/behaviors/{b['id']}/indicators/{ind}"),
            await c.post(f"/v1/behaviors/{b['id']}/scenarios", json={"title": "Planted"}),
            await c.patch(f"/v1/behaviors/{b['id']}/scenarios/{sc['id']}", json={"title": "Hijacked"}),
            await c.delete(f"/v1/behaviors/{b['id']}/scenarios/{sc['id']}"),
            await c.post(f"/v1/assessments/{a['id']}/close"),
            await c.put(f"/v1/assessments/{a['id']}/responses/mallory",
                        json={"function": "hr", "answers": views("2222222")}),
        ]:
            problem(r, 404)
        # references to the other tenant's objective are unknown references
        invalid(await c.post("/v1/behaviors", json=behavior_body("mine", objective_id=o["id"])), "body.objective_id",
                "reference")
        invalid(await c.post("/v1/assessments", json={"title": "t", "objective_id": o["id"]}), "body.objective_id",
                "reference")
        # keys are unique per tenant, not globally
        r = await c.post("/v1/behaviors", json=behavior_body("shared-key"))
        assert r.status_code == 201, r.text
        mine = r.json()
        assert [x["id"] for x in (await c.get("/v1/behaviors")).json()["items"]] == [mine["id"]]

    # the first tenant's objects are exactly as they were
    assert (await api.get(f"/v1/objectives/{o['id']}")).json() == o
    assert (await api.get(f"/v1/behaviors/{b['id']}")).json() == b
    assert (await api.get(f"/v1/behaviors/{draft['id']}")).json() == draft
    assert (await api.get(f"/v1/behaviors/{b['id']}/scenarios")).json() == [sc]
    assert (await api.get(f"/v1/assessments/{a['id']}")).json() == a
    assert [x["respondent"] for x in (await api.get(f"/v1/assessments/{a['id']}/responses")).json()] == ["alice"]
    assert (await api.get("/v1/behaviors/by-key/shared-key")).json()["id"] == b["id"]
    assert [x["id"] for x in (await api.get("/v1/behaviors")).json()["items"]] == [b["id"], draft["id"]]
