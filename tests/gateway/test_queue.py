"""The coaching queue and the conversation guide: the scoring on hand-built inputs, then a small org through
GraphQL — a manager with four sellers (a big gap, overdue actions, not seen for long with a programme due, on
track), a sales engineer coaching one behaviour, figures from the metrics read model — and flat calls."""

import asyncio
import random
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx
import pytest

from common.auth import issue_person_token
from services.metrics.queue_scoring import (
    FORMULA,
    IndicatorFigure,
    ProgrammeFacts,
    SellerFacts,
    focus_of,
    priority_factor,
    rank,
    score_seller,
    shortfall,
)
from tests.conftest import JWT_SECRET, GraphQL, Stack, Tenant
from tests.gateway.coaching_docs import complete, create_person, schedule, set_manager
from tests.gateway.helpers import PROBLEM, active_behavior, add_scenario, client_for, result
from tests.timing import patience

# ---- the scoring, pure ---------------------------------------------------------------------------

ON = date(2026, 3, 31)


def fig(key: str = "exec", metric: str = "meetings", *, expected: float = 10, actual: float | None = 5,
        status: str = "off_track", trend: str = "flat", comparator: str = "gte", priority: int = 3) -> IndicatorFigure:
    return IndicatorFigure(key, key.title(), metric, comparator, expected, actual, status, trend, priority)


def seller(name: str = "Ann", sid: str = "s1", **extra: Any) -> SellerFacts:
    return SellerFacts(**{"seller_id": sid, "name": name, "scope": None, "last_session_on": ON, **extra})


def weights(facts: SellerFacts) -> dict[str, float]:
    scored = score_seller(facts, ON)
    assert scored.score == round(sum(r.weight for r in scored.reasons), 2)
    return {r.kind: r.weight for r in scored.reasons}


def test_each_reason_weighs_what_the_module_says():
    assert weights(seller()) == {}  # seen today, nothing behind, nothing due: score 0
    # gap: 40 x shortfall x priority factor; gte 5 of 10 = 50% short; lte 15 of 10 = 50% over
    assert weights(seller(figures=(fig(priority=1),))) == {"gap": 20.0}
    assert weights(seller(figures=(fig(comparator="lte", actual=15, status="at_risk", priority=5),))) == {"gap": 12.0}
    assert [priority_factor(p) for p in range(1, 6)] == pytest.approx([1.0, 0.9, 0.8, 0.7, 0.6])
    assert shortfall(fig(actual=12, status="on_track")) == 0 and shortfall(fig(actual=None, status="no_data")) == 0
    assert shortfall(fig(expected=0, actual=0, status="off_track")) == 1.0
    assert shortfall(fig(comparator="lte", actual=50, status="off_track")) == 1.0  # clamped
    # trend: behind target and the wrong way (down for gte, up for lte), 5 each, at most 3
    falling = tuple(fig(f"b{n}", priority=1, trend="down") for n in range(4))
    assert weights(seller(figures=falling)) == {"gap": 20.0, "trend": 5.0}
    assert [r.weight for r in score_seller(seller(figures=falling), ON).reasons if r.kind == "trend"] == [5.0] * 3
    assert weights(seller(figures=(fig(priority=1, trend="up"),))) == {"gap": 20.0}
    assert weights(seller(figures=(fig(priority=1, trend="up", comparator="lte", actual=15),))) == {
        "gap": 20.0, "trend": 5.0}
    assert weights(seller(figures=(fig(actual=12, status="on_track", trend="down"),))) == {}
    # days since the last session: 20 x min(days, 60) / 60; 20 with none
    assert weights(seller(last_session_on=ON - timedelta(days=15))) == {"since_last_session": 5.0}
    assert weights(seller(last_session_on=ON - timedelta(days=90))) == {"since_last_session": 20.0}
    assert weights(seller(last_session_on=None)) == {"since_last_session": 20.0}
    # overdue actions: 5 each, at most 3
    assert weights(seller(overdue_due_dates=(ON - timedelta(days=2),) * 2)) == {"overdue_actions": 10.0}
    assert weights(seller(overdue_due_dates=(ON - timedelta(days=2),) * 5)) == {"overdue_actions": 15.0}
    # a programme is due once cadence_days have passed since its last session (or the pair's first day)
    due = ProgrammeFacts("p1", "Sprint", 14, ON - timedelta(days=14), ON - timedelta(days=14))
    not_yet = ProgrammeFacts("p2", "Other", 14, ON - timedelta(days=13), None)
    assert weights(seller(programmes=(due,))) == {"cadence_due": 10.0}
    assert weights(seller(programmes=(not_yet,))) == {}
    later = ProgrammeFacts("p3", "Later", 7, ON - timedelta(days=30), None)
    reasons = score_seller(seller(programmes=(due, not_yet, later)), ON).reasons
    assert [(r.kind, r.weight, r.programme_id) for r in reasons] == [("cadence_due", 10.0, "p3")]
    assert "'Later'" in reasons[0].detail and "1 more programme(s) due" in reasons[0].detail
    assert "40 x relative shortfall" in FORMULA


def test_only_the_scope_counts_and_the_focus_is_the_biggest_weighted_gap():
    figures = (fig("exec", priority=1, actual=6, trend="down"),  # 40% short x 1.0 = 0.40
               fig("disco", "calls", priority=3, actual=4, trend="down"),  # 60% short x 0.8 = 0.48
               fig("plan", "proposals", priority=2, actual=12, status="on_track"))
    everything = score_seller(seller(figures=figures), ON)
    assert everything.focus is not None and everything.focus.behavior_key == "disco"
    assert [(r.kind, r.behavior_key) for r in everything.reasons] == [("gap", "disco"), ("trend", "disco"),
                                                                     ("trend", "exec")]
    scoped = score_seller(seller(figures=figures, scope=("exec",)), ON)
    assert scoped.focus is not None and scoped.focus.behavior_key == "exec"
    assert {r.behavior_key for r in scoped.reasons} == {"exec"}
    assert [f.behavior_key for f in scoped.in_scope] == ["exec"]
    on_track = score_seller(seller(figures=figures, scope=("plan",)), ON)
    assert on_track.reasons == () and on_track.focus is not None
    assert (on_track.focus.behavior_key, on_track.focus.metric_key, on_track.focus.relative_gap) == (
        "plan", None, None)
    assert "On track" in on_track.focus.why
    assert score_seller(seller(figures=figures, scope=("other",)), ON).focus is None
    # equal weighted gaps: the higher priority, then the key
    tie = (fig("b", priority=2, actual=5), fig("a", priority=2, actual=5), fig("c", priority=1, actual=5.5))
    first, second = focus_of(tie), focus_of(tie[:2])
    assert first is not None and first.behavior_key == "c"  # 45% short x 1.0 = 50% x 0.9: the higher priority
    assert second is not None and second.behavior_key == "a"


def test_ranking_is_deterministic_and_ties_go_by_name_then_id():
    same = {"last_session_on": None}  # 20 points each
    sellers = [seller("bob", "2", **same), seller("Bob", "1", **same), seller("alice", "9", **same),
               seller("Zoe", "3", figures=(fig(priority=1),), **same)]
    ranked = rank(sellers, ON)
    assert [(s.facts.name, s.facts.seller_id, s.score) for s in ranked] == [
        ("Zoe", "3", 40.0), ("alice", "9", 20.0), ("Bob", "1", 20.0), ("bob", "2", 20.0)]
    for seed in range(5):
        shuffled = sellers[:]
        random.Random(seed).shuffle(shuffled)
        assert rank(shuffled, ON) == ranked
    assert rank([replace(s, name="x") for s in sellers], ON)[1].facts.seller_id == "1"


# ---- the org, through GraphQL ---------------------------------------------------------------------

def month_end() -> date:
    """The last day of last month: its month is over, so the scorecard judges all of it."""
    return datetime.now(UTC).date().replace(day=1) - timedelta(days=1)


DAY = MONTH_START = PREVIOUS_MONTH = date.min  # set per test by `_dates`
DAYS_IN_MONTH = 0


@pytest.fixture(autouse=True)
def _dates() -> None:
    # taken when each test starts, not at import: a suite that runs past midnight UTC at a month's end would
    # otherwise compare last month's dates with the service's today
    global DAY, MONTH_START, DAYS_IN_MONTH, PREVIOUS_MONTH
    DAY = month_end()
    MONTH_START = DAY.replace(day=1)
    DAYS_IN_MONTH = DAY.day
    PREVIOUS_MONTH = (MONTH_START - timedelta(days=1)).replace(day=1)

EXEC, DISCO = "exec-meetings", "discovery-calls"


def ago(n: int) -> date:
    return DAY - timedelta(days=n)


def expected(per_week: float) -> float:
    return per_week * DAYS_IN_MONTH / 7


QUEUE = """query($coach: ID!, $on: Date, $first: Int, $period: ScorecardPeriod = MONTH) {
  coachingQueue(coachId: $coach, on: $on, first: $first, period: $period) {
  __typename ... on CoachingQueue { coachId on period lookbackDays total formula coach { name }
    entries { rank sellerId score lastSessionAt daysSinceLastSession overdueActions scope coachKinds figuresVisible
      seller { name } reasons { kind weight detail behaviorKey metricKey programmeId programme { name } }
      focus { behaviorKey behaviorName metricKey relativeGap why behavior { priority } } } }
  ... on NotFound { message } ... on Forbidden { message } ... on ValidationProblem { fields { field code } } } }"""

GUIDE = """query($coach: ID!, $seller: ID!, $on: Date) {
  conversationGuide(coachId: $coach, sellerId: $seller, on: $on, period: MONTH) {
  __typename ... on ConversationGuide { coachId sellerId on period figuresVisible coach { name } seller { name }
    entry { rank score reasons { kind behaviorKey } }
    focus { behaviorKey metricKey why }
    figures { key indicators { metricKey target expected actual status trend } }
    lastSession { heldAt gaps { behaviorKey rootCause } }
    openActions { description dueOn status } goals { current { metricKey target } }
    scenarios { title openingQuestions rootCauses }
    rootCauses { cause prompt flagged why } }
  ... on NotFound { message } ... on Forbidden { message } ... on ValidationProblem { fields { field code } } } }"""


def as_person(stack: Stack, tenant: Tenant, person_id: str, *roles: str) -> GraphQL:
    token = issue_person_token(JWT_SECRET, tenant_id=tenant.id, person_id=uuid.UUID(person_id),
                               roles=list(roles) or ["seller"])
    return client_for(stack, token)


def at(day: date, hour: int = 12) -> str:
    return datetime.combine(day, time(hour), tzinfo=UTC).isoformat()


async def mirror(metrics: httpx.AsyncClient, path: str, items: list[dict[str, Any]]) -> None:
    """Push the metrics read model (what the other services' events feed it with). Where those events flow, the
    consumer may insert the same entity at the same moment and the loser of that race answers 409 — then the
    row is there, and a retry is `unchanged` or `updated`."""
    deadline = asyncio.get_running_loop().time() + patience(1.0)
    while True:
        r = await metrics.put(f"/v1/internal/{path}", json={"items": items})
        if r.status_code != 409 or asyncio.get_running_loop().time() > deadline:
            break
        await asyncio.sleep(0.05)
    assert r.status_code == 200, r.text
    assert r.json()["rejected"] == 0, r.json()


async def held(gql: GraphQL, coach: str, seller: str, day: date, **completion: Any) -> dict[str, Any]:
    focus = completion.pop("focus", {})
    s = await schedule(gql, coach, seller, day, **focus)
    out = await complete(gql, s["id"], day, **completion)
    assert out["__typename"] == "Session", out
    return out


async def activities(metrics: httpx.AsyncClient, person: str, kind: str, count: int, first: date, last: date,
                     tag: str) -> None:
    span = (last - first).days + 1
    items = [{"external_id": f"{tag}-{person}-{kind}-{n}", "source": "crm", "type": kind, "person_id": person,
              "occurred_at": at(first + timedelta(days=n % span)), "source_updated_at": at(first)}
             for n in range(count)]
    if items:
        r = await metrics.post("/v1/activities", json={"items": items})
        assert r.status_code == 200 and r.json()["created"] == count, r.text


class Org:
    def __init__(self, ids: dict[str, str]) -> None:
        self.ids = ids

    def __getattr__(self, name: str) -> str:
        return self.ids[name]


@pytest.fixture
async def metrics(stack: Stack, tenant: Tenant):
    """The metrics REST with an admin key that also names `metrics:internal` (no other scope implies it)."""
    async with stack.client(await stack.key(tenant, "admin", "metrics:internal")) as client:
        client.base_url = httpx.URL("http://uplift/api/metrics")
        yield client


async def build(stack: Stack, gql: GraphQL, metrics: httpx.AsyncClient) -> Org:
    """Lena leads Maya; Maya manages Ada (big gap on exec meetings), Ben (behind on discovery calls, three
    overdue actions), Cal (never coached, in a programme gone past its cadence) and Dee (on track); Eve, a
    sales engineer, coaches Ada and Ben on discovery calls only; Zed reports to Omar."""
    roles = {"lena": ("LEADER",), "maya": ("MANAGER",), "omar": ("MANAGER",), "ada": (), "ben": (), "cal": (),
             "dee": (), "eve": (), "zed": ()}
    names = {"lena": "Lena Leader", "maya": "Maya Manager", "omar": "Omar Other", "ada": "Ada Gap",
             "ben": "Ben Overdue", "cal": "Cal Unseen", "dee": "Dee Ontrack", "eve": "Eve Engineer",
             "zed": "Zed Elsewhere"}
    people = {k: await create_person(gql, names[k], *roles[k]) for k in names}
    org = Org({k: p["id"] for k, p in people.items()})
    lines = {"maya": "lena", "ada": "maya", "ben": "maya", "cal": "maya", "dee": "maya", "eve": "lena",
             "omar": "lena", "zed": "omar"}
    for person, manager in lines.items():
        assert (await set_manager(gql, org.ids[person], org.ids[manager], ago(120)))["__typename"] == "ManagerOnDay"
    for s in ("ada", "ben"):
        data = await gql(f"""mutation($input: CoachAssignmentInput!) {{ createCoachAssignment(input: $input) {{
            {PROBLEM} }} }}""", input={"coachId": org.eve, "sellerId": org.ids[s], "kind": "SALES_ENGINEER",
                                       "scope": [DISCO], "startsOn": ago(30).isoformat()})
        assert data["createCoachAssignment"]["__typename"] == "CoachAssignment", data
    # behaviours (the behaviors service) and their scenario
    ind = {"kind": "ACTIVITY", "period": "WEEK"}
    exec_b = await active_behavior(gql, EXEC, priority=1, indicators=[{"metricKey": "meetings", "target": 3, **ind}])
    disco_b = await active_behavior(gql, DISCO, priority=2, indicators=[{"metricKey": "calls", "target": 5, **ind}])
    await add_scenario(gql, exec_b["id"], "The CFO asks for a business case",
                       openingQuestions=["Which executive did you meet last, and what did they care about?",
                                         "What stops you asking for the next meeting at the C level?"],
                       rootCauses=["COMMITMENT", "KNOWLEDGE"])
    await add_scenario(gql, disco_b["id"], "A first call goes nowhere", openingQuestions=["What did you ask first?"])
    # a programme Maya runs with Cal and Dee, one session every 14 days
    data = await gql(f"""mutation($input: ProgrammeInput!) {{ createProgramme(input: $input) {{
        {PROBLEM} ... on Programme {{ id }} }} }}""", input={
        "name": "C-suite sprint", "behaviorKeys": [EXEC], "cadenceDays": 14, "startsOn": ago(60).isoformat()})
    programme = result(data, "createProgramme", "Programme")["id"]
    for s in ("cal", "dee"):
        data = await gql(f"""mutation($p: ID!, $input: PairInput!) {{ addProgrammePair(programmeId: $p, input: $input)
            {{ {PROBLEM} }} }}""", p=programme, input={"coachId": org.maya, "sellerId": org.ids[s],
                                                          "joinedOn": ago(60).isoformat()})
        assert data["addProgrammePair"]["__typename"] == "ProgrammePair", data
    org.ids["programme"] = programme
    # conversations with Maya: Ada a week ago (a gap, an open action, a goal), Ben ten days ago (three
    # actions now overdue), Dee two days ago in the programme; Cal never; Eve none
    await held(gql, org.maya, org.ada, ago(7), focus={"focusKeys": [EXEC]},
               gaps=[{"behaviorKey": EXEC, "description": "Stops at the buyer's manager", "rootCause": "SKILLS"}],
               actions=[{"description": "Ask the CFO for 20 minutes", "ownerId": org.ada,
                         "dueOn": (DAY + timedelta(days=20)).isoformat(), "gapIndex": 0}],
               goals=[{"metricKey": "meetings", "kind": "ACTIVITY", "target": 3, "period": "WEEK",
                       "reviewOn": (DAY + timedelta(days=30)).isoformat()}])
    await held(gql, org.maya, org.ben, ago(10), actions=[
        {"description": f"Follow up {n}", "ownerId": org.ben, "dueOn": ago(d).isoformat()}
        for n, d in enumerate((5, 3, 1))])
    await held(gql, org.maya, org.dee, ago(2), focus={"programmeId": programme})
    # the metrics read model: people, reporting lines, behaviours
    await mirror(metrics, "people", [{"id": p["id"], "version": 1, "name": p["name"],
                                      "roles": [r.lower() for r in p["roles"]]} for p in people.values()])
    await mirror(metrics, "reporting-lines", [
        {"id": str(uuid.uuid4()), "version": 1, "person_id": org.ids[p], "manager_id": org.ids[m],
         "valid_from": ago(120).isoformat(), "valid_to": None} for p, m in lines.items()])
    await mirror(metrics, "behaviors", [
        {"id": b["id"], "version": 1, "key": b["key"], "name": b["name"], "status": "active", "audience": ["seller"],
         "indicators": [{"id": i["id"], "metric_key": i["metricKey"], "kind": "activity", "target": i["target"],
                         "period": "week"} for i in b["indicators"]]} for b in (exec_b, disco_b)])
    # the month's activity (and the one before, for the trend)
    month: dict[str, tuple[int, int]] = {"ada": (2, 30), "ben": (15, 10), "cal": (15, 30), "dee": (15, 30)}
    before: dict[str, tuple[int, int]] = {"ada": (12, 30), "ben": (15, 5), "cal": (15, 30), "dee": (15, 30)}
    for s in month:
        for kind, n, m in (("meeting", month[s][0], before[s][0]), ("call", month[s][1], before[s][1])):
            await activities(metrics, org.ids[s], kind, n, MONTH_START, DAY, "now")
            await activities(metrics, org.ids[s], kind, m, PREVIOUS_MONTH, MONTH_START - timedelta(days=1), "then")
    await stack.settled()  # the queue reads the metrics read model, which the coaching events feed
    return org


def by_kind(entry: dict[str, Any]) -> dict[str, float]:
    return {r["kind"].lower(): r["weight"] for r in entry["reasons"]}


async def test_the_queue_ranks_by_gap_overdue_actions_time_and_cadence(stack, tenant, gql, metrics):
    org = await build(stack, gql, metrics)
    queue = (await gql(QUEUE, coach=org.maya, on=DAY.isoformat()))["coachingQueue"]
    assert queue["__typename"] == "CoachingQueue"
    assert (queue["coach"], queue["on"], queue["period"], queue["total"], queue["lookbackDays"]) == (
        {"name": "Maya Manager"}, DAY.isoformat(), "MONTH", 4, 180)
    entries = queue["entries"]
    assert [e["seller"]["name"] for e in entries] == ["Ada Gap", "Ben Overdue", "Cal Unseen", "Dee Ontrack"]
    assert [e["rank"] for e in entries] == [1, 2, 3, 4]
    ada, ben, cal, dee = entries
    ada_short = (expected(3) - 2) / expected(3)
    assert by_kind(ada) == pytest.approx({"gap": round(40 * ada_short, 2), "trend": 5.0,
                                          "since_last_session": round(20 * 7 / 60, 2)})
    gap = ada["reasons"][0]
    assert (gap["kind"], gap["behaviorKey"], gap["metricKey"]) == ("GAP", EXEC, "meetings")
    assert ada["focus"]["behaviorKey"] == EXEC and ada["focus"]["behavior"] == {"priority": 1}
    assert ada["focus"]["relativeGap"] == pytest.approx(ada_short, abs=1e-4)
    assert (ada["daysSinceLastSession"], ada["overdueActions"], ada["scope"], ada["coachKinds"]) == (
        7, 0, [], ["MANAGER"])
    assert ada["lastSessionAt"].startswith(ago(7).isoformat())
    ben_short = (expected(5) - 10) / expected(5)
    assert by_kind(ben) == pytest.approx({"gap": round(40 * ben_short * 0.9, 2), "overdue_actions": 15.0,
                                          "since_last_session": round(20 * 10 / 60, 2)})
    assert ben["overdueActions"] == 3 and ben["focus"]["behaviorKey"] == DISCO
    assert "3 open action(s)" in next(r["detail"] for r in ben["reasons"] if r["kind"] == "OVERDUE_ACTIONS")
    assert by_kind(cal) == {"since_last_session": 20.0, "cadence_due": 10.0}
    cadence = next(r for r in cal["reasons"] if r["kind"] == "CADENCE_DUE")
    assert cadence["programmeId"] == org.programme and cadence["programme"] == {"name": "C-suite sprint"}
    assert cal["lastSessionAt"] is None and cal["daysSinceLastSession"] is None
    assert by_kind(dee) == {"since_last_session": round(20 * 2 / 60, 2)}  # on track, programme kept
    assert dee["focus"]["behaviorKey"] == EXEC and dee["focus"]["metricKey"] is None  # the top priority
    for e in entries:
        assert e["score"] == pytest.approx(sum(r["weight"] for r in e["reasons"]))
        assert e["figuresVisible"] is True
    # `first` keeps the top of the same ranking; the coach's own token sees the same queue
    top = (await gql(QUEUE, coach=org.maya, on=DAY.isoformat(), first=2))["coachingQueue"]
    assert [e["sellerId"] for e in top["entries"]] == [org.ada, org.ben] and top["total"] == 4
    maya = as_person(stack, tenant, org.maya, "manager")
    async with maya.client:
        own = (await maya(QUEUE, coach=org.maya, on=DAY.isoformat()))["coachingQueue"]
    assert own["entries"] == entries


def placed(count: int, first: date, last: date) -> list[date]:
    """The days `activities()` puts `count` events on, written out again."""
    span = (last - first).days + 1
    return [first + timedelta(days=n % span) for n in range(count)]


async def test_on_the_first_of_a_month_the_queue_weighs_the_last_28_days(stack, gql, metrics):
    """The 1st of a month: a calendar month holds one day, so every gap read "0 against 0.43 expected"; by
    default the queue measures the last 28 days ending on `on`, with the 28 before for the trend."""
    org = await build(stack, gql, metrics)
    first = DAY + timedelta(days=1)
    today = datetime.now(UTC).date()
    month = (await gql(QUEUE, coach=org.maya, on=first.isoformat(), period="MONTH"))["coachingQueue"]
    if datetime.now(UTC).date() == today:  # (a run that crosses midnight changes the running month's days)
        # the month of `first` is running: expected is pro rata to its days so far (1 on the 1st: 3 x 1/7)
        expected_so_far = f"{3 * today.day / 7:.2f}".rstrip("0").rstrip(".")
        details = [r["detail"] for e in month["entries"] for r in e["reasons"] if r["kind"] == "GAP"]
        assert details and all(f"at 0 against {expected_so_far} expected" in d for d in details), details
    by_default = QUEUE.replace(", $period: ScorecardPeriod = MONTH", "").replace(", period: $period", "")
    queue = (await gql(by_default, coach=org.maya, on=first.isoformat()))["coachingQueue"]
    assert queue["period"] == "LAST_28_DAYS"
    start = first - timedelta(days=27)
    ada_meetings = sum(start <= d <= first for d in [*placed(2, MONTH_START, DAY),
                                                     *placed(12, PREVIOUS_MONTH, MONTH_START - timedelta(days=1))])
    ada = next(e for e in queue["entries"] if e["sellerId"] == org.ada)
    gap = next(r for r in ada["reasons"] if r["kind"] == "GAP")
    assert gap["detail"].startswith(f"Biggest gap vs target in scope: meetings at {ada_meetings} against 12 "
                                    f"expected"), gap
    assert ada["focus"]["relativeGap"] == pytest.approx((12 - ada_meetings) / 12, abs=1e-4)
    without = (await gql("""query($c: ID!, $on: Date) { coachingQueue(coachId: $c, on: $on) {
        ... on CoachingQueue { period } } }""", c=org.maya, on=first.isoformat()))["coachingQueue"]
    assert without == {"period": "LAST_28_DAYS"}


async def test_a_scoped_coach_sees_gaps_on_their_behaviour_only(stack, tenant, gql, metrics):
    org = await build(stack, gql, metrics)
    queue = (await gql(QUEUE, coach=org.eve, on=DAY.isoformat()))["coachingQueue"]
    ben, ada = queue["entries"]
    assert [ben["sellerId"], ada["sellerId"]] == [org.ben, org.ada] and queue["total"] == 2
    assert ben["scope"] == [DISCO] and ben["coachKinds"] == ["SALES_ENGINEER"]
    assert by_kind(ben) == pytest.approx({"gap": round(40 * (expected(5) - 10) / expected(5) * 0.9, 2),
                                          "since_last_session": 20.0})  # Ben's overdue actions were Maya's
    assert ben["overdueActions"] == 0
    # Ada's big gap on exec meetings is not Eve's to coach: on track on discovery calls
    assert by_kind(ada) == {"since_last_session": 20.0}
    assert all(r["behaviorKey"] in (None, DISCO) for e in (ada, ben) for r in e["reasons"])
    assert ada["focus"]["behaviorKey"] == DISCO and ada["focus"]["metricKey"] is None
    # with her own token the metrics service shows her the figures of the behaviour she is assigned on (she is
    # neither them nor their manager): the same queue as the tenant's key sees
    eve = as_person(stack, tenant, org.eve, "seller")
    async with eve.client:
        own = (await eve(QUEUE, coach=org.eve, on=DAY.isoformat()))["coachingQueue"]

    def seen(q: dict[str, Any]) -> list[Any]:
        return [(e["seller"]["name"], e["score"], e["figuresVisible"], e["focus"]) for e in q["entries"]]

    assert seen(own) == seen(queue) and [e[2] for e in seen(own)] == [True, True]


async def test_the_conversation_guide(stack, tenant, gql, metrics):
    org = await build(stack, gql, metrics)
    guide = (await gql(GUIDE, coach=org.maya, seller=org.ada, on=DAY.isoformat()))["conversationGuide"]
    assert guide["__typename"] == "ConversationGuide"
    assert (guide["coach"], guide["seller"], guide["figuresVisible"]) == (
        {"name": "Maya Manager"}, {"name": "Ada Gap"}, True)
    assert guide["entry"]["rank"] is None
    assert [r["kind"] for r in guide["entry"]["reasons"]] == ["GAP", "TREND", "SINCE_LAST_SESSION"]
    assert guide["focus"]["behaviorKey"] == EXEC and guide["focus"]["metricKey"] == "meetings"
    assert "meetings at 2" in guide["focus"]["why"] and "off track" in guide["focus"]["why"]
    figures = {b["key"]: b["indicators"] for b in guide["figures"]}
    assert set(figures) == {EXEC, DISCO}
    meetings = figures[EXEC][0]
    assert (meetings["metricKey"], meetings["target"], meetings["actual"], meetings["status"], meetings["trend"]) == (
        "meetings", 3.0, 2.0, "OFF_TRACK", "DOWN")
    assert meetings["expected"] == pytest.approx(expected(3))
    assert figures[DISCO][0]["status"] == "ON_TRACK"
    assert guide["lastSession"]["heldAt"].startswith(ago(7).isoformat())
    assert guide["openActions"] == [{"description": "Ask the CFO for 20 minutes",
                                     "dueOn": (DAY + timedelta(days=20)).isoformat(), "status": "OPEN"}]
    assert guide["goals"] == [{"current": {"metricKey": "meetings", "target": 3.0}}]
    assert guide["scenarios"] == [{"title": "The CFO asks for a business case", "openingQuestions": [
        "Which executive did you meet last, and what did they care about?",
        "What stops you asking for the next meeting at the C level?"], "rootCauses": ["COMMITMENT", "KNOWLEDGE"]}]
    checks = {c["cause"]: c for c in guide["rootCauses"]}
    assert list(checks) == ["ENVIRONMENT", "COMMITMENT", "CAPACITY", "SKILLS", "KNOWLEDGE"]
    assert all(c["prompt"].endswith("?") for c in checks.values())
    assert {k for k, c in checks.items() if c["flagged"]} == {"COMMITMENT", "KNOWLEDGE", "SKILLS"}
    assert "Stops at the buyer's manager" in checks["SKILLS"]["why"]
    assert checks["ENVIRONMENT"]["why"] is None
    # the sales engineer's guide for Ada: discovery calls only, on track, their scenario
    eve_guide = (await gql(GUIDE, coach=org.eve, seller=org.ada, on=DAY.isoformat()))["conversationGuide"]
    assert [b["key"] for b in eve_guide["figures"]] == [DISCO]
    assert eve_guide["focus"]["behaviorKey"] == DISCO and eve_guide["lastSession"] is None
    assert [s["title"] for s in eve_guide["scenarios"]] == ["A first call goes nowhere"]
    assert (eve_guide["openActions"], eve_guide["goals"]) == ([], [])
    # someone the coach does not coach (then, or at all) is a typed NotFound; bad ids a ValidationProblem
    for coach, seller, day in ((org.maya, org.zed, DAY), (org.eve, org.cal, DAY), (org.eve, org.ada, ago(60))):
        missing = (await gql(GUIDE, coach=coach, seller=seller, on=day.isoformat()))["conversationGuide"]
        assert missing["__typename"] == "NotFound" and "is not coached by" in missing["message"]
    bad = (await gql(GUIDE, coach=org.maya, seller="nope"))["conversationGuide"]
    assert bad == {"__typename": "ValidationProblem", "fields": [{"field": "sellerId", "code": "invalid_id"}]}


async def test_who_may_read_a_coachs_queue(stack, tenant, gql, metrics):
    org = await build(stack, gql, metrics)
    stack.calls.clear()
    refused = []
    for person, roles, coach in (("ada", ("seller",), org.maya), ("ada", ("seller",), org.eve),
                                 ("omar", ("manager",), org.maya), ("zed", ("seller",), org.maya)):
        caller = as_person(stack, tenant, org.ids[person], *roles)
        async with caller.client:
            refused.append((await caller(QUEUE, coach=coach))["coachingQueue"])
            refused.append((await caller(GUIDE, coach=coach, seller=org.ada))["conversationGuide"])
    assert {r["__typename"] for r in refused} == {"Forbidden"}
    # the metrics service refuses (the gateway forwards the credential and decides nothing): one call each,
    # and nothing of the sellers is read elsewhere
    assert [(r.method, r.url.path) for r in stack.calls] == [("GET", "/v1/coaching-queues")] * len(refused)
    # the coach's own manager's manager, enablement and API keys may
    for person, roles in (("lena", ("leader",)), ("zed", ("enablement",))):
        caller = as_person(stack, tenant, org.ids[person], *roles)
        async with caller.client:
            queue = (await caller(QUEUE, coach=org.maya, on=DAY.isoformat()))["coachingQueue"]
        assert [e["sellerId"] for e in queue["entries"]] == [org.ada, org.ben, org.cal, org.dee]
    # unknown coach, malformed id
    assert (await gql(QUEUE, coach=str(uuid.uuid4())))["coachingQueue"]["__typename"] == "NotFound"
    bad = (await gql(QUEUE, coach="x/y"))["coachingQueue"]
    assert bad == {"__typename": "ValidationProblem", "fields": [{"field": "coachId", "code": "invalid_id"}]}


# ---- flat calls -----------------------------------------------------------------------------------

async def add_sellers(stack: Stack, gql: GraphQL, metrics: httpx.AsyncClient, coach: str, programme: str,
                      start: int, n: int) -> None:
    """n more sellers coached by `coach`: each with a session in the programme, an overdue action and figures."""
    people = []
    for k in range(start, start + n):
        p = await create_person(gql, f"Seller {k:02d}")
        await set_manager(gql, p["id"], coach, ago(120))
        data = await gql(f"""mutation($p: ID!, $input: PairInput!) {{ addProgrammePair(programmeId: $p, input: $input)
            {{ {PROBLEM} }} }}""", p=programme, input={"coachId": coach, "sellerId": p["id"],
                                                          "joinedOn": ago(60).isoformat()})
        assert data["addProgrammePair"]["__typename"] == "ProgrammePair"
        await held(gql, coach, p["id"], ago(20 + k), focus={"programmeId": programme}, actions=[
            {"description": "Do it", "ownerId": p["id"], "dueOn": ago(3).isoformat()}])
        people.append(p)
    await stack.settled()  # the people reach the metrics read model before their activities are pushed
    for k, p in enumerate(people, start=start):
        await activities(metrics, p["id"], "meeting", k, MONTH_START, DAY, "flat")


FLAT = """query($coach: ID!, $on: Date!) {
  coachingQueue(coachId: $coach, on: $on, period: MONTH) { ... on CoachingQueue { total coach { name } entries { score
    sellerId seller { name } reasons { kind programme { name } }
    focus { behaviorKey behavior { name priority } } } } } }"""


async def test_queue_calls_do_not_grow_with_the_number_of_sellers(stack, gql, metrics):
    coach = (await create_person(gql, "Coach", "MANAGER"))["id"]
    b = await active_behavior(gql, EXEC, indicators=[{"metricKey": "meetings", "kind": "ACTIVITY", "target": 3}])
    await mirror(metrics, "behaviors", [{"id": b["id"], "version": 1, "key": EXEC, "name": b["name"],
                                         "status": "active", "audience": ["seller"], "indicators": [
        {"id": b["indicators"][0]["id"], "metric_key": "meetings", "kind": "activity", "target": 3,
         "period": "week"}]}])
    data = await gql(f"""mutation($input: ProgrammeInput!) {{ createProgramme(input: $input) {{
        {PROBLEM} ... on Programme {{ id }} }} }}""", input={
        "name": "Weekly", "behaviorKeys": [EXEC], "cadenceDays": 7, "startsOn": ago(60).isoformat()})
    programme = result(data, "createProgramme", "Programme")["id"]
    await add_sellers(stack, gql, metrics, coach, programme, 0, 2)
    stack.calls.clear()
    small = (await gql(FLAT, coach=coach, on=DAY.isoformat()))["coachingQueue"]
    small_calls = sorted((r.method, r.url.path) for r in stack.calls)
    await add_sellers(stack, gql, metrics, coach, programme, 2, 4)
    stack.calls.clear()
    large = (await gql(FLAT, coach=coach, on=DAY.isoformat()))["coachingQueue"]
    large_calls = sorted((r.method, r.url.path) for r in stack.calls)
    assert (small["total"], large["total"]) == (2, 6)
    for entry in large["entries"]:
        assert {r["kind"] for r in entry["reasons"]} == {"GAP", "SINCE_LAST_SESSION", "OVERDUE_ACTIONS",
                                                         "CADENCE_DUE"}
        assert entry["focus"]["behavior"] == {"name": b["name"], "priority": 3}
    assert small_calls == large_calls, (small_calls, large_calls)
    # one batch call to the metrics service, which gathers and scores; the fields asked for besides are one
    # batch call per level of the query: the coach, then the sellers, focus behaviours and programmes
    assert large_calls == sorted([("GET", "/v1/coaching-queues"), ("GET", "/v1/people"), ("GET", "/v1/people"),
                                  ("GET", "/v1/behaviors"), ("GET", "/v1/programmes")])
    stack.calls.clear()
    guide = (await gql("""query($c: ID!, $s: ID!, $on: Date!) { conversationGuide(coachId: $c, sellerId: $s,
        on: $on, period: MONTH) { ... on ConversationGuide { seller { name } scenarios { title } figures { key }
        entry { score } } }
        }""", c=coach, s=large["entries"][0]["sellerId"], on=DAY.isoformat()))["conversationGuide"]
    assert guide["figures"] == [{"key": EXEC}] and guide["entry"]["score"] == large["entries"][0]["score"]
    assert sorted(r.url.path for r in stack.calls) == sorted([
        "/v1/coaching-queues", "/v1/sessions", "/v1/scenarios", "/v1/people"])
