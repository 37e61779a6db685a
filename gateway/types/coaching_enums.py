"""Enums of the coaching domain (their values are the REST values)."""

from enum import Enum

import strawberry


@strawberry.enum
class PersonRole(Enum):
    SELLER = "seller"
    MANAGER = "manager"
    LEADER = "leader"
    ENABLEMENT = "enablement"
    ADMIN = "admin"


@strawberry.enum
class CoachKind(Enum):
    MANAGER = "manager"
    TRAINER = "trainer"
    SALES_ENGINEER = "sales_engineer"
    PRODUCT_MARKETER = "product_marketer"
    PRESALES = "presales"
    PEER = "peer"
    LEADER = "leader"


@strawberry.enum
class SessionStatus(Enum):
    SCHEDULED = "scheduled"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


@strawberry.enum
class ActionStatus(Enum):
    OPEN = "open"
    DONE = "done"
    DROPPED = "dropped"


@strawberry.enum
class GoalKind(Enum):
    ACTIVITY = "activity"
    PROFICIENCY = "proficiency"


@strawberry.enum(description="How a goal's agreed terms ended: ACHIEVED, MISSED, or CARRIED_OVER into a later "
                             "revision.")
class GoalReviewOutcome(Enum):
    ACHIEVED = "achieved"
    MISSED = "missed"
    CARRIED_OVER = "carried_over"


@strawberry.enum
class ActivityGrouping(Enum):
    COACH = "coach"
    TEAM = "team"


@strawberry.enum(description="OPEN until a coach closes the gap in a later session of its seller.")
class GapStatus(Enum):
    OPEN = "open"
    CLOSED = "closed"


@strawberry.enum(description="How a gap was closed: RESOLVED, PERSISTS (judged still there), or NO_LONGER_RELEVANT.")
class GapOutcome(Enum):
    RESOLVED = "resolved"
    PERSISTS = "persists"
    NO_LONGER_RELEVANT = "no_longer_relevant"
