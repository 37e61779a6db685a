"""Impact of an intervention on a metric: difference in differences with a person-level bootstrap interval.

Pure statistics: no database, no I/O. The service layer gathers, per person, the metric over an equal-length
pre window and post window for a treated group and a comparison group, and calls :func:`estimate`.

Observations (:class:`PrePost`)
-------------------------------
One person's metric in the two windows, in one of two kinds (all observations of one estimate share a kind):

- **plain** — ``PrePost(person_id, pre, post)``: the person's value in each window (calls per week, average deal
  size of the person …). A group's value in a window is the **mean of its persons' values**.
- **ratio** — ``PrePost.ratio(person_id, pre_num=, pre_den=, post_num=, post_den=)``: the person's numerator and
  denominator in each window (win rate = won / (won + lost) …). ``pre``/``post`` then hold the numerators and
  ``pre_den``/``post_den`` the denominators. A group's value in a window is the **pooled ratio
  sum(num) / sum(den)** over its persons; a person whose denominator is 0 in a window contributes nothing to
  that window (their numerator is ignored there). Denominators must be ≥ 0.

Estimate
--------
``effect = (post_T - pre_T) - (post_C - pre_C)`` on the group values. The interval is a percentile bootstrap:
``resamples`` times, persons are drawn with replacement within each group independently (a cluster bootstrap at
person level, so a person's pre and post stay together), the effect is recomputed, and the interval is the
``(1 - confidence) / 2`` and ``(1 + confidence) / 2`` quantiles (linear interpolation between order statistics)
of those effects. Deterministic given ``seed`` (``random.Random(seed)``). Per-person deltas (plain) or window sums
(ratio) are precomputed, so a resample is a sum over drawn indices.

Errors (both subclasses of ``ValueError`` via :class:`ImpactError`, each with a machine ``reason`` code)
------------------------------------------------------------------------------------------------------
- :class:`ImpactInputError` — the request is malformed: ``invalid_parameter`` (``resamples`` outside
  [100, 20000], ``confidence`` outside the open interval (0.5, 0.999), ``min_group`` < 2), ``non_finite_value``,
  ``negative_denominator``, ``incomplete_ratio`` (one denominator given without the other), ``mixed_kinds``
  (plain and ratio observations together), ``duplicate_person`` (twice in one group), ``person_in_both_groups``.
- :class:`ImpactRefused` — the data cannot support an estimate: ``treated_group_too_small`` /
  ``comparison_group_too_small`` (fewer than ``min_group`` persons), ``no_denominator`` (a ratio group whose
  denominators sum to 0 in a window), ``unstable_denominator`` (more than a tenth of the bootstrap draws of a
  ratio metric hit a window whose drawn denominators sum to 0 — too few persons carry the ratio for a stable
  interval; such draws are otherwise redrawn).
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Literal

MIN_RESAMPLES = 100
MAX_RESAMPLES = 20_000
MIN_CONFIDENCE = 0.5  # exclusive
MAX_CONFIDENCE = 0.999  # exclusive

Group = Literal["treated", "comparison"]


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
class ImpactEstimate:
    effect: float
    low: float
    high: float
    confidence: float
    treated_size: int
    comparison_size: int
    treated_pre: float
    treated_post: float
    comparison_pre: float
    comparison_post: float
    resamples: int
    seed: int


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


@dataclass(frozen=True, slots=True)
class _Plain:
    deltas: tuple[float, ...]  # post - pre per person
    pre: float  # group mean
    post: float

    @staticmethod
    def of(rows: Sequence[PrePost]) -> _Plain:
        n = len(rows)
        return _Plain(
            deltas=tuple(float(r.post) - float(r.pre) for r in rows),
            pre=math.fsum(float(r.pre) for r in rows) / n,
            post=math.fsum(float(r.post) for r in rows) / n,
        )


@dataclass(frozen=True, slots=True)
class _Ratio:
    pre_num: tuple[float, ...]  # 0 where the person's denominator is 0
    pre_den: tuple[float, ...]
    post_num: tuple[float, ...]
    post_den: tuple[float, ...]

    @staticmethod
    def of(rows: Sequence[PrePost]) -> _Ratio:
        def num(value: float, den: float | None) -> float:
            return float(value) if den else 0.0

        return _Ratio(
            pre_num=tuple(num(r.pre, r.pre_den) for r in rows),
            pre_den=tuple(float(r.pre_den or 0.0) for r in rows),
            post_num=tuple(num(r.post, r.post_den) for r in rows),
            post_den=tuple(float(r.post_den or 0.0) for r in rows),
        )

    @property
    def pre(self) -> float:
        return math.fsum(self.pre_num) / math.fsum(self.pre_den)

    @property
    def post(self) -> float:
        return math.fsum(self.post_num) / math.fsum(self.post_den)


def estimate(
    treated: Sequence[PrePost],
    comparison: Sequence[PrePost],
    *,
    resamples: int = 2000,
    seed: int = 0,
    min_group: int = 5,
    confidence: float = 0.95,
) -> ImpactEstimate:
    """Difference in differences of ``treated`` against ``comparison`` with a bootstrap percentile interval.

    Raises :class:`ImpactInputError` on malformed input and :class:`ImpactRefused` when the data cannot support
    an estimate (see the module docstring).
    """
    _check_parameters(resamples=resamples, confidence=confidence, min_group=min_group)
    ratio = _check_rows(treated, comparison)
    n_t, n_c = len(treated), len(comparison)
    for group, size in (("treated", n_t), ("comparison", n_c)):
        if size < min_group:
            raise ImpactRefused(
                f"{group}_group_too_small",
                f"the {group} group has {size} person(s); at least {min_group} are needed in each group "
                f"(treated: {n_t}, comparison: {n_c})",
                treated_size=n_t, comparison_size=n_c, min_group=min_group,
            )

    rng = random.Random(seed)
    effects: list[float]
    if ratio:
        t_ratio, c_ratio = _Ratio.of(treated), _Ratio.of(comparison)
        for group, data in (("treated", t_ratio), ("comparison", c_ratio)):
            for window, dens in (("pre", data.pre_den), ("post", data.post_den)):
                if math.fsum(dens) == 0:
                    raise ImpactRefused(
                        "no_denominator",
                        f"the {group} group's denominators sum to 0 in the {window} window: the ratio is undefined "
                        f"(treated: {n_t}, comparison: {n_c}, minimum {min_group})",
                        treated_size=n_t, comparison_size=n_c, min_group=min_group,
                    )
        t_pre, t_post, c_pre, c_post = t_ratio.pre, t_ratio.post, c_ratio.pre, c_ratio.post
        effects = _bootstrap_ratio(t_ratio, c_ratio, resamples, rng, min_group=min_group)
    else:
        t_plain, c_plain = _Plain.of(treated), _Plain.of(comparison)
        t_pre, t_post, c_pre, c_post = t_plain.pre, t_plain.post, c_plain.pre, c_plain.post
        effects = _bootstrap_plain(t_plain, c_plain, resamples, rng)

    effects.sort()
    tail = (1.0 - confidence) / 2.0
    return ImpactEstimate(
        effect=(t_post - t_pre) - (c_post - c_pre),
        low=_quantile(effects, tail),
        high=_quantile(effects, 1.0 - tail),
        confidence=confidence,
        treated_size=n_t,
        comparison_size=n_c,
        treated_pre=t_pre,
        treated_post=t_post,
        comparison_pre=c_pre,
        comparison_post=c_post,
        resamples=resamples,
        seed=seed,
    )


def _bootstrap_plain(t: _Plain, c: _Plain, resamples: int, rng: random.Random) -> list[float]:
    # The DiD of group means equals the difference of the groups' mean per-person deltas.
    choices = rng.choices
    t_deltas, c_deltas = t.deltas, c.deltas
    n_t, n_c = len(t_deltas), len(c_deltas)
    return [
        sum(choices(t_deltas, k=n_t)) / n_t - sum(choices(c_deltas, k=n_c)) / n_c
        for _ in range(resamples)
    ]


def _bootstrap_ratio(t: _Ratio, c: _Ratio, resamples: int, rng: random.Random, *, min_group: int) -> list[float]:
    choices = rng.choices
    t_index, c_index = range(len(t.pre_den)), range(len(c.pre_den))
    n_t, n_c = len(t_index), len(c_index)  # both >= min_group >= 2, so itemgetter returns tuples
    max_degenerate = resamples // 10
    degenerate = 0
    effects: list[float] = []
    while len(effects) < resamples:
        pick_t = itemgetter(*choices(t_index, k=n_t))
        pick_c = itemgetter(*choices(c_index, k=n_c))
        t_pre_den, t_post_den = sum(pick_t(t.pre_den)), sum(pick_t(t.post_den))
        c_pre_den, c_post_den = sum(pick_c(c.pre_den)), sum(pick_c(c.post_den))
        if t_pre_den == 0 or t_post_den == 0 or c_pre_den == 0 or c_post_den == 0:
            degenerate += 1
            if degenerate > max_degenerate:
                raise ImpactRefused(
                    "unstable_denominator",
                    f"too few persons carry a denominator: over a tenth of the bootstrap draws left a window "
                    f"without one (treated: {n_t}, comparison: {n_c}, minimum {min_group})",
                    treated_size=n_t, comparison_size=n_c, min_group=min_group,
                )
            continue
        effects.append(
            (sum(pick_t(t.post_num)) / t_post_den - sum(pick_t(t.pre_num)) / t_pre_den)
            - (sum(pick_c(c.post_num)) / c_post_den - sum(pick_c(c.pre_num)) / c_pre_den)
        )
    return effects


def _quantile(ordered: Sequence[float], q: float) -> float:
    """The q-quantile of sorted values, interpolating linearly between order statistics."""
    position = q * (len(ordered) - 1)
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    weight = position - below
    return ordered[below] + (ordered[above] - ordered[below]) * weight


def _check_parameters(*, resamples: int, confidence: float, min_group: int) -> None:
    if isinstance(resamples, bool) or not isinstance(resamples, int) or not (
        MIN_RESAMPLES <= resamples <= MAX_RESAMPLES
    ):
        raise ImpactInputError(
            "invalid_parameter",
            f"resamples must be an integer from {MIN_RESAMPLES} to {MAX_RESAMPLES}, not {resamples!r}",
        )
    if not (MIN_CONFIDENCE < confidence < MAX_CONFIDENCE):  # also rejects NaN
        raise ImpactInputError(
            "invalid_parameter",
            f"confidence must lie strictly between {MIN_CONFIDENCE} and {MAX_CONFIDENCE}, not {confidence!r}",
        )
    if isinstance(min_group, bool) or not isinstance(min_group, int) or min_group < 2:
        raise ImpactInputError("invalid_parameter", f"min_group must be an integer of at least 2, not {min_group!r}")


def _check_rows(treated: Sequence[PrePost], comparison: Sequence[PrePost]) -> bool:
    """Validate every observation; return whether the metric is a ratio."""
    kinds: set[bool] = set()
    seen: dict[str, Group] = {}
    groups: tuple[tuple[Group, Sequence[PrePost]], ...] = (("treated", treated), ("comparison", comparison))
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
    return kinds == {True}
