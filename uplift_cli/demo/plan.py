"""The whole demo org and its history as a plan: plain data, no I/O, identical for the same seed, anchoring
moment and scale. `load.py` pushes a plan through the public APIs.

The anchor is a moment (`now`, UTC): its date is "today", day 0 of the plan; the CRM evidence runs up to it.
A bare date anchors at its midnight (evidence up to the end of the day before).

`scale` (0 < scale <= 1) thins only the high-volume CRM activity (calls, e-mails, meetings below C-level):
people, coaching, the pipeline, the C-level meetings and the planted effect stay whole. Tests load a thin
plan to stay fast; `uplift seed-demo` loads the full one.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from uplift_cli.demo.activity import Activity, Completion, crm_activities, lms_completions
from uplift_cli.demo.coaching import Coaching, build_coaching
from uplift_cli.demo.constants import SEED
from uplift_cli.demo.content import ALIGNMENT, BEHAVIORS, OBJECTIVE, Behavior, Objective
from uplift_cli.demo.org import Org, build_org


@dataclass(frozen=True)
class Plan:
    seed: int
    today: date
    now: datetime  # the anchoring moment: evidence up to it
    scale: float
    objective: Objective
    behaviors: tuple[Behavior, ...]
    org: Org
    coaching: Coaching
    activities: tuple[Activity, ...]
    completions: tuple[Completion, ...]
    alignment: tuple[tuple[str, str, str], ...]

    def summary(self) -> dict[str, int]:
        """The counts a loaded demo should show (what the tests and the CLI's report compare)."""
        sessions = Counter(s.outcome for s in self.coaching.sessions)
        completed = [s for s in self.coaching.sessions if s.outcome == "completed"]
        roles = Counter(r for p in self.org.people for r in p.roles)
        return {
            "people": len(self.org.people), "sellers": roles["seller"], "managers": roles["manager"],
            "behaviors": len(self.behaviors), "active_behaviors": sum(b.publish for b in self.behaviors),
            "indicators": sum(len(b.indicators) for b in self.behaviors),
            "scenarios": sum(len(b.scenarios) for b in self.behaviors),
            "reporting_lines": len(self.org.lines), "reorg_moves": len(self.org.moves),
            "coach_assignments": len(self.org.assignments), "programmes": len(self.coaching.programmes),
            "programme_pairs": sum(len(p.pairs) for p in self.coaching.programmes),
            "sessions": len(self.coaching.sessions), "completed": sessions["completed"],
            "cancelled": sessions["cancelled"], "no_show": sessions["no_show"], "scheduled": sessions["scheduled"],
            "gaps": sum(len(s.gaps) for s in completed), "actions": sum(len(s.actions) for s in completed),
            "goals": sum(len(s.goals) for s in completed),
            "agreed_goals": sum(g.seller_agrees for s in completed for g in s.goals),
            "ratings": sum(s.rating is not None for s in completed),
            "activities": len(self.activities), "completions": len(self.completions),
        }


def anchor(at: date | datetime) -> datetime:
    """The anchoring moment of a plan: a datetime as given (in UTC), a date at its midnight."""
    if isinstance(at, datetime):
        if at.tzinfo is None:
            raise ValueError("the anchoring moment must carry its time zone")
        return at.astimezone(UTC)
    return datetime.combine(at, time(0), UTC)


def build_plan(at: date | datetime, *, seed: int = SEED, scale: float = 1.0) -> Plan:
    if not 0 < scale <= 1:
        raise ValueError("scale must be in (0, 1]")
    now = anchor(at)
    today = now.date()
    org = build_org(seed, today)
    return Plan(seed=seed, today=today, now=now, scale=scale, objective=OBJECTIVE, behaviors=BEHAVIORS, org=org,
                coaching=build_coaching(seed, today, org),
                activities=tuple(crm_activities(seed, now, org, scale)),
                completions=tuple(lms_completions(seed, today, org)), alignment=ALIGNMENT)
