"""REST handlers of gap evaluations and the gap summary (`metrics:read`): thin, the rules are in gap_evaluation.py
and gap_summary.py; who sees what in visibility.py."""

import uuid
from datetime import timedelta
from typing import Annotated

from fastapi import Query

from common.db import SessionDep, utcnow
from common.errors import InvalidInput
from common.routing import service_router
from common.validation import Day
from services.metrics.definitions import tenant_metrics
from services.metrics.deps import Reader
from services.metrics.gap_evaluation import DEFAULT_WINDOW_DAYS, MAX_WINDOW_DAYS, GapEvaluator
from services.metrics.gap_schemas import GapEvaluationOut, GapGroupBy, GapSummaryOut
from services.metrics.gap_summary import GapSummaryService
from services.metrics.repository import DefinitionRepository, QueryRepository
from services.metrics.visibility import Visibility

router = service_router("/v1", tags=["gaps"])
WindowDays = Annotated[int, Query(ge=1, le=MAX_WINDOW_DAYS)]
MAX_SPAN_DAYS = 731
DEFAULT_SPAN_DAYS = 90


@router.get("/gap-evaluations")
async def gap_evaluations(principal: Reader, session: SessionDep,
                          gap_ids: Annotated[list[uuid.UUID], Query(min_length=1, max_length=200)],
                          window_days: WindowDays = DEFAULT_WINDOW_DAYS) -> list[GapEvaluationOut]:
    """Each gap's behaviour's indicators: the seller's figures over equal windows before the gap was opened and
    since (`window_days`, default 28, fewer while the gap is younger), the change and whether it moved the right way
    (gap_evaluation.py). Gaps whose seller the caller may not see, or that the read model does not hold, are left
    out; indicators whose metric the caller may not see of that seller too. ≤ 200 ids (`?gap_ids=a&gap_ids=b`)."""
    today = utcnow().date()
    metrics = await tenant_metrics(DefinitionRepository(session, principal.tenant_id))
    visibility = Visibility(principal, QueryRepository(session, principal.tenant_id), today)
    return await GapEvaluator(session, principal.tenant_id, metrics, today, visibility).by_ids(gap_ids, window_days)


@router.get("/gap-summary")
async def gap_summary(principal: Reader, session: SessionDep,
                      first: Annotated[Day | None, Query(alias="from")] = None,
                      last: Annotated[Day | None, Query(alias="to")] = None, group_by: GapGroupBy = "root_cause",
                      team_of: uuid.UUID | None = None,
                      window_days: WindowDays = DEFAULT_WINDOW_DAYS) -> GapSummaryOut:
    """The gaps opened in [from, to] (default: the 90 days ending today; tenant-wide, or of the sellers in
    `team_of`'s tree on each gap's opening day) grouped by root cause, behaviour, team or coach: opened, closed and
    open, the share resolved, the median days to close, the mean indicator change after the gap, and who should act
    on each root cause (gap_summary.py).
    For enablement, admin and API keys (any team or the tenant) and managers (a team in their tree)."""
    today = utcnow().date()
    last = last or today
    first = first or last - timedelta(days=DEFAULT_SPAN_DAYS - 1)
    if last < first or (last - first).days > MAX_SPAN_DAYS:
        raise InvalidInput("The window must run forwards and span at most two years.", errors=[
            {"field": "query.to", "message": f"to must be on or after from, at most {MAX_SPAN_DAYS} days later",
             "code": "bad_window"}])
    await Visibility(principal, QueryRepository(session, principal.tenant_id), today).check_gap_summary(team_of)
    metrics = await tenant_metrics(DefinitionRepository(session, principal.tenant_id))
    return await GapSummaryService(session, principal.tenant_id, metrics, today).summary(
        first=first, last=last, team_of=team_of, group_by=group_by, window_days=window_days)
