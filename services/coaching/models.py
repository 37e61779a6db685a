"""Tables of the coaching service. Every row carries its tenant.

Person ids are ours (this service owns people); behaviour keys and objective ids refer to the
behaviors service by value (no cross-database foreign keys).
"""

import uuid
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from common.db import JSONType, UTCDateTime, make_metadata
from common.events import inbox_table, outbox_table
from common.idempotency import idempotency_table


class Base(DeclarativeBase):
    metadata = make_metadata()


IdempotencyKeys = idempotency_table(Base.metadata)
Inbox = inbox_table(Base.metadata)  # event ids the webhook fan-out processed (webhooks/fanout.py)
Outbox = outbox_table(Base.metadata)  # the service's domain events (events.py), written with its changes


# ---- directory --------------------------------------------------------------------------------

class Person(Base):
    __tablename__ = "people"
    __table_args__ = (
        Index("ix_people_tenant_id_id", "tenant_id", "id"),
        UniqueConstraint("tenant_id", "email"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    title: Mapped[str] = mapped_column(String(200))
    roles: Mapped[list[str]] = mapped_column(JSONType)
    active: Mapped[bool] = mapped_column(Boolean)
    manager_is_coach: Mapped[bool] = mapped_column(Boolean)  # the current manager coaches unless turned off
    # Employment: employed on the days hired_on <= d <= left_on (open ends when null; docs/impact.md).
    hired_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    left_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    # Grows by one with every change (under the row lock): the entity_version of its events.
    version: Mapped[int] = mapped_column(BigInteger, default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ExternalId(Base):
    """A person's id in another system (crm, lms, hris or any source name): one per source."""

    __tablename__ = "external_ids"
    __table_args__ = (
        UniqueConstraint("tenant_id", "source", "external_id"),
        UniqueConstraint("tenant_id", "person_id", "source"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(128))


class ReportingLine(Base):
    """`person` reports to `manager` from `valid_from` (inclusive) until `valid_to` (exclusive; open if null).
    A reorg closes one line and opens another; history is never rewritten."""

    __tablename__ = "reporting_lines"
    __table_args__ = (
        Index("ix_reporting_lines_tenant_id_person_id", "tenant_id", "person_id", "valid_from"),
        Index("ix_reporting_lines_tenant_id_manager_id", "tenant_id", "manager_id", "valid_from"),
        CheckConstraint("valid_to IS NULL OR valid_to > valid_from", name="valid_period"),
        CheckConstraint("person_id <> manager_id", name="not_self"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"))
    manager_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)
    version: Mapped[int] = mapped_column(BigInteger, default=1, server_default="1")  # +1 when closed again
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


# ---- coaching relationships -------------------------------------------------------------------

class CoachAssignment(Base):
    """Any person may coach any seller: coaching is a role, not a title."""

    __tablename__ = "coach_assignments"
    __table_args__ = (
        Index("ix_coach_assignments_tenant_id_seller_id", "tenant_id", "seller_id"),
        Index("ix_coach_assignments_tenant_id_coach_id", "tenant_id", "coach_id"),
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="valid_period"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    coach_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"))
    seller_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"))
    kind: Mapped[str] = mapped_column(String(32))
    scope: Mapped[list[str]] = mapped_column(JSONType)  # behaviour keys; empty = all
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # +1 each time the end is set or brought forward (under the row lock): its events' entity_version.
    version: Mapped[int] = mapped_column(BigInteger, default=1, server_default="1")


class Programme(Base):
    __tablename__ = "programmes"
    __table_args__ = (
        Index("ix_programmes_tenant_id_id", "tenant_id", "id"),
        CheckConstraint("cadence_days > 0", name="cadence_positive"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    name: Mapped[str] = mapped_column(String(200))
    objective_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    behavior_keys: Mapped[list[str]] = mapped_column(JSONType)
    owner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("people.id"), nullable=True)
    cadence_days: Mapped[int] = mapped_column(Integer)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # +1 with every change, the deletion included (under the row lock): its events' entity_version.
    version: Mapped[int] = mapped_column(BigInteger, default=1, server_default="1")


class ProgrammeAlert(Base):
    """The fizzling state last announced for a programme (`pair_id` null) or one of its pairs
    (relationships/fizzle_alerts.py): a row appears when the subject is first announced fizzling; `fizzling` flips
    with every announcement (programme.fizzling, programme.recovered), `version` counts them (their entity_version).
    No foreign keys: a removed pair or programme leaves its last state, which nothing reads any more."""

    __tablename__ = "programme_alerts"
    __table_args__ = (Index("ix_programme_alerts_tenant_id_programme_id", "tenant_id", "programme_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)  # the programme's id, or the pair's
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    programme_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    pair_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    fizzling: Mapped[bool] = mapped_column(Boolean)
    version: Mapped[int] = mapped_column(BigInteger)
    changed_on: Mapped[date] = mapped_column(Date)  # the day of the last announcement


class ProgrammePair(Base):
    """A coach-seller pair inside a programme; its coaches and participants are the pairs' two sides."""

    __tablename__ = "programme_pairs"
    __table_args__ = (UniqueConstraint("programme_id", "coach_id", "seller_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    programme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"))
    coach_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"))
    seller_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"))
    joined_on: Mapped[date] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date, nullable=True)


# ---- sessions: the conversation ---------------------------------------------------------------

class Session(Base):
    __tablename__ = "sessions"
    __table_args__ = (
        Index("ix_sessions_tenant_id_seller_id", "tenant_id", "seller_id", "scheduled_at"),
        Index("ix_sessions_tenant_id_coach_id", "tenant_id", "coach_id", "scheduled_at"),
        Index("ix_sessions_tenant_id_programme_id", "tenant_id", "programme_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    coach_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"))
    seller_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"))
    programme_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("programmes.id"), nullable=True)
    status: Mapped[str] = mapped_column(String(16))  # scheduled | completed | cancelled | no_show
    scheduled_at: Mapped[datetime] = mapped_column(UTCDateTime)
    held_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    duration_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    focus_keys: Mapped[list[str]] = mapped_column(JSONType)
    scenario_behavior_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    scenario_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    notes: Mapped[str] = mapped_column(Text)  # shared with the seller
    private_notes: Mapped[str] = mapped_column(Text)  # the coach's own
    cancel_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    next_session_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    # +1 with every change of the session or its rating (under the row lock): its events' entity_version.
    version: Mapped[int] = mapped_column(BigInteger, default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Observation(Base):
    __tablename__ = "observations"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    behavior_key: Mapped[str] = mapped_column(String(64))
    level: Mapped[int] = mapped_column(Integer)
    evidence: Mapped[str] = mapped_column(Text)


class Gap(Base):
    """A gap named in a session: open until a coach closes it in a later session of the same seller, with an
    outcome (sessions/gaps.py)."""

    __tablename__ = "gaps"
    __table_args__ = (Index("ix_gaps_tenant_id_seller_id", "tenant_id", "seller_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    seller_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"))
    behavior_key: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text)
    root_cause: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(8), default="open", server_default="open")  # open | closed
    outcome: Mapped[str | None] = mapped_column(String(24), nullable=True)  # resolved | persists | no_longer_relevant
    closed_session_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)  # the later session
    closed_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)  # a person; null for an API key
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closing_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    # 1 opened, 2 closed: its events' entity_version
    version: Mapped[int] = mapped_column(BigInteger, default=1, server_default="1")


class Action(Base):
    __tablename__ = "actions"
    __table_args__ = (
        Index("ix_actions_tenant_id_seller_id", "tenant_id", "seller_id", "status"),
        Index("ix_actions_tenant_id_coach_id", "tenant_id", "coach_id", "status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    seller_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"))
    coach_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"))
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"))
    gap_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("gaps.id"), nullable=True)
    description: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))  # open | done | dropped
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    overdue_announced_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # action.overdue sent that day
    # +1 with every change (under the row lock): its events' entity_version.
    version: Mapped[int] = mapped_column(BigInteger, default=1, server_default="1")


class Goal(Base):
    """An activity or proficiency goal agreed between a seller and a coach; its terms live in revisions."""

    __tablename__ = "goals"
    __table_args__ = (Index("ix_goals_tenant_id_seller_id", "tenant_id", "seller_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    seller_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"))
    coach_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"))
    session_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("sessions.id"), nullable=True)
    current_revision: Mapped[int] = mapped_column(Integer)
    # the latest revision both sides agreed to (the terms in force: measured, reviewed); null until one is
    agreed_revision: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class GoalRevision(Base):
    """One proposal of a goal's terms. It counts once both the seller and the coach agreed to it;
    a new revision starts without agreements and the old ones stay as history."""

    __tablename__ = "goal_revisions"
    __table_args__ = (UniqueConstraint("goal_id", "revision"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    goal_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"))
    revision: Mapped[int] = mapped_column(Integer)
    metric_key: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    target: Mapped[float] = mapped_column(Float)
    period: Mapped[str] = mapped_column(String(10))
    review_on: Mapped[date] = mapped_column(Date)
    proposed_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    seller_agreed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    coach_agreed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    review_due_announced_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # goal.review_due sent that day


class GoalReview(Base):
    """The review of a goal's terms in force (one agreed revision): achieved, missed, or carried over into a
    later revision (`carried_into`). One review per revision; a goal is due for review from its agreed
    revision's review day until that revision has a review."""

    __tablename__ = "goal_reviews"
    __table_args__ = (UniqueConstraint("goal_id", "revision"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    goal_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"))
    revision: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(16))  # achieved | missed | carried_over
    carried_into: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reviewed_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)  # a person; null for an API key
    note: Mapped[str] = mapped_column(Text)
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Rating(Base):
    """The seller's rating of one conversation: once per session, changeable for 7 days."""

    __tablename__ = "ratings"

    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    seller_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("people.id"))
    relevant: Mapped[int] = mapped_column(Integer)
    developmental: Mapped[int] = mapped_column(Integer)
    motivational: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


# Webhook subscriptions and deliveries live in their own module, on this metadata.
from services.coaching.webhooks import models as _webhooks  # noqa: E402, F401
