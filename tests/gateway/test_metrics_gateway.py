"""Metric definitions through GraphQL: the catalogue, tenant metrics, typed failures, indicators' metrics."""

from gateway.resolvers.metrics import MetricsMutation
from tests.gateway.helpers import PROBLEM, client_for, create_behavior, mutation_names, result

METRIC = "key name kind aggregation source types filters { attribute values } field numerator denominator builtin"
DEFINE = f"""mutation($input: MetricInput!) {{ defineMetric(input: $input) {{ {PROBLEM}
    ... on Metric {{ {METRIC} }} }} }}"""
CFO = {"key": "cfo_meetings", "name": "Meetings with a CFO", "kind": "ACTIVITY", "aggregation": "COUNT",
       "types": ["meeting"], "filters": [{"attribute": "contact_title", "values": ["CFO", "Finance director"]}]}


async def test_catalogue_and_tenant_metrics(gql):
    data = await gql(f"{{ metrics {{ {METRIC} }} }}")
    keys = {m["key"]: m for m in data["metrics"]}
    assert {"calls", "meetings", "c_level_meetings", "wins", "win_rate", "training_completions"} <= set(keys)
    assert keys["win_rate"]["aggregation"] == "RATIO" and keys["win_rate"]["builtin"] is True
    defined = result(await gql(DEFINE, input=CFO), "defineMetric", "Metric")
    assert defined["filters"] == [{"attribute": "contact_title", "values": ["CFO", "Finance director"]}]
    assert defined["builtin"] is False
    ratio = {"key": "cfo_share", "name": "CFO share of meetings", "kind": "PROFICIENCY", "aggregation": "RATIO",
             "numerator": "cfo_meetings", "denominator": "meetings"}
    assert result(await gql(DEFINE, input=ratio), "defineMetric", "Metric")["numerator"] == "cfo_meetings"
    data = await gql(f'{{ metric(key: "cfo_share") {{ {METRIC} }} missing: metric(key: "nope") {{ key }} }}')
    assert data["metric"]["denominator"] == "meetings" and data["missing"] is None
    # the failures are typed
    assert result(await gql(DEFINE, input=CFO), "defineMetric", "Conflict")
    bad = {**ratio, "key": "by_amount", "denominator": "avg_deal_size"}
    assert result(await gql(DEFINE, input=bad), "defineMetric", "ValidationProblem")
    twice = [{"attribute": "a", "values": [1]}, {"attribute": "a", "values": [2]}]
    dup = {**CFO, "key": "dup_filters", "filters": twice}
    problem = result(await gql(DEFINE, input=dup), "defineMetric", "ValidationProblem")
    assert problem["fields"][0]["code"] == "duplicate_attribute"
    shapeless = {**CFO, "key": "no_types", "types": []}
    assert result(await gql(DEFINE, input=shapeless), "defineMetric", "ValidationProblem")
    # delete
    data = await gql(f'mutation {{ deleteMetric(key: "cfo_share") {{ {PROBLEM} ... on Deleted {{ id }} }} }}')
    assert data["deleteMetric"] == {"__typename": "Deleted", "id": "cfo_share"}
    data = await gql(f'mutation {{ deleteMetric(key: "cfo_share") {{ {PROBLEM} }} }}')
    assert data["deleteMetric"]["__typename"] == "NotFound"


async def test_an_indicator_resolves_its_metric_in_one_batch(stack, gql):
    for n in range(3):
        await create_behavior(gql, f"metric-{n}", indicators=[{"metricKey": "meetings", "kind": "ACTIVITY",
                                                                "target": 3}, {"metricKey": "win_rate",
                                                                               "kind": "PROFICIENCY", "target": 0.3}])
    stack.calls.clear()
    data = await gql("{ behaviors { items { indicators { metricKey metric { name aggregation } } } } }")
    for behavior in data["behaviors"]["items"]:
        assert [i["metric"]["aggregation"] for i in behavior["indicators"]] == ["COUNT", "RATIO"]
    assert sorted(r.url.path for r in stack.calls) == ["/v1/behaviors", "/v1/metrics"]


async def test_metric_writes_need_the_scope(stack, tenant):
    assert mutation_names(MetricsMutation) == {"defineMetric", "deleteMetric", "setSourceAlias", "removeSourceAlias"}
    reader = client_for(stack, await stack.key(tenant, "metrics:read"))
    async with reader.client:
        data = await reader(DEFINE, input=CFO)
        assert data["defineMetric"]["__typename"] == "Forbidden"
        data = await reader(f'mutation {{ deleteMetric(key: "calls") {{ {PROBLEM} }} }}')
        assert data["deleteMetric"]["__typename"] == "Forbidden"
        data = await reader(f'mutation {{ setSourceAlias(source: "salesforce", target: "crm") {{ {PROBLEM} }} }}')
        assert data["setSourceAlias"]["__typename"] == "Forbidden"
        data = await reader(f'mutation {{ removeSourceAlias(source: "salesforce") {{ {PROBLEM} }} }}')
        assert data["removeSourceAlias"]["__typename"] == "Forbidden"
        assert len((await reader("{ metrics { key } }"))["metrics"]) > 10
