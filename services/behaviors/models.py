"""Tables of the behaviors service. Every row carries its tenant."""

import uuid
from datetime import date, datetime

from sqlalchemy import Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from common.db import JSONType, UTCDateTime, make_metadata
from common.events import outbox_table
from common.idempotency import idempotency_table


class Base(DeclarativeBase):
    metadata = make_metadata()


IdempotencyKeys = idempotency_table(Base.metadata)
Outbox = outbox_table(Base.metadata)  # the service's domain events (events.py), written with its changes


class Objective(Base):
    __tablename__ = "objectives"
    __table_args__ = (Index("ix_objectives_tenant_id_id", "tenant_id", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    starts_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    ends_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Behavior(Base):
    """The head of a behaviour: identity, lifecycle, and pointers to its versions.

    The filterable columns (name, objective, category, audience) mirror the *effective* version:
    the published one, or the first draft while the behaviour was never published.
    """

    __tablename__ = "behaviors"
    __table_args__ = (
        UniqueConstraint("tenant_id", "key"),
        Index("ix_behaviors_tenant_id_id", "tenant_id", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    key: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20))
    current_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    draft_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    name: Mapped[str] = mapped_column(String(200))
    objective_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("objectives.id"), nullable=True, index=True)
    category: Mapped[str] = mapped_column(String(20))
    audience_mask: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class BehaviorVersion(Base):
    """One version of a behaviour's content. Published versions are never changed again."""

    __tablename__ = "behavior_versions"
    __table_args__ = (UniqueConstraint("behavior_id", "number"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    behavior_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("behaviors.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(20))  # draft | published
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    rationale: Mapped[str] = mapped_column(Text)
    objective_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    audience: Mapped[list[str]] = mapped_column(JSONType)
    category: Mapped[str] = mapped_column(String(20))
    stage: Mapped[str | None] = mapped_column(String(64), nullable=True)
    priority: Mapped[int] = mapped_column(Integer)
    owner_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    responsible: Mapped[list[dict[str, str]]] = mapped_column(JSONType)
    rubric: Mapped[list[dict[str, object]]] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    published_by: Mapped[str | None] = mapped_column(String(64), nullable=True)

    indicators: Mapped[list["Indicator"]] = relationship(
        lazy="raise", order_by="Indicator.position", cascade="all, delete-orphan")


class Indicator(Base):
    """How the metrics service judges a behaviour. `id` is stable across versions."""

    __tablename__ = "indicators"

    version_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("behavior_versions.id", ondelete="CASCADE"), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    position: Mapped[int] = mapped_column(Integer)
    metric_key: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20))
    target: Mapped[float] = mapped_column(Float)
    comparator: Mapped[str] = mapped_column(String(4))
    period: Mapped[str] = mapped_column(String(10))


class Scenario(Base):
    """A coaching playbook for one behaviour; living content, edited in place."""

    __tablename__ = "scenarios"
    __table_args__ = (Index("ix_scenarios_tenant_id_behavior_id", "tenant_id", "behavior_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    behavior_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("behaviors.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    situation: Mapped[str] = mapped_column(Text)
    opening_questions: Mapped[list[str]] = mapped_column(JSONType)
    signs_of_proficiency: Mapped[list[str]] = mapped_column(JSONType)
    root_causes: Mapped[list[str]] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Assessment(Base):
    __tablename__ = "assessments"
    __table_args__ = (Index("ix_assessments_tenant_id_id", "tenant_id", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    title: Mapped[str] = mapped_column(String(200))
    template: Mapped[str] = mapped_column(String(64))
    objective_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("objectives.id"), nullable=True)
    status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class AssessmentResponse(Base):
    __tablename__ = "assessment_responses"
    __table_args__ = (UniqueConstraint("assessment_id", "respondent"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    assessment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"))
    respondent: Mapped[str] = mapped_column(String(100))
    function: Mapped[str] = mapped_column(String(32))
    answers: Mapped[list[int]] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
