"""The coaching queue: whom each coach should coach next, gathered from the read model and scored by
`queue_scoring.py`, for any number of coaches with a fixed number of statements.

What is read (all as of `on`, default today): who the coach coaches (`queue_repository.links`: assignments in
force and the implicit manager link), each seller's scorecard for the period holding `on` (as far as the
caller sees it: visibility.py), the pair's completed sessions in the lookback window, their open actions due
before `on`, the pair's programmes; and, to coach the coaches, how each seller coaches in turn: the ratings
their own sellers gave them this period and the one before, and their programme pairs that are due.
Who may read a coach's queue is decided by `Visibility.may_read_queue`.
"""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from common.auth import Principal
from services.metrics.analysis_repository import AnalysisRepository
from services.metrics.analysis_schemas import ScorecardOut
from services.metrics.catalogue import Metrics
from services.metrics.gap_evaluation import DEFAULT_WINDOW_DAYS, GapEvaluator
from services.metrics.gap_repository import GapRepository
from services.metrics.gap_schemas import GapEvaluationOut
from services.metrics.goal_progress import GoalProgressService
from services.metrics.goal_progress_schemas import GoalProgressOut
from services.metrics.models import Behavior, CoachingGoal
from services.metrics.periods import Period, ScorecardPeriod
from services.metrics.queue_repository import Held, Link, Pair, QueueRepository
from services.metrics.queue_schemas import CoachingQueueOut, FocusOut, QueueAnswer, QueueEntryOut, QueueReasonOut
from services.metrics.queue_scoring import (
    DEFAULT_PRIORITY,
    FORMULA,
    LOOKBACK_DAYS,
    GapPersisting,
    GoalDue,
    IndicatorFigure,
    PairDue,
    ProgrammeFacts,
    Ratings,
    Scored,
    SellerFacts,
    rank,
)
from services.metrics.repository import QueryRepository
from services.metrics.scorecards import ScorecardService, period_and_previous
from services.metrics.visibility import Visibility
from services.metrics.windows import person_value, window_sums

RATINGS = ("coaching_rating_relevant", "coaching_rating_developmental", "coaching_rating_motivational")
MAX_FIRST = 200


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def _scope(links: Sequence[Link]) -> tuple[str, ...] | None:
    if any(not link.scope for link in links):
        return None
    return tuple(sorted({k for link in links for k in link.scope}))


def _by_pair(held: Sequence[Held]) -> dict[tuple[uuid.UUID, uuid.UUID], list[Held]]:
    """Sessions grouped by (coach, seller), oldest first within each."""
    out: dict[tuple[uuid.UUID, uuid.UUID], list[Held]] = defaultdict(list)
    for h in held:
        out[(h.coach_id, h.seller_id)].append(h)
    return out


def _since(pair: Pair, held: Sequence[Held], on: date, lookback: int) -> tuple[date, date | None]:
    """(the day the pair's wait started, its last session in the programme) — see queue_scoring.py. `held`: the
    pair's own sessions."""
    days = [h.held_at.astimezone(UTC).date() for h in held if h.programme_id == pair.programme_id]
    last = max((d for d in days if d >= pair.first), default=None)
    return last or max(pair.first, on - timedelta(days=lookback)), last


def _persisting(e: GapEvaluationOut, sessions: int) -> GapPersisting:
    f = next((f for f in e.indicators if f.movement != "no_data"), None)
    return GapPersisting(e.behavior_key, e.root_cause, e.opened_at.astimezone(UTC).date(), sessions,
                         *((f.metric_key, f.before, f.after, e.days) if f is not None else ()))


def _goal_due(g: CoachingGoal, p: GoalProgressOut | None) -> GoalDue:
    return GoalDue(g.metric_key, g.target, g.period, g.review_on, *((p.actual, p.expected, p.status) if p else ()))


class QueueService:
    def __init__(self, session: AsyncSession, principal: Principal, metrics: Metrics, today: date, *,
                 gap_persists_sessions: int = 3, gap_window_days: int = DEFAULT_WINDOW_DAYS) -> None:
        tenant = principal.tenant_id
        self.gap_persists_sessions = gap_persists_sessions
        self.gap_window_days = gap_window_days
        self.repo = QueueRepository(session, tenant)
        self.analysis = AnalysisRepository(session, tenant)
        self.visibility = Visibility(principal, QueryRepository(session, tenant), today)
        self.scorecards = ScorecardService(self.analysis, metrics, today)
        self.goals = GoalProgressService(QueryRepository(session, tenant), metrics, self.visibility, today)
        self.gap_evaluator = GapEvaluator(session, tenant, metrics, today, self.visibility)
        self.gap_repo = GapRepository(session, tenant)
        self.metrics = metrics
        self.today = today

    async def queues(self, coach_ids: Sequence[uuid.UUID], *, on: date, kind: ScorecardPeriod, first: int = 20,
                     seller_id: uuid.UUID | None = None) -> list[QueueAnswer]:
        """One answer per coach, in the order asked; `seller_id` keeps that seller only (a conversation guide)."""
        coach_ids = list(dict.fromkeys(coach_ids))
        known = await self.analysis.people(coach_ids)
        answers: dict[uuid.UUID, QueueAnswer] = {}
        allowed = []
        for c in coach_ids:
            if c not in known:
                answers[c] = QueueAnswer(coach_id=c, outcome="not_found", detail=f"No person {c}.")
            elif not await self.visibility.may_read_queue(c):
                answers[c] = QueueAnswer(coach_id=c, outcome="forbidden", detail=(
                    "A coaching queue is for the coach, whoever has the coach in their reporting tree, enablement "
                    "and admin."))
            else:
                allowed.append(c)
        period, previous = period_and_previous(on, kind)
        for coach, queue in (await self._build(allowed, on, kind, (period, previous), first, seller_id)).items():
            answers[coach] = QueueAnswer(coach_id=coach, outcome="ok", queue=queue)
        return [answers[c] for c in coach_ids]

    async def _build(self, coaches: list[uuid.UUID], on: date, kind: ScorecardPeriod, periods: tuple[Period, Period],
                     first: int, only: uuid.UUID | None) -> dict[uuid.UUID, CoachingQueueOut]:
        if not coaches:
            return {}
        links = await self.repo.links(coaches, on)
        by_pair: dict[tuple[uuid.UUID, uuid.UUID], list[Link]] = defaultdict(list)
        for c in coaches:
            for link in links[c]:
                if only is None or link.seller_id == only:
                    by_pair[(c, link.seller_id)].append(link)
        sellers = sorted({s for _, s in by_pair})
        pairs = [p for p in await self.repo.pairs(coaches, on) if (p.coach_id, p.seller_id) in by_pair]
        their_pairs = await self.repo.pairs(sellers, on)  # the sellers as coaches in programmes
        lookback = max([LOOKBACK_DAYS, *(p.cadence_days for p in (*pairs, *their_pairs))])
        window = (_start_of(on - timedelta(days=lookback)), _start_of(on + timedelta(days=1)))
        held = _by_pair(await self.repo.held(coaches, *window))
        their_held = _by_pair(await self.repo.held(sellers, *window, programmes_only=True))
        overdue: dict[tuple[uuid.UUID, uuid.UUID], list[date]] = defaultdict(list)
        for coach, seller, due_on in await self.repo.overdue(coaches, on):
            overdue[(coach, seller)].append(due_on)
        due_goals = [g for g in await self.repo.goals_due(coaches, on) if (g.coach_id, g.seller_id) in by_pair]
        progress = {p.goal_id: p for p in await self.goals.progress([g.id for g in due_goals], on)}
        goals_of: dict[tuple[uuid.UUID, uuid.UUID], list[GoalDue]] = defaultdict(list)
        for g in due_goals:
            goals_of[(g.coach_id, g.seller_id)].append(_goal_due(g, progress.get(g.id)))
        pairs_of: dict[tuple[uuid.UUID, uuid.UUID], list[Pair]] = defaultdict(list)
        for p in pairs:
            pairs_of[(p.coach_id, p.seller_id)].append(p)
        coached_by: dict[uuid.UUID, list[Pair]] = defaultdict(list)  # programme pairs each seller coaches
        for p in their_pairs:
            coached_by[p.coach_id].append(p)
        cards = {c.person_id: c for c in await self.scorecards.scorecards(sellers, kind=kind, on=on)}
        visible = set(await self.visibility.visible(sellers))
        behaviors = {b.key: b for b, _ in await self.analysis.active_behaviors()}
        names = {p: x.name for p, x in (await self.analysis.people(
            [*sellers, *(p.seller_id for p in their_pairs)])).items()}
        ratings = await self._ratings(sellers, periods)
        persisting = await self._persisting(sellers)

        pairs_of_coach: dict[uuid.UUID, list[tuple[uuid.UUID, list[Link]]]] = defaultdict(list)
        for (coach, seller), pair_links in sorted(by_pair.items()):
            pairs_of_coach[coach].append((seller, pair_links))
        out = {}
        for c in coaches:
            facts, shown, last_held = [], {}, {}
            for s, pair_links in pairs_of_coach[c]:
                card = await self.visibility.trim(cards[s]) if s in cards and s in visible else None
                scope = _scope(pair_links)
                if card is not None:
                    card = card.model_copy(update={"behaviors": [
                        b for b in card.behaviors if scope is None or b.key in scope]})
                shown[s] = card
                done = held.get((c, s), [])
                last_held[s] = done[-1] if done else None
                programme_facts = []
                for p in pairs_of.get((c, s), []):
                    since, last = _since(p, done, on, lookback)
                    programme_facts.append(ProgrammeFacts(str(p.programme_id), p.name, p.cadence_days, since, last))
                mine = coached_by.get(s, [])
                due = []
                for p in mine:
                    since, _ = _since(p, their_held.get((p.coach_id, p.seller_id), []), on, lookback)
                    if (on - since).days >= p.cadence_days:
                        due.append(PairDue(p.name, names.get(p.seller_id, str(p.seller_id)), p.cadence_days,
                                           (on - since).days))
                facts.append(SellerFacts(
                    seller_id=str(s), name=names.get(s, str(s)), scope=scope,
                    figures=self._figures(card, behaviors),
                    last_session_on=done[-1].held_at.astimezone(UTC).date() if done else None,
                    overdue_due_dates=tuple(sorted(overdue.get((c, s), []))),
                    programmes=tuple(programme_facts), ratings=ratings.get(s), pairs_due=tuple(due),
                    pairs_in_force=len(mine), reviews_due=tuple(goals_of.get((c, s), [])),
                    gaps_persisting=tuple(g for g in persisting.get(s, [])
                                          if scope is None or g.behavior_key in scope)))
            ranked = rank(facts, on, lookback)
            entries = [self._entry(n, x, by_pair[(c, uuid.UUID(x.facts.seller_id))], shown, last_held, behaviors)
                       for n, x in enumerate(ranked[:max(1, min(first, MAX_FIRST))], start=1)]
            out[c] = CoachingQueueOut(coach_id=c, on=on, period=kind, lookback_days=lookback, total=len(ranked),
                                      formula=FORMULA, entries=entries)
        return out

    async def _persisting(self, sellers: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[GapPersisting]]:
        """Each seller's open gaps that did not move the right way after N of their sessions, oldest first (as far
        as the caller sees the seller: visibility.py)."""
        out: dict[uuid.UUID, list[GapPersisting]] = defaultdict(list)
        gaps = await self.gap_repo.open_gaps(sellers) if sellers else []
        for e in await self.gap_evaluator.evaluate(gaps, self.gap_window_days):
            if e.sessions_since >= self.gap_persists_sessions and e.improved is not True:
                out[e.seller_id].append(_persisting(e, e.sessions_since))
        return out

    def _figures(self, card: ScorecardOut | None, behaviors: dict[str, Behavior]) -> tuple[IndicatorFigure, ...]:
        if card is None:
            return ()
        return tuple(IndicatorFigure(b.key, b.name, i.metric_key, i.comparator, i.expected, i.actual, i.status,
                                     i.trend, (x.priority if (x := behaviors.get(b.key)) else DEFAULT_PRIORITY))
                     for b in card.behaviors for i in b.indicators)

    async def _ratings(self, people: Sequence[uuid.UUID], periods: tuple[Period, Period]) -> dict[uuid.UUID, Ratings]:
        """The mean rating the people's own sellers gave their sessions, now and the period before (both rated)."""
        metrics = [m for k in RATINGS if (m := self.metrics.by_key.get(k)) is not None]
        parts = {part for m in metrics for part in m.parts}
        means: list[dict[uuid.UUID, tuple[float | None, float]]] = []
        for period in periods:
            days = period.elapsed(self.today)
            if not days or not parts:
                means.append({})
                continue
            end = period.start + timedelta(days=days - 1)
            sums = await window_sums(self.analysis.s, self.analysis.tenant_id, people, parts, period.start, end)
            found: dict[uuid.UUID, tuple[float | None, float]] = {}
            for p in people:
                values = [v for m in metrics if (v := person_value(m, sums, p)).value is not None]
                found[p] = ((sum(v.value or 0.0 for v in values) / len(values) if values else None),
                            max((v.den for v in values), default=0.0))
            means.append(found)
        now, before = means
        out = {}
        for p in people:
            (mean_now, rated), (mean_before, _) = now.get(p, (None, 0.0)), before.get(p, (None, 0.0))
            if mean_now is not None and mean_before is not None:
                out[p] = Ratings(round(mean_now, 4), round(mean_before, 4), int(rated))
        return out

    def _entry(self, position: int, scored: Scored, links: Sequence[Link], shown: dict[uuid.UUID, ScorecardOut | None],
               last_held: dict[uuid.UUID, Held | None], behaviors: dict[str, Behavior]) -> QueueEntryOut:
        s = uuid.UUID(scored.facts.seller_id)
        last = last_held.get(s)
        f = scored.focus
        card = shown.get(s)
        return QueueEntryOut(
            rank=position, seller_id=s, seller_name=scored.facts.name, score=scored.score,
            reasons=[QueueReasonOut(kind=r.kind, weight=r.weight, detail=r.detail,
                                    behavior_key=r.behavior_key, metric_key=r.metric_key,
                                    programme_id=uuid.UUID(r.programme_id) if r.programme_id else None)
                     for r in scored.reasons],
            last_session_id=last.id if last else None, last_session_at=last.held_at if last else None,
            days_since_last_session=scored.days_since_last_session,
            overdue_actions=len(scored.facts.overdue_due_dates),
            focus=None if f is None else FocusOut(
                behavior_id=x.id if (x := behaviors.get(f.behavior_key)) else None, behavior_key=f.behavior_key,
                behavior_name=f.behavior_name, metric_key=f.metric_key, relative_gap=f.relative_gap, why=f.why),
            scope=list(scored.facts.scope or ()), coach_kinds=sorted({link.kind for link in links}),
            figures_visible=card is not None, figures=card.behaviors if card is not None else [])
