"""The period a scorecard, adoption or coaching queue is measured over (the metrics service's
`ScorecardPeriod`): a calendar week, month or quarter, or the last 7, 28 or 90 days."""

from enum import Enum

import strawberry


@strawberry.enum(description="What figures are measured over. WEEK (ISO, from Monday), MONTH and QUARTER are the "
                             "calendar periods holding the day asked; LAST_7_DAYS, LAST_28_DAYS and LAST_90_DAYS "
                             "end on it (both ends inclusive), so they hold whole windows on any day. The previous "
                             "period (for trends) is the calendar one before, or the equal window just before.")
class ScorecardPeriod(Enum):
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    LAST_7_DAYS = "last_7_days"
    LAST_28_DAYS = "last_28_days"
    LAST_90_DAYS = "last_90_days"
