"""Seeded generators of sales orgs with a known effect, and the coverage study of the impact estimator.

Each scenario draws an org (:class:`Org`): people, their team, the period they were treated (or None) and their
metric in every period; the pre and post windows are ``window`` periods long. :func:`replicate` builds, from one
org, exactly what the service builds (impact_service.py: a cohort per treated period, compared with the never- and
not-yet-treated over that cohort's own windows; teams as units when treatment comes by team) and calls the SAME
pure estimator (services.metrics.impact.analyse). :func:`legacy` rebuilds the estimator this project had before
(everyone compared around the median treated period, a person-level percentile bootstrap) so that the study can
show what it could not see.

Scenarios (the issue's table and more; SCENARIOS names them all):

- ``poisson_30_60``: Poisson counts, 30 treated vs 60, one treated day.
- ``seasonal_staggered``: weekly counts with yearly seasonality, a quarter-end push, person AR(1) shocks,
  gamma-Poisson overdispersion and course dates staggered over half a year; 30 treated, 40 never treated.
- ``small_8_8`` / ``small_5_5``: overdispersed counts, 8 treated vs 8 and 5 vs 5 (5 is the smallest group
  answered).
- ``team_kickoff``: a kickoff for 6 teams of a region against 10 other teams, every team with its own shock
  after the date; teams are the unit.
- ``one_team_kickoff``: a kickoff for one team with a team-wide shock: no interval can hold, the answer must be
  descriptive only.
- ``new_hires`` / ``leavers``: people hired (leaving) inside the span, 0 before joining (after leaving); each
  person counts for a treated day only when employed throughout its windows (:meth:`Person.employed`, the
  service's rule). :func:`undated` is the same org with the dates ignored.
- ``company_kickoff``: everybody kicked off on one day (daily counts, :class:`Org` ``start`` set): no
  comparison group, the service's interrupted time series (services/metrics/its.py) and its placebo answer
  (:func:`replicate_its`).

Every scenario is run without a true effect, as in the issue's study: coverage is the share of intervals that
hold the truth (0) and a false "impact" is an interval that excludes it, so the two add up to 100%. (The
generators take an effect so that tests can plant one.)
"""

from __future__ import annotations

import math
import random
import statistics
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta

from services.metrics import its
from services.metrics.impact import (
    MIN_GROUP,
    Cohort,
    ImpactDescriptive,
    ImpactEstimate,
    ImpactRefused,
    PrePost,
    analyse,
)

CONFIDENCE = 0.95


@dataclass(frozen=True)
class Person:
    pid: str
    team: str
    treated: int | None  # the first treated period
    values: tuple[float, ...]  # the metric in each period (a ratio's numerator)
    dens: tuple[float, ...] | None = None  # a ratio's denominator in each period
    hired: int | None = None  # the first period employed (None: since before the data); 0 before it
    left: int | None = None  # the last period employed (None: still employed); 0 after it

    def employed(self, first: int, last: int) -> bool:
        """Employed on every period of [first, last] (the service's rule: impact_service.Employment)."""
        return (self.hired is None or self.hired <= first) and (self.left is None or self.left >= last)


@dataclass(frozen=True)
class Org:
    people: tuple[Person, ...]
    window: int  # periods in a pre or post window
    truth: float  # the planted effect per person over a post window
    by_team: bool  # treatment (and shocks) come by team: teams are the unit
    start: date | None = None  # set: periods are days from this date and everybody was treated on one day (a
    # company-wide kickoff, no comparison group): the service's interrupted time series (its.py) answers


def series_of(org: Org) -> list[float]:
    """A daily org's metric per person and day: the mean over the people employed that day (as the service)."""
    out = []
    for d in range(len(org.people[0].values)):
        here = [p.values[d] for p in org.people if p.employed(d, d)]
        out.append(math.fsum(here) / len(here))
    return out


def replicate_its(org: Org) -> tuple[its.SeriesEstimate, its.SeriesEstimate]:
    """The estimate and its placebo, as the service makes them for a company-wide kickoff."""
    assert org.start is not None
    day = org.people[0].treated
    assert day is not None
    return its.with_placebo(series_of(org), org.start, org.start + timedelta(days=day), org.window)


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth's product method, halving large means)."""
    if mean > 30:
        return poisson(rng, mean / 2) + poisson(rng, mean / 2)
    limit, k, p = math.exp(-mean), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def overdispersed(rng: random.Random, mean: float, shape: float) -> int:
    """A negative binomial (gamma-Poisson) draw with variance mean + mean^2 / shape, by inversion."""
    if mean <= 0:
        return 0
    q = mean / (shape + mean)
    p = (1.0 - q) ** shape
    u, k, cdf = rng.random(), 0, p
    while u > cdf and p > 1e-300:
        p *= (k + shape) / (k + 1) * q
        cdf += p
        k += 1
    return k


def two_windows(rng: random.Random, n_t: int, n_c: int, effect: float, draw: Callable[[float], float],
                levels: tuple[float, float]) -> Org:
    people = []
    for i in range(n_t + n_c):
        treated = i < n_t
        level = rng.uniform(*levels)
        pre, post = draw(level), draw(level * 1.05 + (effect if treated else 0.0))
        people.append(Person(f"p{i}", f"p{i}", 1 if treated else None, (pre, post)))
    return Org(tuple(people), 1, effect, False)


def poisson_30_60(rng: random.Random, effect: float) -> Org:
    return two_windows(rng, 30, 60, effect, lambda m: poisson(rng, m), (5.0, 25.0))


def small_8_8(rng: random.Random, effect: float) -> Org:
    return two_windows(rng, 8, 8, effect, lambda m: overdispersed(rng, m, 4.0), (4.0, 20.0))


def small_5_5(rng: random.Random, effect: float) -> Org:
    return two_windows(rng, 5, 5, effect, lambda m: overdispersed(rng, m, 4.0), (4.0, 20.0))


def seasonal_staggered(rng: random.Random, effect: float, size: int = 70, *, hires: float = 0.0,
                       leavers: float = 0.0) -> Org:
    """``hires`` / ``leavers``: the share of people hired (left) at a random week inside the span; their weeks
    before joining (after leaving) hold 0, as the service's data would. A treated new hire takes the course
    within their first 8 weeks (onboarding)."""
    weeks, window = 36, 4
    per_week = effect / window
    company = [rng.gauss(0.0, 0.08) for _ in range(weeks)]  # a shock every week shared by everyone
    people = []
    for i in range(size):
        treated = rng.randint(4, 28) if i < 30 else None
        hired = rng.randint(2, 24) if hires and rng.random() < hires else None  # (no draw without: the
        left = rng.randint(8, 34) if leavers and rng.random() < leavers else None  # scenarios keep their orgs)
        if hired is not None and left is not None and left < hired + 4:
            left = None
        if hired is not None and treated is not None:
            treated = min(28, max(4, hired + rng.randint(0, 8)))
        base = rng.uniform(2.0, 10.0)
        shock, values = 0.0, []
        for w in range(weeks):
            shock = 0.6 * shock + rng.gauss(0.0, 0.25)  # AR(1) person shock
            season = 1.0 + 0.35 * math.sin(2 * math.pi * w / 52)
            push = 1.7 if w % 13 >= 11 else 1.0  # the last two weeks of a quarter
            mean = base * season * push * math.exp(shock + company[w])
            if treated is not None and w >= treated:
                mean += per_week
            employed = (hired is None or w >= hired) and (left is None or w <= left)
            values.append(float(overdispersed(rng, mean, 3.0)) if employed else 0.0)
        people.append(Person(f"p{i}", f"p{i}", treated, tuple(values), hired=hired, left=left))
    return Org(tuple(people), window, effect, False)


def new_hires(rng: random.Random, effect: float) -> Org:
    """Weekly Poisson counts, a course on week 4 (4-week windows), 90 people of whom 20% were hired inside the
    "before" window (0 before joining); a new hire takes the course twice as often (onboarding), so ignoring
    their missing weeks would pass for an effect."""
    people = []
    for i in range(90):
        hired = rng.randint(1, 3) if rng.random() < 0.2 else None
        treated = 4 if rng.random() < (0.6 if hired is not None else 0.3) else None
        level = rng.uniform(1.25, 6.25)
        values = tuple(float(poisson(rng, level * (1.05 if w >= 4 else 1.0)
                                     + (effect / 4 if treated is not None and w >= 4 else 0.0)))
                       if hired is None or w >= hired else 0.0 for w in range(8))
        people.append(Person(f"p{i}", f"p{i}", treated, values, hired=hired))
    return Org(tuple(people), 4, effect, False)


def leavers(rng: random.Random, effect: float) -> Org:
    return seasonal_staggered(rng, effect, leavers=0.2)


def _teams(rng: random.Random, effect: float, treated_teams: int, other_teams: int) -> Org:
    people = []
    for k in range(treated_teams + other_teams):
        treated = k < treated_teams
        team_shock = rng.gauss(0.0, 2.5)  # after the date: a new territory, a lost key account …
        for j in range(rng.randint(5, 9)):
            level = rng.uniform(6.0, 20.0)
            pre = float(overdispersed(rng, level, 5.0))
            post = float(overdispersed(rng, max(0.1, level + team_shock + (effect if treated else 0.0)), 5.0))
            people.append(Person(f"t{k}p{j}", f"t{k}", 1 if treated else None, (pre, post)))
    return Org(tuple(people), 1, effect, True)


def team_kickoff(rng: random.Random, effect: float) -> Org:
    return _teams(rng, effect, 6, 10)


def four_team_kickoff(rng: random.Random, effect: float) -> Org:
    return _teams(rng, effect, 4, 6)


def win_rate(rng: random.Random, effect: float) -> Org:
    """Won / closed deals per person, deal-weighted: deal counts and win rates differ a lot between people, and
    everyone's win rate drifts up between the windows."""
    people = []
    for i in range(100):
        treated = i < 40
        deals, rate = rng.uniform(2.0, 15.0), rng.uniform(0.15, 0.45)
        pre_closed, post_closed = poisson(rng, deals), poisson(rng, deals * 1.1)
        post_rate = min(1.0, rate + 0.04 + (effect if treated else 0.0))
        pre_won = sum(rng.random() < rate for _ in range(pre_closed))
        post_won = sum(rng.random() < post_rate for _ in range(post_closed))
        people.append(Person(f"p{i}", f"p{i}", 1 if treated else None, (float(pre_won), float(post_won)),
                             (float(pre_closed), float(post_closed))))
    return Org(tuple(people), 1, effect, False)


def rollout_to_everyone(rng: random.Random, effect: float) -> Org:
    """A course everyone takes, at dates staggered over half a year: only the not yet treated compare (the last
    days, with fewer than MIN_GROUP left to compare with, are left out)."""
    org = seasonal_staggered(rng, effect, size=50)
    people = tuple(Person(p.pid, p.team, p.treated if p.treated is not None else rng.randint(4, 28), p.values)
                   for p in org.people)
    return Org(people, org.window, org.truth, False)


def one_team_kickoff(rng: random.Random, effect: float) -> Org:
    return _teams(rng, effect, 1, 10)


def company_kickoff(rng: random.Random, effect: float, people: int = 40, window: int = 28) -> Org:
    """Everybody kicked off on one day: daily counts with a weekday pattern, a quarter-end push, a trend, a mild
    yearly swing, weekly AR(1) shocks per person, a weekly shock shared by the company and gamma-Poisson
    overdispersion; exactly the history the estimate needs before the day (its.history_needed)."""
    need = its.history_needed(window)
    days = need + window
    start = date(2024, 1, 1) + timedelta(days=rng.randint(0, 364))
    weeks = days // 7 + 2
    company = [rng.gauss(0.0, 0.08) for _ in range(weeks)]
    weekday = (1.0, 1.1, 1.1, 1.0, 0.8, 0.1, 0.05)
    shape = []
    for i in range(days):
        d = start + timedelta(days=i)
        next_quarter = date(d.year + (d.month > 9), (3 * ((d.month - 1) // 3) + 3) % 12 + 1, 1)
        push = 1.6 if (next_quarter - d).days <= 14 else 1.0
        trend, yearly = 1.0 + 0.15 * i / 365, 1.0 + 0.1 * math.sin(2 * math.pi * d.timetuple().tm_yday / 365.25)
        shape.append(weekday[d.weekday()] * push * trend * yearly * math.exp(company[i // 7]))
    per_day = effect / window
    out = []
    for k in range(people):
        base, shock, values = rng.uniform(0.4, 2.0), 0.0, []
        for i in range(days):
            if i % 7 == 0:
                shock = 0.6 * shock + rng.gauss(0.0, 0.25)
            mean = base * shape[i] * math.exp(shock) + (per_day if i >= need else 0.0)
            values.append(float(overdispersed(rng, mean, 3.0)))
        out.append(Person(f"p{k}", f"p{k}", need, tuple(values)))
    return Org(tuple(out), window, effect, False, start)


SCENARIOS: dict[str, tuple[Callable[[random.Random, float], Org], str]] = {
    # name: (generator of an org given the effect per person and post window, what it is)
    "poisson_30_60": (poisson_30_60, "Poisson counts, 30 treated vs 60"),
    "seasonal_staggered": (seasonal_staggered, "seasonal, overdispersed, AR(1) shocks, quarter-end push, "
                                                    "staggered course dates (30 vs 40)"),
    "small_8_8": (small_8_8, "8 treated vs 8, overdispersed"),
    "small_5_5": (small_5_5, "5 treated vs 5, overdispersed"),
    "win_rate": (win_rate, "win rate (won / closed deals, deal-weighted), 40 vs 60, deal counts 2-15 per "
                           "person"),
    "rollout_to_everyone": (rollout_to_everyone, "a course everyone takes, staggered, seasonal: only the not yet "
                                                 "treated compare (50 people)"),
    "new_hires": (new_hires, "20% new hires inside the \"before\" window (0 before joining; they take the course "
                             "twice as often), Poisson counts, 90 people"),
    "leavers": (leavers, "20% leavers inside the span (0 after leaving), seasonal, staggered (30 vs 40)"),
    "team_kickoff": (team_kickoff, "kickoff for 6 teams vs 10 teams, team-wide shocks"),
    "four_team_kickoff": (four_team_kickoff, "kickoff for 4 teams vs 6 teams, team-wide shocks (the fewest "
                                             "teams given an interval)"),
    "one_team_kickoff": (one_team_kickoff, "kickoff for one team vs 10 teams, team-wide shocks"),
    "company_kickoff": (company_kickoff, "company-wide kickoff, no comparison group (40 people, daily counts: "
                                         "trend, weekday pattern, quarter-end push, yearly swing, AR(1) and "
                                         "company-wide weekly shocks): interrupted time series"),
}


def _window(p: Person, start: int, window: int) -> PrePost:
    pre, post = math.fsum(p.values[start - window:start]), math.fsum(p.values[start:start + window])
    if p.dens is None:
        return PrePost(p.pid, pre, post)
    return PrePost.ratio(p.pid, pre_num=pre, pre_den=math.fsum(p.dens[start - window:start]), post_num=post,
                         post_den=math.fsum(p.dens[start:start + window]))


def cohorts_of(org: Org) -> list[Cohort]:
    """As the service builds them: one cohort per treated period; its comparison: the never treated and those
    treated after the cohort's post window, all over the cohort's windows; a day with fewer than MIN_GROUP
    people to compare with is left out."""
    w = org.window
    days = sorted({p.treated for p in org.people if p.treated is not None and p.employed(p.treated - w,
                                                                                         p.treated + w - 1)})
    out = []
    for day in days:
        comparison = [_window(p, day, w) for p in org.people if (p.treated is None or p.treated > day + w - 1)
                      and p.employed(day - w, day + w - 1)]
        if len(comparison) < MIN_GROUP:  # nobody left to compare with: the service leaves the day out too
            continue
        out.append(Cohort([_window(p, day, w) for p in org.people if p.treated == day
                           and p.employed(day - w, day + w - 1)], comparison))
    return out


def replicate(org: Org) -> ImpactEstimate | ImpactDescriptive | ImpactRefused:
    clusters = {p.pid: p.team for p in org.people} if org.by_team else None
    try:
        return analyse(cohorts_of(org), clusters=clusters, confidence=CONFIDENCE)
    except ImpactRefused as refused:
        return refused


def legacy(org: Org, rng: random.Random, resamples: int = 400) -> tuple[float, float] | None:
    """The former estimator: the comparison measured around the median treated period, a person-level
    percentile bootstrap of the difference of mean changes (plain metrics; None where it gave no answer: fewer
    than MIN_GROUP never treated)."""
    w = org.window
    median = statistics.median_low(sorted(p.treated for p in org.people if p.treated is not None))
    t = [_window(p, p.treated, w) for p in org.people if p.treated is not None]
    c = [_window(p, median, w) for p in org.people if p.treated is None]
    if len(c) < MIN_GROUP:
        return None
    t_d, c_d = [r.post - r.pre for r in t], [r.post - r.pre for r in c]
    effects = sorted(sum(rng.choices(t_d, k=len(t_d))) / len(t_d) - sum(rng.choices(c_d, k=len(c_d))) / len(c_d)
                     for _ in range(resamples))
    tail = (1 - CONFIDENCE) / 2
    return effects[round(tail * (resamples - 1))], effects[round((1 - tail) * (resamples - 1))]


@dataclass(frozen=True)
class Result:
    scenario: str
    replications: int
    intervals: int  # replications that got an interval
    covered: int  # intervals holding the truth (no effect: 0)
    descriptive: int  # descriptive-only answers (no interval)
    refused: int
    mean_effect: float  # mean estimate over the intervals (the truth is 0: this is the bias)
    legacy_covered: int | None = None  # the former estimator, same orgs (None: not run or never answered)
    legacy_answers: int = 0  # replications the former estimator answered
    undated_covered: int | None = None  # orgs with hires or leavers: the estimator with employment dates ignored
    undated_intervals: int = 0
    placebo_covered: int | None = None  # the time series' placebo check (a fake date one window earlier)
    placebo_intervals: int = 0

    @property
    def coverage(self) -> float | None:
        return self.covered / self.intervals if self.intervals else None

    @property
    def false_positive_rate(self) -> float | None:
        """With no true effect, an interval that misses the truth excludes 0: a false "impact"."""
        return 1.0 - self.covered / self.intervals if self.intervals else None

    @property
    def legacy_coverage(self) -> float | None:
        return self.legacy_covered / self.legacy_answers if self.legacy_covered is not None else None

    @property
    def undated_coverage(self) -> float | None:
        return self.undated_covered / self.undated_intervals if self.undated_covered is not None else None

    @property
    def placebo_coverage(self) -> float | None:
        return self.placebo_covered / self.placebo_intervals if self.placebo_covered is not None else None

    def as_json(self) -> dict[str, object]:
        out: dict[str, object] = {k: getattr(self, k) for k in (
            "scenario", "replications", "intervals", "covered", "descriptive", "refused", "mean_effect",
            "coverage", "false_positive_rate", "legacy_covered", "legacy_answers", "legacy_coverage",
            "undated_covered", "undated_intervals", "undated_coverage", "placebo_covered", "placebo_intervals",
            "placebo_coverage")}
        out["description"] = SCENARIOS[self.scenario][1]
        return out


def orgs(name: str, replications: int, *, seed: int = 2026) -> Iterator[Org]:
    """The scenario's orgs without a true effect, each from its own seed."""
    generate, _ = SCENARIOS[name]
    for r in range(replications):
        yield generate(random.Random(f"{seed}/{name}/{r}"), 0.0)


def undated(org: Org) -> Org:
    """The org as the service saw it before employment dates: everybody in every window, 0 when not employed."""
    return replace(org, people=tuple(replace(p, hired=None, left=None) for p in org.people))


def study(name: str, replications: int, *, seed: int = 2026, with_legacy: bool = False,
          legacy_resamples: int = 400, drawn: Iterable[Org] | None = None) -> Result:
    """Run the scenario ``replications`` times without a true effect (or over the orgs ``drawn``)."""
    covered = descriptive = refused = legacy_covered = legacy_answers = runs = 0
    undated_covered = undated_intervals = placebo_covered = placebo_intervals = 0
    effects: list[float] = []
    for r, org in enumerate(orgs(name, replications, seed=seed) if drawn is None else drawn):
        runs += 1
        if org.start is not None:
            found_its, placebo = replicate_its(org)
            covered += found_its.low <= org.truth <= found_its.high
            effects.append(found_its.effect)
            placebo_intervals += 1
            placebo_covered += placebo.low <= 0.0 <= placebo.high
            continue
        found = replicate(org)
        if isinstance(found, ImpactRefused):
            refused += 1
        elif isinstance(found, ImpactDescriptive):
            descriptive += 1
        else:
            covered += found.low <= org.truth <= found.high
            effects.append(found.effect)
        if any(p.hired is not None or p.left is not None for p in org.people):
            without = replicate(undated(org))
            if isinstance(without, ImpactEstimate):
                undated_intervals += 1
                undated_covered += without.low <= org.truth <= without.high
        if with_legacy and org.people[0].dens is None:
            former = legacy(org, random.Random(r), legacy_resamples)
            if former is not None:
                legacy_answers += 1
                legacy_covered += former[0] <= org.truth <= former[1]
    return Result(name, runs, len(effects), covered, descriptive, refused,
                  statistics.fmean(effects) if effects else 0.0, legacy_covered if legacy_answers else None,
                  legacy_answers, undated_covered if undated_intervals else None, undated_intervals,
                  placebo_covered if placebo_intervals else None, placebo_intervals)
