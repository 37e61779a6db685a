"""Builders and assertions shared by the behaviors REST tests."""

from datetime import datetime
from typing import Any

import httpx

from tests.conftest import Stack

BASE_URL = "http://uplift/api/behaviors"

_PROBLEM = {
    401: ("/problems/unauthorized", "Authentication required"),
    403: ("/problems/forbidden", "Not allowed"),
    404: ("/problems/not-found", "Not found"),
    409: ("/problems/conflict", "Conflict"),
    422: ("/problems/validation-error", "Request validation failed"),
}


def rest(stack: Stack, credential: str | None) -> httpx.AsyncClient:
    """A REST client of the behaviors service through the gateway with `credential` (or none)."""
    client = stack.client(credential)
    client.base_url = httpx.URL(BASE_URL)
    return client


# ---- builders ---------------------------------------------------------------------------------

def indicator(metric_key: str = "calls_made", target: Any = 5, **extra: Any) -> dict[str, Any]:
    return {"metric_key": metric_key, "kind": "activity", "target": target, **extra}


def behavior_body(key: str, **overrides: Any) -> dict[str, Any]:
    return {"key": key, "name": f"Behaviour {key}", "audience": ["seller"], "indicators": [indicator()],
            **overrides}


async def create_objective(api: httpx.AsyncClient, name: str = "Grow enterprise", **fields: Any) -> dict[str, Any]:
    r = await api.post("/v1/objectives", json={"name": name, **fields})
    assert r.status_code == 201, r.text
    return r.json()


async def create_behavior(api: httpx.AsyncClient, key: str, **overrides: Any) -> dict[str, Any]:
    r = await api.post("/v1/behaviors", json=behavior_body(key, **overrides))
    assert r.status_code == 201, r.text
    return r.json()


async def publish(api: httpx.AsyncClient, behavior_id: str) -> dict[str, Any]:
    r = await api.post(f"/v1/behaviors/{behavior_id}/publish")
    assert r.status_code == 200, r.text
    return r.json()


async def active_behavior(api: httpx.AsyncClient, key: str, **overrides: Any) -> dict[str, Any]:
    created = await create_behavior(api, key, **overrides)
    return await publish(api, created["id"])


async def create_assessment(api: httpx.AsyncClient, title: str = "Q3 alignment", **fields: Any) -> dict[str, Any]:
    r = await api.post("/v1/assessments", json={"title": title, **fields})
    assert r.status_code == 201, r.text
    return r.json()


def views(pattern: str) -> list[str]:
    """'1121222' → ['view_1', 'view_1', 'view_2', 'view_1', 'view_2', 'view_2', 'view_2']."""
    assert set(pattern) <= {"1", "2"}
    return [f"view_{c}" for c in pattern]


async def respond(api: httpx.AsyncClient, assessment_id: str, respondent: str, function: str,
                  pattern: str) -> dict[str, Any]:
    r = await api.put(f"/v1/assessments/{assessment_id}/responses/{respondent}",
                      json={"function": function, "answers": views(pattern)})
    assert r.status_code == 200, r.text
    return r.json()


def ts(value: str) -> datetime:
    """A timestamp of a response, which must carry its zone."""
    parsed = datetime.fromisoformat(value)
    assert parsed.utcoffset() is not None, value
    return parsed


# ---- assertions -------------------------------------------------------------------------------

def problem(r: httpx.Response, status: int, instance: str | None = None) -> dict[str, Any]:
    """Assert an RFC 9457 problem+json response of `status`; returns its body.

    `instance` is the path the service saw (`/v1/...`); it is matched as a suffix so a gateway that
    prefixes it with `/api/behaviors` passes too.
    """
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json"), r.headers
    body: dict[str, Any] = r.json()
    assert {"type", "title", "status", "detail", "instance"} <= body.keys(), body
    assert (body["type"], body["title"]) == _PROBLEM[status], body
    assert body["status"] == status
    assert isinstance(body["detail"], str) and body["detail"], body
    if instance is not None:
        assert body["instance"].endswith(instance), (body["instance"], instance)
    if status == 422:
        assert body["errors"], body
        for err in body["errors"]:
            assert set(err) == {"field", "message", "code"}, err
            assert all(isinstance(v, str) and v for v in err.values()), err
    else:
        assert "errors" not in body, body
    return body


def invalid(r: httpx.Response, field: str, code: str | None = None, instance: str | None = None) -> dict[str, Any]:
    """Assert a 422 whose errors name `field` (with `code`, when given); returns that error."""
    body = problem(r, 422, instance)
    found = [e for e in body["errors"] if e["field"] == field]
    assert found, f"no error on {field!r}: {body['errors']}"
    if code is not None:
        assert code in {e["code"] for e in found}, found
    return found[0]
