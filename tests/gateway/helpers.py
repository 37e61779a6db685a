"""GraphQL documents, builders and assertions shared by the gateway tests."""

import uuid
from typing import Any

import httpx
from graphql.language import Lexer, Source, TokenKind

from gateway.schema import schema
from tests.conftest import GraphQL, Stack, Tenant

# Every mutation result is a union; this selects the failure members with everything they carry.
PROBLEM = """__typename
  ... on ValidationProblem { message fields { field message code } }
  ... on NotFound { message }
  ... on Conflict { message }
  ... on Forbidden { message }"""

OBJECTIVE = "id name description ownerId startsOn endsOn status createdAt updatedAt"
INDICATOR = "id metricKey kind target comparator period"
VERSION = f"number published name objectiveId audience category priority indicators {{ {INDICATOR} }}"
BEHAVIOR = f"""id key status version draftVersion name description rationale audience category stage priority
  ownerId publishedAt retiredAt responsible {{ personId function }} rubric {{ level name descriptor }}
  indicators {{ {INDICATOR} }} draft {{ number published name }}"""
SCENARIO = "id behaviorId title situation openingQuestions signsOfProficiency rootCauses"
ASSESSMENT = "id title template objectiveId open closedAt statements { number topic view1 view2 }"


def result(data: dict[str, Any], field: str, typename: str) -> dict[str, Any]:
    """The union member under `field`, asserted to be `typename`."""
    out = data[field]
    assert out["__typename"] == typename, out
    return out


def indicator(metric_key: str = "calls_made", target: float = 5, **extra: Any) -> dict[str, Any]:
    return {"metricKey": metric_key, "kind": "ACTIVITY", "target": target, **extra}


async def create_objective(gql: GraphQL, name: str = "Win the C-suite", **extra: Any) -> dict[str, Any]:
    data = await gql(f"""mutation($input: ObjectiveInput!) {{ createObjective(input: $input) {{
        {PROBLEM} ... on Objective {{ {OBJECTIVE} }} }} }}""", input={"name": name, **extra})
    return result(data, "createObjective", "Objective")


async def create_behavior(gql: GraphQL, key: str, *, with_indicator: bool = True, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"key": key, "name": f"Behaviour {key}", "audience": ["SELLER"]}
    if with_indicator:
        body["indicators"] = [indicator()]
    data = await gql(f"""mutation($input: BehaviorInput!) {{ createBehavior(input: $input) {{
        {PROBLEM} ... on Behavior {{ {BEHAVIOR} }} }} }}""", input={**body, **extra})
    return result(data, "createBehavior", "Behavior")


async def behavior_op(gql: GraphQL, mutation: str, behavior_id: str, **args: Any) -> dict[str, Any]:
    """publishBehavior / retireBehavior / discardBehaviorDraft (or updateBehavior with `input`): the raw union."""
    if "input" in args:
        data = await gql(f"""mutation($id: ID!, $input: BehaviorPatch!) {{ {mutation}(id: $id, input: $input) {{
            {PROBLEM} ... on Behavior {{ {BEHAVIOR} }} }} }}""", id=behavior_id, **args)
    else:
        data = await gql(f"""mutation($id: ID!) {{ {mutation}(id: $id) {{
            {PROBLEM} ... on Behavior {{ {BEHAVIOR} }} }} }}""", id=behavior_id)
    return data[mutation]


async def publish(gql: GraphQL, behavior_id: str) -> dict[str, Any]:
    out = await behavior_op(gql, "publishBehavior", behavior_id)
    assert out["__typename"] == "Behavior", out
    return out


async def active_behavior(gql: GraphQL, key: str, **extra: Any) -> dict[str, Any]:
    return await publish(gql, (await create_behavior(gql, key, **extra))["id"])


async def add_scenario(gql: GraphQL, behavior_id: str, title: str, **extra: Any) -> dict[str, Any]:
    data = await gql(f"""mutation($b: ID!, $input: ScenarioInput!) {{ addScenario(behaviorId: $b, input: $input) {{
        {PROBLEM} ... on Scenario {{ {SCENARIO} }} }} }}""", b=behavior_id, input={"title": title, **extra})
    return result(data, "addScenario", "Scenario")


async def create_assessment(gql: GraphQL, title: str = "Q3 alignment", **extra: Any) -> dict[str, Any]:
    data = await gql(f"""mutation($input: AssessmentInput!) {{ createAssessment(input: $input) {{
        {PROBLEM} ... on Assessment {{ {ASSESSMENT} }} }} }}""", input={"title": title, **extra})
    return result(data, "createAssessment", "Assessment")


async def submit_response(gql: GraphQL, assessment_id: str, respondent: str, function: str,
                          answers: list[str]) -> dict[str, Any]:
    data = await gql(f"""mutation($a: ID!, $r: String!, $input: AssessmentResponseInput!) {{
        submitAssessmentResponse(assessmentId: $a, respondent: $r, input: $input) {{
          {PROBLEM} ... on AssessmentResponse {{ respondent function answers updatedAt }} }} }}""",
                     a=assessment_id, r=respondent, input={"function": function, "answers": answers})
    return data["submitAssessmentResponse"]


def client_for(stack: Stack, credential: str) -> GraphQL:
    """A GraphQL caller with another credential (close its `.client` when done)."""
    return GraphQL(stack.client(credential))


async def other_tenant(stack: Stack, name: str = "globex") -> tuple[Tenant, GraphQL]:
    tenant = await stack.tenant(name)
    return tenant, client_for(stack, tenant.api_key)


def new_uuid() -> str:
    return str(uuid.uuid4())


def errors_of(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    body = response.json()
    assert body.get("errors"), body
    return body["errors"]


def count_tokens(document: str) -> int:
    """Lexical tokens of a document as graphql-core's parser counts them (comments excluded)."""
    lexer, count = Lexer(Source(document)), 0
    while lexer.advance().kind is not TokenKind.EOF:
        count += 1
    return count


def downstream(stack: Stack) -> list[tuple[str, str]]:
    """(method, path) of the calls the gateway made to the services since `stack.calls` was cleared."""
    return [(r.method, r.url.path) for r in stack.calls]


def mutation_names(domain: type) -> set[str]:
    """The GraphQL names of one domain's mutations (a resolver class merged into the schema's Mutation)."""
    converter = schema.config.name_converter
    return {converter.get_graphql_name(f) for f in domain.__strawberry_definition__.fields}  # type: ignore[attr-defined]
