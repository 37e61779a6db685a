"""Coaching activity reports against numbers worked out by hand; scope, permissions, query count.

The org (lines open since 2020): Lena (leader) over Mia and Mo (managers); Sam and Sue report to Mia,
Sid to Mo. Eve (sales engineer) and Xan (peer) are outside the tree. Programme P: a session every 7
days for the pairs Mia-Sam, Eve-Sue, Mo-Sid, all from 2025-01-06. The window: 2025-02-03 … 2025-03-02
(28 days: 4 sessions expected per pair).

Sessions in the window:
  Mia-Sam  P 02-03 rated 5/4/3, actions: open due 02-20 (overdue), done
           P 02-10 rated 3/4/4
           P 02-17 action open due 03-10
             02-20 (no programme)
  Eve-Sue  P 02-05 rated 4/4/4, action dropped
           P 02-19 action open due 03-02 (due on `to`: not overdue)
  Xan-Sid    02-12 (no programme)
Outside it or not held: Mo-Sid 01-20 with an action open due 01-31 (overdue), Mia-Sam 03-03 00:00 with an
action agreed that day, Mia-Sue cancelled 02-25 and scheduled 02-26.
"""

from datetime import UTC, date, datetime
from typing import Any

import pytest

from tests.coaching.relationships.helpers import add_pair, create_programme, invalid, problem
from tests.sql_statements import statements_of_this_task

WINDOW = {"from": "2025-02-03", "to": "2025-03-02"}


@pytest.fixture
async def planted(coaching, seed):
    p = {name: await seed.person(name, *roles) for name, roles in [
        ("Lena", ("leader",)), ("Mia", ("manager",)), ("Mo", ("manager",)), ("Eve", ("seller",)),
        ("Xan", ("seller",)), ("Sam", ("seller",)), ("Sue", ("seller",)), ("Sid", ("seller",))]}
    for person, manager in [("Mia", "Lena"), ("Mo", "Lena"), ("Sam", "Mia"), ("Sue", "Mia"), ("Sid", "Mo")]:
        await seed.reports_to(p[person], p[manager])
    prog = (await create_programme(coaching))["id"]
    for coach, seller in [("Mia", "Sam"), ("Eve", "Sue"), ("Mo", "Sid")]:
        await add_pair(coaching, prog, p[coach], p[seller])

    async def held(coach, seller, day, *, programme=True, rating=None, actions=(), status="completed"):
        sid = await seed.session(p[coach], p[seller], day, programme_id=prog if programme else None, status=status)
        if rating:
            await seed.rating(sid, p[seller], *rating)
        agreed = day.date() if isinstance(day, datetime) else day
        for due, state in actions:
            await seed.action(sid, p[coach], p[seller], due, status=state, agreed_on=agreed)

    await held("Mia", "Sam", date(2025, 2, 3), rating=(5, 4, 3),
               actions=[(date(2025, 2, 20), "open"), (date(2025, 2, 10), "done")])
    await held("Mia", "Sam", date(2025, 2, 10), rating=(3, 4, 4))
    await held("Mia", "Sam", date(2025, 2, 17), actions=[(date(2025, 3, 10), "open")])
    await held("Mia", "Sam", date(2025, 2, 20), programme=False)
    await held("Eve", "Sue", date(2025, 2, 5), rating=(4, 4, 4), actions=[(date(2025, 2, 12), "dropped")])
    await held("Eve", "Sue", date(2025, 2, 19), actions=[(date(2025, 3, 2), "open")])
    await held("Xan", "Sid", date(2025, 2, 12), programme=False)
    # outside the window, or not held
    await held("Mo", "Sid", date(2025, 1, 20), actions=[(date(2025, 1, 31), "open")])
    await held("Mia", "Sam", datetime(2025, 3, 3, tzinfo=UTC), actions=[(date(2025, 3, 4), "open")])
    await held("Mia", "Sue", date(2025, 2, 25), programme=False, status="cancelled")
    await held("Mia", "Sue", date(2025, 2, 26), programme=False, status="scheduled")
    return p


def numbers(row: dict[str, Any]) -> tuple[Any, ...]:
    r = row["average_rating"]
    for share, pct in (("cadence_kept", "cadence_kept_pct"),
                       ("sessions_with_actions_share", "sessions_with_actions_pct")):
        # the deprecated 0-100 forms stay, equal to the 0-1 share x 100
        assert row[pct] == (None if row[share] is None else pytest.approx(row[share] * 100, abs=0.05)), row
    return (row["sessions_held"], row["programme_sessions_held"], row["programme_sessions_expected"],
            row["cadence_kept"], row["rated_sessions"], (r["relevant"], r["developmental"], r["motivational"]),
            row["sessions_with_actions"], row["sessions_with_actions_share"], row["open_actions"],
            row["overdue_actions"])


NONE3 = (None, None, None)
#            held  prog.held prog.exp cadence kept (0-1) rated  averages  w/actions  share (0-1)  open overdue
MIA = (4, 3, 4, 0.75, 2, (4.0, 4.0, 3.5), 2, 0.5, 2, 1)
EVE = (2, 2, 4, 0.5, 1, (4.0, 4.0, 4.0), 2, 1.0, 1, 0)
MO = (0, 0, 4, 0.0, 0, NONE3, 0, None, 1, 1)
XAN = (1, 0, 0, None, 0, NONE3, 0, 0.0, 0, 0)
TEAM_MIA = (6, 5, 8, 0.625, 3, (4.0, 4.0, 3.67), 4, 0.6667, 3, 1)
TEAM_MO = (1, 0, 4, 0.0, 0, NONE3, 0, 0.0, 1, 1)
TEAM_LENA = (7, 5, 12, 0.4167, 3, (4.0, 4.0, 3.67), 4, 0.5714, 4, 2)


async def report(c, **params):
    r = await c.get("/v1/reports/coaching-activity", params=WINDOW | params)
    assert r.status_code == 200, r.text
    return r.json()


def rows(body):
    return {row["name"]: numbers(row) for row in body["rows"]}


async def test_per_coach(coaching, planted):
    body = await report(coaching)
    assert (body["group_by"], body["from"], body["to"], body["manager_id"]) == ("coach", *WINDOW.values(), None)
    assert [row["name"] for row in body["rows"]] == ["Eve", "Mia", "Mo", "Xan"]
    assert [row["person_id"] for row in body["rows"]] == [planted[n] for n in ("Eve", "Mia", "Mo", "Xan")]
    assert rows(body) == {"Mia": MIA, "Eve": EVE, "Mo": MO, "Xan": XAN}
    assert all(row["team_size"] is None for row in body["rows"])
    assert {"cadence_kept", "sessions_with_actions_share", "average_rating", "overdue_actions"
            } <= body["definitions"].keys()


async def test_per_team(coaching, planted):
    body = await report(coaching, group_by="team")
    assert [(row["name"], row["team_size"]) for row in body["rows"]] == [("Lena", 5), ("Mia", 2), ("Mo", 1)]
    assert rows(body) == {"Lena": TEAM_LENA, "Mia": TEAM_MIA, "Mo": TEAM_MO}


async def test_a_managers_tree(coaching, planted):
    body = await report(coaching, manager_id=planted["Mia"])
    assert body["manager_id"] == planted["Mia"]
    assert rows(body) == {"Eve": EVE, "Mia": MIA}
    body = await report(coaching, manager_id=planted["Mo"])
    assert rows(body) == {"Mo": MO, "Xan": XAN}
    assert rows(await report(coaching, manager_id=planted["Mia"], group_by="team")) == {"Mia": TEAM_MIA}
    body = await report(coaching, manager_id=planted["Lena"], group_by="team")
    assert rows(body) == {"Lena": TEAM_LENA, "Mia": TEAM_MIA, "Mo": TEAM_MO}
    # someone without reports: their team is empty
    body = await report(coaching, manager_id=planted["Sam"], group_by="team")
    assert [(r["name"], r["team_size"], r["sessions_held"]) for r in body["rows"]] == [("Sam", 0, 0)]
    assert (await report(coaching, manager_id=planted["Sam"]))["rows"] == []


async def test_windows(coaching, planted):
    # a single day, and the default window (the 28 days ending today: nothing planted there)
    body = await report(coaching, **{"from": "2025-02-03", "to": "2025-02-03"})
    mia = next(r for r in body["rows"] if r["name"] == "Mia")
    assert numbers(mia) == (1, 1, 0, None, 1, (5.0, 4.0, 3.0), 1, 1.0, 1, 0)  # nothing expected in a day
    r = await coaching.get("/v1/reports/coaching-activity")
    assert r.status_code == 200
    today = datetime.now(UTC).date()
    assert r.json()["to"] == today.isoformat()
    assert (today - date.fromisoformat(r.json()["from"])).days == 27
    assert all(row["sessions_held"] == 0 for row in r.json()["rows"])


async def test_team_as_of_the_last_day(coaching, seed):
    a, b, s = await seed.person("Ann", "manager"), await seed.person("Ben", "manager"), await seed.person("Sol")
    await seed.reports_to(s, a, date(2024, 1, 1), date(2025, 2, 15))
    await seed.reports_to(s, b, date(2025, 2, 15))
    await seed.session(a, s, date(2025, 2, 10))

    async def teams(to):
        body = await report(coaching, group_by="team", **{"from": "2025-02-01", "to": to})
        return {row["name"]: (row["team_size"], row["sessions_held"]) for row in body["rows"]}

    assert await teams("2025-02-14") == {"Ann": (1, 1)}
    assert await teams("2025-02-15") == {"Ben": (1, 1)}


async def test_who_may_see_what(as_person, planted):
    async with as_person(planted["Mia"], "manager") as c:
        body = await report(c)
        assert body["manager_id"] == planted["Mia"]
        assert rows(body) == {"Eve": EVE, "Mia": MIA}
        assert rows(await report(c, group_by="team")) == {"Mia": TEAM_MIA}
        assert rows(await report(c, manager_id=planted["Mia"])) == {"Eve": EVE, "Mia": MIA}
        for other in ("Mo", "Lena", "Eve"):
            body = problem(await c.get("/v1/reports/coaching-activity", params={"manager_id": planted[other]}), 403)
            assert "own reporting tree" in body["detail"]
    async with as_person(planted["Lena"], "leader") as c:
        assert rows(await report(c, group_by="team")) == {"Lena": TEAM_LENA, "Mia": TEAM_MIA, "Mo": TEAM_MO}
        assert rows(await report(c, manager_id=planted["Mo"])) == {"Mo": MO, "Xan": XAN}
    for who in ("Sam", "Eve"):
        async with as_person(planted[who], "seller") as c:
            problem(await c.get("/v1/reports/coaching-activity"), 403)
            problem(await c.get("/v1/reports/coaching-activity", params={"manager_id": planted["Mia"]}), 403)
    for role in ("enablement", "admin"):
        async with as_person(planted["Sam"], role) as c:
            assert rows(await report(c)) == {"Mia": MIA, "Eve": EVE, "Mo": MO, "Xan": XAN}


async def test_validation(coaching, planted):
    url = "/v1/reports/coaching-activity"
    invalid(await coaching.get(url, params={"group_by": "region"}), "query.group_by", "literal_error")
    invalid(await coaching.get(url, params={"from": "2025-03-02", "to": "2025-03-01"}), "query.to", "value_error")
    invalid(await coaching.get(url, params={"from": "1990-01-01", "to": "2025-01-01"}), "query.from")
    invalid(await coaching.get(url, params={"to": "tomorrow"}), "query.to")
    invalid(await coaching.get(url, params={"manager_id": "0190a8e0-0000-7000-8000-000000000000"}),
            "query.manager_id", "reference")


async def test_tenancy(stack, coaching, planted):
    other = await stack.tenant("other")
    async with stack.client(other.api_key) as c:
        c.base_url = coaching.base_url
        assert (await report(c))["rows"] == []
        assert (await report(c, group_by="team"))["rows"] == []
        invalid(await c.get("/v1/reports/coaching-activity", params={"manager_id": planted["Mia"]}),
                "query.manager_id", "reference")


async def test_a_constant_number_of_queries(stack, coaching, planted, seed):
    engine = stack.local.services["coaching"].state.db.engine.sync_engine

    async def queries(**params):
        with statements_of_this_task(engine) as statements:
            body = await report(coaching, **params)
        return len(statements), len(body["rows"])

    before = {g: await queries(group_by=g) for g in ("coach", "team")}
    scoped = await queries(manager_id=planted["Lena"], group_by="team")
    prog = (await create_programme(coaching, name="More"))["id"]
    for i in range(6):  # six more coaches and teams, each with a session, a pair and an action
        coach, seller = await seed.person(f"Coach {i}", "manager"), await seed.person(f"Seller {i}")
        await seed.reports_to(seller, coach)
        await seed.reports_to(coach, planted["Lena"])
        await add_pair(coaching, prog, coach, seller)
        sid = await seed.session(coach, seller, date(2025, 2, 10), programme_id=prog)
        await seed.action(sid, coach, seller, date(2025, 2, 11), agreed_on=date(2025, 2, 10))
    after = {g: await queries(group_by=g) for g in ("coach", "team")}
    assert after["coach"] == (before["coach"][0], before["coach"][1] + 6)
    assert after["team"] == (before["team"][0], before["team"][1] + 6)
    assert await queries(manager_id=planted["Lena"], group_by="team") == (scoped[0], scoped[1] + 6)
    assert before["coach"][0] <= 8


async def test_the_percent_forms_are_deprecated_in_the_openapi_document(coaching):
    r = await coaching.get("/openapi.json")
    assert r.status_code == 200
    row = r.json()["components"]["schemas"]["ActivityRow"]["properties"]
    assert row["cadence_kept_pct"].get("deprecated") is True and row["sessions_with_actions_pct"].get("deprecated")
    assert "0-1" in row["cadence_kept"]["description"] and "0-1" in row["sessions_with_actions_share"]["description"]
