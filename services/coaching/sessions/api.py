"""REST handlers of the coaching service's sessions area: thin, the rules live in the services."""

import uuid
from typing import Annotated

from fastapi import Depends, Query, Response, status

from common.pagination import Page, PageParams, page_params
from common.routing import service_router
from common.validation import Day, Moment
from services.coaching.sessions.actions import ActionsService
from services.coaching.sessions.completion import Completion
from services.coaching.sessions.deps import Reading, Writing
from services.coaching.sessions.gaps import GapsService
from services.coaching.sessions.goals import GoalsService
from services.coaching.sessions.ratings import RatingsService
from services.coaching.sessions.schemas import (
    ActionOut,
    ActionStatus,
    ActionUpdate,
    CancelIn,
    CompletionIn,
    GapClose,
    GapOut,
    GapStatus,
    GoalAgree,
    GoalCreate,
    GoalOut,
    GoalReviewIn,
    GoalReviewOut,
    GoalRevise,
    RatingIn,
    RatingOut,
    SessionCreate,
    SessionOut,
    SessionStatus,
    SessionUpdate,
)
from services.coaching.sessions.service import SessionsService

router = service_router("/v1")
Paging = Annotated[PageParams, Depends(page_params)]
Ids = Annotated[list[uuid.UUID] | None, Query(max_length=200)]


def _created(response: Response, location: str) -> None:
    response.status_code = status.HTTP_201_CREATED
    response.headers["Location"] = location


# ---- sessions ---------------------------------------------------------------------------------

@router.post("/sessions", status_code=201, tags=["sessions"])
async def schedule_session(body: SessionCreate, ctx: Writing, response: Response) -> SessionOut:
    out = await SessionsService(ctx).schedule(body)
    _created(response, f"/v1/sessions/{out.id}")
    return out


@router.get("/sessions", tags=["sessions"])
async def list_sessions(
    ctx: Reading, paging: Paging, ids: Ids = None, seller_id: Ids = None, coach_id: Ids = None,
    programme_id: uuid.UUID | None = None, status: SessionStatus | None = None,
    scheduled_from: Annotated[Moment | None, Query(alias="from")] = None,
    scheduled_to: Annotated[Moment | None, Query(alias="to")] = None,
) -> Page[SessionOut]:
    """Sessions the caller may see; `seller_id`, `coach_id` and `ids` repeat (`?ids=a&ids=b`, ≤ 200);
    `from` (inclusive) and `to` (exclusive) bound `scheduled_at`."""
    return await SessionsService(ctx).find(ids=ids, seller_ids=seller_id, coach_ids=coach_id,
                                           programme_id=programme_id, status=status,
                                           scheduled_from=scheduled_from, scheduled_to=scheduled_to,
                                           page=paging)


@router.get("/sessions/{session_id}", tags=["sessions"])
async def get_session(session_id: uuid.UUID, ctx: Reading) -> SessionOut:
    return await SessionsService(ctx).get(session_id)


@router.patch("/sessions/{session_id}", tags=["sessions"])
async def update_session(session_id: uuid.UUID, body: SessionUpdate, ctx: Writing) -> SessionOut:
    return await SessionsService(ctx).update(session_id, body)


@router.post("/sessions/{session_id}/complete", tags=["sessions"])
async def complete_session(session_id: uuid.UUID, body: CompletionIn, ctx: Writing) -> SessionOut:
    return await Completion(ctx).complete(session_id, body)


@router.post("/sessions/{session_id}/cancel", tags=["sessions"])
async def cancel_session(session_id: uuid.UUID, body: CancelIn, ctx: Writing) -> SessionOut:
    return await SessionsService(ctx).cancel(session_id, body)


@router.post("/sessions/{session_id}/no-show", tags=["sessions"])
async def no_show(session_id: uuid.UUID, ctx: Writing) -> SessionOut:
    return await SessionsService(ctx).no_show(session_id)


@router.put("/sessions/{session_id}/rating", tags=["ratings"],
            responses={201: {"model": RatingOut, "description": "The session's first rating"}})
async def rate_session(session_id: uuid.UUID, body: RatingIn, ctx: Writing, response: Response) -> RatingOut:
    out, created = await RatingsService(ctx).put(session_id, body)
    if created:
        _created(response, f"/v1/sessions/{session_id}/rating")
    return out


@router.get("/sessions/{session_id}/rating", tags=["ratings"])
async def get_rating(session_id: uuid.UUID, ctx: Reading) -> RatingOut:
    return await RatingsService(ctx).get(session_id)


# ---- gaps -------------------------------------------------------------------------------------

@router.get("/gaps", tags=["gaps"])
async def list_gaps(ctx: Reading, paging: Paging, ids: Ids = None, seller_id: Ids = None,
                    status: GapStatus | None = None) -> Page[GapOut]:
    """Gaps named in the sessions the caller may see; `status=open` or `closed`."""
    return await GapsService(ctx).find(ids=ids, seller_ids=seller_id, status=status, page=paging)


@router.get("/gaps/{gap_id}", tags=["gaps"])
async def get_gap(gap_id: uuid.UUID, ctx: Reading) -> GapOut:
    return await GapsService(ctx).get(gap_id)


@router.post("/gaps/{gap_id}/close", tags=["gaps"])
async def close_gap(gap_id: uuid.UUID, body: GapClose, ctx: Writing) -> GapOut:
    """Close an open gap in a later completed session of its seller (`session_id`), with the outcome: by that
    session's coach, enablement or admin. The same closure again is a no-op; a gap closed otherwise is a 409."""
    return await GapsService(ctx).close(gap_id, body)


# ---- actions ----------------------------------------------------------------------------------

@router.get("/actions", tags=["actions"])
async def list_actions(
    ctx: Reading, paging: Paging, ids: Ids = None, seller_id: Ids = None, coach_id: Ids = None,
    owner_id: Ids = None, team_of: uuid.UUID | None = None, session_id: uuid.UUID | None = None,
    status: ActionStatus | None = None, overdue: bool | None = None,
) -> Page[ActionOut]:
    """Actions the caller may see. `team_of=<manager id>`: the sellers in that manager's tree today;
    `overdue=true`: open and due before today."""
    return await ActionsService(ctx).find(ids=ids, seller_ids=seller_id, coach_ids=coach_id, owner_ids=owner_id,
                                          team_of=team_of, session_id=session_id, status=status, overdue=overdue,
                                          page=paging)


@router.get("/actions/{action_id}", tags=["actions"])
async def get_action(action_id: uuid.UUID, ctx: Reading) -> ActionOut:
    return await ActionsService(ctx).get(action_id)


@router.patch("/actions/{action_id}", tags=["actions"])
async def update_action(action_id: uuid.UUID, body: ActionUpdate, ctx: Writing) -> ActionOut:
    return await ActionsService(ctx).update(action_id, body)


# ---- goals ------------------------------------------------------------------------------------

@router.post("/goals", status_code=201, tags=["goals"])
async def create_goal(body: GoalCreate, ctx: Writing, response: Response) -> GoalOut:
    out = await GoalsService(ctx).create(body)
    _created(response, f"/v1/goals/{out.id}")
    return out


@router.get("/goals", tags=["goals"])
async def list_goals(ctx: Reading, paging: Paging, ids: Ids = None, seller_id: Ids = None, coach_id: Ids = None,
                     session_id: uuid.UUID | None = None, agreed: bool | None = None,
                     due_for_review: bool | None = None, on: Day | None = None) -> Page[GoalOut]:
    """Goals the caller may see; `agreed=true`: both sides agreed to the current revision;
    `due_for_review=true`: the review day of the terms in force (the agreed revision) is on or before `on`
    (default today, UTC) and they have no review yet."""
    return await GoalsService(ctx).find(ids=ids, seller_ids=seller_id, coach_ids=coach_id, session_id=session_id,
                                        agreed=agreed, due_for_review=due_for_review, on=on, page=paging)


@router.get("/goals/{goal_id}", tags=["goals"])
async def get_goal(goal_id: uuid.UUID, ctx: Reading) -> GoalOut:
    return await GoalsService(ctx).get(goal_id)


@router.post("/goals/{goal_id}/agree", tags=["goals"])
async def agree_goal(goal_id: uuid.UUID, ctx: Writing, body: GoalAgree | None = None) -> GoalOut:
    return await GoalsService(ctx).agree(goal_id, body or GoalAgree())


@router.post("/goals/{goal_id}/revise", tags=["goals"])
async def revise_goal(goal_id: uuid.UUID, body: GoalRevise, ctx: Writing) -> GoalOut:
    return await GoalsService(ctx).revise(goal_id, body)


@router.post("/goals/{goal_id}/reviews", status_code=201, tags=["goals"])
async def review_goal(goal_id: uuid.UUID, body: GoalReviewIn, ctx: Writing, response: Response) -> GoalReviewOut:
    """Record the outcome of the goal's terms in force (its agreed revision): by its coach, a manager of its
    seller, enablement or admin; once per revision (409 after); `carried_over` links a later revision."""
    out = await GoalsService(ctx).review(goal_id, body)
    _created(response, f"/v1/goals/{goal_id}")  # the goal holds its reviews
    return out
