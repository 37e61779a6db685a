"""GraphQL types of the behaviors domain: each presents the service's wire model (gateway/types/shapes.py)."""

from datetime import date, datetime
from enum import Enum

import strawberry
from strawberry.types import Info

from gateway.context import Context
from gateway.types.metrics import Metric
from gateway.types.shapes import presents, shown, shown_all
from services.behaviors import schemas
from services.behaviors.schemas import (
    AssessmentOut,
    BehaviorOut,
    IndicatorOut,
    ObjectiveOut,
    ResponseOut,
    ResponsibleOut,
    RubricLevelOut,
    ScenarioOut,
    VersionOut,
)


@strawberry.enum
class AudienceRole(Enum):
    SELLER = "seller"
    MANAGER = "manager"
    LEADER = "leader"


@strawberry.enum
class BehaviorCategory(Enum):
    SELLING = "selling"
    COACHING = "coaching"


@strawberry.enum
class BehaviorStatus(Enum):
    DRAFT = "draft"
    ACTIVE = "active"
    RETIRED = "retired"


@strawberry.enum
class ObjectiveStatus(Enum):
    PLANNED = "planned"
    ACTIVE = "active"
    ACHIEVED = "achieved"
    ABANDONED = "abandoned"


@strawberry.enum
class Function(Enum):
    SALES_LEADERSHIP = "sales_leadership"
    ENABLEMENT = "enablement"
    TRAINING = "training"
    SALES_OPS = "sales_ops"
    MARKETING = "marketing"
    HR = "hr"


@strawberry.enum
class RootCause(Enum):
    ENVIRONMENT = "environment"
    COMMITMENT = "commitment"
    CAPACITY = "capacity"
    SKILLS = "skills"
    KNOWLEDGE = "knowledge"


@strawberry.enum
class IndicatorKind(Enum):
    ACTIVITY = "activity"
    PROFICIENCY = "proficiency"


@strawberry.enum
class Comparator(Enum):
    GTE = "gte"
    LTE = "lte"


@strawberry.enum
class Period(Enum):
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"


@strawberry.enum
class View(Enum):
    VIEW_1 = "view_1"
    VIEW_2 = "view_2"


def _published(root: strawberry.Parent[VersionOut]) -> bool:
    return root.state == "published"


def _open(root: strawberry.Parent[AssessmentOut]) -> bool:
    return root.status == "open"


@presents(ObjectiveOut)
@strawberry.type
class Objective:
    id: strawberry.ID
    name: str
    description: str
    owner_id: strawberry.ID | None
    starts_on: date | None
    ends_on: date | None
    status: ObjectiveStatus
    created_at: datetime
    updated_at: datetime


@presents(RubricLevelOut)
@strawberry.type
class RubricLevel:
    level: int = strawberry.field(description="The level's rank, 1 = lowest, numbered 1, 2, 3 ... in order.")
    name: str
    descriptor: str


@presents(ResponsibleOut)
@strawberry.type
class Responsible:
    person_id: strawberry.ID
    function: Function


@presents(IndicatorOut)
@strawberry.type
class Indicator:
    id: strawberry.ID
    metric_key: str
    kind: IndicatorKind
    target: float = strawberry.field(description="The target in the metric's unit: for an activity, per `period` "
                                                 "(e.g. 3 meetings a week); for a proficiency, the value itself (a "
                                                 "ratio 0-1, an average).")
    comparator: Comparator
    period: Period

    @strawberry.field(description="The metric it measures (null when the metrics service knows no such key).")
    async def metric(self, info: Info[Context, None]) -> Metric | None:
        found = await info.context.loaders.metric.load(self.metric_key)
        return shown(Metric, found) if found else None


@presents(VersionOut)
@strawberry.type
class BehaviorVersion:
    """One version of a behaviour's content; published versions never change."""

    number: int = strawberry.field(description="The version's number, 1, 2, 3 ... in order.")
    published: bool = strawberry.field(resolver=_published)
    name: str
    description: str
    rationale: str
    objective_id: strawberry.ID | None
    audience: list[AudienceRole]
    category: BehaviorCategory
    stage: str | None
    priority: int = strawberry.field(description="1 (highest) to 5 (lowest).")
    owner_id: strawberry.ID | None
    responsible: list[Responsible]
    rubric: list[RubricLevel]
    indicators: list[Indicator]
    created_at: datetime
    published_at: datetime | None

    @strawberry.field
    async def objective(self, info: Info[Context, None]) -> Objective | None:
        return await _objective(info, self.objective_id)


@presents(ScenarioOut)
@strawberry.type
class Scenario:
    id: strawberry.ID
    behavior_id: strawberry.ID
    title: str
    situation: str
    opening_questions: list[str]
    signs_of_proficiency: list[str]
    root_causes: list[RootCause]
    created_at: datetime
    updated_at: datetime


@presents(BehaviorOut)
@strawberry.type
class Behavior:
    """A behaviour as it stands. Its content fields are those of the published version (or of the first
    draft while never published); `draft` is a pending revision."""

    id: strawberry.ID
    key: str
    status: BehaviorStatus
    version: int | None = strawberry.field(description="The published version's number; null if never published.")
    draft_version: int | None = strawberry.field(description="The pending draft's version number, or null.")
    content: BehaviorVersion
    draft: BehaviorVersion | None
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    retired_at: datetime | None

    @strawberry.field
    def name(self) -> str:
        return self.content.name

    @strawberry.field
    def description(self) -> str:
        return self.content.description

    @strawberry.field
    def rationale(self) -> str:
        return self.content.rationale

    @strawberry.field
    def audience(self) -> list[AudienceRole]:
        return self.content.audience

    @strawberry.field
    def category(self) -> BehaviorCategory:
        return self.content.category

    @strawberry.field(description="1 (highest) to 5 (lowest).")
    def priority(self) -> int:
        return self.content.priority

    @strawberry.field
    def stage(self) -> str | None:
        return self.content.stage

    @strawberry.field
    def owner_id(self) -> strawberry.ID | None:
        return self.content.owner_id

    @strawberry.field
    def responsible(self) -> list[Responsible]:
        return self.content.responsible

    @strawberry.field
    def rubric(self) -> list[RubricLevel]:
        return self.content.rubric

    @strawberry.field
    def indicators(self) -> list[Indicator]:
        return self.content.indicators

    @strawberry.field
    async def objective(self, info: Info[Context, None]) -> Objective | None:
        return await _objective(info, self.content.objective_id)

    @strawberry.field(description="Every version, oldest first (the pending draft last).")
    async def versions(self, info: Info[Context, None]) -> list[BehaviorVersion]:
        return shown_all(BehaviorVersion, await info.context.loaders.versions.load(str(self.id)))

    @strawberry.field(description="One version by number, or null.")
    async def version_at(self, info: Info[Context, None], number: int) -> BehaviorVersion | None:
        for v in await info.context.loaders.versions.load(str(self.id)):
            if v["number"] == number:
                return shown(BehaviorVersion, v)
        return None

    @strawberry.field
    async def scenarios(self, info: Info[Context, None]) -> list[Scenario]:
        return shown_all(Scenario, await info.context.loaders.scenarios.load(str(self.id)))


@presents(schemas.Statement)
@strawberry.type
class Statement:
    number: int = strawberry.field(description="The statement's number, 1-7.")
    topic: str
    view_1: str
    view_2: str


@presents(schemas.FunctionSplit)
@strawberry.type
class FunctionSplit:
    function: Function
    respondents: int = strawberry.field(description="Respondents of that function, count.")
    view_2_share: float = strawberry.field(description="Share of them who chose View 2, 0-1.")
    consensus: float = strawberry.field(description="How much they agree, 0-1: |2 x share - 1|, 1 when all "
                                                "chose the same view, 0 on an even split.")


@presents(schemas.StatementAlignment)
@strawberry.type
class StatementAlignment:
    number: int = strawberry.field(description="The statement's number, 1-7.")
    topic: str
    score: float | None = strawberry.field(description="Alignment on the statement, 0-1: 1 - the mean gap in the "
                                                    "View-2 share between pairs of functions; null with fewer "
                                                    "than two functions.")
    functions: list[FunctionSplit]


@presents(schemas.FunctionAlignment)
@strawberry.type
class FunctionAlignment:
    function: Function
    respondents: int = strawberry.field(description="Respondents of that function, count.")
    view_2_share: float = strawberry.field(description="Share of their answers that chose View 2, 0-1.")
    score: float | None = strawberry.field(description="The function's alignment with the others, 0-1; "
                                                    "null with fewer than two functions.")


@presents(schemas.AlignmentReport)
@strawberry.type
class AlignmentReport:
    respondents: int = strawberry.field(description="Respondents, count.")
    overall: float | None = strawberry.field(description="The mean of the statement scores, 0-1; null with "
                                                      "fewer than two functions.")
    statements: list[StatementAlignment]
    functions: list[FunctionAlignment]
    note: str | None


@presents(ResponseOut)
@strawberry.type
class AssessmentResponse:
    respondent: str
    function: Function
    answers: list[View]
    updated_at: datetime


@presents(AssessmentOut)
@strawberry.type
class Assessment:
    id: strawberry.ID
    title: str
    template: str
    objective_id: strawberry.ID | None
    open: bool = strawberry.field(resolver=_open)
    statements: list[Statement]
    created_at: datetime
    closed_at: datetime | None

    @strawberry.field
    async def objective(self, info: Info[Context, None]) -> Objective | None:
        return await _objective(info, self.objective_id)

    @strawberry.field
    async def responses(self, info: Info[Context, None]) -> list[AssessmentResponse]:
        rows = await info.context.call("behaviors", "GET", f"/v1/assessments/{self.id}/responses")
        return shown_all(AssessmentResponse, rows)

    @strawberry.field
    async def alignment(self, info: Info[Context, None]) -> AlignmentReport:
        return shown(AlignmentReport,
                     await info.context.call("behaviors", "GET", f"/v1/assessments/{self.id}/alignment"))


@strawberry.type
class ObjectiveConnection:
    items: list[Objective]
    next_cursor: str | None


@strawberry.type
class BehaviorConnection:
    items: list[Behavior]
    next_cursor: str | None


@strawberry.type
class AssessmentConnection:
    items: list[Assessment]
    next_cursor: str | None


async def _objective(info: Info[Context, None], objective_id: str | None) -> Objective | None:
    if objective_id is None:
        return None
    found = await info.context.loaders.objective.load(str(objective_id))
    return shown(Objective, found) if found else None
