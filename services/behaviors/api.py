"""REST handlers of the behaviors service: thin, all rules live in the service."""

import uuid
from typing import Annotated

from fastapi import Depends, Path, Query, Request, Response, status

from common.pagination import Page, PageParams, build_page, page_params
from common.routing import service_router
from services.behaviors import alignment
from services.behaviors.deps import Reader, ReadService, WriteService, views
from services.behaviors.schemas import (
    AlignmentReport,
    AssessmentCreate,
    AssessmentOut,
    AudienceRole,
    BehaviorCreate,
    BehaviorOut,
    BehaviorStatus,
    BehaviorUpdate,
    Category,
    IndicatorIn,
    IndicatorOut,
    IndicatorUpdate,
    ObjectiveCreate,
    ObjectiveOut,
    ObjectiveStatus,
    ObjectiveUpdate,
    ResponseIn,
    ResponseOut,
    ScenarioIn,
    ScenarioOut,
    ScenarioUpdate,
    Statement,
    VersionOut,
)

router = service_router("/v1")
Paging = Annotated[PageParams, Depends(page_params)]
Ids = Annotated[list[uuid.UUID] | None, Query(max_length=200)]
Respondent = Annotated[str, Path(pattern=r"^[A-Za-z0-9._@:+-]{1,100}$")]
BehaviorKey = Annotated[str, Path(max_length=64)]


def _created(response: Response, location: str) -> None:
    response.status_code = status.HTTP_201_CREATED
    response.headers["Location"] = location


# ---- objectives -------------------------------------------------------------------------------

@router.post("/objectives", status_code=201, tags=["objectives"])
async def create_objective(body: ObjectiveCreate, svc: WriteService, response: Response) -> ObjectiveOut:
    out = await svc.create_objective(body)
    _created(response, f"/v1/objectives/{out.id}")
    return out


@router.get("/objectives", tags=["objectives"])
async def list_objectives(request: Request, principal: Reader, paging: Paging, ids: Ids = None,
                          status: ObjectiveStatus | None = None) -> Page[ObjectiveOut]:
    rows = await views(request, principal).objectives(ids=ids, status=status, after=paging.after,
                                                      limit=paging.limit)
    return build_page(rows, paging.limit, lambda o: o.id)


@router.get("/objectives/{objective_id}", tags=["objectives"])
async def get_objective(objective_id: uuid.UUID, svc: ReadService) -> ObjectiveOut:
    return await svc.get_objective(objective_id)


@router.patch("/objectives/{objective_id}", tags=["objectives"])
async def update_objective(objective_id: uuid.UUID, body: ObjectiveUpdate, svc: WriteService) -> ObjectiveOut:
    return await svc.update_objective(objective_id, body)


@router.delete("/objectives/{objective_id}", status_code=204, tags=["objectives"])
async def delete_objective(objective_id: uuid.UUID, svc: WriteService) -> None:
    await svc.delete_objective(objective_id)


# ---- behaviours -------------------------------------------------------------------------------

@router.post("/behaviors", status_code=201, tags=["behaviors"])
async def create_behavior(body: BehaviorCreate, svc: WriteService, response: Response) -> BehaviorOut:
    out = await svc.create_behavior(body)
    _created(response, f"/v1/behaviors/{out.id}")
    return out


@router.get("/behaviors", tags=["behaviors"])
async def list_behaviors(
    request: Request, principal: Reader, paging: Paging, ids: Ids = None,
    keys: Annotated[list[str] | None, Query(max_length=200)] = None,
    status: BehaviorStatus | None = None, audience: AudienceRole | None = None,
    objective_id: uuid.UUID | None = None, category: Category | None = None,
) -> Page[BehaviorOut]:
    rows = await views(request, principal).page(ids=ids, keys=keys, status=status, audience=audience,
                                                objective_id=objective_id, category=category, after=paging.after,
                                                limit=paging.limit)
    return build_page(rows, paging.limit, lambda b: b.id)


@router.get("/behaviors/by-key/{key}", tags=["behaviors"])
async def get_behavior_by_key(key: BehaviorKey, request: Request, principal: Reader) -> BehaviorOut:
    return await views(request, principal).by_key(key)


@router.get("/behaviors/{behavior_id}", tags=["behaviors"])
async def get_behavior(behavior_id: uuid.UUID, request: Request, principal: Reader) -> BehaviorOut:
    return await views(request, principal).get(behavior_id)


@router.patch("/behaviors/{behavior_id}", tags=["behaviors"])
async def update_behavior(behavior_id: uuid.UUID, body: BehaviorUpdate, svc: WriteService) -> BehaviorOut:
    return await svc.update_behavior(behavior_id, body)


@router.delete("/behaviors/{behavior_id}", status_code=204, tags=["behaviors"])
async def delete_behavior(behavior_id: uuid.UUID, svc: WriteService) -> None:
    await svc.delete_behavior(behavior_id)


@router.post("/behaviors/{behavior_id}/publish", tags=["behaviors"])
async def publish_behavior(behavior_id: uuid.UUID, svc: WriteService) -> BehaviorOut:
    return await svc.publish(behavior_id)


@router.post("/behaviors/{behavior_id}/retire", tags=["behaviors"])
async def retire_behavior(behavior_id: uuid.UUID, svc: WriteService) -> BehaviorOut:
    return await svc.retire(behavior_id)


@router.delete("/behaviors/{behavior_id}/draft", tags=["behaviors"])
async def discard_draft(behavior_id: uuid.UUID, svc: WriteService) -> BehaviorOut:
    return await svc.discard_draft(behavior_id)


@router.get("/behaviors/{behavior_id}/versions", tags=["behaviors"])
async def list_versions(behavior_id: uuid.UUID, svc: ReadService) -> list[VersionOut]:
    return await svc.versions(behavior_id)


@router.get("/behaviors/{behavior_id}/versions/{number}", tags=["behaviors"])
async def get_version(behavior_id: uuid.UUID, number: Annotated[int, Path(ge=1, le=100_000)],
                      svc: ReadService) -> VersionOut:
    return await svc.version(behavior_id, number)


@router.get("/behavior-versions", tags=["behaviors"])
async def versions_of(request: Request, principal: Reader,
                      behavior_ids: Annotated[list[uuid.UUID], Query(min_length=1, max_length=200)]
                      ) -> list[VersionOut]:
    """Every version of several behaviours at once (what the gateway's loaders call)."""
    return await views(request, principal).versions(behavior_ids)


@router.post("/behaviors/{behavior_id}/indicators", status_code=201, tags=["indicators"])
async def add_indicator(behavior_id: uuid.UUID, body: IndicatorIn, svc: WriteService) -> IndicatorOut:
    return await svc.add_indicator(behavior_id, body)


@router.patch("/behaviors/{behavior_id}/indicators/{indicator_id}", tags=["indicators"])
async def update_indicator(behavior_id: uuid.UUID, indicator_id: uuid.UUID, body: IndicatorUpdate,
                           svc: WriteService) -> IndicatorOut:
    return await svc.update_indicator(behavior_id, indicator_id, body)


@router.delete("/behaviors/{behavior_id}/indicators/{indicator_id}", status_code=204, tags=["indicators"])
async def remove_indicator(behavior_id: uuid.UUID, indicator_id: uuid.UUID, svc: WriteService) -> None:
    await svc.remove_indicator(behavior_id, indicator_id)


# ---- scenarios --------------------------------------------------------------------------------

@router.get("/scenarios", tags=["scenarios"])
async def scenarios_of(request: Request, principal: Reader,
                       behavior_ids: Annotated[list[uuid.UUID], Query(min_length=1, max_length=200)]
                       ) -> list[ScenarioOut]:
    return await views(request, principal).scenarios(behavior_ids)


@router.get("/behaviors/{behavior_id}/scenarios", tags=["scenarios"])
async def list_scenarios(behavior_id: uuid.UUID, svc: ReadService) -> list[ScenarioOut]:
    await svc.get_behavior(behavior_id)
    return await svc.scenarios([behavior_id])


@router.post("/behaviors/{behavior_id}/scenarios", status_code=201, tags=["scenarios"])
async def add_scenario(behavior_id: uuid.UUID, body: ScenarioIn, svc: WriteService,
                       response: Response) -> ScenarioOut:
    out = await svc.add_scenario(behavior_id, body)
    _created(response, f"/v1/behaviors/{behavior_id}/scenarios/{out.id}")
    return out


@router.get("/behaviors/{behavior_id}/scenarios/{scenario_id}", tags=["scenarios"])
async def get_scenario(behavior_id: uuid.UUID, scenario_id: uuid.UUID, svc: ReadService) -> ScenarioOut:
    return await svc.get_scenario(behavior_id, scenario_id)


@router.patch("/behaviors/{behavior_id}/scenarios/{scenario_id}", tags=["scenarios"])
async def update_scenario(behavior_id: uuid.UUID, scenario_id: uuid.UUID, body: ScenarioUpdate,
                          svc: WriteService) -> ScenarioOut:
    return await svc.update_scenario(behavior_id, scenario_id, body)


@router.delete("/behaviors/{behavior_id}/scenarios/{scenario_id}", status_code=204, tags=["scenarios"])
async def delete_scenario(behavior_id: uuid.UUID, scenario_id: uuid.UUID, svc: WriteService) -> None:
    await svc.delete_scenario(behavior_id, scenario_id)


# ---- alignment assessments --------------------------------------------------------------------

@router.get("/alignment-template", tags=["alignment"])
async def alignment_template(_svc: ReadService) -> list[Statement]:
    return list(alignment.STATEMENTS)


@router.post("/assessments", status_code=201, tags=["alignment"])
async def create_assessment(body: AssessmentCreate, svc: WriteService, response: Response) -> AssessmentOut:
    out = await svc.create_assessment(body)
    _created(response, f"/v1/assessments/{out.id}")
    return out


@router.get("/assessments", tags=["alignment"])
async def list_assessments(svc: ReadService, paging: Paging, ids: Ids = None) -> Page[AssessmentOut]:
    return await svc.list_assessments(ids, paging)


@router.get("/assessments/{assessment_id}", tags=["alignment"])
async def get_assessment(assessment_id: uuid.UUID, svc: ReadService) -> AssessmentOut:
    return await svc.get_assessment(assessment_id)


@router.post("/assessments/{assessment_id}/close", tags=["alignment"])
async def close_assessment(assessment_id: uuid.UUID, svc: WriteService) -> AssessmentOut:
    return await svc.close_assessment(assessment_id)


@router.put("/assessments/{assessment_id}/responses/{respondent}", tags=["alignment"])
async def put_response(assessment_id: uuid.UUID, respondent: Respondent, body: ResponseIn,
                       svc: WriteService) -> ResponseOut:
    return await svc.put_response(assessment_id, respondent, body)


@router.get("/assessments/{assessment_id}/responses", tags=["alignment"])
async def list_responses(assessment_id: uuid.UUID, svc: ReadService) -> list[ResponseOut]:
    return await svc.responses(assessment_id)


@router.get("/assessments/{assessment_id}/alignment", tags=["alignment"])
async def get_alignment(assessment_id: uuid.UUID, svc: ReadService) -> AlignmentReport:
    return await svc.alignment(assessment_id)
