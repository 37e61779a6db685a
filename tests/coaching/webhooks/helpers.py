"""Helpers of the webhook tests: subscribing, making events happen, reading the delivery log, waiting."""

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from common.db import Database
from services.coaching.webhooks.delivery import Deliverer, DeliveryConfig
from tests.conftest import Stack
from tests.timing import patience


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float = 60.0) -> None:
    """Wait for a condition (the time only bounds a failure)."""
    deadline = asyncio.get_running_loop().time() + patience(seconds)
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "timed out waiting"
        await asyncio.sleep(0.05)


async def subscribe(c: httpx.AsyncClient, url: str, *types: str) -> dict[str, Any]:
    r = await c.post("/v1/webhooks", json={"url": url, "event_types": list(types), "description": "CRM tasks"})
    assert r.status_code == 201, r.text
    return dict(r.json())


async def completed_session(c: httpx.AsyncClient, due: datetime | None = None) -> dict[str, Any]:
    """A session completed with one action: events session.completed and action.created."""
    coach = (await c.post("/v1/people", json={"name": "Omar", "roles": ["manager"]})).json()
    seller = (await c.post("/v1/people", json={"name": "Sam"})).json()
    held = datetime.now(UTC) - timedelta(days=3)
    s = (await c.post("/v1/sessions", json={"coach_id": coach["id"], "seller_id": seller["id"],
                                            "scheduled_at": held.isoformat()})).json()
    due_on = (due or datetime.now(UTC) + timedelta(days=7)).date().isoformat()
    r = await c.post(f"/v1/sessions/{s['id']}/complete", json={
        "held_at": held.isoformat(), "actions": [{"description": "Book a CFO meeting", "owner_id": seller["id"],
                                                  "due_on": due_on}]})
    assert r.status_code == 200, r.text
    return dict(r.json())


def coaching_db(stack: Stack) -> Database:
    db: Database = stack.local.services["coaching"].state.db
    return db


def deliverer(stack: Stack, clock: Callable[[], datetime] = lambda: datetime.now(UTC), *,
              db: Database | None = None, **kw: Any) -> Deliverer:
    """A deliverer on the coaching database (or another engine on it: another replica), in development."""
    verify = kw.pop("verify", True)
    config = DeliveryConfig(**{"development": True, **kw})
    return Deliverer(db or coaching_db(stack), config, clock=clock, verify=verify)


async def log_of(c: httpx.AsyncClient, sub: dict[str, Any]) -> list[dict[str, Any]]:
    r = await c.get(f"/v1/webhooks/{sub['id']}/deliveries")
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


async def logged(c: httpx.AsyncClient, sub: dict[str, Any], n: int) -> None:
    """Wait until the fan-out has written n deliveries for the subscription."""
    async def enough() -> bool:
        return len(await log_of(c, sub)) >= n

    await eventually(enough)
