"""REST handlers of the coaching service's relationships area: thin, the rules live in the services."""

import uuid
from typing import Annotated

from fastapi import Depends, Query, Response, status

from common.pagination import Page, PageParams, page_params
from common.routing import service_router
from common.validation import Day
from services.coaching.relationships.deps import (
    Health,
    ReadAssignments,
    ReadProgrammes,
    Reports,
    WriteAssignments,
    WriteProgrammes,
)
from services.coaching.relationships.schemas import (
    ActivityReport,
    AssignmentCreate,
    AssignmentEnd,
    AssignmentOut,
    CoachLinkOut,
    GroupBy,
    PairCreate,
    PairOut,
    ProgrammeCreate,
    ProgrammeHealth,
    ProgrammeOut,
    ProgrammeUpdate,
)

router = service_router("/v1")
Paging = Annotated[PageParams, Depends(page_params)]
Ids = Annotated[list[uuid.UUID] | None, Query(max_length=200)]
AsOf = Annotated[Day | None, Query(description="the day to look at; default today")]
From = Annotated[Day | None, Query(alias="from")]


def _created(response: Response, location: str) -> None:
    response.status_code = status.HTTP_201_CREATED
    response.headers["Location"] = location


# ---- coach assignments ------------------------------------------------------------------------

@router.post("/coach-assignments", status_code=201, tags=["coach assignments"])
async def create_assignment(body: AssignmentCreate, svc: WriteAssignments, response: Response) -> AssignmentOut:
    out = await svc.create(body)
    _created(response, f"/v1/coach-assignments/{out.id}")
    return out


@router.get("/coach-assignments", tags=["coach assignments"])
async def list_assignments(svc: ReadAssignments, paging: Paging, ids: Ids = None, coach_id: uuid.UUID | None = None,
                           seller_id: uuid.UUID | None = None,
                           active_on: Day | None = None) -> Page[AssignmentOut]:
    return await svc.list_assignments(ids=ids, coach_id=coach_id, seller_id=seller_id, active_on=active_on, page=paging)


@router.get("/coach-assignments/{assignment_id}", tags=["coach assignments"])
async def get_assignment(assignment_id: uuid.UUID, svc: ReadAssignments) -> AssignmentOut:
    return await svc.get(assignment_id)


@router.post("/coach-assignments/{assignment_id}/end", tags=["coach assignments"])
async def end_assignment(assignment_id: uuid.UUID, svc: WriteAssignments,
                         body: AssignmentEnd | None = None) -> AssignmentOut:
    return await svc.end(assignment_id, body.ends_on if body else None)


# ---- who coaches whom on a day ----------------------------------------------------------------

@router.get("/people/{person_id}/coaches", tags=["coach assignments"])
async def coaches_of_person(person_id: uuid.UUID, svc: ReadAssignments, as_of: AsOf = None) -> list[CoachLinkOut]:
    """The person's coaches on `as_of`: assignments in force plus their manager unless turned off."""
    return await svc.coaches_of_person(person_id, as_of)


@router.get("/people/{person_id}/coachees", tags=["coach assignments"])
async def coachees_of_person(person_id: uuid.UUID, svc: ReadAssignments, as_of: AsOf = None) -> list[CoachLinkOut]:
    """The sellers the person coaches on `as_of`, their direct reports (as manager) included."""
    return await svc.coachees_of_person(person_id, as_of)


@router.get("/coaches", tags=["coach assignments"])
async def coaches_of(svc: ReadAssignments,
                     seller_ids: Annotated[list[uuid.UUID], Query(min_length=1, max_length=200)],
                     as_of: AsOf = None) -> list[CoachLinkOut]:
    """The coaches of several sellers at once (what the gateway's loaders call); unknown ids give nothing."""
    return await svc.coaches(seller_ids, as_of)


@router.get("/coachees", tags=["coach assignments"])
async def coachees_of(svc: ReadAssignments,
                      coach_ids: Annotated[list[uuid.UUID], Query(min_length=1, max_length=200)],
                      as_of: AsOf = None) -> list[CoachLinkOut]:
    return await svc.coachees(coach_ids, as_of)


# ---- programmes -------------------------------------------------------------------------------

@router.post("/programmes", status_code=201, tags=["programmes"])
async def create_programme(body: ProgrammeCreate, svc: WriteProgrammes, response: Response) -> ProgrammeOut:
    out = await svc.create(body)
    _created(response, f"/v1/programmes/{out.id}")
    return out


@router.get("/programmes", tags=["programmes"])
async def list_programmes(svc: ReadProgrammes, paging: Paging, ids: Ids = None, owner_id: uuid.UUID | None = None,
                          coach_id: uuid.UUID | None = None, seller_id: uuid.UUID | None = None,
                          active_on: Day | None = None) -> Page[ProgrammeOut]:
    return await svc.list_programmes(ids=ids, owner_id=owner_id, coach_id=coach_id, seller_id=seller_id,
                                     active_on=active_on, page=paging)


@router.get("/programmes/{programme_id}", tags=["programmes"])
async def get_programme(programme_id: uuid.UUID, svc: ReadProgrammes) -> ProgrammeOut:
    return await svc.get(programme_id)


@router.patch("/programmes/{programme_id}", tags=["programmes"])
async def update_programme(programme_id: uuid.UUID, body: ProgrammeUpdate, svc: WriteProgrammes) -> ProgrammeOut:
    return await svc.update(programme_id, body)


@router.delete("/programmes/{programme_id}", status_code=204, tags=["programmes"])
async def delete_programme(programme_id: uuid.UUID, svc: WriteProgrammes) -> None:
    await svc.delete(programme_id)


@router.get("/programmes/{programme_id}/pairs", tags=["programmes"])
async def list_pairs(programme_id: uuid.UUID, svc: ReadProgrammes) -> list[PairOut]:
    return (await svc.get(programme_id)).pairs


@router.post("/programmes/{programme_id}/pairs", status_code=201, tags=["programmes"])
async def add_pair(programme_id: uuid.UUID, body: PairCreate, svc: WriteProgrammes, response: Response) -> PairOut:
    out = await svc.add_pair(programme_id, body)
    _created(response, f"/v1/programmes/{programme_id}/pairs/{out.id}")
    return out


@router.get("/programmes/{programme_id}/pairs/{pair_id}", tags=["programmes"])
async def get_pair(programme_id: uuid.UUID, pair_id: uuid.UUID, svc: ReadProgrammes) -> PairOut:
    return await svc.get_pair(programme_id, pair_id)


@router.delete("/programmes/{programme_id}/pairs/{pair_id}", status_code=204, tags=["programmes"])
async def remove_pair(programme_id: uuid.UUID, pair_id: uuid.UUID, svc: WriteProgrammes,
                      left_on: Annotated[Day | None, Query(description="first day out; default today")] = None
                      ) -> None:
    """The pair leaves the programme on `left_on`; it stays as history unless it leaves the day it joined."""
    await svc.remove_pair(programme_id, pair_id, left_on)


@router.get("/programmes/{programme_id}/health", tags=["programmes"])
async def programme_health(programme_id: uuid.UUID, svc: Health, from_: From = None,
                           to: Day | None = None) -> ProgrammeHealth:
    """Sessions held vs expected per pair and overall over [from, to], and the fizzling flag (see `formula`)."""
    return await svc.health(programme_id, from_, to)


@router.get("/programme-health", tags=["programmes"])
async def programmes_health(svc: Health,
                            programme_ids: Annotated[list[uuid.UUID], Query(min_length=1, max_length=200)],
                            from_: From = None, to: Day | None = None) -> list[ProgrammeHealth]:
    """The health of several programmes at once (for the gateway's loaders): unknown ids and programmes the
    caller may not see are left out."""
    return await svc.health_of(programme_ids, from_, to)


# ---- reports ----------------------------------------------------------------------------------

@router.get("/reports/coaching-activity", tags=["reports"])
async def coaching_activity(svc: Reports, group_by: GroupBy = "coach", from_: From = None, to: Day | None = None,
                            manager_id: uuid.UUID | None = None) -> ActivityReport:
    """Per coach or per team over [from, to]: sessions held, cadence kept, ratings, actions (see `definitions`)."""
    return await svc.coaching_activity(group_by, from_, to, manager_id)
