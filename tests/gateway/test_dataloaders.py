"""DataLoader flatness: the number of service calls of a query does not grow with the list."""

from urllib.parse import parse_qs

import httpx

from tests.gateway.helpers import add_scenario, behavior_op, create_behavior, create_objective, downstream, publish

NESTED = """{ behaviors(first: 200) { items { key objective { name } scenarios { title } versions { number } } } }"""


async def make(gql, start: int, count: int) -> dict[str, tuple[str, list[str], list[int]]]:
    """`count` behaviours, each with its own objective, two scenarios and (every other one) a second version."""
    made = {}
    for n in range(start, start + count):
        objective = await create_objective(gql, f"Objective {n}")
        behavior = await create_behavior(gql, f"flat-{n:02d}", objectiveId=objective["id"])
        titles = [f"Scenario {n}a", f"Scenario {n}b"]
        for title in titles:
            await add_scenario(gql, behavior["id"], title)
        versions = [1]
        if n % 2:
            await publish(gql, behavior["id"])
            revised = await behavior_op(gql, "updateBehavior", behavior["id"], input={"priority": 1})
            assert revised["draftVersion"] == 2
            versions = [1, 2]
        made[behavior["id"]] = (f"Objective {n}", titles, versions)
    return made


def params(request) -> dict[str, list[str]]:
    return parse_qs(request.url.query.decode())


async def run(stack, gql, made) -> list[httpx.Request]:
    stack.calls.clear()
    data = await gql(NESTED)
    items = data["behaviors"]["items"]
    assert len(items) == len(made)
    for item, (objective, titles, versions) in zip(items, made.values(), strict=True):
        assert item["objective"] == {"name": objective}
        assert [s["title"] for s in item["scenarios"]] == titles
        assert [v["number"] for v in item["versions"]] == versions
    return list(stack.calls)


async def test_nested_list_makes_the_same_few_calls_for_3_and_12_behaviors(stack, gql):
    made = await make(gql, 0, 3)
    small = await run(stack, gql, made)
    made |= await make(gql, 3, 9)
    large = await run(stack, gql, made)

    expected = sorted([("GET", "/v1/behaviors"), ("GET", "/v1/objectives"), ("GET", "/v1/scenarios"),
                       ("GET", "/v1/behavior-versions")])
    assert len(small) == len(large) == 4, (downstream(stack), small)
    assert sorted((r.method, r.url.path) for r in small) == expected
    assert sorted((r.method, r.url.path) for r in large) == expected

    by_path = {r.url.path: params(r) for r in large}
    behavior_ids = set(made)
    assert set(by_path["/v1/scenarios"]["behavior_ids"]) == behavior_ids
    assert set(by_path["/v1/behavior-versions"]["behavior_ids"]) == behavior_ids
    objective_ids = by_path["/v1/objectives"]["ids"]
    assert len(objective_ids) == len(set(objective_ids)) == 12  # one batch, each objective once
    assert by_path["/v1/objectives"]["limit"] == ["12"]


async def test_lookups_in_one_query_are_batched(stack, gql):
    shared = await create_objective(gql, "Shared")
    a = await create_behavior(gql, "batch-a", objectiveId=shared["id"])
    b = await create_behavior(gql, "batch-b", objectiveId=shared["id"])
    await create_behavior(gql, "batch-c")
    stack.calls.clear()
    data = await gql("""query($a: ID!, $b: ID!) {
        a: behavior(id: $a) { key objective { name } }
        b: behavior(id: $b) { key objective { name } }
        bad: behavior(id: "not-a-uuid") { key }
        c: behavior(key: "batch-c") { key objective { name } }
        d: behavior(key: "batch-d") { key } }""", a=a["id"], b=b["id"])
    assert data == {"a": {"key": "batch-a", "objective": {"name": "Shared"}},
                    "b": {"key": "batch-b", "objective": {"name": "Shared"}},
                    "bad": None, "c": {"key": "batch-c", "objective": None}, "d": None}
    calls = {(r.url.path, tuple(sorted(params(r).get("ids", params(r).get("keys", []))))) for r in stack.calls}
    assert calls == {("/v1/behaviors", tuple(sorted([a["id"], b["id"]]))),
                     ("/v1/behaviors", ("batch-c", "batch-d")),
                     ("/v1/objectives", (shared["id"],))}, downstream(stack)
    assert len(stack.calls) == 3


async def test_nothing_to_load_makes_no_batch_call(stack, gql):
    stack.calls.clear()
    data = await gql(NESTED)
    assert data["behaviors"]["items"] == []
    assert downstream(stack) == [("GET", "/v1/behaviors")]
    stack.calls.clear()
    data = await gql('{ behavior(id: "nope") { key } objective(id: "nope") { name } }')
    assert data == {"behavior": None, "objective": None}
    assert stack.calls == []
