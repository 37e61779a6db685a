"""Test setup for coaching relationships: rows planted with SQLAlchemy (people, reporting lines, sessions,
actions, ratings — other areas own their REST) and problem+json assertions."""

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx

from common.ids import new_id
from services.coaching.models import Action, Person, Rating, ReportingLine, Session
from tests.conftest import Stack

LONG_AGO = date(2020, 1, 1)

_PROBLEM = {
    401: ("/problems/unauthorized", "Authentication required"),
    403: ("/problems/forbidden", "Not allowed"),
    404: ("/problems/not-found", "Not found"),
    409: ("/problems/conflict", "Conflict"),
    422: ("/problems/validation-error", "Request validation failed"),
}


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


class Seed:
    """Plants rows of one tenant directly in the coaching database."""

    def __init__(self, stack: Stack, tenant_id: uuid.UUID) -> None:
        self.sessions = stack.local.services["coaching"].state.db.sessions
        self.tenant_id = tenant_id

    async def _add(self, *rows: Any) -> None:
        async with self.sessions() as s:
            s.add_all(rows)
            await s.commit()

    async def person(self, name: str, *roles: str, manager_is_coach: bool = True, active: bool = True) -> str:
        now = datetime.now(UTC)
        pid = new_id()
        await self._add(Person(id=pid, tenant_id=self.tenant_id, name=name, email=f"{pid.hex}@example.com",
                               title=name, roles=list(roles) or ["seller"], active=active,
                               manager_is_coach=manager_is_coach, created_at=now, updated_at=now))
        return str(pid)

    async def reports_to(self, person: str, manager: str, valid_from: date = LONG_AGO,
                         valid_to: date | None = None) -> None:
        await self._add(ReportingLine(id=new_id(), tenant_id=self.tenant_id, person_id=uuid.UUID(person),
                                      manager_id=uuid.UUID(manager), valid_from=valid_from, valid_to=valid_to,
                                      created_at=datetime.now(UTC)))

    async def session(self, coach: str, seller: str, held: date | datetime, *, programme_id: str | None = None,
                      status: str = "completed") -> str:
        when = held if isinstance(held, datetime) else at(held)
        sid = new_id()
        await self._add(Session(
            id=sid, tenant_id=self.tenant_id, coach_id=uuid.UUID(coach), seller_id=uuid.UUID(seller),
            programme_id=uuid.UUID(programme_id) if programme_id else None, status=status, scheduled_at=when,
            held_at=when if status == "completed" else None, duration_minutes=30, focus_keys=[],
            scenario_behavior_key=None, scenario_id=None, notes="", private_notes="", cancel_reason=None,
            next_session_id=None, created_at=when, updated_at=when))
        return str(sid)

    async def action(self, session_id: str, coach: str, seller: str, due_on: date, *, status: str = "open",
                     agreed_on: date) -> None:
        when = at(agreed_on)
        await self._add(Action(
            id=new_id(), tenant_id=self.tenant_id, session_id=uuid.UUID(session_id), seller_id=uuid.UUID(seller),
            coach_id=uuid.UUID(coach), owner_id=uuid.UUID(seller), gap_id=None, description="Do it", due_on=due_on,
            status=status, created_at=when, updated_at=when,
            closed_at=when + timedelta(days=1) if status != "open" else None))

    async def rating(self, session_id: str, seller: str, relevant: int, developmental: int, motivational: int) -> None:
        now = datetime.now(UTC)
        await self._add(Rating(session_id=uuid.UUID(session_id), tenant_id=self.tenant_id, seller_id=uuid.UUID(seller),
                               relevant=relevant, developmental=developmental, motivational=motivational,
                               comment="", created_at=now, updated_at=now))


def weekly(start: date, weeks: range) -> list[date]:
    return [start + timedelta(days=7 * k) for k in weeks]


# ---- REST -------------------------------------------------------------------------------------

def created(r: httpx.Response, location_prefix: str) -> dict[str, Any]:
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    assert r.headers["location"].endswith(f"{location_prefix}/{body['id']}"), r.headers["location"]
    return body


async def assign(c: httpx.AsyncClient, coach: str, seller: str, kind: str = "trainer",
                 **fields: Any) -> dict[str, Any]:
    r = await c.post("/v1/coach-assignments", json={"coach_id": coach, "seller_id": seller, "kind": kind, **fields})
    return created(r, "/v1/coach-assignments")


def programme_body(**fields: Any) -> dict[str, Any]:
    return {"name": "Discovery first", "behavior_keys": ["discovery"], "cadence_days": 7,
            "starts_on": "2025-01-06", **fields}


async def create_programme(c: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    return created(await c.post("/v1/programmes", json=programme_body(**fields)), "/v1/programmes")


async def add_pair(c: httpx.AsyncClient, programme_id: str, coach: str, seller: str,
                   joined_on: str | None = "2025-01-06") -> dict[str, Any]:
    body = {"coach_id": coach, "seller_id": seller} | ({"joined_on": joined_on} if joined_on else {})
    r = await c.post(f"/v1/programmes/{programme_id}/pairs", json=body)
    return created(r, f"/v1/programmes/{programme_id}/pairs")


def problem(r: httpx.Response, status: int) -> dict[str, Any]:
    """Assert an RFC 9457 problem+json response of `status`; returns its body."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json"), r.headers
    body: dict[str, Any] = r.json()
    assert (body["type"], body["title"]) == _PROBLEM[status], body
    assert body["status"] == status and body["detail"], body
    if status == 422:
        for err in body["errors"]:
            assert set(err) == {"field", "message", "code"}, err
    return body


def invalid(r: httpx.Response, field: str, code: str | None = None) -> dict[str, Any]:
    """Assert a 422 naming `field` (with `code`, when given); returns that error."""
    body = problem(r, 422)
    found = [e for e in body["errors"] if e["field"] == field]
    assert found, f"no error on {field!r}: {body['errors']}"
    if code is not None:
        assert code in {e["code"] for e in found}, found
    return found[0]
