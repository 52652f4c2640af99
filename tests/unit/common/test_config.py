import pytest

from pipeline_common import config
from pipeline_common.errors import ConfigError


def test_a_choice_outside_the_allowed_values_is_named_with_them(monkeypatch):
    monkeypatch.setenv("APPROVAL_MODE", "Sometimes")
    with pytest.raises(ConfigError, match="APPROVAL_MODE='Sometimes' must be one of Auto, Manual"):
        config.one_of("APPROVAL_MODE", ("Auto", "Manual"))
    monkeypatch.setenv("APPROVAL_MODE", "Manual")
    assert config.one_of("APPROVAL_MODE", ("Auto", "Manual")) == "Manual"


@pytest.mark.parametrize(("raw", "message"), [("high", "'high' is not a number \\(or empty for none\\)"), ("nan", "'nan' is not a finite number"),
                                              ("inf", "'inf' is not a finite number")])
def test_an_optional_number_must_be_finite_or_empty(monkeypatch, raw, message):
    monkeypatch.setenv("METRIC_FLOOR", raw)
    with pytest.raises(ConfigError, match=f"METRIC_FLOOR={message}"):
        config.optional_float("METRIC_FLOOR")
    monkeypatch.setenv("METRIC_FLOOR", "")
    assert config.optional_float("METRIC_FLOOR") is None


def test_a_required_number_is_not_optional(monkeypatch):
    monkeypatch.setenv("RETRAIN_BELOW", "")
    with pytest.raises(ConfigError, match="RETRAIN_BELOW is not set"):
        config.required_float("RETRAIN_BELOW")
    monkeypatch.setenv("RETRAIN_BELOW", "0.9x")
    with pytest.raises(ConfigError, match="RETRAIN_BELOW='0.9x' is not a number$"):
        config.required_float("RETRAIN_BELOW")
    monkeypatch.setenv("RETRAIN_BELOW", "0.9")
    assert config.required_float("RETRAIN_BELOW") == 0.9
