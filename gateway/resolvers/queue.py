"""The coaching queue and the conversation guide: composition only.

The metrics service ranks and scores (`GET /v1/coaching-queues`, one batch call per distinct `on`, period and
`first`, whatever the number of coaches: services/metrics/coaching_queue.py) and decides who may read which
queue and which figures. The guide adds, for its one seller, the last session from the coaching service and
the focus behaviour's scenarios from the behaviors service. The gateway forwards the caller's credential and
decides nothing about who sees what.
"""

from collections import defaultdict
from datetime import date
from typing import Any, cast

import strawberry

from gateway.loaders import filters
from gateway.resolvers.common import Ctx, seg
from gateway.types.behaviors import RootCause, Scenario
from gateway.types.common import Forbidden, InvalidArgument, NotFound, ValidationProblem, invalid_argument
from gateway.types.periods import ScorecardPeriod
from gateway.types.queue import (
    CoachingQueue,
    CoachingQueueResult,
    ConversationGuide,
    ConversationGuideResult,
    FocusSuggestion,
    QueueEntry,
    RootCauseCheck,
)
from gateway.types.scorecards import BehaviorCard
from gateway.types.sessions import Action, Goal, Session
from gateway.types.shapes import model_of, shown, shown_all

# The seeds' five root causes of a failure to perform, each with the question that tests it.
ROOT_CAUSES: tuple[tuple[str, str], ...] = (
    ("environment", "Is something around them in the way — territory, leads, tools, process or an approval — "
                    "rather than anything they do?"),
    ("commitment", "Do they agree with the goal and believe the behaviour pays off — was it set with them, and "
                   "do they want it?"),
    ("capacity", "Do they have the time and bandwidth for it — what would they stop doing to make room?"),
    ("skills", "Can they do it when it counts — have you seen them do it (or practise it) at the level the "
               "rubric asks?"),
    ("knowledge", "Do they know what good looks like and why it matters — the process, the message, the buyer?"),
)


def _figures(entry: dict[str, Any]) -> list[BehaviorCard]:
    return shown_all(BehaviorCard, entry["figures"])


def _unranked(e: dict[str, Any]) -> QueueEntry:
    """The seller's entry as a conversation guide shows it: one seller scored, so no place in a queue."""
    return cast(QueueEntry, model_of(QueueEntry).model_validate(e).model_copy(update={"rank": None}))


async def _answer(info: Ctx, coach: str, on: date | None, period: ScorecardPeriod, first: int,
                  seller: str | None = None) -> dict[str, Any] | NotFound | Forbidden:
    key = filters(on=on.isoformat() if on else None, period=period.value, first=max(1, min(first, 200)),
                  seller_id=seller)
    answer = await info.context.loaders.coaching_queue.load((coach, key))
    if answer is None or answer["outcome"] == "not_found":
        return NotFound(message=(answer or {}).get("detail") or f"No person {coach}.")
    if answer["outcome"] == "forbidden":
        return Forbidden(message=answer["detail"])
    queue: dict[str, Any] = answer["queue"]
    return queue


def _root_causes(scenarios: list[dict[str, Any]], last: dict[str, Any] | None,
                 focus: FocusSuggestion | None) -> list[RootCauseCheck]:
    why: dict[str, list[str]] = defaultdict(list)
    for s in scenarios:
        for cause in s["root_causes"]:
            why[cause].append(f"named by the scenario '{s['title']}'")
    for gap in (last or {}).get("gaps", []):
        if focus is not None and gap["behavior_key"] == focus.behavior_key:
            why[gap["root_cause"]].append(f"found in your last session: {gap['description']}")
    return [RootCauseCheck(cause=RootCause(cause), prompt=prompt, flagged=bool(why[cause]),
                           why="; ".join(why[cause]) or None) for cause, prompt in ROOT_CAUSES]


async def queue_of(info: Ctx, coach_id: strawberry.ID, on: date | None, first: int,
                   period: ScorecardPeriod) -> CoachingQueue | NotFound | Forbidden | ValidationProblem:
    """The coach's queue (Query.coachingQueue and Person.coachingQueue)."""
    try:
        coach = seg(coach_id, "coachId")
    except InvalidArgument as err:
        return invalid_argument(err)
    q = await _answer(info, coach, on, period, first)
    if not isinstance(q, dict):
        return q
    return shown(CoachingQueue, q)


@strawberry.type
class QueueQuery:
    @strawberry.field(description="The people a coach coaches on `on` (default today) — sellers, or for a leader "
                                  "the managers below them — ranked by whom to coach next, each with the reasons "
                                  "and the behaviour to focus on (see `formula`). Gaps and trends are measured "
                                  "over the scorecard `period` holding `on` (default: the last 28 days ending on "
                                  "it, so a queue on the 1st of a month weighs four weeks of figures, not one "
                                  "day).")
    async def coaching_queue(self, info: Ctx, coach_id: strawberry.ID, on: date | None = None, first: int = 20,
                             period: ScorecardPeriod = ScorecardPeriod.LAST_28_DAYS) -> CoachingQueueResult:
        return await queue_of(info, coach_id, on, first, period)

    @strawberry.field(description="What a coach needs to open a conversation with one seller they coach on `on`: "
                                  "the focus behaviour and why (the queue's scoring), the figures vs target in "
                                  "scope, the open actions and goals of their last session, the focus behaviour's "
                                  "scenarios and the root-cause checklist. NotFound when the coach does not coach "
                                  "the seller on `on`.")
    async def conversation_guide(self, info: Ctx, coach_id: strawberry.ID, seller_id: strawberry.ID,
                                 on: date | None = None, period: ScorecardPeriod = ScorecardPeriod.LAST_28_DAYS
                                 ) -> ConversationGuideResult:
        try:
            coach, seller = seg(coach_id, "coachId"), seg(seller_id, "sellerId")
        except InvalidArgument as err:
            return invalid_argument(err)
        q = await _answer(info, coach, on, period, 1, seller)
        if not isinstance(q, dict):
            return q
        if not q["entries"]:
            return NotFound(message=f"{seller} is not coached by {coach} on {q['on']}.")
        e = q["entries"][0]
        loaders = info.context.loaders
        last = await loaders.session.load(str(e["last_session_id"])) if e["last_session_id"] else None
        entry = _unranked(e)
        behavior_id = (e["focus"] or {}).get("behavior_id")
        scenarios = await loaders.scenarios.load(str(behavior_id)) if behavior_id else []
        return ConversationGuide(
            coach_id=strawberry.ID(coach), seller_id=strawberry.ID(seller), on=date.fromisoformat(q["on"]),
            period=period, entry=entry, focus=entry.focus, figures_visible=entry.figures_visible,
            figures=_figures(e), last_session=shown(Session, last) if last else None,
            open_actions=shown_all(Action, (a for a in (last or {}).get("actions", []) if a["status"] == "open")),
            goals=shown_all(Goal, (last or {}).get("goals", [])),
            scenarios=shown_all(Scenario, scenarios),
            root_causes=_root_causes(scenarios, last, entry.focus))
