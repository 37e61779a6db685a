"""Wire shapes of the directory: people, their ids elsewhere, and who reports to whom when."""

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints, field_validator, model_validator

from common.validation import Envelope, Input, distinct, employment_in_order

Role = Literal["seller", "manager", "leader", "enablement", "admin"]
Source = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,31}$")]
ExternalRef = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Email = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, max_length=254,
                                         pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
Title = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
MAX_BULK = 1000


def _seller() -> list[Role]:
    return ["seller"]


class PersonIn(Input):
    name: Name
    email: Email | None = None
    title: Title = ""
    roles: list[Role] = Field(default_factory=_seller, max_length=5)
    active: bool = True
    manager_is_coach: bool = True
    hired_on: date | None = None  # employed on the days hired_on <= d <= left_on (open ends when null)
    left_on: date | None = None  # the last day employed
    external_ids: dict[Source, ExternalRef] = Field(default_factory=dict, max_length=20)

    _roles = field_validator("roles")(distinct)
    _employment = model_validator(mode="after")(employment_in_order)


class PersonPatch(Input):
    name: Name | None = None
    email: Email | None = None
    title: Title | None = None
    roles: list[Role] | None = Field(default=None, max_length=5)
    active: bool | None = None
    manager_is_coach: bool | None = None
    hired_on: date | None = None  # null clears it (employed since ever)
    left_on: date | None = None  # null clears it (still employed)

    _roles = field_validator("roles")(distinct)
    _employment = model_validator(mode="after")(employment_in_order)


class PersonOut(BaseModel):
    id: uuid.UUID
    name: str
    email: str | None
    title: str
    roles: list[Role]
    active: bool
    manager_is_coach: bool
    hired_on: date | None
    left_on: date | None
    external_ids: dict[str, str]
    created_at: datetime
    updated_at: datetime


class ExternalIdIn(Input):
    external_id: ExternalRef


class MatchOut(BaseModel):
    """A person found by an id of another system."""

    source: str
    external_id: str
    person: PersonOut


class BulkItem(Input):
    external_id: ExternalRef
    name: Name
    email: Email | None = None
    title: Title = ""
    roles: list[Role] = Field(default_factory=_seller, max_length=5)
    active: bool = True
    hired_on: date | None = None
    left_on: date | None = None
    manager_external_id: ExternalRef | None = None

    _roles = field_validator("roles")(distinct)
    _employment = model_validator(mode="after")(employment_in_order)


class BulkUpsert(Envelope):
    """What an HRIS or CRM user sync sends; items are validated one by one."""

    source: Source
    items: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_BULK)


class BulkItemResult(BaseModel):
    index: int
    external_id: str | None
    status: Literal["created", "updated", "unchanged", "rejected"]
    person_id: uuid.UUID | None = None
    errors: list[dict[str, str]] = Field(default_factory=list)


class BulkResult(BaseModel):
    created: int
    updated: int
    unchanged: int
    rejected: int
    items: list[BulkItemResult]


class ManagerChange(Input):
    """From `effective` on, the person reports to `manager_id` (or to nobody when null)."""

    manager_id: uuid.UUID | None
    effective: date


class ReportingLineOut(BaseModel):
    person_id: uuid.UUID
    manager_id: uuid.UUID
    valid_from: date
    valid_to: date | None


class ManagerOut(BaseModel):
    person_id: uuid.UUID
    manager_id: uuid.UUID | None
    as_of: date


class TreeEntry(BaseModel):
    person_id: uuid.UUID
    manager_id: uuid.UUID
    depth: int
