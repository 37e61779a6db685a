"""The newcomer's path through GraphQL, read back over REST through the gateway's base URL."""

from tests.gateway.helpers import PROBLEM, behavior_op, create_objective, indicator, publish, result

CREATE = f"""mutation($input: BehaviorInput!) {{ createBehavior(input: $input) {{ {PROBLEM}
    ... on Behavior {{ id key status version draftVersion name objective {{ name }} indicators {{ metricKey }} }}
  }} }}"""

HISTORY = """query($key: String!) { behavior(key: $key) {
    id status version draftVersion name draft { name }
    versions { number published name publishedAt indicators { metricKey target } }
    versionAt(number: 1) { name published }
    latest: versionAt(number: 2) { name published objective { name } }
    missing: versionAt(number: 3) { name } } }"""


async def test_objective_behavior_publish_revise_publish_and_read_over_rest(stack, tenant, gql):
    objective = await create_objective(gql, "Expand in the enterprise segment")
    data = await gql(CREATE, input={
        "key": "exec-sponsor", "name": "Secure an executive sponsor", "audience": ["SELLER", "MANAGER"],
        "objectiveId": objective["id"], "indicators": [indicator("sponsor_meetings", 1, period="MONTH"),
                                                       indicator("sponsor_quality", 3, kind="PROFICIENCY")]})
    created = result(data, "createBehavior", "Behavior")
    assert (created["status"], created["version"], created["draftVersion"]) == ("DRAFT", None, 1)
    assert created["objective"] == {"name": "Expand in the enterprise segment"}
    assert [i["metricKey"] for i in created["indicators"]] == ["sponsor_meetings", "sponsor_quality"]

    v1 = await publish(gql, created["id"])
    assert (v1["status"], v1["version"], v1["draftVersion"]) == ("ACTIVE", 1, None)

    revised = await behavior_op(gql, "updateBehavior", created["id"],
                                input={"name": "Secure and meet an executive sponsor"})
    assert revised["__typename"] == "Behavior"
    assert (revised["status"], revised["version"], revised["draftVersion"]) == ("ACTIVE", 1, 2)
    assert revised["draft"] == {"number": 2, "published": False, "name": "Secure and meet an executive sponsor"}
    assert revised["name"] == "Secure an executive sponsor"  # what people see is still version 1

    data = await gql(HISTORY, key="exec-sponsor")
    pending = data["behavior"]
    assert [(v["number"], v["published"], v["name"]) for v in pending["versions"]] == [
        (1, True, "Secure an executive sponsor"), (2, False, "Secure and meet an executive sponsor")]
    assert pending["versions"][1]["publishedAt"] is None

    v2 = await publish(gql, created["id"])
    assert (v2["version"], v2["draftVersion"], v2["draft"]) == (2, None, None)
    assert v2["name"] == "Secure and meet an executive sponsor"

    data = await gql(HISTORY, key="exec-sponsor")
    b = data["behavior"]
    assert b["id"] == created["id"] and (b["status"], b["version"], b["draftVersion"]) == ("ACTIVE", 2, None)
    assert [(v["number"], v["published"], v["name"]) for v in b["versions"]] == [
        (1, True, "Secure an executive sponsor"), (2, True, "Secure and meet an executive sponsor")]
    assert all(v["publishedAt"] for v in b["versions"])
    assert b["versions"][0]["indicators"] == b["versions"][1]["indicators"] == [
        {"metricKey": "sponsor_meetings", "target": 1.0}, {"metricKey": "sponsor_quality", "target": 3.0}]
    assert b["versionAt"] == {"name": "Secure an executive sponsor", "published": True}
    assert b["latest"] == {"name": "Secure and meet an executive sponsor", "published": True,
                           "objective": {"name": "Expand in the enterprise segment"}}
    assert b["missing"] is None

    # the same behaviour over REST, through the gateway's base URL, with the same key
    async with stack.client(tenant.api_key) as client:
        r = await client.get(f"/api/behaviors/v1/behaviors/{created['id']}")
        assert r.status_code == 200, r.text
        rest = r.json()
        assert (rest["id"], rest["key"], rest["status"], rest["version"]) == (
            created["id"], "exec-sponsor", "active", 2)
        assert rest["content"]["name"] == "Secure and meet an executive sponsor"
        assert rest["content"]["objective_id"] == objective["id"] and rest["draft"] is None
        r = await client.get(f"/api/behaviors/v1/behaviors/{created['id']}/versions/1")
        assert r.status_code == 200 and r.json()["name"] == "Secure an executive sponsor"
