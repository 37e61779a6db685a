"""Impact of an intervention on a metric: who was treated, when, the windows compared and the unit of inference
(the statistics are in impact.py; the method in words in docs/impact.md).

- Interventions: completing a course (an LMS course id: the first completion with status completed or
  passed), joining a coaching programme (its first joined_on in the read model), or a date (a kickoff:
  the people in `team_of`'s tree on that day are treated; without `team_of`, everybody).
- Population: people of the read model with `role` (default seller) who are active or left on a known day
  (`left_on`): a leaver counts for the windows they were employed in; with `team_of` and a course or
  programme, only that team (as of today) — the comparison then comes from the same team.
- Employment (`hired_on`, `left_on`): a person counts for a treated day — as treated or as comparison — only
  when employed on every day of its pre and post windows (excluded, not pro-rated: docs/impact.md says why);
  treated people left out so are counted (`not_employed`).
- Each treated person has their own day t: pre = [t - W, t - 1], post = [t, t + W - 1], W = window_days.
  Treated people who share a day form a cohort; its comparison is everyone of the population not treated
  by the end of its post window (never treated, or treated later: "not yet treated"), measured over the
  cohort's own windows. A treated person whose post window has not ended by today is left out (`excluded`)
  but may still serve as comparison for earlier cohorts; a day with fewer than MIN_GROUP people left to
  compare with (the last days of a rollout to everyone) is left out (`without_comparison`).
- Unit of inference (`unit`): `person`, or `team` (each person's direct manager on the date, or on the median
  treated day) when treatment or shocks come by team; `auto` (default) is `team` for a date (a kickoff) and a
  programme (coaching that managers run for their teams) and `person` for a course. With too few teams the
  answer is descriptive only (no interval).
- A person's value in a window is the metric over it (windows.py); ratios keep numerator and denominator:
  `weighting=deals` (default) pools them over each group, `weighting=persons` averages each person's ratio.

- Placebo: the same estimate with every window moved back `window_days` (before anyone was treated), beside
  every answer (`placebo`).
- No comparison group: a date that leaves fewer than MIN_GROUP people untreated (a company-wide kickoff) is
  answered by an interrupted time series (its.py) over the treated people's metric per person and day (the
  mean over those employed that day), counts and sums only, with its own placebo.
"""

import bisect
import statistics
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from sqlalchemy import func, or_, select

from common.errors import InvalidInput
from common.repository import TenantRepository
from services.metrics import its
from services.metrics.analysis_repository import AnalysisRepository
from services.metrics.analysis_schemas import ImpactDenominatorsOut, ImpactOut, ImpactPlaceboOut
from services.metrics.catalogue import Metric
from services.metrics.impact import (
    MIN_GROUP,
    Cohort,
    ImpactDescriptive,
    ImpactError,
    ImpactEstimate,
    ImpactRefused,
    PrePost,
    Weighting,
    analyse,
)
from services.metrics.models import Completion, Person, ProgrammeParticipant, ReportingLine
from services.metrics.repository import QueryRepository
from services.metrics.windows import value_of

COMPLETED = ("completed", "passed")
UnitChoice = Literal["auto", "person", "team"]


@dataclass(frozen=True, slots=True)
class Employment:
    """Employed on the days hired_on <= d <= left_on (open ends when unknown)."""

    hired_on: date | None
    left_on: date | None

    def covers(self, first: date, last: date) -> bool:
        return (self.hired_on is None or self.hired_on <= first) and (self.left_on is None or self.left_on >= last)

    def on(self, day: date) -> bool:
        return self.covers(day, day)


class ImpactRepository(TenantRepository):
    async def population(self, role: str) -> dict[uuid.UUID, Employment]:
        """People with the role and when they were employed: the active ones, and those who left on a known day
        (who count for the windows they were employed in: nobody is dropped because they left later)."""
        rows = (await self.s.execute(select(Person.id, Person.roles, Person.active, Person.hired_on,
                                            Person.left_on).where(
            Person.tenant_id == self.tenant_id, Person.deleted.is_(False),
            or_(Person.active.is_(True), Person.left_on.is_not(None))))).all()
        return {pid: Employment(hired, left) for pid, roles, _, hired, left in sorted(rows, key=lambda r: r[0])
                if role in roles}

    async def course_days(self, course_id: str) -> dict[uuid.UUID, date]:
        c = Completion
        stmt = (select(c.person_id, func.min(c.completed_at))
                .where(c.tenant_id == self.tenant_id, c.course_id == course_id, c.status.in_(COMPLETED),
                       c.person_id.is_not(None))
                .group_by(c.person_id))
        return {pid: at.date() for pid, at in (await self.s.execute(stmt)).all() if pid is not None}

    async def programme_days(self, programme_id: uuid.UUID) -> dict[uuid.UUID, date]:
        p = ProgrammeParticipant
        stmt = (select(p.person_id, func.min(p.joined_on))
                .where(p.tenant_id == self.tenant_id, p.programme_id == programme_id, p.deleted.is_(False))
                .group_by(p.person_id))
        return dict((await self.s.execute(stmt)).all())

    async def managers(self, people: list[uuid.UUID], day: date) -> dict[uuid.UUID, uuid.UUID]:
        """Each person's direct manager on the day (people without one are left out)."""
        rl = ReportingLine
        out: dict[uuid.UUID, uuid.UUID] = {}
        wanted = set(people)
        stmt = select(rl.person_id, rl.manager_id).where(
            rl.tenant_id == self.tenant_id, rl.deleted.is_(False), rl.valid_from <= day,
            or_(rl.valid_to.is_(None), rl.valid_to > day))
        for person, manager in (await self.s.execute(stmt)).all():
            if person in wanted:
                out[person] = manager
        return out


def _invalid(field: str, message: str, code: str = "value_error") -> InvalidInput:
    return InvalidInput(message, errors=[{"field": f"query.{field}", "message": message, "code": code}])


def effect_unit(metric: Metric, window_days: int, weighting: Weighting | None = "deals") -> str:
    """What the effect (and each group's pre/post value) counts, per what window."""
    per = f"per {window_days} days"
    how = "mean of each person's own" if weighting == "persons" else "pooled over each group"
    if metric.aggregation == "ratio":
        return (f"{metric.key} ({metric.numerator} / {metric.denominator}, {how}) over "
                f"{window_days} days")
    if metric.aggregation == "average":
        return f"{metric.key} (mean {metric.field} per event, {how}) over {window_days} days"
    if metric.aggregation == "sum":
        return f"{metric.key} (sum of {metric.field}) per person {per}"
    return f"{metric.key} per person {per}"


def _cohorts(ready: dict[uuid.UUID, date], days: dict[uuid.UUID, date], population: dict[uuid.UUID, Employment],
             window: timedelta) -> tuple[dict[uuid.UUID, date], dict[date, list[uuid.UUID]], int]:
    """The treated days compared, each with its comparison: the people employed throughout its windows and not
    treated by the end of its post window (never treated, or not yet). A day with fewer than MIN_GROUP people to
    compare with (the last days of a rollout to everyone) is left out, unless no day has enough: then the
    estimator's refusal says so. Returns the treated people kept, each day's comparison and how many treated
    people were left out."""
    def comparison_of(t: date) -> list[uuid.UUID]:
        first, end = t - window, t + window - timedelta(days=1)
        return [p for p, job in population.items() if (p not in days or days[p] > end) and job.covers(first, end)]

    members_of = {t: comparison_of(t) for t in sorted(set(ready.values()))}
    kept = {t: group for t, group in members_of.items() if len(group) >= MIN_GROUP} or members_of
    treated = {p: d for p, d in ready.items() if d in kept}
    return treated, kept, len(ready) - len(treated)


class _Windows:
    """Window sums of the metric's stored parts per person from daily rows, by prefix sums (a cohort's windows
    are read for every comparison person, so each window costs two bisections, not a scan)."""

    def __init__(self, metric: Metric, daily: list[tuple[uuid.UUID, str, date, float, float]]) -> None:
        self.metric = metric
        cells: dict[tuple[uuid.UUID, str], list[tuple[date, float, float]]] = {}
        for pid, key, d, num, den in daily:
            cells.setdefault((pid, key), []).append((d, num, den))
        self.days: dict[tuple[uuid.UUID, str], list[date]] = {}
        self.sums: dict[tuple[uuid.UUID, str], list[tuple[float, float]]] = {}
        for k, rows in cells.items():
            rows.sort()
            self.days[k] = [d for d, _, _ in rows]
            acc, num, den = [(0.0, 0.0)], 0.0, 0.0
            for _, n, dn in rows:
                num, den = num + n, den + dn
                acc.append((num, den))
            self.sums[k] = acc

    def parts(self, person: uuid.UUID, first: date, last: date) -> tuple[float, float]:
        """(numerator, denominator) of the metric over [first, last]: for a count or sum the value and 0."""
        sums = {}
        for key in self.metric.parts:
            days = self.days.get((person, key))
            if days is None:
                sums[key] = (0.0, 0.0)
                continue
            lo, hi = bisect.bisect_left(days, first), bisect.bisect_right(days, last)
            acc = self.sums[(person, key)]
            sums[key] = (acc[hi][0] - acc[lo][0], acc[hi][1] - acc[lo][1])
        v = value_of(self.metric, sums)
        return v.num, v.den

    def observation(self, person: uuid.UUID, t: date, window: timedelta) -> PrePost:
        pre = self.parts(person, t - window, t - timedelta(days=1))
        post = self.parts(person, t, t + window - timedelta(days=1))
        if self.metric.aggregation in ("ratio", "average"):
            return PrePost.ratio(str(person), pre_num=pre[0], pre_den=pre[1], post_num=post[0], post_den=post[1])
        return PrePost(str(person), pre[0], post[0])


@dataclass(frozen=True, slots=True)
class _Request:
    """What one impact question is about, carried into the answer."""

    metric: Metric
    course_id: str | None
    programme_id: uuid.UUID | None
    day: date | None
    team_of: uuid.UUID | None
    role: str
    window_days: int


class ImpactService:
    def __init__(self, repo: ImpactRepository, today: date) -> None:
        self.repo = repo
        self.today = today

    async def impact(self, metric: Metric, *, course_id: str | None, programme_id: uuid.UUID | None,
                     day: date | None, team_of: uuid.UUID | None, role: str, window_days: int,
                     unit: UnitChoice = "auto", weighting: Weighting = "deals") -> ImpactOut:
        given = [x for x in (course_id, programme_id, day) if x is not None]
        if len(given) != 1:
            raise _invalid("course_id", "Give exactly one intervention: course_id, programme_id or date.", "one_of")
        ask = _Request(metric, course_id, programme_id, day, team_of, role, window_days)
        org = AnalysisRepository(self.repo.s, self.repo.tenant_id)
        population = await self.repo.population(role)
        if day is not None:
            # a kickoff: the people in team_of's tree on the day, or everybody (a company-wide kickoff)
            treated_ids = set(await org.team(team_of, day)) if team_of is not None else set(population)
            days = {p: day for p in population if p in treated_ids}
        else:
            if team_of is not None:
                team = set(await org.team(team_of, self.today))
                population = {p: job for p, job in population.items() if p in team}
            found = (await self.repo.course_days(course_id) if course_id is not None
                     else await self.repo.programme_days(programme_id))  # type: ignore[arg-type]
            days = {p: d for p, d in found.items() if p in population}
        window = timedelta(days=window_days)
        ready = {p: d for p, d in days.items() if d + window - timedelta(days=1) <= self.today}
        if (day is not None and day + window - timedelta(days=1) > self.today) or (days and not ready):
            around = day if day is not None else min(days.values())
            raise _invalid("window_days", f"The post window after {around} has not ended yet.", "window_not_over")
        excluded = len(days) - len(ready)
        employed = {p: d for p, d in ready.items() if population[p].covers(d - window, d + window - timedelta(days=1))}
        not_employed = len(ready) - len(employed)
        ready, members_of, without_comparison = _cohorts(employed, days, population, window)
        if day is not None and len(members_of.get(day, [])) < MIN_GROUP:
            return await self._time_series(ask, sorted(days), population)
        cohort_days = sorted(members_of)
        comparison_day = day if day is not None else (
            statistics.median_low(sorted(ready.values())) if ready else self.today)
        subjects = sorted(set(ready) | {p for group in members_of.values() for p in group})
        first = min(cohort_days, default=comparison_day) - 2 * window  # the placebo's pre window too
        last = max(cohort_days, default=comparison_day) + window
        daily = await QueryRepository(self.repo.s, self.repo.tenant_id).daily(metric.parts, subjects, first, last)
        windows = _Windows(metric, daily)

        def cohorts(shift: timedelta) -> list[Cohort]:
            def kept(people: list[uuid.UUID], t: date) -> list[PrePost]:
                return [windows.observation(p, t, window) for p in people
                        if population[p].covers(t - window, t + window - timedelta(days=1))]
            return [Cohort(treated=kept([p for p in sorted(ready) if ready[p] == t], t - shift),
                           comparison=kept(members_of[t], t - shift)) for t in cohort_days]

        chosen = ("person" if course_id is not None else "team") if unit == "auto" else unit
        clusters = None
        if chosen == "team":
            managers = await self.repo.managers(subjects, comparison_day)
            clusters = {str(p): str(m) for p, m in managers.items()}
        try:
            result = analyse(cohorts(timedelta(0)), clusters=clusters, weighting=weighting)
        except ImpactRefused as err:
            raise _refused(err) from None
        except ImpactError as err:
            raise _invalid("metric", err.message, err.reason) from None
        placebo = _placebo_of(lambda: analyse(cohorts(window), clusters=clusters, weighting=weighting),
                              comparison_day - window, window_days)
        descriptive = isinstance(result, ImpactDescriptive)
        dens = result.denominators
        return ImpactOut(
            **_asked(ask), unit=effect_unit(metric, window_days, result.weighting), comparison_day=comparison_day,
            design="comparison_group", excluded=excluded, not_employed=not_employed,
            without_comparison=without_comparison, effect=result.effect,
            low=None if isinstance(result, ImpactDescriptive) else result.low,
            high=None if isinstance(result, ImpactDescriptive) else result.high,
            confidence=result.confidence, treated_size=result.treated_size, comparison_size=result.comparison_size,
            treated_pre=result.treated_pre, treated_post=result.treated_post, comparison_pre=result.comparison_pre,
            comparison_post=result.comparison_post, resamples=0, seed=0,
            method="descriptive" if descriptive else "welch_t" if result.unit == "person" else "team_t",
            descriptive_only=descriptive,
            note=result.message if isinstance(result, ImpactDescriptive) else None,
            inference_unit=result.unit, treated_units=result.treated_units,
            comparison_units=result.comparison_units, cohorts=result.cohorts,
            standard_error=None if isinstance(result, ImpactDescriptive) else result.standard_error,
            df=None if isinstance(result, ImpactDescriptive) else result.df,
            weighting=result.weighting,
            denominators=None if dens is None else ImpactDenominatorsOut(
                treated_pre=dens.treated_pre, treated_post=dens.treated_post, comparison_pre=dens.comparison_pre,
                comparison_post=dens.comparison_post),
            backtests=None, training_days=None, placebo=placebo)

    async def _time_series(self, ask: _Request, treated: list[uuid.UUID],
                           population: dict[uuid.UUID, Employment]) -> ImpactOut:
        """Everybody was treated on the date: an interrupted time series over the treated people's metric per
        person and day (its.py), with its placebo one window earlier."""
        assert ask.day is not None
        metric, day, w = ask.metric, ask.day, ask.window_days
        if metric.aggregation in ("ratio", "average"):
            raise _invalid("metric", f"{metric.key} is a {metric.aggregation}: without a comparison group only "
                                     f"counts and sums are estimated (a time series of a ratio is not yet "
                                     f"supported).", "no_comparison_for_ratio")
        if len(treated) < MIN_GROUP:
            raise _refused(ImpactRefused("treated_group_too_small", f"the treated group has {len(treated)} "
                                         f"person(s); at least {MIN_GROUP} are needed",
                                         treated_size=len(treated), comparison_size=0, min_group=MIN_GROUP))
        start = day - timedelta(days=its.history_needed(w))
        last = day + timedelta(days=w - 1)
        daily = await QueryRepository(self.repo.s, self.repo.tenant_id).daily(metric.parts, treated, start, last)
        series = _per_person_day(daily, treated, population, start, last)
        if series is None or not any(d < start + timedelta(days=w) for _, _, d, _, _ in daily):
            raise _invalid("date", f"Without a comparison group the estimate needs the metric's history from "
                                   f"{start} ({its.history_needed(w)} days before {day}, while the treated people "
                                   f"were employed); there is none in its first {w} days.", "history_too_short")
        try:
            found, fake = its.with_placebo(series, start, day, w)
        except its.SeriesRefused as err:
            raise _invalid("date", err.message, err.reason) from None
        placebo = ImpactPlaceboOut(day=fake.day, shift_days=w, effect=fake.effect, low=fake.low, high=fake.high,
                                   holds=fake.low <= 0.0 <= fake.high, note=None)
        return ImpactOut(
            **_asked(ask), unit=effect_unit(metric, w, None), comparison_day=day, design="interrupted_time_series",
            excluded=0, not_employed=0, without_comparison=0, effect=found.effect, low=found.low,
            high=found.high, confidence=found.confidence, treated_size=len(treated), comparison_size=0,
            treated_pre=found.actual_pre, treated_post=found.actual_post, comparison_pre=found.actual_pre,
            comparison_post=found.predicted_post, resamples=0, seed=0, method="its_t", descriptive_only=False,
            note="Everybody was treated on the date: no comparison group. The comparison values are the "
                 "counterfactual (the pre window as it was, the post window as the history predicts it).",
            inference_unit="window", treated_units=len(treated), comparison_units=0, cohorts=1,
            standard_error=found.standard_error, df=found.df, weighting=None, denominators=None,
            backtests=found.backtests, training_days=found.training_days, placebo=placebo)


def _asked(ask: _Request) -> dict[str, Any]:
    return {"metric": ask.metric.key, "course_id": ask.course_id, "programme_id": ask.programme_id, "day": ask.day,
            "team_of": ask.team_of, "role": ask.role, "window_days": ask.window_days}


def _refused(err: ImpactRefused) -> InvalidInput:
    return InvalidInput(err.message, errors=[{
        "field": "query", "message": err.message, "code": err.reason, "treated_size": err.treated_size,
        "comparison_size": err.comparison_size, "min_group": err.min_group}])


def _placebo_of(run: Callable[[], ImpactEstimate | ImpactDescriptive], day: date, shift: int) -> ImpactPlaceboOut:
    """The comparison-group estimate with every window moved back ``shift`` days."""
    try:
        found = run()
    except ImpactError as err:
        return ImpactPlaceboOut(day=day, shift_days=shift, effect=None, low=None, high=None, holds=None,
                                note=f"no placebo estimate: {err.message}")
    if isinstance(found, ImpactDescriptive):
        return ImpactPlaceboOut(day=day, shift_days=shift, effect=found.effect, low=None, high=None, holds=None,
                                note=found.message)
    return ImpactPlaceboOut(day=day, shift_days=shift, effect=found.effect, low=found.low, high=found.high,
                            holds=found.low <= 0.0 <= found.high, note=None)


def _per_person_day(daily: list[tuple[uuid.UUID, str, date, float, float]], people: list[uuid.UUID],
                    population: dict[uuid.UUID, Employment], start: date, last: date) -> list[float] | None:
    """The metric per person on each day of [start, last]: the sum over the people employed that day divided by
    their number (None when some day has nobody employed)."""
    days = (last - start).days + 1
    totals = [0.0] * days
    for pid, _, d, num, _ in daily:
        if population[pid].on(d):
            totals[(d - start).days] += num
    out = []
    for i, total in enumerate(totals):
        d = start + timedelta(days=i)
        employed = sum(1 for p in people if population[p].on(d))
        if employed == 0:
            return None
        out.append(total / employed)
    return out
