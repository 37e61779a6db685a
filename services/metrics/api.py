"""REST handlers of the metrics service: thin, the rules live in the modules they call."""

import uuid
from typing import Annotated, Any

import pydantic_core
from fastapi import Depends, Path, Query, Request, Response

from common.db import SessionDep
from common.errors import Forbidden, InvalidInput
from common.openapi import problems
from common.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, PageParams, page_params
from common.routing import service_router
from common.validation import Day
from services.metrics import readmodel
from services.metrics.definitions import metric_out
from services.metrics.deps import (
    ActivityWriter,
    AliasesReader,
    AliasesWriter,
    CompletionWriter,
    DefinitionsReader,
    DefinitionsWriter,
    Evidence,
    Pending,
    ReadModel,
    Series,
)
from services.metrics.ingest import ACTIVITIES, COMPLETIONS, ingest
from services.metrics.schemas import (
    Batch,
    BatchResult,
    EvidenceOut,
    EvidenceSource,
    Grain,
    InternalBatch,
    MetricCreate,
    MetricOut,
    PendingEvidenceOut,
    SeriesBatch,
    SeriesOut,
    Source,
    SourceAliasIn,
    SourceAliasOut,
    SourceAliasSet,
    UpsertResult,
)

router = service_router("/v1")
MetricKeyPath = Annotated[str, Path(max_length=64)]
MetricKeyQuery = Annotated[str, Query(max_length=64)]
First = Annotated[Day, Query(alias="from")]
Last = Annotated[Day, Query(alias="to")]
Paging = Annotated[PageParams, Depends(page_params)]


def _json(body: dict[str, Any]) -> Response:
    """Ingest answers are plain dicts in the shape of BatchResult, encoded once by pydantic-core (a model per
    item would cost more than the database does for a 5,000-item batch)."""
    return Response(pydantic_core.to_json(body), media_type="application/json")


# The body is read raw and parsed inside ingest (pydantic-core, one pass, no per-item copies); the schema
# below documents it.
_BATCH_BODY = {"requestBody": {"required": True, "content": {"application/json": {
    "schema": Batch.model_json_schema()}}}}


@router.post("/activities", tags=["ingest"], response_model=BatchResult, openapi_extra=_BATCH_BODY)
async def push_activities(request: Request, principal: ActivityWriter, session: SessionDep) -> Response:
    """Up to 5,000 CRM activities (`{"items": [...]}`, see ActivityIn); each item's outcome is reported
    (created, updated, pending, duplicate, conflict, rejected, with a reason for pending and rejected items).
    Honours `Idempotency-Key`."""
    return _json(await ingest(session, principal.tenant_id, ACTIVITIES, await request.body(),
                                horizon=request.app.state.settings.evidence_horizon))


@router.post("/completions", tags=["ingest"], response_model=BatchResult, openapi_extra=_BATCH_BODY)
async def push_completions(request: Request, principal: CompletionWriter, session: SessionDep) -> Response:
    """Up to 5,000 LMS completions (see CompletionIn), reported per item like activities."""
    return _json(await ingest(session, principal.tenant_id, COMPLETIONS, await request.body(),
                                horizon=request.app.state.settings.evidence_horizon))


# ---- how evidence resolves, and what is still unattributed ----------------------------------------

SourcePath = Annotated[Source, Path()]


@router.get("/source-aliases", tags=["ingest"])
async def list_source_aliases(svc: AliasesReader) -> Page[SourceAliasOut]:
    """The tenant's source aliases: which external-id source each aliased evidence source's user ids resolve
    against (a source without one resolves against itself). Bounded, so one page."""
    return await svc.list()


@router.put("/source-aliases/{source}", tags=["ingest"])
async def set_source_alias(source: SourcePath, body: SourceAliasIn, svc: AliasesWriter) -> SourceAliasSet:
    """Resolve `source`'s user ids against `target`'s external ids from now on; the pending evidence of `source`
    that now resolves is attributed at once (`attributed` says how many rows)."""
    return await svc.set(source, body)


@router.delete("/source-aliases/{source}", status_code=204, tags=["ingest"])
async def remove_source_alias(source: SourcePath, svc: AliasesWriter) -> None:
    """`source` resolves against itself again; evidence already attributed stays attributed."""
    await svc.remove(source)


@router.get("/pending-evidence", tags=["ingest"])
async def pending_evidence(pending: Pending, kind: EvidenceSource | None = None,
                           source: Annotated[Source | None, Query()] = None,
                           cursor: Annotated[str | None, Query(max_length=1024)] = None,
                           limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
                           ) -> Page[PendingEvidenceOut]:
    """Stored evidence counted for nobody yet, per kind, source and the user id (or email) it names: how many
    rows, first and last seen, and why (e.g. no person with that crm user id). Only the kinds this credential
    may push (activities:write, completions:write or metrics:write)."""
    svc, kinds = pending
    if kind is not None:
        if kind not in kinds:
            raise Forbidden(f"This credential may not push {kind}, so it may not list them.")
        kinds = [kind]
    return await svc.page(kinds, source, cursor, limit)


# ---- read model: internal, written by the other services' events (scope metrics:internal) ------------

@router.put("/internal/people", tags=["internal"])
async def put_people(body: InternalBatch, svc: ReadModel) -> UpsertResult:
    """Up to 1,000 people with their full set of external ids; ordered by each item's `version`."""
    return await svc.upsert(readmodel.PEOPLE, body.items)


@router.put("/internal/reporting-lines", tags=["internal"])
async def put_reporting_lines(body: InternalBatch, svc: ReadModel) -> UpsertResult:
    return await svc.upsert(readmodel.REPORTING_LINES, body.items)


@router.put("/internal/behaviors", tags=["internal"])
async def put_behaviors(body: InternalBatch, svc: ReadModel) -> UpsertResult:
    """Behaviours with their full set of indicators (replaced with the behaviour)."""
    return await svc.upsert(readmodel.BEHAVIORS, body.items)


@router.put("/internal/sessions", tags=["internal"])
async def put_sessions(body: InternalBatch, svc: ReadModel) -> UpsertResult:
    return await svc.upsert(readmodel.SESSIONS, body.items)


@router.put("/internal/programme-participants", tags=["internal"])
async def put_participants(body: InternalBatch, svc: ReadModel) -> UpsertResult:
    return await svc.upsert(readmodel.PARTICIPANTS, body.items)


@router.put("/internal/programmes", tags=["internal"])
async def put_programmes(body: InternalBatch, svc: ReadModel) -> UpsertResult:
    """Coaching programmes (cadence, period, behaviours); their pairs come as programme participants."""
    return await svc.upsert(readmodel.PROGRAMMES, body.items)


@router.put("/internal/actions", tags=["internal"])
async def put_actions(body: InternalBatch, svc: ReadModel) -> UpsertResult:
    """Actions agreed in coaching sessions, with their status."""
    return await svc.upsert(readmodel.ACTIONS, body.items)


@router.put("/internal/goals", tags=["internal"])
async def put_goals(body: InternalBatch, svc: ReadModel) -> UpsertResult:
    """Agreed goals: the latest agreed revision (version = revision) and when the goal was first agreed."""
    return await svc.upsert(readmodel.GOALS, body.items)


@router.put("/internal/goal-reviews", tags=["internal"])
async def put_goal_reviews(body: InternalBatch, svc: ReadModel) -> UpsertResult:
    """Reviews of agreed goal revisions (a goal is due for review until its revision in force has one)."""
    return await svc.upsert(readmodel.GOAL_REVIEWS, body.items)


@router.put("/internal/gaps", tags=["internal"])
async def put_gaps(body: InternalBatch, svc: ReadModel) -> UpsertResult:
    """Gaps named in coaching sessions: opened (version 1), closed with an outcome (version 2)."""
    return await svc.upsert(readmodel.GAPS, body.items)


@router.put("/internal/coach-assignments", tags=["internal"])
async def put_assignments(body: InternalBatch, svc: ReadModel) -> UpsertResult:
    """Coach assignments (who coaches whom, on which behaviours, over which days)."""
    return await svc.upsert(readmodel.ASSIGNMENTS, body.items)


# ---- metric definitions ----------------------------------------------------------------------

@router.get("/metrics", tags=["metrics"])
async def list_metrics(svc: DefinitionsReader,
                       keys: Annotated[list[str] | None, Query(max_length=200)] = None) -> Page[MetricOut]:
    """The built-in catalogue and the tenant's own metrics (bounded, so one page)."""
    return await svc.list(keys)


@router.post("/metrics", status_code=201, tags=["metrics"])
async def create_metric(body: MetricCreate, svc: DefinitionsWriter, response: Response) -> MetricOut:
    out = metric_out(await svc.create(body))
    response.headers["Location"] = f"/v1/metrics/{out.key}"
    return out


@router.get("/metrics/{key}", tags=["metrics"])
async def get_metric(key: MetricKeyPath, svc: DefinitionsReader) -> MetricOut:
    return await svc.get(key)


@router.delete("/metrics/{key}", status_code=204, tags=["metrics"])
async def delete_metric(key: MetricKeyPath, svc: DefinitionsWriter) -> None:
    await svc.delete(key)


# ---- queries (metrics:read; people see themselves and, as managers, their tree) --------------------

@router.get("/series", tags=["queries"], response_model=SeriesOut | SeriesBatch, responses=problems(404))
async def series(svc: Series, metric: MetricKeyQuery, first: First, last: Last, grain: Grain = "week",
                 person_id: uuid.UUID | None = None,
                 person_ids: Annotated[list[uuid.UUID] | None, Query(max_length=200)] = None,
                 team_of: uuid.UUID | None = None) -> SeriesOut | SeriesBatch:
    """A metric per day, ISO week or calendar month for one person (`person_id`), a team (`team_of`: the
    manager's tree as it was at each period's start) or several people at once (`person_ids`, one series each,
    as `{"items": [...]}`, leaving out people the caller may not see)."""
    if sum(x is not None for x in (person_id, person_ids, team_of)) != 1:
        raise InvalidInput("Give exactly one of person_id, person_ids or team_of.", errors=[
            {"field": "query.person_id", "message": "give exactly one of person_id, person_ids or team_of",
             "code": "one_of"}])
    if team_of is not None:
        return await svc.team(metric, team_of, grain, first, last)
    if person_id is not None:
        return (await svc.people(metric, [person_id], grain, first, last))[0]
    assert person_ids is not None
    return SeriesBatch(items=await svc.people(metric, list(dict.fromkeys(person_ids)), grain, first, last,
                                              leave_out_hidden=True))


@router.get("/evidence", tags=["queries"])
async def evidence(svc: Evidence, metric: MetricKeyQuery, person_id: uuid.UUID, first: First, last: Last,
                   paging: Paging) -> Page[EvidenceOut]:
    """The source events that make up a person's value of the metric over [from, to] (UTC days), by id."""
    return await svc.page(metric, person_id, first, last, paging)
