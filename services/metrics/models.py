"""Tables of the metrics service. Every row carries its tenant."""

import uuid
from datetime import datetime

from sqlalchemy import Float, Index, String, UniqueConstraint, Uuid, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from common.db import JSONType, UTCDateTime, make_metadata
from common.idempotency import idempotency_table


class Base(DeclarativeBase):
    metadata = make_metadata()


IdempotencyKeys = idempotency_table(Base.metadata)


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
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    source: Mapped[str] = mapped_column(String(32))  # the LMS
    external_id: Mapped[str] = mapped_column(String(128))
    person_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    source_user_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    course_id: Mapped[str] = mapped_column(String(128))
    course_title: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16))  # completed | passed | failed
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    source_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
