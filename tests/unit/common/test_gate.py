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
