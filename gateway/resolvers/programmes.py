"""Queries and mutations of coaching programmes and the coaching-activity report."""

from datetime import date
from functools import partial
from typing import Annotated

import strawberry

from gateway.resolvers.common import Ctx, DeleteResult, deleted, get_or_none, page_params, seg, typed
from gateway.types.coaching_enums import ActivityGrouping
from gateway.types.coaching_inputs import PairInput, ProgrammeInput, ProgrammePatch
from gateway.types.common import BadQueryInput, Conflict, Forbidden, NotFound, ValidationProblem
from gateway.types.inputs import to_body
from gateway.types.programmes import CoachingActivity, Programme, ProgrammeConnection, ProgrammePair
from gateway.types.shapes import shown, shown_all

ProgrammeResult = Annotated[Programme | ValidationProblem | NotFound | Conflict | Forbidden,
                            strawberry.union("ProgrammeResult")]
PairResult = Annotated[ProgrammePair | ValidationProblem | NotFound | Conflict | Forbidden,
                       strawberry.union("ProgrammePairResult")]


@strawberry.type
class ProgrammesQuery:
    @strawberry.field(description="Programmes the caller may see, filtered; `activeOn` keeps those running then.")
    async def programmes(self, info: Ctx, owner_id: strawberry.ID | None = None,
                         coach_id: strawberry.ID | None = None, seller_id: strawberry.ID | None = None,
                         active_on: date | None = None, first: int = 50,
                         after: str | None = None) -> ProgrammeConnection:
        params = page_params(first, after, owner_id=owner_id, coach_id=coach_id, seller_id=seller_id,
                             active_on=active_on)
        page = await get_or_none(info.context.call("coaching", "GET", "/v1/programmes", params=params))
        if page is None:
            raise BadQueryInput("ownerId, coachId and sellerId must be valid ids.")
        return ProgrammeConnection(items=shown_all(Programme, page["items"]),
                                   next_cursor=page["next_cursor"])

    @strawberry.field(description="One coaching programme by id; null when not found.")
    async def programme(self, info: Ctx, id: strawberry.ID) -> Programme | None:
        found = await get_or_none(info.context.loaders.programme.load(str(id)))
        return shown(Programme, found) if found else None

    @strawberry.field(description="Per coach or per team over [from, to] (default: the last 28 days): sessions "
                                  "held, cadence kept, average ratings, sessions with actions, open and overdue "
                                  "actions. `managerId` keeps the coaches or teams under that manager.")
    async def coaching_activity(self, info: Ctx, group_by: ActivityGrouping = ActivityGrouping.COACH,
                                from_: Annotated[date | None, strawberry.argument(name="from")] = None,
                                to: date | None = None,
                                manager_id: strawberry.ID | None = None) -> CoachingActivity:
        params = {"group_by": group_by.value}
        if from_:
            params["from"] = from_.isoformat()
        if to:
            params["to"] = to.isoformat()
        if manager_id is not None:
            params["manager_id"] = seg(manager_id, "managerId")
        return shown(CoachingActivity,
            await info.context.call("coaching", "GET", "/v1/reports/coaching-activity", params=params))


@strawberry.type
class ProgrammesMutation:
    @strawberry.mutation(description="Create a coaching programme (objective, behaviours, cadence).")
    async def create_programme(self, info: Ctx, input: ProgrammeInput) -> ProgrammeResult:
        return await typed(lambda: info.context.call("coaching", "POST", "/v1/programmes", json=to_body(input)),
                           partial(shown, Programme))

    @strawberry.mutation(description="Change some fields of a coaching programme.")
    async def update_programme(self, info: Ctx, id: strawberry.ID, input: ProgrammePatch) -> ProgrammeResult:
        return await typed(lambda: info.context.call("coaching", "PATCH", f"/v1/programmes/{seg(id)}",
                                                     json=to_body(input)), partial(shown, Programme))

    @strawberry.mutation(description="Delete a coaching programme.")
    async def delete_programme(self, info: Ctx, id: strawberry.ID) -> DeleteResult:
        return await typed(lambda: info.context.call("coaching", "DELETE", f"/v1/programmes/{seg(id)}"),
                           deleted(id))

    @strawberry.mutation(description="Add a coach-seller pair; `joinedOn` defaults to today (or the start).")
    async def add_programme_pair(self, info: Ctx, programme_id: strawberry.ID, input: PairInput) -> PairResult:
        return await typed(lambda: info.context.call(
            "coaching", "POST", f"/v1/programmes/{seg(programme_id, 'programmeId')}/pairs", json=to_body(input)),
            partial(shown, ProgrammePair))

    @strawberry.mutation(description="The pair leaves on `leftOn` (default today) and stays as history.")
    async def remove_programme_pair(self, info: Ctx, programme_id: strawberry.ID, pair_id: strawberry.ID,
                                    left_on: date | None = None) -> DeleteResult:
        params = {"left_on": left_on.isoformat()} if left_on else None
        return await typed(lambda: info.context.call(
            "coaching", "DELETE", f"/v1/programmes/{seg(programme_id, 'programmeId')}/pairs/{seg(pair_id, 'pairId')}",
            params=params), deleted(pair_id))
