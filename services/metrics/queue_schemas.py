"""The coaching queue's wire format (pure pydantic: the gateway reads it)."""

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel

from services.metrics.analysis_schemas import BehaviorCard
from services.metrics.periods import ScorecardPeriod

ReasonKind = Literal["gap", "trend", "since_last_session", "overdue_actions", "cadence_due", "review_due",
                     "ratings_falling", "pairs_overdue", "gap_persists"]


class QueueReasonOut(BaseModel):
    kind: ReasonKind
    weight: float
    detail: str
    behavior_key: str | None = None
    metric_key: str | None = None
    programme_id: uuid.UUID | None = None


class FocusOut(BaseModel):
    behavior_id: uuid.UUID | None  # the behaviour in the read model (its scenarios live in the behaviors service)
    behavior_key: str
    behavior_name: str
    metric_key: str | None
    relative_gap: float | None
    why: str


class QueueEntryOut(BaseModel):
    rank: int
    seller_id: uuid.UUID
    seller_name: str
    score: float
    reasons: list[QueueReasonOut]
    last_session_id: uuid.UUID | None
    last_session_at: datetime | None
    days_since_last_session: int | None
    overdue_actions: int
    focus: FocusOut | None
    scope: list[str]  # behaviour keys the coach coaches the seller on; empty = every behaviour
    coach_kinds: list[str]
    figures_visible: bool  # the caller may read some of the seller's figures
    figures: list[BehaviorCard]  # the seller's scorecard on the behaviours in scope, as far as the caller sees


class CoachingQueueOut(BaseModel):
    coach_id: uuid.UUID
    on: date
    period: ScorecardPeriod
    lookback_days: int
    total: int
    formula: str
    entries: list[QueueEntryOut]


class QueueAnswer(BaseModel):
    """One coach's queue, or why there is none (the caller may not read it; the read model has no such person)."""

    coach_id: uuid.UUID
    outcome: Literal["ok", "forbidden", "not_found"]
    detail: str | None = None
    queue: CoachingQueueOut | None = None
