"""Coaching figures as the metrics service stores them, and as a brute-force recount from the coaching
service's rows says they should be (tests/metrics/brute_coaching.py), compared within float tolerance:
expected programme sessions are sums of 1/cadence_days, whose rounding differs with the order of addition."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from services.coaching.models import Action, Goal, GoalRevision, Programme, ProgrammePair, Rating, Session
from services.metrics.catalogue import CATALOGUE
from services.metrics.models import MetricDaily
from tests.conftest import Tenant
from tests.events_wiring.conftest import Wired, eventually
from tests.metrics.brute_coaching import Cell, recount

COACHING_KEYS = sorted(k for k, m in CATALOGUE.items() if m.source == "coaching" and m.stored)
TOLERANCE = 1e-7
Figures = dict[Cell, tuple[float, float]]


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


async def expected(wired: Wired, tenant: Tenant, today: date | None = None) -> Figures:
    async with wired.db("coaching").sessions() as db:
        def of(model: Any) -> Any:
            return select(model).where(model.tenant_id == tenant.id)

        sessions = list((await db.execute(of(Session))).scalars())
        ratings = {r.session_id: r for r in (await db.execute(of(Rating))).scalars()}
        actions = list((await db.execute(of(Action))).scalars())
        revisions = list((await db.execute(of(GoalRevision))).scalars())
        goals = {g.id: g.coach_id for g in (await db.execute(of(Goal))).scalars()}
        programmes = list((await db.execute(of(Programme))).scalars())
        pairs = list((await db.execute(of(ProgrammePair))).scalars())
    return recount(sessions, ratings, actions, revisions, goals, programmes=programmes, pairs=pairs,
                   today=today or datetime.now(UTC).date())


async def stored(wired: Wired, tenant: Tenant) -> Figures:
    m = MetricDaily
    async with wired.db("metrics").sessions() as db:
        rows = (await db.execute(select(m.person_id, m.metric_key, m.day, m.num, m.den).where(
            m.tenant_id == tenant.id, m.metric_key.in_(COACHING_KEYS)))).all()
    rounded = {(p, k, d): (round(n, 9), round(e, 9)) for p, k, d, n, e in rows}
    return {cell: v for cell, v in rounded.items() if v[0] or v[1]}


def differences(got: dict[Any, tuple[float, float]], want: dict[Any, tuple[float, float]]) -> dict[Any, Any]:
    """The cells where the two differ by more than the tolerance (a missing cell counts as (0, 0))."""
    def far(a: tuple[float, float], b: tuple[float, float]) -> bool:
        return abs(a[0] - b[0]) > TOLERANCE or abs(a[1] - b[1]) > TOLERANCE

    return {k: (got.get(k), want.get(k)) for k in set(got) | set(want)
            if far(got.get(k, (0.0, 0.0)), want.get(k, (0.0, 0.0)))}


async def converged(wired: Wired, tenant: Tenant, today: date | None = None) -> Figures:
    """The recount, once the stored figures equal it (events arrive asynchronously)."""
    want = await expected(wired, tenant, today)
    assert want, "the history produced no coaching figures"

    async def same() -> bool:
        return not differences(await stored(wired, tenant), want)

    try:
        await eventually(same)
    except AssertionError:
        diff = differences(await stored(wired, tenant), want)
        raise AssertionError(f"stored ≠ recount in {len(diff)} cells, e.g. {sorted(diff.items())[:5]}") from None
    return want


def period_start(d: date, grain: str) -> date:
    if grain == "day":
        return d
    return d - timedelta(days=d.weekday()) if grain == "week" else d.replace(day=1)
