"""Queries and mutations of the behaviors domain: each is one REST call; nested fields use loaders."""

from functools import partial
from typing import Annotated
from urllib.parse import quote

import strawberry

from common.ids import parse_uuid
from gateway.resolvers.common import Ctx, DeleteResult, deleted, get_or_none, page_params, seg, typed
from gateway.types.behaviors import (
    Assessment,
    AssessmentConnection,
    AssessmentResponse,
    AudienceRole,
    Behavior,
    BehaviorCategory,
    BehaviorConnection,
    BehaviorStatus,
    Indicator,
    Objective,
    ObjectiveConnection,
    ObjectiveStatus,
    Scenario,
    Statement,
)
from gateway.types.common import (
    BadQueryInput,
    Conflict,
    Forbidden,
    NotFound,
    ValidationProblem,
)
from gateway.types.inputs import (
    AssessmentInput,
    AssessmentResponseInput,
    BehaviorInput,
    BehaviorPatch,
    IndicatorInput,
    IndicatorPatch,
    ObjectiveInput,
    ObjectivePatch,
    ScenarioInput,
    ScenarioPatch,
    to_body,
)
from gateway.types.shapes import shown, shown_all

ObjectiveResult = Annotated[Objective | ValidationProblem | NotFound | Conflict | Forbidden,
                            strawberry.union("ObjectiveResult")]
BehaviorResult = Annotated[Behavior | ValidationProblem | NotFound | Conflict | Forbidden,
                           strawberry.union("BehaviorResult")]
IndicatorResult = Annotated[Indicator | ValidationProblem | NotFound | Conflict | Forbidden,
                            strawberry.union("IndicatorResult")]
ScenarioResult = Annotated[Scenario | ValidationProblem | NotFound | Conflict | Forbidden,
                           strawberry.union("ScenarioResult")]
AssessmentResult = Annotated[Assessment | ValidationProblem | NotFound | Conflict | Forbidden,
                             strawberry.union("AssessmentResult")]
AssessmentResponseResult = Annotated[AssessmentResponse | ValidationProblem | NotFound | Conflict | Forbidden,
                                     strawberry.union("AssessmentResponseResult")]


@strawberry.type
class BehaviorsQuery:
    @strawberry.field(description="Strategic objectives (the go-to-market changes behaviours serve), in creation "
                                  "order; filter by status.")
    async def objectives(self, info: Ctx, status: ObjectiveStatus | None = None, first: int = 50,
                         after: str | None = None) -> ObjectiveConnection:
        page = await info.context.call("behaviors", "GET", "/v1/objectives",
                                       params=page_params(first, after, status=status))
        return ObjectiveConnection(items=shown_all(Objective, page["items"]),
                                   next_cursor=page["next_cursor"])

    @strawberry.field(description="One objective by id; null when not found.")
    async def objective(self, info: Ctx, id: strawberry.ID) -> Objective | None:
        found = await get_or_none(info.context.loaders.objective.load(str(id)))
        return shown(Objective, found) if found else None

    @strawberry.field(description="Behaviours, filtered, in creation order, with a cursor.")
    async def behaviors(self, info: Ctx, status: BehaviorStatus | None = None,
                        audience: AudienceRole | None = None, objective_id: strawberry.ID | None = None,
                        category: BehaviorCategory | None = None, first: int = 50,
                        after: str | None = None) -> BehaviorConnection:
        params = page_params(first, after, status=status, audience=audience, objective_id=objective_id,
                              category=category)
        page = await info.context.call("behaviors", "GET", "/v1/behaviors", params=params)
        return BehaviorConnection(items=shown_all(Behavior, page["items"]),
                                  next_cursor=page["next_cursor"])

    @strawberry.field(description="A behaviour by id or by key.")
    async def behavior(self, info: Ctx, id: strawberry.ID | None = None, key: str | None = None) -> Behavior | None:
        if (id is None) == (key is None):
            raise BadQueryInput("Give exactly one of id or key.")
        loader = info.context.loaders.behavior if id is not None else info.context.loaders.behavior_by_key
        found = await get_or_none(loader.load(str(id if id is not None else key)))
        return shown(Behavior, found) if found else None

    @strawberry.field(description="The seven paired training-strategy statements of the built-in template.")
    async def alignment_template(self, info: Ctx) -> list[Statement]:
        rows = await info.context.call("behaviors", "GET", "/v1/alignment-template")
        return shown_all(Statement, rows)

    @strawberry.field(description="Alignment assessments (the seven paired training-strategy statements), in creation "
                                  "order.")
    async def assessments(self, info: Ctx, first: int = 50, after: str | None = None) -> AssessmentConnection:
        page = await info.context.call("behaviors", "GET", "/v1/assessments", params=page_params(first, after))
        return AssessmentConnection(items=shown_all(Assessment, page["items"]),
                                    next_cursor=page["next_cursor"])

    @strawberry.field(description="One alignment assessment by id, with its responses and alignment; null when not "
                                  "found.")
    async def assessment(self, info: Ctx, id: strawberry.ID) -> Assessment | None:
        if parse_uuid(str(id)) is None:
            return None
        found = await get_or_none(info.context.call("behaviors", "GET", f"/v1/assessments/{seg(id)}"))
        return shown(Assessment, found) if found else None


def _indicator_path(behavior_id: strawberry.ID, indicator_id: strawberry.ID) -> str:
    return f"/v1/behaviors/{seg(behavior_id, 'behaviorId')}/indicators/{seg(indicator_id, 'indicatorId')}"


def _scenario_path(behavior_id: strawberry.ID, scenario_id: strawberry.ID) -> str:
    return f"/v1/behaviors/{seg(behavior_id, 'behaviorId')}/scenarios/{seg(scenario_id, 'scenarioId')}"


@strawberry.type
class BehaviorsMutation:
    # objectives
    @strawberry.mutation(description="Create a strategic objective.")
    async def create_objective(self, info: Ctx, input: ObjectiveInput) -> ObjectiveResult:
        return await typed(lambda: info.context.call("behaviors", "POST", "/v1/objectives", json=to_body(input)),
                            partial(shown, Objective))

    @strawberry.mutation(description="Change some fields of an objective.")
    async def update_objective(self, info: Ctx, id: strawberry.ID, input: ObjectivePatch) -> ObjectiveResult:
        return await typed(lambda: info.context.call("behaviors", "PATCH", f"/v1/objectives/{seg(id)}",
                                                      json=to_body(input)), partial(shown, Objective))

    @strawberry.mutation(description="Delete an objective (Conflict while a behaviour, version or assessment refers "
                                     "to it).")
    async def delete_objective(self, info: Ctx, id: strawberry.ID) -> DeleteResult:
        return await typed(lambda: info.context.call("behaviors", "DELETE", f"/v1/objectives/{seg(id)}"),
                            deleted(id))

    # behaviours
    @strawberry.mutation(description="Create a behaviour as a draft (version 1), optionally with indicators.")
    async def create_behavior(self, info: Ctx, input: BehaviorInput) -> BehaviorResult:
        return await typed(lambda: info.context.call("behaviors", "POST", "/v1/behaviors", json=to_body(input)),
                            partial(shown, Behavior))

    @strawberry.mutation(description="Change content; on an active behaviour this opens or edits the next draft.")
    async def update_behavior(self, info: Ctx, id: strawberry.ID, input: BehaviorPatch) -> BehaviorResult:
        return await typed(lambda: info.context.call("behaviors", "PATCH", f"/v1/behaviors/{seg(id)}",
                                                      json=to_body(input)), partial(shown, Behavior))

    @strawberry.mutation(description="Freeze the draft as an immutable version and make it the active one.")
    async def publish_behavior(self, info: Ctx, id: strawberry.ID) -> BehaviorResult:
        return await typed(lambda: info.context.call("behaviors", "POST", f"/v1/behaviors/{seg(id)}/publish"),
                            partial(shown, Behavior))

    @strawberry.mutation(description="Retire an active behaviour (final; a pending draft is discarded).")
    async def retire_behavior(self, info: Ctx, id: strawberry.ID) -> BehaviorResult:
        return await typed(lambda: info.context.call("behaviors", "POST", f"/v1/behaviors/{seg(id)}/retire"),
                            partial(shown, Behavior))

    @strawberry.mutation(description="Throw away the pending revision of an active behaviour.")
    async def discard_behavior_draft(self, info: Ctx, id: strawberry.ID) -> BehaviorResult:
        return await typed(lambda: info.context.call("behaviors", "DELETE", f"/v1/behaviors/{seg(id)}/draft"),
                            partial(shown, Behavior))

    @strawberry.mutation(description="Delete a behaviour that was never published.")
    async def delete_behavior(self, info: Ctx, id: strawberry.ID) -> DeleteResult:
        return await typed(lambda: info.context.call("behaviors", "DELETE", f"/v1/behaviors/{seg(id)}"),
                            deleted(id))

    # indicators
    @strawberry.mutation(description="Add an indicator to the behaviour's draft (opens one on an active behaviour).")
    async def add_indicator(self, info: Ctx, behavior_id: strawberry.ID, input: IndicatorInput) -> IndicatorResult:
        return await typed(lambda: info.context.call(
            "behaviors", "POST", f"/v1/behaviors/{seg(behavior_id, 'behaviorId')}/indicators",
            json=to_body(input)), partial(shown, Indicator))

    @strawberry.mutation(description="Change an indicator in the behaviour's draft (opens one on an active behaviour).")
    async def update_indicator(self, info: Ctx, behavior_id: strawberry.ID, indicator_id: strawberry.ID,
                               input: IndicatorPatch) -> IndicatorResult:
        return await typed(lambda: info.context.call(
            "behaviors", "PATCH", _indicator_path(behavior_id, indicator_id), json=to_body(input)),
            partial(shown, Indicator))

    @strawberry.mutation(description="Remove an indicator from the behaviour's draft (opens one on an active "
                                     "behaviour).")
    async def remove_indicator(self, info: Ctx, behavior_id: strawberry.ID,
                               indicator_id: strawberry.ID) -> DeleteResult:
        return await typed(lambda: info.context.call(
            "behaviors", "DELETE", _indicator_path(behavior_id, indicator_id)), deleted(indicator_id))

    # scenarios
    @strawberry.mutation(description="Add a coaching scenario to a behaviour (at most 50).")
    async def add_scenario(self, info: Ctx, behavior_id: strawberry.ID, input: ScenarioInput) -> ScenarioResult:
        return await typed(lambda: info.context.call(
            "behaviors", "POST", f"/v1/behaviors/{seg(behavior_id, 'behaviorId')}/scenarios",
            json=to_body(input)), partial(shown, Scenario))

    @strawberry.mutation(description="Change a coaching scenario (scenarios are edited in place, not versioned).")
    async def update_scenario(self, info: Ctx, behavior_id: strawberry.ID, scenario_id: strawberry.ID,
                              input: ScenarioPatch) -> ScenarioResult:
        return await typed(lambda: info.context.call(
            "behaviors", "PATCH", _scenario_path(behavior_id, scenario_id), json=to_body(input)),
            partial(shown, Scenario))

    @strawberry.mutation(description="Delete a coaching scenario.")
    async def delete_scenario(self, info: Ctx, behavior_id: strawberry.ID, scenario_id: strawberry.ID) -> DeleteResult:
        return await typed(lambda: info.context.call("behaviors", "DELETE", _scenario_path(behavior_id, scenario_id)),
                            deleted(scenario_id))

    # alignment assessments
    @strawberry.mutation(description="Open an alignment assessment.")
    async def create_assessment(self, info: Ctx, input: AssessmentInput) -> AssessmentResult:
        return await typed(lambda: info.context.call("behaviors", "POST", "/v1/assessments", json=to_body(input)),
                            partial(shown, Assessment))

    @strawberry.mutation(description="Close an alignment assessment: no more responses.")
    async def close_assessment(self, info: Ctx, id: strawberry.ID) -> AssessmentResult:
        return await typed(lambda: info.context.call("behaviors", "POST", f"/v1/assessments/{seg(id)}/close"),
                            partial(shown, Assessment))

    @strawberry.mutation(description="Record or replace one respondent's answers (idempotent per respondent).")
    async def submit_assessment_response(self, info: Ctx, assessment_id: strawberry.ID, respondent: str,
                                         input: AssessmentResponseInput) -> AssessmentResponseResult:
        return await typed(lambda: info.context.call(
            "behaviors", "PUT",
            f"/v1/assessments/{seg(assessment_id, 'assessmentId')}/responses/{quote(respondent, safe='')}",
            json=to_body(input)), partial(shown, AssessmentResponse))
