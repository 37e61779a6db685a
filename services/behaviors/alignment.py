"""The built-in alignment template (seven paired training-strategy statements) and its scoring.

Scoring, per statement s and function f: p(f,s) is the share of f's respondents choosing View 2.
- A statement's score is 1 - mean |p(f,s) - p(g,s)| over every pair of functions that answered:
  1 when all functions hold the same mix of views, 0 when one function is all View 1 and another
  all View 2. It needs at least two functions; with fewer it is None.
- The overall score is the mean of the statement scores.
- A function's score is 1 - the mean, over statements and over every other function, of
  |p(f,s) - p(g,s)|: how far that function stands from the rest.
- A function's consensus on a statement is |2 p(f,s) - 1|: 1 when its members agree, 0 on an even split.
"""

from collections import defaultdict
from collections.abc import Sequence
from itertools import combinations
from typing import Literal

from services.behaviors.schemas import (
    AlignmentReport,
    FunctionAlignment,
    FunctionSplit,
    Statement,
    StatementAlignment,
)

TEMPLATE_ID = "training-strategy-v1"

STATEMENTS: tuple[Statement, ...] = tuple(
    Statement(number=i + 1, topic=topic, view_1=v1, view_2=v2)
    for i, (topic, v1, v2) in enumerate([
        ("Scope of sales training",
         "Sales training's role is to focus on improving the skills of the sales force.",
         "Sales training's role is to scale the right behaviors, processes, content, and tools "
         "across the sales force."),
        ("Sales training design and delivery",
         "Sales training decisions are about how training is designed and what approach delivers it.",
         "Sales training decisions are about why training needs to happen and who it really benefits."),
        ("Role of sales training",
         "Sales training is a distribution function for marketing messages, product materials and enablement actions.",
         "Sales training decides what to distribute, how to enable the sales team, and which marketing materials "
         "are worthy of reaching it."),
        ("Value of sales training",
         "Sales managers and leaders decide what needs to be trained and the training team executes it.",
         "Sales training leaders craft a training plan or strategy, recommend it to sales leaders, and gain buy-in."),
        ("Design point of sales training",
         "Sales training initiatives must meet the needs of the sales force.",
         "Sales training initiatives must drive measurable business impact through more valuable sales conversations."),
        ("Sales training strategy",
         "The sales training strategy is the annual operating plan listing all the things we do.",
         "The sales training strategy is the training plan of what we must do to close measurable performance gaps."),
        ("Need for a sales training strategy",
         "We must keep up the momentum because we can't afford not to.",
         "We must stay responsive to what customers tell us they need and the problems they want solved."),
    ])
)

Answer = Literal["view_1", "view_2"]


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def score(assessment_id: object, responses: Sequence[tuple[str, Sequence[str]]]) -> AlignmentReport:
    """`responses` are (function, answers) pairs; answers are 'view_1' / 'view_2' per statement."""
    by_function: dict[str, list[Sequence[str]]] = defaultdict(list)
    for function, answers in responses:
        by_function[function].append(answers)
    functions = sorted(by_function)
    n = len(STATEMENTS)
    share = {f: [sum(a[s] == "view_2" for a in by_function[f]) / len(by_function[f]) for s in range(n)]
             for f in functions}

    statements = []
    exact_scores = []  # unrounded: the overall is the mean of these, rounded once (no double rounding)
    for s, st in enumerate(STATEMENTS):
        pair_gaps = [abs(share[f][s] - share[g][s]) for f, g in combinations(functions, 2)]
        gap = _mean(pair_gaps)
        if gap is not None:
            exact_scores.append(1 - gap)
        statements.append(StatementAlignment(
            number=st.number, topic=st.topic, score=_r(None if gap is None else 1 - gap),
            functions=[FunctionSplit(function=f, respondents=len(by_function[f]),
                                     view_2_share=round(share[f][s], 4),
                                     consensus=round(abs(2 * share[f][s] - 1), 4)) for f in functions]))

    per_function = []
    for f in functions:
        dists = [abs(share[f][s] - share[g][s]) for g in functions if g != f for s in range(n)]
        dist = _mean(dists)
        per_function.append(FunctionAlignment(
            function=f, respondents=len(by_function[f]),
            view_2_share=round(sum(share[f]) / n, 4), score=_r(None if dist is None else 1 - dist)))

    note = None if len(functions) >= 2 else "Alignment needs responses from at least two functions."
    return AlignmentReport(assessment_id=assessment_id, respondents=len(responses),
                           overall=_r(_mean(exact_scores)), statements=statements, functions=per_function, note=note)
