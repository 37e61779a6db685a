"""Impact of an intervention on a metric: difference in differences with aligned comparisons and an interval that
holds its level at every size (a t interval on whole units: persons or teams).

Pure statistics: no database, no I/O. The service layer (impact_service.py) gathers the observations and calls
:func:`analyse` (or, for one treated day, :func:`estimate`). docs/impact.md explains the method in words; the
simulation study (bench/impact_coverage.py, tests/metrics/test_impact_coverage.py) checks that it holds.

Observations (:class:`PrePost`)
-------------------------------
One person's metric over a pre and a post window, in one of two kinds (all observations of one estimate share a
kind):

- **plain** — ``PrePost(person_id, pre, post)``: the person's value in each window (calls per window …). A
  group's value in a window is the **mean of its persons' values**.
- **ratio** — ``PrePost.ratio(person_id, pre_num=, pre_den=, post_num=, post_den=)``: numerator and denominator
  in each window (win rate = won / closed …). With ``weighting="deals"`` (the default) a group's value is the
  **pooled ratio sum(num) / sum(den)**: every deal counts once, so a person with many deals weighs more; a person
  whose denominator is 0 in a window contributes nothing to it. With ``weighting="persons"`` each person's own
  ratio is taken in each window and the groups' values are means of persons (persons without a denominator in
  either window are left out). Denominators must be ≥ 0.

Aligned comparisons (:class:`Cohort`)
-------------------------------------
Treated people are grouped by the day they were treated (a cohort). Each cohort carries its treated people and
its comparison people, **all measured over that cohort's own windows** (the service also counts people treated
later — not yet treated — as comparison until their own day). The comparison group's change over a cohort's
windows is what that cohort's people are compared with, so a seasonal push or a quarter-end cannot pass for an
effect when treatment days are staggered.

Estimate
--------
With shares ``s_i`` of the treated people (1/N, or each person's share of the treated group's denominators for a
deal-weighted ratio) and cohort weights ``w_g = sum of s_i over cohort g``::

    treated_pre/post    = the treated group's value over each person's own windows
    comparison_pre/post = sum_g w_g * (cohort g's comparison value over cohort g's windows)
    effect              = (treated_post - treated_pre) - (comparison_post - comparison_pre)

With one cohort this is the classic difference in differences of the two groups.

Interval
--------
The effect is a smooth function of group sums, so it is linearised (the delta method; exact for plain metrics):
every person gets a contribution ``e_p`` (a treated person: their own change, relative to their cohort's
comparison change, minus the effect, scaled by their share; a comparison person: minus their change around their
comparison group's, once for every cohort they serve, scaled by that cohort's weight). Persons are gathered into
**units** — themselves, or their team when ``clusters`` maps persons to teams, so that a shock a whole team shares
is counted once and not as many independent pieces of luck. A unit's contribution is the sum of its persons'.
Units holding a treated person form the treated side, the others the comparison side; each side's variance is
``G/(G-1) * sum of e_u^2`` over its G units, the standard error is the root of their sum, and the interval is
``effect ± t * se`` with the Welch-Satterthwaite degrees of freedom of the two sides. With one cohort and persons
as units this is exactly Welch's t interval on per-person changes; not-yet-treated people keep their contributions
as comparison and as treated together in one unit, which is what a resampling of whole units would keep too.

Below the sizes where an interval holds, :func:`analyse` answers :class:`ImpactDescriptive` (the figures, no
interval) instead: fewer than ``min_units`` teams on a side when teams are the unit (one kicked-off team cannot be
told apart from a shock that hit that team).

Errors (both subclasses of ``ValueError`` via :class:`ImpactError`, each with a machine ``reason`` code)
------------------------------------------------------------------------------------------------------
- :class:`ImpactInputError` — the request is malformed: ``invalid_parameter`` (``confidence`` outside the open
  interval (0.5, 0.999), ``min_group`` < 2, ``min_units`` < 2, an unknown ``weighting``), ``non_finite_value``,
  ``negative_denominator``, ``incomplete_ratio``, ``mixed_kinds``, ``duplicate_person`` (twice in one cohort's
  group, or treated in two cohorts), ``person_in_both_groups`` (treated and comparison of one cohort).
- :class:`ImpactRefused` — the data cannot support an estimate: ``treated_group_too_small`` /
  ``comparison_group_too_small`` (fewer than ``min_group`` persons treated, or in some cohort's comparison),
  ``no_denominator`` (a ratio group without any denominator in a window), ``unstable_denominator`` (fewer than
  ``min_group`` persons of a group carry a denominator in a window).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, NamedTuple

from services.metrics.student_t import t_quantile

MIN_CONFIDENCE = 0.5  # exclusive
MAX_CONFIDENCE = 0.999  # exclusive
MIN_GROUP = 5  # persons per group below which an estimate is refused
MIN_UNITS = 4  # teams per side below which a team-level answer is descriptive only (bench/impact_coverage.py)

Group = Literal["treated", "comparison"]
Weighting = Literal["deals", "persons"]
Unit = Literal["person", "team"]
WEIGHTINGS: tuple[Weighting, ...] = ("deals", "persons")


@dataclass(frozen=True, slots=True)
class PrePost:
    """One person's metric in the pre and post windows.

    Plain metric: ``pre``/``post`` are the values and the denominators are None.
    Ratio metric (build with :meth:`ratio`): ``pre``/``post`` are the numerators, ``pre_den``/``post_den`` the
    denominators.
    """

    person_id: str
    pre: float
    post: float
    pre_den: float | None = None
    post_den: float | None = None

    @classmethod
    def ratio(cls, person_id: str, *, pre_num: float, pre_den: float, post_num: float, post_den: float) -> PrePost:
        return cls(person_id, pre_num, post_num, pre_den, post_den)

    @property
    def is_ratio(self) -> bool:
        return self.pre_den is not None or self.post_den is not None


@dataclass(frozen=True, slots=True)
class Cohort:
    """The people treated on one day and their comparison, every one measured over that day's windows."""

    treated: Sequence[PrePost]
    comparison: Sequence[PrePost]


@dataclass(frozen=True, slots=True)
class Denominators:
    """A ratio's denominator per person in each window (closed deals per person …), each group as weighted in the
    estimate: beside a ratio's change, whether its base moved too."""

    treated_pre: float
    treated_post: float
    comparison_pre: float
    comparison_post: float


@dataclass(frozen=True, slots=True)
class ImpactDescriptive:
    """The figures of a difference in differences without an interval: the design cannot support one."""

    effect: float
    confidence: float
    treated_size: int
    comparison_size: int
    treated_pre: float
    treated_post: float
    comparison_pre: float
    comparison_post: float
    unit: Unit
    treated_units: int
    comparison_units: int
    cohorts: int
    weighting: Weighting | None
    denominators: Denominators | None
    reason: str  # too_few_teams …
    message: str


@dataclass(frozen=True, slots=True)
class ImpactEstimate:
    """The figures of a difference in differences and its interval ``[low, high]``."""

    effect: float
    confidence: float
    treated_size: int
    comparison_size: int
    treated_pre: float
    treated_post: float
    comparison_pre: float
    comparison_post: float
    unit: Unit  # what was resampled in thought: persons or teams (the inference unit)
    treated_units: int
    comparison_units: int
    cohorts: int  # treated days
    weighting: Weighting | None  # a ratio's weighting; None for a plain metric
    denominators: Denominators | None  # a deal-weighted ratio's denominators per person
    low: float
    high: float
    standard_error: float
    df: float  # Welch-Satterthwaite degrees of freedom of the t interval
    method: str = "t"  # effect ± t(df) * standard_error over whole units (module docstring)


class ImpactError(ValueError):
    """Base of the impact errors: ``reason`` is a stable machine code, ``str(error)`` a human message."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


class ImpactInputError(ImpactError):
    """The inputs are malformed (non-finite values, bad parameters, a person in both groups …)."""


class ImpactRefused(ImpactError):
    """The data cannot support an estimate (a group too small, a ratio without denominator …)."""

    def __init__(
        self, reason: str, message: str, *, treated_size: int, comparison_size: int, min_group: int
    ) -> None:
        super().__init__(reason, message)
        self.treated_size = treated_size
        self.comparison_size = comparison_size
        self.min_group = min_group


# One person over one cohort's windows, as (id, pre numerator, pre denominator, post numerator, post denominator).
_Row = tuple[str, float, float, float, float]


def estimate(
    treated: Sequence[PrePost],
    comparison: Sequence[PrePost],
    *,
    min_group: int = MIN_GROUP,
    confidence: float = 0.95,
    weighting: Weighting = "deals",
    seed: int = 0,
) -> ImpactEstimate:
    """Difference in differences of ``treated`` against ``comparison``, all measured over the same windows (one
    cohort, persons as units: Welch's t interval on per-person changes for a plain metric).

    ``seed`` is accepted for callers written for the former bootstrap and has no effect: the interval is analytic.
    """
    del seed
    found = analyse([Cohort(treated, comparison)], min_group=min_group, confidence=confidence, weighting=weighting)
    assert isinstance(found, ImpactEstimate)  # persons as units always carry an interval once not refused
    return found


def analyse(
    cohorts: Sequence[Cohort],
    *,
    clusters: Mapping[str, str] | None = None,
    min_group: int = MIN_GROUP,
    min_units: int = MIN_UNITS,
    confidence: float = 0.95,
    weighting: Weighting = "deals",
) -> ImpactEstimate | ImpactDescriptive:
    """Difference in differences over aligned cohorts with a t interval on whole units (persons, or the teams of
    ``clusters``: person id → team id; persons it does not name are their own unit).

    Raises :class:`ImpactInputError` on malformed input and :class:`ImpactRefused` when the data cannot support
    an estimate; answers :class:`ImpactDescriptive` when it supports figures but no interval (module docstring).
    """
    _check_parameters(confidence=confidence, min_group=min_group, min_units=min_units, weighting=weighting)
    is_ratio = _check_cohorts(cohorts)
    rows = [(_rows(c.treated, is_ratio, weighting), _rows(c.comparison, is_ratio, weighting)) for c in cohorts]
    rows = [(t, c) for t, c in rows if t]
    n_t = sum(len(t) for t, _ in rows)
    comparison_ids = {r[0] for _, c in rows for r in c}
    n_c = len(comparison_ids)
    smallest = min((len(c) for _, c in rows), default=0)

    def refuse(reason: str, message: str) -> ImpactRefused:
        return ImpactRefused(reason, f"{message} (treated: {n_t}, comparison: {n_c}, minimum {min_group})",
                             treated_size=n_t, comparison_size=n_c, min_group=min_group)

    if n_t < min_group:
        raise refuse("treated_group_too_small", f"the treated group has {n_t} person(s); at least {min_group} "
                                                f"are needed in each group")
    if smallest < min_group:
        raise refuse("comparison_group_too_small", f"the comparison group has {smallest} person(s) over some "
                                                   f"treated day's windows; at least {min_group} are needed")
    all_treated = [r for t, _ in rows for r in t]
    _check_carriers("treated", all_treated, min_group, refuse)
    for _, c in rows:
        _check_carriers("comparison", c, min_group, refuse)

    # The treated group over each person's own windows.
    t_pre_den, t_post_den = math.fsum(r[2] for r in all_treated), math.fsum(r[4] for r in all_treated)
    t_pre = math.fsum(r[1] for r in all_treated) / t_pre_den
    t_post = math.fsum(r[3] for r in all_treated) / t_post_den
    t_weight = math.fsum(r[2] + r[4] for r in all_treated)
    share = {r[0]: (r[2] + r[4]) / t_weight for r in all_treated}

    # Each cohort's comparison over that cohort's windows, weighted by the cohort's share of the treated.
    cohort_weight: list[float] = []
    cohort_values: list[tuple[float, float, float, float]] = []  # pre, post, pre den sum, post den sum
    for t, c in rows:
        pre_den, post_den = math.fsum(r[2] for r in c), math.fsum(r[4] for r in c)
        cohort_values.append((math.fsum(r[1] for r in c) / pre_den, math.fsum(r[3] for r in c) / post_den,
                              pre_den, post_den))
        cohort_weight.append(math.fsum(share[r[0]] for r in t))
    c_pre = math.fsum(w * v[0] for w, v in zip(cohort_weight, cohort_values, strict=True))
    c_post = math.fsum(w * v[1] for w, v in zip(cohort_weight, cohort_values, strict=True))
    c_change = c_post - c_pre
    effect = (t_post - t_pre) - c_change

    # Each person's contribution to the effect (linearised), summed into units.
    def unit_of(person: str) -> str:
        return clusters.get(person, person) if clusters is not None else person

    contribution: dict[str, float] = {}
    treated_units: set[str] = set()
    for (t, c), w, (cv_pre, cv_post, cv_pre_den, cv_post_den) in zip(rows, cohort_weight, cohort_values,
                                                                     strict=True):
        for pid, npre, dpre, npost, dpost in t:
            u = unit_of(pid)
            treated_units.add(u)
            own = (npost - t_post * dpost) / t_post_den - (npre - t_pre * dpre) / t_pre_den
            contribution[u] = contribution.get(u, 0.0) + own - share[pid] * ((cv_post - cv_pre) - c_change)
        for pid, npre, dpre, npost, dpost in c:
            u = unit_of(pid)
            own = (npost - cv_post * dpost) / cv_post_den - (npre - cv_pre * dpre) / cv_pre_den
            contribution[u] = contribution.get(u, 0.0) - w * own
    sides = [[e for u, e in contribution.items() if u in treated_units],
             [e for u, e in contribution.items() if u not in treated_units]]
    g_t, g_c = len(sides[0]), len(sides[1])
    unit: Unit = "team" if clusters is not None else "person"
    denominators = None
    if is_ratio and weighting == "deals":
        denominators = Denominators(
            treated_pre=t_pre_den / n_t, treated_post=t_post_den / n_t,
            comparison_pre=math.fsum(w * v[2] / len(c) for w, v, (_, c) in zip(cohort_weight, cohort_values, rows,
                                                                                 strict=True)),
            comparison_post=math.fsum(w * v[3] / len(c) for w, v, (_, c) in zip(cohort_weight, cohort_values, rows,
                                                                                  strict=True)))
    figures = _Figures(effect, confidence, n_t, n_c, t_pre, t_post, c_pre, c_post, unit, g_t, g_c, len(rows),
                       weighting if is_ratio else None, denominators)
    if clusters is not None and (g_t < min_units or 0 < g_c < min_units):
        return ImpactDescriptive(
            *figures, reason="too_few_teams",
            message=f"the people come in {g_t} treated and {g_c} comparison team(s); an interval needs at least "
                    f"{min_units} on each side: a shock shared by a team could not be told from the effect")
    # With persons as units and cohorts as the service builds them, the comparison side holds at least min_group
    # people: the last treated day is compared with people never treated.
    variances = [len(s) / (len(s) - 1) * math.fsum(e * e for e in s) for s in sides if len(s) >= 2]
    dfs = [len(s) - 1 for s in sides if len(s) >= 2]
    variance = math.fsum(variances)
    if variance > 0:
        df = variance**2 / math.fsum(v * v / d for v, d in zip(variances, dfs, strict=True))
    else:
        df = float(sum(dfs))
    se = math.sqrt(variance)
    half = t_quantile((1.0 + confidence) / 2.0, max(df, 1.0)) * se
    return ImpactEstimate(*figures, low=effect - half, high=effect + half, standard_error=se, df=df)


class _Figures(NamedTuple):
    """The fields :class:`ImpactEstimate` and :class:`ImpactDescriptive` share, in their order."""

    effect: float
    confidence: float
    treated_size: int
    comparison_size: int
    treated_pre: float
    treated_post: float
    comparison_pre: float
    comparison_post: float
    unit: Unit
    treated_units: int
    comparison_units: int
    cohorts: int
    weighting: Weighting | None
    denominators: Denominators | None


def _rows(observations: Sequence[PrePost], is_ratio: bool, weighting: Weighting) -> list[_Row]:
    """Observations as numerator/denominator rows: a plain value has denominator 1; a person-weighted ratio is
    each person's own ratio (persons without a denominator in either window left out)."""
    out: list[_Row] = []
    for r in observations:
        pre, post = float(r.pre), float(r.post)
        if not is_ratio:
            out.append((r.person_id, pre, 1.0, post, 1.0))
            continue
        pre_den, post_den = float(r.pre_den or 0.0), float(r.post_den or 0.0)
        if weighting == "persons":
            if pre_den > 0 and post_den > 0:
                out.append((r.person_id, pre / pre_den, 1.0, post / post_den, 1.0))
        else:
            out.append((r.person_id, pre if pre_den else 0.0, pre_den, post if post_den else 0.0, post_den))
    return out


def _check_carriers(group: str, rows: Sequence[_Row], min_group: int,
                    refuse: Callable[[str, str], ImpactRefused]) -> None:
    for window, dens in (("pre", [r[2] for r in rows]), ("post", [r[4] for r in rows])):
        carriers = sum(1 for d in dens if d > 0)
        if carriers == 0:
            raise refuse(
                "no_denominator", f"the {group} group's denominators sum to 0 in the {window} window: the ratio "
                                  f"is undefined")
        if carriers < min_group:
            raise refuse(
                "unstable_denominator", f"only {carriers} person(s) of the {group} group carry a denominator in "
                                        f"the {window} window; at least {min_group} are needed for a stable ratio")


def _check_parameters(*, confidence: float, min_group: int, min_units: int, weighting: str) -> None:
    if not (MIN_CONFIDENCE < confidence < MAX_CONFIDENCE):  # also rejects NaN
        raise ImpactInputError(
            "invalid_parameter",
            f"confidence must lie strictly between {MIN_CONFIDENCE} and {MAX_CONFIDENCE}, not {confidence!r}",
        )
    for name, value in (("min_group", min_group), ("min_units", min_units)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 2:
            raise ImpactInputError("invalid_parameter", f"{name} must be an integer of at least 2, not {value!r}")
    if weighting not in WEIGHTINGS:
        raise ImpactInputError("invalid_parameter", f"weighting must be one of {WEIGHTINGS}, not {weighting!r}")


def _check_cohorts(cohorts: Sequence[Cohort]) -> bool:
    """Validate every observation; return whether the metric is a ratio."""
    kinds: set[bool] = set()
    treated_in: set[str] = set()
    for cohort in cohorts:
        seen: dict[str, Group] = {}
        groups: tuple[tuple[Group, Sequence[PrePost]], ...] = (("treated", cohort.treated),
                                                               ("comparison", cohort.comparison))
        for group, rows in groups:
            for row in rows:
                who = f"person {row.person_id!r} in the {group} group"
                if (row.pre_den is None) != (row.post_den is None):
                    raise ImpactInputError("incomplete_ratio", f"{who} has a denominator for only one window")
                values = (row.pre, row.post, *(d for d in (row.pre_den, row.post_den) if d is not None))
                if not all(math.isfinite(v) for v in values):
                    raise ImpactInputError("non_finite_value", f"{who} has a non-finite value: {values!r}")
                if row.pre_den is not None and row.post_den is not None and (row.pre_den < 0 or row.post_den < 0):
                    raise ImpactInputError("negative_denominator", f"{who} has a negative denominator")
                kinds.add(row.is_ratio)
                if len(kinds) > 1:
                    raise ImpactInputError(
                        "mixed_kinds", f"{who} mixes plain values and ratio observations in one estimate"
                    )
                if row.person_id in seen:
                    if seen[row.person_id] == group:
                        raise ImpactInputError("duplicate_person", f"{who} appears more than once in that group")
                    raise ImpactInputError("person_in_both_groups", f"{who} is also in the treated group")
                seen[row.person_id] = group
                if group == "treated":
                    if row.person_id in treated_in:
                        raise ImpactInputError("duplicate_person", f"{who} is treated on two days")
                    treated_in.add(row.person_id)
    return kinds == {True}
