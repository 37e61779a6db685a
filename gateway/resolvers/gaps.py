"""Gaps: closing one (coaching), and the gap summary (metrics). Evaluations resolve on `Gap.evaluation`."""

from datetime import date
from functools import partial
from typing import Annotated, Any

import strawberry

from gateway.clients import DownstreamError
from gateway.resolvers.common import Ctx, seg, typed
from gateway.types.coaching_inputs import GapCloseInput
from gateway.types.common import (
    Conflict,
    Forbidden,
    InvalidArgument,
    NotFound,
    ValidationProblem,
    invalid_argument,
    problem_from,
)
from gateway.types.gaps import GapGrouping, GapSummary, GapSummaryResult
from gateway.types.inputs import to_body
from gateway.types.sessions import Gap
from gateway.types.shapes import shown

GapResult = Annotated[Gap | ValidationProblem | NotFound | Conflict | Forbidden, strawberry.union("GapResult")]


@strawberry.type
class GapsQuery:
    @strawberry.field(description="Root causes rolled up into training needs: the gaps opened in [from, to] "
                                  "(default: the 90 days ending today; tenant-wide for enablement and admin, a team "
                                  "in their tree for managers; sellers are refused) grouped by root cause, behaviour, "
                                  "team or coach — opened, closed, share resolved, median days to close, mean "
                                  "indicator change after the gap, and who should act on each root cause.")
    async def gap_summary(self, info: Ctx, from_: Annotated[date | None, strawberry.argument(name="from")] = None,
                          to: date | None = None,
                          group_by: GapGrouping = GapGrouping.ROOT_CAUSE, team_of: strawberry.ID | None = None,
                          window_days: int = 28) -> GapSummaryResult:
        try:
            params: dict[str, Any] = {"group_by": group_by.value, "window_days": window_days}
            if from_ is not None:
                params["from"] = from_.isoformat()
            if to is not None:
                params["to"] = to.isoformat()
            if team_of is not None:
                params["team_of"] = seg(team_of, "teamOf")
            return shown(GapSummary, await info.context.call("metrics", "GET", "/v1/gap-summary", params=params))
        except InvalidArgument as err:
            return invalid_argument(err)
        except DownstreamError as err:
            if err.status in (403, 422):
                return problem_from(err)  # type: ignore[return-value]
            raise


@strawberry.type
class GapsMutation:
    @strawberry.mutation(description="Close an open gap in a later completed session of its seller with the outcome "
                                     "(resolved, persists, no longer relevant): by that session's coach, enablement "
                                     "or admin. The same closure again changes nothing; another is a Conflict.")
    async def close_gap(self, info: Ctx, id: strawberry.ID, input: GapCloseInput) -> GapResult:
        return await typed(lambda: info.context.call("coaching", "POST", f"/v1/gaps/{seg(id)}/close",
                                                     json=to_body(input)), partial(shown, Gap))
