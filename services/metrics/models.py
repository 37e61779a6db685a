"""Tables of the metrics service (filled by its own issue)."""

from sqlalchemy.orm import DeclarativeBase

from common.db import make_metadata
from common.idempotency import idempotency_table


class Base(DeclarativeBase):
    metadata = make_metadata()


IdempotencyKeys = idempotency_table(Base.metadata)
