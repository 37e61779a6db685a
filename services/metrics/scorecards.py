"""Scorecards and adoption: every active behaviour that applies to a person or a team, each indicator's
actual against its target for a period, and the share of a behaviour's audience that meets it.

- A behaviour applies to a person when one of their roles is in its audience (seller, manager, leader).
- A team is everyone under the manager on the period's first day (the tree as it was then: a reorg later
  in the period does not move people between scorecards). The previous period uses its own first day.
- Figures and statuses follow periods.py: activity targets pro rata over the elapsed days, per person; a
  team's activity actual is the mean of its audience's; a team's proficiency actual is pooled (Σ/Σ).
- `meeting`: audience members on track on their own figures (a ratio with nothing to divide by is not).
Raises typed errors; never commits. Who may ask is checked in visibility.py (through analysis_api.py).
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from common.errors import InvalidInput, NotFound
from services.metrics.analysis_repository import AnalysisRepository
from services.metrics.analysis_schemas import (
    AdoptionIndicator,
    AdoptionOut,
    BehaviorCard,
    IndicatorCard,
    PeriodOut,
    ScorecardOut,
)
from services.metrics.catalogue import Metric, Metrics
from services.metrics.models import Behavior, BehaviorIndicator, Person
from services.metrics.periods import (
    Period,
    PeriodOutOfRange,
    ScorecardPeriod,
    judge,
    period_of,
    scaled_target,
    trend,
)
from services.metrics.windows import Sums, person_value, pooled_value, window_sums


def _period_out(p: Period, today: date) -> PeriodOut:
    return PeriodOut(kind=p.kind, start=p.start, end=p.end, days=p.days, elapsed_days=p.elapsed(today))


def period_and_previous(on: date, kind: ScorecardPeriod) -> tuple[Period, Period]:
    """The period holding `on` and the one before it; a 422 when either leaves the calendar."""
    try:
        period = period_of(on, kind)
        return period, period.previous()
    except PeriodOutOfRange as err:
        raise InvalidInput(str(err), errors=[
            {"field": "query.on", "message": str(err), "code": "out_of_range"}]) from err


def applies(behavior: Behavior, person: Person | None) -> bool:
    return person is not None and bool(set(behavior.audience) & set(person.roles))


@dataclass(frozen=True)
class Window:
    period: Period
    days: int  # the days measured: the elapsed ones
    sums: Sums


class ScorecardService:
    def __init__(self, repo: AnalysisRepository, metrics: Metrics, today: date) -> None:
        self.repo = repo
        self.metrics = metrics
        self.today = today

    # ---- the pieces
    async def _members(self, person_id: uuid.UUID | None, team_of: uuid.UUID | None,
                       day: date) -> list[uuid.UUID]:
        if person_id is not None:
            return [person_id]
        if team_of is not None:
            return await self.repo.team(team_of, day)
        return await self.repo.everyone()

    def _metric(self, key: str) -> Metric | None:
        return self.metrics.get(key)

    async def _window(self, period: Period, people: Sequence[uuid.UUID],
                      indicators: Sequence[BehaviorIndicator]) -> Window:
        keys = {part for i in indicators if (m := self._metric(i.metric_key)) for part in m.parts}
        days = period.elapsed(self.today)
        end = date.fromordinal(period.start.toordinal() + max(days, 1) - 1)
        sums = await window_sums(self.repo.s, self.repo.tenant_id, people, keys, period.start, end) if days else {}
        return Window(period, days, sums)

    def _expected(self, i: BehaviorIndicator, days: int) -> float:
        return scaled_target(i.target, i.period, days) if i.kind == "activity" else i.target  # type: ignore[arg-type]

    def _actual(self, i: BehaviorIndicator, w: Window, people: Sequence[uuid.UUID]) -> float | None:
        metric = self._metric(i.metric_key)
        if metric is None or not people or w.days == 0:
            return None
        if i.kind == "activity":
            values = [person_value(metric, w.sums, p).value for p in people]
            return sum(v or 0.0 for v in values) / len(people)
        return pooled_value(metric, w.sums, people).value

    def _meeting(self, i: BehaviorIndicator, w: Window, people: Sequence[uuid.UUID]) -> int:
        expected = self._expected(i, w.days)
        return sum(judge(self._actual(i, w, [p]), expected, i.comparator) == "on_track" for p in people)

    def _card(self, i: BehaviorIndicator, now: Window, before: Window, audience: Sequence[uuid.UUID],
              audience_before: Sequence[uuid.UUID]) -> IndicatorCard:
        expected = self._expected(i, now.days)
        actual = self._actual(i, now, audience)
        previous = self._actual(i, before, audience_before)
        if i.kind == "activity":
            rate_now = actual / now.days if actual is not None and now.days else None
            rate_before = previous / before.days if previous is not None and before.days else None
            direction = trend(rate_now, rate_before)
        else:
            direction = trend(actual, previous)
        return IndicatorCard(
            indicator_id=i.id, metric_key=i.metric_key, kind=i.kind,
            comparator=i.comparator, indicator_period=i.period, target=i.target,
            expected=expected, actual=actual, gap=None if actual is None else actual - expected,
            status=judge(actual, expected, i.comparator) if audience else "no_data", previous_actual=previous,
            trend=direction, members=len(audience), meeting=self._meeting(i, now, audience))

    # ---- the answers
    async def scorecard(self, *, person_id: uuid.UUID | None, team_of: uuid.UUID | None, kind: ScorecardPeriod,
                        on: date) -> ScorecardOut:
        if person_id is not None:
            found = await self.scorecards([person_id], kind=kind, on=on)
            if not found:
                raise NotFound(f"Person {person_id} is not known to the metrics service.")
            return found[0]
        assert team_of is not None
        period, previous = period_and_previous(on, kind)
        members = await self._members(None, team_of, period.start)
        members_before = await self._members(None, team_of, previous.start)
        return (await self._cards([(None, team_of, members, members_before)], (period, previous)))[0]

    async def scorecards(self, person_ids: Sequence[uuid.UUID], *, kind: ScorecardPeriod,
                         on: date) -> list[ScorecardOut]:
        """Several people's scorecards with one query per window; people the read model does not know are
        left out."""
        known = await self.repo.people(person_ids)
        subjects = [(p, None, [p], [p]) for p in dict.fromkeys(person_ids) if p in known]
        return await self._cards(subjects, period_and_previous(on, kind))

    async def _cards(self, subjects: Sequence[tuple[uuid.UUID | None, uuid.UUID | None, list[uuid.UUID],
                                                    list[uuid.UUID]]], periods: tuple[Period, Period]
                     ) -> list[ScorecardOut]:
        period, previous = periods
        everyone = list({p for _, _, now, before in subjects for p in (*now, *before)})
        people = await self.repo.people(everyone)
        behaviors = await self.repo.active_behaviors()
        indicators = [i for _, inds in behaviors for i in inds]
        now = await self._window(period, everyone, indicators)
        before = await self._window(previous, everyone, indicators)
        out = []
        for person_id, team_of, members, members_before in subjects:
            cards = []
            for behavior, inds in behaviors:
                audience = [p for p in members if applies(behavior, people.get(p))]
                audience_before = [p for p in members_before if applies(behavior, people.get(p))]
                if not audience and not audience_before:
                    continue
                cards.append(BehaviorCard(id=behavior.id, key=behavior.key, name=behavior.name, indicators=[
                    self._card(i, now, before, audience, audience_before) for i in inds]))
            out.append(ScorecardOut(person_id=person_id, team_of=team_of, members=members,
                                    period=_period_out(period, self.today),
                                    previous=_period_out(previous, self.today), behaviors=cards))
        return out

    async def adoption(self, *, behavior_key: str, team_of: uuid.UUID | None, kind: ScorecardPeriod,
                       on: date) -> AdoptionOut:
        found = await self.repo.active_behaviors(behavior_key)
        if not found:
            raise NotFound(f"There is no active behaviour {behavior_key!r}.")
        behavior, inds = found[0]
        period, _ = period_and_previous(on, kind)
        if period.elapsed(self.today) == 0:
            raise InvalidInput("The period has not started yet.", errors=[
                {"field": "query.on", "message": f"{period.start} is after today", "code": "future_period"}])
        members = await self._members(None, team_of, period.start)
        people = await self.repo.people(members)
        audience = [p for p in members if applies(behavior, people.get(p))]
        now = await self._window(period, audience, inds)
        rows = []
        for i in inds:
            meeting = self._meeting(i, now, audience)
            rows.append(AdoptionIndicator(
                indicator_id=i.id, metric_key=i.metric_key, kind=i.kind,
                comparator=i.comparator, target=i.target,
                expected=self._expected(i, now.days), meeting=meeting,
                share=meeting / len(audience) if audience else None))
        return AdoptionOut(behavior_id=behavior.id, behavior_key=behavior.key, team_of=team_of,
                           period=_period_out(period, self.today), audience=audience, indicators=rows)
