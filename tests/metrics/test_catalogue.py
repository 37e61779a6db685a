"""What one event contributes to a metric: types, filters with JSON equality, numeric fields."""

from services.metrics.catalogue import CATALOGUE, Metric, Metrics


def test_counts_sums_and_averages() -> None:
    assert CATALOGUE["calls"].contribution("call", {}, None) == (1.0, 0.0)
    assert CATALOGUE["calls"].contribution("email", {}, None) is None
    assert CATALOGUE["won_amount"].contribution("opportunity_won", {}, 1200.5) == (1200.5, 0.0)
    assert CATALOGUE["avg_deal_size"].contribution("opportunity_won", {}, 1200.5) == (1200.5, 1.0)
    assert CATALOGUE["avg_deal_size"].contribution("opportunity_won", {}, None) is None  # no amount: not averaged
    assert CATALOGUE["win_rate"].contribution("opportunity_won", {}, None) is None  # ratios are never stored
    assert CATALOGUE["win_rate"].parts == ("wins", "closed_opportunities")


def test_filters_compare_like_json() -> None:
    c_level = CATALOGUE["c_level_meetings"]
    assert c_level.contribution("meeting", {"contact_level": "c_level"}, None) == (1.0, 0.0)
    assert c_level.contribution("meeting", {"contact_level": "vp"}, None) is None
    assert c_level.contribution("meeting", {}, None) is None
    flag = Metric("f", "f", "activity", "count", types=("call",), filters=(("new_logo", (True,)),), builtin=False)
    assert flag.contribution("call", {"new_logo": True}, None) == (1.0, 0.0)
    assert flag.contribution("call", {"new_logo": 1}, None) is None
    assert flag.contribution("call", {"new_logo": "true"}, None) is None
    size = Metric("s", "s", "activity", "count", types=("call",), filters=(("size", (1, 2.5, "big")),))
    assert [size.contribution("call", {"size": v}, None) is not None for v in (1.0, 2.5, "big", True, "1", 3)] == [
        True, True, True, False, False, False]


def test_numeric_attributes() -> None:
    seats = Metric("seats", "Seats", "activity", "sum", types=("opportunity_won",), field="attributes.seats")
    assert seats.contribution("opportunity_won", {"seats": 12}, 999.0) == (12.0, 0.0)
    for not_a_number in ("12", True, None, [1], {"n": 1}):
        assert seats.contribution("opportunity_won", {"seats": not_a_number}, None) is None
    assert seats.contribution("opportunity_won", {}, None) is None


def test_tenant_metrics_extend_the_catalogue_per_event_type() -> None:
    mine = Metric("exec_calls", "Exec calls", "activity", "count", types=("call",),
                  filters=(("contact_level", ("c_level",)),), builtin=False)
    metrics = Metrics.of([mine])
    assert [m.key for m in metrics.by_type("activities")["call"]] == ["calls", "exec_calls"]
    assert [m.key for m in metrics.by_type("activities")["opportunity_won"]] == [
        "wins", "closed_opportunities", "won_amount", "avg_deal_size"]
    assert [m.key for m in metrics.by_type("completions")["passed"]] == ["training_completions"]
