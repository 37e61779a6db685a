"""Brute force for coaching metrics: the daily figures recomputed from the coaching service's own rows,
independently of the metrics service's code (coaching_facts.py)."""

import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

Cell = tuple[uuid.UUID, str, date]


def day(at: datetime) -> date:
    return at.astimezone(UTC).date()


def recount(sessions: Sequence[Any], ratings: Mapping[uuid.UUID, Any], actions: Sequence[Any],
            revisions: Sequence[Any], goal_coach: Mapping[uuid.UUID, uuid.UUID], *,
            programmes: Sequence[Any] = (), pairs: Sequence[Any] = (),
            today: date | None = None) -> dict[Cell, tuple[float, float]]:
    """Every coaching metric per (person, metric, UTC day), from the coaching service's own rows (sessions,
    ratings by session, actions, goal revisions, each goal's coach, programmes and their pairs: ORM objects or
    rows), written out again here on purpose (not with the service's code). Expected programme sessions accrue
    up to `today` (default: the UTC day now); they are sums of 1/cadence_days, so they compare at 9 decimals."""
    cells: dict[Cell, list[float]] = defaultdict(lambda: [0.0, 0.0])

    def add(person: uuid.UUID, key: str, on: date, num: float, den: float = 0.0) -> None:
        cell = cells[(person, key, on)]
        cell[0] += num
        cell[1] += den

    today = today or datetime.now(UTC).date()
    programme = {p.id: p for p in programmes}

    def days_in(pair: Any) -> list[date]:
        """Every day the pair is in its programme, whatever today is."""
        p = programme.get(pair.programme_id)
        if p is None:  # deleted with its programme
            return []
        out, d = [], pair.joined_on
        while pair.left_on is None or d < pair.left_on:
            if p.ends_on is not None and d > p.ends_on:
                break
            if d > today + timedelta(days=400):
                break  # open on both ends: enough to place any session held so far
            if d >= p.starts_on:
                out.append(d)
            d += timedelta(days=1)
        return out

    pair_days = {(pair.programme_id, pair.coach_id, pair.seller_id): set(days_in(pair)) for pair in pairs}
    for pair in pairs:
        for d in days_in(pair):
            if d <= today:
                add(pair.coach_id, "coaching_sessions_expected", d, 1 / programme[pair.programme_id].cadence_days)

    with_actions = {a.session_id for a in actions}
    for s in sessions:
        add(s.coach_id, "coaching_sessions_planned", day(s.scheduled_at), 1)
        if s.status == "cancelled":
            add(s.coach_id, "coaching_sessions_cancelled", day(s.scheduled_at), 1)
        if s.status == "no_show":
            add(s.coach_id, "coaching_no_shows", day(s.scheduled_at), 1)
        if s.status == "completed":
            assert s.held_at is not None
            held = day(s.held_at)
            add(s.coach_id, "coaching_sessions_held", held, 1)
            add(s.seller_id, "coaching_sessions_received", held, 1)
            if s.id in with_actions:
                add(s.coach_id, "coaching_sessions_with_action", held, 1)
            if held in pair_days.get((s.programme_id, s.coach_id, s.seller_id), set()):
                add(s.coach_id, "coaching_programme_sessions_held", held, 1)
            rating = ratings.get(s.id)
            if rating is not None:
                add(s.coach_id, "coaching_rating_relevant", held, rating.relevant, 1)
                add(s.coach_id, "coaching_rating_developmental", held, rating.developmental, 1)
                add(s.coach_id, "coaching_rating_motivational", held, rating.motivational, 1)
    for a in actions:
        if a.status == "dropped":
            continue
        done = 1.0 if a.status == "done" and a.closed_at is not None and day(a.closed_at) <= a.due_on else 0.0
        add(a.coach_id, "coaching_actions_on_time", a.due_on, done, 1)
        add(a.seller_id, "actions_on_time", a.due_on, done, 1)
    first_agreed: dict[uuid.UUID, datetime] = {}
    for r in revisions:
        if r.seller_agreed_at is not None and r.coach_agreed_at is not None:
            agreed = max(r.seller_agreed_at, r.coach_agreed_at)
            first_agreed[r.goal_id] = min(first_agreed.get(r.goal_id, agreed), agreed)
    for goal_id, agreed in first_agreed.items():
        add(goal_coach[goal_id], "coaching_goals_agreed", day(agreed), 1)
    rounded = {k: (round(v[0], 9), round(v[1], 9)) for k, v in cells.items()}
    return {k: v for k, v in rounded.items() if v[0] or v[1]}
