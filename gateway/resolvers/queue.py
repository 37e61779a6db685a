"""The coaching queue and the conversation guide: behaviours, coaching and metrics data composed in a fixed
number of batch calls, scored by `gateway/queue_scoring.py`.

Calls per query, whatever the number of sellers (each a DataLoader batch of up to 200 ids):
`/v1/coachees` (who the coach coaches on `on`, with scopes) and `/v1/programmes?coach_id=` first, then
`/v1/people`, `/v1/scorecards`, `/v1/sessions` (the pair's completed sessions in the lookback window) and
`/v1/actions` (the pair's open actions) together, then `/v1/behaviors?keys=` (priorities); the guide adds
`/v1/scenarios` for its focus behaviour. Paged paths follow cursors, so only their rows can add calls.

Who may read a coach's queue mirrors who may see the coach's sessions in the coaching service: the coach,
whoever has the coach in their reporting tree today, enablement and admin people, and API keys. Anyone else
gets `Forbidden` before any figures are read — the services would otherwise answer with what that caller
sees (a seller: only their own sessions), which would rank the coach's sellers on missing data. The caller's
person and roles are read from the bearer token without checking its signature, only ever to refuse: every
call that follows is verified by the services.
"""

import asyncio
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import jwt
import strawberry

from common.identity.store import KEY_PREFIX
from gateway.clients import DownstreamError
from gateway.loaders import filters
from gateway.queue_scoring import (
    FORMULA,
    LOOKBACK_DAYS,
    ROOT_CAUSES,
    Focus,
    IndicatorFigure,
    ProgrammeFacts,
    Scored,
    SellerFacts,
    rank,
    score_seller,
)
from gateway.resolvers.common import Ctx, seg
from gateway.types.behaviors import RootCause, Scenario
from gateway.types.coaching_enums import CoachKind
from gateway.types.common import FieldError, Forbidden, InvalidArgument, NotFound, ValidationProblem
from gateway.types.periods import ScorecardPeriod
from gateway.types.queue import (
    CoachingQueue,
    CoachingQueueResult,
    ConversationGuide,
    ConversationGuideResult,
    FocusSuggestion,
    QueueEntry,
    QueueReason,
    QueueReasonKind,
    RootCauseCheck,
)
from gateway.types.scorecards import BehaviorCard, IndicatorCard
from gateway.types.sessions import Action, Goal, Session

MAX_FIRST = 200
SEES_EVERYTHING = ("admin", "enablement")


def _claims(credential: str | None) -> dict[str, Any] | None:
    """A person's token claims, unverified (None for API keys and anything unreadable)."""
    if not credential:
        return None
    scheme, _, token = credential.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or token.startswith(KEY_PREFIX):
        return None
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    return claims if isinstance(claims, dict) else None


async def _refusal(info: Ctx, coach_id: str) -> Forbidden | None:
    claims = _claims(info.context.credential)
    if claims is None:
        return None
    roles = claims.get("roles")
    if isinstance(roles, list) and any(r in SEES_EVERYTHING for r in roles):
        return None
    try:
        me = seg(strawberry.ID(str(claims.get("sub", ""))))
    except InvalidArgument:
        return None  # not a person's token the services accept either: they answer 401
    if me == coach_id:
        return None
    try:
        tree = await info.context.call("coaching", "GET", f"/v1/people/{me}/tree")
    except DownstreamError as err:
        if err.status != 404:
            raise
        tree = []
    if any(str(e["person_id"]) == coach_id for e in tree):
        return None
    return Forbidden(message="A coaching queue is for the coach, whoever has the coach in their reporting tree, "
                             "enablement and admin.")


def _start_of(day: date) -> str:
    return datetime.combine(day, time(0), tzinfo=UTC).isoformat()


def _held_on(session: dict[str, Any]) -> date | None:
    held = session.get("held_at")
    return datetime.fromisoformat(held).astimezone(UTC).date() if held else None


def _in_programme(programme: dict[str, Any], pair: dict[str, Any], on: date) -> date | None:
    """The pair's first day in the programme when it is in it on `on` (see services' cadence.py), else None."""
    first = max(date.fromisoformat(pair["joined_on"]), date.fromisoformat(programme["starts_on"]))
    last_days = [date.fromisoformat(pair["left_on"]) - timedelta(days=1)] if pair.get("left_on") else []
    if programme.get("ends_on"):
        last_days.append(date.fromisoformat(programme["ends_on"]))
    return first if first <= on and all(on <= d for d in last_days) else None


@dataclass
class Gathered:
    coach_id: str
    on: date
    lookback: int
    coach: dict[str, Any] | None
    sellers: list[str]
    links: dict[str, list[dict[str, Any]]]
    cards: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    last_sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    behaviors: dict[str, dict[str, Any]] = field(default_factory=dict)
    facts: list[SellerFacts] = field(default_factory=list)


async def _gather(info: Ctx, coach_id: str, on: date, period: ScorecardPeriod, only: str | None = None
                  ) -> Gathered:
    loaders = info.context.loaders
    day = on.isoformat()
    links, programmes = await asyncio.gather(
        loaders.coachees.load((coach_id, filters(as_of=day))),
        loaders.programmes_of_coach.load((coach_id, filters(active_on=day))))
    by_seller: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for link in links:
        if only is None or str(link["seller_id"]) == only:
            by_seller[str(link["seller_id"])].append(link)
    sellers = sorted(by_seller)
    if only is not None and not sellers:
        return Gathered(coach_id, on, LOOKBACK_DAYS, None, [], {})  # not coached: nothing more to read
    for p in programmes:
        loaders.programme.prime(str(p["id"]), p)
    pairs: dict[str, list[tuple[dict[str, Any], date]]] = defaultdict(list)  # seller → (programme, first day)
    for p in programmes:
        for pair in p["pairs"]:
            seller = str(pair["seller_id"])
            first = _in_programme(p, pair, on) if str(pair["coach_id"]) == coach_id else None
            if first is not None and seller in by_seller:
                pairs[seller].append((p, first))
    lookback = max([LOOKBACK_DAYS, *(p["cadence_days"] for ps in pairs.values() for p, _ in ps)])
    window = filters(coach_id=coach_id, status="completed",
                     **{"from": _start_of(on - timedelta(days=lookback)), "to": _start_of(on + timedelta(days=1))})
    people, cards, sessions, actions = await asyncio.gather(
        loaders.person.load_many([coach_id, *sellers]),
        loaders.scorecard.load_many([(s, filters(period=period.value, on=day)) for s in sellers]),
        loaders.sessions_of_seller.load_many([(s, window) for s in sellers]),
        loaders.actions_of_seller.load_many([(s, filters(coach_id=coach_id, status="open")) for s in sellers]))
    out = Gathered(coach_id, on, lookback, people[0], sellers, dict(by_seller),
                   cards=dict(zip(sellers, cards, strict=True)))
    scopes = {s: _scope(by_seller[s]) for s in sellers}
    keys = sorted({b["key"] for s in sellers for b in (out.cards[s] or {}).get("behaviors", [])
                   if _covers(scopes[s], b["key"])})
    out.behaviors = {k: b for k, b in zip(keys, await loaders.behavior_by_key.load_many(keys), strict=True) if b}
    names = {s: (p or {}).get("name") or s for s, p in zip(sellers, people[1:], strict=True)}
    for s, held, open_actions in zip(sellers, sessions, actions, strict=True):
        done = sorted((x for x in held if (d := _held_on(x)) is not None and d <= on),
                      key=lambda x: (x["held_at"], str(x["id"])))
        if done:
            out.last_sessions[s] = done[-1]
        programme_facts = []
        for p, first in pairs[s]:
            in_it = [d for x in done if str(x.get("programme_id")) == str(p["id"])
                     and (d := _held_on(x)) is not None and d >= first]
            last = max(in_it, default=None)
            programme_facts.append(ProgrammeFacts(str(p["id"]), p["name"], p["cadence_days"],
                                                  last or max(first, on - timedelta(days=lookback)), last))
        out.facts.append(SellerFacts(
            seller_id=s, name=names[s], scope=scopes[s], figures=_figures(out.cards[s], out.behaviors),
            last_session_on=_held_on(done[-1]) if done else None,
            overdue_due_dates=tuple(sorted(d for a in open_actions if (d := date.fromisoformat(a["due_on"])) < on)),
            programmes=tuple(programme_facts)))
    return out


def _covers(scope: tuple[str, ...] | None, key: str) -> bool:
    return scope is None or key in scope


def _scope(links: list[dict[str, Any]]) -> tuple[str, ...] | None:
    if any(not link["scope"] for link in links):
        return None
    return tuple(sorted({k for link in links for k in link["scope"]}))


def _figures(card: dict[str, Any] | None, behaviors: dict[str, dict[str, Any]]) -> tuple[IndicatorFigure, ...]:
    if card is None:
        return ()
    out = []
    for b in card["behaviors"]:
        known = behaviors.get(b["key"])
        priority = known["content"]["priority"] if known else 3
        out += [IndicatorFigure(b["key"], b["name"], i["metric_key"], i["comparator"], i["expected"], i["actual"],
                                i["status"], i["trend"], priority) for i in b["indicators"]]
    return tuple(out)


def _focus(f: Focus | None) -> FocusSuggestion | None:
    if f is None:
        return None
    return FocusSuggestion(behavior_key=f.behavior_key, behavior_name=f.behavior_name, metric_key=f.metric_key,
                           relative_gap=f.relative_gap, why=f.why)


def _entry(g: Gathered, scored: Scored, position: int | None) -> QueueEntry:
    s = scored.facts.seller_id
    last = g.last_sessions.get(s)
    return QueueEntry(
        rank=position, seller_id=strawberry.ID(s), score=scored.score,
        reasons=[QueueReason(kind=QueueReasonKind(r.kind), weight=r.weight, detail=r.detail,
                             behavior_key=r.behavior_key, metric_key=r.metric_key,
                             programme_id=strawberry.ID(r.programme_id) if r.programme_id else None)
                 for r in scored.reasons],
        last_session_at=datetime.fromisoformat(last["held_at"]) if last else None,
        days_since_last_session=scored.days_since_last_session,
        overdue_actions=len(scored.facts.overdue_due_dates), focus=_focus(scored.focus),
        scope=list(scored.facts.scope or ()),
        coach_kinds=sorted({CoachKind(link["kind"]) for link in g.links[s]}, key=lambda k: k.value),
        figures_visible=g.cards.get(s) is not None)


def _day(on: date | None) -> date:
    return on or datetime.now(UTC).date()


def _invalid(err: InvalidArgument) -> ValidationProblem:
    return ValidationProblem(message=str(err), fields=[FieldError(field=err.field, message=str(err), code=err.code)])


def _root_causes(scenarios: list[dict[str, Any]], last: dict[str, Any] | None,
                 focus: Focus | None) -> list[RootCauseCheck]:
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
        return _invalid(err)
    if (refused := await _refusal(info, coach)) is not None:
        return refused
    g = await _gather(info, coach, _day(on), period)
    if g.coach is None:
        return NotFound(message=f"No person {coach}.")
    ranked = rank(g.facts, g.on, g.lookback)
    return CoachingQueue(coach_id=strawberry.ID(coach), on=g.on, period=period, lookback_days=g.lookback,
                         total=len(ranked), formula=FORMULA,
                         entries=[_entry(g, s, n) for n, s in enumerate(ranked[:max(1, min(first, MAX_FIRST))],
                                                                       start=1)])


@strawberry.type
class QueueQuery:
    @strawberry.field(description="The sellers a coach coaches on `on` (default today), ranked by whom to coach "
                                  "next, each with the reasons and the behaviour to focus on (see `formula`). "
                                  "Gaps and trends are measured over the scorecard `period` holding `on` "
                                  "(default: the last 28 days ending on it, so a queue on the 1st of a month "
                                  "weighs four weeks of figures, not one day).")
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
            return _invalid(err)
        if (refused := await _refusal(info, coach)) is not None:
            return refused
        g = await _gather(info, coach, _day(on), period, only=seller)
        if not g.facts:
            return NotFound(message=f"{seller} is not coached by {coach} on {g.on}.")
        scored = score_seller(g.facts[0], g.on, g.lookback)
        card, last = g.cards.get(seller), g.last_sessions.get(seller)
        focus = scored.focus
        known = g.behaviors.get(focus.behavior_key) if focus else None
        scenarios = await info.context.loaders.scenarios.load(str(known["id"])) if known else []
        scope = scored.facts.scope
        figures = [BehaviorCard(behavior_id=b["id"], key=b["key"], name=b["name"],
                                indicators=[IndicatorCard.from_json(i) for i in b["indicators"]])
                   for b in (card or {}).get("behaviors", []) if _covers(scope, b["key"])]
        return ConversationGuide(
            coach_id=strawberry.ID(coach), seller_id=strawberry.ID(seller), on=g.on, period=period,
            entry=_entry(g, scored, None), focus=_focus(focus), figures_visible=card is not None, figures=figures,
            last_session=Session.from_json(last) if last else None,
            open_actions=[Action.from_json(a) for a in (last or {}).get("actions", []) if a["status"] == "open"],
            goals=[Goal.from_json(x) for x in (last or {}).get("goals", [])],
            scenarios=[Scenario.from_json(s) for s in scenarios],
            root_causes=_root_causes(scenarios, last, focus))
