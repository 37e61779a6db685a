"""GET /v1/impact with employment dates and without a comparison group, end to end on the simulation study's own
orgs (bench/impact_scenarios.py): the REST answer is the pure estimators' answer over what the study builds, so the
study's coverage is the service's.

- Hires and leavers: a person counts for a treated day only when employed on every day of its pre and post windows;
  a leaver (inactive, left on a known day) still counts for the windows before leaving.
- A company-wide kickoff (a date, no team_of): an interrupted time series with its placebo (its.py).
"""

import random
import uuid
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from bench.impact_scenarios import Org, cohorts_of, company_kickoff, seasonal_staggered, series_of
from services.metrics import its
from services.metrics.impact import ImpactEstimate, analyse
from tests.metrics.test_impact_api import at, set_dates
from tests.metrics.test_scorecards import put


@pytest.fixture(autouse=True)
def _dates() -> None:
    set_dates()


def today() -> date:
    from tests.metrics import test_impact_api

    return test_impact_api.TODAY


async def load(metrics: httpx.AsyncClient, org: Org, start: date, period_days: int) -> dict[str, uuid.UUID]:
    """The org's people (with their employment dates) and counts (a period's count on its first day)."""
    ids = {p.pid: uuid.uuid4() for p in org.people}

    def person(p: Any) -> dict[str, Any]:
        out = {"id": str(ids[p.pid]), "version": 1, "name": p.pid, "roles": ["seller"]}
        if p.hired is not None:
            out["hired_on"] = (start + timedelta(days=period_days * p.hired)).isoformat()
        if p.left is not None:  # the last day of the last period employed; gone from the directory's active list
            out["left_on"] = (start + timedelta(days=period_days * p.left + period_days - 1)).isoformat()
            out["active"] = False
        return out

    await put(metrics, "people", [person(p) for p in org.people])
    items = [{"external_id": f"s{p.pid}-{d}-{k}", "source": "hubspot", "type": "meeting",
              "person_id": str(ids[p.pid]), "occurred_at": at(start + timedelta(days=period_days * d)),
              "source_updated_at": at(start + timedelta(days=period_days * d))}
             for p in org.people for d, count in enumerate(p.values) for k in range(int(count))]
    for i in range(0, len(items), 5000):
        r = await metrics.post("/v1/activities", json={"items": items[i:i + 5000]})
        assert r.status_code == 200 and r.json()["rejected"] == 0, r.text
    return ids


async def test_hires_and_leavers_count_only_while_employed(metrics):
    # the seasonal, staggered scenario with a third of the people hired or leaving inside the span
    drawn = seasonal_staggered(random.Random("2026/employment/e2e"), 0.0, hires=0.3, leavers=0.3)
    org = Org(tuple(p for p in drawn.people[:14] + drawn.people[30:50]), drawn.window, 0.0, False)
    assert any(p.hired is not None for p in org.people) and any(p.left is not None for p in org.people)
    weeks = len(org.people[0].values)
    start = today() - timedelta(days=7 * weeks + 1)
    ids = await load(metrics, org, start, 7)
    completions = [{"external_id": f"c-{p.pid}", "lms": "cornerstone", "person_id": str(ids[p.pid]),
                    "course_id": "staffed", "course_title": "Staffed", "status": "passed",
                    "completed_at": at(start + timedelta(days=7 * p.treated))} for p in org.people if p.treated]
    r = await metrics.post("/v1/completions", json={"items": completions})
    assert r.status_code == 200 and r.json()["rejected"] == 0, r.text

    r = await metrics.get("/v1/impact", params={"metric": "meetings", "course_id": "staffed", "window_days": 28})
    assert r.status_code == 200, r.text
    found = r.json()
    cohorts = cohorts_of(org)
    expected = analyse(cohorts)
    assert isinstance(expected, ImpactEstimate)
    assert (found["treated_size"], found["comparison_size"], found["cohorts"]) == (
        expected.treated_size, expected.comparison_size, expected.cohorts)
    for key in ("effect", "low", "high", "standard_error", "df", "treated_pre", "comparison_pre", "comparison_post"):
        assert found[key] == pytest.approx(getattr(expected, key)), key
    # brute force: the treated people not employed throughout their windows are left out and counted
    w = org.window
    not_employed = sum(1 for p in org.people if p.treated is not None and not p.employed(p.treated - w,
                                                                                          p.treated + w - 1))
    assert found["not_employed"] == not_employed > 0
    # leavers serve for the windows before they left: nobody is dropped because they left later
    served = {r.person_id for c in cohorts for r in c.comparison}
    assert any(p.left is not None and p.pid in served for p in org.people)
    assert found["design"] == "comparison_group"
    placebo = found["placebo"]
    assert placebo["shift_days"] == 28 and placebo["day"] == (date.fromisoformat(found["comparison_day"])
                                                              - timedelta(days=28)).isoformat()


async def test_a_company_wide_kickoff_is_an_interrupted_time_series(metrics, gql):
    drawn = company_kickoff(random.Random("2026/company_kickoff/e2e"), 0.0, people=6)
    days = len(drawn.people[0].values)
    start = today() - timedelta(days=days + 1)
    org = Org(drawn.people, drawn.window, 0.0, False, start)
    await load(metrics, org, start, 1)
    day = start + timedelta(days=drawn.people[0].treated or 0)
    r = await metrics.get("/v1/impact", params={"metric": "meetings", "date": day.isoformat(), "window_days": 28})
    assert r.status_code == 200, r.text
    found = r.json()
    expected, placebo = its.with_placebo(series_of(org), start, day, 28)
    assert (found["design"], found["method"], found["inference_unit"]) == ("interrupted_time_series", "its_t",
                                                                           "window")
    assert (found["treated_size"], found["comparison_size"], found["backtests"]) == (6, 0, its.BACKTESTS)
    for key, value in (("effect", expected.effect), ("low", expected.low), ("high", expected.high),
                       ("treated_post", expected.actual_post), ("comparison_post", expected.predicted_post),
                       ("standard_error", expected.standard_error)):
        assert found[key] == pytest.approx(value), key
    assert found["placebo"]["effect"] == pytest.approx(placebo.effect)
    assert found["placebo"]["holds"] == (placebo.low <= 0 <= placebo.high)
    assert found["placebo"]["day"] == (day - timedelta(days=28)).isoformat()
    data = await gql("""query($day: Date!) { impact(metric: "meetings", date: $day, windowDays: 28) { __typename
        ... on ImpactEstimate { design method effect low high backtests trainingDays comparisonSize
                                placebo { effect holds } } } }""", day=day.isoformat())
    assert data["impact"] == {
        "__typename": "ImpactEstimate", "design": "INTERRUPTED_TIME_SERIES", "method": "its_t",
        "effect": pytest.approx(expected.effect), "low": pytest.approx(expected.low),
        "high": pytest.approx(expected.high), "backtests": its.BACKTESTS, "trainingDays": its.TRAINING_DAYS,
        "comparisonSize": 0, "placebo": {"effect": pytest.approx(placebo.effect),
                                         "holds": placebo.low <= 0 <= placebo.high}}

    # a ratio has no time series yet; a date without the history the model needs is refused, saying so
    r = await metrics.get("/v1/impact", params={"metric": "win_rate", "date": day.isoformat()})
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "no_comparison_for_ratio", r.text
    early = start + timedelta(days=100)
    r = await metrics.get("/v1/impact", params={"metric": "meetings", "date": early.isoformat()})
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "history_too_short", r.text
    assert r.headers["content-type"] == "application/problem+json"
