"""The event envelope: what travels between services, on any transport, as JSON."""

import uuid
from datetime import datetime
from typing import Annotated, Any, Self

import pydantic_core
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from common.db import utcnow
from common.ids import new_id

# Lower-case dot-separated words, e.g. "coaching.person.upserted": each word becomes a NATS subject token.
TOPIC_PATTERN = r"^[a-z0-9_-]+(\.[a-z0-9_-]+)+$"
Topic = Annotated[str, Field(pattern=TOPIC_PATTERN, max_length=200)]


class Event(BaseModel):
    """One domain event. `id` is unique (UUIDv7) and is the de-duplication key everywhere; `entity_version`
    grows by one or more with every change of the entity, so a consumer can refuse anything older than
    what it already applied."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: uuid.UUID
    tenant_id: uuid.UUID
    topic: Topic
    entity_id: str = Field(min_length=1, max_length=200)
    entity_version: int = Field(ge=0)
    occurred_at: AwareDatetime
    payload: dict[str, Any]

    @classmethod
    def new(cls, *, tenant_id: uuid.UUID, topic: str, entity_id: str | uuid.UUID, entity_version: int,
            payload: dict[str, Any], occurred_at: datetime | None = None) -> Self:
        """A fresh event; the payload is normalised to plain JSON values (UUIDs, dates → strings), so what a
        consumer receives is the same in-process and over the wire."""
        return cls(id=new_id(), tenant_id=tenant_id, topic=topic, entity_id=str(entity_id),
                   entity_version=entity_version, occurred_at=occurred_at or utcnow(),
                   payload=pydantic_core.to_jsonable_python(payload))

    def to_json(self) -> bytes:
        return self.model_dump_json().encode()

    @classmethod
    def from_json(cls, data: bytes | str) -> Self:
        return cls.model_validate_json(data)
