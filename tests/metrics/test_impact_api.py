"""GET /v1/impact on generated evidence with a planted effect: the interval must contain it (and exclude 0),
a placebo course must show none, too small a group is refused with the sizes."""

import random
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx
import pytest

from bench.impact_scenarios import SCENARIOS, Org, cohorts_of
from services.metrics.catalogue import CATALOGUE
from services.metrics.impact import ImpactEstimate, analyse
from services.metrics.impact_service import effect_unit
from tests.metrics.test_scorecards import put

TODAY = date.min  # set per test by `_dates`


def set_dates() -> None:
    """Dates taken when each test starts, not at import: a suite that runs past midnight UTC would
    otherwise compare yesterday's dates with the service's today. Modules that borrow this module's
    helpers call it too."""
    global TODAY
    TODAY = datetime.now(UTC).date()

WINDOW = 28
PLANTED_PER_DAY = 0.3  # extra meetings a day after the course: 8.4 over a 28-day window
TREND_PER_DAY = 0.004  # everyone drifts up a little: difference in differences must take it out


@pytest.fixture(autouse=True)
def _dates() -> None:
    set_dates()
def at(day: date) -> str:
    return datetime.combine(day, time(9), tzinfo=UTC).isoformat()


async def plant(metrics: httpx.AsyncClient, seed: int = 11) -> dict[str, Any]:
    rnd = random.Random(seed)
    sellers = [uuid.uuid4() for _ in range(36)]
    manager = uuid.uuid4()
    await put(metrics, "people", [{"id": str(p), "version": 1, "name": f"S{n}", "roles": ["seller"]}
                                  for n, p in enumerate(sellers)] + [
        {"id": str(manager), "version": 1, "name": "M", "roles": ["manager"]}])
    kickoff_team = sellers[18:36]
    await put(metrics, "reporting-lines", [{"id": str(uuid.uuid4()), "version": 1, "person_id": str(p),
                                            "manager_id": str(manager), "valid_from": (TODAY - timedelta(days=200))
                                            .isoformat()} for p in kickoff_team])
    treated = {p: TODAY - timedelta(days=60 + rnd.randint(-6, 6)) for p in sellers[:12]}
    placebo = {p: TODAY - timedelta(days=60 + rnd.randint(-6, 6)) for p in kickoff_team[:9]}  # no lift after it
    kickoff = TODAY - timedelta(days=30)  # after every window of the course analysis
    completions = [{"external_id": f"c-{p}", "lms": "cornerstone", "person_id": str(p), "course_id": course,
                    "course_title": course, "status": "passed", "completed_at": at(d)}
                   for course, group in (("exec-conversations", treated), ("placebo", placebo))
                   for p, d in group.items()]
    completions += [{"external_id": f"few-{n}", "lms": "cornerstone", "person_id": str(sellers[n]),
                     "course_id": "rare", "course_title": "Rare", "status": "completed",
                     "completed_at": at(TODAY - timedelta(days=60))} for n in range(3)]
    r = await metrics.post("/v1/completions", json={"items": completions})
    assert r.status_code == 200 and r.json()["rejected"] == 0, r.text
    items: list[dict[str, Any]] = []
    for p in sellers:
        base = rnd.uniform(0.4, 1.2)
        for d in range(1, 140):
            day = TODAY - timedelta(days=d)
            rate = base + TREND_PER_DAY * (140 - d)
            if p in treated and day >= treated[p]:
                rate += PLANTED_PER_DAY
            if p in kickoff_team and day >= kickoff:
                rate += PLANTED_PER_DAY
            for _ in range(int(rate) + (rnd.random() < rate - int(rate))):
                items.append({"external_id": f"m{len(items)}", "source": "hubspot", "type": "meeting",
                              "person_id": str(p), "occurred_at": at(day), "source_updated_at": at(day)})
    for i in range(0, len(items), 5000):
        r = await metrics.post("/v1/activities", json={"items": items[i:i + 5000]})
        assert r.status_code == 200 and r.json()["rejected"] == 0, r.text
    return {"sellers": sellers, "manager": manager, "kickoff": kickoff, "treated": treated}


async def test_a_planted_course_effect_is_recovered_and_a_placebo_shows_none(metrics):
    org = await plant(metrics)
    r = await metrics.get("/v1/impact", params={"metric": "meetings", "course_id": "exec-conversations",
                                                "window_days": WINDOW})
    assert r.status_code == 200, r.text
    found = r.json()
    planted = PLANTED_PER_DAY * WINDOW
    assert found["low"] <= planted <= found["high"] and found["low"] > 0, found
    assert (found["treated_size"], found["comparison_size"], found["excluded"]) == (12, 24, 0)
    assert found["unit"] == f"meetings per person per {WINDOW} days"  # what the effect counts, per what window
    assert (found["method"], found["inference_unit"], found["descriptive_only"]) == ("welch_t", "person", False)
    assert found["cohorts"] == len(set(org["treated"].values())) > 1  # each course day over its own windows
    assert (found["weighting"], found["denominators"], found["resamples"]) == (None, None, 0)

    # within the kickoff team (the course takers' lift would contaminate a tenant-wide comparison), 9 took a
    # course that changed nothing
    r = await metrics.get("/v1/impact", params={"metric": "meetings", "course_id": "placebo", "window_days": WINDOW,
                                                "team_of": str(org["manager"])})
    assert r.status_code == 200, r.text
    placebo = r.json()
    assert (placebo["treated_size"], placebo["comparison_size"]) == (9, 9)
    assert placebo["low"] <= 0 <= placebo["high"], placebo


async def test_a_kickoff_date_for_a_team(metrics):
    org = await plant(metrics)
    params = {"metric": "meetings", "date": org["kickoff"].isoformat(), "team_of": str(org["manager"]),
              "window_days": WINDOW}
    r = await metrics.get("/v1/impact", params=params)
    assert r.status_code == 200, r.text
    found = r.json()
    # One team was kicked off: teams are the unit for a date, and one team cannot be told apart from a shock
    # that hit that team. The figures, no interval.
    assert (found["descriptive_only"], found["method"], found["inference_unit"]) == (True, "descriptive", "team")
    assert (found["low"], found["high"], found["standard_error"]) == (None, None, None)
    assert (found["treated_units"], found["treated_size"], found["comparison_size"]) == (1, 18, 18)
    assert "1 treated" in found["note"]
    # Asked per person (nobody else shares the team's shocks here), the interval is given; the comparison
    # includes the course takers, some of whose lift began inside the pre window: only the sign and the rough
    # size are asserted here (the course test checks the interval exactly)
    r = await metrics.get("/v1/impact", params={**params, "unit": "person"})
    per_person = r.json()
    assert (per_person["descriptive_only"], per_person["method"], per_person["inference_unit"]) == (
        False, "welch_t", "person")
    assert per_person["effect"] == found["effect"]
    assert per_person["low"] > 0 and per_person["effect"] > PLANTED_PER_DAY * WINDOW / 3, per_person


async def test_refusals_and_bad_input(metrics):
    await plant(metrics)
    r = await metrics.get("/v1/impact", params={"metric": "meetings", "course_id": "rare"})
    assert r.status_code == 422
    [error] = r.json()["errors"]
    assert (error["code"], error["treated_size"], error["min_group"]) == ("treated_group_too_small", 3, 5)
    for params in ({"metric": "meetings"}, {"metric": "nope", "course_id": "x"},
                   {"metric": "meetings", "course_id": "x", "programme_id": str(uuid.uuid4())},
                   {"metric": "meetings", "date": TODAY.isoformat()},
                   {"metric": "meetings", "course_id": "exec-conversations", "window_days": 3},
                   {"metric": "meetings", "date": (TODAY - timedelta(days=5)).isoformat(),
                    "team_of": str(uuid.uuid4())}):
        r = await metrics.get("/v1/impact", params=params)
        assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json", (params, r.text)


def test_the_effect_says_what_it_counts_per_what_window():
    units = {k: effect_unit(CATALOGUE[k], 28) for k in ("calls", "won_amount", "win_rate", "avg_deal_size")}
    assert units == {
        "calls": "calls per person per 28 days",
        "won_amount": "won_amount (sum of amount) per person per 28 days",
        "win_rate": "win_rate (wins / closed_opportunities, pooled over each group) over 28 days",
        "avg_deal_size": "avg_deal_size (mean amount per event, pooled over each group) over 28 days"}


async def test_the_service_builds_what_the_simulation_study_measures(metrics):
    """End to end on a small org of the seasonal, staggered scenario (bench/impact_scenarios.py; a period is a
    week, its count put on the week's first day): the REST answer is the pure estimator's answer over the
    cohorts the study builds, so the study's coverage is the service's."""
    generate, _ = SCENARIOS["seasonal_staggered"]
    drawn = generate(random.Random("2026/seasonal_staggered/e2e"), 0.0)
    org = Org(tuple(p for p in drawn.people[:12] + drawn.people[30:46]), drawn.window, 0.0, False)
    weeks = len(org.people[0].values)
    start = TODAY - timedelta(days=7 * weeks + 1)
    ids = {p.pid: uuid.uuid4() for p in org.people}
    await put(metrics, "people", [{"id": str(ids[p.pid]), "version": 1, "name": p.pid, "roles": ["seller"]}
                                  for p in org.people])
    completions = [{"external_id": f"c-{p.pid}", "lms": "cornerstone", "person_id": str(ids[p.pid]),
                    "course_id": "seasonal", "course_title": "Seasonal", "status": "passed",
                    "completed_at": at(start + timedelta(days=7 * p.treated))} for p in org.people if p.treated]
    r = await metrics.post("/v1/completions", json={"items": completions})
    assert r.status_code == 200 and r.json()["rejected"] == 0, r.text
    items = [{"external_id": f"s{p.pid}-{w}-{k}", "source": "hubspot", "type": "meeting",
              "person_id": str(ids[p.pid]), "occurred_at": at(start + timedelta(days=7 * w)),
              "source_updated_at": at(start + timedelta(days=7 * w))}
             for p in org.people for w, count in enumerate(p.values) for k in range(int(count))]
    for i in range(0, len(items), 5000):
        r = await metrics.post("/v1/activities", json={"items": items[i:i + 5000]})
        assert r.status_code == 200 and r.json()["rejected"] == 0, r.text
    r = await metrics.get("/v1/impact", params={"metric": "meetings", "course_id": "seasonal", "window_days": 28})
    assert r.status_code == 200, r.text
    found = r.json()
    expected = analyse(cohorts_of(org))
    assert isinstance(expected, ImpactEstimate)
    assert (found["treated_size"], found["comparison_size"], found["cohorts"]) == (
        expected.treated_size, expected.comparison_size, expected.cohorts)
    for key in ("effect", "low", "high", "standard_error", "df", "comparison_pre", "comparison_post"):
        assert found[key] == pytest.approx(getattr(expected, key)), key


async def test_a_rollout_to_everyone_compares_with_the_not_yet_treated(metrics):
    """Ten sellers all take the course, five early and five late: the late five compare for the early five until
    their own day; nobody is left to compare the late five with, so their day is left out and counted."""
    rnd = random.Random(8)
    sellers = [uuid.uuid4() for _ in range(10)]
    await put(metrics, "people", [{"id": str(p), "version": 1, "name": f"R{n}", "roles": ["seller"]}
                                  for n, p in enumerate(sellers)])
    early, late = TODAY - timedelta(days=100), TODAY - timedelta(days=40)
    days = {p: early if n < 5 else late for n, p in enumerate(sellers)}
    r = await metrics.post("/v1/completions", json={"items": [
        {"external_id": f"r-{p}", "lms": "cornerstone", "person_id": str(p), "course_id": "rollout",
         "course_title": "Rollout", "status": "passed", "completed_at": at(d)} for p, d in days.items()]})
    assert r.status_code == 200 and r.json()["rejected"] == 0, r.text
    items = [{"external_id": f"r{p}-{d}", "source": "hubspot", "type": "meeting", "person_id": str(p),
              "occurred_at": at(TODAY - timedelta(days=d)), "source_updated_at": at(TODAY - timedelta(days=d))}
             for p in sellers for d in range(1, 140) if rnd.random() < 0.5]
    r = await metrics.post("/v1/activities", json={"items": items})
    assert r.status_code == 200 and r.json()["rejected"] == 0, r.text
    r = await metrics.get("/v1/impact", params={"metric": "meetings", "course_id": "rollout", "window_days": 28})
    assert r.status_code == 200, r.text
    found = r.json()
    assert (found["treated_size"], found["comparison_size"], found["cohorts"]) == (5, 5, 1)
    assert (found["without_comparison"], found["excluded"], found["comparison_day"]) == (5, 0, early.isoformat())
    assert found["low"] <= 0 <= found["high"], found


async def test_a_programme_is_judged_by_team_unless_asked_per_person(metrics):
    """Nine sellers of one manager's team joined a programme (the kickoff team's lift comes later, after their
    windows): by default a programme's unit is the team, and one team gets figures without an interval."""
    org = await plant(metrics)
    programme = uuid.uuid4()
    joined = TODAY - timedelta(days=70)
    await put(metrics, "programme-participants", [
        {"id": str(uuid.uuid4()), "version": 1, "programme_id": str(programme), "person_id": str(p),
         "joined_on": joined.isoformat()} for p in org["sellers"][27:36]])
    params = {"metric": "meetings", "programme_id": str(programme), "window_days": WINDOW}
    found = (await metrics.get("/v1/impact", params=params)).json()
    assert (found["descriptive_only"], found["inference_unit"], found["treated_units"]) == (True, "team", 1), found
    per_person = (await metrics.get("/v1/impact", params={**params, "unit": "person"})).json()
    assert (per_person["descriptive_only"], per_person["inference_unit"], per_person["treated_units"]) == (
        False, "person", 9)
    assert per_person["effect"] == found["effect"] and per_person["low"] < per_person["high"]


async def test_a_win_rate_says_how_it_is_weighted_and_shows_each_groups_closed_deals(metrics):
    rnd = random.Random(21)
    sellers = [uuid.uuid4() for _ in range(12)]
    await put(metrics, "people", [{"id": str(p), "version": 1, "name": f"W{n}", "roles": ["seller"]}
                                  for n, p in enumerate(sellers)])
    day = TODAY - timedelta(days=60)
    r = await metrics.post("/v1/completions", json={"items": [
        {"external_id": f"w-{p}", "lms": "cornerstone", "person_id": str(p), "course_id": "deals",
         "course_title": "Deals", "status": "passed", "completed_at": at(day)} for p in sellers[:6]]})
    assert r.status_code == 200, r.text
    closed: list[tuple[uuid.UUID, date, bool]] = [
        (p, TODAY - timedelta(days=d), rnd.random() < 0.3) for p in sellers for d in range(1, 120)
        if rnd.random() < 0.15 + 0.1 * (sellers.index(p) % 3)]
    items = [{"external_id": f"o{n}", "source": "hubspot", "type": "opportunity_won" if won else "opportunity_lost",
              "person_id": str(p), "occurred_at": at(d), "source_updated_at": at(d)}
             for n, (p, d, won) in enumerate(closed)]
    r = await metrics.post("/v1/activities", json={"items": items})
    assert r.status_code == 200 and r.json()["rejected"] == 0, r.text
    params = {"metric": "win_rate", "course_id": "deals", "window_days": WINDOW}
    deals = (await metrics.get("/v1/impact", params=params)).json()

    def count(group: list[uuid.UUID], first: date, won_only: bool = False) -> int:
        last = first + timedelta(days=WINDOW - 1)
        return sum(1 for p, d, won in closed if p in group and first <= d <= last and (won or not won_only))

    pre, post = day - timedelta(days=WINDOW), day
    treated, others = sellers[:6], sellers[6:]
    assert deals["weighting"] == "deals" and deals["unit"].endswith("pooled over each group) over 28 days")
    assert deals["denominators"] == pytest.approx({  # closed deals per person, recounted
        "treated_pre": count(treated, pre) / 6, "treated_post": count(treated, post) / 6,
        "comparison_pre": count(others, pre) / 6, "comparison_post": count(others, post) / 6})
    assert deals["treated_pre"] == pytest.approx(count(treated, pre, True) / count(treated, pre))
    assert deals["comparison_post"] == pytest.approx(count(others, post, True) / count(others, post))
    persons = (await metrics.get("/v1/impact", params={**params, "weighting": "persons"})).json()
    assert persons["weighting"] == "persons" and persons["denominators"] is None
    assert "mean of each person's own" in persons["unit"]
    assert persons["treated_pre"] == pytest.approx(
        sum(count([p], pre, True) / count([p], pre) for p in treated) / 6)
