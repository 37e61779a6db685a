"""Impact over aligned cohorts (each treated day compared over its own windows), with teams as units, and the two
weightings of a ratio: by hand, at the level of the pure estimator (services/metrics/impact.py)."""

import math
import random

import pytest

from bench.impact_scenarios import Org, Person, cohorts_of, legacy
from services.metrics.impact import (
    Cohort,
    ImpactDescriptive,
    ImpactEstimate,
    ImpactInputError,
    ImpactRefused,
    PrePost,
    analyse,
)


def plain(rows: list[tuple[str, float, float]]) -> list[PrePost]:
    return [PrePost(pid, pre, post) for pid, pre, post in rows]


def estimate_of(found: ImpactEstimate | ImpactDescriptive) -> ImpactEstimate:
    assert isinstance(found, ImpactEstimate), found
    return found


def test_each_cohort_is_compared_with_the_comparisons_change_over_its_own_windows() -> None:
    early = Cohort(plain([("a1", 10, 14), ("a2", 6, 9)]), plain([("c1", 5, 7), ("c2", 8, 8)]))  # comparison +1
    late = Cohort(plain([("b1", 3, 9)]), plain([("c1", 7, 11), ("c2", 8, 12)]))  # comparison +4 over these windows
    found = estimate_of(analyse([early, late], min_group=2))
    assert found.treated_pre == pytest.approx(19 / 3) and found.treated_post == pytest.approx(32 / 3)
    assert found.comparison_post - found.comparison_pre == pytest.approx(2 / 3 * 1 + 1 / 3 * 4)
    assert found.effect == pytest.approx(13 / 3 - 2)
    assert (found.treated_size, found.comparison_size, found.cohorts) == (3, 2, 2)
    assert found.low < found.effect < found.high


def seasonal_org(lift: float) -> Org:
    """Everyone's weekly value is their level plus a calendar pattern with a quarter-end push; treated people
    (staggered weeks) gain `lift` a week from their week on. No noise: the truth is exact."""
    def pattern(week: int) -> float:
        return 3 * math.sin(2 * math.pi * week / 52) + (9.0 if week % 13 >= 11 else 0.0)

    rng = random.Random(5)
    people = []
    for i in range(24):
        treated = 8 + 3 * i if i < 8 else None
        level = rng.uniform(5, 15)
        values = tuple(level + pattern(w) + (lift if treated is not None and w >= treated else 0.0)
                       for w in range(44))
        people.append(Person(f"p{i}", f"p{i}", treated, values))
    return Org(tuple(people), 4, 4 * lift, False)


@pytest.mark.parametrize("lift", [0.0, 1.5])
def test_a_quarter_end_push_at_staggered_dates_is_not_an_effect(lift: float) -> None:
    org = seasonal_org(lift)
    found = estimate_of(analyse(cohorts_of(org)))
    assert found.effect == pytest.approx(org.truth)
    assert found.low == pytest.approx(org.truth) and found.high == pytest.approx(org.truth)
    assert found.cohorts == 8
    # The former comparison (everyone around the median treated week) mixes the push into the treated changes:
    # an interval of about ±10 around an exact truth (test_impact_coverage.py shows what that costs).
    former = legacy(org, random.Random(1))
    assert former is not None and former[1] - former[0] > 10


def test_people_treated_later_serve_as_comparison_until_then_in_one_unit_with_their_own_treatment() -> None:
    # "b" is treated on the second day and compares for the first: one person, one unit, on the treated side.
    first = Cohort(plain([("a1", 1, 3), ("a2", 2, 3)]), plain([("b", 4, 4), ("c1", 2, 2), ("c2", 5, 6)]))
    second = Cohort(plain([("b", 4, 7)]), plain([("c1", 2, 3), ("c2", 6, 6)]))
    found = estimate_of(analyse([first, second], min_group=2))
    assert (found.treated_size, found.comparison_size) == (3, 3)
    assert (found.treated_units, found.comparison_units) == (3, 2)


def test_treated_on_two_days_or_compared_with_oneself_is_rejected() -> None:
    one = Cohort(plain([("a", 1, 2), ("b", 1, 2)]), plain([("c", 1, 1), ("d", 2, 2)]))
    with pytest.raises(ImpactInputError) as caught:
        analyse([one, Cohort(plain([("a", 3, 4)]), plain([("c", 1, 1), ("d", 2, 2)]))], min_group=2)
    assert caught.value.reason == "duplicate_person"
    with pytest.raises(ImpactInputError) as caught:
        analyse([Cohort(plain([("a", 1, 2), ("b", 1, 2)]), plain([("a", 1, 1), ("d", 2, 2)]))], min_group=2)
    assert caught.value.reason == "person_in_both_groups"


def team_groups(seed: int, treated_teams: int, other_teams: int) -> tuple[list[Cohort], dict[str, str]]:
    rng = random.Random(seed)
    treated: list[PrePost] = []
    comparison: list[PrePost] = []
    teams: dict[str, str] = {}
    for k in range(treated_teams + other_teams):
        shock = rng.gauss(0, 4)  # the whole team moves together
        for j in range(6):
            pid, level = f"t{k}p{j}", rng.uniform(5, 15)
            row = PrePost(pid, level + rng.gauss(0, 1), level + shock + rng.gauss(0, 1))
            (treated if k < treated_teams else comparison).append(row)
            teams[pid] = f"t{k}"
    return [Cohort(treated, comparison)], teams


def test_a_shock_shared_by_a_team_is_counted_once_per_team() -> None:
    cohorts, teams = team_groups(3, 6, 8)
    by_person = estimate_of(analyse(cohorts))
    by_team = estimate_of(analyse(cohorts, clusters=teams))
    assert by_team.effect == by_person.effect
    assert (by_team.unit, by_team.treated_units, by_team.comparison_units) == ("team", 6, 8)
    assert (by_person.unit, by_person.treated_units) == ("person", 36)
    # six people of a team are one piece of luck, not six: the team interval is much wider
    assert by_team.high - by_team.low > 1.5 * (by_person.high - by_person.low)
    assert by_team.df < 14


def test_one_kicked_off_team_gets_figures_but_no_interval() -> None:
    cohorts, teams = team_groups(4, 1, 8)
    found = analyse(cohorts, clusters=teams)
    assert isinstance(found, ImpactDescriptive)
    assert (found.reason, found.unit, found.treated_units, found.comparison_units) == ("too_few_teams", "team", 1, 8)
    assert found.effect == estimate_of(analyse(cohorts)).effect
    assert "1 treated and 8 comparison team" in found.message
    three = analyse(team_groups(4, 3, 8)[0], clusters=team_groups(4, 3, 8)[1])
    assert isinstance(three, ImpactDescriptive)  # below MIN_UNITS (4) teams on a side
    assert isinstance(analyse(team_groups(4, 4, 8)[0], clusters=team_groups(4, 4, 8)[1]), ImpactEstimate)


RATIO_TREATED = [
    PrePost.ratio("a", pre_num=1, pre_den=4, post_num=3, post_den=6),
    PrePost.ratio("b", pre_num=2, pre_den=6, post_num=2, post_den=4),
    PrePost.ratio("c", pre_num=7, pre_den=10, post_num=1, post_den=0),  # no deal after: out of the person-weighted
]
RATIO_COMPARISON = [
    PrePost.ratio("d", pre_num=2, pre_den=5, post_num=3, post_den=5),
    PrePost.ratio("e", pre_num=1, pre_den=5, post_num=4, post_den=10),
]


def test_a_ratio_is_deal_weighted_by_default_and_shows_each_groups_denominators() -> None:
    found = estimate_of(analyse([Cohort(RATIO_TREATED, RATIO_COMPARISON)], min_group=2))
    assert found.weighting == "deals"
    assert found.treated_pre == pytest.approx(10 / 20) and found.treated_post == pytest.approx(5 / 10)
    assert found.comparison_pre == pytest.approx(3 / 10) and found.comparison_post == pytest.approx(7 / 15)
    assert found.effect == pytest.approx(0 - (7 / 15 - 3 / 10))
    assert found.denominators is not None
    assert (found.denominators.treated_pre, found.denominators.treated_post) == (20 / 3, 10 / 3)  # deals/person
    assert (found.denominators.comparison_pre, found.denominators.comparison_post) == (5.0, 7.5)


def test_a_ratio_can_be_person_weighted() -> None:
    found = estimate_of(analyse([Cohort(RATIO_TREATED, RATIO_COMPARISON)], min_group=2, weighting="persons"))
    assert found.weighting == "persons" and found.denominators is None
    assert found.treated_size == 2  # "c" had no deal after
    assert found.treated_pre == pytest.approx((1 / 4 + 2 / 6) / 2)
    assert found.treated_post == pytest.approx((3 / 6 + 2 / 4) / 2)
    assert found.comparison_pre == pytest.approx((2 / 5 + 1 / 5) / 2)
    assert found.effect == pytest.approx((0.5 - 7 / 24) - ((3 / 5 + 4 / 10) / 2 - 3 / 10))


def test_too_few_people_carrying_a_ratio_in_a_cohorts_comparison_is_refused() -> None:
    comparison = [*RATIO_COMPARISON, PrePost.ratio("f", pre_num=0, pre_den=0, post_num=0, post_den=3)]
    with pytest.raises(ImpactRefused) as caught:
        analyse([Cohort(RATIO_TREATED, comparison)], min_group=3)
    assert caught.value.reason == "unstable_denominator"
    assert (caught.value.treated_size, caught.value.comparison_size) == (3, 3)

