"""Listing: filters, and keyset pagination in creation order."""

import uuid

from tests.behaviors.helpers import (
    active_behavior,
    create_assessment,
    create_behavior,
    create_objective,
    publish,
)


async def walk(api, url, limit, **params):
    """Every page of a listing: (page sizes, items)."""
    sizes, items, cursor, seen_cursors = [], [], None, set()
    while True:
        r = await api.get(url, params={**params, "limit": limit, **({"cursor": cursor} if cursor else {})})
        assert r.status_code == 200, r.text
        page = r.json()
        assert set(page) == {"items", "next_cursor"}
        sizes.append(len(page["items"]))
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return sizes, items
        assert cursor not in seen_cursors
        seen_cursors.add(cursor)
        assert len(sizes) < 20, "pagination does not end"


async def test_behaviours_paginate_in_creation_order(api):
    created = [(await create_behavior(api, f"b{n}-{uuid.uuid4().hex[:6]}"))["id"] for n in range(7)]
    await publish(api, created[4])  # a change of state does not move it
    sizes, items = await walk(api, "/v1/behaviors", 3)
    assert sizes == [3, 3, 1]
    assert [b["id"] for b in items] == created
    # a filtered walk pages over the filtered set only
    sizes, items = await walk(api, "/v1/behaviors", 2, status="draft")
    assert sizes == [2, 2, 2]
    assert [b["id"] for b in items] == created[:4] + created[5:]
    # the default limit takes all seven in one page
    r = (await api.get("/v1/behaviors")).json()
    assert [b["id"] for b in r["items"]] == created and r["next_cursor"] is None


async def test_an_exact_multiple_of_the_limit_ends_without_a_cursor(api):
    created = [(await create_objective(api, f"O{n}"))["id"] for n in range(6)]
    sizes, items = await walk(api, "/v1/objectives", 3)
    assert sizes == [3, 3]
    assert [o["id"] for o in items] == created
    sizes, items = await walk(api, "/v1/objectives", 6)
    assert sizes == [6]
    sizes, items = await walk(api, "/v1/objectives", 1)
    assert sizes == [1] * 6 and [o["id"] for o in items] == created


async def test_assessments_paginate(api):
    created = [(await create_assessment(api, f"A{n}"))["id"] for n in range(5)]
    sizes, items = await walk(api, "/v1/assessments", 2)
    assert sizes == [2, 2, 1]
    assert [a["id"] for a in items] == created
    r = await api.get("/v1/assessments", params={"ids": [created[3], created[0]]})
    assert [a["id"] for a in r.json()["items"]] == [created[0], created[3]]


async def test_empty_listings(api):
    for url in ("/v1/objectives", "/v1/behaviors", "/v1/assessments"):
        r = await api.get(url)
        assert r.status_code == 200 and r.json() == {"items": [], "next_cursor": None}


async def test_behaviour_filters(api):
    o1 = await create_objective(api, "O1")
    o2 = await create_objective(api, "O2")
    seller = await create_behavior(api, "seller-draft", audience=["seller"], objective_id=o1["id"])
    managers = await active_behavior(api, "manager-leader", audience=["manager", "leader"], category="coaching",
                                     objective_id=o2["id"])
    retired = await active_behavior(api, "seller-leader", audience=["seller", "leader"], objective_id=o1["id"])
    assert (await api.post(f"/v1/behaviors/{retired['id']}/retire")).status_code == 200
    everyone = await active_behavior(api, "everyone", audience=["leader", "manager", "seller"])

    async def keys(**params):
        r = await api.get("/v1/behaviors", params=params)
        assert r.status_code == 200, r.text
        return [b["key"] for b in r.json()["items"]]

    assert await keys() == ["seller-draft", "manager-leader", "seller-leader", "everyone"]
    assert await keys(status="draft") == ["seller-draft"]
    assert await keys(status="active") == ["manager-leader", "everyone"]
    assert await keys(status="retired") == ["seller-leader"]
    assert await keys(audience="seller") == ["seller-draft", "seller-leader", "everyone"]
    assert await keys(audience="manager") == ["manager-leader", "everyone"]
    assert await keys(audience="leader") == ["manager-leader", "seller-leader", "everyone"]
    assert await keys(objective_id=o1["id"]) == ["seller-draft", "seller-leader"]
    assert await keys(objective_id=o2["id"]) == ["manager-leader"]
    assert await keys(objective_id=str(uuid.uuid4())) == []
    assert await keys(category="coaching") == ["manager-leader"]
    assert await keys(category="selling") == ["seller-draft", "seller-leader", "everyone"]
    assert await keys(keys=["everyone", "seller-draft", "nobody"]) == ["seller-draft", "everyone"]
    assert await keys(ids=[everyone["id"], managers["id"]]) == ["manager-leader", "everyone"]
    assert await keys(ids=[str(uuid.uuid4())]) == []
    # filters combine
    assert await keys(status="active", audience="seller") == ["everyone"]
    assert await keys(audience="leader", objective_id=o1["id"]) == ["seller-leader"]
    assert await keys(keys=["seller-draft", "everyone"], status="active") == ["everyone"]
    assert await keys(category="coaching", audience="seller") == []
    assert seller["id"] == (await api.get("/v1/behaviors", params={"keys": ["seller-draft"]})).json()["items"][0]["id"]


async def test_listed_behaviours_carry_their_pending_draft(api):
    b = await active_behavior(api, "listed", name="Published name")
    await api.patch(f"/v1/behaviors/{b['id']}", json={"name": "Draft name"})
    plain = await create_behavior(api, "plain")
    items = (await api.get("/v1/behaviors")).json()["items"]
    assert [(x["key"], x["content"]["name"], x["draft"] and x["draft"]["name"]) for x in items] == [
        ("listed", "Published name", "Draft name"), ("plain", plain["content"]["name"], None)]
    assert items[0] == (await api.get(f"/v1/behaviors/{b['id']}")).json()
