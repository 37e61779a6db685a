"""Tenancy through GraphQL: another tenant's ids are simply not there."""

from tests.gateway.helpers import (
    BEHAVIOR,
    PROBLEM,
    active_behavior,
    add_scenario,
    behavior_op,
    create_assessment,
    create_behavior,
    create_objective,
    other_tenant,
)


async def test_another_tenants_data_is_invisible_and_untouchable(stack, gql):
    objective = await create_objective(gql, "Acme objective")
    behavior = await active_behavior(gql, "acme-only", objectiveId=objective["id"])
    scenario = await add_scenario(gql, behavior["id"], "Acme scenario")
    assessment = await create_assessment(gql, "Acme assessment")
    b, i, s, o, a = (behavior["id"], behavior["indicators"][0]["id"], scenario["id"], objective["id"],
                     assessment["id"])

    _, globex = await other_tenant(stack)
    async with globex.client:
        data = await globex("""query($b: ID!, $o: ID!, $a: ID!) {
            byId: behavior(id: $b) { id } byKey: behavior(key: "acme-only") { id }
            objective(id: $o) { id } assessment(id: $a) { id }
            behaviors { items { id } } objectives { items { id } } assessments { items { id } } }""", b=b, o=o, a=a)
        assert data == {"byId": None, "byKey": None, "objective": None, "assessment": None,
                        "behaviors": {"items": []}, "objectives": {"items": []}, "assessments": {"items": []}}

        mutations = {
            "updateBehavior": f'updateBehavior(id: "{b}", input: {{name: "Hijacked"}})',
            "publishBehavior": f'publishBehavior(id: "{b}")',
            "retireBehavior": f'retireBehavior(id: "{b}")',
            "discardBehaviorDraft": f'discardBehaviorDraft(id: "{b}")',
            "deleteBehavior": f'deleteBehavior(id: "{b}")',
            "addIndicator": f'addIndicator(behaviorId: "{b}", input: {{metricKey: "xx", kind: ACTIVITY, target: 1}})',
            "updateIndicator": f'updateIndicator(behaviorId: "{b}", indicatorId: "{i}", input: {{target: 99}})',
            "removeIndicator": f'removeIndicator(behaviorId: "{b}", indicatorId: "{i}")',
            "addScenario": f'addScenario(behaviorId: "{b}", input: {{title: "Hijacked"}})',
            "updateScenario": f'updateScenario(behaviorId: "{b}", scenarioId: "{s}", input: {{title: "Hijacked"}})',
            "deleteScenario": f'deleteScenario(behaviorId: "{b}", scenarioId: "{s}")',
            "updateObjective": f'updateObjective(id: "{o}", input: {{name: "Hijacked"}})',
            "deleteObjective": f'deleteObjective(id: "{o}")',
            "closeAssessment": f'closeAssessment(id: "{a}")',
            "submitAssessmentResponse": f'submitAssessmentResponse(assessmentId: "{a}", respondent: "spy", '
                                        'input: {function: HR, answers: [VIEW_1, VIEW_1, VIEW_1, VIEW_1, VIEW_1, '
                                        'VIEW_1, VIEW_1]})',
        }
        for name, call in mutations.items():
            data = await globex(f"mutation {{ {call} {{ {PROBLEM} }} }}")
            assert data[name]["__typename"] == "NotFound", (name, data)
            assert "does not exist" in data[name]["message"], (name, data)

        # referring to another tenant's objective is an invalid reference, not a link
        data = await globex(f"""mutation($o: ID!) {{ createBehavior(input: {{key: "acme-only", name: "Mine",
            audience: [SELLER], objectiveId: $o}}) {{ {PROBLEM} }} }}""", o=o)
        assert data["createBehavior"]["__typename"] == "ValidationProblem"
        assert [f["field"] for f in data["createBehavior"]["fields"]] == ["objectiveId"]
        # the same key is free in the other tenant
        own = await create_behavior(globex, "acme-only")
        assert own["id"] != b
        data = await globex("{ behavior(key: \"acme-only\") { id name } }")
        assert data["behavior"] == {"id": own["id"], "name": "Behaviour acme-only"}

    # acme's data is untouched
    data = await gql(f"""query($b: ID!, $a: ID!) {{ behavior(id: $b) {{ {BEHAVIOR} scenarios {{ title }} }}
        assessment(id: $a) {{ open responses {{ respondent }} }} }}""", b=b, a=a)
    assert data["behavior"]["name"] == "Behaviour acme-only" and data["behavior"]["status"] == "ACTIVE"
    assert (data["behavior"]["draftVersion"], data["behavior"]["indicators"][0]["target"]) == (None, 5.0)
    assert data["behavior"]["scenarios"] == [{"title": "Acme scenario"}]
    assert data["assessment"] == {"open": True, "responses": []}
    data = await gql("query($o: ID!) { objective(id: $o) { name } }", o=o)
    assert data["objective"] == {"name": "Acme objective"}


async def test_batched_lookups_do_not_cross_tenants(stack, gql):
    mine = await create_behavior(gql, "mine")
    _, globex = await other_tenant(stack)
    async with globex.client:
        theirs = await create_behavior(globex, "theirs")
        stack.calls.clear()
        data = await globex("""query($a: ID!, $b: ID!) { a: behavior(id: $a) { key } b: behavior(id: $b) { key }
            c: behavior(key: "mine") { key } d: behavior(key: "theirs") { key } }""", a=mine["id"], b=theirs["id"])
        assert data == {"a": None, "b": {"key": "theirs"}, "c": None, "d": {"key": "theirs"}}
        assert len(stack.calls) == 2  # one batch by id, one by key
    out = await behavior_op(gql, "updateBehavior", theirs["id"], input={"name": "x"})
    assert out["__typename"] == "NotFound"
