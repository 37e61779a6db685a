"""What every batch endpoint shares: the envelope read straight from the body, per-item validation errors in
the problem+json field shape."""

import json
from typing import Any

import pydantic_core
from pydantic import Field, ValidationError

from common.errors import InvalidInput, field_name
from common.validation import Envelope
from services.metrics.schemas import MAX_BATCH


class _Envelope(Envelope):
    items: list[Any] = Field(min_length=1, max_length=MAX_BATCH)


def item_errors(exc: ValidationError) -> list[dict[str, str]]:
    return [{"field": field_name(e["loc"]) or "item", "message": e["msg"], "code": e["type"]}
            for e in exc.errors()]


def read_items(body: bytes) -> list[Any]:
    """`{"items": [...]}` with 1..MAX_BATCH entries, parsed by pydantic-core; each item is left for its own
    validation (so a bad one is reported, not fatal). Envelope errors are 422 problem+json under `body.`."""
    try:
        data = pydantic_core.from_json(body)
    except ValueError as exc:
        try:  # pydantic-core refuses a lone surrogate escape ("\ud800"): the item holding it is rejected instead
            data = json.loads(body)
        except ValueError:
            raise InvalidInput("The body is not valid JSON.",
                               errors=[{"field": "body", "message": str(exc), "code": "json_invalid"}]) from None
    try:
        return _Envelope.model_validate(data).items
    except ValidationError as exc:
        errors = [{**e, "field": f"body.{e['field']}" if e["field"] != "item" else "body"} for e in item_errors(exc)]
        raise InvalidInput(f"{len(errors)} invalid field(s)", errors=errors) from None
