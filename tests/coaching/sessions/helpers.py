"""Builders and assertions for the sessions tests.

People, reporting lines, coach assignments and programmes are inserted straight into the coaching
database (test setup only: the directory and relationships REST are built elsewhere); everything
under test goes through REST via the gateway.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from common.db import utcnow
from common.ids import new_id
from services.coaching.models import (
    CoachAssignment,
    Person,
    Programme,
    ProgrammePair,
    Rating,
    ReportingLine,
)
from tests.conftest import Stack, Tenant

_PROBLEM = {
    403: ("/problems/forbidden", "Not allowed"),
    404: ("/problems/not-found", "Not found"),
    409: ("/problems/conflict", "Conflict"),
    422: ("/problems/validation-error", "Request validation failed"),
}


def today() -> date:
    return utcnow().date()


def on(n: int) -> date:
    """The date n days from today."""
    return today() + timedelta(days=n)


def days(n: int) -> str:
    """A date n days from today, on the wire."""
    return on(n).isoformat()


def at(days_from_now: float, hour: int = 10) -> str:
    """A UTC timestamp `days_from_now` days away at `hour`:00, on the wire."""
    day = today() + timedelta(days=int(days_from_now))
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC).isoformat()


class Db:
    """Direct access to the coaching database for test setup and for checking what was written."""

    def __init__(self, stack: Stack, tenant: Tenant) -> None:
        self.stack = stack
        self.tenant_id = tenant.id

    def session(self) -> AsyncSession:
        maker = self.stack.local.services["coaching"].state.db.sessions
        return maker()

    async def add(self, *rows: Any) -> None:
        async with self.session() as s:
            s.add_all(rows)
            await s.commit()

    async def add_in_order(self, *groups: Sequence[Any]) -> None:
        """Several groups of rows in one transaction, each group flushed before the next (foreign keys)."""
        async with self.session() as s:
            for group in groups:
                s.add_all(group)
                await s.flush()
            await s.commit()

    def person_row(self, name: str, *roles: str, active: bool = True, manager_is_coach: bool = True) -> Person:
        now = utcnow()
        pid = new_id()
        return Person(id=pid, tenant_id=self.tenant_id, name=name, email=f"{name.lower()}-{pid.hex}@x.io",
                      title=name, roles=list(roles or ["seller"]), active=active, manager_is_coach=manager_is_coach,
                      created_at=now, updated_at=now)

    def line_row(self, person: uuid.UUID, manager: uuid.UUID, valid_from: date,
                 valid_to: date | None = None) -> ReportingLine:
        return ReportingLine(id=new_id(), tenant_id=self.tenant_id, person_id=person, manager_id=manager,
                             valid_from=valid_from, valid_to=valid_to, created_at=utcnow())

    def assignment_row(self, coach: uuid.UUID, seller: uuid.UUID, *, kind: str = "sales_engineer",
                       scope: Sequence[str] = (), starts_on: date | None = None,
                       ends_on: date | None = None) -> CoachAssignment:
        return CoachAssignment(id=new_id(), tenant_id=self.tenant_id, coach_id=coach, seller_id=seller, kind=kind,
                               scope=list(scope), starts_on=starts_on or on(-30), ends_on=ends_on,
                               created_at=utcnow())

    async def person(self, name: str, *roles: str, active: bool = True, manager_is_coach: bool = True) -> uuid.UUID:
        row = self.person_row(name, *roles, active=active, manager_is_coach=manager_is_coach)
        await self.add(row)
        return row.id

    async def line(self, person: uuid.UUID, manager: uuid.UUID, valid_from: date,
                   valid_to: date | None = None) -> uuid.UUID:
        row = self.line_row(person, manager, valid_from, valid_to)
        await self.add(row)
        return row.id

    async def close_line(self, line_id: uuid.UUID, valid_to: date) -> None:
        async with self.session() as s:
            await s.execute(update(ReportingLine).where(ReportingLine.id == line_id).values(valid_to=valid_to))
            await s.commit()

    async def assign(self, coach: uuid.UUID, seller: uuid.UUID, **kw: Any) -> None:
        await self.add(self.assignment_row(coach, seller, **kw))

    async def programme(self, pairs: Sequence[tuple[uuid.UUID, uuid.UUID]]) -> uuid.UUID:
        now = utcnow()
        prog_id = new_id()
        await self.add(Programme(id=prog_id, tenant_id=self.tenant_id, name="Discovery", objective_id=None,
                                 behavior_keys=["discovery"], owner_id=None, cadence_days=14,
                                 starts_on=today() - timedelta(days=30), ends_on=None, created_at=now,
                                 updated_at=now))
        await self.add(*(ProgrammePair(id=new_id(), tenant_id=self.tenant_id, programme_id=prog_id, coach_id=c,
                                       seller_id=s, joined_on=today() - timedelta(days=30), left_on=None)
                         for c, s in pairs))
        return prog_id

    async def count(self, model: Any) -> int:
        async with self.session() as s:
            return int((await s.execute(select(func.count()).select_from(model))).scalar_one())

    async def age_rating(self, session_id: str, by: timedelta) -> None:
        """Move a rating's clock back (no sleeping)."""
        async with self.session() as s:
            rating = (await s.execute(select(Rating).where(Rating.session_id == uuid.UUID(session_id)))).scalar_one()
            rating.created_at -= by
            rating.updated_at -= by
            await s.commit()


@dataclass
class World:
    """A small org (valid for 100 days up to and past today):

        leader
        ├── m1 (manager) ── s1, s2
        └── m2 (manager) ── s3
    se coaches s1 on `discovery` only; enab is enablement; out is a seller outside the tree."""

    leader: uuid.UUID
    m1: uuid.UUID
    m2: uuid.UUID
    s1: uuid.UUID
    s2: uuid.UUID
    s3: uuid.UUID
    se: uuid.UUID
    enab: uuid.UUID
    out: uuid.UUID
    lines: dict[str, uuid.UUID]


async def build_world(db: Db) -> World:
    since = on(-100)
    names = [("Leader", "leader"), ("Mia", "manager"), ("Max", "manager"), ("Sam", "seller"), ("Sue", "seller"),
             ("Sid", "seller"), ("Eve", "seller"), ("Nia", "enablement"), ("Oli", "seller")]
    people = [db.person_row(name, role) for name, role in names]
    leader, m1, m2, s1, s2, s3, se, enab, out = (p.id for p in people)
    lines = {"m1": db.line_row(m1, leader, since), "m2": db.line_row(m2, leader, since),
             "s1": db.line_row(s1, m1, since), "s2": db.line_row(s2, m1, since), "s3": db.line_row(s3, m2, since)}
    await db.add_in_order(people, [*lines.values(), db.assignment_row(se, s1, scope=["discovery"])])
    return World(leader, m1, m2, s1, s2, s3, se, enab, out, {k: line.id for k, line in lines.items()})


# ---- REST builders ----------------------------------------------------------------------------

def session_body(coach: uuid.UUID, seller: uuid.UUID, **overrides: Any) -> dict[str, Any]:
    return {"coach_id": str(coach), "seller_id": str(seller), "scheduled_at": at(1), "duration_minutes": 45,
            "focus_keys": ["discovery"], **overrides}


async def schedule(client: httpx.AsyncClient, coach: uuid.UUID, seller: uuid.UUID, **overrides: Any) -> dict[str, Any]:
    r = await client.post("/v1/sessions", json=session_body(coach, seller, **overrides))
    assert r.status_code == 201, r.text
    return r.json()


def completion(owner: uuid.UUID, **overrides: Any) -> dict[str, Any]:
    """A full completion: one observation, one gap with an action on it, one goal."""
    return {
        "notes": "Shared with the seller", "private_notes": "For me only",
        "observations": [{"behavior_key": "discovery", "level": 3, "evidence": "asked two open questions"}],
        "gaps": [{"behavior_key": "discovery", "description": "Jumps to the demo", "root_cause": "skills"}],
        "actions": [{"description": "Prepare five discovery questions", "owner_id": str(owner), "due_on": days(7),
                     "gap_index": 0}],
        "goals": [{"metric_key": "discovery_calls", "kind": "activity", "target": 5, "period": "week",
                   "review_on": days(30)}],
        **overrides,
    }


async def complete(client: httpx.AsyncClient, session_id: str, body: dict[str, Any]) -> dict[str, Any]:
    r = await client.post(f"/v1/sessions/{session_id}/complete", json=body)
    assert r.status_code == 200, r.text
    return r.json()


async def held(client: httpx.AsyncClient, coach: uuid.UUID, seller: uuid.UUID, owner: uuid.UUID | None = None,
               **overrides: Any) -> dict[str, Any]:
    """A session scheduled yesterday and completed with `completion(owner)` (+ overrides)."""
    s = await schedule(client, coach, seller, scheduled_at=at(-1))
    return await complete(client, s["id"], completion(owner or seller, held_at=at(-1, 11), **overrides))


# ---- assertions -------------------------------------------------------------------------------

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
    """Assert a 422 whose errors name `field` (with `code`, when given); returns that error."""
    body = problem(r, 422)
    found = [e for e in body["errors"] if e["field"] == field]
    assert found, f"no error on {field!r}: {body['errors']}"
    if code is not None:
        assert code in {e["code"] for e in found}, found
    return found[0]


def ids(page: dict[str, Any]) -> set[str]:
    return {item["id"] for item in page["items"]}
