"""Alignment assessments over REST: the template, responses, closing, and the alignment report.

Expected scores are worked out by hand from the formulas at the top of services/behaviors/alignment.py:
p(f,s) = share of function f choosing View 2 on statement s; statement score = 1 - mean |p(f,s) - p(g,s)|
over pairs of functions; overall = mean of statement scores; function score = 1 - mean over statements and
other functions of |p(f,s) - p(g,s)|; consensus = |2 p(f,s) - 1|; all rounded to 4 places.
"""

import uuid
from fractions import Fraction
from itertools import combinations

from tests.behaviors.helpers import (
    create_assessment,
    create_objective,
    invalid,
    problem,
    respond,
    ts,
    views,
)


async def test_template_has_seven_paired_statements(api):
    r = await api.get("/v1/alignment-template")
    assert r.status_code == 200
    statements = r.json()
    assert [s["number"] for s in statements] == [1, 2, 3, 4, 5, 6, 7]
    assert statements[0]["topic"] == "Scope of sales training"
    assert statements[6]["topic"] == "Need for a sales training strategy"
    for s in statements:
        assert set(s) == {"number", "topic", "view_1", "view_2"}
        assert s["view_1"] and s["view_2"] and s["view_1"] != s["view_2"]
    assert len({s["topic"] for s in statements}) == 7


async def test_create_get_and_list(api):
    o = await create_objective(api)
    r = await api.post("/v1/assessments", json={"title": "  Q3 sales training alignment ", "objective_id": o["id"]})
    assert r.status_code == 201, r.text
    a = r.json()
    assert r.headers["location"] == f"/api/behaviors/v1/assessments/{a['id']}"
    assert (a["title"], a["template"], a["objective_id"], a["status"], a["closed_at"]) == (
        "Q3 sales training alignment", "training-strategy-v1", o["id"], "open", None)
    assert a["statements"] == (await api.get("/v1/alignment-template")).json()
    assert (await api.get(f"/v1/assessments/{a['id']}")).json() == a
    b = await create_assessment(api, "Without objective")
    assert b["objective_id"] is None
    assert [x["id"] for x in (await api.get("/v1/assessments")).json()["items"]] == [a["id"], b["id"]]
    assert [x["id"] for x in (await api.get("/v1/assessments", params={"ids": [b["id"]]})).json()["items"]] == [
        b["id"]]

    missing = str(uuid.uuid4())
    err = invalid(await api.post("/v1/assessments", json={"title": "t", "objective_id": missing}),
                  "body.objective_id", "reference")
    assert missing in err["message"]
    invalid(await api.post("/v1/assessments", json={}), "body.title", "missing")
    problem(await api.get(f"/v1/assessments/{uuid.uuid4()}"), 404)


async def test_put_response_is_idempotent_per_respondent(api):
    a = await create_assessment(api)
    url = f"/v1/assessments/{a['id']}/responses/alice@example.com"
    body = {"function": "enablement", "answers": views("1212121")}
    r = await api.put(url, json=body)
    assert r.status_code == 200, r.text
    first = r.json()
    assert (first["respondent"], first["function"], first["answers"]) == (
        "alice@example.com", "enablement", views("1212121"))

    # the same answers again change nothing, not even the timestamp
    again = await api.put(url, json=body)
    assert again.status_code == 200 and again.json() == first
    listed = (await api.get(f"/v1/assessments/{a['id']}/responses")).json()
    assert listed == [first]

    # new answers replace the old ones
    r = await api.put(url, json={"function": "training", "answers": views("2222222")})
    assert r.status_code == 200
    replaced = r.json()
    assert (replaced["function"], replaced["answers"]) == ("training", views("2222222"))
    assert ts(replaced["updated_at"]) > ts(first["updated_at"])
    assert (await api.get(f"/v1/assessments/{a['id']}/responses")).json() == [replaced]

    await respond(api, a["id"], "bob", "hr", "1111111")
    await respond(api, a["id"], "Aaron", "hr", "1111111")
    listed = (await api.get(f"/v1/assessments/{a['id']}/responses")).json()
    assert [x["respondent"] for x in listed] == sorted(["Aaron", "alice@example.com", "bob"])


async def test_response_validation(api):
    a = await create_assessment(api)
    url = f"/v1/assessments/{a['id']}/responses/carol"
    invalid(await api.put(url, json={"function": "hr", "answers": views("111111")}), "body.answers", "too_short")
    invalid(await api.put(url, json={"function": "hr", "answers": views("11111111")}), "body.answers", "too_long")
    invalid(await api.put(url, json={"function": "hr", "answers": []}), "body.answers", "too_short")
    invalid(await api.put(url, json={"function": "finance", "answers": views("1111111")}), "body.function",
            "literal_error")
    invalid(await api.put(url, json={"function": "hr", "answers": ["view_1"] * 6 + ["view_3"]}), "body.answers.6",
            "literal_error")
    invalid(await api.put(url, json={"function": "hr", "answers": [1, 2, 1, 2, 1, 2, 1]}), "body.answers.0",
            "literal_error")
    invalid(await api.put(url, json={"answers": views("1111111")}), "body.function", "missing")
    for bad in ("has space", "x" * 101, "semi;colon"):
        invalid(await api.put(f"/v1/assessments/{a['id']}/responses/{bad}",
                              json={"function": "hr", "answers": views("1111111")}),
                "path.respondent", "string_pattern_mismatch")
    assert (await api.get(f"/v1/assessments/{a['id']}/responses")).json() == []
    problem(await api.put(f"/v1/assessments/{uuid.uuid4()}/responses/carol",
                          json={"function": "hr", "answers": views("1111111")}), 404)
    problem(await api.get(f"/v1/assessments/{uuid.uuid4()}/responses"), 404)


async def test_closing(api):
    a = await create_assessment(api)
    await respond(api, a["id"], "dave", "hr", "1111111")
    r = await api.post(f"/v1/assessments/{a['id']}/close")
    assert r.status_code == 200, r.text
    closed = r.json()
    assert closed["status"] == "closed"
    assert ts(closed["closed_at"]) >= ts(closed["created_at"])
    assert closed == {**a, "status": "closed", "closed_at": closed["closed_at"]}
    assert (await api.get(f"/v1/assessments/{a['id']}")).json() == closed

    url = f"/v1/assessments/{a['id']}/responses/dave"
    body = problem(await api.put(url, json={"function": "hr", "answers": views("2222222")}), 409, url)
    assert "closed" in body["detail"]
    problem(await api.put(f"/v1/assessments/{a['id']}/responses/erin",
                          json={"function": "hr", "answers": views("1111111")}), 409)
    problem(await api.post(f"/v1/assessments/{a['id']}/close"), 409)
    assert [x["answers"] for x in (await api.get(f"/v1/assessments/{a['id']}/responses")).json()] == [
        views("1111111")]
    # the report stays readable
    assert (await api.get(f"/v1/assessments/{a['id']}/alignment")).json()["respondents"] == 1
    problem(await api.post(f"/v1/assessments/{uuid.uuid4()}/close"), 404)


async def report_of(api, responses):
    a = await create_assessment(api)
    for n, (function, pattern) in enumerate(responses):
        await respond(api, a["id"], f"r{n:02d}", function, pattern)
    r = await api.get(f"/v1/assessments/{a['id']}/alignment")
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["assessment_id"] == a["id"]
    assert report["respondents"] == len(responses)
    assert [s["number"] for s in report["statements"]] == list(range(1, 8))
    return report


async def test_opposed_functions_score_zero(api):
    report = await report_of(api, [("sales_leadership", "1111111"), ("sales_leadership", "1111111"),
                                   ("enablement", "2222222")])
    assert report["overall"] == 0.0
    assert report["note"] is None
    for s in report["statements"]:
        assert s["score"] == 0.0
        assert [(f["function"], f["respondents"], f["view_2_share"], f["consensus"]) for f in s["functions"]] == [
            ("enablement", 1, 1.0, 1.0), ("sales_leadership", 2, 0.0, 1.0)]
    assert [(f["function"], f["respondents"], f["view_2_share"], f["score"]) for f in report["functions"]] == [
        ("enablement", 1, 1.0, 0.0), ("sales_leadership", 2, 0.0, 0.0)]


async def test_identical_mixes_score_one(api):
    # each function splits evenly on every statement: p = 0.5 everywhere, so every gap is 0
    report = await report_of(api, [("sales_leadership", "1111111"), ("sales_leadership", "2222222"),
                                   ("enablement", "1212121"), ("enablement", "2121212")])
    assert report["overall"] == 1.0
    for s in report["statements"]:
        assert s["score"] == 1.0
        assert [(f["view_2_share"], f["consensus"]) for f in s["functions"]] == [(0.5, 0.0), (0.5, 0.0)]
    assert [(f["function"], f["view_2_share"], f["score"]) for f in report["functions"]] == [
        ("enablement", 0.5, 1.0), ("sales_leadership", 0.5, 1.0)]


THREE_FUNCTIONS = [
    # p(sales_leadership) = [1, 2/3, 1/3, 0, 1/3, 0, 2/3]
    ("sales_leadership", "2221111"), ("sales_leadership", "2211112"), ("sales_leadership", "2111212"),
    # p(enablement) = [1/2, 1, 1/2, 1, 0, 0, 1]
    ("enablement", "2222112"), ("enablement", "1212112"),
    # p(training) = [1/4, 1/4, 0, 1/2, 0, 0, 0]
    ("training", "1212111"), ("training", "1112111"), ("training", "1111111"), ("training", "2111111"),
]


def reference(responses):
    """The documented formulas, in exact fractions."""
    by_f: dict[str, list[str]] = {}
    for f, pattern in responses:
        by_f.setdefault(f, []).append(pattern)
    p = {f: [Fraction(sum(a[s] == "2" for a in rows), len(rows)) for s in range(7)] for f, rows in by_f.items()}
    fs = sorted(p)
    stmt = [1 - sum(abs(p[f][s] - p[g][s]) for f, g in combinations(fs, 2)) / len(list(combinations(fs, 2)))
            for s in range(7)]
    func = {f: 1 - sum(abs(p[f][s] - p[g][s]) for g in fs if g != f for s in range(7)) / (7 * (len(fs) - 1))
            for f in fs}
    return p, stmt, sum(stmt) / 7, func


def r4(x):
    return round(float(x), 4)


async def test_three_functions_with_fractional_shares(api):
    report = await report_of(api, THREE_FUNCTIONS)

    # by hand, statement s1: gaps |1 - 1/2|, |1 - 1/4|, |1/2 - 1/4| = 1/2, 3/4, 1/4 → mean 1/2 → 0.5
    # s3: 1/6, 1/3, 1/2 → mean 1/3 → 2/3; s4: 1, 1/2, 1/2 → 1/3; s5: 1/3, 1/3, 0 → 7/9; s6: 1; s7: 1/3
    assert [s["score"] for s in report["statements"]] == [0.5, 0.5, 0.6667, 0.3333, 0.7778, 1.0, 0.3333]
    assert report["overall"] == 0.5873  # 37/63
    # sales_leadership: distances 8/3 to enablement and 3 to training over 14 pairs → 1 - 17/42 = 25/42
    assert [(f["function"], f["respondents"], f["view_2_share"], f["score"]) for f in report["functions"]] == [
        ("enablement", 2, 0.5714, 0.5952), ("sales_leadership", 3, 0.4286, 0.5952), ("training", 4, 0.1429, 0.5714)]
    s1, s3 = report["statements"][0], report["statements"][2]
    assert [(f["function"], f["view_2_share"], f["consensus"]) for f in s1["functions"]] == [
        ("enablement", 0.5, 0.0), ("sales_leadership", 1.0, 1.0), ("training", 0.25, 0.5)]
    assert [(f["view_2_share"], f["consensus"]) for f in s3["functions"]] == [(0.5, 0.0), (0.3333, 0.3333),
                                                                             (0.0, 1.0)]
    assert report["note"] is None

    # and the same from the exact formulas, for every number in the report
    p, stmt, overall, func = reference(THREE_FUNCTIONS)
    assert report["overall"] == r4(overall)
    for s, st in enumerate(report["statements"]):
        assert st["score"] == r4(stmt[s])
        for f in st["functions"]:
            assert f["view_2_share"] == r4(p[f["function"]][s])
            assert f["consensus"] == r4(abs(2 * p[f["function"]][s] - 1))
    for f in report["functions"]:
        assert f["score"] == r4(func[f["function"]])
        assert f["view_2_share"] == r4(sum(p[f["function"]]) / 7)


async def test_overall_is_rounded_once(api):
    # statement scores 1, 1, 1, 1, 2/3, 2/3, 2/3 → overall 6/7 = 0.857142… → 0.8571
    # (averaging the rounded 0.6667s would give 0.8572)
    report = await report_of(api, [("enablement", "1111111"), ("sales_leadership", "1111111"),
                                   ("sales_leadership", "1111111"), ("sales_leadership", "1111222")])
    assert [s["score"] for s in report["statements"]] == [1.0, 1.0, 1.0, 1.0, 0.6667, 0.6667, 0.6667]
    assert report["overall"] == 0.8571


async def test_one_function_has_no_alignment(api):
    report = await report_of(api, [("marketing", "1212121"), ("marketing", "1111111")])
    assert report["overall"] is None
    assert report["note"] == "Alignment needs responses from at least two functions."
    assert all(s["score"] is None for s in report["statements"])
    assert [(f["function"], f["respondents"], f["score"]) for f in report["functions"]] == [("marketing", 2, None)]
    assert [f["view_2_share"] for f in report["functions"]] == [r4(Fraction(3, 14))]  # 3 of 14 answers
    assert [s["functions"][0]["view_2_share"] for s in report["statements"]] == [0.0, 0.5, 0.0, 0.5, 0.0, 0.5, 0.0]


async def test_no_responses_yet(api):
    report = await report_of(api, [])
    assert (report["respondents"], report["overall"], report["functions"]) == (0, None, [])
    assert report["note"] is not None
    assert all(s["score"] is None and s["functions"] == [] for s in report["statements"])
    problem(await api.get(f"/v1/assessments/{uuid.uuid4()}/alignment"), 404)


async def test_replaced_answers_change_the_report(api):
    a = await create_assessment(api)
    await respond(api, a["id"], "x", "hr", "1111111")
    await respond(api, a["id"], "y", "marketing", "2222222")
    assert (await api.get(f"/v1/assessments/{a['id']}/alignment")).json()["overall"] == 0.0
    await respond(api, a["id"], "y", "marketing", "1111111")
    report = (await api.get(f"/v1/assessments/{a['id']}/alignment")).json()
    assert (report["respondents"], report["overall"]) == (2, 1.0)
    # moving a respondent to another function moves their answers with them
    await respond(api, a["id"], "y", "hr", "1111111")
    report = (await api.get(f"/v1/assessments/{a['id']}/alignment")).json()
    assert [(f["function"], f["respondents"]) for f in report["functions"]] == [("hr", 2)]
    assert report["overall"] is None
