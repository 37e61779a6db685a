"""GraphQL types of the metrics domain: metric definitions (more arrive with series and scorecards)."""

from datetime import date, datetime
from enum import Enum
from typing import cast

import strawberry
from strawberry.scalars import JSON

from gateway.types.shapes import presents
from services.metrics import schemas
from services.metrics.schemas import EvidenceOut, MetricOut, PendingEvidenceOut, SeriesOut, SourceAliasOut


@strawberry.enum
class MetricKind(Enum):
    ACTIVITY = "activity"
    PROFICIENCY = "proficiency"


@strawberry.enum
class Aggregation(Enum):
    COUNT = "count"
    SUM = "sum"
    AVERAGE = "average"
    RATIO = "ratio"


@strawberry.enum
class EvidenceSource(Enum):
    ACTIVITIES = "activities"
    COMPLETIONS = "completions"
    COACHING = "coaching"


def _filters(root: strawberry.Parent[MetricOut]) -> list["MetricFilter"]:
    return [MetricFilter(attribute=k, values=v) for k, v in root.filters.items()]


def _metric_key(root: strawberry.Parent[SeriesOut]) -> str:
    return root.metric


def _alias(root: strawberry.Parent[schemas.SourceAliasSet]) -> "SourceAlias":
    return cast(SourceAlias, root)  # the answer is the alias itself, with `attributed` added


@strawberry.type(description="An attribute and the values it may take (one of).")
class MetricFilter:  # the gateway's own: the service answers the filters as one `{attribute: values}` object
    attribute: str
    values: list[JSON]


@presents(MetricOut)
@strawberry.type(description="A metric: built in, or defined by the tenant. Activity metrics count or sum "
                             "events; proficiency metrics are ratios of two metrics or averages.")
class Metric:
    key: str
    name: str
    description: str
    kind: MetricKind
    aggregation: Aggregation
    source: EvidenceSource
    types: list[str]
    filters: list[MetricFilter] = strawberry.field(resolver=_filters)
    field: str | None
    numerator: str | None
    denominator: str | None
    unit: str = strawberry.field(description="What a value counts: e.g. events, sessions, share 0-1 (a share), "
                                             "rating 1-5, mean of amount.")
    builtin: bool
    created_at: datetime | None


@strawberry.input
class MetricFilterInput:
    attribute: str
    values: list[JSON]


@strawberry.input(description="A tenant-defined metric; see Metric.")
class MetricInput:
    key: str
    name: str
    kind: MetricKind
    aggregation: Aggregation
    description: str | None = strawberry.UNSET
    source: EvidenceSource | None = strawberry.UNSET
    types: list[str] | None = strawberry.UNSET
    filters: list[MetricFilterInput] | None = strawberry.UNSET
    field: str | None = strawberry.UNSET
    numerator: str | None = strawberry.UNSET
    denominator: str | None = strawberry.UNSET


@strawberry.enum
class Grain(Enum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


@presents(SeriesOut)
@strawberry.type(description="A metric per period as lists of scalars, one entry per period start: `values` (null "
                             "when a ratio or average has nothing to divide by), the `numerators` and "
                             "`denominators` it was made of, and for a team the members at each period's start.")
class Series:
    metric_key: str = strawberry.field(resolver=_metric_key)
    grain: Grain
    person_id: strawberry.ID | None
    team_of: strawberry.ID | None
    starts: list[date]
    values: list[float | None] = strawberry.field(description="The metric per period, in its unit (a count, a "
                                                               "sum, an average, a ratio 0-1 for shares).")
    numerators: list[float] = strawberry.field(description="Per period: a count's or sum's value, an average's sum, "
                                                           "a ratio's numerator.")
    denominators: list[float | None] = strawberry.field(description="Per period: an average's event count, a "
                                                                    "ratio's denominator; null for a count or sum.")
    members: list[int] | None = strawberry.field(description="For a team: people in it at each period's start, "
                                                             "count; null for a person.")


@presents(EvidenceOut)
@strawberry.type(description="A source event behind a figure: a CRM activity, an LMS completion (type = its "
                             "status, amount = its score) or a coaching fact (type e.g. session_held; externalId = "
                             "the session, action or goal).")
class Evidence:
    id: strawberry.ID
    kind: str
    source: str
    external_id: str
    type: str
    occurred_at: datetime
    amount: float | None = strawberry.field(description="An activity's amount, in its currency; a completion's "
                                                        "score, 0-1.")
    attributes: JSON
    counts_in: list[str]


@strawberry.type
class EvidenceConnection:
    items: list[Evidence]
    next_cursor: str | None


@presents(SourceAliasOut)
@strawberry.type(description="Which external-id source the user ids of an evidence source (a CRM's or LMS's "
                             "`source`) resolve against; a source without an alias resolves against itself.")
class SourceAlias:
    source: str = strawberry.field(description="The evidence source as integrations send it, e.g. salesforce.")
    target: str = strawberry.field(description="The people's external-id source its user ids are looked up "
                                               "under, e.g. crm.")
    updated_at: datetime


@presents(schemas.SourceAliasSet)
@strawberry.type(description="An alias as set, with the pending evidence it attributed at once.")
class SourceAliasSet:
    alias: SourceAlias = strawberry.field(resolver=_alias)
    attributed: int = strawberry.field(description="Pending activities and completions of the source now counted "
                                                   "for a person, count of rows.")


@presents(PendingEvidenceOut)
@strawberry.type(description="Stored evidence counted for nobody yet, grouped by kind, source and the user id "
                             "(or, for a completion named by email, the email) it names.")
class PendingEvidence:
    kind: EvidenceSource
    source: str
    user_id: str | None
    email: str | None
    resolves_against: str | None = strawberry.field(description="The external-id source the user id is looked "
                                                                "up under now (the source or its alias).")
    count: int = strawberry.field(description="Unattributed rows (activities or completions), count.")
    first_seen: datetime = strawberry.field(description="When the first of them was received.")
    last_seen: datetime = strawberry.field(description="When the last of them was stored or changed.")
    reason: str = strawberry.field(description="Why they count for nobody, e.g. no person with crm user id 005….")


@strawberry.type
class PendingEvidenceConnection:
    items: list[PendingEvidence]
    next_cursor: str | None
