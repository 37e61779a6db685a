"""The coaching history: two programmes (one kept, one that fizzles) and every conversation, in tracks.

A track is one coach with one seller (in a programme or not) meeting every `cadence` days between two days.
Each past session is completed, cancelled or a no-show; a completed one carries notes, observations on the
rubric (of its focus; a manager's 1:1 also observes the objective's behaviour, OBSERVED_ALWAYS, so the observed
level on it has a trend for every seller), gaps with root causes, actions, sometimes a goal, and often the
seller's rating. A track still
running ends with one session scheduled in the coming days. Sellers improve: a gap coached may close.

Gaps close in a later completed session of their track: resolved once the seller's level on the behaviour is
above 2, persisting when the behaviour shows a gap again, no longer relevant now and then after six weeks; the
rest stay open (every gap of a track that ended). Gaps on discovery calls are mostly skills gaps (the gap summary's
training need: DOMINANT_GAP). The draws for both come from their own random stream, so the rest of the history is
the one it was before they existed.
"""

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from uplift_cli.demo.constants import FIZZLE_QUIET_DAYS, HISTORY_DAYS, PROGRAMME_CADENCE_DAYS, REORG_DAY, TRAINING_DAY
from uplift_cli.demo.content import BEHAVIORS
from uplift_cli.demo.org import BEHAVIOR_KEYS, Org

NAMES = {b.key: b.name for b in BEHAVIORS}
WITH_SCENARIOS = {b.key for b in BEHAVIORS if b.scenarios}
OBSERVED_ALWAYS = "exec-meetings"  # observed in every manager's 1:1 (its indicator: observed_level:exec-meetings)
FIRST_INDICATOR = {b.key: b.indicators[0] for b in BEHAVIORS}
MANAGER_CADENCE = {"m1": 7, "m2": 14, "m3": 10, "m4": 14, "m5": 21}
COACH_QUALITY = {"m1": 4.4, "m2": 3.9, "m3": 4.2, "m4": 3.4, "m5": 2.7, "trainer": 4.5, "se": 4.0, "leader": 3.8}
CANCEL_REASONS = ("Quarter-end deal review", "Customer meeting moved into the slot", "Seller out sick",
                  "Manager travelling to a customer")
DOMINANT_GAP = ("discovery-calls", "skills", 0.8)  # behaviour, root cause, share of its gaps that have it
ROOT_CAUSE_WORDS = {
    "skills": "has not practised it enough to do it under pressure",
    "knowledge": "does not yet know the buyer's business well enough",
    "commitment": "is not convinced it is worth the time",
    "capacity": "has too many deals open to prepare",
    "environment": "is held back by territory and tooling",
}


@dataclass(frozen=True)
class Programme:
    key: str
    name: str
    behavior_keys: tuple[str, ...]
    owner: str
    cadence_days: int
    starts_on: date
    pairs: tuple[tuple[str, str], ...]  # (coach, seller); each joins on starts_on
    fizzles: bool


@dataclass(frozen=True)
class Gap:
    behavior_key: str
    description: str
    root_cause: str


@dataclass(frozen=True)
class Action:
    description: str
    owner: str  # seller | coach
    due_on: date
    gap_index: int | None
    final: str  # open | done | dropped: where the demo leaves it


@dataclass(frozen=True)
class Goal:
    metric_key: str
    kind: str
    target: float
    period: str
    review_on: date
    seller_agrees: bool


@dataclass(frozen=True)
class Session:
    track: int
    coach: str
    seller: str
    programme: str | None
    scheduled_at: datetime
    focus: tuple[str, ...]
    outcome: str  # completed | cancelled | no_show | scheduled
    scenario: str | None = None  # the behaviour whose first scenario opens the session
    held_at: datetime | None = None
    notes: str = ""
    private_notes: str = ""
    observations: tuple[tuple[str, int, str], ...] = ()
    gaps: tuple[Gap, ...] = ()
    actions: tuple[Action, ...] = ()
    goals: tuple[Goal, ...] = ()
    rating: tuple[int, int, int, str] | None = None  # relevant, developmental, motivational, comment
    cancel_reason: str | None = None
    # gaps of earlier sessions of the track closed in this one: (that session's scheduled_at, gap index, outcome)
    closures: tuple[tuple[datetime, int, str], ...] = ()


@dataclass(frozen=True)
class Coaching:
    programmes: tuple[Programme, ...]
    sessions: tuple[Session, ...]  # grouped by track, each track in time order


def programmes(org: Org, today: date) -> tuple[Programme, ...]:
    team = {m: [s for s in org.team(m, today, today) if not org.moved(s)] for m in org.managers}
    kept = Programme(
        key="exec-follow-through", name="Executive conversations: field follow-through",
        behavior_keys=("exec-meetings",), owner="enablement", cadence_days=PROGRAMME_CADENCE_DAYS,
        starts_on=today + timedelta(days=TRAINING_DAY + 4),
        pairs=(*((m, s) for m in ("m1", "m2") for s in team[m][:2]),
               *(("trainer", team[m][0]) for m in ("m3", "m4", "m5"))), fizzles=False)
    fizzling = Programme(
        key="multi-threading-clinic", name="Multi-threading clinic", behavior_keys=("multi-threading",),
        owner="m3", cadence_days=PROGRAMME_CADENCE_DAYS, starts_on=today - timedelta(days=90),
        pairs=tuple((m, s) for m in ("m3", "m5") for s in team[m][1:4]), fizzles=True)
    return kept, fizzling


class _Planner:
    def __init__(self, seed: int, today: date, org: Org) -> None:
        self.rng = random.Random(f"{seed}-coaching")
        self.today = today
        self.org = org
        self.level = {s: dict(org.profiles[s].proficiency) for s in org.sellers}
        for m, level in zip(org.managers, (3, 3, 3, 2, 1), strict=True):  # managers on their coaching behaviours
            self.level[m] = {"weekly-coaching": level, "pipeline-reviews": level}
        self.sessions: list[Session] = []
        self.tracks = 0
        self.gap_rng = random.Random(f"{seed}-gaps")
        self.open_gaps: list[tuple[datetime, int, str, int]] = []  # this track's: opened in, index, key, day

    def day(self, offset: int) -> date:
        return self.today + timedelta(days=offset)

    def current_level(self, seller: str, key: str, day: int) -> int:
        bonus = 1 if key == "exec-meetings" and self.org.profiles[seller].trained and day >= TRAINING_DAY else 0
        return min(4, self.level[seller][key] + bonus)

    def weakest(self, seller: str, day: int) -> str:
        levels = {k: self.current_level(seller, k, day) for k in BEHAVIOR_KEYS}
        low = min(levels.values())
        return self.rng.choice(sorted(k for k, v in levels.items() if v == low))

    # ---- tracks -------------------------------------------------------------------------------
    def track(self, coach: str, seller: str, first: int, last: int, cadence: int, *, programme: str | None = None,
              focus: tuple[str, ...] | None = None, ongoing: bool = True, p_complete: float = 0.88,
              quiet_cancel_from: int | None = None) -> None:
        """Sessions on first, first + cadence, ... up to `last` (day offsets); one more scheduled ahead when
        the track is still running. `quiet_cancel_from`: a fizzling pair's sessions from then are cancelled."""
        self.tracks += 1
        self.open_gaps = []
        n, day = 0, first
        while True:
            when = _weekday(self.today, day)
            if when > last or when >= 0:
                break
            keys = focus or (self.weakest(seller, when),)
            fading = quiet_cancel_from is not None and when >= quiet_cancel_from
            self.session(coach, seller, programme, when, keys, n, p_complete, fading, one_to_one=focus is None)
            n += 1
            day += cadence
        if ongoing:
            ahead = max(day, 1)
            keys = focus or (self.weakest(seller, 0),)
            self.sessions.append(Session(self.tracks, coach, seller, programme,
                                         self.at(_weekday(self.today, ahead)), keys, "scheduled"))

    def at(self, day: int) -> datetime:
        return datetime.combine(self.day(day), time(self.rng.randrange(9, 17), self.rng.choice((0, 30))), UTC)

    def session(self, coach: str, seller: str, programme: str | None, day: int, keys: tuple[str, ...], n: int,
                p_complete: float, fading: bool, *, one_to_one: bool = False) -> None:
        rng = self.rng
        scheduled = self.at(day)
        draw = rng.random()
        if fading or draw > p_complete:
            no_show = not fading and draw > p_complete + (1 - p_complete) * 0.6
            self.sessions.append(Session(self.tracks, coach, seller, programme, scheduled, keys,
                                         "no_show" if no_show else "cancelled",
                                         cancel_reason=None if no_show else rng.choice(CANCEL_REASONS)))
            return
        held = scheduled + timedelta(minutes=rng.choice((0, 5, 10)))
        observations, gaps, actions = [], [], []
        for key in keys:
            level = self.current_level(seller, key, day)
            observations.append((key, level, f"Level {level} on '{NAMES[key]}' in the deals reviewed."))
            if level <= 2:
                profile = self.org.profiles.get(seller)
                cause = profile.root_cause if profile and rng.random() < 0.6 else rng.choice(tuple(ROOT_CAUSE_WORDS))
                if key == DOMINANT_GAP[0] and self.gap_rng.random() < DOMINANT_GAP[2]:
                    cause = DOMINANT_GAP[1]
                gaps.append(Gap(key, f"{self._first(seller)} {ROOT_CAUSE_WORDS[cause]} ({NAMES[key].lower()}).",
                                cause))
                actions.append(self.action(f"Practise '{NAMES[key]}' on the next two opportunities",
                                           day, len(gaps) - 1))
                if rng.random() < 0.3:  # the conversation worked
                    self.level[seller][key] = min(4, self.level[seller][key] + 1)
        if one_to_one and OBSERVED_ALWAYS not in keys:  # no draw: the rest of the history stays as it was
            level = self.current_level(seller, OBSERVED_ALWAYS, day)
            observations.append((OBSERVED_ALWAYS, level, f"Level {level} on '{NAMES[OBSERVED_ALWAYS]}' in the "
                                                         "opportunities reviewed."))
        if not gaps and rng.random() < 0.4:
            actions.append(self.action(f"Share a recent win on '{NAMES[keys[0]]}' with the team", day, None))
        goals: tuple[Goal, ...] = ()
        if n % 4 == 0:
            ind = FIRST_INDICATOR[keys[0]]
            goals = (Goal(ind.metric_key, ind.kind, ind.target, ind.period, self.day(day + 28), rng.random() < 0.85),)
        rating = None
        if rng.random() < 0.7:
            q = COACH_QUALITY.get(coach, 3.8)
            scores = [max(1, min(5, round(rng.gauss(q, 0.7)))) for _ in range(3)]
            comment = rng.choice(("", "", "Useful: I know what to try next.", "Too much about the forecast.",
                                  "Good questions, made me think."))
            rating = (scores[0], scores[1], scores[2], comment)
        notes = (f"Focus: {', '.join(NAMES[k] for k in keys)}. Reviewed {rng.randrange(2, 5)} open opportunities "
                 f"with {self._first(seller)}.")
        private = "Check in on workload before the next review." if rng.random() < 0.25 else ""
        opens = (programme is not None and n == 0) or (bool(gaps) and rng.random() < 0.25)
        scenario = keys[0] if opens and keys[0] in WITH_SCENARIOS else None
        closures = self.closures(seller, day, {g.behavior_key for g in gaps})
        self.open_gaps += [(scheduled, i, g.behavior_key, day) for i, g in enumerate(gaps)]
        self.sessions.append(Session(
            self.tracks, coach, seller, programme, scheduled, keys, "completed", scenario=scenario, held_at=held,
            notes=notes, private_notes=private, observations=tuple(observations), gaps=tuple(gaps),
            actions=tuple(actions), goals=goals, rating=rating, closures=closures))

    def closures(self, seller: str, day: int, again: set[str]) -> tuple[tuple[datetime, int, str], ...]:
        """The track's open gaps this session closes (see the module's docstring); `again`: behaviours with a gap
        in this session."""
        closed, still = [], []
        for opened_in, index, key, opened_day in self.open_gaps:
            if self.current_level(seller, key, day) > 2:
                closed.append((opened_in, index, "resolved"))
            elif key in again and self.gap_rng.random() < 0.35:
                closed.append((opened_in, index, "persists"))
            elif day - opened_day > 42 and self.gap_rng.random() < 0.2:
                closed.append((opened_in, index, "no_longer_relevant"))
            else:
                still.append((opened_in, index, key, opened_day))
        self.open_gaps = still
        return tuple(closed)

    def action(self, description: str, day: int, gap_index: int | None) -> Action:
        due = day + self.rng.randrange(5, 15)
        if due >= 0:
            final = "open"
        else:
            draw = self.rng.random()
            final = "done" if draw < 0.75 else "dropped" if draw < 0.83 else "open"
        owner = "seller" if self.rng.random() < 0.8 else "coach"
        return Action(description, owner, self.day(due), gap_index, final)

    def _first(self, key: str) -> str:
        return self.org.person(key).name.split()[0]


def _weekday(today: date, day: int) -> int:
    """Move a day that falls on a weekend to the Monday after."""
    while (today + timedelta(days=day)).weekday() >= 5:
        day += 1
    return day


def build_coaching(seed: int, today: date, org: Org) -> Coaching:
    plan = _Planner(seed, today, org)
    kept, fizzling = programmes(org, today)
    in_programme = {(c, s): p for p in (kept, fizzling) for c, s in p.pairs}

    def start(p: Programme) -> int:
        return (p.starts_on - today).days

    # The managers' own 1:1s, split by the reorg and paused while a programme holds them.
    for i, seller in enumerate(org.sellers):
        before = org.manager_of(seller, plan.day(REORG_DAY - 1), today)
        after = org.manager_of(seller, today, today)
        first = -HISTORY_DAYS + 2 + i % MANAGER_CADENCE[before]
        if before == after:
            p = in_programme.get((after, seller))
            last = start(p) - 1 if p else -1
            plan.track(before, seller, first, last, MANAGER_CADENCE[before], ongoing=p is None)
        else:
            plan.track(before, seller, first, REORG_DAY - 1, MANAGER_CADENCE[before], ongoing=False)
            plan.track(after, seller, REORG_DAY + 1 + i % 3, -1, MANAGER_CADENCE[after])
    for p in (kept, fizzling):
        quiet = -FIZZLE_QUIET_DAYS if p.fizzles else None
        for j, (coach, seller) in enumerate(p.pairs):
            last = -1 if not p.fizzles else (-FIZZLE_QUIET_DAYS + 7 if j < 2 else -FIZZLE_QUIET_DAYS - 1)
            plan.track(coach, seller, start(p) + j % 3, last, p.cadence_days, programme=p.key,
                       focus=p.behavior_keys, ongoing=not p.fizzles, p_complete=0.8 if p.fizzles else 0.93,
                       quiet_cancel_from=quiet)
    for a in org.assignments:  # the sales engineer and the peer coach, on their scope
        first = max((a.starts_on - today).days, -HISTORY_DAYS) + 3
        last = -1 if a.ends_on is None else (a.ends_on - today).days
        if a.kind in ("sales_engineer", "peer"):
            plan.track(a.coach, a.seller, first, last, 21 if a.kind == "sales_engineer" else 14, focus=a.scope,
                       ongoing=a.ends_on is None)
    for m in org.managers:  # the leader coaches the managers on their coaching behaviours
        plan.track("leader", m, -HISTORY_DAYS + 5 + int(m[1:]), -1, 28, focus=("weekly-coaching",))
    return Coaching(programmes=(kept, fizzling), sessions=tuple(plan.sessions))
