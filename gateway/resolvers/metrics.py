"""Queries and mutations of the metrics domain (ingest stays REST, for integrators)."""

from datetime import date
from functools import partial
from typing import Annotated, Any
from urllib.parse import quote

import strawberry

from gateway.clients import DownstreamError
from gateway.resolvers.common import Ctx, DeleteResult, deleted, get_or_none, page_params, seg, typed
from gateway.types.common import (
    BadQueryInput,
    Conflict,
    Forbidden,
    InvalidArgument,
    NotFound,
    ValidationProblem,
    invalid_argument,
    problem_from,
)
from gateway.types.inputs import as_object, to_body
from gateway.types.metrics import (
    Evidence,
    EvidenceConnection,
    EvidenceSource,
    Grain,
    Metric,
    MetricInput,
    PendingEvidence,
    PendingEvidenceConnection,
    Series,
    SourceAlias,
    SourceAliasSet,
)
from gateway.types.periods import ScorecardPeriod
from gateway.types.scorecards import (
    Adoption,
    CoachingFiguresRow,
    FiguresGrouping,
    ImpactDescriptive,
    ImpactEstimate,
    ImpactRefused,
    InferenceUnit,
    RatioWeighting,
    Scorecard,
)
from gateway.types.shapes import shown, shown_all

ImpactResult = Annotated[ImpactEstimate | ImpactDescriptive | ImpactRefused | ValidationProblem | Forbidden,
                         strawberry.union("ImpactResult")]
REFUSALS = ("treated_group_too_small", "comparison_group_too_small", "no_denominator", "unstable_denominator")
MetricResult = Annotated[Metric | ValidationProblem | NotFound | Conflict | Forbidden, strawberry.union("MetricResult")]
SourceAliasResult = Annotated[SourceAliasSet | ValidationProblem | NotFound | Conflict | Forbidden,
                              strawberry.union("SourceAliasResult")]


def metric_body(input: MetricInput) -> dict[str, Any]:
    """Filters travel as a list here and as an `{attribute: values}` object in REST."""
    body: dict[str, Any] = to_body(input)
    if isinstance(input.filters, list):
        body["filters"] = as_object([(f.attribute, f.values) for f in input.filters], "input.filters", "attribute")
    return body


@strawberry.type
class MetricsQuery:
    @strawberry.field(description="The built-in catalogue and the tenant's own metrics.")
    async def metrics(self, info: Ctx) -> list[Metric]:
        page = await info.context.call("metrics", "GET", "/v1/metrics")
        return shown_all(Metric, page["items"])

    @strawberry.field(description="A metric per day, week or month over [from, to] for a person, or a team rolled "
                                  "up along the tree as it was at each period's start (give one of personId, "
                                  "teamOf).")
    async def series(self, info: Ctx, metric: str, from_: Annotated[date, strawberry.argument(name="from")],
                     to: date, grain: Grain = Grain.WEEK, person_id: strawberry.ID | None = None,
                     team_of: strawberry.ID | None = None) -> Series:
        if (person_id is None) == (team_of is None):
            raise BadQueryInput("Give exactly one of personId or teamOf.")
        params: dict[str, Any] = {"metric": metric, "from": from_.isoformat(), "to": to.isoformat(),
                                  "grain": grain.value}
        if person_id is not None:
            params["person_id"] = seg(person_id, "personId")
        else:
            params["team_of"] = seg(team_of, "teamOf")  # type: ignore[arg-type]
        return shown(Series, await info.context.call("metrics", "GET", "/v1/series", params=params))

    @strawberry.field(description="The source events behind a person's value of a metric over [from, to].")
    async def evidence(self, info: Ctx, metric: str, person_id: strawberry.ID,
                       from_: Annotated[date, strawberry.argument(name="from")], to: date, first: int = 50,
                       after: str | None = None) -> EvidenceConnection:
        params = {**page_params(first, after), "metric": metric, "person_id": seg(person_id, "personId"),
                  "from": from_.isoformat(), "to": to.isoformat()}
        page = await info.context.call("metrics", "GET", "/v1/evidence", params=params)
        return EvidenceConnection(items=shown_all(Evidence, page["items"]),
                                  next_cursor=page["next_cursor"])

    @strawberry.field(description="The tenant's source aliases: which external-id source each aliased CRM/LMS "
                                  "source's user ids resolve against (API keys that push evidence, metrics:write).")
    async def source_aliases(self, info: Ctx) -> list[SourceAlias]:
        page = await info.context.call("metrics", "GET", "/v1/source-aliases")
        return shown_all(SourceAlias, page["items"])

    @strawberry.field(description="Stored evidence counted for nobody yet, per kind, source and user id (or "
                                  "email): row counts, first and last seen, and why — to fix mappings. Only the "
                                  "kinds the credential may push.")
    async def pending_evidence(self, info: Ctx, kind: EvidenceSource | None = None, source: str | None = None,
                               first: int = 50, after: str | None = None) -> PendingEvidenceConnection:
        params = page_params(first, after, kind=kind, source=source)
        page = await info.context.call("metrics", "GET", "/v1/pending-evidence", params=params)
        return PendingEvidenceConnection(items=shown_all(PendingEvidence, page["items"]),
                                         next_cursor=page["next_cursor"])

    @strawberry.field(description="One metric of the catalogue (built-in or the tenant's) by key; null when not found.")
    async def metric(self, info: Ctx, key: str) -> Metric | None:
        found = await get_or_none(info.context.loaders.metric.load(key))
        return shown(Metric, found) if found else None


def _window(period: ScorecardPeriod, on: date | None) -> dict[str, str]:
    params = {"period": period.value}
    if on is not None:
        params["on"] = on.isoformat()
    return params


@strawberry.type
class ScorecardsQuery:
    @strawberry.field(description="A person's or a team's scorecard (give one of personId, teamOf) for the "
                                  "week, month or quarter holding `on` (default today), or the last 7, 28 or 90 "
                                  "days ending on it.")
    async def scorecard(self, info: Ctx, person_id: strawberry.ID | None = None,
                        team_of: strawberry.ID | None = None, period: ScorecardPeriod = ScorecardPeriod.WEEK,
                        on: date | None = None) -> Scorecard:
        if (person_id is None) == (team_of is None):
            raise BadQueryInput("Give exactly one of personId or teamOf.")
        params = _window(period, on)
        if person_id is not None:
            params["person_id"] = seg(person_id, "personId")
        else:
            params["team_of"] = seg(team_of, "teamOf")  # type: ignore[arg-type]
        return shown(Scorecard, await info.context.call("metrics", "GET", "/v1/scorecard", params=params))

    @strawberry.field(description="The share of a behaviour's audience meeting each indicator (in the team under "
                                  "teamOf, or the whole tenant) over the period holding `on` (a calendar one, or "
                                  "the last 7, 28 or 90 days ending on it).")
    async def adoption(self, info: Ctx, behavior_key: str, team_of: strawberry.ID | None = None,
                       period: ScorecardPeriod = ScorecardPeriod.MONTH, on: date | None = None) -> Adoption:
        params = {**_window(period, on), "behavior_key": behavior_key}
        if team_of is not None:
            params["team_of"] = seg(team_of, "teamOf")
        return shown(Adoption, await info.context.call("metrics", "GET", "/v1/adoption", params=params))


    @strawberry.field(description="Sessions held, cancelled and no-show, ratings and agreed actions per coach or "
                                  "seller over [from, to], from the metrics read model (teamOf: sellers in that "
                                  "manager's tree on `to`).")
    async def coaching_figures(self, info: Ctx, from_: Annotated[date, strawberry.argument(name="from")], to: date,
                               group_by: FiguresGrouping = FiguresGrouping.COACH,
                               team_of: strawberry.ID | None = None) -> list[CoachingFiguresRow]:
        params = {"from": from_.isoformat(), "to": to.isoformat(), "group_by": group_by.value}
        if team_of is not None:
            params["team_of"] = seg(team_of, "teamOf")
        body = await info.context.call("metrics", "GET", "/v1/coaching-figures", params=params)
        return shown_all(CoachingFiguresRow, body["rows"])

    @strawberry.field(description="Did the metric move for the people who took a course (courseId), joined a "
                                  "programme (programmeId) or were in teamOf's team on a date, compared with "
                                  "those who did not (yet)? A date without teamOf is a company-wide kickoff: "
                                  "with nobody left to compare with, an interrupted time series (design). People "
                                  "count only while employed; every answer carries a placebo check. Too few teams "
                                  "for an interval: ImpactDescriptive; expected refusals are union members. See "
                                  "docs/impact.md.")
    async def impact(self, info: Ctx, metric: str, course_id: str | None = None,
                     programme_id: strawberry.ID | None = None, date: date | None = None,
                     team_of: strawberry.ID | None = None, role: str = "seller",
                     window_days: int = 28, unit: InferenceUnit = InferenceUnit.AUTO,
                     weighting: RatioWeighting = RatioWeighting.DEALS) -> ImpactResult:
        async def call() -> dict[str, Any]:
            params: dict[str, Any] = {"metric": metric, "role": role, "window_days": window_days,
                                      "unit": unit.value, "weighting": weighting.value}
            if course_id is not None:
                params["course_id"] = course_id
            if programme_id is not None:
                params["programme_id"] = seg(programme_id, "programmeId")
            if date is not None:
                params["date"] = date.isoformat()
            if team_of is not None:
                params["team_of"] = seg(team_of, "teamOf")
            result: dict[str, Any] = await info.context.call("metrics", "GET", "/v1/impact", params=params)
            return result

        try:
            found = await call()
            return shown(ImpactDescriptive, found) if found["descriptive_only"] else shown(ImpactEstimate, found)
        except InvalidArgument as err:
            return invalid_argument(err)
        except DownstreamError as err:
            errors = err.problem.get("errors") or [{}]
            if err.status == 422 and errors[0].get("code") in REFUSALS:
                e = errors[0]
                return ImpactRefused(reason=e["code"], message=str(err), treated_size=e["treated_size"],
                                     comparison_size=e["comparison_size"], min_group=e["min_group"])
            if err.status in (403, 422):
                return problem_from(err)  # type: ignore[return-value]
            raise


@strawberry.type
class MetricsMutation:
    @strawberry.mutation(description="Define a tenant metric; its figures are computed from the evidence already "
                                     "stored.")
    async def define_metric(self, info: Ctx, input: MetricInput) -> MetricResult:
        return await typed(lambda: info.context.call("metrics", "POST", "/v1/metrics", json=metric_body(input)),
                           partial(shown, Metric))

    @strawberry.mutation(description="Resolve a CRM/LMS source's user ids against another external-id source "
                                     "(e.g. salesforce -> crm) from now on; pending evidence that now resolves is "
                                     "attributed at once.")
    async def set_source_alias(self, info: Ctx, source: str, target: str) -> SourceAliasResult:
        return await typed(lambda: info.context.call("metrics", "PUT", f"/v1/source-aliases/{quote(source, safe='')}",
                                                     json={"target": target}), partial(shown, SourceAliasSet))

    @strawberry.mutation(description="Remove a source alias: the source resolves against itself again (evidence "
                                     "already attributed stays).")
    async def remove_source_alias(self, info: Ctx, source: str) -> DeleteResult:
        return await typed(lambda: info.context.call("metrics", "DELETE",
                                                     f"/v1/source-aliases/{quote(source, safe='')}"),
                           deleted(strawberry.ID(source)))

    @strawberry.mutation(description="Delete a tenant-defined metric (built-in ones stay).")
    async def delete_metric(self, info: Ctx, key: str) -> DeleteResult:
        return await typed(lambda: info.context.call("metrics", "DELETE", f"/v1/metrics/{quote(key, safe='')}"),
                           deleted(strawberry.ID(key)))
