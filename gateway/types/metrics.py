"""GraphQL types of the metrics domain: metric definitions (more arrive with series and scorecards)."""

from datetime import date, datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry.scalars import JSON

from gateway.types.common import opt_dt


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


@strawberry.type(description="An attribute and the values it may take (one of).")
class MetricFilter:
    attribute: str
    values: list[JSON]


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
    filters: list[MetricFilter]
    field: str | None
    numerator: str | None
    denominator: str | None
    builtin: bool
    created_at: datetime | None

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "Metric":
        return cls(key=d["key"], name=d["name"], description=d["description"], kind=MetricKind(d["kind"]),
                   aggregation=Aggregation(d["aggregation"]), source=EvidenceSource(d["source"]),
                   types=d["types"], filters=[MetricFilter(attribute=k, values=v) for k, v in d["filters"].items()],
                   field=d["field"], numerator=d["numerator"], denominator=d["denominator"], builtin=d["builtin"],
                   created_at=opt_dt(d["created_at"]))


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


@strawberry.type(description="A metric per period as lists of scalars, one entry per period start: `values` (null "
                             "when a ratio or average has nothing to divide by), the `numerators` and "
                             "`denominators` it was made of, and for a team the members at each period's start.")
class Series:
    metric_key: str
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

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "Series":
        return cls(metric_key=d["metric"], grain=Grain(d["grain"]), person_id=d.get("person_id"),
                   team_of=d.get("team_of"), starts=[date.fromisoformat(s) for s in d["starts"]],
                   values=d["values"], numerators=d["numerators"], denominators=d["denominators"],
                   members=d.get("members"))


@strawberry.type(description="A source event behind a figure: a CRM activity or an LMS completion (type = its "
                             "status, amount = its score).")
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

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "Evidence":
        return cls(id=d["id"], kind=d["kind"], source=d["source"], external_id=d["external_id"], type=d["type"],
                   occurred_at=datetime.fromisoformat(d["occurred_at"]), amount=d["amount"],
                   attributes=d["attributes"], counts_in=d["counts_in"])


@strawberry.type
class EvidenceConnection:
    items: list[Evidence]
    next_cursor: str | None


@strawberry.type(description="Which external-id source the user ids of an evidence source (a CRM's or LMS's "
                             "`source`) resolve against; a source without an alias resolves against itself.")
class SourceAlias:
    source: str = strawberry.field(description="The evidence source as integrations send it, e.g. salesforce.")
    target: str = strawberry.field(description="The people's external-id source its user ids are looked up "
                                               "under, e.g. crm.")
    updated_at: datetime

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "SourceAlias":
        return cls(source=d["source"], target=d["target"], updated_at=datetime.fromisoformat(d["updated_at"]))


@strawberry.type(description="An alias as set, with the pending evidence it attributed at once.")
class SourceAliasSet:
    alias: SourceAlias
    attributed: int = strawberry.field(description="Pending activities and completions of the source now counted "
                                                   "for a person, count of rows.")

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "SourceAliasSet":
        return cls(alias=SourceAlias.from_json(d), attributed=d["attributed"])


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

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "PendingEvidence":
        return cls(kind=EvidenceSource(d["kind"]), source=d["source"], user_id=d["user_id"], email=d["email"],
                   resolves_against=d["resolves_against"], count=d["count"],
                   first_seen=datetime.fromisoformat(d["first_seen"]),
                   last_seen=datetime.fromisoformat(d["last_seen"]), reason=d["reason"])


@strawberry.type
class PendingEvidenceConnection:
    items: list[PendingEvidence]
    next_cursor: str | None
