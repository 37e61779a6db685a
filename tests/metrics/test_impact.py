"""Impact: difference in differences, the t interval on whole units (Welch's on per-person changes for one treated
day), aligned cohorts, teams as units, ratio weighting, refusals and input validation. The coverage of the
interval over many generated orgs is tests/metrics/test_impact_coverage.py.

Data is generated with a seeded random.Random: persons with individual baselines, a treated group whose level
differs from the comparison group's, a common time trend and noise, and a planted effect for the treated.
"""

import math
import random
import statistics

import pytest

from services.metrics.impact import ImpactInputError, ImpactRefused, PrePost, estimate
from services.metrics.student_t import t_quantile

TREND = 4.0  # calls/week every person gains between the windows
TREATED_LEVEL = 8.0  # the treated group starts higher: a naive post-only comparison would be biased


def plain_groups(
    seed: int, effect: float, n_treated: int = 50, n_comparison: int = 50, noise: float = 2.0
) -> tuple[list[PrePost], list[PrePost]]:
    rng = random.Random(seed)

    def person(pid: str, level: float, lift: float) -> PrePost:
        baseline = rng.gauss(20.0 + level, 5.0)
        return PrePost(pid, baseline + rng.gauss(0, noise), baseline + TREND + lift + rng.gauss(0, noise))

    treated = [person(f"t{i}", TREATED_LEVEL, effect) for i in range(n_treated)]
    comparison = [person(f"c{i}", 0.0, 0.0) for i in range(n_comparison)]
    return treated, comparison


def win_rate_groups(
    seed: int, lift: float, n: int = 80, opportunities: int = 20
) -> tuple[list[PrePost], list[PrePost]]:
    """Per person: won and closed (won + lost) opportunities in each window; win rate = won / closed."""
    rng = random.Random(seed)

    def person(pid: str, level: float, extra: float) -> PrePost:
        base = rng.uniform(0.15, 0.45) + level
        pre_closed = rng.randint(opportunities // 2, opportunities * 3 // 2)
        post_closed = rng.randint(opportunities // 2, opportunities * 3 // 2)
        pre_won = sum(rng.random() < base for _ in range(pre_closed))
        post_won = sum(rng.random() < base + 0.03 + extra for _ in range(post_closed))
        return PrePost.ratio(pid, pre_num=pre_won, pre_den=pre_closed, post_num=post_won, post_den=post_closed)

    return [person(f"t{i}", 0.05, lift) for i in range(n)], [person(f"c{i}", 0.0, 0.0) for i in range(n)]


def _plain(values: list[tuple[float, float]], prefix: str) -> list[PrePost]:
    return [PrePost(f"{prefix}{i}", pre, post) for i, (pre, post) in enumerate(values)]


# --- recovering planted effects -------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_a_planted_effect_is_inside_the_interval_and_zero_is_not(seed: int) -> None:
    treated, comparison = plain_groups(seed, effect=3.0)
    result = estimate(treated, comparison, seed=seed)
    assert result.low < 3.0 < result.high
    assert result.low > 0.0
    assert result.low <= result.effect <= result.high
    assert result.confidence == 0.95
    assert (result.treated_size, result.comparison_size) == (50, 50)
    # The groups differ in level and share a trend, so neither the naive post-only gap nor the treated
    # before/after change is the effect; difference in differences removes both.
    assert result.treated_post - result.comparison_post > 3.0 + 4.0  # expected 3 + 8
    assert result.treated_post - result.treated_pre > 3.0 + 2.0  # expected 3 + 4


@pytest.mark.parametrize("seed", [11, 12, 13, 14, 15])
def test_a_zero_effect_is_found_as_such(seed: int) -> None:
    treated, comparison = plain_groups(seed, effect=0.0, n_treated=40, n_comparison=60)
    result = estimate(treated, comparison, seed=seed)
    assert result.low < 0.0 < result.high
    assert abs(result.effect) < 1.5
    assert (result.treated_size, result.comparison_size) == (40, 60)


def test_one_treated_day_with_persons_as_units_is_welchs_t_interval() -> None:
    treated = _plain([(10, 14), (6, 8), (3, 9), (12, 11), (8, 13)], "t")  # changes 4, 2, 6, -1, 5
    comparison = _plain([(5, 6), (9, 9), (7, 9), (4, 3), (6, 8), (2, 4)], "c")  # changes 1, 0, 2, -1, 2, 2
    result = estimate(treated, comparison)
    t_changes, c_changes = [4, 2, 6, -1, 5], [1, 0, 2, -1, 2, 2]
    a, b = statistics.variance(t_changes) / 5, statistics.variance(c_changes) / 6
    df = (a + b) ** 2 / (a * a / 4 + b * b / 5)  # Welch-Satterthwaite
    assert result.effect == pytest.approx(3.2 - 1.0)
    assert result.standard_error == pytest.approx(math.sqrt(a + b))
    assert result.df == pytest.approx(df)
    assert result.high - result.effect == pytest.approx(t_quantile(0.975, df) * math.sqrt(a + b))
    assert result.effect - result.low == pytest.approx(result.high - result.effect)
    assert (result.unit, result.treated_units, result.comparison_units, result.cohorts) == ("person", 5, 6, 1)


def test_the_interval_width_matches_the_sampling_error_of_the_groups() -> None:
    # Unequal groups: resampling a group at the other's size would show as a width off by a third.
    treated, comparison = plain_groups(7, effect=3.0, n_treated=75, n_comparison=25)
    result = estimate(treated, comparison, seed=7)
    # Normal-theory standard error of a difference of two independent means of per-person changes.
    se = math.sqrt(
        statistics.variance([p.post - p.pre for p in treated]) / len(treated)
        + statistics.variance([p.post - p.pre for p in comparison]) / len(comparison)
    )
    expected_width = 2 * statistics.NormalDist().inv_cdf(0.975) * se
    assert 0.9 < (result.high - result.low) / expected_width < 1.1


def test_a_higher_confidence_gives_a_wider_interval() -> None:
    treated, comparison = plain_groups(3, effect=3.0)
    narrow = estimate(treated, comparison, seed=3, confidence=0.8)
    wide = estimate(treated, comparison, seed=3, confidence=0.99)
    assert wide.low < narrow.low and narrow.high < wide.high
    assert narrow.effect == wide.effect


@pytest.mark.parametrize("seed", [21, 22, 23])
def test_a_lift_in_win_rate_is_recovered(seed: int) -> None:
    treated, comparison = win_rate_groups(seed, lift=0.12)
    result = estimate(treated, comparison, seed=seed)
    assert result.low < 0.12 < result.high
    assert result.low > 0.0
    # Group values are pooled ratios, computed here independently of the module.
    won = sum(p.pre for p in treated)
    closed = sum(p.pre_den or 0 for p in treated)
    assert result.treated_pre == pytest.approx(won / closed)
    assert result.comparison_post == pytest.approx(
        sum(p.post for p in comparison) / sum(p.post_den or 0 for p in comparison)
    )


@pytest.mark.parametrize("seed", [31, 32])
def test_no_lift_in_win_rate_is_found_as_such(seed: int) -> None:
    treated, comparison = win_rate_groups(seed, lift=0.0)
    result = estimate(treated, comparison, seed=seed)
    assert result.low < 0.0 < result.high


# --- hand-computed point estimates ------------------------------------------------------------------------------


def test_the_point_estimate_of_a_plain_metric_by_hand() -> None:
    treated = _plain([(10, 14), (6, 8)], "t")  # pre mean 8, post mean 11: +3
    comparison = _plain([(5, 6), (9, 9), (7, 9)], "c")  # pre mean 7, post mean 8: +1
    result = estimate(treated, comparison, min_group=2)
    assert result.treated_pre == pytest.approx(8.0)
    assert result.treated_post == pytest.approx(11.0)
    assert result.comparison_pre == pytest.approx(7.0)
    assert result.comparison_post == pytest.approx(8.0)
    assert result.effect == pytest.approx(2.0)  # (11 - 8) - (8 - 7)
    assert (result.treated_size, result.comparison_size) == (2, 3)


def test_a_ratio_is_pooled_and_a_person_without_denominator_contributes_nothing() -> None:
    treated = [
        PrePost.ratio("a", pre_num=1, pre_den=4, post_num=3, post_den=5),
        PrePost.ratio("b", pre_num=2, pre_den=6, post_num=2, post_den=0),  # no post denominator: ignored there
        PrePost.ratio("c", pre_num=7, pre_den=0, post_num=2, post_den=5),  # no pre denominator: ignored there
    ]
    comparison = [
        PrePost.ratio("d", pre_num=2, pre_den=5, post_num=3, post_den=5),
        PrePost.ratio("e", pre_num=1, pre_den=5, post_num=1, post_den=5),
    ]
    result = estimate(treated, comparison, min_group=2)
    assert result.treated_pre == pytest.approx(0.3)  # (1 + 2) / (4 + 6), not the mean of 1/4 and 2/6
    assert result.treated_post == pytest.approx(0.5)  # (3 + 2) / (5 + 5)
    assert result.comparison_pre == pytest.approx(0.3)  # 3 / 10
    assert result.comparison_post == pytest.approx(0.4)  # 4 / 10
    assert result.effect == pytest.approx(0.1)  # (0.5 - 0.3) - (0.4 - 0.3)
    assert result.treated_size == 3


def test_identical_changes_give_an_interval_of_one_point() -> None:
    treated = _plain([(b, b + 5) for b in (3, 9, 14, 20, 2)], "t")
    comparison = _plain([(b, b + 2) for b in (1, 7, 30, 4, 11, 6)], "c")
    result = estimate(treated, comparison, seed=9)
    assert result.effect == pytest.approx(3.0)
    assert result.low == pytest.approx(3.0)
    assert result.high == pytest.approx(3.0)


def test_a_ratio_keeps_each_persons_windows_together_in_the_interval() -> None:
    # Every treated person wins 2 more of 10 after, every comparison person the same: an interval built on each
    # person's change (pre and post together) is exactly +0.2, however different the persons' levels are.
    treated = [PrePost.ratio(f"t{k}", pre_num=k, pre_den=10, post_num=k + 2, post_den=10) for k in range(7)]
    comparison = [PrePost.ratio(f"c{k}", pre_num=k, pre_den=10, post_num=k, post_den=10) for k in (0, 3, 5, 8, 2)]
    result = estimate(treated, comparison, seed=4)
    assert result.effect == pytest.approx(0.2)
    assert result.low == pytest.approx(0.2)
    assert result.high == pytest.approx(0.2)


# --- determinism ------------------------------------------------------------------------------------------------


def test_the_interval_is_analytic_so_a_seed_changes_nothing() -> None:
    treated, comparison = plain_groups(5, effect=3.0)
    assert estimate(treated, comparison, seed=42) == estimate(treated, comparison, seed=43)
    treated, comparison = win_rate_groups(8, lift=0.05, n=20)
    assert estimate(treated, comparison, seed=1) == estimate(treated, comparison, seed=2)


# --- refusals ---------------------------------------------------------------------------------------------------


def test_a_small_treated_group_is_refused_with_the_sizes() -> None:
    treated, comparison = plain_groups(1, effect=3.0, n_treated=4, n_comparison=50)
    with pytest.raises(ImpactRefused) as caught:
        estimate(treated, comparison)
    error = caught.value
    assert error.reason == "treated_group_too_small"
    assert (error.treated_size, error.comparison_size, error.min_group) == (4, 50, 5)
    assert "4" in str(error) and "5" in str(error) and "50" in str(error)
    assert isinstance(error, ValueError)


def test_a_small_comparison_group_is_refused() -> None:
    treated, comparison = plain_groups(1, effect=3.0, n_treated=12, n_comparison=9)
    with pytest.raises(ImpactRefused) as caught:
        estimate(treated, comparison, min_group=10)
    assert caught.value.reason == "comparison_group_too_small"
    assert "9" in str(caught.value) and "10" in str(caught.value)
    # The same groups pass with the default minimum.
    assert estimate(treated, comparison).comparison_size == 9


def test_empty_groups_are_refused() -> None:
    with pytest.raises(ImpactRefused) as caught:
        estimate([], [])
    assert caught.value.reason == "treated_group_too_small"


def _ratio_people(prefix: str, n: int, pre_den: float = 10, post_den: float = 10) -> list[PrePost]:
    return [
        PrePost.ratio(f"{prefix}{i}", pre_num=min(i, pre_den), pre_den=pre_den, post_num=min(i, post_den),
                      post_den=post_den)
        for i in range(n)
    ]


@pytest.mark.parametrize(
    ("treated_dens", "comparison_dens", "where"),
    [((0, 10), (10, 10), "treated group's denominators sum to 0 in the pre window"),
     ((10, 10), (10, 0), "comparison group's denominators sum to 0 in the post window")],
)
def test_a_ratio_group_without_denominator_is_refused(treated_dens, comparison_dens, where) -> None:
    treated = _ratio_people("t", 6, *treated_dens)
    comparison = _ratio_people("c", 6, *comparison_dens)
    with pytest.raises(ImpactRefused) as caught:
        estimate(treated, comparison)
    assert caught.value.reason == "no_denominator"
    assert where in str(caught.value)


def test_a_ratio_carried_by_one_person_is_refused_as_unstable() -> None:
    # Only one of five treated persons closed anything before: a third of the resamples have no pre denominator.
    treated = [PrePost.ratio("t0", pre_num=2, pre_den=5, post_num=3, post_den=5)] + [
        PrePost.ratio(f"t{i}", pre_num=0, pre_den=0, post_num=1, post_den=4) for i in range(1, 5)
    ]
    comparison = _ratio_people("c", 5)
    with pytest.raises(ImpactRefused) as caught:
        estimate(treated, comparison)
    assert caught.value.reason == "unstable_denominator"
    # With most persons carrying a denominator, the rare empty draw is redrawn and the estimate stands.
    treated = [*_ratio_people("t", 8), PrePost.ratio("t8", pre_num=0, pre_den=0, post_num=1, post_den=2)]
    assert estimate(treated, comparison).treated_size == 9


# --- validation -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [PrePost("t0", math.nan, 1.0), PrePost("t0", 1.0, math.inf), PrePost("t0", -math.inf, 1.0),
     PrePost.ratio("t0", pre_num=1, pre_den=math.nan, post_num=1, post_den=2),
     PrePost.ratio("t0", pre_num=1, pre_den=2, post_num=math.inf, post_den=2)],
)
def test_non_finite_values_are_rejected(bad: PrePost) -> None:
    treated, comparison = plain_groups(1, effect=0.0, n_treated=6)
    if bad.is_ratio:
        treated, comparison = _ratio_people("t", 6), _ratio_people("c", 6)
    with pytest.raises(ImpactInputError) as caught:
        estimate([bad, *treated[1:]], comparison)
    assert caught.value.reason == "non_finite_value"
    assert "t0" in str(caught.value)


@pytest.mark.parametrize(
    ("options", "fragment"),
    [({"weighting": "money"}, "weighting"),
     ({"confidence": 0.5}, "confidence"), ({"confidence": 0.999}, "confidence"), ({"confidence": 1.0}, "confidence"),
     ({"confidence": math.nan}, "confidence"), ({"min_group": 1}, "min_group")],
)
def test_out_of_range_parameters_are_rejected(options, fragment: str) -> None:
    treated, comparison = plain_groups(1, effect=3.0)
    with pytest.raises(ImpactInputError) as caught:
        estimate(treated, comparison, **options)
    assert caught.value.reason == "invalid_parameter"
    assert fragment in str(caught.value)


def test_the_parameter_bounds_themselves_are_accepted() -> None:
    treated, comparison = plain_groups(1, effect=3.0, n_treated=5, n_comparison=5)
    assert estimate(treated, comparison, confidence=0.998).confidence == 0.998
    assert estimate(treated, comparison, min_group=5).treated_size == 5
    assert estimate(treated, comparison, confidence=0.51).confidence == 0.51


def test_a_person_in_both_groups_is_rejected() -> None:
    treated, comparison = plain_groups(1, effect=3.0)
    comparison[7] = PrePost(treated[3].person_id, 20.0, 21.0)
    with pytest.raises(ImpactInputError) as caught:
        estimate(treated, comparison)
    assert caught.value.reason == "person_in_both_groups"
    assert treated[3].person_id in str(caught.value)


def test_a_person_twice_in_one_group_is_rejected() -> None:
    treated, comparison = plain_groups(1, effect=3.0)
    with pytest.raises(ImpactInputError) as caught:
        estimate([*treated, treated[0]], comparison)
    assert caught.value.reason == "duplicate_person"


def test_plain_and_ratio_observations_cannot_be_mixed() -> None:
    treated, _ = plain_groups(1, effect=3.0, n_treated=6)
    with pytest.raises(ImpactInputError) as caught:
        estimate(treated, _ratio_people("c", 6))
    assert caught.value.reason == "mixed_kinds"


def test_a_negative_or_one_sided_denominator_is_rejected() -> None:
    comparison = _ratio_people("c", 6)
    negative = PrePost.ratio("t0", pre_num=0, pre_den=-1, post_num=1, post_den=2)
    with pytest.raises(ImpactInputError) as caught:
        estimate([negative, *_ratio_people("t", 6)[1:]], comparison)
    assert caught.value.reason == "negative_denominator"
    one_sided = PrePost("t0", 1.0, 2.0, pre_den=3.0)
    with pytest.raises(ImpactInputError) as caught:
        estimate([one_sided, *_ratio_people("t", 6)[1:]], comparison)
    assert caught.value.reason == "incomplete_ratio"
