"""GraphQL types of the metrics domain: metric definitions (more arrive with series and scorecards)."""

from datetime import datetime
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
