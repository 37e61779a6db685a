"""Identifiers: UUIDv7 (time-ordered, good keyset cursors), strings on the wire."""

import uuid

import uuid_utils


def new_id() -> uuid.UUID:
    return uuid.UUID(bytes=uuid_utils.uuid7().bytes)


def new_id_hex() -> str:
    """A new id as 32 hex digits (what `new_id().hex` gives, without building a `uuid.UUID`)."""
    return str(uuid_utils.uuid7().hex)


def parse_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        return None
