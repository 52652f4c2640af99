from datetime import date

import pytest

from pipeline_common import dates
from pipeline_common.errors import ConfigError, InvalidInput

PARIS = dates.timezone("Europe/Paris")
UTC = dates.timezone("UTC")


def test_plain_date_is_taken_as_given():
    assert dates.run_date("2026-11-20", None, PARIS) == date(2026, 11, 20)


def test_scheduler_timestamp_becomes_the_calendar_date_in_the_timezone():
    assert dates.run_date("2026-11-23T23:30:00Z", None, PARIS) == date(2026, 11, 24)
    assert dates.run_date("2026-11-23T23:30:00Z", None, UTC) == date(2026, 11, 23)


def test_missing_date_uses_the_execution_start_time():
    assert dates.run_date(dates.ABSENT, "2026-11-24T06:00:03.120Z", UTC) == date(2026, 11, 24)


@pytest.mark.parametrize("raw", ["2026-02-30", "yesterday", "24/11/2026", "2026-11-24T25:00:00Z"])
def test_malformed_date_names_the_value_and_the_expected_format(raw):
    with pytest.raises(InvalidInput, match=f"'{raw}'.*expected YYYY-MM-DD"):
        dates.run_date(raw, None, UTC)


def test_timestamp_without_offset_is_rejected():
    with pytest.raises(InvalidInput, match="no UTC offset"):
        dates.run_date("2026-11-24T06:00:00", None, UTC)


def test_non_string_date_is_rejected():
    with pytest.raises(InvalidInput, match="is a int"):
        dates.run_date(20261124, None, UTC)


def test_data_date_applies_the_lag():
    assert dates.data_date(date(2026, 3, 1), 1) == date(2026, 2, 28)


def test_bad_timezone_names_itself():
    with pytest.raises(ConfigError, match="'Mars/Olympus'"):
        dates.timezone("Mars/Olympus")
