"""GraphQL inputs of the behaviors domain. They mirror the REST bodies; the service validates them."""

import dataclasses
from datetime import date
from enum import Enum
from typing import Any

import strawberry
from strawberry import UNSET

from gateway.types.behaviors import (
    AudienceRole,
    BehaviorCategory,
    Comparator,
    Function,
    IndicatorKind,
    ObjectiveStatus,
    Period,
    RootCause,
    View,
)
from gateway.types.common import InvalidArgument


def to_body(obj: Any) -> Any:
    """An input object as a REST JSON body: UNSET fields left out, enums as their values."""
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, list):
        return [to_body(x) for x in obj]
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_body(getattr(obj, f.name)) for f in dataclasses.fields(obj)
                if getattr(obj, f.name) is not UNSET}
    if isinstance(obj, date):
        return obj.isoformat()
    return obj


def as_object(pairs: list[tuple[str, Any]], field: str, what: str) -> dict[str, Any]:
    """A GraphQL list of (key, value) inputs as the REST object it stands for; a key given twice is refused
    (a JSON object would silently keep the last one)."""
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise InvalidArgument(field, f"Each {what} may appear once.", f"duplicate_{what}")
    return dict(pairs)


@strawberry.input
class ObjectiveInput:
    name: str
    description: str | None = UNSET
    owner_id: strawberry.ID | None = UNSET
    starts_on: date | None = UNSET
    ends_on: date | None = UNSET
    status: ObjectiveStatus | None = UNSET


@strawberry.input
class ObjectivePatch:
    name: str | None = UNSET
    description: str | None = UNSET
    owner_id: strawberry.ID | None = UNSET
    starts_on: date | None = UNSET
    ends_on: date | None = UNSET
    status: ObjectiveStatus | None = UNSET


@strawberry.input
class RubricLevelInput:
    level: int
    name: str
    descriptor: str


@strawberry.input
class ResponsibleInput:
    person_id: strawberry.ID
    function: Function


@strawberry.input
class IndicatorInput:
    metric_key: str
    kind: IndicatorKind
    target: float
    comparator: Comparator | None = UNSET
    period: Period | None = UNSET


@strawberry.input
class IndicatorPatch:
    metric_key: str | None = UNSET
    kind: IndicatorKind | None = UNSET
    target: float | None = UNSET
    comparator: Comparator | None = UNSET
    period: Period | None = UNSET


@strawberry.input
class BehaviorInput:
    key: str
    name: str
    audience: list[AudienceRole]
    description: str | None = UNSET
    rationale: str | None = UNSET
    objective_id: strawberry.ID | None = UNSET
    category: BehaviorCategory | None = UNSET
    stage: str | None = UNSET
    priority: int | None = UNSET
    owner_id: strawberry.ID | None = UNSET
    responsible: list[ResponsibleInput] | None = UNSET
    rubric: list[RubricLevelInput] | None = UNSET
    indicators: list[IndicatorInput] | None = UNSET


@strawberry.input(description="Only the fields given change. On an active behaviour this edits the pending draft.")
class BehaviorPatch:
    name: str | None = UNSET
    audience: list[AudienceRole] | None = UNSET
    description: str | None = UNSET
    rationale: str | None = UNSET
    objective_id: strawberry.ID | None = UNSET
    category: BehaviorCategory | None = UNSET
    stage: str | None = UNSET
    priority: int | None = UNSET
    owner_id: strawberry.ID | None = UNSET
    responsible: list[ResponsibleInput] | None = UNSET
    rubric: list[RubricLevelInput] | None = UNSET


@strawberry.input
class ScenarioInput:
    title: str
    situation: str | None = UNSET
    opening_questions: list[str] | None = UNSET
    signs_of_proficiency: list[str] | None = UNSET
    root_causes: list[RootCause] | None = UNSET


@strawberry.input
class ScenarioPatch:
    title: str | None = UNSET
    situation: str | None = UNSET
    opening_questions: list[str] | None = UNSET
    signs_of_proficiency: list[str] | None = UNSET
    root_causes: list[RootCause] | None = UNSET


@strawberry.input
class AssessmentInput:
    title: str
    objective_id: strawberry.ID | None = UNSET


@strawberry.input
class AssessmentResponseInput:
    function: Function
    answers: list[View]
