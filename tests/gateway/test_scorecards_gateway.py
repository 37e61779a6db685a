"""Scorecards, adoption and impact through GraphQL: the same figures as the metrics REST, in one batch call
for a list of people, and typed refusals."""

from datetime import timedelta
from typing import Any

import httpx
import pytest

from tests.conftest import Stack, Tenant
from tests.gateway.coaching_docs import create_person
from tests.metrics import test_coaching_figures, test_impact_api, test_scorecards
from tests.metrics.test_impact_api import PLANTED_PER_DAY, WINDOW, plant
from tests.metrics.test_scorecards import BEHAVIORS, build, put


@pytest.fixture(autouse=True)
def _dates() -> None:
    # the borrowed helpers read their modules' dates, set per test
    for module in (test_scorecards, test_coaching_figures, test_impact_api):
        module.set_dates()


@pytest.fixture
async def metrics(stack: Stack, tenant: Tenant):
    """The metrics REST with an admin key that also names `metrics:internal` (no other scope implies it)."""
    async with stack.client(await stack.key(tenant, "admin", "metrics:internal")) as client:
        client.base_url = httpx.URL("http://uplift/api/metrics")
        yield client


CARD = """personId teamOf memberIds period { kind start end days elapsedDays } previous { start end }
  behaviors { key name behaviorId indicators { metricKey kind comparator indicatorPeriod target expected actual gap
    status previousActual trend members meeting metric { name } } }"""


def snake(card: dict[str, Any]) -> dict[str, Any]:
    """The GraphQL card in the REST shape, to compare the two."""
    return {"period": {"kind": card["period"]["kind"].lower(), "start": card["period"]["start"],
                       "end": card["period"]["end"]},
            "behaviors": [{"key": b["key"], "indicators": [
                {"metric_key": i["metricKey"], "actual": i["actual"], "expected": i["expected"],
                 "status": i["status"].lower(), "trend": i["trend"].lower(), "meeting": i["meeting"]}
                for i in b["indicators"]]} for b in card["behaviors"]]}


def rest(card: dict[str, Any]) -> dict[str, Any]:
    return {"period": {k: card["period"][k] for k in ("kind", "start", "end")},
            "behaviors": [{"key": b["key"], "indicators": [
                {k: i[k] for k in ("metric_key", "actual", "expected", "status", "trend", "meeting")}
                for i in b["indicators"]]} for b in card["behaviors"]]}


async def test_scorecard_and_adoption_match_the_rest_answers(gql, metrics):
    org = await build(metrics)
    for args, params in (({"personId": str(org.sellers[0])}, {"person_id": str(org.sellers[0])}),
                         ({"teamOf": str(org.manager)}, {"team_of": str(org.manager)})):
        for period in ("WEEK", "MONTH", "LAST_28_DAYS", "LAST_90_DAYS"):
            data = await gql(f"""query($p: ID, $t: ID, $period: ScorecardPeriod!) {{ scorecard(personId: $p, teamOf: $t,
                period: $period) {{ {CARD} }} }}""", p=args.get("personId"), t=args.get("teamOf"), period=period)
            expected = (await metrics.get("/v1/scorecard", params={**params, "period": period.lower()})).json()
            assert snake(data["scorecard"]) == rest(expected)
            assert data["scorecard"]["memberIds"] == expected["members"]
            assert {b["key"] for b in data["scorecard"]["behaviors"]} <= {b["key"] for b in BEHAVIORS}
    for period in ("MONTH", "LAST_28_DAYS"):
        data = await gql("""query($t: ID!, $period: ScorecardPeriod!) { adoption(behaviorKey: "exec-meetings",
            teamOf: $t, period: $period) { behaviorKey audienceSize audienceIds period { kind days }
            indicators { metricKey meeting share } } }""", t=str(org.manager), period=period)
        expected = (await metrics.get("/v1/adoption", params={"behavior_key": "exec-meetings", "period": period.lower(),
                                                              "team_of": str(org.manager)})).json()
        assert data["adoption"]["period"] == {"kind": period, "days": expected["period"]["days"]}
        assert data["adoption"]["audienceSize"] == len(expected["audience"])
        assert data["adoption"]["audienceIds"] == expected["audience"]
        assert [(i["metricKey"], i["meeting"], i["share"]) for i in data["adoption"]["indicators"]] == [
            (i["metric_key"], i["meeting"], i["share"]) for i in expected["indicators"]]
    body = (await gql.raw('{ scorecard(period: WEEK) { personId } }')).json()
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_people_scorecards_are_one_batch_call(stack, gql, metrics):
    people = [await create_person(gql, f"Seller {n}") for n in range(4)]
    await put(metrics, "people", [{"id": p["id"], "version": 1, "name": p["name"], "roles": ["seller"]}
                                  for p in people])
    await put(metrics, "behaviors", [{"id": "0190b0c4-0000-7000-8000-00000000000b", "version": 1,
                                      **{**BEHAVIORS[0], "indicators": [{"id": "0190b0c4-0000-7000-8000-00000000000c",
                                                                         **BEHAVIORS[0]["indicators"][0]}]}}])
    stack.calls.clear()
    data = await gql("{ people { items { name scorecard(period: MONTH) { behaviors { key indicators { status } } } } }"
                     " }")
    assert [p["scorecard"]["behaviors"][0]["key"] for p in data["people"]["items"]] == ["exec-meetings"] * 4
    assert sorted(r.url.path for r in stack.calls) == ["/v1/people", "/v1/scorecards"]


async def test_impact_through_graphql(gql, metrics):
    org = await plant(metrics)
    query = """query($course: String!) { impact(metric: "meetings", courseId: $course, windowDays: 28) {
        __typename ... on ImpactEstimate { effect low high unit treatedSize comparisonSize method inferenceUnit
                                           cohorts weighting denominators { treatedPre } design notEmployed
                                           placebo { day shiftDays effect low high holds note } }
        ... on ImpactRefused { reason treatedSize comparisonSize minGroup }
        ... on ValidationProblem { fields { field code } } } }"""
    found = (await gql(query, course="exec-conversations"))["impact"]
    assert found["__typename"] == "ImpactEstimate"
    assert found["low"] <= PLANTED_PER_DAY * WINDOW <= found["high"]
    assert found["unit"] == "meetings per person per 28 days"
    assert (found["method"], found["inferenceUnit"], found["weighting"], found["denominators"]) == (
        "welch_t", "person", None, None)
    assert found["cohorts"] == len(set(org["treated"].values()))
    assert (found["design"], found["notEmployed"]) == ("COMPARISON_GROUP", 0)
    assert found["placebo"]["shiftDays"] == 28 and found["placebo"]["holds"] is True, found["placebo"]
    kickoff = """query($day: Date!, $team: ID!, $unit: InferenceUnit!) {
        impact(metric: "meetings", date: $day, teamOf: $team, windowDays: 28, unit: $unit) {
        __typename ... on ImpactDescriptive { effect inferenceUnit treatedUnits comparisonUnits note }
        ... on ImpactEstimate { effect inferenceUnit low } } }"""
    variables = {"day": org["kickoff"].isoformat(), "team": str(org["manager"])}
    described = (await gql(kickoff, **variables, unit="AUTO"))["impact"]
    assert described["__typename"] == "ImpactDescriptive", described
    assert (described["inferenceUnit"], described["treatedUnits"], described["comparisonUnits"]) == ("team", 1, 18)
    estimated = (await gql(kickoff, **variables, unit="PERSON"))["impact"]
    assert (estimated["__typename"], estimated["inferenceUnit"]) == ("ImpactEstimate", "person")
    assert estimated["effect"] == described["effect"] and estimated["low"] > 0
    refused = (await gql(query, course="rare"))["impact"]
    assert refused == {"__typename": "ImpactRefused", "reason": "treated_group_too_small", "treatedSize": 3,
                       "comparisonSize": 33, "minGroup": 5}
    # everybody kicked off (a date without teamOf): a time series, which needs more history than these 140 days
    data = await gql("""query($day: Date!) { impact(metric: "meetings", date: $day) { __typename
        ... on ValidationProblem { fields { field code } } } }""", day=org["kickoff"].isoformat())
    assert data["impact"] == {"__typename": "ValidationProblem", "fields": [{"field": "date",
                                                                             "code": "history_too_short"}]}
    data = await gql("""{ impact(metric: "meetings", programmeId: "nope") { __typename
        ... on ValidationProblem { fields { field code } } } }""")
    assert data["impact"] == {"__typename": "ValidationProblem", "fields": [{"field": "programmeId",
                                                                             "code": "invalid_id"}]}


async def test_series_and_evidence_match_the_rest_answers(stack, gql, metrics):
    org = await build(metrics)
    today = test_scorecards.TODAY
    window = {"from": (today - timedelta(days=120)).isoformat(), "to": today.isoformat()}
    for args, params in (({"personId": str(org.sellers[0])}, {"person_id": str(org.sellers[0])}),
                         ({"teamOf": str(org.manager)}, {"team_of": str(org.manager)})):
        for grain in ("DAY", "WEEK", "MONTH"):
            data = await gql("""query($p: ID, $t: ID, $g: Grain!, $from: Date!, $to: Date!) {
                series(metric: "win_rate", personId: $p, teamOf: $t, grain: $g, from: $from, to: $to) {
                  metricKey grain starts values numerators denominators members } }""",
                             p=args.get("personId"), t=args.get("teamOf"), g=grain, **window)
            expected = (await metrics.get("/v1/series", params={**params, "metric": "win_rate",
                                                                "grain": grain.lower(), **window})).json()
            got = data["series"]
            assert (got["starts"], got["values"], got["numerators"], got["denominators"], got["members"]) == (
                expected["starts"], expected["values"], expected["numerators"], expected["denominators"],
                expected.get("members"))
    data = await gql("""query($p: ID!, $from: Date!, $to: Date!) { evidence(metric: "meetings", personId: $p,
        from: $from, to: $to, first: 5) { items { type occurredAt countsIn } nextCursor } }""",
                     p=str(org.sellers[0]), **window)
    assert len(data["evidence"]["items"]) == 5 and data["evidence"]["nextCursor"]
    assert {e["type"] for e in data["evidence"]["items"]} == {"meeting"}


async def test_people_series_are_one_call_per_metric(stack, gql, metrics):
    people = [await create_person(gql, f"Seller {n}") for n in range(3)]
    await put(metrics, "people", [{"id": p["id"], "version": 1, "name": p["name"], "roles": ["seller"]}
                                  for p in people])
    items = [{"external_id": f"x{n}", "source": "crm", "type": "call", "person_id": p["id"],
              "occurred_at": "2026-10-05T10:00:00Z", "source_updated_at": "2026-10-05T10:00:00Z"}
             for n, p in enumerate(people * 2)]
    assert (await metrics.post("/v1/activities", json={"items": items})).json()["created"] == 6
    stack.calls.clear()
    data = await gql("""{ people { items { calls: series(metric: "calls", from: "2026-10-01", to: "2026-10-31",
        grain: MONTH) { values } emails: series(metric: "emails", from: "2026-10-01", to: "2026-10-31",
        grain: MONTH) { values } } } }""")
    assert [(p["calls"]["values"], p["emails"]["values"]) for p in data["people"]["items"]] == [([2.0], [0.0])] * 3
    assert sorted(r.url.path for r in stack.calls) == ["/v1/people", "/v1/series", "/v1/series"]


async def test_coaching_figures_through_graphql(gql, metrics):
    from tests.metrics.test_coaching_figures import plant as plant_sessions

    await plant_sessions(metrics)
    today = test_scorecards.TODAY
    window = {"from": (today - timedelta(days=30)).isoformat(), "to": today.isoformat()}
    data = await gql("""query($from: Date!, $to: Date!) { coachingFigures(from: $from, to: $to, groupBy: SELLER) {
        personId sessionsHeld rated averageRating { relevant } agreedActionShare } }""", **window)
    expected = (await metrics.get("/v1/coaching-figures", params={**window, "group_by": "seller"})).json()["rows"]
    assert [(r["personId"], r["sessionsHeld"], r["rated"], r["averageRating"]["relevant"]) for r in
            data["coachingFigures"]] == [(r["person_id"], r["sessions_held"], r["rated"],
                                          r["average_rating"]["relevant"]) for r in expected]
    assert len(expected) == 6
