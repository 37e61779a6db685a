"""The coaching queue's scoring on hand-built inputs."""

import random
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest

from gateway.queue_scoring import (
    FORMULA,
    IndicatorFigure,
    ProgrammeFacts,
    SellerFacts,
    focus_of,
    priority_factor,
    rank,
    score_seller,
    shortfall,
)

# ---- the scoring, pure ---------------------------------------------------------------------------

ON = date(2026, 3, 31)


def fig(key: str = "exec", metric: str = "meetings", *, expected: float = 10, actual: float | None = 5,
        status: str = "off_track", trend: str = "flat", comparator: str = "gte", priority: int = 3) -> IndicatorFigure:
    return IndicatorFigure(key, key.title(), metric, comparator, expected, actual, status, trend, priority)


def seller(name: str = "Ann", sid: str = "s1", **extra: Any) -> SellerFacts:
    return SellerFacts(**{"seller_id": sid, "name": name, "scope": None, "last_session_on": ON, **extra})


def weights(facts: SellerFacts) -> dict[str, float]:
    scored = score_seller(facts, ON)
    assert scored.score == round(sum(r.weight for r in scored.reasons), 2)
    return {r.kind: r.weight for r in scored.reasons}


def test_each_reason_weighs_what_the_module_says():
    assert weights(seller()) == {}  # seen today, nothing behind, nothing due: score 0
    # gap: 40 x shortfall x priority factor; gte 5 of 10 = 50% short; lte 15 of 10 = 50% over
    assert weights(seller(figures=(fig(priority=1),))) == {"gap": 20.0}
    assert weights(seller(figures=(fig(comparator="lte", actual=15, status="at_risk", priority=5),))) == {"gap": 12.0}
    assert [priority_factor(p) for p in range(1, 6)] == pytest.approx([1.0, 0.9, 0.8, 0.7, 0.6])
    assert shortfall(fig(actual=12, status="on_track")) == 0 and shortfall(fig(actual=None, status="no_data")) == 0
    assert shortfall(fig(expected=0, actual=0, status="off_track")) == 1.0
    assert shortfall(fig(comparator="lte", actual=50, status="off_track")) == 1.0  # clamped
    # trend: behind target and the wrong way (down for gte, up for lte), 5 each, at most 3
    falling = tuple(fig(f"b{n}", priority=1, trend="down") for n in range(4))
    assert weights(seller(figures=falling)) == {"gap": 20.0, "trend": 5.0}
    assert [r.weight for r in score_seller(seller(figures=falling), ON).reasons if r.kind == "trend"] == [5.0] * 3
    assert weights(seller(figures=(fig(priority=1, trend="up"),))) == {"gap": 20.0}
    assert weights(seller(figures=(fig(priority=1, trend="up", comparator="lte", actual=15),))) == {
        "gap": 20.0, "trend": 5.0}
    assert weights(seller(figures=(fig(actual=12, status="on_track", trend="down"),))) == {}
    # days since the last session: 20 x min(days, 60) / 60; 20 with none
    assert weights(seller(last_session_on=ON - timedelta(days=15))) == {"since_last_session": 5.0}
    assert weights(seller(last_session_on=ON - timedelta(days=90))) == {"since_last_session": 20.0}
    assert weights(seller(last_session_on=None)) == {"since_last_session": 20.0}
    # overdue actions: 5 each, at most 3
    assert weights(seller(overdue_due_dates=(ON - timedelta(days=2),) * 2)) == {"overdue_actions": 10.0}
    assert weights(seller(overdue_due_dates=(ON - timedelta(days=2),) * 5)) == {"overdue_actions": 15.0}
    # a programme is due once cadence_days have passed since its last session (or the pair's first day)
    due = ProgrammeFacts("p1", "Sprint", 14, ON - timedelta(days=14), ON - timedelta(days=14))
    not_yet = ProgrammeFacts("p2", "Other", 14, ON - timedelta(days=13), None)
    assert weights(seller(programmes=(due,))) == {"cadence_due": 10.0}
    assert weights(seller(programmes=(not_yet,))) == {}
    later = ProgrammeFacts("p3", "Later", 7, ON - timedelta(days=30), None)
    reasons = score_seller(seller(programmes=(due, not_yet, later)), ON).reasons
    assert [(r.kind, r.weight, r.programme_id) for r in reasons] == [("cadence_due", 10.0, "p3")]
    assert "'Later'" in reasons[0].detail and "1 more programme(s) due" in reasons[0].detail
    assert "40 x relative shortfall" in FORMULA


def test_only_the_scope_counts_and_the_focus_is_the_biggest_weighted_gap():
    figures = (fig("exec", priority=1, actual=6, trend="down"),  # 40% short x 1.0 = 0.40
               fig("disco", "calls", priority=3, actual=4, trend="down"),  # 60% short x 0.8 = 0.48
               fig("plan", "proposals", priority=2, actual=12, status="on_track"))
    everything = score_seller(seller(figures=figures), ON)
    assert everything.focus is not None and everything.focus.behavior_key == "disco"
    assert [(r.kind, r.behavior_key) for r in everything.reasons] == [("gap", "disco"), ("trend", "disco"),
                                                                     ("trend", "exec")]
    scoped = score_seller(seller(figures=figures, scope=("exec",)), ON)
    assert scoped.focus is not None and scoped.focus.behavior_key == "exec"
    assert {r.behavior_key for r in scoped.reasons} == {"exec"}
    assert [f.behavior_key for f in scoped.in_scope] == ["exec"]
    on_track = score_seller(seller(figures=figures, scope=("plan",)), ON)
    assert on_track.reasons == () and on_track.focus is not None
    assert (on_track.focus.behavior_key, on_track.focus.metric_key, on_track.focus.relative_gap) == (
        "plan", None, None)
    assert "On track" in on_track.focus.why
    assert score_seller(seller(figures=figures, scope=("other",)), ON).focus is None
    # equal weighted gaps: the higher priority, then the key
    tie = (fig("b", priority=2, actual=5), fig("a", priority=2, actual=5), fig("c", priority=1, actual=5.5))
    first, second = focus_of(tie), focus_of(tie[:2])
    assert first is not None and first.behavior_key == "c"  # 45% short x 1.0 = 50% x 0.9: the higher priority
    assert second is not None and second.behavior_key == "a"


def test_ranking_is_deterministic_and_ties_go_by_name_then_id():
    same = {"last_session_on": None}  # 20 points each
    sellers = [seller("bob", "2", **same), seller("Bob", "1", **same), seller("alice", "9", **same),
               seller("Zoe", "3", figures=(fig(priority=1),), **same)]
    ranked = rank(sellers, ON)
    assert [(s.facts.name, s.facts.seller_id, s.score) for s in ranked] == [
        ("Zoe", "3", 40.0), ("alice", "9", 20.0), ("Bob", "1", 20.0), ("bob", "2", 20.0)]
    for seed in range(5):
        shuffled = sellers[:]
        random.Random(seed).shuffle(shuffled)
        assert rank(shuffled, ON) == ranked
    assert rank([replace(s, name="x") for s in sellers], ON)[1].facts.seller_id == "1"
