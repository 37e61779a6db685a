"""Impact on a coaching metric: did a "coach the coaches" programme raise the coaching its managers hold?"""

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.metrics.test_scorecards import put


async def test_a_coach_the_coaches_programme_raises_coaching_held_by_its_managers(metrics: httpx.AsyncClient) -> None:
    """Impact on a coaching metric: managers paired in a programme (as its coachees) hold more coaching sessions
    after joining; the estimate recovers the planted effect and a comparison without it shows none."""
    rnd = random.Random(3)
    today = datetime.now(UTC).date()
    managers = [uuid.uuid4() for _ in range(40)]
    programme, placebo = uuid.uuid4(), uuid.uuid4()
    await put(metrics, "people", [{"id": str(p), "version": 1, "name": f"M{n}", "roles": ["manager"]}
                                  for n, p in enumerate(managers)])
    joined = {p: today - timedelta(days=60 + rnd.randint(-5, 5)) for p in managers[:14]}
    sham = {p: today - timedelta(days=60 + rnd.randint(-5, 5)) for p in managers[14:24]}  # no lift after it
    await put(metrics, "programme-participants", [
        {"id": str(uuid.uuid4()), "version": 1, "programme_id": str(prog), "person_id": str(p),
         "joined_on": d.isoformat()}
        for prog, group in ((programme, joined), (placebo, sham)) for p, d in group.items()])
    planted = 0.25  # sessions a day more after joining: 7 over a 28-day window
    sessions = []
    for p in managers:
        base = rnd.uniform(0.2, 0.6)
        for d in range(1, 130):
            day = today - timedelta(days=d)
            rate = base + (planted if p in joined and day >= joined[p] else 0.0)
            if rnd.random() < rate:
                held = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=10)
                sessions.append({"id": str(uuid.uuid4()), "version": 2, "coach_id": str(p),
                                 "seller_id": str(uuid.uuid4()), "status": "completed",
                                 "scheduled_at": held.isoformat(), "held_at": held.isoformat()})
    for i in range(0, len(sessions), 1000):
        await put(metrics, "sessions", sessions[i:i + 1000])

    async def impact(prog: uuid.UUID) -> dict[str, Any]:
        r = await metrics.get("/v1/impact", params={"metric": "coaching_sessions_held", "programme_id": str(prog),
                                                    "role": "manager", "window_days": 28})
        assert r.status_code == 200, r.text
        return dict(r.json())

    found = await impact(programme)
    assert found["unit"] == "coaching_sessions_held per person per 28 days"
    assert found["low"] <= planted * 28 <= found["high"] and found["low"] > 0, found
    none = await impact(placebo)
    assert none["low"] <= 0 <= none["high"], none
