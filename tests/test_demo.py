"""The demo org: the full plan's shape and determinism (pure, not loaded), the planted effect recoverable by a
difference in differences, and a thinned plan loaded through the public APIs of the real stack.

The loaded plan keeps every person, behaviour and conversation; `scale` only thins calls, e-mails and
meetings below C-level, so the test stays well under a minute on SQLite and PostgreSQL.
"""

import re
import uuid
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from common.auth import issue_person_token
from services.coaching.models import Outbox as CoachingOutbox
from services.metrics.catalogue import Metrics
from services.metrics.impact import PrePost, estimate
from services.metrics.models import Activity as ActivityRow
from services.metrics.models import Completion as CompletionRow
from tests.conftest import JWT_SECRET, GraphQL, Stack
from tests.dbs import PG_URL
from tests.metrics.conftest import MetricsDb
from tests.metrics.test_docs_ingest import check_answer, docs_example, run_example
from uplift_cli.demo.constants import (
    FIZZLE_QUIET_DAYS,
    GOALS_REVIEWED_AFTER_DAYS,
    HISTORY_DAYS,
    PLANTED_C_LEVEL_LIFT_PER_WEEK,
    REORG_DAY,
    SEED,
    TRAINING_COURSE_ID,
    TRAINING_DAY,
    planted_lift,
)
from uplift_cli.demo.load import AlreadySeeded, load_demo
from uplift_cli.demo.plan import Plan, build_plan
from uplift_cli.demo.seed import announce_fizzling

TODAY = date(2026, 5, 1)
METRICS = Metrics.of([])  # the built-in ones: the catalogue and the families' members
TEST_SCALE = 0.05


@pytest.fixture(scope="module")
def full() -> Plan:
    return build_plan(TODAY)


# ---- the plan, not loaded -----------------------------------------------------------------------

def test_the_org_has_five_teams_of_eight_a_leader_enablement_and_a_reorg(full: Plan) -> None:
    org = full.org
    s = full.summary()
    assert (s["people"], s["sellers"], s["managers"]) == (49, 40, 5)
    assert [p.key for p in org.people if "leader" in p.roles] == ["leader"]
    assert [p.key for p in org.people if "enablement" in p.roles] == ["enablement", "trainer"]
    for source in ("hris", "crm", "lms"):
        ids = [p.external_ids()[source] for p in org.people]
        assert len(set(ids)) == len(ids) == 49
    before, after = TODAY + timedelta(days=REORG_DAY - 1), TODAY
    for m in org.managers:
        assert len(org.team(m, before, TODAY)) == len(org.team(m, after, TODAY)) == 8
    moved = [s for s in org.sellers if org.manager_of(s, before, TODAY) != org.manager_of(s, after, TODAY)]
    assert len(moved) == len(org.moves) == 5
    kinds = Counter(a.kind for a in org.assignments)
    assert {"sales_engineer", "trainer", "peer"} <= set(kinds)
    assert all(a.scope for a in org.assignments)  # the non-manager coaches coach on one behaviour


def test_the_behaviours_serve_the_objective_with_indicators_rubrics_owners_and_scenarios(full: Plan) -> None:
    assert full.objective.name == "Sell to the C-suite"
    published = [b for b in full.behaviors if b.publish]
    assert len(published) >= 6
    assert {"seller", "manager"} <= {a for b in published for a in b.audience}
    for b in published:
        assert b.indicators and all(METRICS.get(i.metric_key) for i in b.indicators), b.key
        assert len(b.rubric) == 4 and b.responsible and b.owner
        assert b.scenarios and all(sc.opening_questions and sc.root_causes for sc in b.scenarios), b.key


def test_the_evidence_covers_120_days_of_crm_activity_and_the_course(full: Plan) -> None:
    days = {(a.occurred_at.date() - TODAY).days for a in full.activities}
    assert min(days) == -HISTORY_DAYS and max(days) == -1
    types = Counter(a.type for a in full.activities)
    assert {"call", "email", "meeting", "demo", "proposal", "opportunity_created", "opportunity_won",
            "opportunity_lost"} <= set(types)
    assert len(full.activities) > 40_000
    levels = Counter(dict(a.attributes).get("contact_level") for a in full.activities if a.type == "meeting")
    assert set(levels) == {"c_level", "vp", "manager"}
    closed = [a for a in full.activities if a.type in ("opportunity_won", "opportunity_lost")]
    assert all(a.amount and a.currency == "USD" for a in closed)
    by_person = {s for s in full.org.sellers if full.org.profiles[s].by_person_id}
    assert 0 < len(by_person) < 20  # most sellers are named by CRM user id, some by person id
    course = [c for c in full.completions if c.course_id == TRAINING_COURSE_ID]
    trained = {s for s in full.org.sellers if full.org.profiles[s].trained}
    assert {c.person for c in course} == trained and len(trained) == 20
    assert {(c.completed_at.date() - TODAY).days for c in course} == {TRAINING_DAY}
    assert {c.named_by for c in course} == {"user_id", "email"}


@pytest.mark.parametrize("today", [TODAY + timedelta(days=n) for n in range(7)])  # every weekday
def test_the_evidence_runs_up_to_the_anchoring_moment_and_the_past_does_not_depend_on_the_hour(today: date) -> None:
    midnight = build_plan(today, scale=TEST_SCALE)
    morning = build_plan(datetime.combine(today, time(11, 30), UTC), scale=TEST_SCALE)
    evening = build_plan(datetime.combine(today, time(23, 59), UTC), scale=TEST_SCALE)
    assert build_plan(datetime.combine(today, time(11, 30), UTC), scale=TEST_SCALE) == morning  # deterministic
    assert midnight.now == datetime.combine(today, time(0), UTC) and morning.today == today

    def until(plan: Plan, moment: datetime) -> set[Any]:
        return {a for a in plan.activities if a.occurred_at <= moment}

    for plan in (midnight, morning, evening):
        assert max(a.occurred_at for a in plan.activities) <= plan.now
        assert until(plan, midnight.now) == set(midnight.activities)  # the past is the same whatever the hour
    assert until(evening, morning.now) == set(morning.activities)  # later: more of today, the same morning
    todays = [a for a in evening.activities if a.occurred_at.date() == today]
    if today.weekday() < 5:
        assert todays and set(morning.activities) < set(evening.activities)
        assert {a.type for a in todays} >= {"call", "email"}  # a working day of calls and e-mails, today too
    else:
        assert not todays
    assert len({a.external_id for a in evening.activities}) == len(evening.activities)


@pytest.mark.parametrize("today", [TODAY + timedelta(days=n) for n in range(7)])
def test_gaps_close_in_later_sessions_and_skills_gaps_on_discovery_calls_dominate(today: date) -> None:
    full = build_plan(today, scale=TEST_SCALE)
    opened: dict[tuple[int, datetime], int] = {}
    closed: Counter[str] = Counter()
    for x in full.coaching.sessions:
        for when, index, outcome in x.closures:
            assert when < x.scheduled_at and index < opened[(x.track, when)]  # an earlier session of the track
            closed[outcome] += 1
        if x.gaps:
            opened[(x.track, x.scheduled_at)] = len(x.gaps)
    total = sum(opened.values())
    assert set(closed) == {"resolved", "persists", "no_longer_relevant"} and 0 < sum(closed.values()) < total
    recent = datetime.combine(today - timedelta(days=89), time(0), UTC)  # the README's gap summary: 90 days
    causes = Counter((g.behavior_key, g.root_cause) for x in full.coaching.sessions
                     if x.held_at is not None and x.held_at >= recent for g in x.gaps)
    [(top, n), (_, second)] = causes.most_common(2)
    assert top == ("discovery-calls", "skills") and n > 1.5 * second, causes


@pytest.mark.parametrize("today", [TODAY + timedelta(days=n) for n in range(7)])
def test_every_manager_1to1_observes_the_objectives_behaviour_and_some_goals_come_due_this_week(today: date) -> None:
    """observed_level:exec-meetings has figures for nearly every seller (the multi-threading clinic's pairs left
    their managers' 1:1s long ago); trained sellers are observed higher after the course. Whatever the weekday,
    agreed goals came due for review this week (the demo leaves them unreviewed) and others run on (their review
    day ahead)."""
    plan = build_plan(today, scale=TEST_SCALE)
    completed = [x for x in plan.coaching.sessions if x.outcome == "completed"]
    observed = {x.seller for x in completed for key, _, _ in x.observations if key == "exec-meetings"}
    assert observed <= set(plan.org.sellers) and len(observed) >= len(plan.org.sellers) - 4
    trained = {s for s in plan.org.sellers if plan.org.profiles[s].trained}

    def mean(after: bool, group: set[str]) -> float:
        levels = [lv for x in completed if x.seller in group and x.held_at is not None
                  and ((x.held_at.date() - today).days >= TRAINING_DAY) == after
                  for key, lv, _ in x.observations if key == "exec-meetings"]
        return sum(levels) / len(levels)

    untrained = set(plan.org.sellers) - trained
    assert mean(True, trained) - mean(False, trained) > mean(True, untrained) - mean(False, untrained) + 0.5
    agreed = [g.review_on for x in completed for g in x.goals if g.seller_agrees]
    this_week = [d for d in agreed if today - timedelta(days=GOALS_REVIEWED_AFTER_DAYS) < d <= today]
    assert len(this_week) >= 3 and any(d > today for d in agreed), sorted(agreed)


def test_the_coaching_history_has_a_kept_and_a_fizzling_programme(full: Plan) -> None:
    s = full.summary()
    assert s["completed"] > 300 and s["cancelled"] and s["no_show"] and s["scheduled"]
    assert s["gaps"] and s["actions"] and s["ratings"] and 0 < s["agreed_goals"] < s["goals"]
    completed = [x for x in full.coaching.sessions if x.outcome == "completed"]
    assert any(a.final == "open" and a.due_on < TODAY for x in completed for a in x.actions)  # overdue actions


@pytest.mark.parametrize("today", [TODAY + timedelta(days=n) for n in range(7)])
def test_one_programme_is_kept_and_the_other_fizzles_whatever_the_weekday(today: date) -> None:
    plan = build_plan(today, scale=TEST_SCALE)
    completed = [x for x in plan.coaching.sessions if x.outcome == "completed"]
    quiet_from = datetime.combine(today - timedelta(days=FIZZLE_QUIET_DAYS - 1), datetime.min.time(), UTC)
    for p in plan.coaching.programmes:
        assert p.cadence_days == 7
        held = [x for x in completed if x.programme == p.key and x.held_at and x.held_at >= quiet_from]
        planned = 28 / p.cadence_days * len(p.pairs)  # the service's rule: fizzling below half of planned
        assert (len(held) < 0.5 * planned) == p.fizzles, (p.key, len(held), planned)
        if p.fizzles:
            assert not held and any(x.programme == p.key and x.outcome == "cancelled" and x.scheduled_at >= quiet_from
                                    for x in plan.coaching.sessions)


def test_every_conversation_is_held_by_someone_who_coaches_that_seller_that_day(full: Plan) -> None:
    org = full.org
    assigned = {(a.coach, a.seller): a for a in org.assignments}
    pairs = {(c, s): p for p in full.coaching.programmes for c, s in p.pairs}
    for x in full.coaching.sessions:
        day = x.scheduled_at.date()
        manager = org.manager_of(x.seller, day, TODAY) if x.seller in org.profiles else "leader"
        a = assigned.get((x.coach, x.seller))
        covered = a is not None and a.starts_on <= day and (a.ends_on is None or day <= a.ends_on) \
            and set(x.focus) <= set(a.scope)
        assert x.coach == manager or covered, x
        if x.programme:
            assert pairs[(x.coach, x.seller)].key == x.programme and day >= pairs[(x.coach, x.seller)].starts_on


def test_the_plan_is_deterministic_and_scale_thins_only_the_volume(full: Plan) -> None:
    assert build_plan(TODAY) == full
    assert build_plan(TODAY, seed=SEED + 1) != full
    thin = build_plan(TODAY, scale=0.1)
    assert thin.org == full.org and thin.coaching == full.coaching and thin.completions == full.completions

    def kept(plan: Plan) -> list[Any]:
        return [a for a in plan.activities if a.type not in ("call", "email")
                and dict(a.attributes).get("contact_level") in (None, "c_level")]

    assert kept(thin) == kept(full)
    assert len(thin.activities) < len(full.activities) / 4


@pytest.mark.parametrize("today", [TODAY + timedelta(days=n) for n in (0, 1, 2, 3, 4, 5, 6, 37, 90, 200)])
def test_a_difference_in_differences_recovers_the_planted_lift(today: date) -> None:
    plan = build_plan(today, scale=TEST_SCALE)
    pre: Counter[str] = Counter()
    post: Counter[str] = Counter()
    for a in plan.activities:
        if dict(a.attributes).get("contact_level") == "c_level":
            day = (a.occurred_at.date() - today).days
            (post if day >= TRAINING_DAY else pre)[a.seller] += 1
    rows = {s: PrePost(s, pre[s], post[s]) for s in plan.org.sellers}  # meetings per person and 60-day window
    trained = [rows[s] for s in plan.org.sellers if plan.org.profiles[s].trained]
    others = [rows[s] for s in plan.org.sellers if not plan.org.profiles[s].trained]
    found = estimate(trained, others, seed=1)
    assert found.low <= planted_lift(-TRAINING_DAY) <= found.high, found
    assert planted_lift(7) == PLANTED_C_LEVEL_LIFT_PER_WEEK
    # Everyone gained from the round tables: a plain before/after of the trained sellers overstates the lift.
    assert found.comparison_post > found.comparison_pre
    assert found.treated_post - found.treated_pre > found.effect


# ---- loaded through the APIs --------------------------------------------------------------------

PEOPLE = """query($role: PersonRole) { people(role: $role, first: 200) {
  items { id externalIds { source externalId } } } }"""
BEHAVIORS = """{ behaviors(status: ACTIVE) { items { key audience indicators { metricKey } scenarios { title }
  objective { name } } } }"""
HEALTH = """query($id: ID!) { programme(id: $id) { name health { fizzling heldLast28Days pairsJudgedLast28Days } } }"""
OWN_QUEUE = """query($id: ID!) { coachingQueue(coachId: $id, first: 50) { ... on CoachingQueue { entries {
    scope figuresVisible reasons { kind behaviorKey detail } } } } }"""
MANAGER = """query($id: ID!, $before: Date!) { person(id: $id) { before: manager(asOf: $before) { id }
  now: manager { id } } }"""


@pytest.mark.skipif(not PG_URL, reason=(
    "the API-level demo check runs on the PostgreSQL leg; on SQLite the same demo is seeded through the CLI "
    "(tests/test_production_start.py), so CI seeds it once per leg (set UPLIFT_TEST_DATABASE_URL to run this one)"))
async def test_the_demo_loads_through_the_apis_and_is_refused_a_second_time(stack: Stack) -> None:
    tenant = await stack.tenant("demo")
    now = datetime.now(UTC)  # seeded on today's date, up to this moment, as `uplift serve` does
    today = now.date()
    plan = build_plan(now, scale=TEST_SCALE)
    expected = plan.summary()
    async with stack.client(tenant.api_key) as client:
        report = await load_demo(client, plan, tenant_id=tenant.id, jwt_secret=JWT_SECRET)
        gql = GraphQL(client)
        ids = report.ids

        sellers = (await gql(PEOPLE, role="SELLER"))["people"]["items"]
        managers = (await gql(PEOPLE, role="MANAGER"))["people"]["items"]
        assert (len(sellers), len(managers)) == (40, 5)
        assert all({e["source"] for e in p["externalIds"]} == {"hris", "crm", "lms"} for p in sellers + managers)

        behaviors = (await gql(BEHAVIORS))["behaviors"]["items"]
        assert len(behaviors) == expected["active_behaviors"] >= 6
        assert all(b["indicators"] and b["scenarios"] and b["objective"]["name"] == "Sell to the C-suite"
                   for b in behaviors)

        sessions = await _pages(client, "sessions")
        assert Counter(x["status"] for x in sessions) == {
            k: expected[k] for k in ("completed", "cancelled", "no_show", "scheduled")}
        assert sum(x["rating"] is not None for x in sessions) == expected["ratings"]
        assert sum(len(x["gaps"]) for x in sessions) == expected["gaps"]
        assert len(await _pages(client, "goals", agreed="true")) == expected["agreed_goals"]
        planned_overdue = sum(a.final == "open" and a.due_on < today for x in plan.coaching.sessions
                              for a in x.actions)
        assert len(await _pages(client, "actions", overdue="true")) == planned_overdue > 0

        fizzling = {}
        for key, programme in ids.programmes.items():
            health = (await gql(HEALTH, id=programme["id"]))["programme"]["health"]
            assert health["pairsJudgedLast28Days"] == len(programme["pairs"])
            fizzling[key] = health["fizzling"]
        assert fizzling == {p.key: p.fizzles for p in plan.coaching.programmes} == {
            "exec-follow-through": False, "multi-threading-clinic": True}
        # one fizzling programme announced (what `uplift serve` and `seed-demo` do right after loading), once
        assert await announce_fizzling(stack.local.services) > 0
        assert await announce_fizzling(stack.local.services) == 0
        async with stack.local.services["coaching"].state.db.sessions() as s:
            announced = (await s.execute(select(CoachingOutbox.c.payload).where(
                CoachingOutbox.c.topic == "coaching.programme.fizzling"))).scalars().all()
        clinic = ids.programmes["multi-threading-clinic"]
        assert [a["programme_id"] for a in announced if a["pair_id"] is None] == [clinic["id"]]
        assert {pair["id"] for pair in clinic["pairs"]} <= {a["pair_id"] for a in announced}

        before = (today + timedelta(days=REORG_DAY - 1)).isoformat()
        for seller, old, new in plan.org.moves:
            person = (await gql(MANAGER, id=ids.person(seller), before=before))["person"]
            assert (person["before"]["id"], person["now"]["id"]) == (ids.person(old), ids.person(new))

        mdb = MetricsDb(stack)
        for model, planned in ((ActivityRow, len(plan.activities)), (CompletionRow, len(plan.completions))):
            counts = await mdb.all(select(model.person_id.is_(None), func.count()).where(
                model.tenant_id == tenant.id).group_by(model.person_id.is_(None)))
            assert dict(counts) == {False: planned}, model  # every row counted for a person, none pending

        example = docs_example()  # docs/api.md §7's ingest example, as written: attributed in the demo
        check_answer(await run_example(client, example), example)
        who = next(p for p in plan.org.people if p.name == example.person)
        sent = await mdb.all(select(ActivityRow.person_id).where(ActivityRow.tenant_id == tenant.id,
                                                                 ActivityRow.source == "salesforce"))
        assert sent == [(uuid.UUID(ids.person(who.key)),)]

        agreed = [g for x in plan.coaching.sessions if x.outcome == "completed" for g in x.goals if g.seller_agrees]
        week_ago = today - timedelta(days=GOALS_REVIEWED_AFTER_DAYS)
        due = await _pages(client, "goals", due_for_review="true")
        assert len(due) == sum(week_ago < g.review_on <= today for g in agreed) > 0
        outcomes = Counter(r["outcome"] for g in await _pages(client, "goals", agreed="true") for r in g["reviews"])
        assert sum(outcomes.values()) == sum(g.review_on <= week_ago for g in agreed)
        assert set(outcomes) == {"achieved", "missed"}, outcomes  # as the figures say: some met, some not

        answers = [await gql(query) for query in readme_queries()]  # the README's "Try it" works as written
        check_readme_answers(answers, expected)
        check_loop_answer(answers[4], len(due))
        assert len(answers[2]["programmes"]["items"]) == 2 and answers[2]["coachingActivity"]["rows"]
        assert {p["health"]["fizzling"] for p in answers[2]["programmes"]["items"]} == {True, False}
        impact = answers[2]["impact"]
        assert impact["__typename"] == "ImpactEstimate", impact
        assert impact["low"] <= planted_lift(28) <= impact["high"] and impact["low"] > 0, impact
        assert impact["unit"] == "c_level_meetings per person per 28 days"

        # the sales engineer, signed in, reads their own queue: gaps and trends on the behaviour they are assigned
        # to, for every seller they coach (their figures on that behaviour's metrics are theirs to see)
        token = issue_person_token(JWT_SECRET, tenant_id=tenant.id, person_id=uuid.UUID(ids.person("se")),
                                   roles=["seller"])
        async with stack.client(token) as as_se:
            own = (await GraphQL(as_se)(OWN_QUEUE, id=ids.person("se")))["coachingQueue"]["entries"]
        scopes = {a.scope for a in plan.org.assignments if a.coach == "se"}
        assert own and all(e["figuresVisible"] and (tuple(e["scope"]),) == tuple(scopes) for e in own), own
        judged = [r for e in own for r in e["reasons"] if r["kind"] in ("GAP", "TREND")]
        assert judged and {r["behaviorKey"] for r in judged} <= {k for scope in scopes for k in scope}, own

        with pytest.raises(AlreadySeeded):
            await load_demo(client, plan, tenant_id=tenant.id, jwt_secret=JWT_SECRET)
        assert len((await gql(PEOPLE, role="SELLER"))["people"]["items"]) == 40


def check_readme_answers(answers: list[dict[str, Any]], expected: dict[str, int]) -> None:
    """The README's first screen shows meaningful figures on any day (the 1st of a month included): whole
    windows of evidence, no page of zeros, no "0 against 0.29 expected"."""
    assert len(answers) == 5
    assert len(answers[0]["behaviors"]["items"]) == expected["active_behaviors"]
    seller = answers[1]["person"]
    assert seller["sessions"] and seller["coaches"]
    behaviors = seller["scorecard"]["behaviors"]
    assert behaviors and all(b["indicators"] for b in behaviors)
    indicators = [i for b in behaviors for i in b["indicators"]]
    activity = [i for i in indicators if i["expected"] != i["target"]]  # pro rata: activity indicators
    assert activity and all(i["expected"] >= i["target"] for i in activity), activity  # 28 days, not one
    assert sum(i["actual"] or 0 for i in activity) > 0 and any(i["status"] != "NO_DATA" for i in indicators)
    assert sum(i["trend"] != "NO_DATA" for i in indicators) >= len(indicators) / 2, indicators
    queue = seller["manager"]["coachingQueue"]["entries"]
    assert queue and queue[0]["rank"] == 1 and queue[0]["reasons"]
    details = [r["detail"] for e in queue for r in e["reasons"]]
    gaps = [(key, float(actual), float(expect)) for d in details
            if (m := re.search(r"in scope: (\w+) at ([\d.]+) against ([\d.]+) expected", d))
            for key, actual, expect in [m.groups()]]
    per_window = {i["metricKey"] for i in activity}
    assert gaps and any(actual > 0 for _, actual, _ in gaps), details
    # an activity's expected is a whole window's (the demo's weekly targets are >= 1), never a day's fraction
    assert all(expect >= 1 for key, _, expect in gaps if key in per_window), details
    programmes, activity_rows = answers[2]["programmes"]["items"], answers[2]["coachingActivity"]["rows"]
    assert sum(p["health"]["heldLast28Days"] for p in programmes) > 0
    assert sum(r["sessionsHeld"] for r in activity_rows) > 0
    kept = [r["cadenceKept"] for r in activity_rows if r["cadenceKept"] is not None]
    assert kept and all(0 <= k <= 1.5 for k in kept) and max(kept) > 0  # a share, 0-1 (a pair may hold extra)
    assert answers[2]["impact"]["effect"] > 0
    check_coaching_answer(answers[3]["adoption"], answers[3]["vp"])
    check_gap_summary(answers[4]["gapSummary"])


def check_gap_summary(summary: dict[str, Any]) -> None:
    """Gaps closed and open; skills gaps on discovery calls dominate, a need for enablement (training)."""
    total = summary["total"]
    assert total["opened"] > total["closed"] > 0 and total["open"] > 0, total
    assert 0 < total["shareResolved"] < 1 and total["medianDaysToClose"] > 0, total
    cells = sorted(((c["opened"], r["key"], c["rootCause"], c["whoShouldAct"]) for r in summary["rows"]
                    for c in r["rootCauses"]), reverse=True)
    (top, behavior, cause, actor), (second, *_) = cells[:2]
    assert (behavior, cause, actor) == ("discovery-calls", "SKILLS", "ENABLEMENT") and top > 1.5 * second, cells
    assert any(r["meanChange"] is not None for r in summary["rows"]), summary["rows"]


def check_loop_answer(answer: dict[str, Any], due: int) -> None:
    """Goals due for review this week, each measured; the level coaches observe on booking C-level meetings is an
    indicator with adoption, and the course raised it."""
    goals = answer["goals"]["items"]
    assert len(goals) == min(due, 20) and all(g["progress"] and g["progress"]["series"]["starts"] for g in goals)
    assert any(g["progress"]["actual"] for g in goals), goals
    rows = {i["metricKey"]: i for i in answer["adoption"]["indicators"]}
    assert rows["observed_level:exec-meetings"]["share"] is not None, rows
    impact = answer["impact"]
    assert impact["__typename"] == "ImpactEstimate" and impact["effect"] > 0, impact
    assert impact["unit"].startswith("observed_level:exec-meetings"), impact


def check_coaching_answer(adoption: dict[str, Any], vp: dict[str, Any]) -> None:
    """Managers' coaching, measured by coaching metrics: one manager under-coaches on both (fewest sessions,
    lowest ratings) and is off track; another coaches enough. The VP's queue ranks the under-coacher first,
    with reasons that name the figures."""
    figures = {}
    for manager in adoption["audience"]:
        card = {b["key"]: b["indicators"] for b in manager["scorecard"]["behaviors"]}
        figures[manager["name"]] = {i["metricKey"]: i for i in card["weekly-coaching"]}
    assert len(figures) == 5
    held = {name: f["coaching_sessions_held"]["actual"] for name, f in figures.items()}
    rated = {name: f["coaching_rating_developmental"]["actual"] for name, f in figures.items()}
    worst = min(held, key=lambda name: held[name])
    assert worst == min(rated, key=lambda name: rated[name] or 0), (held, rated)
    assert figures[worst]["coaching_sessions_held"]["status"] == "OFF_TRACK"
    assert any(f["coaching_sessions_held"]["status"] == "ON_TRACK" for f in figures.values()), held
    assert {i["metricKey"] for i in adoption["indicators"]} == {"coaching_sessions_held",
                                                                "coaching_rating_developmental"}
    entries = vp["coachingQueue"]["entries"]
    assert vp["name"] == "Julia Quinlan" and entries[0]["seller"]["name"] == worst, (worst, entries)
    gap = next(r["detail"] for r in entries[0]["reasons"] if r["kind"] == "GAP")
    assert re.search(r"coaching_\w+ at [\d.]+ against [\d.]+ expected", gap), gap
    assert entries[0]["focus"]["behaviorName"] in {"Hold a weekly 1:1 coaching conversation with each seller",
                                                   "Run a weekly pipeline review on activities, not only results"}


def readme_queries() -> list[str]:
    text = (Path(__file__).parents[1] / "README.md").read_text()
    section = text.split("## Try it", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```graphql\n(.*?)```", section, flags=re.S)


async def _pages(client: Any, what: str, **params: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {"limit": "200", **params, **({"cursor": cursor} if cursor else {})}
        r = await client.get(f"/api/coaching/v1/{what}", params=query)
        assert r.status_code == 200, r.text
        items += r.json()["items"]
        cursor = r.json()["next_cursor"]
        if not cursor:
            return items
