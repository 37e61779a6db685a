"""Objectives over REST: create, read, list, change, delete, and deletion guarded by references."""

import uuid
from datetime import datetime

from tests.behaviors.helpers import (
    create_assessment,
    create_behavior,
    create_objective,
    invalid,
    problem,
    publish,
    ts,
)


async def test_create_returns_201_with_location_and_the_objective(api):
    r = await api.post("/v1/objectives", json={
        "name": "  Win the C-suite  ", "description": "Meet CIOs", "starts_on": "2025-01-01",
        "ends_on": "2025-12-31", "status": "active"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert r.headers["location"] == f"/api/behaviors/v1/objectives/{body['id']}"
    assert uuid.UUID(body["id"]).version == 7
    assert body["name"] == "Win the C-suite"  # stripped
    assert (body["description"], body["starts_on"], body["ends_on"], body["status"], body["owner_id"]) == (
        "Meet CIOs", "2025-01-01", "2025-12-31", "active", None)
    assert body["created_at"] == body["updated_at"]
    assert datetime.fromisoformat(body["created_at"]).utcoffset() is not None

    r = await api.get(f"/v1/objectives/{body['id']}")
    assert r.status_code == 200
    assert r.json() == body


async def test_create_applies_defaults(api):
    body = await create_objective(api, "Minimal")
    assert (body["description"], body["status"], body["starts_on"], body["ends_on"]) == ("", "planned", None, None)


async def test_get_unknown_objective_is_404(api):
    missing = uuid.uuid4()
    body = problem(await api.get(f"/v1/objectives/{missing}"), 404, f"/v1/objectives/{missing}")
    assert str(missing) in body["detail"]


async def test_list_filters_by_status_and_ids(api):
    a = await create_objective(api, "A")
    b = await create_objective(api, "B", status="active")
    c = await create_objective(api, "C", status="active")

    async def names(**params):
        r = await api.get("/v1/objectives", params=params)
        assert r.status_code == 200, r.text
        assert r.json()["next_cursor"] is None
        return [o["name"] for o in r.json()["items"]]

    assert await names() == ["A", "B", "C"]
    assert await names(status="active") == ["B", "C"]
    assert await names(status="planned") == ["A"]
    assert await names(status="achieved") == []
    assert await names(ids=[a["id"], c["id"]]) == ["A", "C"]
    assert await names(ids=[a["id"], c["id"]], status="active") == ["C"]
    assert await names(ids=[str(uuid.uuid4())]) == []
    assert b["id"] in [o["id"] for o in (await api.get("/v1/objectives")).json()["items"]]
    framed = await create_objective(api, "D", description="Framed", starts_on="2026-01-01", ends_on="2026-03-31",
                                    owner_id=str(uuid.uuid4()))
    for o in (a, b, framed):  # every field as written, listed as by id
        assert (await api.get("/v1/objectives", params={"ids": [o["id"]]})).json()["items"] == [o]
        assert (await api.get(f"/v1/objectives/{o['id']}")).json() == o

    invalid(await api.get("/v1/objectives", params={"status": "done"}), "query.status", "literal_error")
    invalid(await api.get("/v1/objectives", params={"ids": ["nope"]}), "query.ids.0", "uuid_parsing")


async def test_patch_changes_only_the_given_fields(api):
    o = await create_objective(api, "Old", description="keep me", starts_on="2025-01-01")
    r = await api.patch(f"/v1/objectives/{o['id']}", json={"name": "New", "status": "achieved"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["name"], body["status"], body["description"], body["starts_on"]) == (
        "New", "achieved", "keep me", "2025-01-01")
    assert body["created_at"] == o["created_at"]
    assert ts(body["updated_at"]) > ts(o["updated_at"])
    assert (await api.get(f"/v1/objectives/{o['id']}")).json() == body

    owner = str(uuid.uuid4())
    assert (await api.patch(f"/v1/objectives/{o['id']}", json={"owner_id": owner})).json()["owner_id"] == owner
    r = await api.patch(f"/v1/objectives/{o['id']}", json={"owner_id": None, "starts_on": None})
    assert r.status_code == 200
    assert (r.json()["owner_id"], r.json()["starts_on"]) == (None, None)


async def test_patch_rejects_ends_on_before_starts_on(api):
    o = await create_objective(api, "Framed", starts_on="2025-03-01")
    r = await api.patch(f"/v1/objectives/{o['id']}", json={"ends_on": "2025-02-28"})
    err = invalid(r, "body.ends_on", "value_error", f"/v1/objectives/{o['id']}")
    assert "ends_on" in err["message"]
    # also when both move at once, and nothing was saved
    invalid(await api.patch(f"/v1/objectives/{o['id']}", json={"starts_on": "2026-01-02", "ends_on": "2026-01-01"}),
            "body.ends_on")
    assert (await api.get(f"/v1/objectives/{o['id']}")).json() == o
    # the same day is a valid frame
    r = await api.patch(f"/v1/objectives/{o['id']}", json={"ends_on": "2025-03-01"})
    assert r.status_code == 200 and r.json()["ends_on"] == "2025-03-01"


async def test_create_rejects_ends_on_before_starts_on(api):
    r = await api.post("/v1/objectives", json={"name": "x", "starts_on": "2025-02-01", "ends_on": "2025-01-31"})
    err = invalid(r, "body", "value_error", "/v1/objectives")
    assert "ends_on must not be before starts_on" in err["message"]


async def test_patch_rejects_null_for_required_fields(api):
    o = await create_objective(api, "Required")
    for field in ("name", "description", "status"):
        r = await api.patch(f"/v1/objectives/{o['id']}", json={field: None})
        invalid(r, f"body.{field}", "not_null")
    assert (await api.get(f"/v1/objectives/{o['id']}")).json() == o


async def test_patch_and_delete_unknown_objective_are_404(api):
    missing = uuid.uuid4()
    problem(await api.patch(f"/v1/objectives/{missing}", json={"name": "x"}), 404)
    problem(await api.delete(f"/v1/objectives/{missing}"), 404)


async def test_delete_returns_204_and_the_objective_is_gone(api):
    o = await create_objective(api)
    r = await api.delete(f"/v1/objectives/{o['id']}")
    assert r.status_code == 204 and r.content == b""
    problem(await api.get(f"/v1/objectives/{o['id']}"), 404)
    problem(await api.delete(f"/v1/objectives/{o['id']}"), 404)
    assert (await api.get("/v1/objectives")).json()["items"] == []


async def test_delete_is_refused_while_a_behaviour_or_assessment_refers_to_it(api):
    by_behaviour = await create_objective(api, "Behaviour's")
    by_assessment = await create_objective(api, "Assessment's")
    by_draft = await create_objective(api, "Draft's")
    b = await create_behavior(api, "uses-objective", objective_id=by_behaviour["id"])
    await create_assessment(api, objective_id=by_assessment["id"])
    # an active behaviour whose pending draft (only) points at the objective
    active = await publish(api, (await create_behavior(api, "drafts-objective"))["id"])
    r = await api.patch(f"/v1/behaviors/{active['id']}", json={"objective_id": by_draft["id"]})
    assert r.status_code == 200 and r.json()["content"]["objective_id"] is None

    for o in (by_behaviour, by_assessment, by_draft):
        body = problem(await api.delete(f"/v1/objectives/{o['id']}"), 409, f"/v1/objectives/{o['id']}")
        assert "referenced" in body["detail"]
        assert (await api.get(f"/v1/objectives/{o['id']}")).status_code == 200

    # once the only referrer (a never-published draft) is deleted, the objective can go
    assert (await api.delete(f"/v1/behaviors/{b['id']}")).status_code == 204
    assert (await api.delete(f"/v1/objectives/{by_behaviour['id']}")).status_code == 204
    # discarding the draft that pointed at it frees the other one
    assert (await api.delete(f"/v1/behaviors/{active['id']}/draft")).status_code == 200
    assert (await api.delete(f"/v1/objectives/{by_draft['id']}")).status_code == 204
