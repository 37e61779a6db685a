"""Tables of the metrics service (filled by its own issue)."""

from sqlalchemy.orm import DeclarativeBase

from common.db import make_metadata


class Base(DeclarativeBase):
    metadata = make_metadata()
