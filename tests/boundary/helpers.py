"""What the boundary tests share: raw JSON bodies (the text a client could send, NaN literals and lone
surrogate escapes included) and the shape of a per-field refusal."""

import json
from typing import Any

import httpx

NUL = "a\x00b"
SURROGATE = "a\ud800b"


def raw_json(value: Any) -> dict[str, Any]:
    """Keyword arguments for httpx sending `value` as JSON text with escapes (`\\u0000`, `\\ud800`) and NaN or
    Infinity literals written as Python's json module writes them — what httpx's own `json=` cannot send."""
    return {"content": json.dumps(value).encode(), "headers": {"content-type": "application/json"}}


def refused(r: httpx.Response, *fields: str, code: str | None = None) -> list[dict[str, Any]]:
    """A 422 problem+json whose field errors name exactly `fields` (each with `code`, when given)."""
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    errors = r.json()["errors"]
    assert sorted(e["field"] for e in errors) == sorted(fields), errors
    if code is not None:
        assert {e["code"] for e in errors} == {code}, errors
    return errors
