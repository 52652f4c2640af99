import pytest

from pipeline_common import gate
from pipeline_common.gate import MAXIMIZE, MINIMIZE, evaluate


def test_first_deploy_is_decided_by_the_floor_alone():
    assert evaluate("acc", MAXIMIZE, 0.9, None, 0.8).approved
    decision = evaluate("acc", MAXIMIZE, 0.7, None, 0.8)
    assert not decision.approved and "misses the floor 0.8" in decision.reason


def test_a_worse_model_is_rejected_even_above_the_floor():
    decision = evaluate("acc", MAXIMIZE, 0.91, 0.95, 0.8)
    assert not decision.approved
    assert "0.91" in decision.reason and "0.95" in decision.reason


def test_an_equal_model_passes_with_zero_min_improvement():
    assert evaluate("acc", MAXIMIZE, 0.95, 0.95, 0.8).approved


def test_min_improvement_is_required_when_set():
    assert not evaluate("acc", MAXIMIZE, 0.955, 0.95, None, min_improvement=0.01).approved
    assert evaluate("acc", MAXIMIZE, 0.961, 0.95, None, min_improvement=0.01).approved


def test_minimize_direction_prefers_lower_values():
    assert evaluate("rmse", MINIMIZE, 1.0, 1.2, 2.0).approved
    assert not evaluate("rmse", MINIMIZE, 1.3, 1.2, 2.0).approved
    assert not evaluate("rmse", MINIMIZE, 2.5, None, 2.0).approved


def test_unknown_direction_is_rejected():
    with pytest.raises(ValueError, match="'Biggest'"):
        evaluate("acc", "Biggest", 1.0, None, None)


@pytest.mark.parametrize("candidate", [float("nan"), float("inf"), float("-inf")])
@pytest.mark.parametrize(("floor", "current"), [(None, None), (0.8, None), (None, 0.9), (0.8, 0.9)])
def test_a_metric_that_is_not_finite_is_never_approved(candidate, floor, current):
    decision = gate.evaluate("validation:accuracy", gate.MAXIMIZE, candidate, current, floor)
    assert not decision.approved and "never deployed" in decision.reason


def test_decisions_travel_as_json_without_bare_nan_tokens():
    import json

    decision = gate.evaluate("loss", gate.MINIMIZE, float("nan"), None, None)
    assert json.loads(json.dumps(decision.as_dict(), allow_nan=False))["candidate"] == "NaN"
    assert gate.metric_value("NaN") != gate.metric_value("NaN")
    assert gate.metric_value("high") is None and gate.metric_value(True) is None


def same_data(candidate=0.9, champion=0.8, interval=(0.1, 0.02, 0.18), rule=gate.PAIRED_INTERVAL, direction=MAXIMIZE, min_improvement=0.0, floor=None):
    return gate.evaluate_same_data("acc", direction, candidate, champion, interval, floor, min_improvement, rule, 45)


def test_the_paired_interval_ships_only_when_its_lower_bound_clears_min_improvement():
    assert same_data(interval=(0.1, 0.02, 0.18)).approved
    assert not same_data(interval=(0.04, -0.04, 0.13)).approved, "a better number that could be luck is not shipped"
    assert not same_data(interval=(0.1, 0.02, 0.18), min_improvement=0.05).approved
    decision = same_data(interval=(0.1, 0.02, 0.18))
    assert decision.comparison == gate.SAME_DATA and decision.rows == 45 and (decision.diff, decision.lower, decision.upper) == (0.1, 0.02, 0.18)
    assert "95% interval [+0.02, +0.18]" in decision.reason and "on the same 45 rows" in decision.reason


def test_for_a_metric_to_minimize_the_upper_bound_must_be_below_minus_min_improvement():
    assert same_data(candidate=0.2, champion=0.3, interval=(-0.1, -0.18, -0.02), direction=MINIMIZE).approved
    assert not same_data(candidate=0.2, champion=0.3, interval=(-0.1, -0.18, 0.01), direction=MINIMIZE).approved


def test_plain_comparison_or_no_interval_compares_the_two_numbers_on_the_same_rows():
    assert same_data(interval=(0.04, -0.04, 0.13), rule=gate.PLAIN_COMPARISON).approved
    decision = same_data(candidate=0.9, champion=0.9, interval=None)
    assert decision.approved and "no paired interval" in decision.reason
    assert not same_data(candidate=0.85, champion=0.9, interval=None).approved


def test_the_floor_and_non_finite_metrics_apply_to_the_same_data_comparison_too():
    assert not same_data(candidate=0.7, floor=0.8).approved
    assert not same_data(candidate=float("nan")).approved


def test_the_recorded_comparison_is_named_as_such():
    assert gate.evaluate("acc", MAXIMIZE, 0.9, 0.8, None).comparison == gate.RECORDED
    assert gate.evaluate("acc", MAXIMIZE, 0.9, None, None).comparison == gate.NONE


POOLS = (gate.Pooled("pooled-short", 3, 135, 0.01, -0.02, 0.04), gate.Pooled("pooled-long", 14, 630, 0.012, -0.003, 0.027))


def pooled(interval, pools=POOLS, rule=gate.POOLED_EVIDENCE, direction=MAXIMIZE, margin=-0.005, min_improvement=0.0):
    floor = 0.8 if direction == MAXIMIZE else None
    return gate.evaluate_same_data("acc", direction, 0.95, 0.95 - interval[0], interval, floor, min_improvement, rule, 45, pools, margin)


def test_pooled_evidence_ships_when_today_is_inconclusive_and_the_long_pool_shows_at_least_as_good():
    decision = pooled((0.02, -0.04, 0.09))
    assert decision.approved and decision.evidence == "the last 14 days' 630 rows (pooled-long)"
    assert (decision.rows, decision.diff, decision.lower, decision.upper) == (630, 0.012, -0.003, 0.027), "the pool that decided is recorded"
    assert "today's" not in decision.evidence and "vs PooledMinImprovement -0.005: at least as good" in decision.reason
    assert "on the last 3 days' 135 rows (pooled-short): difference +0.01, 95% interval [-0.02, +0.04], lower bound -0.02" in decision.reason


def test_a_model_possibly_worse_on_every_pool_is_kept_out_naming_each():
    decision = pooled((-0.02, -0.09, 0.04), pools=(gate.Pooled("pooled-short", 3, 135, -0.01, -0.04, 0.02),
                                                  gate.Pooled("pooled-long", 14, 630, -0.008, -0.02, 0.004)))
    assert not decision.approved and decision.evidence == "today's 45 rows"
    assert decision.reason.count("possibly worse") == 2 and "not clearly better" in decision.reason


def test_a_clear_improvement_today_ships_on_todays_rows_without_the_pools():
    decision = pooled((0.1, 0.02, 0.18))
    assert decision.approved and decision.evidence == "today's 45 rows" and "pooled" not in decision.reason


def test_paired_interval_decides_on_todays_rows_only():
    assert not pooled((0.02, -0.04, 0.09), rule=gate.PAIRED_INTERVAL).approved


def test_a_container_that_reports_no_pooled_lines_is_decided_on_todays_rows_and_says_so():
    decision = pooled((0.02, -0.04, 0.09), pools=())
    assert not decision.approved and decision.reason.endswith("(no pooled rows: the container reported none)")


def test_a_negative_min_improvement_is_a_non_inferiority_margin_on_todays_rows():
    decision = pooled((0.0, -0.03, 0.03), pools=(), min_improvement=-0.05)
    assert decision.approved and "vs MinImprovement -0.05: at least as good" in decision.reason


def test_pools_follow_the_metrics_direction():
    rmse_pool = (gate.Pooled("pooled-long", 14, 630, -0.01, -0.02, 0.003),)
    assert pooled((-0.01, -0.05, 0.03), pools=rmse_pool, direction=MINIMIZE).approved, "upper bound 0.003 < 0.005: at least as good"
    assert not pooled((-0.01, -0.05, 0.03), pools=rmse_pool, direction=MINIMIZE, margin=-0.001).approved
