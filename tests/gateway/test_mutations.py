"""Every mutation of the schema: the happy path and each union failure member it can answer."""

from typing import Any

from gateway.resolvers.behaviors import BehaviorsMutation
from tests.gateway.helpers import (
    ASSESSMENT,
    BEHAVIOR,
    INDICATOR,
    OBJECTIVE,
    PROBLEM,
    SCENARIO,
    active_behavior,
    add_scenario,
    behavior_op,
    client_for,
    create_assessment,
    create_behavior,
    create_objective,
    indicator,
    mutation_names,
    new_uuid,
    publish,
    result,
    submit_response,
)

UPDATE_OBJECTIVE = f"""mutation($id: ID!, $input: ObjectivePatch!) {{ updateObjective(id: $id, input: $input) {{
    {PROBLEM} ... on Objective {{ {OBJECTIVE} }} }} }}"""
DELETE_OBJECTIVE = f"mutation($id: ID!) {{ deleteObjective(id: $id) {{ {PROBLEM} ... on Deleted {{ id }} }} }}"
CREATE_OBJECTIVE = f"""mutation($input: ObjectiveInput!) {{ createObjective(input: $input) {{
    {PROBLEM} ... on Objective {{ id }} }} }}"""
CREATE_BEHAVIOR = f"""mutation($input: BehaviorInput!) {{ createBehavior(input: $input) {{
    {PROBLEM} ... on Behavior {{ id }} }} }}"""
DELETE_BEHAVIOR = f"mutation($id: ID!) {{ deleteBehavior(id: $id) {{ {PROBLEM} ... on Deleted {{ id }} }} }}"
ADD_INDICATOR = f"""mutation($b: ID!, $input: IndicatorInput!) {{ addIndicator(behaviorId: $b, input: $input) {{
    {PROBLEM} ... on Indicator {{ {INDICATOR} }} }} }}"""
UPDATE_INDICATOR = f"""mutation($b: ID!, $i: ID!, $input: IndicatorPatch!) {{
    updateIndicator(behaviorId: $b, indicatorId: $i, input: $input) {{
      {PROBLEM} ... on Indicator {{ {INDICATOR} }} }} }}"""
REMOVE_INDICATOR = f"""mutation($b: ID!, $i: ID!) {{ removeIndicator(behaviorId: $b, indicatorId: $i) {{
    {PROBLEM} ... on Deleted {{ id }} }} }}"""
ADD_SCENARIO = f"""mutation($b: ID!, $input: ScenarioInput!) {{ addScenario(behaviorId: $b, input: $input) {{
    {PROBLEM} ... on Scenario {{ {SCENARIO} }} }} }}"""
UPDATE_SCENARIO = f"""mutation($b: ID!, $s: ID!, $input: ScenarioPatch!) {{
    updateScenario(behaviorId: $b, scenarioId: $s, input: $input) {{ {PROBLEM} ... on Scenario {{ {SCENARIO} }} }} }}"""
DELETE_SCENARIO = f"""mutation($b: ID!, $s: ID!) {{ deleteScenario(behaviorId: $b, scenarioId: $s) {{
    {PROBLEM} ... on Deleted {{ id }} }} }}"""
CREATE_ASSESSMENT = f"""mutation($input: AssessmentInput!) {{ createAssessment(input: $input) {{
    {PROBLEM} ... on Assessment {{ {ASSESSMENT} objective {{ name }} }} }} }}"""
CLOSE_ASSESSMENT = f"""mutation($id: ID!) {{ closeAssessment(id: $id) {{
    {PROBLEM} ... on Assessment {{ {ASSESSMENT} }} }} }}"""

SEVEN_V1 = ["VIEW_1"] * 7


def fields_of(problem: dict[str, Any]) -> dict[str, dict[str, Any]]:
    assert problem["__typename"] == "ValidationProblem", problem
    assert problem["message"], problem
    return {f["field"]: f for f in problem["fields"]}


# ---- objectives -------------------------------------------------------------------------------

async def test_objective_create_update_delete(gql):
    created = await create_objective(gql, "Grow enterprise", description="Top 50 accounts", startsOn="2025-01-01",
                                     endsOn="2025-12-31", status="ACTIVE", ownerId=(owner := new_uuid()))
    assert created["name"] == "Grow enterprise" and created["description"] == "Top 50 accounts"
    assert (created["startsOn"], created["endsOn"]) == ("2025-01-01", "2025-12-31")
    assert created["status"] == "ACTIVE" and created["ownerId"] == owner

    data = await gql(UPDATE_OBJECTIVE, id=created["id"], input={"name": "Grow mid-market", "status": "ACHIEVED"})
    updated = result(data, "updateObjective", "Objective")
    assert (updated["id"], updated["name"], updated["status"]) == (created["id"], "Grow mid-market", "ACHIEVED")
    assert updated["description"] == "Top 50 accounts"  # untouched by the patch

    data = await gql(DELETE_OBJECTIVE, id=created["id"])
    assert result(data, "deleteObjective", "Deleted")["id"] == created["id"]
    assert (await gql("query($id: ID!) { objective(id: $id) { id } }", id=created["id"]))["objective"] is None


async def test_objective_failures(gql):
    data = await gql(CREATE_OBJECTIVE, input={"name": "   "})
    assert "name" in fields_of(data["createObjective"])

    data = await gql(CREATE_OBJECTIVE, input={"name": "Backwards", "startsOn": "2025-06-01", "endsOn": "2025-01-01"})
    problem = data["createObjective"]
    assert problem["__typename"] == "ValidationProblem"
    assert any("ends_on must not be before starts_on" in f["message"] for f in problem["fields"]), problem

    objective = await create_objective(gql)
    data = await gql(UPDATE_OBJECTIVE, id=objective["id"], input={"name": None})
    assert fields_of(data["updateObjective"])["name"]["message"] == "name cannot be null"

    missing = new_uuid()
    data = await gql(UPDATE_OBJECTIVE, id=missing, input={"name": "x"})
    assert result(data, "updateObjective", "NotFound")["message"] == f"Objective {missing} does not exist."
    data = await gql(DELETE_OBJECTIVE, id=missing)
    assert result(data, "deleteObjective", "NotFound")["message"] == f"Objective {missing} does not exist."

    await create_behavior(gql, "uses-objective", objectiveId=objective["id"])
    data = await gql(DELETE_OBJECTIVE, id=objective["id"])
    assert "referenced by behaviours" in result(data, "deleteObjective", "Conflict")["message"]


# ---- behaviours -------------------------------------------------------------------------------

async def test_create_behavior_maps_every_field(gql):
    objective = await create_objective(gql)
    person = new_uuid()
    created = await create_behavior(
        gql, "discovery-calls", name="Run discovery calls", description="Ask before pitching", rationale="Trust",
        objectiveId=objective["id"], audience=["SELLER", "MANAGER"], category="COACHING", stage="discovery",
        priority=1, ownerId=person, responsible=[{"personId": person, "function": "ENABLEMENT"}],
        rubric=[{"level": 1, "name": "Starting", "descriptor": "Asks one question"},
                {"level": 2, "name": "Fluent", "descriptor": "Asks five"}],
        indicators=[indicator("discovery_calls", 3, comparator="LTE", period="MONTH"),
                    indicator("deal_quality", 0.5, kind="PROFICIENCY")])
    assert created["key"] == "discovery-calls" and created["status"] == "DRAFT"
    assert (created["version"], created["draftVersion"], created["draft"]) == (None, 1, None)
    assert created["name"] == "Run discovery calls" and created["description"] == "Ask before pitching"
    assert created["rationale"] == "Trust" and created["stage"] == "discovery" and created["priority"] == 1
    assert created["audience"] == ["SELLER", "MANAGER"] and created["category"] == "COACHING"
    assert created["ownerId"] == person and created["responsible"] == [{"personId": person, "function": "ENABLEMENT"}]
    assert [r["level"] for r in created["rubric"]] == [1, 2] and created["rubric"][1]["name"] == "Fluent"
    assert [(i["metricKey"], i["kind"], i["target"], i["comparator"], i["period"]) for i in created["indicators"]] == [
        ("discovery_calls", "ACTIVITY", 3.0, "LTE", "MONTH"), ("deal_quality", "PROFICIENCY", 0.5, "GTE", "WEEK")]
    assert created["publishedAt"] is None and created["retiredAt"] is None

    data = await gql("query($id: ID!) { behavior(id: $id) { objective { id name } } }", id=created["id"])
    assert data["behavior"]["objective"] == {"id": objective["id"], "name": objective["name"]}


async def test_create_behavior_failures(gql):
    data = await gql(CREATE_BEHAVIOR, input={"key": "Bad Key", "name": "x", "audience": ["SELLER"]})
    key = fields_of(data["createBehavior"])["key"]
    assert key["code"] == "string_pattern_mismatch" and "pattern" in key["message"]

    data = await gql(CREATE_BEHAVIOR, input={"key": "no-audience", "name": "x", "audience": []})
    assert fields_of(data["createBehavior"])["audience"]["code"] == "too_short"

    data = await gql(CREATE_BEHAVIOR, input={"key": "bad-indicator", "name": "x", "audience": ["SELLER"],
                                             "indicators": [indicator("calls", -1)]})
    assert "indicators.0.target" in fields_of(data["createBehavior"])

    data = await gql(CREATE_BEHAVIOR, input={"key": "bad-rubric", "name": "x", "audience": ["SELLER"],
                                             "rubric": [{"level": 2, "name": "Two", "descriptor": ""}]})
    assert "rubric" in fields_of(data["createBehavior"])

    missing = new_uuid()
    data = await gql(CREATE_BEHAVIOR, input={"key": "orphan", "name": "x", "audience": ["SELLER"],
                                             "objectiveId": missing})
    assert fields_of(data["createBehavior"])["objectiveId"]["message"] == f"Objective {missing} does not exist."

    await create_behavior(gql, "taken")
    data = await gql(CREATE_BEHAVIOR, input={"key": "taken", "name": "Again", "audience": ["LEADER"]})
    assert result(data, "createBehavior", "Conflict")["message"] == "A behaviour with the key 'taken' already exists."


async def test_update_behavior_draft_in_place_and_failures(gql):
    created = await create_behavior(gql, "in-place")
    out = await behavior_op(gql, "updateBehavior", created["id"], input={"name": "Renamed", "priority": 5})
    assert out["__typename"] == "Behavior"
    assert (out["name"], out["priority"], out["version"], out["draftVersion"]) == ("Renamed", 5, None, 1)
    assert out["draft"] is None  # a never-published behaviour's content *is* its draft

    out = await behavior_op(gql, "updateBehavior", created["id"], input={"priority": 9})
    assert fields_of(out)["priority"]["code"] == "less_than_equal"
    out = await behavior_op(gql, "updateBehavior", created["id"], input={"name": None})
    assert fields_of(out)["name"]["message"] == "name cannot be null"
    out = await behavior_op(gql, "updateBehavior", created["id"], input={"objectiveId": new_uuid()})
    assert "objectiveId" in fields_of(out)
    missing = new_uuid()
    out = await behavior_op(gql, "updateBehavior", missing, input={"name": "x"})
    assert out == {"__typename": "NotFound", "message": f"Behaviour {missing} does not exist."}


async def test_publish_retire_discard_delete(gql):
    bare = await create_behavior(gql, "no-indicators", with_indicator=False)
    out = await behavior_op(gql, "publishBehavior", bare["id"])
    assert out["__typename"] == "Conflict" and "at least one indicator" in out["message"]

    active = await publish(gql, (await create_behavior(gql, "lifecycle"))["id"])
    assert (active["status"], active["version"], active["draftVersion"]) == ("ACTIVE", 1, None)
    assert active["publishedAt"] is not None
    out = await behavior_op(gql, "publishBehavior", active["id"])
    assert out["__typename"] == "Conflict" and "no draft to publish" in out["message"]

    # discarding needs a pending revision
    out = await behavior_op(gql, "discardBehaviorDraft", active["id"])
    assert out == {"__typename": "Conflict",
                   "message": "Only a pending revision of an active behaviour can be discarded."}
    revised = await behavior_op(gql, "updateBehavior", active["id"], input={"name": "Revision"})
    assert (revised["draftVersion"], revised["draft"]["name"]) == (2, "Revision")
    assert revised["name"] == "Behaviour lifecycle"
    out = await behavior_op(gql, "discardBehaviorDraft", active["id"])
    assert out["__typename"] == "Behavior"
    assert (out["draftVersion"], out["draft"], out["version"], out["name"]) == (None, None, 1, "Behaviour lifecycle")

    # deleting is for never-published drafts only
    data = await gql(DELETE_BEHAVIOR, id=active["id"])
    assert "Only a never-published draft can be deleted" in result(data, "deleteBehavior", "Conflict")["message"]
    data = await gql(DELETE_BEHAVIOR, id=bare["id"])
    assert result(data, "deleteBehavior", "Deleted") == {"__typename": "Deleted", "id": bare["id"]}
    assert (await gql("query($id: ID!) { behavior(id: $id) { id } }", id=bare["id"]))["behavior"] is None
    data = await gql(DELETE_BEHAVIOR, id=bare["id"])
    assert result(data, "deleteBehavior", "NotFound")["message"] == f"Behaviour {bare['id']} does not exist."

    # retiring: only an active behaviour, and then it is frozen
    draft = await create_behavior(gql, "still-draft")
    out = await behavior_op(gql, "retireBehavior", draft["id"])
    assert out["__typename"] == "Conflict" and "this one is draft" in out["message"]
    retired = await behavior_op(gql, "retireBehavior", active["id"])
    assert retired["__typename"] == "Behavior"
    assert retired["status"] == "RETIRED" and retired["retiredAt"] is not None
    for mutation, args in (("retireBehavior", {}), ("publishBehavior", {}), ("discardBehaviorDraft", {}),
                           ("updateBehavior", {"input": {"name": "x"}})):
        out = await behavior_op(gql, mutation, active["id"], **args)
        assert out["__typename"] == "Conflict", (mutation, out)

    missing = new_uuid()
    for mutation in ("publishBehavior", "retireBehavior", "discardBehaviorDraft"):
        out = await behavior_op(gql, mutation, missing)
        assert out == {"__typename": "NotFound", "message": f"Behaviour {missing} does not exist."}, mutation


# ---- indicators -------------------------------------------------------------------------------

async def test_indicators_add_update_remove(gql):
    created = await create_behavior(gql, "measured", with_indicator=False)
    data = await gql(ADD_INDICATOR, b=created["id"], input=indicator("meetings_booked", 4, period="QUARTER"))
    added = result(data, "addIndicator", "Indicator")
    assert (added["metricKey"], added["target"], added["comparator"], added["period"]) == (
        "meetings_booked", 4.0, "GTE", "QUARTER")

    data = await gql(UPDATE_INDICATOR, b=created["id"], i=added["id"], input={"target": 6, "comparator": "LTE"})
    updated = result(data, "updateIndicator", "Indicator")
    assert (updated["id"], updated["target"], updated["comparator"], updated["metricKey"]) == (
        added["id"], 6.0, "LTE", "meetings_booked")

    data = await gql(ADD_INDICATOR, b=created["id"], input={"metricKey": "Bad-Key", "kind": "ACTIVITY", "target": -2})
    assert set(fields_of(data["addIndicator"])) == {"metricKey", "target"}
    data = await gql(UPDATE_INDICATOR, b=created["id"], i=added["id"], input={"target": None})
    assert fields_of(data["updateIndicator"])["target"]["message"] == "target cannot be null"

    data = await gql(REMOVE_INDICATOR, b=created["id"], i=added["id"])
    assert result(data, "removeIndicator", "Deleted")["id"] == added["id"]
    data = await gql("query($id: ID!) { behavior(id: $id) { indicators { id } } }", id=created["id"])
    assert data["behavior"]["indicators"] == []

    data = await gql(REMOVE_INDICATOR, b=created["id"], i=added["id"])
    assert result(data, "removeIndicator", "NotFound")["message"] == (
        f"Behaviour {created['id']} has no indicator {added['id']}.")
    data = await gql(UPDATE_INDICATOR, b=created["id"], i=new_uuid(), input={"target": 1})
    assert "has no indicator" in result(data, "updateIndicator", "NotFound")["message"]
    missing = new_uuid()
    data = await gql(ADD_INDICATOR, b=missing, input=indicator())
    assert result(data, "addIndicator", "NotFound")["message"] == f"Behaviour {missing} does not exist."


async def test_indicator_on_active_behavior_opens_a_draft(gql):
    active = await active_behavior(gql, "active-measured")
    data = await gql(ADD_INDICATOR, b=active["id"], input=indicator("emails_sent", 10))
    added = result(data, "addIndicator", "Indicator")
    data = await gql("""query($id: ID!) { behavior(id: $id) { version draftVersion indicators { metricKey }
                        draft { indicators { id metricKey } } } }""", id=active["id"])
    b = data["behavior"]
    assert (b["version"], b["draftVersion"]) == (1, 2)
    assert [i["metricKey"] for i in b["indicators"]] == ["calls_made"]  # the published version is frozen
    assert [i["metricKey"] for i in b["draft"]["indicators"]] == ["calls_made", "emails_sent"]
    assert b["draft"]["indicators"][1]["id"] == added["id"]


# ---- scenarios --------------------------------------------------------------------------------

async def test_scenarios_add_update_delete(gql):
    created = await create_behavior(gql, "scripted")
    scenario = await add_scenario(gql, created["id"], "Cold CIO", situation="First call",
                                  openingQuestions=["What keeps you up?"], signsOfProficiency=["Listens"],
                                  rootCauses=["SKILLS", "KNOWLEDGE"])
    assert scenario["behaviorId"] == created["id"] and scenario["title"] == "Cold CIO"
    assert scenario["openingQuestions"] == ["What keeps you up?"] and scenario["rootCauses"] == ["SKILLS", "KNOWLEDGE"]

    data = await gql(UPDATE_SCENARIO, b=created["id"], s=scenario["id"], input={"title": "Warm CIO"})
    updated = result(data, "updateScenario", "Scenario")
    assert (updated["id"], updated["title"], updated["situation"]) == (scenario["id"], "Warm CIO", "First call")

    data = await gql(ADD_SCENARIO, b=created["id"], input={"title": ""})
    assert "title" in fields_of(data["addScenario"])
    data = await gql(ADD_SCENARIO, b=created["id"], input={"title": "Twice", "rootCauses": ["SKILLS", "SKILLS"]})
    assert "rootCauses" in fields_of(data["addScenario"])
    data = await gql(UPDATE_SCENARIO, b=created["id"], s=scenario["id"], input={"title": None})
    assert fields_of(data["updateScenario"])["title"]["message"] == "title cannot be null"

    data = await gql(DELETE_SCENARIO, b=created["id"], s=scenario["id"])
    assert result(data, "deleteScenario", "Deleted")["id"] == scenario["id"]
    data = await gql(DELETE_SCENARIO, b=created["id"], s=scenario["id"])
    assert result(data, "deleteScenario", "NotFound")["message"] == (
        f"Behaviour {created['id']} has no scenario {scenario['id']}.")
    data = await gql(UPDATE_SCENARIO, b=created["id"], s=scenario["id"], input={"title": "Gone"})
    assert result(data, "updateScenario", "NotFound")["__typename"] == "NotFound"
    missing = new_uuid()
    data = await gql(ADD_SCENARIO, b=missing, input={"title": "Nowhere"})
    assert result(data, "addScenario", "NotFound")["message"] == f"Behaviour {missing} does not exist."


async def test_retired_behavior_scenarios_are_frozen(gql):
    active = await active_behavior(gql, "frozen")
    scenario = await add_scenario(gql, active["id"], "Before retirement")
    assert (await behavior_op(gql, "retireBehavior", active["id"]))["status"] == "RETIRED"
    data = await gql(ADD_SCENARIO, b=active["id"], input={"title": "After"})
    assert "retired" in result(data, "addScenario", "Conflict")["message"]
    data = await gql(UPDATE_SCENARIO, b=active["id"], s=scenario["id"], input={"title": "After"})
    assert result(data, "updateScenario", "Conflict")["__typename"] == "Conflict"
    data = await gql(DELETE_SCENARIO, b=active["id"], s=scenario["id"])
    assert result(data, "deleteScenario", "Conflict")["__typename"] == "Conflict"


# ---- assessments ------------------------------------------------------------------------------

async def test_assessment_create_submit_close(gql):
    objective = await create_objective(gql)
    data = await gql(CREATE_ASSESSMENT, input={"title": "FY alignment", "objectiveId": objective["id"]})
    assessment = result(data, "createAssessment", "Assessment")
    assert assessment["open"] is True and assessment["closedAt"] is None
    assert assessment["template"] == "training-strategy-v1" and len(assessment["statements"]) == 7
    assert assessment["objective"] == {"name": objective["name"]}

    first = await submit_response(gql, assessment["id"], "ana@example.com", "HR", SEVEN_V1)
    assert first["__typename"] == "AssessmentResponse"
    assert (first["respondent"], first["function"], first["answers"]) == ("ana@example.com", "HR", SEVEN_V1)
    again = await submit_response(gql, assessment["id"], "ana@example.com", "TRAINING", ["VIEW_2"] * 7)
    assert (again["function"], again["answers"]) == ("TRAINING", ["VIEW_2"] * 7)  # replaced, not added
    data = await gql("query($id: ID!) { assessment(id: $id) { responses { respondent function } } }",
                     id=assessment["id"])
    assert data["assessment"]["responses"] == [{"respondent": "ana@example.com", "function": "TRAINING"}]

    short = await submit_response(gql, assessment["id"], "bo", "HR", ["VIEW_1"] * 6)
    assert fields_of(short)["answers"]["code"] == "too_short"

    data = await gql(CLOSE_ASSESSMENT, id=assessment["id"])
    closed = result(data, "closeAssessment", "Assessment")
    assert closed["open"] is False and closed["closedAt"] is not None
    data = await gql(CLOSE_ASSESSMENT, id=assessment["id"])
    assert result(data, "closeAssessment", "Conflict")["message"] == "The assessment is already closed."
    late = await submit_response(gql, assessment["id"], "cy", "HR", SEVEN_V1)
    assert late == {"__typename": "Conflict", "message": "The assessment is closed; it takes no more responses."}


async def test_assessment_failures(gql):
    missing = new_uuid()
    data = await gql(CREATE_ASSESSMENT, input={"title": "Orphan", "objectiveId": missing})
    assert "objectiveId" in fields_of(data["createAssessment"])
    data = await gql(CREATE_ASSESSMENT, input={"title": ""})
    assert "title" in fields_of(data["createAssessment"])
    data = await gql(CLOSE_ASSESSMENT, id=missing)
    assert result(data, "closeAssessment", "NotFound")["message"] == f"Assessment {missing} does not exist."
    out = await submit_response(gql, missing, "ana", "HR", SEVEN_V1)
    assert out == {"__typename": "NotFound", "message": f"Assessment {missing} does not exist."}
    assessment = await create_assessment(gql)
    out = await submit_response(gql, assessment["id"], "not a respondent!", "HR", SEVEN_V1)
    [problem] = fields_of(out).values()
    assert problem["field"].endswith("respondent") and problem["code"] == "string_pattern_mismatch", problem


# ---- scopes -----------------------------------------------------------------------------------

async def test_every_mutation_is_forbidden_with_a_read_only_key(stack, tenant, gql):
    behavior = await create_behavior(gql, "guarded")
    scenario = await add_scenario(gql, behavior["id"], "Guarded")
    objective = await create_objective(gql)
    assessment = await create_assessment(gql)
    b, i, s = behavior["id"], behavior["indicators"][0]["id"], scenario["id"]
    calls = {
        "createObjective": 'createObjective(input: {name: "x"})',
        "updateObjective": f'updateObjective(id: "{objective["id"]}", input: {{name: "x"}})',
        "deleteObjective": f'deleteObjective(id: "{objective["id"]}")',
        "createBehavior": 'createBehavior(input: {key: "readonly", name: "x", audience: [SELLER]})',
        "updateBehavior": f'updateBehavior(id: "{b}", input: {{name: "x"}})',
        "publishBehavior": f'publishBehavior(id: "{b}")',
        "retireBehavior": f'retireBehavior(id: "{b}")',
        "discardBehaviorDraft": f'discardBehaviorDraft(id: "{b}")',
        "deleteBehavior": f'deleteBehavior(id: "{b}")',
        "addIndicator": f'addIndicator(behaviorId: "{b}", input: {{metricKey: "xx", kind: ACTIVITY, target: 1}})',
        "updateIndicator": f'updateIndicator(behaviorId: "{b}", indicatorId: "{i}", input: {{target: 2}})',
        "removeIndicator": f'removeIndicator(behaviorId: "{b}", indicatorId: "{i}")',
        "addScenario": f'addScenario(behaviorId: "{b}", input: {{title: "x"}})',
        "updateScenario": f'updateScenario(behaviorId: "{b}", scenarioId: "{s}", input: {{title: "x"}})',
        "deleteScenario": f'deleteScenario(behaviorId: "{b}", scenarioId: "{s}")',
        "createAssessment": 'createAssessment(input: {title: "x"})',
        "closeAssessment": f'closeAssessment(id: "{assessment["id"]}")',
        "submitAssessmentResponse": f'submitAssessmentResponse(assessmentId: "{assessment["id"]}", respondent: "r",'
                                    ' input: {function: HR, answers: [VIEW_1]})',
    }
    assert set(calls) == mutation_names(BehaviorsMutation)  # every mutation of the domain is covered

    reader = client_for(stack, await stack.key(tenant, "behaviors:read"))
    async with reader.client:
        for name, call in calls.items():
            data = await reader(f"mutation {{ {call} {{ {PROBLEM} }} }}")
            assert data[name] == {"__typename": "Forbidden",
                                  "message": "This credential lacks the 'behaviors:write' scope."}, name
        # reading is allowed with the same key
        data = await reader("query($id: ID!) { behavior(id: $id) { key } }", id=b)
        assert data["behavior"] == {"key": "guarded"}
    # nothing was changed by the refused writes
    data = await gql(f"query($id: ID!) {{ behavior(id: $id) {{ {BEHAVIOR} scenarios {{ title }} }} }}", id=b)
    assert data["behavior"]["name"] == "Behaviour guarded" and data["behavior"]["status"] == "DRAFT"
    assert data["behavior"]["scenarios"] == [{"title": "Guarded"}]


# ---- malformed ids ----------------------------------------------------------------------------

async def test_malformed_ids_are_validation_problems_and_reach_no_service(stack, gql):
    b, i, s, a = new_uuid(), new_uuid(), new_uuid(), new_uuid()
    calls = {  # mutation -> (call with one malformed id, the argument named in the problem)
        "updateObjective": ('updateObjective(id: "nope", input: {name: "x"})', "id"),
        "deleteObjective": ('deleteObjective(id: "nope")', "id"),
        "updateBehavior": ('updateBehavior(id: "nope", input: {name: "x"})', "id"),
        "publishBehavior": ('publishBehavior(id: "nope")', "id"),
        "retireBehavior": ('retireBehavior(id: "nope")', "id"),
        "discardBehaviorDraft": ('discardBehaviorDraft(id: "nope")', "id"),
        "deleteBehavior": ('deleteBehavior(id: "nope")', "id"),
        "addIndicator": ('addIndicator(behaviorId: "nope", input: {metricKey: "xx", kind: ACTIVITY, target: 1})',
                         "behaviorId"),
        "updateIndicator": (f'updateIndicator(behaviorId: "{b}", indicatorId: "nope", input: {{target: 2}})',
                            "indicatorId"),
        "removeIndicator": ('removeIndicator(behaviorId: "nope", indicatorId: "nope")', "behaviorId"),
        "addScenario": ('addScenario(behaviorId: "nope", input: {title: "x"})', "behaviorId"),
        "updateScenario": (f'updateScenario(behaviorId: "{b}", scenarioId: "{s}/x", input: {{title: "x"}})',
                           "scenarioId"),
        "deleteScenario": (f'deleteScenario(behaviorId: "{b}/x", scenarioId: "{s}")', "behaviorId"),
        "closeAssessment": ('closeAssessment(id: "")', "id"),
        "submitAssessmentResponse": ('submitAssessmentResponse(assessmentId: "nope", respondent: "r", '
                                     'input: {function: HR, answers: [VIEW_1]})', "assessmentId"),
    }
    assert i and a
    for name, (call, argument) in calls.items():
        stack.calls.clear()
        data = await gql(f"mutation {{ {call} {{ {PROBLEM} }} }}")
        problem = data[name]
        assert problem["__typename"] == "ValidationProblem", (name, problem)
        assert [(f["field"], f["code"]) for f in problem["fields"]] == [(argument, "invalid_id")], (name, problem)
        assert stack.calls == [], name


async def test_an_id_cannot_name_another_route(gql):
    """`deleteBehavior(id: "<id>/draft")` must not become DELETE /v1/behaviors/<id>/draft (discard the draft)."""
    active = await active_behavior(gql, "path-guard")
    assert (await behavior_op(gql, "updateBehavior", active["id"], input={"name": "Pending"}))["draftVersion"] == 2
    data = await gql(DELETE_BEHAVIOR, id=f"{active['id']}/draft")
    assert data["deleteBehavior"]["__typename"] == "ValidationProblem", data
    assessment = await create_assessment(gql)
    out = await submit_response(gql, assessment["id"], "ana", "HR", SEVEN_V1)
    assert out["__typename"] == "AssessmentResponse"
    data = await gql(CLOSE_ASSESSMENT, id=f"{assessment['id']}/../{assessment['id']}")
    assert data["closeAssessment"]["__typename"] == "ValidationProblem", data

    data = await gql("""query($b: ID!, $a: ID!) { behavior(id: $b) { draftVersion draft { name } }
        assessment(id: $a) { open } }""", b=active["id"], a=assessment["id"])
    assert data == {"behavior": {"draftVersion": 2, "draft": {"name": "Pending"}}, "assessment": {"open": True}}

    # a well-formed id in another spelling is still the same id
    data = await gql(DELETE_BEHAVIOR, id=active["id"].upper())
    assert data["deleteBehavior"]["__typename"] == "Conflict"  # reached the service: active ones can't be deleted
