"""Scenarios: coaching playbooks of a behaviour, edited in place."""

import uuid

from tests.behaviors.helpers import active_behavior, create_behavior, invalid, problem, ts

FULL = {
    "title": "  The CIO who has no time  ",
    "situation": "The CIO cancels twice.",
    "opening_questions": ["What would make 20 minutes worth it?", "Who else should be there?"],
    "signs_of_proficiency": ["Books a follow-up"],
    "root_causes": ["skills", "commitment"],
}


async def test_crud(api):
    b = await create_behavior(api, "with-scenarios")
    bid = b["id"]
    r = await api.post(f"/v1/behaviors/{bid}/scenarios", json=FULL)
    assert r.status_code == 201, r.text
    sc = r.json()
    assert r.headers["location"] == f"/api/behaviors/v1/behaviors/{bid}/scenarios/{sc['id']}"
    assert sc["behavior_id"] == bid
    assert sc["title"] == "The CIO who has no time"
    for field in ("situation", "opening_questions", "signs_of_proficiency", "root_causes"):
        assert sc[field] == FULL[field]
    assert sc["created_at"] == sc["updated_at"]

    assert (await api.get(f"/v1/behaviors/{bid}/scenarios/{sc['id']}")).json() == sc
    minimal = (await api.post(f"/v1/behaviors/{bid}/scenarios", json={"title": "Minimal"})).json()
    assert (minimal["situation"], minimal["opening_questions"], minimal["signs_of_proficiency"],
            minimal["root_causes"]) == ("", [], [], [])
    listed = (await api.get(f"/v1/behaviors/{bid}/scenarios")).json()
    assert [s["id"] for s in listed] == [sc["id"], minimal["id"]]

    r = await api.patch(f"/v1/behaviors/{bid}/scenarios/{sc['id']}", json={"root_causes": ["environment"],
                                                                            "opening_questions": []})
    assert r.status_code == 200, r.text
    changed = r.json()
    assert changed == {**sc, "root_causes": ["environment"], "opening_questions": [],
                       "updated_at": changed["updated_at"]}
    assert ts(changed["updated_at"]) > ts(sc["updated_at"])
    assert (await api.get(f"/v1/behaviors/{bid}/scenarios/{sc['id']}")).json() == changed

    r = await api.delete(f"/v1/behaviors/{bid}/scenarios/{sc['id']}")
    assert r.status_code == 204 and r.content == b""
    problem(await api.get(f"/v1/behaviors/{bid}/scenarios/{sc['id']}"), 404,
            f"/v1/behaviors/{bid}/scenarios/{sc['id']}")
    problem(await api.delete(f"/v1/behaviors/{bid}/scenarios/{sc['id']}"), 404)
    problem(await api.patch(f"/v1/behaviors/{bid}/scenarios/{sc['id']}", json={"title": "x"}), 404)
    assert [s["id"] for s in (await api.get(f"/v1/behaviors/{bid}/scenarios")).json()] == [minimal["id"]]


async def test_scenarios_are_living_content_of_an_active_behaviour(api):
    b = await active_behavior(api, "active-scenarios")
    sc = (await api.post(f"/v1/behaviors/{b['id']}/scenarios", json={"title": "One"})).json()
    r = await api.patch(f"/v1/behaviors/{b['id']}/scenarios/{sc['id']}", json={"title": "Renamed"})
    assert r.status_code == 200 and r.json()["title"] == "Renamed"
    got = (await api.get(f"/v1/behaviors/{b['id']}")).json()
    assert (got["version"], got["draft_version"]) == (1, None)  # no new version for a scenario


async def test_batch_listing_by_behaviour_ids(api):
    one = await create_behavior(api, "batch-one")
    two = await create_behavior(api, "batch-two")
    three = await create_behavior(api, "batch-three")
    made = {}
    for b, titles in ((one, ["A", "B"]), (two, ["C"]), (three, ["D"])):
        for title in titles:
            made[title] = (await api.post(f"/v1/behaviors/{b['id']}/scenarios", json={"title": title})).json()

    r = await api.get("/v1/scenarios", params={"behavior_ids": [one["id"], two["id"]]})
    assert r.status_code == 200, r.text
    got = r.json()
    assert sorted((s["behavior_id"], s["title"]) for s in got) == sorted(
        [(one["id"], "A"), (one["id"], "B"), (two["id"], "C")])
    assert {s["id"] for s in got} == {made["A"]["id"], made["B"]["id"], made["C"]["id"]}
    # every field as written, by behaviour then id
    full = {"title": "E", "situation": "Stalled deals", "opening_questions": ["Why?", "When?"],
            "signs_of_proficiency": ["Asks"], "root_causes": ["skills", "capacity"]}
    made["E"] = (await api.post(f"/v1/behaviors/{three['id']}/scenarios", json=full)).json()
    assert {k: made["E"][k] for k in full} == full
    every = (await api.get("/v1/scenarios", params={"behavior_ids": [three["id"], one["id"], two["id"]]})).json()
    assert every == sorted(made.values(), key=lambda s: (s["behavior_id"], s["id"]))
    assert (await api.get("/v1/scenarios", params={"behavior_ids": [str(uuid.uuid4())]})).json() == []
    invalid(await api.get("/v1/scenarios"), "query.behavior_ids", "missing")
    invalid(await api.get("/v1/scenarios", params={"behavior_ids": ["nope"]}), "query.behavior_ids.0", "uuid_parsing")
    too_many = [str(uuid.uuid4()) for _ in range(201)]
    invalid(await api.get("/v1/scenarios", params={"behavior_ids": too_many}), "query.behavior_ids", "too_long")


async def test_a_scenario_belongs_to_its_behaviour(api):
    one = await create_behavior(api, "owner-one")
    two = await create_behavior(api, "owner-two")
    sc = (await api.post(f"/v1/behaviors/{one['id']}/scenarios", json={"title": "Mine"})).json()
    problem(await api.get(f"/v1/behaviors/{two['id']}/scenarios/{sc['id']}"), 404)
    problem(await api.patch(f"/v1/behaviors/{two['id']}/scenarios/{sc['id']}", json={"title": "Stolen"}), 404)
    problem(await api.delete(f"/v1/behaviors/{two['id']}/scenarios/{sc['id']}"), 404)
    assert (await api.get(f"/v1/behaviors/{one['id']}/scenarios/{sc['id']}")).json() == sc
    missing = uuid.uuid4()
    problem(await api.post(f"/v1/behaviors/{missing}/scenarios", json={"title": "x"}), 404)
    problem(await api.get(f"/v1/behaviors/{missing}/scenarios"), 404)


async def test_root_causes_and_texts_are_validated(api):
    b = await create_behavior(api, "validated-scenarios")
    url = f"/v1/behaviors/{b['id']}/scenarios"
    invalid(await api.post(url, json={"title": "x", "root_causes": ["laziness"]}), "body.root_causes.0",
            "literal_error")
    err = invalid(await api.post(url, json={"title": "x", "root_causes": ["skills", "skills"]}), "body.root_causes",
                  "value_error")
    assert "repeat" in err["message"]
    all_six = ["environment", "commitment", "capacity", "skills", "knowledge", "skills"]
    invalid(await api.post(url, json={"title": "x", "root_causes": all_six}), "body.root_causes", "too_long")
    invalid(await api.post(url, json={"title": "x", "opening_questions": ["   "]}), "body.opening_questions.0",
            "string_too_short")
    invalid(await api.post(url, json={"title": "x", "signs_of_proficiency": ["y" * 501]}),
            "body.signs_of_proficiency.0", "string_too_long")
    invalid(await api.post(url, json={"title": "x", "opening_questions": ["q"] * 21}), "body.opening_questions",
            "too_long")
    invalid(await api.post(url, json={"title": ""}), "body.title", "string_too_short")
    invalid(await api.post(url, json={}), "body.title", "missing")
    assert (await api.get(url)).json() == []

    sc = (await api.post(url, json={"title": "ok", "root_causes": ["knowledge"]})).json()
    invalid(await api.patch(f"{url}/{sc['id']}", json={"root_causes": ["capacity", "capacity"]}), "body.root_causes",
            "value_error")
    invalid(await api.patch(f"{url}/{sc['id']}", json={"root_causes": ["boredom"]}), "body.root_causes.0",
            "literal_error")
    for field in ("title", "situation", "opening_questions", "signs_of_proficiency", "root_causes"):
        invalid(await api.patch(f"{url}/{sc['id']}", json={field: None}), f"body.{field}", "not_null")
    assert (await api.get(f"{url}/{sc['id']}")).json() == sc


async def test_at_most_50_scenarios_per_behaviour(api):
    b = await create_behavior(api, "crowded")
    url = f"/v1/behaviors/{b['id']}/scenarios"
    for n in range(50):
        assert (await api.post(url, json={"title": f"S{n}"})).status_code == 201
    problem(await api.post(url, json={"title": "S50"}), 409)
    assert len((await api.get(url)).json()) == 50
