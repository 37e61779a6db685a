"""The gap summary: root causes rolled up into training needs.

The gaps opened in [first, last] (by their opening day, UTC) — tenant-wide, or of the sellers in `team_of`'s tree
on the day each gap was opened (a seller moved by a reorg counts for the team they were in when the gap was named)
— grouped by root cause, behaviour, team (the seller's direct manager on the opening day) or coach (who held the
session that named it). Per group, and in total: gaps opened; of those, closed (by outcome) and open as of today;
the share resolved (resolved / closed); the median days from opening to closing day; the mean relative change of
their behaviour's indicators after the gap (gap_evaluation.py, right way positive) and the share of indicator
figures that moved the right way; and per root cause who should act — skills and knowledge: enablement
(training); environment and capacity: operations and management; commitment: the seller's manager.
Rows come in order of gaps opened (most first), then key.
"""

import statistics
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from services.metrics.analysis_repository import AnalysisRepository
from services.metrics.catalogue import Metrics
from services.metrics.gap_evaluation import ACTORS, GapEvaluator, opened_on, start_of
from services.metrics.gap_repository import GapRepository
from services.metrics.gap_schemas import GapEvaluationOut, GapGroupBy, GapSummaryOut, GapSummaryRow, RootCauseCount
from services.metrics.models import CoachingGap
from services.metrics.org import Org
from services.metrics.repository import QueryRepository

ROOT_CAUSES = ("skills", "knowledge", "environment", "capacity", "commitment")


def summarise(key: str | None, name: str | None, evaluations: Sequence[GapEvaluationOut],
              root_cause: str | None = None) -> GapSummaryRow:
    closed = [e for e in evaluations if e.status == "closed"]
    outcomes = {o: sum(e.outcome == o for e in closed) for o in ("resolved", "persists", "no_longer_relevant")}
    days = [e.days_to_close for e in closed if e.days_to_close is not None]
    changes = [f.relative_change for e in evaluations for f in e.indicators if f.relative_change is not None]
    judged = [f.movement for e in evaluations for f in e.indicators if f.movement != "no_data"]
    counts: dict[str, int] = defaultdict(int)
    for e in evaluations:
        counts[e.root_cause] += 1
    return GapSummaryRow(
        key=key, name=name, who_should_act=ACTORS[root_cause] if root_cause else None, opened=len(evaluations),
        closed=len(closed), open=len(evaluations) - len(closed), **outcomes,
        share_resolved=outcomes["resolved"] / len(closed) if closed else None,
        median_days_to_close=float(statistics.median(days)) if days else None,
        mean_change=statistics.fmean(changes) if changes else None,
        improved_share=sum(m == "right_way" for m in judged) / len(judged) if judged else None,
        root_causes=[RootCauseCount(root_cause=rc, opened=counts[rc], who_should_act=ACTORS[rc])
                     for rc in ROOT_CAUSES if counts[rc]])


class GapSummaryService:
    def __init__(self, session: AsyncSession, tenant_id: uuid.UUID, metrics: Metrics, today: date) -> None:
        self.gaps = GapRepository(session, tenant_id)
        self.analysis = AnalysisRepository(session, tenant_id)
        self.queries = QueryRepository(session, tenant_id)
        self.evaluator = GapEvaluator(session, tenant_id, metrics, today)

    async def summary(self, *, first: date, last: date, team_of: uuid.UUID | None, group_by: GapGroupBy,
                      window_days: int) -> GapSummaryOut:
        gaps = await self.gaps.opened_between(start_of(first), start_of(last + timedelta(days=1)))
        if team_of is not None:
            org = Org(await self.queries.subtree_lines(team_of, first, last))
            gaps = [g for g in gaps if g.seller_id in org.team(team_of, opened_on(g))]
        evaluations = await self.evaluator.evaluate(gaps, window_days)
        key_of, names = await self._grouping(group_by, gaps)
        groups: dict[str | None, list[GapEvaluationOut]] = defaultdict(list)
        for g, e in zip(gaps, evaluations, strict=True):
            groups[key_of(g)].append(e)
        rows = [summarise(k, names.get(k) if k is not None else None, found,
                          root_cause=k if group_by == "root_cause" else None) for k, found in groups.items()]
        rows.sort(key=lambda r: (-r.opened, r.key or ""))
        return GapSummaryOut(group_by=group_by, first=first, last=last, team_of=team_of, window_days=window_days,
                             total=summarise(None, None, evaluations), rows=rows)

    async def _grouping(self, group_by: GapGroupBy, gaps: Sequence[CoachingGap]) -> tuple[
            Callable[[CoachingGap], str | None], dict[str, str]]:
        """How a gap finds its group, and the groups' names."""
        if group_by == "root_cause":
            return (lambda g: g.root_cause), {}
        if group_by == "behavior":
            names = {b.key: b.name for b, _ in await self.analysis.active_behaviors()}
            return (lambda g: g.behavior_key), names
        if group_by == "coach":
            people = await self.analysis.people([g.coach_id for g in gaps if g.coach_id is not None])
            return (lambda g: str(g.coach_id) if g.coach_id else None), {str(k): p.name for k, p in people.items()}
        managers: dict[uuid.UUID, list[tuple[date, date | None, uuid.UUID]]] = defaultdict(list)
        for line in await self.gaps.lines_of([g.seller_id for g in gaps]):
            managers[line.person_id].append((line.valid_from, line.valid_to, line.manager_id))

        def manager_of(g: CoachingGap) -> str | None:
            day = opened_on(g)
            found = sorted(m for a, b, m in managers[g.seller_id] if a <= day and (b is None or day < b))
            return str(found[0]) if found else None

        people = await self.analysis.people(sorted({m for ls in managers.values() for _, _, m in ls}))
        return manager_of, {str(k): p.name for k, p in people.items()}
