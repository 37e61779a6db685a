"""Queries: filters, cursors, lookups by id and key, objectives, the alignment template and assessments."""

from urllib.parse import parse_qs

from tests.gateway.helpers import (
    active_behavior,
    behavior_op,
    create_assessment,
    create_behavior,
    create_objective,
    errors_of,
    new_uuid,
    submit_response,
)

LIST = """query($status: BehaviorStatus, $audience: AudienceRole, $objectiveId: ID, $category: BehaviorCategory,
               $first: Int! = 50, $after: String) {
  behaviors(status: $status, audience: $audience, objectiveId: $objectiveId, category: $category,
            first: $first, after: $after) { items { key } nextCursor } }"""

BY = "query($id: ID, $key: String) { behavior(id: $id, key: $key) { id key name } }"


async def keys(gql, **filters) -> list[str]:
    data = await gql(LIST, **filters)
    return [b["key"] for b in data["behaviors"]["items"]]


async def test_behaviors_filters(gql):
    o1, o2 = await create_objective(gql, "One"), await create_objective(gql, "Two")
    await active_behavior(gql, "alpha", audience=["SELLER"], category="SELLING", objectiveId=o1["id"])
    await create_behavior(gql, "bravo", audience=["MANAGER"], category="COACHING", objectiveId=o2["id"])
    charlie = await active_behavior(gql, "charlie", audience=["SELLER", "LEADER"], category="COACHING")
    assert (await behavior_op(gql, "retireBehavior", charlie["id"]))["status"] == "RETIRED"
    await create_behavior(gql, "delta", audience=["LEADER"], category="SELLING", objectiveId=o1["id"])

    assert await keys(gql) == ["alpha", "bravo", "charlie", "delta"]  # creation order
    assert await keys(gql, status="ACTIVE") == ["alpha"]
    assert await keys(gql, status="DRAFT") == ["bravo", "delta"]
    assert await keys(gql, status="RETIRED") == ["charlie"]
    assert await keys(gql, audience="SELLER") == ["alpha", "charlie"]
    assert await keys(gql, audience="LEADER") == ["charlie", "delta"]
    assert await keys(gql, audience="MANAGER") == ["bravo"]
    assert await keys(gql, objectiveId=o1["id"]) == ["alpha", "delta"]
    assert await keys(gql, objectiveId=o2["id"]) == ["bravo"]
    assert await keys(gql, objectiveId=new_uuid()) == []
    assert await keys(gql, category="COACHING") == ["bravo", "charlie"]
    assert await keys(gql, category="SELLING", audience="LEADER") == ["delta"]
    assert await keys(gql, status="DRAFT", objectiveId=o1["id"], category="SELLING") == ["delta"]


async def test_behaviors_cursor_pagination(stack, gql):
    for n in range(5):
        await create_behavior(gql, f"page-{n}")
    seen, after, pages = [], None, []
    while True:
        data = await gql(LIST, first=2, after=after)
        page = data["behaviors"]
        pages.append([b["key"] for b in page["items"]])
        seen += pages[-1]
        after = page["nextCursor"]
        if after is None:
            break
    assert pages == [["page-0", "page-1"], ["page-2", "page-3"], ["page-4"]]
    assert seen == [f"page-{n}" for n in range(5)]

    data = await gql(LIST, first=5)  # exactly all of them: no next page
    assert len(data["behaviors"]["items"]) == 5 and data["behaviors"]["nextCursor"] is None

    stack.calls.clear()
    data = await gql(LIST, first=100_000)  # capped at the service's page limit, not an error
    assert len(data["behaviors"]["items"]) == 5
    assert parse_qs(stack.calls[0].url.query.decode())["limit"] == ["200"]
    stack.calls.clear()
    data = await gql(LIST, first=0)
    assert len(data["behaviors"]["items"]) == 1
    assert parse_qs(stack.calls[0].url.query.decode())["limit"] == ["1"]

    response = await gql.raw(LIST, after="not-a-cursor!")
    [error] = errors_of(response)
    assert error["message"] == "The cursor is not valid."
    assert error["extensions"] == {"code": "BAD_REQUEST", "service": "behaviors", "status": 422}


async def test_behavior_by_id_and_by_key(gql):
    created = await create_behavior(gql, "lookup")
    expected = {"id": created["id"], "key": "lookup", "name": "Behaviour lookup"}
    assert (await gql(BY, id=created["id"]))["behavior"] == expected
    assert (await gql(BY, key="lookup"))["behavior"] == expected

    # unknown or malformed: null, never an error
    for args in ({"id": new_uuid()}, {"id": "nope"}, {"id": ""}, {"id": "../objectives"},
                 {"key": "unknown"}, {"key": "x" * 65}, {"key": ""}, {"key": "Not A Key"}):
        assert (await gql(BY, **args))["behavior"] is None, args

    for args in ({}, {"id": created["id"], "key": "lookup"}):
        [error] = errors_of(await gql.raw(BY, **args))
        assert error["message"] == "Give exactly one of id or key.", args


async def test_objective_and_objectives(gql):
    planned = await create_objective(gql, "Planned one")
    active = await create_objective(gql, "Active one", status="ACTIVE")
    third = await create_objective(gql, "Active two", status="ACTIVE")

    data = await gql("query($id: ID!) { objective(id: $id) { id name status } }", id=active["id"])
    assert data["objective"] == {"id": active["id"], "name": "Active one", "status": "ACTIVE"}
    for missing in (new_uuid(), "nope", "1"):
        data = await gql("query($id: ID!) { objective(id: $id) { id } }", id=missing)
        assert data["objective"] is None, missing

    query = """query($status: ObjectiveStatus, $first: Int! = 50, $after: String) {
        objectives(status: $status, first: $first, after: $after) { items { id name } nextCursor } }"""
    data = await gql(query)
    assert [o["id"] for o in data["objectives"]["items"]] == [planned["id"], active["id"], third["id"]]
    data = await gql(query, status="ACTIVE")
    assert [o["name"] for o in data["objectives"]["items"]] == ["Active one", "Active two"]
    data = await gql(query, status="ACHIEVED")
    assert data["objectives"] == {"items": [], "nextCursor": None}
    first = (await gql(query, first=2))["objectives"]
    assert len(first["items"]) == 2 and first["nextCursor"]
    rest = (await gql(query, first=2, after=first["nextCursor"]))["objectives"]
    assert rest == {"items": [{"id": third["id"], "name": "Active two"}], "nextCursor": None}


async def test_alignment_template(gql):
    data = await gql("{ alignmentTemplate { number topic view1 view2 } }")
    statements = data["alignmentTemplate"]
    assert [s["number"] for s in statements] == [1, 2, 3, 4, 5, 6, 7]
    assert statements[0]["topic"] == "Scope of sales training"
    assert all(s["topic"] and s["view1"] and s["view2"] and s["view1"] != s["view2"] for s in statements)


ASSESSMENT = """query($id: ID!) { assessment(id: $id) {
  id title open objective { name }
  responses { respondent function answers }
  alignment { respondents overall note
              statements { number topic score functions { function respondents view2Share consensus } }
              functions { function respondents view2Share score } } } }"""


async def test_assessment_with_responses_and_alignment(gql):
    objective = await create_objective(gql, "Align the training strategy")
    assessment = await create_assessment(gql, "Strategy check", objectiveId=objective["id"])

    empty = (await gql(ASSESSMENT, id=assessment["id"]))["assessment"]
    assert empty["responses"] == [] and empty["alignment"]["respondents"] == 0
    assert empty["alignment"]["overall"] is None and empty["alignment"]["note"]

    v2, v1 = "VIEW_2", "VIEW_1"
    for respondent, function, answers in (("lea", "SALES_LEADERSHIP", [v2] * 7),
                                          ("lou", "SALES_LEADERSHIP", [v2] * 7),
                                          ("eve", "ENABLEMENT", [v2] + [v1] * 6)):
        out = await submit_response(gql, assessment["id"], respondent, function, answers)
        assert out["__typename"] == "AssessmentResponse", out

    a = (await gql(ASSESSMENT, id=assessment["id"]))["assessment"]
    assert (a["title"], a["open"], a["objective"]) == ("Strategy check", True, {"name": "Align the training strategy"})
    assert [(r["respondent"], r["function"]) for r in a["responses"]] == [
        ("eve", "ENABLEMENT"), ("lea", "SALES_LEADERSHIP"), ("lou", "SALES_LEADERSHIP")]
    report = a["alignment"]
    assert report["respondents"] == 3 and report["note"] is None
    # statement 1: both functions all View 2 (aligned); statements 2-7: one all View 2, the other all View 1
    assert [s["score"] for s in report["statements"]] == [1.0] + [0.0] * 6
    assert report["overall"] == round(1 / 7, 4)
    assert {f["function"]: (f["respondents"], f["score"]) for f in report["functions"]} == {
        "ENABLEMENT": (1, round(1 / 7, 4)), "SALES_LEADERSHIP": (2, round(1 / 7, 4))}
    split = {f["function"]: f for f in report["statements"][1]["functions"]}
    assert split["SALES_LEADERSHIP"]["view2Share"] == 1.0 and split["ENABLEMENT"]["view2Share"] == 0.0
    assert split["SALES_LEADERSHIP"]["consensus"] == 1.0


async def test_assessment_lookup_and_list(gql):
    first = await create_assessment(gql, "First")
    second = await create_assessment(gql, "Second")
    for missing in (new_uuid(), "nope", f"{first['id']}/alignment", f"{first['id']}/close",
                    f"{first['id']}/responses"):
        data = await gql("query($id: ID!) { assessment(id: $id) { id } }", id=missing)
        assert data["assessment"] is None, missing

    query = "query($after: String) { assessments(first: 1, after: $after) { items { id title } nextCursor } }"
    page = (await gql(query))["assessments"]
    assert page["items"] == [{"id": first["id"], "title": "First"}] and page["nextCursor"]
    page = (await gql(query, after=page["nextCursor"]))["assessments"]
    assert page == {"items": [{"id": second["id"], "title": "Second"}], "nextCursor": None}


async def test_ids_match_in_any_spelling(gql):
    made = await gql('mutation { createObjective(input: {name: "Case"}) { ... on Objective { id } } }')
    oid = made["createObjective"]["id"]
    found = await gql("query($id: ID!) { objective(id: $id) { id } }", id=oid.upper())
    assert found["objective"] == {"id": oid}
