"""The coaching queue's scoring: whom a coach should coach next, on which behaviour, and why.

Pure and deterministic: plain data in (`SellerFacts`, gathered from the read model by `coaching_queue.py`),
plain data out (`Scored`); no clock, no I/O. The same inputs always give the same score,
the same reasons in the same order and the same ranking.

A seller's score is the sum of the weights of their reasons (each rounded to 2 decimals), capped at 100:

| reason kind          | weight                                                                    | at most |
|----------------------|---------------------------------------------------------------------------|---------|
| `gap`                | 40 x relative shortfall x priority factor, the biggest gap in scope       | 40      |
| `trend`              | 5 per in-scope indicator behind target that moves the wrong way           | 15      |
| `since_last_session` | 20 x min(days since the last completed session with this coach, 60) / 60 | 20      |
|                      | (20 when there is none in the lookback window)                            |         |
| `overdue_actions`    | 5 per open action of this pair due before `on`                            | 15      |
| `cadence_due`        | 10 when a programme pair of the two is due (the most overdue one named)   | 10      |
| `ratings_falling`    | 10 when the seller coaches and their sellers' mean rating of the sessions | 10      |
|                      | they held fell by 0.25 or more (of 5) against the previous period          |         |
| `pairs_overdue`      | 5 per programme pair the seller coaches that is due (cadence not kept)    | 15      |
| `review_due`         | 10 per goal agreed with this coach whose review day has come, unreviewed  | 20      |
| `gap_persists`       | 10 per open gap of the seller in scope that did not move after N sessions | 20      |

The last two coach the coaches: a leader's queue ranks the managers below them by how they coach, not
only by how they sell (their coaching indicators reach them as `gap` and `trend` through their scorecard).

- **In scope**: the behaviour keys of the coach's links to the seller on `on` (assignments with a scope);
  any link without a scope (e.g. the implicit manager link) puts every behaviour of the seller's
  scorecard in scope. Indicators outside the scope never count, not even for the trend.
- **Relative shortfall** of an indicator judged `at_risk` or `off_track` on the seller's scorecard:
  `(expected - actual) / expected` for a `gte` indicator, `(actual - expected) / expected` for `lte`
  (lower is better), clamped to [0, 1]; 1 when `expected` is 0 and the indicator is still behind.
  `on_track` and `no_data` indicators have none.
- **Priority factor** of the behaviour (priority 1 = highest … 5): `1 - 0.1 x (priority - 1)`, i.e. 1.0,
  0.9, 0.8, 0.7, 0.6 (3 when the behaviours service does not say).
- **The focus** is the in-scope indicator with the biggest `shortfall x priority factor` (ties: the higher
  priority, then behaviour key, then metric key); its behaviour is the focus suggestion and the `gap`
  reason. With no gap in scope, the focus is the in-scope behaviour of the highest priority on the
  scorecard (ties: key), without a `gap` reason; with no figures at all there is no focus.
- **Wrong way**: `down` for a `gte` indicator, `up` for `lte`; only indicators behind target count
  (biggest shortfall first, ties as for the focus).
- **Programme due**: a pair is in its programme on `on` when max(joined_on, starts_on) <= on <=
  min(left_on - 1, ends_on); it is due when the days since its last completed session in that programme
  (or since the pair's first day in it, with none) reach `cadence_days`.
- **Ratings**: the mean over the three dimensions (relevant, developmental, motivational) of the seller's
  ratings as a coach, each a pooled ratio of the period (the scorecard period holding `on`, elapsed days)
  and of the previous period; only when both have rated sessions.
- **Pairs overdue**: programme pairs in which the seller is the coach, in their programme on `on` and due by
  the rule above.
- **Review due**: a goal of the pair whose terms in force (its agreed revision) reached their review day on
  or before `on` and have no review yet; the earliest is named with its progress (goal_progress.py) when the
  caller may see it.
- **Gap persists**: an open gap of the seller (named in any coach's session) on a behaviour in scope, after which
  the seller has held at least N completed sessions (any coach; `UPLIFT_METRICS_GAP_PERSISTS_SESSIONS`, default
  3), and none of its behaviour's indicators moved the right way over the equal windows before and since its
  opening (gap_evaluation.py; a gap without figures has not moved either); the oldest is named with its figures.
- Reasons with weight 0 are left out. Ranking: score descending, then name (case-insensitive), then id.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

GAP_WEIGHT = 40.0
TREND_WEIGHT = 5.0
TREND_MAX = 3
SINCE_WEIGHT = 20.0
SINCE_FULL_DAYS = 60
OVERDUE_WEIGHT = 5.0
OVERDUE_MAX = 3
CADENCE_WEIGHT = 10.0
RATINGS_WEIGHT = 10.0
RATINGS_DROP = 0.25
PAIRS_WEIGHT = 5.0
PAIRS_MAX = 3
REVIEW_WEIGHT = 10.0
REVIEW_MAX = 2
PERSISTS_WEIGHT = 10.0
PERSISTS_MAX = 2
PRIORITY_STEP = 0.1
DEFAULT_PRIORITY = 3
LOOKBACK_DAYS = 180  # how far back the last session is looked for (more when a cadence is longer)
BEHIND = ("at_risk", "off_track")

FORMULA = (
    f"score = sum of the reasons' weights (each rounded to 2 decimals), capped at 100. "
    f"gap: {GAP_WEIGHT:g} x relative shortfall x priority factor of the biggest gap in the coach's scope "
    f"(shortfall = (expected - actual) / expected for gte, (actual - expected) / expected for lte, clamped to "
    f"[0, 1], at_risk and off_track indicators only; priority factor = 1 - {PRIORITY_STEP:g} x (priority - 1)). "
    f"trend: {TREND_WEIGHT:g} per in-scope indicator behind target moving the wrong way (down for gte, up for "
    f"lte), at most {TREND_MAX}. since_last_session: {SINCE_WEIGHT:g} x min(days since the last completed "
    f"session with this coach, {SINCE_FULL_DAYS}) / {SINCE_FULL_DAYS}, {SINCE_WEIGHT:g} with none in the "
    f"lookback window. overdue_actions: {OVERDUE_WEIGHT:g} per open action of the pair due before `on`, at most "
    f"{OVERDUE_MAX}. cadence_due: {CADENCE_WEIGHT:g} when a programme pair of the two has gone cadence_days or "
    f"more without a completed session in the programme. ratings_falling: {RATINGS_WEIGHT:g} when the seller "
    f"coaches and the mean rating their sellers gave their sessions (the three dimensions) fell by "
    f"{RATINGS_DROP:g} or more against the previous period. pairs_overdue: {PAIRS_WEIGHT:g} per programme pair "
    f"the seller coaches that has gone cadence_days or more without a session, at most {PAIRS_MAX}. "
    f"review_due: {REVIEW_WEIGHT:g} per goal agreed with this coach whose review day has come without a review, "
    f"at most {REVIEW_MAX}. "
    f"gap_persists: {PERSISTS_WEIGHT:g} per open gap in scope that did not move the right way after N sessions, at "
    f"most {PERSISTS_MAX}. "
    f"Ties: name, then id."
)


@dataclass(frozen=True)
class IndicatorFigure:
    """One indicator of the seller's scorecard (the metrics service's figures)."""

    behavior_key: str
    behavior_name: str
    metric_key: str
    comparator: str  # gte | lte
    expected: float
    actual: float | None
    status: str  # on_track | at_risk | off_track | no_data
    trend: str  # up | down | flat | no_data
    priority: int = DEFAULT_PRIORITY


@dataclass(frozen=True)
class ProgrammeFacts:
    """One programme the coach and the seller are a pair of on `on`."""

    programme_id: str
    name: str
    cadence_days: int
    since: date  # the last completed session in the programme, or the pair's first day in it
    last_session_on: date | None


@dataclass(frozen=True)
class Ratings:
    """The mean rating (1-5, over the three dimensions) the seller's own sellers gave their sessions."""

    now: float
    before: float
    sessions: int  # rated sessions in the period


@dataclass(frozen=True)
class PairDue:
    """A programme pair in which the seller coaches, due on `on`."""

    programme_name: str
    coachee_name: str
    cadence_days: int
    waited: int  # days since the pair's last session in the programme (or its first day in it)


@dataclass(frozen=True)
class GoalDue:
    """A goal of the pair due for review on `on`, with its progress when the caller may see it."""

    metric_key: str
    target: float
    period: str
    review_on: date
    actual: float | None = None
    expected: float | None = None
    status: str | None = None  # goal_progress.py's status; None when not visible


@dataclass(frozen=True)
class GapPersisting:
    """An open gap of the seller whose indicators did not move the right way after `sessions` sessions."""

    behavior_key: str
    root_cause: str
    opened_on: date
    sessions: int
    metric_key: str | None = None  # the first indicator with figures on both sides, if any
    before: float | None = None
    after: float | None = None
    days: int = 0


@dataclass(frozen=True)
class SellerFacts:
    seller_id: str
    name: str
    scope: tuple[str, ...] | None  # behaviour keys; None = every behaviour
    figures: tuple[IndicatorFigure, ...] = ()
    last_session_on: date | None = None
    overdue_due_dates: tuple[date, ...] = ()  # open actions of the pair due before `on`
    programmes: tuple[ProgrammeFacts, ...] = ()
    ratings: Ratings | None = None  # as a coach; None when not rated in both periods
    pairs_due: tuple[PairDue, ...] = ()  # as a coach in programmes
    pairs_in_force: int = 0  # programme pairs the seller coaches on `on`
    reviews_due: tuple[GoalDue, ...] = ()  # goals of the pair due for review, earliest first
    gaps_persisting: tuple[GapPersisting, ...] = ()  # open gaps in scope that did not move, oldest first


@dataclass(frozen=True)
class Reason:
    kind: str  # gap | trend | since_last_session | overdue_actions | cadence_due | review_due | ratings_falling |
    #            pairs_overdue | gap_persists
    weight: float
    detail: str
    behavior_key: str | None = None
    metric_key: str | None = None
    programme_id: str | None = None


@dataclass(frozen=True)
class Focus:
    behavior_key: str
    behavior_name: str
    metric_key: str | None
    relative_gap: float | None
    why: str


@dataclass(frozen=True)
class Scored:
    facts: SellerFacts
    score: float
    reasons: tuple[Reason, ...]
    focus: Focus | None
    days_since_last_session: int | None
    in_scope: tuple[IndicatorFigure, ...] = field(default=())


def priority_factor(priority: int) -> float:
    return 1.0 - PRIORITY_STEP * (min(max(priority, 1), 5) - 1)


def in_scope(figures: Iterable[IndicatorFigure], scope: Sequence[str] | None) -> tuple[IndicatorFigure, ...]:
    return tuple(f for f in figures if scope is None or f.behavior_key in scope)


def shortfall(f: IndicatorFigure) -> float:
    """How far behind target the indicator is, relative to what was expected (0 when not behind)."""
    if f.status not in BEHIND or f.actual is None:
        return 0.0
    if f.expected <= 0:
        return 1.0
    missing = f.expected - f.actual if f.comparator == "gte" else f.actual - f.expected
    return min(1.0, max(0.0, missing / f.expected))


def wrong_way(f: IndicatorFigure) -> bool:
    return f.trend == ("up" if f.comparator == "lte" else "down")


def _gap_order(f: IndicatorFigure) -> tuple[float, int, str, str]:
    """Biggest weighted shortfall first (compared at 6 decimals, so float noise never decides a tie)."""
    return (-round(shortfall(f) * priority_factor(f.priority), 6), f.priority, f.behavior_key, f.metric_key)


def _w(value: float) -> float:
    return round(value, 2)


def _pct(value: float) -> str:
    return f"{round(value * 100):d}%"


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}".rstrip("0").rstrip(".")


def focus_of(figures: Sequence[IndicatorFigure]) -> Focus | None:
    """The focus suggestion among in-scope indicators (see the module docstring)."""
    behind = sorted((f for f in figures if shortfall(f) > 0), key=_gap_order)
    if behind:
        f = behind[0]
        return Focus(f.behavior_key, f.behavior_name, f.metric_key, round(shortfall(f), 4),
                     f"Biggest gap vs target in scope: {f.metric_key} at {_num(f.actual)} against "
                     f"{_num(f.expected)} expected ({_pct(shortfall(f))} {'short' if f.comparator == 'gte' else 'over'}"
                     f", {f.status.replace('_', ' ')}, trend {f.trend.replace('_', ' ')}), priority {f.priority}.")
    if not figures:
        return None
    f = min(figures, key=lambda x: (x.priority, x.behavior_key))
    return Focus(f.behavior_key, f.behavior_name, None, None,
                 f"On track on every indicator in scope: {f.behavior_name} is the highest-priority behaviour "
                 f"(priority {f.priority}) to build on.")


def score_seller(facts: SellerFacts, on: date, lookback_days: int = LOOKBACK_DAYS) -> Scored:
    figures = in_scope(facts.figures, facts.scope)
    reasons: list[Reason] = []
    focus = focus_of(figures)
    if focus is not None and focus.relative_gap:
        f = next(x for x in figures if (x.behavior_key, x.metric_key) == (focus.behavior_key, focus.metric_key))
        reasons.append(Reason("gap", _w(GAP_WEIGHT * shortfall(f) * priority_factor(f.priority)), focus.why,
                              f.behavior_key, f.metric_key))
    falling = sorted((f for f in figures if shortfall(f) > 0 and wrong_way(f)), key=_gap_order)[:TREND_MAX]
    for f in falling:
        reasons.append(Reason("trend", _w(TREND_WEIGHT),
                              f"{f.metric_key} ({f.behavior_name}) is behind target and trending "
                              f"{f.trend} vs the previous period.", f.behavior_key, f.metric_key))
    days_since = None if facts.last_session_on is None else max(0, (on - facts.last_session_on).days)
    if days_since is None:
        reasons.append(Reason("since_last_session", _w(SINCE_WEIGHT),
                              f"No completed session with you in the last {lookback_days} days."))
    else:
        weight = _w(SINCE_WEIGHT * min(days_since, SINCE_FULL_DAYS) / SINCE_FULL_DAYS)
        if weight > 0:
            reasons.append(Reason("since_last_session", weight,
                                  f"Last completed session with you {days_since} day(s) ago "
                                  f"({facts.last_session_on})."))
    if facts.overdue_due_dates:
        n, oldest = len(facts.overdue_due_dates), min(facts.overdue_due_dates)
        reasons.append(Reason("overdue_actions", _w(OVERDUE_WEIGHT * min(n, OVERDUE_MAX)),
                              f"{n} open action(s) agreed with you past due (the oldest due {oldest}, "
                              f"{(on - oldest).days} day(s) ago)."))
    due = sorted(((p, (on - p.since).days) for p in facts.programmes if (on - p.since).days >= p.cadence_days),
                 key=lambda pd: (-(pd[1] - pd[0].cadence_days), pd[0].name, pd[0].programme_id))
    if due:
        p, waited = due[0]
        last = (f"the last one in it {waited} day(s) ago ({p.last_session_on})" if p.last_session_on
                else f"none in it since the pair joined {waited} day(s) ago")
        more = f"; {len(due) - 1} more programme(s) due" if len(due) > 1 else ""
        reasons.append(Reason("cadence_due", _w(CADENCE_WEIGHT),
                              f"Programme '{p.name}' expects a session every {p.cadence_days} day(s): {last}{more}.",
                              programme_id=p.programme_id))
    reasons += _review_reasons(facts, on)
    reasons += _persisting_reasons(facts)
    reasons += _coaching_reasons(facts)
    kept = tuple(r for r in reasons if r.weight > 0)
    return Scored(facts, min(100.0, _w(sum(r.weight for r in kept))), kept, focus, days_since, figures)


def _review_reasons(facts: SellerFacts, on: date) -> list[Reason]:
    if not facts.reviews_due:
        return []
    g = facts.reviews_due[0]
    figures = (f": {_num(g.actual)} against {_num(g.expected)} expected so far, {g.status.replace('_', ' ')}"
               if g.status is not None else "")
    more = f"; {len(facts.reviews_due) - 1} more goal(s) due" if len(facts.reviews_due) > 1 else ""
    return [Reason("review_due", _w(REVIEW_WEIGHT * min(len(facts.reviews_due), REVIEW_MAX)),
                   f"Goal on {g.metric_key} ({_num(g.target)} per {g.period}) due for review since {g.review_on} "
                   f"({(on - g.review_on).days} day(s)){figures}{more}.", metric_key=g.metric_key)]


def _persisting_reasons(facts: SellerFacts) -> list[Reason]:
    if not facts.gaps_persisting:
        return []
    g = facts.gaps_persisting[0]
    figures = (f"{g.metric_key} {_num(g.before)} over the {g.days} day(s) before it, {_num(g.after)} since"
               if g.metric_key is not None else "no indicator evidence of a change")
    more = f"; {len(facts.gaps_persisting) - 1} more gap(s) persist" if len(facts.gaps_persisting) > 1 else ""
    return [Reason("gap_persists", _w(PERSISTS_WEIGHT * min(len(facts.gaps_persisting), PERSISTS_MAX)),
                   f"Gap on {g.behavior_key} ({g.root_cause}) open since {g.opened_on}, {g.sessions} session(s) "
                   f"since and not moving: {figures}{more}.", behavior_key=g.behavior_key, metric_key=g.metric_key)]


def _coaching_reasons(facts: SellerFacts) -> list[Reason]:
    """How the seller coaches their own sellers (for a leader's or second-line manager's queue)."""
    out = []
    r = facts.ratings
    if r is not None and r.before - r.now >= RATINGS_DROP - 1e-9:
        out.append(Reason("ratings_falling", _w(RATINGS_WEIGHT),
                          f"Their sellers rate the sessions they hold {_num(r.now)} of 5 on average this period "
                          f"({r.sessions} rated), down from {_num(r.before)} the period before."))
    if facts.pairs_due:
        due = sorted(facts.pairs_due, key=lambda p: (-(p.waited - p.cadence_days), p.programme_name, p.coachee_name))
        worst = due[0]
        out.append(Reason("pairs_overdue", _w(PAIRS_WEIGHT * min(len(due), PAIRS_MAX)),
                          f"{len(due)} of the {facts.pairs_in_force} programme pair(s) they coach are overdue; the "
                          f"longest: {worst.coachee_name} in '{worst.programme_name}', {worst.waited} day(s) without "
                          f"a session against a {worst.cadence_days}-day cadence."))
    return out


def rank(sellers: Iterable[SellerFacts], on: date, lookback_days: int = LOOKBACK_DAYS) -> list[Scored]:
    """Every seller scored, best candidate first (score descending, then name, then id)."""
    scored = [score_seller(s, on, lookback_days) for s in sellers]
    return sorted(scored, key=lambda s: (-s.score, s.facts.name.casefold(), s.facts.seller_id))
