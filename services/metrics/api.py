"""REST handlers of the metrics service: thin, the rules live in the modules they call."""

from typing import Annotated, Any

import pydantic_core
from fastapi import APIRouter, Path, Query, Request, Response

from common.db import SessionDep
from common.pagination import Page
from services.metrics import readmodel
from services.metrics.definitions import metric_out
from services.metrics.deps import (
    ActivityWriter,
    CompletionWriter,
    DefinitionsReader,
    DefinitionsWriter,
    ReadModel,
)
from services.metrics.ingest import ACTIVITIES, COMPLETIONS, ingest
from services.metrics.schemas import (
    Batch,
    BatchResult,
    InternalBatch,
    MetricCreate,
    MetricOut,
    UpsertResult,
)

router = APIRouter(prefix="/v1")
MetricKeyPath = Annotated[str, Path(max_length=64)]


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
    (created, updated, duplicate, conflict, rejected). Honours `Idempotency-Key`."""
    return _json(await ingest(session, principal.tenant_id, ACTIVITIES, await request.body()))


@router.post("/completions", tags=["ingest"], response_model=BatchResult, openapi_extra=_BATCH_BODY)
async def push_completions(request: Request, principal: CompletionWriter, session: SessionDep) -> Response:
    """Up to 5,000 LMS completions (see CompletionIn), reported per item like activities."""
    return _json(await ingest(session, principal.tenant_id, COMPLETIONS, await request.body()))


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
