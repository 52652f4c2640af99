from datetime import date

import pytest

from pipeline_common import names


def test_job_name_is_deterministic_per_data_date_and_attempt():
    assert names.training_job_name("retrain", "multiclass", date(2026, 11, 23), 1) == "retrain-multiclass-20261123"
    assert names.training_job_name("retrain", "multiclass", date(2026, 11, 23), 2) == "retrain-multiclass-20261123-a2"


def test_too_long_name_is_rejected_with_advice():
    with pytest.raises(ValueError, match="shorten ResourcePrefix or Target"):
        names.training_job_name("p" * 40, "t" * 20, date(2026, 11, 23), 1)


def test_tags_carry_stack_date_and_execution():
    tags = {t["Key"]: t["Value"] for t in names.tags("stack", "2026-11-23", "arn:exec")}
    assert tags == {names.TAG_PIPELINE: "stack", names.TAG_DATA_DATE: "2026-11-23", names.TAG_EXECUTION: "arn:exec"}
