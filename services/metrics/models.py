"""Tables of the metrics service. Every row carries its tenant.

Evidence (activities, completions) is what integrations push. The read model (people, their external
ids, reporting lines, behaviours with indicators, coaching sessions, programme participants) is this
service's own copy of what the coaching and behaviors services know, written through the internal API
(`readmodel.py`); each of its rows carries the `version` it was last written at and is keyed by the
owning service's id within the tenant.
"""

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Float,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from common.db import JSONType, UTCDateTime, make_metadata
from common.events import inbox_table, outbox_table
from common.idempotency import idempotency_table


class Base(DeclarativeBase):
    metadata = make_metadata()


IdempotencyKeys = idempotency_table(Base.metadata)
Inbox = inbox_table(Base.metadata)  # event ids the read model's consumers processed (consumers.py)
Outbox = outbox_table(Base.metadata)  # the service's own events (alerts/events.py), written with what they announce


class Activity(Base):
    """A CRM activity as the source last sent it. Unique by (tenant, source, external id)."""

    __tablename__ = "activities"
    __table_args__ = (
        UniqueConstraint("tenant_id", "source", "external_id"),
        Index("ix_activities_tenant_id_person_id", "tenant_id", "person_id", "occurred_at"),
        Index("ix_activities_tenant_id_unresolved", "tenant_id", "source", "source_user_id",
              postgresql_where=text("person_id IS NULL"), sqlite_where=text("person_id IS NULL")),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    source: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(128))
    type: Mapped[str] = mapped_column(String(48))
    person_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)  # null until resolved
    source_user_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    amount: Mapped[float | None] = mapped_column(Float, nullable=True)
    currency: Mapped[str | None] = mapped_column(String(3), nullable=True)
    attributes: Mapped[dict[str, object]] = mapped_column(JSONType)
    source_updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    content_hash: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Completion(Base):
    """An LMS training completion as the LMS last sent it. Unique by (tenant, lms, external id)."""

    __tablename__ = "completions"
    __table_args__ = (
        UniqueConstraint("tenant_id", "source", "external_id"),
        Index("ix_completions_tenant_id_person_id", "tenant_id", "person_id", "completed_at"),
        Index("ix_completions_tenant_id_course_id", "tenant_id", "course_id"),
        Index("ix_completions_tenant_id_unresolved", "tenant_id", "source", "source_user_id",
              postgresql_where=text("person_id IS NULL"), sqlite_where=text("person_id IS NULL")),
        Index("ix_completions_tenant_id_unresolved_email", "tenant_id", "email",
              postgresql_where=text("person_id IS NULL"), sqlite_where=text("person_id IS NULL")),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    source: Mapped[str] = mapped_column(String(32))  # the LMS
    external_id: Mapped[str] = mapped_column(String(128))
    person_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    source_user_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)  # lower-cased
    course_id: Mapped[str] = mapped_column(String(128))
    course_title: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16))  # completed | passed | failed
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    source_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SourceAlias(Base):
    """A tenant's rule for which external-id source the user ids of an evidence source resolve against
    (e.g. activities from `salesforce` against the people's `crm` ids). Without a row a source resolves
    against itself."""

    __tablename__ = "source_aliases"

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    source: Mapped[str] = mapped_column(String(32), primary_key=True)
    target: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


# ---- read model -------------------------------------------------------------------------------

class Person(Base):
    """A person of the coaching directory. `email` is stored lower-cased (matched case-insensitively)."""

    __tablename__ = "people"
    __table_args__ = (Index("ix_people_tenant_id_email", "tenant_id", "email"),)

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    roles: Mapped[list[str]] = mapped_column(JSONType)
    active: Mapped[bool] = mapped_column(Boolean)
    # their manager of the day coaches them unless turned off (the coaching service's implicit link)
    manager_is_coach: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    # employed on the days hired_on <= d <= left_on (open ends when null): impact counts them only then
    hired_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    left_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    deleted: Mapped[bool] = mapped_column(Boolean)
    version: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PersonExternalId(Base):
    """A person's id in another system (a CRM user id, an LMS user id): unique per tenant and source."""

    __tablename__ = "person_external_ids"
    __table_args__ = (Index("ix_person_external_ids_tenant_id_person_id", "tenant_id", "person_id"),)

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    source: Mapped[str] = mapped_column(String(32), primary_key=True)
    external_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid)


class ReportingLine(Base):
    """`person_id` reports to `manager_id` on the days valid_from <= d < valid_to (open when null)."""

    __tablename__ = "reporting_lines"
    __table_args__ = (
        Index("ix_reporting_lines_tenant_id_manager_id", "tenant_id", "manager_id"),
        Index("ix_reporting_lines_tenant_id_person_id", "tenant_id", "person_id"),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    manager_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)
    deleted: Mapped[bool] = mapped_column(Boolean)
    version: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Behavior(Base):
    """A behaviour as its current version stands: audience is a list of seller / manager / leader."""

    __tablename__ = "behaviors"
    __table_args__ = (Index("ix_behaviors_tenant_id_key", "tenant_id", "key"),)

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))  # draft | active | retired
    audience: Mapped[list[str]] = mapped_column(JSONType)
    priority: Mapped[int] = mapped_column(Integer, default=3, server_default="3")  # 1 highest … 5
    deleted: Mapped[bool] = mapped_column(Boolean)
    version: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class BehaviorIndicator(Base):
    """One indicator of a behaviour; the set is replaced whenever the behaviour is."""

    __tablename__ = "behavior_indicators"

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    behavior_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    metric_key: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # activity | proficiency
    target: Mapped[float] = mapped_column(Float)
    comparator: Mapped[str] = mapped_column(String(3))  # gte | lte
    period: Mapped[str] = mapped_column(String(8))  # week | month | quarter


class CoachingSession(Base):
    """A coaching conversation; ratings are the seller's (1..5), null until rated."""

    __tablename__ = "coaching_sessions"
    __table_args__ = (
        Index("ix_coaching_sessions_tenant_id_coach_id", "tenant_id", "coach_id", "scheduled_at"),
        Index("ix_coaching_sessions_tenant_id_seller_id", "tenant_id", "seller_id", "scheduled_at"),
        Index("ix_coaching_sessions_tenant_id_programme_id", "tenant_id", "programme_id"),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    coach_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    seller_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    programme_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    status: Mapped[str] = mapped_column(String(16))  # scheduled | completed | cancelled | no_show
    scheduled_at: Mapped[datetime] = mapped_column(UTCDateTime)
    held_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    relevant: Mapped[int | None] = mapped_column(Integer, nullable=True)
    developmental: Mapped[int | None] = mapped_column(Integer, nullable=True)
    motivational: Mapped[int | None] = mapped_column(Integer, nullable=True)
    has_agreed_action: Mapped[bool] = mapped_column(Boolean)
    focus_keys: Mapped[list[str]] = mapped_column(JSONType, default=list, server_default="[]")
    # the rubric observations of the conversation: [{"behavior_key": ..., "level": ...}] (coaching_facts.py)
    observations: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list, server_default="[]")
    deleted: Mapped[bool] = mapped_column(Boolean)
    version: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CoachingProgramme(Base):
    """A coaching programme: pairs expected to hold a session every `cadence_days` between starts_on and ends_on
    (open when null), on the behaviours in `behavior_keys`."""

    __tablename__ = "coaching_programmes"

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    owner_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    behavior_keys: Mapped[list[str]] = mapped_column(JSONType)
    cadence_days: Mapped[int] = mapped_column(Integer)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    deleted: Mapped[bool] = mapped_column(Boolean)
    version: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ProgrammeParticipant(Base):
    """A pair of a coaching programme: the person (the pair's seller) coached by `coach_id` in it on the days
    joined_on <= d < left_on (open when null). `coach_id` is null on rows written before pairs named it."""

    __tablename__ = "programme_participants"
    __table_args__ = (
        Index("ix_programme_participants_tenant_id_programme_id", "tenant_id", "programme_id"),
        Index("ix_programme_participants_tenant_id_person_id", "tenant_id", "person_id"),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    programme_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    coach_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    joined_on: Mapped[date] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    deleted: Mapped[bool] = mapped_column(Boolean)
    version: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CoachingAction(Base):
    """An action agreed in a coaching session: open | done | dropped; `closed_at` set when done or dropped."""

    __tablename__ = "coaching_actions"
    __table_args__ = (
        Index("ix_coaching_actions_tenant_id_coach_id", "tenant_id", "coach_id", "due_on"),
        Index("ix_coaching_actions_tenant_id_seller_id", "tenant_id", "seller_id", "due_on"),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    session_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    coach_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    seller_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    owner_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    deleted: Mapped[bool] = mapped_column(Boolean)
    version: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CoachingGoal(Base):
    """A goal agreed between a coach and a seller: its latest agreed revision's terms, and when the goal was
    first agreed (its version is the revision)."""

    __tablename__ = "coaching_goals"
    __table_args__ = (
        Index("ix_coaching_goals_tenant_id_coach_id", "tenant_id", "coach_id"),
        Index("ix_coaching_goals_tenant_id_seller_id", "tenant_id", "seller_id"),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    coach_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    seller_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    session_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    metric_key: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    target: Mapped[float] = mapped_column(Float)
    period: Mapped[str] = mapped_column(String(10))
    review_on: Mapped[date] = mapped_column(Date)
    agreed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    first_agreed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deleted: Mapped[bool] = mapped_column(Boolean)
    version: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CoachingGoalReview(Base):
    """A review of one agreed revision of a goal: a goal is due for review from its review day until the
    revision in force (its `version`) has one."""

    __tablename__ = "coaching_goal_reviews"
    __table_args__ = (Index("ix_coaching_goal_reviews_tenant_id_goal_id", "tenant_id", "goal_id"),)

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    goal_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    revision: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(16))
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deleted: Mapped[bool] = mapped_column(Boolean)
    version: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CoachingGap(Base):
    """A gap named in a coaching session: its seller, behaviour and root cause, when it was opened (the session's
    held_at) and by which coach; open until closed with an outcome (its version: 1 opened, 2 closed)."""

    __tablename__ = "coaching_gaps"
    __table_args__ = (
        Index("ix_coaching_gaps_tenant_id_seller_id", "tenant_id", "seller_id", "opened_at"),
        Index("ix_coaching_gaps_tenant_id_opened_at", "tenant_id", "opened_at"),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    session_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    seller_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    coach_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    behavior_key: Mapped[str] = mapped_column(String(64))
    root_cause: Mapped[str] = mapped_column(String(16))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(8))  # open | closed
    outcome: Mapped[str | None] = mapped_column(String(24), nullable=True)
    closed_session_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    deleted: Mapped[bool] = mapped_column(Boolean)
    version: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CoachAssignment(Base):
    """A coach assigned to a seller on the days starts_on <= d <= ends_on (open when null), on the behaviours
    in `scope` (all when empty). Line managers coach their reports without an assignment."""

    __tablename__ = "coach_assignments"
    __table_args__ = (
        Index("ix_coach_assignments_tenant_id_coach_id", "tenant_id", "coach_id"),
        Index("ix_coach_assignments_tenant_id_seller_id", "tenant_id", "seller_id"),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    coach_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    seller_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    kind: Mapped[str] = mapped_column(String(32))
    scope: Mapped[list[str]] = mapped_column(JSONType)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    deleted: Mapped[bool] = mapped_column(Boolean)
    version: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CoachingFact(Base):
    """What a coaching session, action or goal says about one person at one moment (coaching_facts.py):
    coaching evidence in the shape metrics count, kept in step with its entity."""

    __tablename__ = "coaching_facts"
    __table_args__ = (
        Index("ix_coaching_facts_tenant_id_entity_id", "tenant_id", "entity_id"),
        Index("ix_coaching_facts_tenant_id_person_id", "tenant_id", "person_id", "at"),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    entity_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    type: Mapped[str] = mapped_column(String(48))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    attributes: Mapped[dict[str, object]] = mapped_column(JSONType)
    amount: Mapped[float | None] = mapped_column(Float, nullable=True)


class CadenceAccrualDay(Base):
    """The day through which a tenant's expected programme sessions are accrued for every pair
    (cadence_facts.py): the daily job adds the days after it."""

    __tablename__ = "cadence_accruals"

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    through: Mapped[date] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


# ---- metrics ----------------------------------------------------------------------------------

class MetricDefinition(Base):
    """A tenant's own metric (the built-in catalogue lives in code: catalogue.py). `filters` maps an
    attribute name to the list of values it may take."""

    __tablename__ = "metric_definitions"

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))  # activity | proficiency
    aggregation: Mapped[str] = mapped_column(String(8))  # count | sum | average | ratio
    source: Mapped[str] = mapped_column(String(16))  # activities | completions
    types: Mapped[list[str]] = mapped_column(JSONType)
    filters: Mapped[dict[str, list[object]]] = mapped_column(JSONType)
    field: Mapped[str | None] = mapped_column(String(80), nullable=True)
    numerator: Mapped[str | None] = mapped_column(String(64), nullable=True)
    denominator: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MetricDaily(Base):
    """Per tenant, person, metric and UTC day: the numerator and denominator of every stored metric, kept up
    to date by every write of evidence (aggregates.py). The primary key's order serves the queries: one
    person's metric over a window of days is one index range."""

    __tablename__ = "metric_daily"

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    metric_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    num: Mapped[float] = mapped_column(Float)
    den: Mapped[float] = mapped_column(Float)


class IndicatorAlert(Base):
    """An indicator of a person gone off track in one of its periods (alerts/indicators.py): the row appears when
    `indicator.off_track` is announced for (person, indicator, period) and `back_on_track_on` is set when
    `indicator.back_on_track` is — each at most once per period. `id` is derived from the three (uuid5), so every
    sweeper names an occurrence alike; `version` is the events' entity_version (1 off track, 2 back)."""

    __tablename__ = "indicator_alerts"
    __table_args__ = (Index("ix_indicator_alerts_tenant_id_person_id", "tenant_id", "person_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    indicator_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    period: Mapped[str] = mapped_column(String(8))  # week | month | quarter: the indicator's own
    period_start: Mapped[date] = mapped_column(Date)
    off_track_on: Mapped[date] = mapped_column(Date)  # the day judged off track
    back_on_track_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    version: Mapped[int] = mapped_column(BigInteger)


# ---- xAPI statements (services/metrics/xapi/) ---------------------------------------------------

class XapiStatement(Base):
    """An xAPI statement stored whole (`statement`, as it is given back in the `exact` format), with the columns
    its queries filter on. Identifiers (verb, activity) are kept as SHA-256 keys of their IRIs, so indexes stay
    small whatever an IRI's length. `voided` is set when a voiding statement targets it (Data §2.3.2)."""

    __tablename__ = "xapi_statements"
    __table_args__ = (
        Index("ix_xapi_statements_tenant_id_stored", "tenant_id", "stored", "id"),
        Index("ix_xapi_statements_tenant_id_verb_key", "tenant_id", "verb_key", "stored"),
        Index("ix_xapi_statements_tenant_id_registration", "tenant_id", "registration", "stored"),
        Index("ix_xapi_statements_tenant_id_ref_id", "tenant_id", "ref_id"),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    stored: Mapped[datetime] = mapped_column(UTCDateTime)
    verb_key: Mapped[str] = mapped_column(String(64))
    registration: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    ref_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)  # the StatementRef object's target
    voiding: Mapped[bool] = mapped_column(Boolean)
    voided: Mapped[bool] = mapped_column(Boolean)
    content_hash: Mapped[str] = mapped_column(String(64))  # what "the same statement" compares (Data §2.3.1)
    statement: Mapped[dict[str, object]] = mapped_column(JSONType)


class XapiStatementAgent(Base):
    """An agent or identified group a statement names, by the SHA-256 of its IFI. `related` is false for the
    actor and object (and their members), true for authority, instructor, team, context agents and groups and
    what a SubStatement names: the `agent` filter looks at the first, `related_agents=true` at both."""

    __tablename__ = "xapi_statement_agents"
    __table_args__ = (Index("ix_xapi_statement_agents_tenant_id_ifi_key", "tenant_id", "ifi_key", "stored"),)

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    statement_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    ifi_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    related: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    stored: Mapped[datetime] = mapped_column(UTCDateTime)


class XapiAttachment(Base):
    """The content of a statement attachment sent in multipart/mixed, once per (tenant, SHA-2): statements name
    their attachments by `sha2`, so one content serves every statement naming it."""

    __tablename__ = "xapi_attachments"

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    sha2: Mapped[str] = mapped_column(String(128), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary)


class XapiStatementActivity(Base):
    """An activity a statement names, by the SHA-256 of its id: `related` false for the object, true for context
    activities and a SubStatement's object (the `activity` filter and `related_activities=true`)."""

    __tablename__ = "xapi_statement_activities"
    __table_args__ = (Index("ix_xapi_statement_activities_tenant_id_activity_key", "tenant_id", "activity_key",
                            "stored"),)

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    statement_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    activity_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    related: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    stored: Mapped[datetime] = mapped_column(UTCDateTime)
