"""The evidence: 120 days of CRM activity per seller up to the current hour, and the LMS completions, drawn from
each seller's profile.

Each kind of activity draws from its own random stream per seller, so thinning the high-volume kinds
(`scale` < 1: calls, e-mails and meetings below C-level) leaves the C-level meetings, the pipeline and the
planted effect exactly as in the full plan.

Today (day 0) is drawn whole, from streams of its own, like any working day; only what happened by `now`
(the moment the plan is anchored at) is kept. So the history before today is the same whatever the hour, and
a demo seeded at 15:00 has today's morning calls but not the afternoon's.
"""

import math
import random
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from uplift_cli.demo.constants import (
    COMMON_C_LEVEL_SHIFT_PER_WEEK,
    COMMON_SHIFT_DAY,
    CURRENCY,
    HISTORY_DAYS,
    PLANTED_C_LEVEL_LIFT_PER_WEEK,
    TRAINING_COURSE_ID,
    TRAINING_COURSE_TITLE,
    TRAINING_DAY,
)
from uplift_cli.demo.org import Org, Profile


@dataclass(frozen=True)
class Activity:
    external_id: str
    type: str
    seller: str
    occurred_at: datetime
    amount: float | None = None
    currency: str | None = None
    attributes: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class Completion:
    external_id: str
    person: str
    course_id: str
    course_title: str
    status: str  # completed | passed | failed
    score: float | None
    completed_at: datetime
    named_by: str  # user_id | email: how the LMS names the person


def poisson(rng: random.Random, lam: float) -> int:
    """Knuth's method; the rates here are small (a few per day)."""
    if lam <= 0:
        return 0
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def at(today: date, day: int, rng: random.Random, first_hour: int = 8, last_hour: int = 17) -> datetime:
    return datetime.combine(today + timedelta(days=day), time(rng.randrange(first_hour, last_hour),
                                                               rng.randrange(60)), UTC)


def weekday(today: date, day: int) -> bool:
    return (today + timedelta(days=day)).weekday() < 5


def planted_days(profile: Profile, phase: float) -> list[int]:
    """The days up to today of the extra C-level meetings: the trained sellers' lift after the course,
    everyone's shift from the round tables. Evenly spaced (from a per-seller phase), so the planted rate is
    exact and only the sellers' own Poisson base adds noise."""
    days: list[int] = []
    effects = [(COMMON_SHIFT_DAY, COMMON_C_LEVEL_SHIFT_PER_WEEK)]
    if profile.trained:
        effects.append((TRAINING_DAY, PLANTED_C_LEVEL_LIFT_PER_WEEK))
    for first, per_week in effects:
        k = 0
        while (day := first + math.floor((k + phase) * 7 / per_week)) <= 0:
            days.append(day)
            k += 1
    return days


def seller_activities(seed: int, now: datetime, seller: str, number: int, p: Profile,
                      scale: float) -> list[Activity]:
    """The seller's activity from day -120 up to `now` (today's date is `now`'s UTC date)."""
    today = now.astimezone(UTC).date()
    out: list[Activity] = []
    volume = random.Random(f"{seed}-volume-{seller}")
    executive = random.Random(f"{seed}-exec-{seller}")
    counters: Counter[str] = Counter()  # per prefix: each prefix belongs to one random stream

    def add(kind: str, prefix: str, when: datetime, amount: float | None = None, **attributes: Any) -> None:
        currency = CURRENCY if amount is not None else None
        counters[prefix] += 1
        out.append(Activity(f"{prefix}{number:02d}{counters[prefix]:06d}", kind, seller, when, amount, currency,
                            tuple(sorted(attributes.items()))))

    def working_day(day: int, volume: random.Random, executive: random.Random) -> None:
        for _ in range(poisson(volume, p.calls_per_day * scale)):
            add("call", "00T", at(today, day, volume), outcome=volume.choice(("connected", "voicemail", "no_answer")))
        for _ in range(poisson(volume, p.emails_per_day * scale)):
            add("email", "00E", at(today, day, volume))
        for _ in range(poisson(volume, p.meetings_per_day * scale)):
            level = "vp" if volume.random() < 0.35 else "manager"
            add("meeting", "00U", at(today, day, volume), contact_level=level)
        for _ in range(poisson(executive, p.c_level_per_week / 5)):
            add("meeting", "00C", at(today, day, executive), contact_level="c_level")

    def planted(day: int, executive: random.Random) -> None:
        while not weekday(today, day):
            day -= 1  # a weekend meeting is held on the Friday before
        add("meeting", "00C", at(today, day, executive), contact_level="c_level")

    for day in range(-1, -HISTORY_DAYS - 1, -1):  # back from yesterday: the n-th working day back draws the
        if weekday(today, day):                     # same whatever weekday today is
            working_day(day, volume, executive)
    days = planted_days(p, executive.random())
    for day in days:
        if day < 0:
            planted(day, executive)
    _pipeline(random.Random(f"{seed}-pipeline-{seller}"), today, p, add)
    # today, whole, from its own streams; then only what has happened by now is kept
    volume_today = random.Random(f"{seed}-volume-today-{seller}")
    executive_today = random.Random(f"{seed}-exec-today-{seller}")
    if weekday(today, 0):
        working_day(0, volume_today, executive_today)
    for day in days:
        if day == 0:
            planted(day, executive_today)
    return [a for a in out if a.occurred_at <= now]


def _pipeline(rng: random.Random, today: date, p: Profile, add: Any) -> None:
    """Opportunities created from 30 days before the history on; only events inside the history are sent."""

    def emit(day: int, kind: str, prefix: str, amount: float | None = None, **attributes: Any) -> None:
        while not weekday(today, day):
            day += 1
        if -HISTORY_DAYS <= day <= 0:  # today's are kept by the caller when they have happened by now
            add(kind, prefix, at(today, day, rng), amount, **attributes)

    opportunity = 0
    for day in range(-HISTORY_DAYS - 30, 1):
        if not weekday(today, day):
            continue
        for _ in range(poisson(rng, p.opportunities_per_week / 5)):
            opportunity += 1
            oid = f"opp-{opportunity:04d}"
            amount = round(p.deal_size * rng.lognormvariate(0, 0.35), -2)
            emit(day, "opportunity_created", "006", opportunity_id=oid)
            if rng.random() < p.demo_share:
                emit(day + rng.randrange(2, 10), "demo", "00D", opportunity_id=oid)
            if rng.random() < p.proposal_share:
                proposed = day + rng.randrange(10, 25)
                business_case = rng.random() < 0.25 + 0.15 * p.proficiency["business-case"]
                emit(proposed, "proposal", "00P", opportunity_id=oid, business_case=business_case)
                closed = proposed + rng.randrange(7, 29)
                won = rng.random() < p.win_rate
                emit(closed, "opportunity_won" if won else "opportunity_lost", "00W" if won else "00L", amount,
                     opportunity_id=oid)
            elif rng.random() < 0.4:
                emit(day + rng.randrange(20, 46), "opportunity_lost", "00L", amount, opportunity_id=oid,
                     reason="no_decision")


def crm_activities(seed: int, now: datetime, org: Org, scale: float) -> list[Activity]:
    return [a for number, seller in enumerate(org.sellers, start=1)
            for a in seller_activities(seed, now, seller, number, org.profiles[seller], scale)]


def lms_completions(seed: int, today: date, org: Org) -> list[Completion]:
    rng = random.Random(f"{seed}-lms")
    out: list[Completion] = []

    def add(person: str, course: tuple[str, str], status: str, day: int, named_by: str) -> None:
        score = round(rng.uniform(0.45, 0.6), 2) if status == "failed" else round(rng.uniform(0.7, 0.98), 2)
        out.append(Completion(f"lms-{len(out) + 1:05d}", person, course[0], course[1], status, score,
                              at(today, day, rng, 9, 18), named_by))

    trained = [s for s in org.sellers if org.profiles[s].trained]
    for i, s in enumerate(trained):  # the course: half named by LMS user id, half by e-mail
        add(s, (TRAINING_COURSE_ID, TRAINING_COURSE_TITLE), "passed", TRAINING_DAY, "user_id" if i % 2 else "email")
    for m in org.managers:
        add(m, ("COACH-201", "Coaching conversations for sales managers"), "completed",
            -100 + rng.randrange(0, 15), "user_id")
    for s in rng.sample(org.sellers, 10):
        day = -HISTORY_DAYS + rng.randrange(5, 100)
        if rng.random() < 0.2:
            add(s, ("DISC-110", "Discovery fundamentals"), "failed", day, "user_id")
            day += 7
        add(s, ("DISC-110", "Discovery fundamentals"), "passed", min(day, -1), "user_id")
    return out
