"""GET /statements with filters (xAPI Communication §2.1.3), checked against a brute-force filter of every stored
statement, at every route and version; `more` links followed to the end; formats; Accept-Language."""

import itertools
import json
import random
import uuid
from typing import Any
from urllib.parse import urlsplit

from tests.metrics.xapi.conftest import Lrs, statement

PEOPLE: list[dict[str, Any]] = [{"mbox": "mailto:ann@example.com"},
                                {"account": {"homePage": "https://moodle.example.com", "name": "7"}},
                                {"mbox_sha1sum": "a" * 40}]
VERBS = [f"http://adlnet.gov/expapi/verbs/{v}" for v in ("completed", "passed", "failed")]
COURSES = [f"https://lms.example.com/course/{n}" for n in (1, 2, 3)]
REGISTRATIONS = [str(uuid.UUID(int=n, version=4)) for n in (1, 2)]


def _generated(rng: random.Random) -> dict[str, Any]:
    st = statement(actor=dict(rng.choice(PEOPLE)), verb={"id": rng.choice(VERBS)},
                   object={"id": rng.choice(COURSES)})
    context: dict[str, Any] = {}
    if rng.random() < 0.6:
        context["registration"] = rng.choice(REGISTRATIONS)
    if rng.random() < 0.4:
        context["instructor"] = dict(rng.choice(PEOPLE))
    if rng.random() < 0.4:
        context["contextActivities"] = {"parent": [{"id": rng.choice(COURSES)}]}
    if rng.random() < 0.2:
        st["object"] = {"objectType": "Agent", **rng.choice(PEOPLE)}
    if context:
        st["context"] = context
    return st


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return {k: v for k, v in a.items() if k != "objectType"} == {k: v for k, v in b.items() if k != "objectType"}


def _matches(st: dict[str, Any], f: dict[str, Any]) -> bool:
    """The brute force of the filters (Communication §2.1.3), StatementRefs aside."""
    ctx = st.get("context", {})
    if "verb" in f and st["verb"]["id"] != f["verb"]:
        return False
    if "registration" in f and ctx.get("registration") != f["registration"]:
        return False
    if "agent" in f:
        agents = [st["actor"]] + ([st["object"]] if st["object"].get("objectType") == "Agent" else [])
        if f.get("related_agents"):
            agents += [st["authority"]] + ([ctx["instructor"]] if "instructor" in ctx else [])
        if not any(_same(a, f["agent"]) for a in agents):
            return False
    if "activity" in f:
        ids = [st["object"]["id"]] if st["object"].get("objectType", "Activity") == "Activity" else []
        if f.get("related_activities"):
            ids += [a["id"] for listed in ctx.get("contextActivities", {}).values() for a in listed]
        if f["activity"] not in ids:
            return False
    return True


async def _all_pages(lrs: Lrs, params: dict[str, str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    r = await lrs.client.get("/statements", params=params)
    while True:
        assert r.status_code == 200, r.text
        body = r.json()
        out.extend(body["statements"])
        if not body["more"]:
            return out
        more = urlsplit(body["more"])
        assert not more.scheme and not more.netloc  # a relative IRL (Data §2.5)
        r = await lrs.client.get(str(lrs.client.base_url.join(body["more"])))


async def test_filters_match_a_brute_force_recount(lrs: Lrs) -> None:
    """XAPI-00164 (the statements match the filters), -00174..-00181 (until, since, related_agents,
    related_activities, registration, activity, verb, agent), -00173 (limit) with `more` followed to the end,
    -00166 (ascending)."""
    rng = random.Random(14)
    for _ in range(4):  # four batches: four `stored` values
        assert (await lrs.client.post("/statements", json=[_generated(rng) for _ in range(8)])).status_code == 200
    everything = await _all_pages(lrs, {})
    assert len(everything) == 32
    order = [(s["stored"], s["id"]) for s in everything]
    assert order == sorted(order, reverse=True)
    stamps = sorted({s["stored"] for s in everything})
    cases: list[dict[str, Any]] = [
        {"verb": VERBS[0]}, {"registration": REGISTRATIONS[1]}, {"agent": PEOPLE[0]}, {"agent": PEOPLE[1]},
        {"agent": PEOPLE[2], "related_agents": True}, {"activity": COURSES[0]},
        {"activity": COURSES[1], "related_activities": True}, {"verb": VERBS[1], "agent": PEOPLE[0]},
        {"since": stamps[0]}, {"until": stamps[1]}, {"since": stamps[0], "until": stamps[2], "verb": VERBS[2]},
    ]
    for f, (limit, ascending) in itertools.product(cases, [(0, False), (3, True), (1, False)]):
        params = {k: (json.dumps(v) if k == "agent" else str(v).lower() if isinstance(v, bool) else v)
                  for k, v in f.items()}
        if limit:
            params["limit"] = str(limit)
        if ascending:
            params["ascending"] = "true"
        got = await _all_pages(lrs, params)
        expected = [s for s in everything if _matches(s, f)
                    and ("since" not in f or s["stored"] > f["since"])
                    and ("until" not in f or s["stored"] <= f["until"])]
        if ascending:
            expected.reverse()
        assert [s["id"] for s in got] == [s["id"] for s in expected], (f, limit, ascending)


async def test_a_limited_page_says_more_and_the_link_keeps_working(lrs: Lrs) -> None:
    """Data §2.5 (`more` is a relative IRL, usable later: statements stored meanwhile do not disturb a
    newest-first walk), XAPI-00173."""
    await lrs.client.post("/statements", json=[statement(), statement()])
    first = (await lrs.client.get("/statements", params={"limit": "1"})).json()
    assert len(first["statements"]) == 1 and first["more"]
    prefix = "/api/metrics/xapi/statements?" if lrs.route == "gateway" else "/xapi/statements?"
    assert first["more"].startswith(prefix)
    await lrs.client.post("/statements", json=[statement(), statement()])
    second = (await lrs.client.get(str(lrs.client.base_url.join(first["more"])))).json()
    assert len(second["statements"]) == 1
    assert second["statements"][0]["id"] != first["statements"][0]["id"]
    assert second["statements"][0]["stored"] <= first["statements"][0]["stored"]
    bad = await lrs.client.get("/statements", params={"from": "garbage"})
    assert bad.status_code == 400


async def test_a_statement_ref_matches_through_its_target(lrs: Lrs) -> None:
    """Communication §2.1.3: for the non-time filters, a statement whose object is a StatementRef matches when its
    target does; XAPI-00162: it is returned even when the target is voided."""
    target = str(uuid.uuid4())
    await lrs.client.put("/statements", params={"statementId": target},
                         json=statement(verb={"id": VERBS[1]}))
    ref = statement(verb={"id": "http://adlnet.gov/expapi/verbs/experienced"},
                    object={"objectType": "StatementRef", "id": target})
    ref_id = (await lrs.client.post("/statements", json=ref)).json()[0]
    got = (await lrs.client.get("/statements", params={"verb": VERBS[1]})).json()["statements"]
    assert {s["id"] for s in got} == {target, ref_id}
    voiding = statement(verb={"id": "http://adlnet.gov/expapi/verbs/voided"},
                        object={"objectType": "StatementRef", "id": target})
    voiding_id = (await lrs.client.post("/statements", json=voiding)).json()[0]
    got = (await lrs.client.get("/statements", params={"verb": VERBS[1]})).json()["statements"]
    assert {s["id"] for s in got} == {ref_id, voiding_id}  # both refer to it; the voided target is left out


async def test_formats(lrs: Lrs) -> None:
    """XAPI-00168 (exact by default), -00170 (exact as received), -00171 (ids: identifiers only), -00169/-00172
    (canonical: one language per map, chosen by Accept-Language)."""
    sent = statement(actor={"objectType": "Agent", "name": "Ann", "mbox": "mailto:ann@example.com"},
                     verb={"id": VERBS[0], "display": {"en-US": "completed", "de-DE": "abgeschlossen"}})
    sid = (await lrs.client.post("/statements", json=sent)).json()[0]
    exact = (await lrs.client.get("/statements", params={"statementId": sid})).json()
    assert exact["actor"] == sent["actor"] and exact["verb"] == sent["verb"] and exact["object"] == sent["object"]
    ids = (await lrs.client.get("/statements", params={"statementId": sid, "format": "ids"})).json()
    assert ids["actor"] == {"objectType": "Agent", "mbox": "mailto:ann@example.com"}
    assert ids["verb"] == {"id": VERBS[0]}
    assert ids["object"] == {"objectType": "Activity", "id": sent["object"]["id"]}
    german = (await lrs.client.get("/statements", params={"format": "canonical"},
                                   headers={"accept-language": "de-DE, en;q=0.5"})).json()["statements"][0]
    assert german["verb"]["display"] == {"de-DE": "abgeschlossen"}
    assert german["object"]["definition"]["name"] == {"de-DE": "Gespräche"}
    english = (await lrs.client.get("/statements", params={"statementId": sid, "format": "canonical"},
                                    headers={"accept-language": "en"})).json()
    assert english["verb"]["display"] == {"en-US": "completed"}
