"""Queries and mutations of coaching sessions, their ratings, actions and goals."""

from datetime import date, datetime
from functools import partial
from typing import Annotated

import strawberry

from gateway.resolvers.common import Ctx, get_or_none, page_params, seg, typed
from gateway.types.coaching_enums import ActionStatus, SessionStatus
from gateway.types.coaching_inputs import (
    ActionPatch,
    CompletionInput,
    GoalInput,
    GoalReviewInput,
    GoalTermsInput,
    RatingInput,
    SessionInput,
    SessionPatch,
)
from gateway.types.common import BadQueryInput, Conflict, Forbidden, NotFound, ValidationProblem
from gateway.types.inputs import to_body
from gateway.types.sessions import (
    Action,
    ActionConnection,
    Goal,
    GoalConnection,
    GoalReview,
    Rating,
    Session,
    SessionConnection,
)
from gateway.types.shapes import shown, shown_all

SessionResult = Annotated[Session | ValidationProblem | NotFound | Conflict | Forbidden,
                          strawberry.union("SessionResult")]
RatingResult = Annotated[Rating | ValidationProblem | NotFound | Conflict | Forbidden,
                         strawberry.union("RatingResult")]
ActionResult = Annotated[Action | ValidationProblem | NotFound | Conflict | Forbidden,
                         strawberry.union("ActionResult")]
GoalResult = Annotated[Goal | ValidationProblem | NotFound | Conflict | Forbidden, strawberry.union("GoalResult")]
GoalReviewResult = Annotated[GoalReview | ValidationProblem | NotFound | Conflict | Forbidden,
                             strawberry.union("GoalReviewResult")]

BAD_IDS = "Every id argument must be a valid id."


@strawberry.type
class SessionsQuery:
    @strawberry.field(description="Sessions the caller may see, filtered; `from` (inclusive) and `to` "
                                  "(exclusive) bound the scheduled time.")
    async def sessions(self, info: Ctx, seller_id: strawberry.ID | None = None,
                       coach_id: strawberry.ID | None = None, programme_id: strawberry.ID | None = None,
                       status: SessionStatus | None = None,
                       from_: Annotated[datetime | None, strawberry.argument(name="from")] = None,
                       to: datetime | None = None, first: int = 50, after: str | None = None) -> SessionConnection:
        params = page_params(first, after, seller_id=seller_id, coach_id=coach_id, programme_id=programme_id,
                             status=status, to=to.isoformat() if to else None)
        if from_:
            params["from"] = from_.isoformat()
        page = await get_or_none(info.context.call("coaching", "GET", "/v1/sessions", params=params))
        if page is None:
            raise BadQueryInput(BAD_IDS)
        return SessionConnection(items=shown_all(Session, page["items"]), next_cursor=page["next_cursor"])

    @strawberry.field(description="One coaching session by id; null when not found or not visible to the caller.")
    async def session(self, info: Ctx, id: strawberry.ID) -> Session | None:
        found = await get_or_none(info.context.loaders.session.load(str(id)))
        return shown(Session, found) if found else None

    @strawberry.field(description="Actions the caller may see. `teamOf`: the sellers in that manager's tree "
                                  "today; `overdue: true`: open and due before today.")
    async def actions(self, info: Ctx, seller_id: strawberry.ID | None = None, coach_id: strawberry.ID | None = None,
                      owner_id: strawberry.ID | None = None, team_of: strawberry.ID | None = None,
                      status: ActionStatus | None = None, overdue: bool | None = None, first: int = 50,
                      after: str | None = None) -> ActionConnection:
        params = page_params(first, after, seller_id=seller_id, coach_id=coach_id, owner_id=owner_id,
                             team_of=team_of, status=status, overdue=overdue)
        page = await get_or_none(info.context.call("coaching", "GET", "/v1/actions", params=params))
        if page is None:
            raise BadQueryInput(BAD_IDS)
        return ActionConnection(items=shown_all(Action, page["items"]), next_cursor=page["next_cursor"])

    @strawberry.field(description="Goals the caller may see; `agreed: true` keeps mutually agreed ones; "
                                  "`dueForReview: true` those whose agreed terms reached their review day on or "
                                  "before `on` (default today, UTC) without a review.")
    async def goals(self, info: Ctx, seller_id: strawberry.ID | None = None, coach_id: strawberry.ID | None = None,
                    agreed: bool | None = None, due_for_review: bool | None = None, on: date | None = None,
                    first: int = 50, after: str | None = None) -> GoalConnection:
        params = page_params(first, after, seller_id=seller_id, coach_id=coach_id, agreed=agreed,
                             due_for_review=due_for_review, on=on.isoformat() if on else None)
        page = await get_or_none(info.context.call("coaching", "GET", "/v1/goals", params=params))
        if page is None:
            raise BadQueryInput(BAD_IDS)
        return GoalConnection(items=shown_all(Goal, page["items"]), next_cursor=page["next_cursor"])


@strawberry.type
class SessionsMutation:
    @strawberry.mutation(description="Schedule a coaching session between a coach and a seller.")
    async def schedule_session(self, info: Ctx, input: SessionInput) -> SessionResult:
        return await typed(lambda: info.context.call("coaching", "POST", "/v1/sessions", json=to_body(input)),
                           partial(shown, Session))

    @strawberry.mutation(description="Reschedule or refocus a session that is still scheduled.")
    async def update_session(self, info: Ctx, id: strawberry.ID, input: SessionPatch) -> SessionResult:
        return await typed(lambda: info.context.call("coaching", "PATCH", f"/v1/sessions/{seg(id)}",
                                                     json=to_body(input)), partial(shown, Session))

    @strawberry.mutation(description="Record the conversation: notes, observations, gaps with root causes, "
                                     "actions, proposed goals and the next session.")
    async def complete_session(self, info: Ctx, id: strawberry.ID, input: CompletionInput) -> SessionResult:
        return await typed(lambda: info.context.call("coaching", "POST", f"/v1/sessions/{seg(id)}/complete",
                                                     json=to_body(input)), partial(shown, Session))

    @strawberry.mutation(description="Cancel a scheduled session, with a reason.")
    async def cancel_session(self, info: Ctx, id: strawberry.ID, reason: str) -> SessionResult:
        return await typed(lambda: info.context.call("coaching", "POST", f"/v1/sessions/{seg(id)}/cancel",
                                                     json={"reason": reason}), partial(shown, Session))

    @strawberry.mutation(description="Mark a scheduled session as a no-show.")
    async def mark_no_show(self, info: Ctx, id: strawberry.ID) -> SessionResult:
        return await typed(lambda: info.context.call("coaching", "POST", f"/v1/sessions/{seg(id)}/no-show"),
                           partial(shown, Session))

    @strawberry.mutation(description="The session's seller rates it (once; changeable for 7 days).")
    async def rate_session(self, info: Ctx, session_id: strawberry.ID, input: RatingInput) -> RatingResult:
        return await typed(lambda: info.context.call(
            "coaching", "PUT", f"/v1/sessions/{seg(session_id, 'sessionId')}/rating", json=to_body(input)),
            partial(shown, Rating))

    @strawberry.mutation(description="Change an agreed action (status, due date, description).")
    async def update_action(self, info: Ctx, id: strawberry.ID, input: ActionPatch) -> ActionResult:
        return await typed(lambda: info.context.call("coaching", "PATCH", f"/v1/actions/{seg(id)}",
                                                     json=to_body(input)), partial(shown, Action))

    @strawberry.mutation(description="Propose a goal; it counts once seller and coach both agreed.")
    async def create_goal(self, info: Ctx, input: GoalInput) -> GoalResult:
        return await typed(lambda: info.context.call("coaching", "POST", "/v1/goals", json=to_body(input)),
                           partial(shown, Goal))

    @strawberry.mutation(description="The caller (the goal's seller or coach) agrees to a revision (default: the "
                                     "current one).")
    async def agree_goal(self, info: Ctx, id: strawberry.ID, revision: int | None = None) -> GoalResult:
        body = {"revision": revision} if revision is not None else {}
        return await typed(lambda: info.context.call("coaching", "POST", f"/v1/goals/{seg(id)}/agree", json=body),
                           partial(shown, Goal))

    @strawberry.mutation(description="Propose new terms; history is kept and both sides must agree again.")
    async def revise_goal(self, info: Ctx, id: strawberry.ID, input: GoalTermsInput) -> GoalResult:
        return await typed(lambda: info.context.call("coaching", "POST", f"/v1/goals/{seg(id)}/revise",
                                                     json=to_body(input)), partial(shown, Goal))

    @strawberry.mutation(description="Record the outcome of a goal's terms in force (its agreed revision): by its "
                                     "coach, a manager of its seller, enablement or admin; once per revision.")
    async def review_goal(self, info: Ctx, id: strawberry.ID, input: GoalReviewInput) -> GoalReviewResult:
        return await typed(lambda: info.context.call("coaching", "POST", f"/v1/goals/{seg(id)}/reviews",
                                                     json=to_body(input)), partial(shown, GoalReview))
