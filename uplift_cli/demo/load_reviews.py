"""Goal reviews: each coach reviews the agreed goals whose review day is over a week gone, with the outcome the
figures give (the metrics service's goal progress: achieved when the goal was met over its review period, or is
on track while that period still runs; missed otherwise). The goals whose review day came this week are left
due for review: they are the demo's `goals(dueForReview: true)` and the queue's REVIEW_DUE reasons."""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from uplift_cli.demo.api import Api
from uplift_cli.demo.constants import GOALS_REVIEWED_AFTER_DAYS
from uplift_cli.demo.waiting import Progress

MET = ("achieved", "on_track")


@dataclass(frozen=True)
class AgreedGoal:
    goal_id: str
    coach: str  # the coach's plan key
    review_on: date


def reviewed(goals: list[AgreedGoal], today: date) -> list[AgreedGoal]:
    """The goals the demo has reviewed: their review day is GOALS_REVIEWED_AFTER_DAYS or more ago."""
    return [g for g in goals if g.review_on <= today - timedelta(days=GOALS_REVIEWED_AFTER_DAYS)]


async def measured(api: Api, goal_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Each goal's progress, once the metrics read model holds every one (agreed goals arrive by events)."""
    progress = Progress()
    while True:
        found: dict[str, dict[str, Any]] = {}
        for i in range(0, len(goal_ids), 200):
            for p in await api.get("metrics/v1/goal-progress", goal_ids=goal_ids[i:i + 200]):
                found[p["goal_id"]] = p
        if len(found) == len(goal_ids):
            return found
        progress.moved(len(found))
        if progress.stalled():
            raise TimeoutError(f"the metrics read model has {len(found)}/{len(goal_ids)} agreed goals; are events "
                               "flowing (UPLIFT_BROKER_URL)?")
        await asyncio.sleep(0.2)


async def load_reviews(api: Api, goals: list[AgreedGoal], today: date,
                       who: Callable[[str], tuple[str, tuple[str, ...]]]) -> int:
    """Review the goals due more than a week ago as their coach; how many were reviewed."""
    due = reviewed(goals, today)
    if not due:
        return 0
    progress = await measured(api, [g.goal_id for g in due])
    for g in due:
        p = progress[g.goal_id]
        actual = "no figure" if p["actual"] is None else f"{p['actual']:.3g}"
        await api.post(f"coaching/v1/goals/{g.goal_id}/reviews", {
            "outcome": "achieved" if p["status"] in MET else "missed", "revision": p["revision"],
            "note": f"{p['metric_key']}: {actual} against {p['expected']:.3g} expected."}, as_person=who(g.coach))
    return len(due)
