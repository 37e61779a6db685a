"""Behaviours over REST: the draft → active → retired lifecycle and immutable published versions."""

import uuid

from tests.behaviors.helpers import (
    active_behavior,
    behavior_body,
    create_behavior,
    create_objective,
    indicator,
    invalid,
    problem,
    publish,
    ts,
)


async def test_create_makes_a_draft_version_1(api):
    objective = await create_objective(api)
    owner, person = str(uuid.uuid4()), str(uuid.uuid4())
    body = behavior_body(
        "cio-meetings", name="Meet the CIO", description="d", rationale="why", objective_id=objective["id"],
        audience=["seller", "manager"], category="coaching", stage="discovery", priority=2, owner_id=owner,
        responsible=[{"person_id": person, "function": "enablement"}],
        rubric=[{"level": 1, "name": "Novice", "descriptor": "rarely"}, {"level": 2, "name": "Pro", "descriptor": "a"}],
        indicators=[indicator("c_level_meetings", 2, comparator="gte", period="month"),
                    indicator("email_count", 40, kind="proficiency", comparator="lte")])
    r = await api.post("/v1/behaviors", json=body)
    assert r.status_code == 201, r.text
    b = r.json()
    assert r.headers["location"] == f"/api/behaviors/v1/behaviors/{b['id']}"
    assert (b["key"], b["status"], b["version"], b["draft_version"], b["draft"]) == (
        "cio-meetings", "draft", None, 1, None)
    assert (b["published_at"], b["retired_at"]) == (None, None)
    c = b["content"]
    assert (c["behavior_id"], c["number"], c["state"], c["published_at"]) == (b["id"], 1, "draft", None)
    for field in ("name", "description", "rationale", "objective_id", "audience", "category", "stage", "priority",
                  "owner_id", "responsible", "rubric"):
        assert c[field] == body[field], field
    assert [(i["metric_key"], i["kind"], i["target"], i["comparator"], i["period"]) for i in c["indicators"]] == [
        ("c_level_meetings", "activity", 2.0, "gte", "month"), ("email_count", "proficiency", 40.0, "lte", "week")]
    assert len({i["id"] for i in c["indicators"]}) == 2

    assert (await api.get(f"/v1/behaviors/{b['id']}")).json() == b
    r = await api.get("/v1/behaviors/by-key/cio-meetings")
    assert r.status_code == 200 and r.json() == b


async def test_by_key_of_unknown_key_is_404(api):
    await create_behavior(api, "known")
    body = problem(await api.get("/v1/behaviors/by-key/unknown"), 404, "/v1/behaviors/by-key/unknown")
    assert "unknown" in body["detail"]
    problem(await api.get(f"/v1/behaviors/{uuid.uuid4()}"), 404)


async def test_publish_makes_version_1_active(api):
    b = await create_behavior(api, "first")
    r = await api.post(f"/v1/behaviors/{b['id']}/publish")
    assert r.status_code == 200, r.text
    p = r.json()
    assert (p["status"], p["version"], p["draft_version"], p["draft"]) == ("active", 1, None, None)
    assert (p["content"]["number"], p["content"]["state"]) == (1, "published")
    assert ts(p["published_at"]) == ts(p["content"]["published_at"])
    assert ts(p["published_at"]) >= ts(b["created_at"])
    assert p["content"]["indicators"] == b["content"]["indicators"]
    assert (await api.get(f"/v1/behaviors/{b['id']}")).json() == p
    # nothing left to publish
    problem(await api.post(f"/v1/behaviors/{b['id']}/publish"), 409)


async def test_publishing_without_indicators_is_a_conflict(api):
    b = await create_behavior(api, "no-indicators", indicators=[])
    body = problem(await api.post(f"/v1/behaviors/{b['id']}/publish"), 409, f"/v1/behaviors/{b['id']}/publish")
    assert "indicator" in body["detail"]
    assert (await api.get(f"/v1/behaviors/{b['id']}")).json()["status"] == "draft"


async def test_patch_on_a_draft_edits_it_in_place(api):
    objective = await create_objective(api)
    b = await create_behavior(api, "editable")
    r = await api.patch(f"/v1/behaviors/{b['id']}", json={"name": "Renamed", "objective_id": objective["id"],
                                                          "audience": ["leader"], "category": "coaching"})
    assert r.status_code == 200, r.text
    p = r.json()
    assert (p["status"], p["version"], p["draft_version"], p["draft"]) == ("draft", None, 1, None)
    assert (p["content"]["name"], p["content"]["objective_id"], p["content"]["audience"]) == (
        "Renamed", objective["id"], ["leader"])
    assert ts(p["updated_at"]) > ts(b["updated_at"])
    versions = (await api.get(f"/v1/behaviors/{b['id']}/versions")).json()
    assert [(v["number"], v["state"], v["name"]) for v in versions] == [(1, "draft", "Renamed")]
    # the list filters follow the draft while the behaviour was never published
    listed = (await api.get("/v1/behaviors", params={"objective_id": objective["id"], "audience": "leader",
                                                      "category": "coaching"})).json()["items"]
    assert [x["id"] for x in listed] == [b["id"]]


async def test_revisions_of_an_active_behaviour_are_new_versions(api):
    b = await active_behavior(api, "versioned", name="Version one", priority=3)
    bid = b["id"]

    # a change opens draft version 2; the published content stays version 1
    r = await api.patch(f"/v1/behaviors/{bid}", json={"name": "Version two"})
    assert r.status_code == 200, r.text
    p = r.json()
    assert (p["status"], p["version"], p["draft_version"]) == ("active", 1, 2)
    assert (p["content"]["number"], p["content"]["state"], p["content"]["name"]) == (1, "published", "Version one")
    assert p["draft"] is not None
    assert (p["draft"]["number"], p["draft"]["state"], p["draft"]["name"]) == (2, "draft", "Version two")
    assert p["draft"]["published_at"] is None
    assert [i["id"] for i in p["draft"]["indicators"]] == [i["id"] for i in p["content"]["indicators"]]

    # a second change edits the same draft
    r = await api.patch(f"/v1/behaviors/{bid}", json={"priority": 5})
    p = r.json()
    assert (p["version"], p["draft_version"]) == (1, 2)
    assert (p["draft"]["number"], p["draft"]["name"], p["draft"]["priority"]) == (2, "Version two", 5)
    assert (p["content"]["name"], p["content"]["priority"]) == ("Version one", 3)
    versions = (await api.get(f"/v1/behaviors/{bid}/versions")).json()
    assert [(v["number"], v["state"]) for v in versions] == [(1, "published"), (2, "draft")]
    # while unpublished, the behaviour is still found under its published name and audience
    assert (await api.get("/v1/behaviors/by-key/versioned")).json()["content"]["name"] == "Version one"

    published = await publish(api, bid)
    assert (published["status"], published["version"], published["draft_version"], published["draft"]) == (
        "active", 2, None, None)
    assert (published["content"]["number"], published["content"]["name"], published["content"]["priority"]) == (
        2, "Version two", 5)
    assert ts(published["published_at"]) > ts(b["published_at"])

    versions = (await api.get(f"/v1/behaviors/{bid}/versions")).json()
    assert [(v["number"], v["state"], v["name"], v["priority"]) for v in versions] == [
        (1, "published", "Version one", 3), (2, "published", "Version two", 5)]
    assert all(v["published_at"] for v in versions)
    assert ts(versions[0]["published_at"]) == ts(b["content"]["published_at"])

    v1 = (await api.get(f"/v1/behaviors/{bid}/versions/1")).json()
    assert v1 == versions[0]
    assert (await api.get(f"/v1/behaviors/{bid}/versions/2")).json() == versions[1]
    problem(await api.get(f"/v1/behaviors/{bid}/versions/3"), 404, f"/v1/behaviors/{bid}/versions/3")
    invalid(await api.get(f"/v1/behaviors/{bid}/versions/0"), "path.number", "greater_than_equal")
    invalid(await api.get(f"/v1/behaviors/{bid}/versions/x"), "path.number", "int_parsing")
    problem(await api.get(f"/v1/behaviors/{uuid.uuid4()}/versions"), 404)
    problem(await api.get(f"/v1/behaviors/{uuid.uuid4()}/versions/1"), 404)

    # the batch endpoint the gateway uses returns the same versions
    r = await api.get("/v1/behavior-versions", params={"behavior_ids": [bid]})
    assert r.status_code == 200 and r.json() == versions
    # several behaviours at once, by behaviour then number, each version with all its indicators in order
    other = await create_behavior(api, "versioned-too", indicators=[indicator("calls_made"), indicator("emails_sent")])
    theirs = (await api.get(f"/v1/behaviors/{other['id']}/versions")).json()
    assert [i["metric_key"] for i in theirs[0]["indicators"]] == ["calls_made", "emails_sent"]
    both = (await api.get("/v1/behavior-versions", params={"behavior_ids": [other["id"], bid]})).json()
    assert both == sorted(versions + theirs, key=lambda v: (v["behavior_id"], v["number"]))


async def test_the_list_filters_follow_the_published_version_not_the_draft(api):
    b = await active_behavior(api, "mirrored", audience=["seller"])
    await api.patch(f"/v1/behaviors/{b['id']}", json={"audience": ["manager"], "category": "coaching"})

    async def keys(**params):
        return [x["key"] for x in (await api.get("/v1/behaviors", params=params)).json()["items"]]

    assert await keys(audience="seller") == ["mirrored"]
    assert await keys(audience="manager") == []
    assert await keys(category="coaching") == []
    await publish(api, b["id"])
    assert await keys(audience="seller") == []
    assert await keys(audience="manager") == ["mirrored"]
    assert await keys(category="coaching") == ["mirrored"]


async def test_discarding_the_pending_draft(api):
    b = await active_behavior(api, "discardable", name="Kept")
    bid = b["id"]
    problem(await api.delete(f"/v1/behaviors/{bid}/draft"), 409)  # no draft yet

    await api.patch(f"/v1/behaviors/{bid}", json={"name": "Thrown away"})
    r = await api.delete(f"/v1/behaviors/{bid}/draft")
    assert r.status_code == 200, r.text
    d = r.json()
    assert (d["status"], d["version"], d["draft_version"], d["draft"]) == ("active", 1, None, None)
    assert d["content"]["name"] == "Kept"
    assert [v["number"] for v in (await api.get(f"/v1/behaviors/{bid}/versions")).json()] == [1]
    problem(await api.get(f"/v1/behaviors/{bid}/versions/2"), 404)
    problem(await api.delete(f"/v1/behaviors/{bid}/draft"), 409)

    # the next revision reuses number 2
    p = (await api.patch(f"/v1/behaviors/{bid}", json={"name": "Again"})).json()
    assert (p["draft_version"], p["draft"]["name"]) == (2, "Again")

    # a never-published draft is not a "pending revision"
    fresh = await create_behavior(api, "fresh")
    problem(await api.delete(f"/v1/behaviors/{fresh['id']}/draft"), 409)


async def test_retire_and_what_a_retired_behaviour_refuses(api):
    b = await active_behavior(api, "retiring")
    bid = b["id"]
    indicator_id = b["content"]["indicators"][0]["id"]
    sc = await api.post(f"/v1/behaviors/{bid}/scenarios", json={"title": "Cold CIO"})
    assert sc.status_code == 201
    # a pending draft is dropped on retirement
    await api.patch(f"/v1/behaviors/{bid}", json={"name": "Never published"})

    r = await api.post(f"/v1/behaviors/{bid}/retire")
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["status"], body["version"], body["draft_version"], body["draft"]) == ("retired", 1, None, None)
    assert body["content"]["name"] == b["content"]["name"]
    assert body["retired_at"] is not None and ts(body["retired_at"]) >= ts(body["published_at"])
    assert [v["number"] for v in (await api.get(f"/v1/behaviors/{bid}/versions")).json()] == [1]

    refused = [
        await api.post(f"/v1/behaviors/{bid}/retire"),
        await api.patch(f"/v1/behaviors/{bid}", json={"name": "x"}),
        await api.post(f"/v1/behaviors/{bid}/publish"),
        await api.delete(f"/v1/behaviors/{bid}/draft"),
        await api.delete(f"/v1/behaviors/{bid}"),
        await api.post(f"/v1/behaviors/{bid}/indicators", json=indicator("other_metric")),
        await api.patch(f"/v1/behaviors/{bid}/indicators/{indicator_id}", json={"target": 9}),
        await api.delete(f"/v1/behaviors/{bid}/indicators/{indicator_id}"),
        await api.post(f"/v1/behaviors/{bid}/scenarios", json={"title": "New"}),
        await api.patch(f"/v1/behaviors/{bid}/scenarios/{sc.json()['id']}", json={"title": "New"}),
        await api.delete(f"/v1/behaviors/{bid}/scenarios/{sc.json()['id']}"),
    ]
    for r in refused:
        problem(r, 409)
    after = (await api.get(f"/v1/behaviors/{bid}")).json()
    assert after == body
    # still readable, with its scenario
    assert [s["id"] for s in (await api.get(f"/v1/behaviors/{bid}/scenarios")).json()] == [sc.json()["id"]]
    assert [x["id"] for x in (await api.get("/v1/behaviors", params={"status": "retired"})).json()["items"]] == [bid]


async def test_a_draft_cannot_be_retired(api):
    b = await create_behavior(api, "still-draft")
    body = problem(await api.post(f"/v1/behaviors/{b['id']}/retire"), 409)
    assert "delete" in body["detail"]


async def test_delete_only_never_published_drafts(api):
    draft = await create_behavior(api, "deletable")
    sc = await api.post(f"/v1/behaviors/{draft['id']}/scenarios", json={"title": "Goes too"})
    assert sc.status_code == 201
    r = await api.delete(f"/v1/behaviors/{draft['id']}")
    assert r.status_code == 204 and r.content == b""
    problem(await api.get(f"/v1/behaviors/{draft['id']}"), 404)
    problem(await api.get("/v1/behaviors/by-key/deletable"), 404)
    assert (await api.get("/v1/behavior-versions", params={"behavior_ids": [draft["id"]]})).json() == []
    assert (await api.get("/v1/scenarios", params={"behavior_ids": [draft["id"]]})).json() == []
    problem(await api.delete(f"/v1/behaviors/{draft['id']}"), 404)
    # the key is free again
    assert (await api.post("/v1/behaviors", json=behavior_body("deletable"))).status_code == 201

    active = await active_behavior(api, "kept")
    body = problem(await api.delete(f"/v1/behaviors/{active['id']}"), 409, f"/v1/behaviors/{active['id']}")
    assert "retire" in body["detail"]
    assert (await api.get(f"/v1/behaviors/{active['id']}")).status_code == 200


async def test_duplicate_key_is_a_conflict(api):
    await create_behavior(api, "taken")
    body = problem(await api.post("/v1/behaviors", json=behavior_body("taken", name="Other")), 409, "/v1/behaviors")
    assert "taken" in body["detail"]
    items = (await api.get("/v1/behaviors")).json()["items"]
    assert [x["content"]["name"] for x in items] == ["Behaviour taken"]


async def test_unknown_objective_is_a_validation_error_on_that_field(api):
    missing = str(uuid.uuid4())
    r = await api.post("/v1/behaviors", json=behavior_body("orphan", objective_id=missing))
    err = invalid(r, "body.objective_id", "reference", "/v1/behaviors")
    assert missing in err["message"]
    assert (await api.get("/v1/behaviors")).json()["items"] == []

    b = await create_behavior(api, "exists")
    invalid(await api.patch(f"/v1/behaviors/{b['id']}", json={"objective_id": missing}), "body.objective_id",
            "reference")
    # clearing the objective is allowed
    o = await create_objective(api)
    assert (await api.patch(f"/v1/behaviors/{b['id']}", json={"objective_id": o["id"]})).status_code == 200
    r = await api.patch(f"/v1/behaviors/{b['id']}", json={"objective_id": None})
    assert r.status_code == 200 and r.json()["content"]["objective_id"] is None


async def test_patch_rejects_null_for_required_content(api):
    b = await active_behavior(api, "nulls")
    for field in ("name", "description", "rationale", "audience", "category", "priority", "responsible", "rubric"):
        invalid(await api.patch(f"/v1/behaviors/{b['id']}", json={field: None}), f"body.{field}", "not_null")
    # a rejected change opened no draft
    assert (await api.get(f"/v1/behaviors/{b['id']}")).json() == b
    # nullable content can be cleared
    r = await api.patch(f"/v1/behaviors/{b['id']}", json={"stage": None, "owner_id": None})
    assert r.status_code == 200 and r.json()["draft"]["stage"] is None


async def test_unknown_behaviour_is_404_for_every_operation(api):
    bid = uuid.uuid4()
    for r in [
        await api.patch(f"/v1/behaviors/{bid}", json={"name": "x"}),
        await api.post(f"/v1/behaviors/{bid}/publish"),
        await api.post(f"/v1/behaviors/{bid}/retire"),
        await api.delete(f"/v1/behaviors/{bid}/draft"),
        await api.delete(f"/v1/behaviors/{bid}"),
    ]:
        body = problem(r, 404)
        assert str(bid) in body["detail"]
