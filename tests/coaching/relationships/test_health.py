"""Programme health against numbers worked out by hand on a planted schedule.

Programme P: from Monday 2025-01-06, a session every 7 days per pair. Pairs:
  A  manager M with seller S1, from 01-06: a session every Monday 01-06 … 02-24 (8) — keeps cadence;
  B  engineer E with seller S2, from 01-06: Mondays 01-06 … 01-27 (4), then only 02-17 — fizzles;
  C  M with S3, joined 02-17: sessions at 03-02 23:59 and 03-03 00:00 (UTC) — the day boundary;
  D  E with S3, from 01-06, left on 02-03 (its last day 02-02): 01-06, 01-13, 01-27.
Noise that must not count: a session without programme, one of another programme, a cancelled and a
scheduled one, one before the programme's start.
"""

from datetime import UTC, date, datetime

import pytest

from tests.coaching.relationships.helpers import add_pair, create_programme, invalid, problem, weekly

START = date(2025, 1, 6)


@pytest.fixture
async def planted(coaching, seed):
    ppl = {name: await seed.person(name, *roles) for name, roles in [
        ("L", ("leader",)), ("M", ("manager",)), ("O", ("manager",)), ("E", ("seller",)),
        ("S1", ("seller",)), ("S2", ("seller",)), ("S3", ("seller",))]}
    await seed.reports_to(ppl["M"], ppl["L"])
    for s in ("S1", "S2", "S3"):
        await seed.reports_to(ppl[s], ppl["M"])
    p = await create_programme(coaching, owner_id=ppl["M"], starts_on=START.isoformat())
    other = await create_programme(coaching, name="Other", starts_on=START.isoformat())
    pid = p["id"]
    pairs = {
        "A": await add_pair(coaching, pid, ppl["M"], ppl["S1"]),
        "B": await add_pair(coaching, pid, ppl["E"], ppl["S2"]),
        "C": await add_pair(coaching, pid, ppl["M"], ppl["S3"], "2025-02-17"),
        "D": await add_pair(coaching, pid, ppl["E"], ppl["S3"]),
    }
    r = await coaching.delete(f"/v1/programmes/{pid}/pairs/{pairs['D']['id']}", params={"left_on": "2025-02-03"})
    assert r.status_code == 204
    await add_pair(coaching, other["id"], ppl["M"], ppl["S1"])

    m, e, s1, s2, s3 = ppl["M"], ppl["E"], ppl["S1"], ppl["S2"], ppl["S3"]
    for day in weekly(START, range(8)):
        await seed.session(m, s1, day, programme_id=pid)
    for day in [*weekly(START, range(4)), date(2025, 2, 17)]:
        await seed.session(e, s2, day, programme_id=pid)
    await seed.session(m, s3, datetime(2025, 3, 2, 23, 59, tzinfo=UTC), programme_id=pid)
    await seed.session(m, s3, datetime(2025, 3, 3, 0, 0, tzinfo=UTC), programme_id=pid)
    for day in (date(2025, 1, 6), date(2025, 1, 13), date(2025, 1, 27)):
        await seed.session(e, s3, day, programme_id=pid)
    # noise
    await seed.session(m, s1, date(2025, 2, 1))
    await seed.session(m, s1, date(2025, 2, 12), programme_id=other["id"])
    await seed.session(m, s1, date(2025, 2, 5), programme_id=pid, status="cancelled")
    await seed.session(m, s1, date(2025, 2, 26), programme_id=pid, status="scheduled")
    await seed.session(e, s2, date(2025, 1, 5), programme_id=pid)
    return {"p": p, "other": other, "pairs": pairs, "people": ppl}


def by_pair(health, planted):
    names = {v["id"]: k for k, v in planted["pairs"].items()}
    return {names[row["pair_id"]]: row for row in health["pairs"]}


def numbers(row):
    return (row["days_in_window"], row["sessions_expected"], row["sessions_held"], row["ratio_kept"],
            row["in_all_last_28_days"], row["held_last_28_days"], row["planned_last_28_days"], row["fizzling"])


async def health(c, programme_id, **params):
    r = await c.get(f"/v1/programmes/{programme_id}/health", params=params)
    assert r.status_code == 200, r.text
    return r.json()


async def test_eight_weeks_one_pair_keeps_cadence_one_fizzles(coaching, planted):
    h = await health(coaching, planted["p"]["id"], to="2025-03-02")
    assert (h["from"], h["to"], h["cadence_days"]) == ("2025-01-06", "2025-03-02", 7)
    pairs = by_pair(h, planted)
    #                     days exp held ratio  judged held28 planned28 fizzling
    assert numbers(pairs["A"]) == (56, 8, 8, 1.0, True, 4, 4.0, False)
    assert numbers(pairs["B"]) == (56, 8, 5, 0.625, True, 1, 4.0, True)  # 1 < 0.5 * 28/7
    assert numbers(pairs["C"]) == (14, 2, 1, 0.5, False, 1, None, None)  # 03-02 23:59 counts, 03-03 00:00 not
    assert numbers(pairs["D"]) == (28, 4, 3, 0.75, False, 0, None, None)
    assert (pairs["D"]["joined_on"], pairs["D"]["left_on"]) == ("2025-01-06", "2025-02-03")
    # overall: 17 held of 8 + 8 + 2 + 4 expected; judged pairs A and B held 5 >= 0.5 * 28/7 * 2 = 4
    assert (h["sessions_held"], h["sessions_expected"], h["ratio_kept"]) == (17, 22, round(17 / 22, 4))
    assert (h["last_28_days_from"], h["last_28_days_to"]) == ("2025-02-03", "2025-03-02")
    assert (h["pairs_judged_last_28_days"], h["held_last_28_days"], h["planned_last_28_days"], h["fizzling"]) == (
        2, 5, 8.0, False)
    assert "floor(days_in_window / cadence_days)" in h["formula"] and "0.5" in h["formula"]


async def test_two_weeks_later_the_programme_fizzles(coaching, planted):
    h = await health(coaching, planted["p"]["id"], to="2025-03-16")
    pairs = by_pair(h, planted)
    assert numbers(pairs["A"]) == (70, 10, 8, 0.8, True, 2, 4.0, False)  # 2 is not below 2
    assert numbers(pairs["B"]) == (70, 10, 5, 0.5, True, 1, 4.0, True)
    assert numbers(pairs["C"]) == (28, 4, 2, 0.5, True, 2, 4.0, False)  # in since 02-17: judged now
    assert numbers(pairs["D"]) == (28, 4, 3, 0.75, False, 0, None, None)
    assert (h["sessions_held"], h["sessions_expected"], h["ratio_kept"]) == (18, 28, round(18 / 28, 4))
    # judged A, B, C held 2 + 1 + 2 = 5 < 0.5 * 28/7 * 3 = 6
    assert (h["pairs_judged_last_28_days"], h["held_last_28_days"], h["planned_last_28_days"], h["fizzling"]) == (
        3, 5, 12.0, True)


async def test_any_window(coaching, planted):
    h = await health(coaching, planted["p"]["id"], **{"from": "2025-02-03", "to": "2025-03-02"})
    pairs = by_pair(h, planted)
    assert [numbers(pairs[k])[:4] for k in "ABCD"] == [(28, 4, 4, 1.0), (28, 4, 1, 0.25), (14, 2, 1, 0.5),
                                                       (0, 0, 0, None)]
    assert (h["sessions_held"], h["sessions_expected"], h["ratio_kept"], h["fizzling"]) == (6, 10, 0.6, False)
    # a window before the programme: nothing expected, nothing held, no ratio
    h = await health(coaching, planted["p"]["id"], **{"from": "2024-12-01", "to": "2025-01-05"})
    assert (h["sessions_held"], h["sessions_expected"], h["ratio_kept"], h["fizzling"]) == (0, 0, None, False)
    # one day
    h = await health(coaching, planted["p"]["id"], **{"from": "2025-01-06", "to": "2025-01-06"})
    assert (h["sessions_held"], h["sessions_expected"]) == (3, 0)


async def test_an_ended_programme_is_clipped_and_not_fizzling(coaching, seed, planted):
    m, s1 = planted["people"]["M"], planted["people"]["S1"]
    p = await create_programme(coaching, name="Four weeks", starts_on="2025-01-06", ends_on="2025-02-02",
                               cadence_days=14)
    await add_pair(coaching, p["id"], m, s1)
    await seed.session(m, s1, date(2025, 1, 8), programme_id=p["id"])
    h = await health(coaching, p["id"])  # default window: the start to today
    assert (h["from"], h["to"]) == ("2025-01-06", datetime.now(UTC).date().isoformat())
    assert numbers(h["pairs"][0]) == (28, 2, 1, 0.5, False, 0, None, None)
    assert (h["sessions_held"], h["sessions_expected"], h["pairs_judged_last_28_days"], h["planned_last_28_days"],
            h["fizzling"]) == (1, 2, 0, 0.0, False)


async def test_window_validation(coaching, planted):
    url = f"/v1/programmes/{planted['p']['id']}/health"
    invalid(await coaching.get(url, params={"from": "2025-03-02", "to": "2025-03-01"}), "query.to", "value_error")
    invalid(await coaching.get(url, params={"from": "March"}), "query.from")
    invalid(await coaching.get(url, params={"from": "1990-01-01", "to": "2025-01-01"}), "query.from")
    problem(await coaching.get("/v1/programmes/0190a8e0-0000-7000-8000-000000000000/health"), 404)


async def test_who_may_see_health(as_person, planted):
    ppl, pid = planted["people"], planted["p"]["id"]
    url = f"/v1/programmes/{pid}/health"
    for who, roles in [("M", ("manager",)), ("E", ("seller",)), ("L", ("leader",)), ("O", ("enablement",))]:
        async with as_person(ppl[who], *roles) as c:
            assert (await c.get(url, params={"to": "2025-03-02"})).status_code == 200, who
    for who, roles in [("S1", ("seller",)), ("O", ("manager",))]:
        async with as_person(ppl[who], *roles) as c:
            problem(await c.get(url), 403)
            r = await c.get("/v1/programme-health", params={"programme_ids": [pid]})
            assert r.status_code == 200 and r.json() == []


async def test_batch_health(coaching, planted):
    ids = [planted["p"]["id"], planted["other"]["id"], "0190a8e0-0000-7000-8000-000000000000", planted["p"]["id"]]
    r = await coaching.get("/v1/programme-health", params={"programme_ids": ids, "to": "2025-03-02"})
    assert r.status_code == 200, r.text
    got = r.json()
    assert [h["programme_id"] for h in got] == ids[:2]
    assert got[0] == await health(coaching, planted["p"]["id"], to="2025-03-02")
    assert (got[1]["sessions_held"], got[1]["sessions_expected"]) == (1, 8)
    invalid(await coaching.get("/v1/programme-health"), "query.programme_ids", "missing")


async def test_batch_health_with_a_programme_that_has_not_started(coaching, planted):
    """A programme starting after `to` has an empty window, not an error that would sink the batch."""
    later = await coaching.post("/v1/programmes", json={"name": "Later", "behavior_keys": ["exec-meetings"],
                                                        "cadence_days": 7, "starts_on": "2025-06-01"})
    assert later.status_code == 201, later.text
    ids = [planted["p"]["id"], later.json()["id"]]
    r = await coaching.get("/v1/programme-health", params={"programme_ids": ids, "to": "2025-03-02"})
    assert r.status_code == 200, r.text
    got = r.json()
    assert [h["programme_id"] for h in got] == ids
    assert (got[1]["sessions_held"], got[1]["sessions_expected"], got[1]["fizzling"]) == (0, 0, False)
    assert got[1]["from"] == "2025-03-02"
