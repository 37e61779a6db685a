"""Request validation: every bad input is a 422 problem+json naming the field, never a 500."""

import uuid
from typing import Any

import pytest

from tests.behaviors.helpers import behavior_body, create_assessment, create_behavior, create_objective, invalid

JSON = {"content-type": "application/json"}


async def test_unknown_fields_are_rejected_everywhere(api):
    o = await create_objective(api)
    b = await create_behavior(api, "strict")
    ind = b["content"]["indicators"][0]["id"]
    sc = (await api.post(f"/v1/behaviors/{b['id']}/scenarios", json={"title": "S"})).json()
    a = await create_assessment(api)
    cases = [
        ("post", "/v1/objectives", {"name": "x", "colour": "red"}, "body.colour"),
        ("patch", f"/v1/objectives/{o['id']}", {"colour": "red"}, "body.colour"),
        ("post", "/v1/behaviors", behavior_body("new-one", version=3), "body.version"),
        ("post", "/v1/behaviors", behavior_body("new-two", indicators=[
            {"metric_key": "calls_made", "kind": "activity", "target": 1, "weight": 2}]), "body.indicators.0.weight"),
        ("post", "/v1/behaviors", behavior_body("new-three", rubric=[
            {"level": 1, "name": "n", "descriptor": "d", "colour": "x"}]), "body.rubric.0.colour"),
        ("post", "/v1/behaviors", behavior_body("new-four", responsible=[
            {"person_id": str(uuid.uuid4()), "function": "hr", "boss": True}]), "body.responsible.0.boss"),
        ("patch", f"/v1/behaviors/{b['id']}", {"key": "renamed"}, "body.key"),
        ("patch", f"/v1/behaviors/{b['id']}", {"status": "active"}, "body.status"),
        ("post", f"/v1/behaviors/{b['id']}/indicators", {"metric_key": "ab", "kind": "activity", "target": 1,
                                                         "id": str(uuid.uuid4())}, "body.id"),
        ("patch", f"/v1/behaviors/{b['id']}/indicators/{ind}", {"position": 0}, "body.position"),
        ("post", f"/v1/behaviors/{b['id']}/scenarios", {"title": "t", "x": 1}, "body.x"),
        ("patch", f"/v1/behaviors/{b['id']}/scenarios/{sc['id']}", {"behavior_id": b["id"]}, "body.behavior_id"),
        ("post", "/v1/assessments", {"title": "t", "status": "closed"}, "body.status"),
        ("put", f"/v1/assessments/{a['id']}/responses/someone",
         {"function": "hr", "answers": ["view_1"] * 7, "weight": 1}, "body.weight"),
    ]
    for method, url, body, field in cases:
        r = await api.request(method, url, json=body)
        err = invalid(r, field, "extra_forbidden")
        assert err["message"] == "Extra inputs are not permitted"
    # nothing was created or changed by the rejected requests
    assert [x["id"] for x in (await api.get("/v1/behaviors")).json()["items"]] == [b["id"]]
    assert (await api.get(f"/v1/behaviors/{b['id']}")).json() == b
    assert (await api.get(f"/v1/assessments/{a['id']}/responses")).json() == []


async def test_oversize_and_empty_strings(api):
    o = await create_objective(api)
    b = await create_behavior(api, "sizes")
    cases = [
        ("post", "/v1/objectives", {"name": "n" * 201}, "body.name", "string_too_long"),
        ("post", "/v1/objectives", {"name": "   "}, "body.name", "string_too_short"),
        ("post", "/v1/objectives", {"name": "n", "description": "d" * 5001}, "body.description", "string_too_long"),
        ("patch", f"/v1/objectives/{o['id']}", {"name": "n" * 201}, "body.name", "string_too_long"),
        ("post", "/v1/behaviors", behavior_body("long-name", name="n" * 201), "body.name", "string_too_long"),
        ("post", "/v1/behaviors", behavior_body("long-rationale", rationale="r" * 5001), "body.rationale",
         "string_too_long"),
        ("post", "/v1/behaviors", behavior_body("long-stage", stage="s" * 65), "body.stage", "string_too_long"),
        ("post", "/v1/behaviors", behavior_body("k" * 65), "body.key", "string_pattern_mismatch"),
        ("post", "/v1/behaviors", behavior_body("Upper"), "body.key", "string_pattern_mismatch"),
        ("post", "/v1/behaviors", behavior_body("x"), "body.key", "string_pattern_mismatch"),
        ("post", "/v1/behaviors", behavior_body("bad key"), "body.key", "string_pattern_mismatch"),
        ("patch", f"/v1/behaviors/{b['id']}", {"description": "d" * 5001}, "body.description", "string_too_long"),
        ("patch", f"/v1/behaviors/{b['id']}", {"name": ""}, "body.name", "string_too_short"),
        ("post", "/v1/assessments", {"title": "t" * 201}, "body.title", "string_too_long"),
    ]
    for method, url, body, field, code in cases:
        invalid(await api.request(method, url, json=body), field, code)
    # the limits themselves are fine
    r = await api.post("/v1/behaviors", json=behavior_body("k" * 64, name="n" * 200, rationale="r" * 5000))
    assert r.status_code == 201, r.text
    assert (r.json()["key"], r.json()["content"]["name"]) == ("k" * 64, "n" * 200)


@pytest.mark.parametrize("raw", [b'{"name": ', b"not json", b'{"name": "x",}', b"[1, 2"])
async def test_malformed_json_is_422_not_500(api, raw):
    for method, url in (("post", "/v1/objectives"), ("post", "/v1/behaviors"), ("post", "/v1/assessments")):
        r = await api.request(method, url, content=raw, headers=JSON)
        err = invalid(r, next(e["field"] for e in r.json()["errors"]), "json_invalid", url)
        assert err["field"].startswith("body")


async def test_wrong_json_types(api):
    invalid(await api.post("/v1/objectives", content=b'"just a string"', headers=JSON), "body", "model_attributes_type")
    invalid(await api.post("/v1/objectives", content=b"null", headers=JSON), "body", "model_attributes_type")
    invalid(await api.post("/v1/objectives", content=b"", headers=JSON), "body", "missing")
    invalid(await api.post("/v1/behaviors", json=behavior_body("types", priority="high")), "body.priority",
            "int_parsing")
    invalid(await api.post("/v1/behaviors", json=behavior_body("types", audience="seller")), "body.audience",
            "list_type")
    invalid(await api.post("/v1/objectives", json={"name": "x", "starts_on": "31/12/2025"}), "body.starts_on",
            "date_from_datetime_parsing")
    invalid(await api.post("/v1/objectives", json={"name": "x", "owner_id": "me"}), "body.owner_id", "uuid_parsing")


async def test_behaviour_content_rules(api):
    cases: list[tuple[dict[str, Any], str, str]] = [
        (dict(audience=[]), "body.audience", "too_short"),
        (dict(audience=["seller", "seller"]), "body.audience", "value_error"),
        (dict(audience=["seller", "manager", "leader", "seller"]), "body.audience", "too_long"),
        (dict(audience=["ceo"]), "body.audience.0", "literal_error"),
        (dict(category="golf"), "body.category", "literal_error"),
        (dict(priority=0), "body.priority", "greater_than_equal"),
        (dict(priority=6), "body.priority", "less_than_equal"),
        (dict(rubric=[{"level": 2, "name": "a", "descriptor": "b"}]), "body.rubric", "value_error"),
        (dict(rubric=[{"level": 1, "name": "a", "descriptor": "b"}, {"level": 3, "name": "c", "descriptor": "d"}]),
         "body.rubric", "value_error"),
        (dict(rubric=[{"level": 2, "name": "a", "descriptor": "b"}, {"level": 1, "name": "c", "descriptor": "d"}]),
         "body.rubric", "value_error"),
        (dict(rubric=[{"level": 0, "name": "a", "descriptor": "b"}]), "body.rubric.0.level", "greater_than_equal"),
        (dict(responsible=[{"person_id": str(uuid.uuid4()), "function": "finance"}]), "body.responsible.0.function",
         "literal_error"),
    ]
    for overrides, field, code in cases:
        r = await api.post("/v1/behaviors", json=behavior_body("content-rules", **overrides))
        err = invalid(r, field, code)
        if field == "body.rubric":
            assert "numbered 1, 2, 3" in err["message"]
        if field == "body.audience" and code == "value_error":
            assert "repeat" in err["message"]
    invalid(await api.post("/v1/behaviors", json={"key": "no-name", "audience": ["seller"]}), "body.name", "missing")
    invalid(await api.post("/v1/behaviors", json={"key": "no-audience", "name": "x"}), "body.audience", "missing")
    assert (await api.get("/v1/behaviors")).json()["items"] == []

    b = await create_behavior(api, "patched-rules")
    url = f"/v1/behaviors/{b['id']}"
    invalid(await api.patch(url, json={"audience": ["leader", "leader"]}), "body.audience", "value_error")
    invalid(await api.patch(url, json={"rubric": [{"level": 2, "name": "a", "descriptor": "b"}]}), "body.rubric",
            "value_error")
    assert (await api.get(url)).json() == b
    rubric = [{"level": n, "name": f"L{n}", "descriptor": "d"} for n in range(1, 4)]
    r = await api.patch(url, json={"rubric": rubric, "audience": ["leader", "seller"]})
    assert r.status_code == 200 and r.json()["content"]["rubric"] == rubric


async def test_bad_path_parameters(api):
    for url, field in [
        ("/v1/objectives/not-a-uuid", "path.objective_id"),
        ("/v1/behaviors/123", "path.behavior_id"),
        (f"/v1/behaviors/{uuid.uuid4()}/scenarios/nope", "path.scenario_id"),
        ("/v1/assessments/zzz", "path.assessment_id"),
    ]:
        invalid(await api.get(url), field, "uuid_parsing", url)
    invalid(await api.patch(f"/v1/behaviors/{uuid.uuid4()}/indicators/nope", json={}), "path.indicator_id",
            "uuid_parsing")
    invalid(await api.delete("/v1/behaviors/nope"), "path.behavior_id", "uuid_parsing")
    invalid(await api.get("/v1/behaviors/by-key/" + "k" * 65), "path.key", "string_too_long")


async def test_paging_parameters(api):
    for url in ("/v1/objectives", "/v1/behaviors", "/v1/assessments"):
        invalid(await api.get(url, params={"limit": 201}), "query.limit", "less_than_equal", url)
        invalid(await api.get(url, params={"limit": 0}), "query.limit", "greater_than_equal")
        invalid(await api.get(url, params={"limit": "ten"}), "query.limit", "int_parsing")
        invalid(await api.get(url, params={"cursor": "c" * 65}), "query.cursor", "string_too_long")
        for cursor in ("abc", "!!!!", "AAAA", "not-a-cursor-at-all"):
            err = invalid(await api.get(url, params={"cursor": cursor}), "query.cursor", "cursor")
            assert err["message"] == "malformed cursor"
        assert (await api.get(url, params={"limit": 200})).status_code == 200
    too_many = [str(uuid.uuid4()) for _ in range(201)]
    invalid(await api.get("/v1/behaviors", params={"ids": too_many}), "query.ids", "too_long")
    invalid(await api.get("/v1/behaviors", params={"keys": ["k"] * 201}), "query.keys", "too_long")
    invalid(await api.get("/v1/behaviors", params={"audience": "ceo"}), "query.audience", "literal_error")
    invalid(await api.get("/v1/behaviors", params={"status": "archived"}), "query.status", "literal_error")
    invalid(await api.get("/v1/behaviors", params={"category": "golf"}), "query.category", "literal_error")
    invalid(await api.get("/v1/behaviors", params={"objective_id": "x"}), "query.objective_id", "uuid_parsing")
    invalid(await api.get("/v1/behavior-versions"), "query.behavior_ids", "missing")
