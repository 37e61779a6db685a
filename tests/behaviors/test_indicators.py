"""Indicators: changed on the draft; on an active behaviour they go into the next version, keeping their ids."""

import uuid

from tests.behaviors.helpers import active_behavior, create_behavior, indicator, invalid, problem, publish


def summary(indicators):
    return [(i["id"], i["metric_key"], i["target"]) for i in indicators]


async def test_add_update_remove_on_a_draft(api):
    b = await create_behavior(api, "draft-indicators")
    bid, first = b["id"], b["content"]["indicators"][0]

    r = await api.post(f"/v1/behaviors/{bid}/indicators", json=indicator(
        "demos_given", 3, kind="proficiency", comparator="lte", period="quarter"))
    assert r.status_code == 201, r.text
    added = r.json()
    assert set(added) == {"id", "metric_key", "kind", "target", "comparator", "period"}
    assert (added["metric_key"], added["kind"], added["target"], added["comparator"], added["period"]) == (
        "demos_given", "proficiency", 3.0, "lte", "quarter")
    assert added["id"] != first["id"]

    r = await api.patch(f"/v1/behaviors/{bid}/indicators/{added['id']}", json={"target": 4.5, "period": "week"})
    assert r.status_code == 200, r.text
    assert r.json() == {**added, "target": 4.5, "period": "week"}

    got = (await api.get(f"/v1/behaviors/{bid}")).json()
    assert (got["status"], got["version"], got["draft_version"]) == ("draft", None, 1)
    assert summary(got["content"]["indicators"]) == [
        (first["id"], "calls_made", 5.0), (added["id"], "demos_given", 4.5)]

    r = await api.delete(f"/v1/behaviors/{bid}/indicators/{first['id']}")
    assert r.status_code == 204 and r.content == b""
    got = (await api.get(f"/v1/behaviors/{bid}")).json()
    assert summary(got["content"]["indicators"]) == [(added["id"], "demos_given", 4.5)]
    problem(await api.delete(f"/v1/behaviors/{bid}/indicators/{first['id']}"), 404)

    # without any indicator left, publishing is refused
    assert (await api.delete(f"/v1/behaviors/{bid}/indicators/{added['id']}")).status_code == 204
    problem(await api.post(f"/v1/behaviors/{bid}/publish"), 409)


async def test_new_indicators_go_after_the_existing_ones(api):
    b = await create_behavior(api, "ordered", indicators=[indicator("a_metric"), indicator("b_metric")])
    bid = b["id"]
    await api.delete(f"/v1/behaviors/{bid}/indicators/{b['content']['indicators'][0]['id']}")
    await api.post(f"/v1/behaviors/{bid}/indicators", json=indicator("c_metric"))
    await api.post(f"/v1/behaviors/{bid}/indicators", json=indicator("d_metric"))
    got = (await api.get(f"/v1/behaviors/{bid}")).json()
    assert [i["metric_key"] for i in got["content"]["indicators"]] == ["b_metric", "c_metric", "d_metric"]


async def test_on_an_active_behaviour_changes_go_into_a_new_draft_and_keep_ids(api):
    b = await active_behavior(api, "live-indicators", indicators=[indicator("calls_made", 5),
                                                                 indicator("emails_sent", 20)])
    bid = b["id"]
    calls, emails = b["content"]["indicators"]
    v1 = summary(b["content"]["indicators"])

    r = await api.patch(f"/v1/behaviors/{bid}/indicators/{calls['id']}", json={"target": 8})
    assert r.status_code == 200, r.text
    assert (r.json()["id"], r.json()["target"]) == (calls["id"], 8.0)
    r = await api.post(f"/v1/behaviors/{bid}/indicators", json=indicator("meetings_booked", 2))
    assert r.status_code == 201
    meetings = r.json()
    assert (await api.delete(f"/v1/behaviors/{bid}/indicators/{emails['id']}")).status_code == 204

    got = (await api.get(f"/v1/behaviors/{bid}")).json()
    assert (got["status"], got["version"], got["draft_version"]) == ("active", 1, 2)
    assert summary(got["content"]["indicators"]) == v1  # the published version is untouched
    assert summary(got["draft"]["indicators"]) == [(calls["id"], "calls_made", 8.0),
                                                   (meetings["id"], "meetings_booked", 2.0)]

    published = await publish(api, bid)
    assert published["version"] == 2
    assert summary(published["content"]["indicators"]) == [(calls["id"], "calls_made", 8.0),
                                                           (meetings["id"], "meetings_booked", 2.0)]
    versions = (await api.get(f"/v1/behaviors/{bid}/versions")).json()
    assert summary(versions[0]["indicators"]) == v1
    assert summary(versions[1]["indicators"]) == summary(published["content"]["indicators"])

    # the same indicator (same id) can be changed again in version 3; version 2 keeps its value
    r = await api.patch(f"/v1/behaviors/{bid}/indicators/{calls['id']}", json={"target": 10})
    assert r.status_code == 200
    got = (await api.get(f"/v1/behaviors/{bid}")).json()
    assert got["draft_version"] == 3
    assert summary(got["draft"]["indicators"])[0] == (calls["id"], "calls_made", 10.0)
    assert summary(got["content"]["indicators"])[0] == (calls["id"], "calls_made", 8.0)
    # an indicator that was removed in version 2 is not in the draft any more
    problem(await api.patch(f"/v1/behaviors/{bid}/indicators/{emails['id']}", json={"target": 1}), 404)


async def test_a_rejected_indicator_change_opens_no_draft(api):
    b = await active_behavior(api, "no-stray-draft")
    ind = b["content"]["indicators"][0]
    invalid(await api.patch(f"/v1/behaviors/{b['id']}/indicators/{ind['id']}", json={"target": None}),
            "body.target", "not_null")
    problem(await api.patch(f"/v1/behaviors/{b['id']}/indicators/{uuid.uuid4()}", json={"target": 1}), 404)
    problem(await api.delete(f"/v1/behaviors/{b['id']}/indicators/{uuid.uuid4()}"), 404)
    got = (await api.get(f"/v1/behaviors/{b['id']}")).json()
    assert (got["draft_version"], got["draft"]) == (None, None)
    assert got == b


async def test_update_rejects_null_for_every_field(api):
    b = await create_behavior(api, "null-indicator")
    ind = b["content"]["indicators"][0]
    for field in ("metric_key", "kind", "target", "comparator", "period"):
        r = await api.patch(f"/v1/behaviors/{b['id']}/indicators/{ind['id']}", json={field: None})
        err = invalid(r, f"body.{field}", "not_null")
        assert err["message"] == f"{field} cannot be null"
    assert (await api.get(f"/v1/behaviors/{b['id']}")).json()["content"]["indicators"] == [ind]


async def test_indicator_values_are_validated(api):
    b = await create_behavior(api, "validated-indicators")
    url = f"/v1/behaviors/{b['id']}/indicators"
    invalid(await api.post(url, json=indicator("Calls-Made")), "body.metric_key", "string_pattern_mismatch")
    invalid(await api.post(url, json=indicator("x")), "body.metric_key", "string_pattern_mismatch")  # too short
    invalid(await api.post(url, json=indicator("a" * 65)), "body.metric_key", "string_too_long")
    invalid(await api.post(url, json=indicator("observed_level:" + "a" * 50)), "body.metric_key", "string_too_long")
    for bad in ("observed_level:", "observed_level:Discovery", ":discovery", "observed_level:a:b"):
        invalid(await api.post(url, json=indicator(bad)), "body.metric_key", "string_pattern_mismatch")
    invalid(await api.post(url, json=indicator(target=-1)), "body.target", "value_error")
    invalid(await api.post(url, json=indicator(target=1e13)), "body.target", "value_error")
    invalid(await api.post(url, json=indicator(target="many")), "body.target", "float_parsing")
    invalid(await api.post(url, json=indicator(kind="vibes")), "body.kind", "literal_error")
    invalid(await api.post(url, json=indicator(comparator="eq")), "body.comparator", "literal_error")
    invalid(await api.post(url, json=indicator(period="day")), "body.period", "literal_error")
    invalid(await api.post(url, json={"metric_key": "calls_made", "kind": "activity"}), "body.target", "missing")
    # Python's JSON parser accepts NaN and Infinity literals; they must not reach the database
    for literal in (b"NaN", b"Infinity", b"-Infinity"):
        raw = b'{"metric_key": "calls_made", "kind": "activity", "target": ' + literal + b"}"
        r = await api.post(url, content=raw, headers={"content-type": "application/json"})
        err = invalid(r, "body.target", "finite_number")
        assert "finite" in err["message"]
    ind = b["content"]["indicators"][0]
    patch_url = f"{url}/{ind['id']}"
    invalid(await api.patch(patch_url, json={"target": -0.5}), "body.target", "value_error")
    invalid(await api.patch(patch_url, json={"metric_key": "Bad Key"}), "body.metric_key", "string_pattern_mismatch")
    r = await api.patch(patch_url, content=b'{"target": NaN}', headers={"content-type": "application/json"})
    invalid(r, "body.target", "finite_number")
    # the edges are allowed
    assert (await api.post(url, json=indicator("zero_target", 0))).status_code == 201
    assert (await api.post(url, json=indicator("huge_target", 1e12))).status_code == 201
    # a metric family's member: the level coaches observe on a behaviour (64 characters at most)
    assert (await api.post(url, json=indicator("observed_level:exec.sponsor-map", 3))).status_code == 201
    got = (await api.get(f"/v1/behaviors/{b['id']}")).json()["content"]["indicators"]
    assert [(i["metric_key"], i["target"]) for i in got] == [
        ("calls_made", 5.0), ("zero_target", 0.0), ("huge_target", 1e12), ("observed_level:exec.sponsor-map", 3.0)]


async def test_at_most_20_indicators(api):
    b = await create_behavior(api, "many", indicators=[indicator(f"metric_{n:02d}") for n in range(20)])
    assert len(b["content"]["indicators"]) == 20
    problem(await api.post(f"/v1/behaviors/{b['id']}/indicators", json=indicator("one_more")), 409)
    r = await api.post("/v1/behaviors", json={"key": "too-many", "name": "x", "audience": ["seller"],
                                               "indicators": [indicator(f"metric_{n:02d}") for n in range(21)]})
    invalid(r, "body.indicators", "too_long")


async def test_indicator_of_another_behaviour_is_404(api):
    one = await create_behavior(api, "one")
    two = await create_behavior(api, "two")
    other = two["content"]["indicators"][0]["id"]
    problem(await api.patch(f"/v1/behaviors/{one['id']}/indicators/{other}", json={"target": 1}), 404)
    problem(await api.delete(f"/v1/behaviors/{one['id']}/indicators/{other}"), 404)
    problem(await api.post(f"/v1/behaviors/{uuid.uuid4()}/indicators", json=indicator()), 404)
    assert (await api.get(f"/v1/behaviors/{two['id']}")).json() == two
