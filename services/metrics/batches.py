"""What every batch endpoint shares: per-item validation errors in the problem+json field shape."""

from pydantic import ValidationError


def item_errors(exc: ValidationError) -> list[dict[str, str]]:
    return [{"field": ".".join(str(p) for p in e["loc"]) or "item", "message": e["msg"], "code": e["type"]}
            for e in exc.errors()]
