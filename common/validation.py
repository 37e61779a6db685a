"""Pieces every service's input schemas share."""

from pydantic import BaseModel, ConfigDict


class Input(BaseModel):
    """A request body: unknown fields are refused, not ignored."""

    model_config = ConfigDict(extra="forbid")


def distinct(values: list[str] | None) -> list[str] | None:
    """A field validator for lists whose values must not repeat."""
    if values is not None and len(set(values)) != len(values):
        raise ValueError("values must not repeat")
    return values
