"""Unit tests of services.behaviors.alignment.score: edge cases, with expectations worked out by hand."""

import uuid

import pytest

from services.behaviors.alignment import STATEMENTS, TEMPLATE_ID, score

ID = uuid.UUID("01900000-0000-7000-8000-000000000000")


def v(pattern: str) -> list[str]:
    return [f"view_{c}" for c in pattern]


def test_template():
    assert TEMPLATE_ID == "training-strategy-v1"
    assert len(STATEMENTS) == 7
    assert [s.number for s in STATEMENTS] == list(range(1, 8))


def test_no_responses():
    report = score(ID, [])
    assert (report.assessment_id, report.respondents, report.overall, report.functions) == (ID, 0, None, [])
    assert report.note == "Alignment needs responses from at least two functions."
    assert [(s.number, s.score, s.functions) for s in report.statements] == [(n, None, []) for n in range(1, 8)]
    assert [s.topic for s in report.statements] == [s.topic for s in STATEMENTS]


def test_single_function_has_shares_but_no_scores():
    report = score(ID, [("hr", v("2222111")), ("hr", v("2111111")), ("hr", v("1111111")), ("hr", v("1111112"))])
    assert report.overall is None and report.note is not None
    assert [s.score for s in report.statements] == [None] * 7
    # shares 2/4, 1/4, 1/4, 1/4, 0, 0, 1/4; consensus |2p - 1| = 0, .5, .5, .5, 1, 1, .5
    assert [s.functions[0].view_2_share for s in report.statements] == [0.5, 0.25, 0.25, 0.25, 0.0, 0.0, 0.25]
    assert [s.functions[0].consensus for s in report.statements] == [0.0, 0.5, 0.5, 0.5, 1.0, 1.0, 0.5]
    [f] = report.functions
    assert (f.function, f.respondents, f.view_2_share, f.score) == ("hr", 4, 0.2143, None)  # 6/28 = 3/14


def test_two_opposed_functions():
    report = score(ID, [("sales_leadership", v("1111111")), ("enablement", v("2222222"))])
    assert report.overall == 0.0 and report.note is None
    assert [s.score for s in report.statements] == [0.0] * 7
    assert [(f.function, f.score) for f in report.functions] == [("enablement", 0.0), ("sales_leadership", 0.0)]


def test_two_agreeing_functions_score_one_whatever_they_answer():
    report = score(ID, [("hr", v("1212122")), ("training", v("1212122"))])
    assert report.overall == 1.0
    assert [s.score for s in report.statements] == [1.0] * 7
    assert [f.score for f in report.functions] == [1.0, 1.0]
    assert [f.view_2_share for f in report.functions] == [0.5714, 0.5714]  # 4 of 7


def test_partial_disagreement_between_two_functions():
    # hr disagrees with marketing on statements 1 and 2 only: scores 0, 0, 1, 1, 1, 1, 1 → overall 5/7
    report = score(ID, [("marketing", v("2211111")), ("hr", v("1111111"))])
    assert [s.score for s in report.statements] == [0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0]
    assert report.overall == 0.7143
    # each function is 2/7 away from the other on average
    assert [(f.function, f.score) for f in report.functions] == [("hr", 0.7143), ("marketing", 0.7143)]


def test_function_scores_single_out_the_outlier():
    # hr and training agree (all View 1); sales_ops is all View 2.
    # statement score: gaps 0, 1, 1 → 1 - 2/3 = 1/3; hr: distances 0 and 1 → 1/2; sales_ops: 1 and 1 → 0
    report = score(ID, [("hr", v("1111111")), ("training", v("1111111")), ("sales_ops", v("2222222"))])
    assert [s.score for s in report.statements] == [0.3333] * 7
    assert report.overall == 0.3333
    assert [(f.function, f.score) for f in report.functions] == [
        ("hr", 0.5), ("sales_ops", 0.0), ("training", 0.5)]


def test_respondents_are_grouped_by_function_whatever_the_order():
    responses = [("training", v("2222222")), ("hr", v("1111111")), ("training", v("1111111")),
                 ("hr", v("2222222")), ("training", v("2222222"))]
    report = score(ID, responses)
    assert report.respondents == 5
    assert [(f.function, f.respondents) for f in report.functions] == [("hr", 2), ("training", 3)]
    # p(hr) = 1/2, p(training) = 2/3 → score 1 - 1/6 = 5/6 on every statement
    assert [s.score for s in report.statements] == [0.8333] * 7
    assert report.overall == 0.8333
    assert score(ID, list(reversed(responses))) == report


def test_overall_is_the_mean_of_the_exact_statement_scores():
    # 1, 1, 1, 1, 2/3, 2/3, 2/3 → 6/7 = 0.857142… (the mean of the rounded scores would be 0.8572)
    report = score(ID, [("enablement", v("1111111")), ("hr", v("1111111")), ("hr", v("1111111")),
                        ("hr", v("1111222"))])
    assert [s.score for s in report.statements][4:] == [0.6667] * 3
    assert report.overall == 0.8571


@pytest.mark.parametrize("function", ["sales_leadership", "enablement", "training", "sales_ops", "marketing", "hr"])
def test_every_function_is_reported(function):
    report = score(ID, [(function, v("1111111")), ("hr" if function != "hr" else "training", v("2111111"))])
    assert function in [f.function for f in report.functions]
    assert report.statements[0].score == 0.0
    assert report.statements[1].score == 1.0
    assert report.overall == 0.8571  # 6/7
