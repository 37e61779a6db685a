async def test_rest_and_graphql_through_the_gateway(api, gql):
    r = await api.post("/v1/objectives", json={"name": "Sell to the C-suite"})
    assert r.status_code == 201
    assert r.headers["location"].startswith("/api/behaviors/v1/objectives/")
    data = await gql("""mutation($input: BehaviorInput!) { createBehavior(input: $input) {
        __typename ... on Behavior { id key status name indicators { metricKey target } } } }""",
                     input={"key": "cio-meetings", "name": "Meet the CIO", "audience": ["SELLER"],
                            "indicators": [{"metricKey": "c_level_meetings", "kind": "ACTIVITY", "target": 2}]})
    created = data["createBehavior"]
    assert created["__typename"] == "Behavior" and created["status"] == "DRAFT"
    data = await gql("query($key: String!) { behavior(key: $key) { id name versions { number } } }",
                     key="cio-meetings")
    assert data["behavior"]["id"] == created["id"]
