"""REST handler of goal progress (`metrics:read`): thin, the rules are in goal_progress.py."""

import uuid
from typing import Annotated

from fastapi import Depends, Query

from common.db import SessionDep, utcnow
from common.routing import service_router
from common.validation import Day
from services.metrics.definitions import tenant_metrics
from services.metrics.deps import Reader
from services.metrics.goal_progress import GoalProgressService
from services.metrics.goal_progress_schemas import GoalProgressOut
from services.metrics.repository import DefinitionRepository, QueryRepository
from services.metrics.visibility import Visibility

router = service_router("/v1", tags=["goals"])


async def _service(principal: Reader, session: SessionDep) -> GoalProgressService:
    queries = QueryRepository(session, principal.tenant_id)
    metrics = await tenant_metrics(DefinitionRepository(session, principal.tenant_id))
    today = utcnow().date()
    return GoalProgressService(queries, metrics, Visibility(principal, queries, today), today)


@router.get("/goal-progress")
async def goal_progress(svc: Annotated[GoalProgressService, Depends(_service)],
                        goal_ids: Annotated[list[uuid.UUID], Query(min_length=1, max_length=200)],
                        on: Day | None = None) -> list[GoalProgressOut]:
    """Agreed goals measured (see goal_progress.py): the goal's period holding `on` (default today) — or, once
    the period holding its review day is over, that one with achieved / missed — actual, pro-rata expected,
    status and the series since the goal was first agreed. Goals the caller may not see (the seller's figures
    of that metric), or that the read model does not hold, are left out; ≤ 200 ids (`?goal_ids=a&goal_ids=b`)."""
    return await svc.progress(goal_ids, on or svc.today)
