"""REST handlers of scorecards, adoption, impact, coaching figures and coaching queues (`metrics:read`)."""

import uuid
from typing import Annotated

from fastapi import Query, Request

from common.db import SessionDep, utcnow
from common.errors import Forbidden, InvalidInput
from common.openapi import problems
from common.routing import service_router
from common.validation import Day
from services.metrics.analysis_repository import AnalysisRepository
from services.metrics.analysis_schemas import AdoptionOut, CoachingFiguresOut, GroupBy, ImpactOut, ScorecardOut
from services.metrics.coaching_figures import CoachingFiguresRepository
from services.metrics.coaching_queue import QueueService
from services.metrics.definitions import tenant_metrics
from services.metrics.deps import Reader
from services.metrics.impact import Weighting
from services.metrics.impact_service import UnitChoice
from services.metrics.impact_worker import ImpactWorkers
from services.metrics.periods import ScorecardPeriod
from services.metrics.queue_schemas import QueueAnswer
from services.metrics.repository import DefinitionRepository, QueryRepository
from services.metrics.schemas import METRIC_REF_PATTERN
from services.metrics.scorecards import ScorecardService
from services.metrics.visibility import Visibility

router = service_router("/v1", tags=["scorecards"])
BehaviorKey = Annotated[str, Query(pattern=r"^[a-z][a-z0-9_.-]{1,63}$")]


def _visibility(principal: Reader, session: SessionDep) -> Visibility:
    return Visibility(principal, QueryRepository(session, principal.tenant_id), utcnow().date())


async def _check_team(visibility: Visibility, team_of: uuid.UUID | None) -> None:
    """A team the caller fully sees (visibility.py); the whole tenant only for who sees everything."""
    if team_of is not None:
        await visibility.check([team_of], whole=True)
    elif not visibility.principal.sees_everything:
        raise Forbidden("Figures of the whole tenant are for API keys, enablement and admin; give team_of.")


async def _service(principal: Reader, session: SessionDep) -> ScorecardService:
    repo = AnalysisRepository(session, principal.tenant_id)
    metrics = await tenant_metrics(DefinitionRepository(session, principal.tenant_id))
    return ScorecardService(repo, metrics, utcnow().date())


@router.get("/scorecard", responses=problems(404))
async def scorecard(principal: Reader, session: SessionDep, person_id: uuid.UUID | None = None,
                    team_of: uuid.UUID | None = None, period: ScorecardPeriod = "week",
                    on: Day | None = None) -> ScorecardOut:
    """Every active behaviour that applies to the person (or the team under `team_of`), each indicator's
    actual, target, gap, status and trend for the week, month or quarter holding `on` (default today), or the
    last 7, 28 or 90 days ending on it (trend: against the equal window before)."""
    if (person_id is None) == (team_of is None):
        raise InvalidInput("Give exactly one of person_id or team_of.", errors=[
            {"field": "query.person_id", "message": "give exactly one of person_id or team_of", "code": "one_of"}])
    visibility = _visibility(principal, session)
    if person_id is not None:
        await visibility.check([person_id], trimmed=True)
    else:
        await _check_team(visibility, team_of)
    svc = await _service(principal, session)
    card = await svc.scorecard(person_id=person_id, team_of=team_of, kind=period, on=on or svc.today)
    return await visibility.trim(card)


@router.get("/scorecards")
async def scorecards(principal: Reader, session: SessionDep,
                     person_ids: Annotated[list[uuid.UUID], Query(min_length=1, max_length=200)],
                     period: ScorecardPeriod = "week", on: Day | None = None) -> list[ScorecardOut]:
    """Several people's scorecards at once (for the gateway's loaders); people the caller may not see, or the
    read model does not know, are left out; a coach assigned on some behaviours gets those behaviours."""
    visibility = _visibility(principal, session)
    allowed = await visibility.visible(dict.fromkeys(person_ids))
    svc = await _service(principal, session)
    return [await visibility.trim(card) for card in await svc.scorecards(allowed, kind=period, on=on or svc.today)]


@router.get("/adoption", responses=problems(404))
async def adoption(principal: Reader, session: SessionDep, behavior_key: BehaviorKey,
                   team_of: uuid.UUID | None = None, period: ScorecardPeriod = "month",
                   on: Day | None = None) -> AdoptionOut:
    """The share of the behaviour's audience (in the team under `team_of`, or the tenant) that meets each of
    its indicators over the period holding `on` (default today): a calendar one, or the last 7, 28 or 90 days
    ending on it."""
    await _check_team(_visibility(principal, session), team_of)
    svc = await _service(principal, session)
    return await svc.adoption(behavior_key=behavior_key, team_of=team_of, kind=period, on=on or svc.today)


@router.get("/impact")
async def impact(request: Request, principal: Reader, session: SessionDep,
                 metric: Annotated[str, Query(pattern=METRIC_REF_PATTERN, max_length=64)],
                 course_id: Annotated[str | None, Query(min_length=1, max_length=128)] = None,
                 programme_id: uuid.UUID | None = None, date_: Annotated[Day | None, Query(alias="date")] = None,
                 team_of: uuid.UUID | None = None,
                 role: Annotated[str, Query(pattern=r"^(seller|manager|leader)$")] = "seller",
                 window_days: Annotated[int, Query(ge=7, le=180)] = 28, unit: UnitChoice = "auto",
                 weighting: Weighting = "deals") -> ImpactOut:
    """Did the metric move for the people who took a course, joined a programme or (`date` with `team_of`)
    were there on the day, compared with those who did not (yet)? Difference in differences over each treated
    person's own windows before and after, a 95% t interval on whole units (`unit`: person, team, or auto: team
    for a date or a programme) and the group sizes; figures only (`descriptive_only`) when too few teams; a
    clear 422 when a group is too small. A ratio is deal-weighted (pooled) unless `weighting=persons`. See
    docs/impact.md."""
    today = utcnow().date()
    await _check_team(_visibility(principal, session), team_of)
    metrics = await tenant_metrics(DefinitionRepository(session, principal.tenant_id))
    found = metrics.get(metric)
    if found is None:
        raise InvalidInput(f"There is no metric {metric!r}.", errors=[
            {"field": "query.metric", "message": f"unknown metric {metric!r}", "code": "unknown_metric"}])
    workers: ImpactWorkers = request.app.state.impact_workers  # seconds of CPU: off the loop (impact_worker.py)
    return await workers.impact(
        request.app.state.db.url, principal.tenant_id, today,
        found, course_id=course_id, programme_id=programme_id, day=date_, team_of=team_of, role=role,
        window_days=window_days, unit=unit, weighting=weighting)


@router.get("/coaching-queues")
async def coaching_queues(principal: Reader, session: SessionDep, request: Request,
                          coach_ids: Annotated[list[uuid.UUID], Query(min_length=1, max_length=200)],
                          period: ScorecardPeriod = "last_28_days", on: Day | None = None,
                          first: Annotated[int, Query(ge=1, le=200)] = 20,
                          seller_id: uuid.UUID | None = None) -> list[QueueAnswer]:
    """Each coach's sellers on `on` (default today) ranked by whom to coach next, with the reasons in words, the
    focus behaviour and the figures behind it (coaching_queue.py; the scoring: queue_scoring.py, also returned as
    `formula`). One answer per coach, in order: `ok` with the queue, or `forbidden` / `not_found`. `seller_id`
    keeps that seller only (a conversation guide)."""
    metrics = await tenant_metrics(DefinitionRepository(session, principal.tenant_id))
    settings = request.app.state.settings
    svc = QueueService(session, principal, metrics, utcnow().date(),
                       gap_persists_sessions=settings.gap_persists_sessions, gap_window_days=settings.gap_window_days)
    return await svc.queues(coach_ids, on=on or svc.today, kind=period, first=first, seller_id=seller_id)


@router.get("/coaching-figures")
async def coaching_figures(principal: Reader, session: SessionDep, first: Annotated[Day, Query(alias="from")],
                           last: Annotated[Day, Query(alias="to")], group_by: GroupBy = "coach",
                           team_of: uuid.UUID | None = None) -> CoachingFiguresOut:
    """Coaching figures from the read model's sessions, per coach or per seller over [from, to] (see
    coaching_figures.py); `team_of` keeps the sellers in that manager's tree on `to`."""
    if last < first or (last - first).days > 731:
        raise InvalidInput("The window must run forwards and span at most two years.", errors=[
            {"field": "query.to", "message": "to must be on or after from, at most 731 days later",
             "code": "bad_window"}])
    await _check_team(_visibility(principal, session), team_of)
    sellers = await AnalysisRepository(session, principal.tenant_id).team(team_of, last) if team_of else None
    rows = await CoachingFiguresRepository(session, principal.tenant_id).figures(group_by, first, last, sellers)
    return CoachingFiguresOut(group_by=group_by, first=first, last=last, team_of=team_of, rows=rows)
