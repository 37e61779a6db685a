"""Wire shapes of gap evaluations and the gap summary (gap_evaluation.py, gap_summary.py). Pure pydantic."""

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel

RootCause = Literal["environment", "commitment", "capacity", "skills", "knowledge"]
GapOutcome = Literal["resolved", "persists", "no_longer_relevant"]
Actor = Literal["enablement", "operations_and_management", "manager"]
Movement = Literal["right_way", "wrong_way", "flat", "no_data"]
GapGroupBy = Literal["root_cause", "behavior", "team", "coach"]


class GapIndicatorOut(BaseModel):
    """One indicator of the gap's behaviour: the seller's figure over the window before the gap was opened and the
    equal window since, in the metric's unit (a count or sum over the window for an activity; a ratio or average
    for a proficiency). `change` = after - before; `relative_change` = change / |before|, signed so that a positive
    value is the right way (up for a `gte` indicator, down for `lte`); null when before is 0 or a side has none."""

    metric_key: str
    kind: Literal["activity", "proficiency"]
    comparator: Literal["gte", "lte"]
    before: float | None
    after: float | None
    change: float | None
    relative_change: float | None
    movement: Movement


class GapEvaluationOut(BaseModel):
    """A gap and whether its behaviour's indicators moved after it was opened. The windows are equal: `days` =
    min(window_days, days from the opening day through today); before = the `days` days before the opening day,
    after = the opening day and the `days - 1` after it. `improved`: some indicator moved the right way (null when
    none has figures on both sides); `sessions_since`: the seller's completed sessions held after the gap was
    opened (with any coach)."""

    gap_id: uuid.UUID
    seller_id: uuid.UUID
    coach_id: uuid.UUID | None
    behavior_key: str
    root_cause: RootCause
    opened_at: datetime
    status: Literal["open", "closed"]
    outcome: GapOutcome | None
    closed_at: datetime | None
    days_to_close: int | None
    window_days: int
    days: int
    before_start: date
    after_start: date
    after_end: date
    indicators: list[GapIndicatorOut]
    improved: bool | None
    sessions_since: int


class RootCauseCount(BaseModel):
    root_cause: RootCause
    opened: int
    who_should_act: Actor


class GapSummaryRow(BaseModel):
    """The gaps of one group opened in the window, and what became of them so far (as of today). `share_resolved`
    = resolved / closed (null with none closed); `median_days_to_close` over the closed ones; `mean_change` = the
    mean `relative_change` of their indicators (the right way positive) over the figures that have one;
    `improved_share` = the share of indicator figures with data on both sides that moved the right way."""

    key: str | None  # the root cause, behaviour key, manager id (team) or coach id; null: no manager / coach known
    name: str | None
    who_should_act: Actor | None  # for a root cause
    opened: int
    closed: int
    open: int
    resolved: int
    persists: int
    no_longer_relevant: int
    share_resolved: float | None
    median_days_to_close: float | None
    mean_change: float | None
    improved_share: float | None
    root_causes: list[RootCauseCount]


class GapSummaryOut(BaseModel):
    group_by: GapGroupBy
    first: date
    last: date
    team_of: uuid.UUID | None
    window_days: int
    total: GapSummaryRow
    rows: list[GapSummaryRow]
