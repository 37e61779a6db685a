"""Impact of an intervention on a metric: who was treated, when, and the windows compared (the statistics are
in impact.py).

- Interventions: completing a course (an LMS course id: the first completion with status completed or
  passed), joining a coaching programme (its first joined_on in the read model), or a date (a kickoff:
  the people in `team_of`'s tree on that day are treated).
- Population: active people of the read model with `role` (default seller); with `team_of` and a course
  or programme, only that team (as of today) — the comparison then comes from the same team.
- Each treated person has their own day t: pre = [t - W, t - 1], post = [t, t + W - 1], W = window_days.
  Comparison people (never treated) are measured around the median of the treated days (around the date,
  for a date). A treated person whose post window has not ended by today is left out (`excluded`).
- A person's value in a window is the metric over it (windows.py); ratios keep numerator and denominator
  so the groups' values are pooled. The estimate is difference in differences with a person-level
  bootstrap interval, deterministic (seed 0).
"""

import statistics
import uuid
from datetime import date, timedelta

from sqlalchemy import func, select

from common.errors import InvalidInput
from common.repository import TenantRepository
from services.metrics.analysis_repository import AnalysisRepository
from services.metrics.analysis_schemas import ImpactOut
from services.metrics.catalogue import Metric
from services.metrics.impact import ImpactError, ImpactRefused, PrePost, estimate
from services.metrics.models import Completion, Person, ProgrammeParticipant
from services.metrics.repository import QueryRepository
from services.metrics.windows import value_of

COMPLETED = ("completed", "passed")


class ImpactRepository(TenantRepository):
    async def population(self, role: str) -> list[uuid.UUID]:
        rows = (await self.s.execute(select(Person.id, Person.roles).where(
            Person.tenant_id == self.tenant_id, Person.deleted.is_(False), Person.active.is_(True)))).all()
        return sorted(pid for pid, roles in rows if role in roles)

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


def _invalid(field: str, message: str, code: str = "value_error") -> InvalidInput:
    return InvalidInput(message, errors=[{"field": f"query.{field}", "message": message, "code": code}])


def effect_unit(metric: Metric, window_days: int) -> str:
    """What the effect (and each group's pre/post value) counts, per what window."""
    per = f"per {window_days} days"
    if metric.aggregation == "ratio":
        return (f"{metric.key} ({metric.numerator} / {metric.denominator}, pooled over each group) over "
                f"{window_days} days")
    if metric.aggregation == "average":
        return f"{metric.key} (mean {metric.field} per event, pooled over each group) over {window_days} days"
    if metric.aggregation == "sum":
        return f"{metric.key} (sum of {metric.field}) per person {per}"
    return f"{metric.key} per person {per}"


class ImpactService:
    def __init__(self, repo: ImpactRepository, today: date) -> None:
        self.repo = repo
        self.today = today

    async def impact(self, metric: Metric, *, course_id: str | None, programme_id: uuid.UUID | None,
                     day: date | None, team_of: uuid.UUID | None, role: str, window_days: int) -> ImpactOut:
        given = [x for x in (course_id, programme_id, day) if x is not None]
        if len(given) != 1:
            raise _invalid("course_id", "Give exactly one intervention: course_id, programme_id or date.", "one_of")
        org = AnalysisRepository(self.repo.s, self.repo.tenant_id)
        population = await self.repo.population(role)
        if day is not None:
            if team_of is None:
                raise _invalid("team_of", "A date intervention needs team_of: the team that was treated.")
            treated_ids = set(await org.team(team_of, day))
            days = {p: day for p in population if p in treated_ids}
            comparison_day = day
        else:
            if team_of is not None:
                team = set(await org.team(team_of, self.today))
                population = [p for p in population if p in team]
            found = (await self.repo.course_days(course_id) if course_id is not None
                     else await self.repo.programme_days(programme_id))  # type: ignore[arg-type]
            days = {p: d for p, d in found.items() if p in set(population)}
            comparison_day = statistics.median_low(sorted(days.values())) if days else self.today
        window = timedelta(days=window_days)
        ready = {p: d for p, d in days.items() if d + window - timedelta(days=1) <= self.today}
        if comparison_day + window - timedelta(days=1) > self.today:
            raise _invalid("window_days", f"The post window around {comparison_day} has not ended yet.",
                           "window_not_over")
        comparison = [p for p in population if p not in days]
        subjects = {**ready, **{p: comparison_day for p in comparison}}
        first = min(subjects.values(), default=comparison_day) - window
        last = max(subjects.values(), default=comparison_day) + window
        rows: dict[tuple[uuid.UUID, str], list[tuple[date, float, float]]] = {}
        daily = await QueryRepository(self.repo.s, self.repo.tenant_id).daily(metric.parts, list(subjects), first, last)
        for pid, key, d, num, den in daily:
            rows.setdefault((pid, key), []).append((d, num, den))

        def measured(person: uuid.UUID) -> PrePost:
            t = subjects[person]
            pre = self._parts(metric, rows, person, t - window, t - timedelta(days=1))
            post = self._parts(metric, rows, person, t, t + window - timedelta(days=1))
            if metric.aggregation in ("ratio", "average"):
                return PrePost.ratio(str(person), pre_num=pre[0], pre_den=pre[1], post_num=post[0], post_den=post[1])
            return PrePost(str(person), pre[0], post[0])

        try:
            result = estimate([measured(p) for p in sorted(ready)], [measured(p) for p in comparison])
        except ImpactRefused as err:
            raise InvalidInput(err.message, errors=[{
                "field": "query", "message": err.message, "code": err.reason, "treated_size": err.treated_size,
                "comparison_size": err.comparison_size, "min_group": err.min_group}]) from None
        except ImpactError as err:
            raise _invalid("metric", err.message, err.reason) from None
        return ImpactOut(metric=metric.key, course_id=course_id, programme_id=programme_id, day=day,
                         team_of=team_of, role=role, window_days=window_days, unit=effect_unit(metric, window_days),
                         comparison_day=comparison_day,
                         excluded=len(days) - len(ready), effect=result.effect, low=result.low, high=result.high,
                         confidence=result.confidence, treated_size=result.treated_size,
                         comparison_size=result.comparison_size, treated_pre=result.treated_pre,
                         treated_post=result.treated_post, comparison_pre=result.comparison_pre,
                         comparison_post=result.comparison_post, resamples=result.resamples, seed=result.seed)

    @staticmethod
    def _parts(metric: Metric, rows: dict[tuple[uuid.UUID, str], list[tuple[date, float, float]]],
               person: uuid.UUID, first: date, last: date) -> tuple[float, float]:
        """(numerator, denominator) of the metric over [first, last]: for a count or sum the value and 0."""
        sums = {}
        for key in metric.parts:
            cells = [(n, d) for day, n, d in rows.get((person, key), ()) if first <= day <= last]
            sums[key] = (sum(n for n, _ in cells), sum(d for _, d in cells))
        v = value_of(metric, sums)
        return v.num, v.den
